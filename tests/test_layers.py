"""Map layers: the map the Map page composes, read back from its HTML (layers, legend, bounds, escaping)."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo.analysis.rings import ring_polygons
from geo.core.i18n import t
from geo.core.settings import DEFAULT_CONFIG, Settings, load_settings
from geo.data import webassets as assets
from geo.data.datasets import load_incidents, load_places, load_streets
from layers.compose import MapComposer
from layers.hotspots import rings_layer
from layers.incidents import incidents_layer
from layers.overview import add_places, add_streets, approximate_note
from layers.style import symbols

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
EXTERNAL = re.compile(r"<(?:script|link)[^>]+(?:src|href)=[\"']?(https?:)?//", re.I)
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"
ENGLISH = {
    "streets": "Main streets",
    "csp_site": "CSP sites",
    "park": "Parks",
    "housing": "Public housing developments",
    "others": "Other incidents",
    "homicide": "Homicides",
}
SPANISH = {
    "streets": "Calles principales",
    "csp_site": "Sitios CSP",
    "park": "Parques",
    "housing": "Desarrollos de vivienda pública",
    "others": "Otros incidentes",
    "homicide": "Homicidios",
}


@dataclass(frozen=True)
class PageData:
    """What the Map page draws with its default layers (all EPSG:4326)."""

    incidents: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    place: str | None
    synthetic: bool

    def rings(self, settings: Settings) -> gpd.GeoDataFrame:
        if self.place is None:
            return gpd.GeoDataFrame({"from_m": [], "to_m": []}, geometry=[], crs="EPSG:4326")
        outline = self.places.loc[self.places["name"] == self.place, "geometry"].iloc[0]
        return ring_polygons(outline, rings_m=settings.distances.rings_m)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(DEFAULT_CONFIG, environ={})


@pytest.fixture(scope="module")
def demo() -> PageData:
    return PageData(
        incidents=load_incidents(DEMO / "incidents.parquet"),
        places=load_places(DEMO / "places.geojson"),
        streets=load_streets(DEMO / "streets.geojson"),
        place="Harvard Park",
        synthetic=True,
    )


def page_map(data: PageData, settings: Settings, lang: str = "en") -> folium.Map:
    """The map as app_pages/map.py composes it with its default layers and no filter."""
    composer = MapComposer(settings, lang=lang)
    add_streets(composer, data.streets)
    add_places(composer, data.places, kinds=("park", "housing", "csp_site"))
    if data.place is not None:
        composer.add(*rings_layer(data.rings(settings), lang=lang, place=data.place))
    sym = symbols(settings.colours)
    is_homicide = data.incidents["category"] == "homicide"
    for subset, key, label in (
        (data.incidents[~is_homicide], "incident", "layer.incidents"),
        (data.incidents[is_homicide], "homicide", "layer.homicides"),
    ):
        if subset.empty:
            continue
        assert len(subset) <= settings.map.max_points  # else the page draws grid counts instead
        name = t(label, lang)
        composer.add(incidents_layer(subset, name=name, symbol=sym[key], lang=lang), [(name, sym[key])])
    return composer.finish(synthetic=data.synthetic, note=approximate_note(data.places, lang))


@dataclass(frozen=True)
class Drawn:
    """A rendered map read back the way Leaflet gets it: the page's HTML and script."""

    html: str
    layers: dict[str, list[dict[str, Any]]]  # layer-control name -> GeoJSON features drawn in that layer
    labels: dict[str, list[str]]  # layer-control name -> HTML of the text markers (street labels) in it
    legend: str  # the legend's HTML
    banner: str | None


