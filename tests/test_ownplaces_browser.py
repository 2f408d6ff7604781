"""Drawing your own area in the browser: the polygon tool, a name, and the area becomes the focus place."""

from __future__ import annotations

import pytest

from geo.core.i18n import t
from tests.conftest import CLICK_MAP, OfflinePage

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_area_drawn_on_the_map_becomes_the_focus_place(app_server: str, offline_page: OfflinePage,
                                                          lang: str) -> None:  # fmt: skip
    page = offline_page.page
    page.goto(f"{app_server}/?lang={lang}")
    offline_page.map_frame()
    page.get_by_text(t("ownplace.draw_title", lang)).click()
    page.get_by_role("button", name=t("ownplace.start", lang)).click()
    for n, (dx, dy) in enumerate(((-60, -50), (60, -50), (60, 50), (-60, 50)), start=1):
        page.locator(CLICK_MAP).wait_for(timeout=60_000)
        box = page.locator(CLICK_MAP).bounding_box()
        assert box is not None
        page.frame_locator(CLICK_MAP).locator(".leaflet-container").click(
            position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy}
        )
        page.get_by_text(t("ownplace.corners", lang, n=n)).wait_for(timeout=60_000)  # each click is a corner
        offline_page.settle()
        page.frame_locator(CLICK_MAP).locator(".leaflet-container").wait_for(timeout=60_000)
    name = "Blocks I drew"
    field = page.get_by_label(t("ownplace.name", lang))
    field.fill(name)
    field.press("Enter")
    use = page.get_by_role("button", name=t("ownplace.use", lang, kind=t("ownplace.kind.area", lang), name=name))
    use.wait_for(timeout=60_000)
    use.click()
    metric = page.locator('[data-testid="stMetricLabel"]', has_text=name)
    metric.first.wait_for(timeout=60_000)
    assert "area=" in page.url
    assert not offline_page.errors
