"""Map layers: local assets only, escaped text, a legend for every layer."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.core.settings import DEFAULT_CONFIG, load_settings
from geo.data import webassets as assets
from geo.data.datasets import load_incidents, load_places, load_streets
from layers.overview import OverviewData, overview_map

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
EXTERNAL = re.compile(r"<(?:script|link)[^>]+(?:src|href)=[\"']?(https?:)?//", re.I)


@pytest.fixture(scope="module")
def demo() -> OverviewData:
    inc = load_incidents(DEMO / "incidents.parquet")
    return OverviewData(
        homicides=inc[inc["category"] == "homicide"],
        places=load_places(DEMO / "places.geojson"),
        streets=load_streets(DEMO / "streets.geojson"),
        synthetic=True,
    )


def render(data: OverviewData, lang: str = "en") -> str:
    settings = load_settings(DEFAULT_CONFIG, environ={})
    return overview_map(data, settings, lang=lang).get_root().render()


def test_map_loads_no_script_or_style_from_the_internet(demo: OverviewData) -> None:
    html = render(demo)
    assert not EXTERNAL.search(html)
    assert "/app/static/vendor/leaflet/leaflet.js" in html
    assert "tile.openstreetmap.org" not in html


def test_every_layer_has_a_legend_row_and_a_control_entry(demo: OverviewData) -> None:
    html = render(demo)
    for label in ("Homicides", "Parks", "Public housing developments", "CSP sites", "Main streets"):
        assert html.count(label) >= 2, label  # layer control + legend
    assert "SYNTHETIC DEMO DATA" in html
    assert "L.control.scale" in html


def test_spanish_labels(demo: OverviewData) -> None:
    html = render(demo, "es")
    assert "Homicidios" in html
    assert "Leyenda" in html
    assert "DATOS SINT" in html


def test_text_from_data_is_escaped(demo: OverviewData) -> None:
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    places = demo.places.copy()
    places.loc[places.index[0], "name"] = evil
    streets = demo.streets.copy()
    streets.loc[streets.index[0], "name"] = evil
    hom = demo.homicides.copy()
    hom["address_block"] = hom["address_block"].astype("object")
    hom.loc[hom.index[0], "address_block"] = evil
    hom["address_block"] = hom["address_block"].astype("string")
    html = render(OverviewData(hom, places, streets, True))
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)" in html or "\\u0026lt;script\\u0026gt;" in html


def test_empty_layers_still_render(demo: OverviewData) -> None:
    html = render(OverviewData(demo.homicides.iloc[0:0], demo.places.iloc[0:0], demo.streets.iloc[0:0], False))
    assert "SYNTHETIC" not in html
    assert "L.map(" in html


def test_publish_copies_assets_idempotently(tmp_path: Path) -> None:
    vendor = assets.publish(tmp_path)
    js = vendor / "leaflet" / "leaflet.js"
    assert js.stat().st_size > 100_000
    assert (vendor / "leaflet" / "images" / "layers.png").is_file()
    assert (vendor / "markercluster" / "leaflet.markercluster.js").is_file()
    mtime = js.stat().st_mtime_ns
    assets.publish(tmp_path)
    assert js.stat().st_mtime_ns == mtime


def test_inline_tags_make_a_self_contained_page() -> None:
    tags = assets.inline_tags(cluster=True)
    assert "L.MarkerClusterGroup" in tags or "MarkerClusterGroup" in tags
    assert "url(images/" not in tags
    assert not EXTERNAL.search(tags)


def test_layers_refuse_projected_data() -> None:
    from layers._geojson import feature_collection

    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(0, 0)], crs="EPSG:32611")
    with pytest.raises(ValueError, match="EPSG:4326"):
        feature_collection(gdf, ["name"])
    assert pd.isna(pd.NA) is True


def test_layer_names_from_data_are_escaped_in_the_layer_control() -> None:
    from geo.analysis.rings import ring_polygons
    from layers.compose import MapComposer
    from layers.hotspots import rings_layer

    evil = 'Park <img src=x onerror="alert(1)">'
    settings = load_settings(DEFAULT_CONFIG, environ={})
    composer = MapComposer(settings, lang="en")
    rings = ring_polygons(shapely.Point(-118.3, 33.98), rings_m=(75,))
    composer.add(*rings_layer(rings, lang="en", place=evil))
    html = composer.finish(synthetic=False).get_root().render()
    assert "<img src=x" not in html
    assert "\\u003cimg src=x" not in html  # not smuggled as a JSON escape either
    assert "&lt;img src=x" in html or "\\u0026lt;img src=x" in html