def _json_after(text: str, marker: str) -> list[Any]:
    """Every JSON value written right after ``marker`` in ``text``."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(text, m.end())[0] for m in re.finditer(re.escape(marker), text)]


def read_map(m: folium.Map) -> Drawn:
    page = m.get_root().render()
    overlays = re.search(r"overlays\s*:\s*\{(.*?)\n\s*\},", page, re.S)
    assert overlays, "no layer control on the map"
    entries = re.findall(r'^\s*("(?:[^"\\]|\\.)*")\s*:\s*(feature_group_\w+),\s*$', overlays.group(1), re.M)
    name_of = {var: json.loads(key) for key, var in entries}
    parent = dict(re.findall(r"\b(geo_json_\w+)\.addTo\((feature_group_\w+)\)", page))
    layers: dict[str, list[dict[str, Any]]] = {name: [] for name in name_of.values()}
    for match in re.finditer(r"\b(geo_json_\w+)_add\(\{", page):
        data, _ = json.JSONDecoder().raw_decode(page, match.end() - 1)
        group = parent.get(match.group(1))
        assert group in name_of, f"{match.group(1)} is drawn outside every layer of the layer control"
        layers[name_of[group]].extend(data["features"])
    labels: dict[str, list[str]] = {name: [] for name in name_of.values()}
    for marker, group in re.findall(r"var (marker_\w+) = L\.marker\([^)]*\)\.addTo\((feature_group_\w+)\);", page):
        icon = re.search(rf"{marker}\.setIcon\((div_icon_\w+)\)", page)
        assert icon, marker
        body = re.search(rf"var {icon.group(1)} = L\.divIcon\(\{{\s*\"html\": ", page)
        assert body, icon.group(1)
        labels[name_of[group]].append(json.JSONDecoder().raw_decode(page, body.end())[0])
    legends = _json_after(page, "div.innerHTML = ")
    assert len(legends) == 1, "one legend per map"
    banners = _json_after(page, "div.textContent = ")
    return Drawn(page, layers, labels, legends[0], banners[0] if banners else None)


def legend_rows(legend: str) -> list[str]:
    return re.findall(r'<div class="row"><svg[^>]*>.*?</svg><span>(.*?)</span></div>', legend)


def legend_title(legend: str) -> str | None:
    found = re.search(r'<(\w+) class="title">(.*?)</\1>', legend)
    return found.group(2) if found else None


def expected_names(data: PageData, names: dict[str, str], rings: str) -> list[str]:
    """The page's layers in drawing order (streets, CSP sites, parks, housing, rings, incidents, homicides)."""
    kinds = set(data.places["kind"])
    out = [names["streets"]] if not data.streets.empty else []
    out += [names[k] for k in ("csp_site", "park", "housing") if k in kinds]
    out += [rings] if data.place else []
    is_homicide = data.incidents["category"] == "homicide"
    out += [names["others"]] if (~is_homicide).any() else []
    out += [names["homicide"]] if is_homicide.any() else []
    return out


def points(features: list[dict[str, Any]]) -> list[tuple[float, float]]:
    return sorted(tuple(f["geometry"]["coordinates"]) for f in features)


def test_map_loads_no_script_or_style_from_the_internet(demo: PageData, settings: Settings) -> None:
    page = read_map(page_map(demo, settings)).html
    assert not EXTERNAL.search(page)
    assert "/app/static/vendor/leaflet/leaflet.js" in page
    assert "/app/static/vendor/leaflet/leaflet.css" in page
    assert "tile.openstreetmap.org" not in page
    assert "L.tileLayer" not in page


def test_every_layer_draws_its_data_with_a_control_entry_and_a_legend_row(demo: PageData, settings: Settings) -> None:
    drawn = read_map(page_map(demo, settings))
    rings = "Border rings of Harvard Park"
    names = expected_names(demo, ENGLISH, rings)
    assert list(drawn.layers) == names
    assert legend_title(drawn.legend) == "Legend"
    assert legend_rows(drawn.legend) == names
    assert "Outlines are approximate" in drawn.legend
    assert drawn.banner is not None
    assert drawn.banner.startswith("SYNTHETIC DEMO DATA")
    assert "L.control.scale" in drawn.html
    # every input row is drawn once, in its own layer, where it is
    inc = demo.incidents
    for name, rows in ((ENGLISH["homicide"], inc[inc["category"] == "homicide"]),
                       (ENGLISH["others"], inc[inc["category"] != "homicide"])):  # fmt: skip
        assert points(drawn.layers[name]) == sorted(zip(rows["lon"].round(5), rows["lat"].round(5), strict=True))
    for kind in ("park", "housing", "csp_site"):
        features = drawn.layers[ENGLISH[kind]]
        assert sorted(f["properties"]["name"] for f in features) == sorted(
            demo.places.loc[demo.places["kind"] == kind, "name"]
        )
    streets = drawn.layers[ENGLISH["streets"]]
    assert sorted(f["properties"]["name"] for f in streets) == sorted(demo.streets["name"])
    assert len(drawn.labels[ENGLISH["streets"]]) == 2 * len(demo.streets)  # each name written twice along it
    assert len(drawn.layers[rings]) == 1 + len(settings.distances.rings_m)  # inside and each band


def test_the_map_covers_every_layer_and_nothing_more(demo: PageData, settings: Settings) -> None:
    """Bounds (south-west, north-east in degrees) of what is drawn equal those of the data handed in."""
    m = page_map(demo, settings)
    frames = [demo.incidents, demo.places, demo.streets, demo.rings(settings)]
    minx, miny, maxx, maxy = gpd.GeoSeries(pd.concat([f.geometry for f in frames]), crs=4326).total_bounds
    expected = [[miny, minx], [maxy, maxx]]
    assert m.get_bounds() == [pytest.approx(corner, abs=1e-5) for corner in expected]
    drawn = read_map(m)
    shapes = [shapely.geometry.shape(f["geometry"]) for features in drawn.layers.values() for f in features]
    x0, y0, x1, y1 = shapely.GeometryCollection(shapes).bounds
    assert [[y0, x0], [y1, x1]] == [pytest.approx(corner, abs=1e-5) for corner in expected]


