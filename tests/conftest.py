"""Shared fixtures and tiers (unit, real data, app, browser). No test touches the network."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.fakehttp import FakeAdapter, fake_session

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
ARTIFACTS = ROOT / "tests" / "artifacts"

# The map would probe a tile server on the internet; tests never touch the network.
os.environ["SAFETYMAP__MAP__TILES__ENABLED"] = "false"


@pytest.fixture
def shared_data() -> Path:
    """The real public extracts in ../shared/data (skips when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see shared/data/SOURCES.md)")
    return SHARED_DATA


def shared_file(*parts: str) -> Path:
    """A file in ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real-data file not available: {path} (../shared/data is absent on this machine)")
    return path


@pytest.fixture
def fresh_settings():
    """Forget the cached process-wide settings before and after a test."""
    from geo.core.settings import use_config

    use_config(None)
    yield
    use_config(None)


# --- fake HTTP layer ---------------------------------------------------------------------
@pytest.fixture
def no_sleep() -> list[float]:
    """Collects requested sleeps instead of sleeping."""
    return []


@pytest.fixture
def fake_http() -> Callable[..., tuple[requests.Session, FakeAdapter]]:
    """Factory ``fake_http(replies) -> (session, adapter)``; see :class:`FakeAdapter`."""
    return fake_session


# --- browser tier -------------------------------------------------------------------------

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Counts of drawn Leaflet layers by kind, read from the page's map object.
COUNT_LAYERS = """() => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    const c = {markers: 0, polygons: 0, lines: 0, tiles: 0};
    m.eachLayer(l => {
        if (l instanceof L.CircleMarker) c.markers++;
        else if (l instanceof L.Polygon) c.polygons++;
        else if (l instanceof L.Polyline) c.lines++;
        else if (l instanceof L.TileLayer) c.tiles++;
    });
    return c;
}"""
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "data:", "blob:", "about:")


def _need_browser(reason: str) -> None:
    if os.environ.get("SAFETYMAP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _need_browser("Debian's chromium is not installed (apt-get install chromium); CI installs it")
    try:
        import playwright  # noqa: F401
    except ImportError:
        _need_browser("playwright is not installed (pip install -r requirements-dev.txt)")
    return str(path)


@contextlib.contextmanager
def streamlit_app(name: str, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Run `streamlit run app.py` on a free localhost port; yield its base URL; stop it after."""
    port = _free_port()
    env = {**os.environ, "SAFETYMAP__MAP__TILES__ENABLED": "false", **(extra_env or {})}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"streamlit-{name}.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.headless", "true", "--server.address", "127.0.0.1"]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            else:
                pytest.fail(f"streamlit did not answer /_stcore/health within 60 s; see {log}")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def app_server(chromium: str) -> Iterator[str]:
    """The dashboard on the demo bundle, served on localhost for the browser tests."""
    with streamlit_app("demo") as base:
        yield base


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


class OfflinePage:
    """A page whose every request to anywhere but localhost is blocked (and recorded)."""

    def __init__(self, browser: object, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(LOCAL_PREFIXES):
            route.continue_()  # type: ignore[attr-defined]
        else:
            self.blocked.append(url)
            route.abort()  # type: ignore[attr-defined]

    def map_frame(self, timeout_ms: int = 60_000) -> object:
        # while a rerun replaces the map, the old and the new frame exist side by side for a moment
        self.page.wait_for_function(
            "() => document.querySelectorAll('iframe[title*=\"st_folium\"]').length === 1", timeout=timeout_ms
        )
        frame = self.page.frame_locator('iframe[title*="st_folium"]')
        frame.locator(".safetymap-legend").wait_for(timeout=timeout_ms)
        return frame

    def map_layers(self) -> dict[str, int]:
        """Counts of drawn Leaflet layers by kind, read from the map object in the component frame."""
        for fr in self.page.frames:
            if "st_folium" in fr.url or "streamlit_folium" in fr.url:
                return fr.evaluate(COUNT_LAYERS)
        msg = "map frame not found"
        raise AssertionError(msg)

    def settle(self, timeout_ms: int = 60_000) -> None:
        """Wait until the script run has finished and no placeholder is left on the page."""
        self.page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stSkeleton\"]')"
            ' && !document.querySelector(\'[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]\')',
            timeout=timeout_ms,
        )
        self.page.wait_for_timeout(700)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline_page(browser: object) -> Iterator[OfflinePage]:
    page = OfflinePage(browser, 1400, 1000)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture
def phone_page(browser: object) -> Iterator[OfflinePage]:
    page = OfflinePage(browser, 390, 844)
    try:
        yield page
    finally:
        page.close()
