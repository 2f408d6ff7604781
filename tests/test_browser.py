"""Browser tier: `streamlit run` + Debian's chromium, every non-localhost request blocked."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_map_draws_offline_with_markers_polygons_and_legend(app_server: str, offline_page) -> None:
    offline_page.page.goto(f"{app_server}/?lang=en")
    frame = offline_page.map_frame()
    counts = offline_page.map_layers()
    assert counts["markers"] >= 100, counts  # the demo homicides
    assert counts["polygons"] >= 20, counts  # parks, housing, CSP sites
    assert counts["lines"] >= 10, counts  # context streets
    assert counts["tiles"] == 0
    legend = frame.locator(".safetymap-legend").inner_text()
    assert "Homicides" in legend
    assert "Parks" in legend
    assert "SYNTHETIC DEMO DATA" in frame.locator(".safetymap-banner").inner_text()
    assert frame.locator(".leaflet-control-scale").count() == 1
    path = offline_page.shot("map_desktop_en.png")
    assert path.stat().st_size > 20_000
    assert not offline_page.errors, offline_page.errors


def test_spanish_view_and_phone_width(app_server: str, phone_page) -> None:
    phone_page.page.goto(f"{app_server}/?lang=es")
    frame = phone_page.map_frame()
    assert "Homicidios" in frame.locator(".safetymap-legend").inner_text()
    assert phone_page.page.get_by_text("Mapa de Seguridad Comunitaria").count() >= 1
    phone_page.shot("map_phone_es.png")
    assert not phone_page.errors, phone_page.errors
