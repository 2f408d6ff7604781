"""The upload limit is said in the page's language and is the one the dosage reader applies."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from geo.core.settings import get_settings
from tests.conftest import OfflinePage
from tests.page_helpers import open_page

ROOT = Path(__file__).resolve().parents[1]


def test_streamlits_upload_limit_is_the_gpx_limit(fresh_settings: None) -> None:
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["server"]
    assert server["maxUploadSize"] == get_settings().dosage.max_file_mb


@pytest.mark.app
@pytest.mark.parametrize(("lang", "said"), [("es", "Archivos GPX de hasta 20 MB cada uno."),
                                             ("en", "GPX files of up to 20 MB each.")])  # fmt: skip
def test_the_route_page_says_the_limit_in_its_language(lang: str, said: str, fresh_settings: None) -> None:
    at = open_page("route", {"lang": lang})
    assert not at.exception, at.exception
    assert said in [c.value for c in at.caption]


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_uploader_speaks_the_pages_language(app_server: str, offline_page: OfflinePage, lang: str) -> None:
    """Streamlit writes "Upload" and "Limit 200MB per file" in English on every page; the page says its own words."""
    from geo.core.i18n import t

    page = offline_page.page
    page.goto(f"{app_server}/route?lang={lang}")
    zone = page.locator('[data-testid="stFileUploaderDropzone"]').first
    zone.wait_for(state="attached", timeout=60_000)
    offline_page.settle()
    button = zone.locator("button")
    word = json.dumps(t("app.upload", lang))
    page.wait_for_function(  # the page's style arrives with the language, after the widgets
        "w => getComputedStyle(document.querySelector('[data-testid=stFileUploaderDropzone] button'),"
        " '::after').content === w", arg=word, timeout=60_000,
    )  # fmt: skip
    assert button.first.evaluate("b => getComputedStyle(b, '::after').content") == word
    visible = zone.inner_text()
    assert "per file" not in visible
    assert lang == "en" or "Upload" not in visible
    name = button.first.evaluate("b => b.innerText")
    assert lang == "en" or "Upload" not in name  # Streamlit's own word is out of what a screen reader reads
