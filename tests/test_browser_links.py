"""Links that always work: a deep link opened first on a freshly started server shows the whole app."""

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


@pytest.fixture
def fresh_server(chromium: str) -> Iterator[str]:
    """A server started for this test alone, so the link below is the first request it ever gets."""
    with streamlit_app("fresh-links") as base:
        yield base


def _nav_texts(page: OfflinePage) -> list[str]:
    links = page.page.locator('[data-testid="stSidebarNav"] a')
    # each link reads "<icon name>\n\n<title>"
    return [links.nth(i).inner_text().strip().split("\n")[-1] for i in range(links.count())]


@pytest.mark.parametrize("path", ["/route?lang=es", "/map?lang=es"])
def test_first_request_to_a_deep_link_in_spanish_shows_the_app_and_a_drawn_map(
    browser: object, fresh_server: str, path: str
) -> None:
    page = OfflinePage(browser, 1400, 1000)
    try:
        page.page.goto(fresh_server + path)
        page.map_frame()
        page.settle()
        page.shot(f"fresh-link{path.split('?')[0].replace('/', '-')}-es.png")
        assert _nav_texts(page) == [t(key, "es") for key in NAV]
        assert page.page.evaluate("document.documentElement.lang") == "es"
        assert page.page.get_by_text("Page not found").count() == 0
        assert page.page.get_by_role("radio", name="Español").is_checked()
        # wide layout: the main column uses most of the window, not Streamlit's narrow centred column
        width = page.page.locator('[data-testid="stMainBlockContainer"]').bounding_box()["width"]
        assert width > 900, width
        drawn = page.map_layers()
        assert drawn["polygons"] + drawn["markers"] + drawn["lines"] > 0, drawn
        assert not page.errors, page.errors
    finally:
        page.close()
