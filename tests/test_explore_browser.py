"""Exploring in place on the Map page, in the browser: the search box finds a place, an intersection and an address
and makes it the focus; the search, drawing and notes tools at phone width, axe-clean in both languages."""

from __future__ import annotations

import json
from urllib.parse import quote_plus

import pytest

from geo.core.i18n import t
from tests.conftest import ARTIFACTS, CLICK_MAP, OfflinePage

pytestmark = pytest.mark.browser


FOUND = (
    ("Western Ave & W 62nd St", "Western Ave & W 62nd St"),  # an intersection of the walking network
    ("1535 W 62nd St", "1535 W 62nd St"),  # an address point of the (synthetic) address layer
    ("harvard park", "Harvard Park"),  # a place by its name, typed as people type
)


def test_what_the_search_finds_becomes_the_focus(app_server: str, offline_page: OfflinePage) -> None:
    page = offline_page.page
    page.goto(f"{app_server}/?place=Jordan%20Downs")
    offline_page.map_frame()
    page.get_by_text(t("ownplace.find_title", "en"), exact=True).click()
    for query, focus in FOUND:  # one after the other, as a person looks for the next place
        box = page.get_by_label(t("search.label", "en"))
        box.fill(query)
        box.press("Enter")
        button = page.get_by_role("button", name=t("ownplace.focus_on", "en", name=focus))
        button.wait_for(timeout=60_000)
        button.click()
        page.locator('[data-testid="stMetricLabel"]', has_text=focus).first.wait_for(timeout=60_000)
        offline_page.settle()
        if focus == "Harvard Park":  # a place of the data is chosen by its name
            assert "place=Harvard+Park" in page.url
        else:  # a found point travels in the link as a point of its own
            assert "at=" + quote_plus(focus) in page.url, query
    assert not offline_page.errors


@pytest.mark.parametrize(("lang", "width"), [("es", 390), ("en", 1400)])
def test_the_tools_open_fit_the_width_and_are_axe_clean(app_server: str, browser: object, lang: str,
                                                        width: int) -> None:  # fmt: skip
    from axe_playwright_python.sync_playwright import Axe

    view = OfflinePage(browser, width, 900)
    page = view.page
    try:
        page.goto(f"{app_server}/?lang={lang}&step=year&notes=33.98394%2C-118.30458~Meet")
        view.map_frame()
        for title in ("ownplace.find_title", "ownplace.draw_title"):
            page.get_by_text(t(title, lang), exact=True).click()
        page.get_by_text(t("notes.editor.title", lang, n="1")).click()
        page.get_by_label(t("search.label", lang)).fill("Western")
        page.get_by_label(t("search.label", lang)).press("Enter")
        page.get_by_role("button", name=t("ownplace.start", lang)).click()
        page.locator(CLICK_MAP).wait_for(timeout=60_000)
        view.settle()
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1  # nothing pushes the page wider
        result = Axe().run(page)
        violations = [v for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"axe-explore-{lang}-{width}.json").write_text(json.dumps(violations, indent=1), encoding="utf-8")
        view.shot(f"explore-{lang}-{width}.png")
        assert not violations, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
    finally:
        view.close()