def test_spanish_labels(demo: PageData, settings: Settings) -> None:
    drawn = read_map(page_map(demo, settings, "es"))
    names = expected_names(demo, SPANISH, "Anillos alrededor de Harvard Park")
    assert list(drawn.layers) == names
    assert legend_rows(drawn.legend) == names
    assert legend_title(drawn.legend) == "Leyenda"
    assert "Los contornos son aproximados" in drawn.legend
    assert drawn.banner is not None
    assert drawn.banner.startswith("DATOS SINTÉTICOS")
    block = {f["properties"]["category"] for f in drawn.layers[SPANISH["homicide"]]}
    assert block == {"Homicidio"}


def test_text_from_data_is_escaped(demo: PageData, settings: Settings) -> None:
    places = demo.places.copy()
    places.loc[places["name"] == "Harvard Park", "name"] = f"Harvard Park {EVIL}"
    streets = demo.streets.copy()
    streets.loc[streets.index[0], "name"] = EVIL
    inc = demo.incidents.copy()
    inc["address_block"] = inc["address_block"].astype("object")
    first, second = inc.index[inc["category"] == "homicide"][:2]
    inc.loc[first, "address_block"] = EVIL
    inc.loc[second, "address_block"] = pd.NA
    inc["address_block"] = inc["address_block"].astype("string")
    data = replace(demo, incidents=inc, places=places, streets=streets, place=f"Harvard Park {EVIL}")
    drawn = read_map(page_map(data, settings))
    for raw in ("<script>alert(1)", "<img src=x", "\\u003cscript\\u003ealert", "\\u003cimg src=x"):
        assert raw not in drawn.html, raw  # neither as markup nor smuggled as a JSON escape
    text = html.escape(EVIL, quote=True)
    rings = f"Border rings of Harvard Park {text}"
    assert list(drawn.layers) == expected_names(data, ENGLISH, rings)  # the control's name is escaped
    assert legend_rows(drawn.legend)[4] == rings
    parks = {f["properties"]["name"] for f in drawn.layers[ENGLISH["park"]]}
    assert f"Harvard Park {text}" in parks
    assert {f["properties"]["name"] for f in drawn.layers[ENGLISH["streets"]]} >= {text}
    assert f'<span class="street-label vertical">{text}</span>' in drawn.labels[ENGLISH["streets"]]
    blocks = {tuple(f["geometry"]["coordinates"]): f["properties"]["block"] for f in drawn.layers[ENGLISH["homicide"]]}
    at = [(round(float(inc.loc[i, "lon"]), 5), round(float(inc.loc[i, "lat"]), 5)) for i in (first, second)]
    assert blocks[at[0]] == text
    assert blocks[at[1]] == ""  # a missing block is blank, not "<NA>"


def test_empty_layers_still_render(demo: PageData, settings: Settings) -> None:
    empty = PageData(demo.incidents.iloc[0:0], demo.places.iloc[0:0], demo.streets.iloc[0:0], None, False)
    drawn = read_map(page_map(empty, settings))
    assert drawn.layers == {}
    assert legend_rows(drawn.legend) == []
    assert '<div class="note">' not in drawn.legend
    assert drawn.banner is None
    assert "L.map(" in drawn.html


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

    x, y = 380_000.0, 3_760_000.0  # EPSG:32611 metres, in South LA
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(x, y)], crs="EPSG:32611")
    with pytest.raises(ValueError, match="EPSG:4326"):
        feature_collection(gdf, ["name"])
    lon, lat = Transformer.from_crs(32611, 4326, always_xy=True).transform(x, y)
    (feature,) = feature_collection(gdf.to_crs(4326), ["name"])["features"]
    assert feature["geometry"]["coordinates"] == pytest.approx((lon, lat), abs=1e-5)
    assert feature["properties"] == {"name": "a"}


def test_layer_names_from_data_are_escaped_in_the_layer_control(settings: Settings) -> None:
    evil = 'Park <img src=x onerror="alert(1)">'
    composer = MapComposer(settings, lang="en")
    rings = ring_polygons(shapely.Point(-118.3, 33.98), rings_m=(75,))
    composer.add(*rings_layer(rings, lang="en", place=evil))
    page = composer.finish(synthetic=False).get_root().render()
    assert "<img src=x" not in page
    assert "\\u003cimg src=x" not in page  # not smuggled as a JSON escape either
    assert "&lt;img src=x" in page or "\\u0026lt;img src=x" in page
