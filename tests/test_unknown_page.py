"""A link to a page the dashboard does not have (/patrol) says so in the page's language, with links to its pages.

Streamlit runs the default page (Map) for a path no page has; AppTest cannot open a URL path, so this is a
browser test (Debian's chromium through Playwright; it skips with the reason where chromium is absent).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from geo.core.i18n import t
from tests.conftest import OfflinePage, streamlit_app

pytestmark = pytest.mark.browser

NAV = (
    "nav.map", "nav.trends", "nav.present", "nav.route", "nav.rates", "nav.community", "nav.data", "nav.methods",
    "nav.audit",
)  # fmt: skip
MAIN = '[data-testid="stMain"]'


@pytest.fixture(scope="module")
def server(chromium: str) -> Iterator[str]:
    with streamlit_app("unknown-page") as base:
        yield base


@pytest.fixture
def page(offline_page: OfflinePage) -> OfflinePage:
    return offline_page  # tests/conftest.py: a 1400 x 1000 page, closed after the test


def _main_text(page: OfflinePage) -> str:
    return page.page.locator(MAIN).inner_text()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_unknown_path_says_the_page_does_not_exist_and_links_every_page(
    server: str, page: OfflinePage, lang: str
) -> None:
    page.page.goto(f"{server}/patrol?lang={lang}")
    page.page.get_by_text(t("app.missing_title", lang)).first.wait_for(timeout=60_000)
    page.settle()
    page.shot(f"unknown-page-{lang}.png")
    text = _main_text(page)
    assert t("app.missing_page", lang, path="/patrol") in text
    links = page.page.locator(f'{MAIN} [data-testid="stPageLink"] a')
    titles = [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]
    assert titles == [t(key, lang) for key in NAV]
    assert page.page.locator(f"{MAIN} iframe").count() == 0, "the Map page was drawn under the notice"
    assert page.page.get_by_role("dialog").count() == 0, "Streamlit's own English 'Page not found' dialog"
    assert not page.errors, page.errors
    # the language switch reruns the notice in the other language
    other = "es" if lang == "en" else "en"
    page.page.get_by_text("Español" if other == "es" else "English", exact=True).click()
    page.page.get_by_text(t("app.missing_page", other, path="/patrol")).wait_for(timeout=60_000)
    # a link of the notice opens its page
    links = page.page.locator(f'{MAIN} [data-testid="stPageLink"] a')
    links.nth(NAV.index("nav.methods")).click()
    page.page.get_by_role("heading", name=t("nav.methods", other)).first.wait_for(timeout=60_000)
    page.settle()
    assert t("app.missing_title", other) not in _main_text(page)


@pytest.mark.parametrize("path", ["/", "/map", "/trends"])
def test_known_paths_show_their_page_and_no_notice(server: str, page: OfflinePage, path: str) -> None:
    page.page.goto(f"{server}{path}")
    page.settle()
    page.page.locator(f"{MAIN} h1").first.wait_for(timeout=60_000)
    assert t("app.missing_title", "en") not in _main_text(page)
