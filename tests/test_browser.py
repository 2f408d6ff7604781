"""Browser tier: `streamlit run` + Debian's chromium, every non-localhost request blocked."""

from __future__ import annotations

import pytest

from tests.conftest import OfflinePage

pytestmark = pytest.mark.browser


def test_map_draws_offline_with_markers_polygons_and_legend(app_server: str, offline_page: OfflinePage) -> None:
    offline_page.page.goto(f"{app_server}/?lang=en")
    # the demo homicides, parks/housing/CSP sites and context streets
    counts = offline_page.map_layers(markers=100, polygons=20, lines=10)
    assert counts["tiles"] == 0
    frame = offline_page.map_frame()
    legend = frame.locator(".safetymap-legend").inner_text()
    assert "Homicides" in legend
    assert "Parks" in legend
    assert "SYNTHETIC DEMO DATA" in frame.locator(".safetymap-banner").inner_text()
    assert frame.locator(".leaflet-control-scale").count() == 1
    path = offline_page.shot("map_desktop_en.png")
    assert path.stat().st_size > 20_000
    assert not offline_page.errors, offline_page.errors


def test_spanish_view_and_phone_width(app_server: str, phone_page: OfflinePage) -> None:
    phone_page.page.goto(f"{app_server}/?lang=es")
    frame = phone_page.map_frame()
    # the whole legend, shown or folded away (narrow maps may start with it folded)
    assert "Homicidios" in (frame.locator(".safetymap-legend").text_content() or "")
    assert phone_page.page.get_by_text("Mapa de Seguridad Comunitaria").count() >= 1
    phone_page.shot("map_phone_es.png")
    assert not phone_page.errors, phone_page.errors
