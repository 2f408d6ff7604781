"""Browser tier for the dashboard: language switch, shared links, escaped data (every page at two widths and in both
languages is drawn by tests/test_browser_a11y.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlparse

import geopandas as gpd
import pytest

from geo.core.i18n import fmt_int
from tests.conftest import OfflinePage, streamlit_app

if TYPE_CHECKING:
    from playwright.sync_api import Dialog

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
EXCEPTION = '[data-testid="stException"]'


def wait_title(page: OfflinePage, text: str) -> None:
    try:
        page.page.locator("h1", has_text=text).first.wait_for(timeout=60_000)
    except Exception:
        page.shot("failed_wait_title.png")
        raise


def metric_values(page: OfflinePage) -> list[str]:
    loc = page.page.locator('[data-testid="stMetricValue"]')
    loc.first.wait_for(timeout=60_000)
    return [v.strip() for v in loc.all_inner_texts()]


def test_switching_to_spanish_changes_the_visible_labels(app_server: str, offline_page: OfflinePage) -> None:
    offline_page.page.goto(f"{app_server}/?lang=en")
    frame = offline_page.map_frame()
    assert "Homicides" in frame.locator(".safetymap-legend").inner_text()
    metric_values(offline_page)
    offline_page.settle()  # a click during the first run could be superseded by it
    offline_page.page.get_by_role("radio", name="Español").check(force=True)
    wait_title(offline_page, "Mapa de Seguridad Comunitaria del Sur de Los Ángeles")
    offline_page.page.wait_for_function("() => window.location.search.includes('lang=es')", timeout=30_000)
    offline_page.settle()
    frame = offline_page.map_frame()
    frame.locator(".safetymap-legend", has_text="Homicidios").wait_for(timeout=60_000)
    assert "Homicidios" in frame.locator(".safetymap-legend").inner_text()
    assert offline_page.page.get_by_text("Filtros").count() >= 1
    assert parse_qs(urlparse(offline_page.page.url).query)["lang"] == ["es"]
    offline_page.shot("switch_to_spanish.png")
    assert not offline_page.errors, offline_page.errors


def test_a_shared_link_opens_the_same_view(app_server: str, offline_page: OfflinePage) -> None:
    query = {
        "lang": "en",
        "from": "2016-01-01",
        "to": "2017-12-31",
        "cat": "homicide,shots_fired",
        "place": "Jordan Downs",
        "rings": "100,300",
        "layers": "homicides,rings,streets,housing",
    }
    offline_page.page.goto(f"{app_server}/?{urlencode(query)}")
    offline_page.map_frame()
    demo = gpd.read_parquet(DEMO / "incidents.parquet")
    year = demo["occurred_at"].dt.year
    expected = ((year >= 2016) & (year <= 2017) & demo["category"].isin(["homicide", "shots_fired"])).sum()
    assert metric_values(offline_page)[0] == fmt_int(int(expected), "en")
    assert offline_page.page.get_by_text("Within 300 m of Jordan Downs").count() >= 1
    shared = parse_qs(urlparse(offline_page.page.url).query)
    assert {k: v[0] for k, v in shared.items()} == query
    offline_page.shot("shared_link_desktop_en.png")


EVIL = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>'


@pytest.fixture(scope="module")
def evil_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on data whose text fields carry HTML and script."""
    from geo.core.store import write_geoparquet
    from geo.data.datasets import load_incidents, load_places

    tmp = tmp_path_factory.mktemp("evil")
    places = load_places(DEMO / "places.geojson")
    places.loc[places["name"] == "Harvard Park", "name"] = f"Harvard Park {EVIL}"
    incidents = load_incidents(DEMO / "incidents.parquet")
    incidents["address_block"] = incidents["address_block"].astype(object)
    incidents.loc[incidents["category"] == "homicide", "address_block"] = EVIL
    incidents["address_block"] = incidents["address_block"].astype("string")
    streets = gpd.read_file(DEMO / "streets.geojson")
    streets.loc[0, "name"] = EVIL
    places.to_file(tmp / "places.geojson", driver="GeoJSON")
    streets.to_file(tmp / "streets.geojson", driver="GeoJSON")
    write_geoparquet(incidents, tmp / "incidents.parquet")
    cfg = tmp / "config.yaml"
    focus = json.dumps(f"Harvard Park {EVIL}")
    cfg.write_text(
        f"focus:\n  default_place: {focus}\n  places: [{focus}]\n"
        f"sources:\n  incidents: {tmp / 'incidents.parquet'}\n  places: {tmp / 'places.geojson'}\n"
        f"  streets: {tmp / 'streets.geojson'}\n",
        encoding="utf-8",
    )
    with streamlit_app("evil", {"SAFETYMAP_CONFIG": str(cfg)}) as base:
        yield base


def test_html_in_the_data_shows_as_text_and_never_runs(evil_server: str, offline_page: OfflinePage) -> None:
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    offline_page.page.on("dialog", on_dialog)
    offline_page.page.goto(f"{evil_server}/?lang=en&from=2016-01-01&to=2016-12-31")
    frame = offline_page.map_frame()
    legend = frame.locator(".safetymap-legend").inner_text()
    assert "<img src=x" in legend  # the place name, as text, in the rings' legend row
    # the street labels write the markup as text
    frame.locator(".street-label", has_text="<script>").first.wait_for(timeout=60_000)
    labels = frame.locator(".street-label").all_inner_texts()
    assert any("<script>" in label for label in labels)
    assert offline_page.page.get_by_text("<img src=x", exact=False).count() >= 1  # sidebar / ring table
    for fr in offline_page.page.frames:
        assert fr.evaluate("() => window.__xss === undefined"), fr.url
    assert dialogs == []
    offline_page.shot("escaped_data.png")
    assert not offline_page.errors, offline_page.errors
