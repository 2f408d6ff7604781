"""The search box's "Near me" in a real browser: the device's location when the browser shares it, and a sentence in
the page's language when it refuses (Playwright grants or withholds the geolocation permission)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from geo.core.i18n import fmt_int, t
from tests.conftest import ARTIFACTS, LOCAL_PREFIXES, ROOT
from tests.pg_server import free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

HERE = (33.98394, -118.30458)  # the Harvard Recreation Center (DESIGN.md)
BOX = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import streamlit as st
from geo.core.settings import get_settings
from ui.search import search_box

lang = st.query_params.get("lang", "en")
found = search_box(settings=get_settings(), lang=lang, key="s")
st.text(f"found: {{None if found is None else (found.label, found.kind, found.lat, found.lon)}}")
"""


@pytest.fixture(scope="module")
def box_url(tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[str]:
    """A page holding only the search box, served by `streamlit run` on localhost."""
    script = tmp_path_factory.mktemp("search") / "box.py"
    script.write_text(BOX, encoding="utf-8")
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "SAFETYMAP__MAP__TILES__ENABLED": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.headless", "true", "--server.address", "127.0.0.1"]  # fmt: skip
    with (ARTIFACTS / "streamlit-search-box.log").open("w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.1)  # poll until the server answers
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def _near_me(browser: Browser, url: str, *, granted: bool, lang: str) -> tuple[list[str], list[str]]:
    context = browser.new_context(
        geolocation={"latitude": HERE[0], "longitude": HERE[1], "accuracy": 20},
        permissions=["geolocation"] if granted else [],
    )
    context.route(lambda u: not u.startswith(LOCAL_PREFIXES), lambda route: route.abort())
    try:
        page = context.new_page()
        page.goto(f"{url}/?lang={lang}")
        button = page.get_by_role("button", name=t("search.near_me", lang))
        button.click(timeout=60_000)
        shown = page.locator('[data-testid="stText"]')
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stText\"]')?.innerText.endsWith('None')"
                               if granted else "() => document.querySelector('[data-testid=\"stAlert\"]') !== null",
                               timeout=30_000)  # fmt: skip
        page.screenshot(path=str(ARTIFACTS / f"search-near-me-{lang}-{'granted' if granted else 'refused'}.png"))
        return shown.all_inner_texts(), page.locator('[data-testid="stAlert"]').all_inner_texts()
    finally:
        context.close()


def test_near_me_gives_the_devices_location(browser: Browser, box_url: str) -> None:
    texts, alerts = _near_me(browser, box_url, granted=True, lang="es")
    label = t("search.here", "es", metres=fmt_int(20, "es"))
    assert texts == [f"found: ('{label}', 'location', {HERE[0]}, {HERE[1]})"]
    assert alerts == []


def test_a_refusal_is_said_in_words(browser: Browser, box_url: str) -> None:
    texts, alerts = _near_me(browser, box_url, granted=False, lang="en")
    assert texts == ["found: None"]
    assert alerts == [t("search.here_refused", "en")]
