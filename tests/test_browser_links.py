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


# the Map page's link carries a drawn area as the focus, the playback's step and a note for the meeting
AREA = "Cuadras%20de%20la%2062~oblnE~m%60qU%3F_X~W%3F%3F~W_X%3F"
NOTE = "33.98394%2C-118.30458~Nos%2520vemos%2520aqu%25C3%25AD"
MAP = f"/map?lang=es&step=year&area={AREA}&place=Cuadras%20de%20la%2062&notes={NOTE}"


@pytest.mark.parametrize("path", ["/route?lang=es", MAP])
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
        if path == MAP:
            label = page.page.locator('[data-testid="stMetricLabel"]', has_text="Cuadras de la 62")
            assert label.count() == 1  # the drawn area is the focus on the first request
            frame = page.page.frame_locator('iframe[data-testid="stIFrame"]')
            assert frame.locator(".playback output").inner_text() == "2010"
            assert frame.get_by_text("Nos vemos aquí").count() >= 1
        assert not page.errors, page.errors
    finally:
        page.close()
