"""Shared fixtures and tiers (unit, real data, app, browser). No test touches the network."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests

from tests.fakehttp import FakeAdapter, fake_session
from tests.pg_server import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FrameLocator, Route

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
def fresh_settings() -> Iterator[None]:
    """Forget the cached process-wide settings before and after a test."""
    from geo.core.settings import use_config

    use_config(None)
    yield
    use_config(None)


# --- fake HTTP layer ---------------------------------------------------------------------
@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if the test opens a connection, and make osmnx's downloader (the OpenStreetMap walking network)
    answer as an offline machine does."""
    from geo.core.errors import SourceError

    def refuse(*args: object, **kwargs: object) -> None:
        msg = "network access in a test"
        raise AssertionError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)

    def no_osmnx(lat: float, lon: float, dist_m: float, *, timeout_s: float) -> None:
        msg = "ConnectionError: offline (test)"
        raise SourceError(msg)

    monkeypatch.setattr("geo.data.walknet.osmnx_fetch", no_osmnx)


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
# Counts of drawn Leaflet layers by kind, read from the page's map object (null before the map exists).
COUNT_LAYERS = """() => {
    const m = typeof L === "undefined" ? undefined : Object.values(window).find(v => v instanceof L.Map);
    if (m === undefined) return null;
    const c = {markers: 0, polygons: 0, lines: 0, tiles: 0};
    m.eachLayer(l => {
        if (l instanceof L.CircleMarker) c.markers++;
        else if (l instanceof L.Polygon) c.polygons++;
        else if (l instanceof L.Polyline) c.lines++;
        else if (l instanceof L.TileLayer) c.tiles++;
    });
    return c;
}"""
# True once the map holds at least the given number of layers of each kind.
LAYERS_AT_LEAST = f"""(least) => {{
    const c = ({COUNT_LAYERS})();
    return c !== null && Object.entries(least).every(([kind, n]) => c[kind] >= n);
}}"""
# True once Streamlit's script run has finished and what it sent is drawn: no placeholder, no running
# indicator, every chart drawn and every image loaded (the attribute is the one Streamlit's own e2e tests read).
SCRIPT_DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.dataset.testScriptState !== "notRunning") return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stStatusWidgetRunningIcon"]')) return false;
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    if (charts.some(c => !c.querySelector("canvas, svg"))) return false;
    return [...document.querySelectorAll('[data-testid="stImage"] img')].every(i => i.complete && i.naturalWidth > 0);
}"""
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "data:", "blob:", "about:")
# the Map, Rates and dosage maps are static frames; the route map is streamlit_folium's component (it answers clicks)
STATIC_MAP = 'iframe[data-testid="stIFrame"]'
CLICK_MAP = 'iframe[title*="st_folium"]'
MAP_IFRAME = f"{STATIC_MAP}, {CLICK_MAP}"


def _need_browser(reason: str) -> None:
    if os.environ.get("SAFETYMAP_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here but cannot run: {reason}")
    pytest.skip(reason)


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
def streamlit_app(
    name: str, extra_env: dict[str, str] | None = None, *, args: Sequence[str] = (), port: int | None = None
) -> Iterator[str]:
    """Run `streamlit run app.py` (with Streamlit options ``args``) on ``port`` (default: a free localhost port);
    yield its base URL; stop it after."""
    port = port or free_port()
    env = {**os.environ, "SAFETYMAP__MAP__TILES__ENABLED": "false", **(extra_env or {})}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"streamlit-{name}.log"
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.headless", "true", "--server.address", "127.0.0.1", *args]  # fmt: skip
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
                    time.sleep(0.1)  # poll the health endpoint until the server answers
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
def browser(chromium: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


class OfflinePage:
    """A page whose every request to anywhere but localhost is blocked (and recorded)."""

    def __init__(self, browser: Browser, width: int, height: int) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height})
        self.blocked: list[str] = []
        self.errors: list[str] = []
        # only requests leaving the machine are intercepted: intercepting every request stalls the app's scripts
        # after a redirect chain through another local server (the sign-in provider)
        self.context.route(lambda url: not url.startswith(LOCAL_PREFIXES), self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(LOCAL_PREFIXES):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def map_frame(self, timeout_ms: int = 60_000) -> FrameLocator:
        """The map's component frame, once its legend is drawn (the map script's last step)."""
        # while a rerun replaces the map, the old and the new frame exist side by side for a moment
        self.page.wait_for_function(
            f"() => document.querySelectorAll({json.dumps(MAP_IFRAME)}).length === 1", timeout=timeout_ms
        )
        frame = self.page.frame_locator(MAP_IFRAME)
        frame.locator(".safetymap-legend").wait_for(timeout=timeout_ms)
        return frame

    def map_layers(self, timeout_ms: int = 60_000, **at_least: int) -> dict[str, int]:
        """Counts of drawn Leaflet layers by kind, once the map has ``at_least`` layers of each kind."""
        self.map_frame(timeout_ms)
        frame = self.page.locator(MAP_IFRAME).element_handle(timeout=timeout_ms).content_frame()
        if frame is None:
            msg = "the map's iframe has no content frame"
            raise AssertionError(msg)
        frame.wait_for_function(LAYERS_AT_LEAST, arg=at_least, timeout=timeout_ms)
        counts: dict[str, int] = frame.evaluate(COUNT_LAYERS)
        return counts

    def settle(self, timeout_ms: int = 60_000) -> None:
        """Wait until the script run has finished and what it sent is drawn."""
        self.page.wait_for_function(SCRIPT_DONE, timeout=timeout_ms)

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline_page(browser: Browser) -> Iterator[OfflinePage]:
    page = OfflinePage(browser, 1400, 1000)
    try:
        yield page
    finally:
        page.close()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[OfflinePage]:
    page = OfflinePage(browser, 390, 844)
    try:
        yield page
    finally:
        page.close()


# --- nginx (the team-server test puts it in front of two dashboard processes) ------------------


@pytest.fixture(scope="session")
def nginx() -> str:
    """Debian's nginx binary; skips without it, unless SAFETYMAP_REQUIRE_NGINX=1 (CI), when it fails."""
    path = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if path is None:
        reason = "nginx is not installed (apt-get install nginx-light); CI installs it"
        if os.environ.get("SAFETYMAP_REQUIRE_NGINX") == "1":
            pytest.fail(f"nginx tests are required here (SAFETYMAP_REQUIRE_NGINX=1) but {reason}")
        pytest.skip(reason)
    return str(path)


# --- throwaway PostGIS server ----------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """A PostgreSQL + PostGIS server for this test session (see tests/pg_server.py); skips without one."""
    from tests.pg_server import start_server

    yield from start_server()


@pytest.fixture
def pg_url(pg_server, request) -> str:
    """The URL of a fresh database with PostGIS on the session's throwaway server."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return str(pg_server.create_db(name))
