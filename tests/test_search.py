"""Search: street names and addresses compared as words, places by name and alias, intersections on the walking
network and the street lines, addresses in the address layer, the ranking, and the search box on a page."""

from __future__ import annotations

import csv
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import LineString, Point, box
from streamlit.testing.v1 import AppTest

from geo.core.errors import DataError
from geo.core.i18n import t
from geo.core.projection import WGS84, lonlat_to_metric
from geo.data.datasets import load_places, load_streets
from geo.data.demo_addresses import ADDRESS_SOURCE
from geo.data.demo_places import STREETS
from geo.data.search import MAX_QUERY_CHARS, STREETS_SOURCE, Found, SearchIndex, build_index, find
from geo.data.streetnames import match_level, parse_address, split_intersection, street_words
from geo.data.walknet import read_graphml
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
LIMIT = 8
SAME_POINT_M = 30.0


@pytest.fixture(scope="module")
def demo_places() -> gpd.GeoDataFrame:
    return load_places(DEMO / "places.geojson")


@pytest.fixture(scope="module")
def demo_index(demo_places: gpd.GeoDataFrame) -> SearchIndex:
    return build_index(
        places=demo_places,
        streets=load_streets(DEMO / "streets.geojson"),
        network=read_graphml(DEMO / "walk.graphml"),
        addresses=gpd.read_parquet(DEMO / "addresses.parquet"),
        same_point_m=SAME_POINT_M,
    )


def street(name: str) -> tuple[str, str, float, float, float]:
    return next(s for s in STREETS if s[0] == name)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two (lat, lon) points in metres (EPSG:32611)."""
    x, y = lonlat_to_metric(np.array([a[1], b[1]]), np.array([a[0], b[0]]))
    return float(np.hypot(x[1] - x[0], y[1] - y[0]))


# --- names as words ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("West 62nd Street", "W 62ND ST"),
        ("W. 62nd St.", "West 62nd Street"),
        ("Western Avenue", "WESTERN AVE"),
        ("S Western Av", "South Western Avenue"),
        ("Avalon Boulevard", "AVALON BLVD"),
        ("East First Street", "E 1st St"),
        ("Central Avenida", "CENTRAL AVE"),
        ("Oeste 62 Calle", "W 62nd St"),
    ],
)
def test_street_names_are_compared_as_words(typed: str, written: str) -> None:
    assert street_words(typed) == street_words(written)
    assert match_level(street_words(typed), street_words(written)) == 0


def test_a_street_typed_without_its_direction_or_type_ranks_lower_and_the_other_direction_apart() -> None:
    full = street_words("W 62nd St")
    assert match_level(street_words("62nd St"), full) == 1
    assert match_level(street_words("62nd"), full) == 2
    assert match_level(street_words("Western"), street_words("Western Ave")) == 2
    assert match_level(street_words("Vermont"), street_words("Western Ave")) is None


@pytest.mark.parametrize(
    "text",
    [
        "Western Ave & W 62nd St",
        "Western Ave and W 62nd St",
        "Western Ave at W 62nd St",
        "Western Ave / W 62nd St",
        "Western Ave @ W 62nd St",
        "Western Ave y W 62nd St",
        "Western Ave esquina W 62nd St",
    ],
)
def test_two_streets_are_split_at_any_joint(text: str) -> None:
    assert split_intersection(text) == ("Western Ave", "W 62nd St")


def test_a_fraction_or_a_single_name_is_no_intersection() -> None:
    assert split_intersection("1535 1/2 W 62nd St") is None
    assert split_intersection("Harvard Park") is None
    assert split_intersection("Western Ave &") is None


def test_an_address_is_a_house_number_and_a_street() -> None:
    typed = parse_address("1535 West 62nd Street, Los Angeles, CA 90047")
    assert typed is not None
    assert (typed.number, typed.street, typed.zip) == ("1535", street_words("W 62nd St"), "90047")
    half = parse_address("1535 1/2 W 62ND ST #4")
    assert half is not None
    assert half.number == "1535 1/2"
    assert parse_address("109th Street Recreation Center") is None, "an ordinal starts a name, not an address"
    assert parse_address("Harvard Park") is None


# --- places -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Harvard Park", "HARVARD PARK", "harvard  park!", "Hárvard Párk"])
def test_a_place_is_found_whatever_the_case_accents_or_punctuation(demo_index: SearchIndex, typed: str) -> None:
    best = demo_index.find(typed, limit=LIMIT)[0]
    assert (best.kind, best.place) == ("place", "Harvard Park")


def test_a_place_is_found_by_its_aliases(demo_index: SearchIndex, demo_places: gpd.GeoDataFrame) -> None:
    harvard = demo_places[demo_places["name"] == "Harvard Park"].geometry.iloc[0]
    for alias in ("Jackie Tatum/Harvard Recreation Center", "Jackie Tatum", "Harvard Rec Center"):
        hits = [f for f in demo_index.find(alias, limit=LIMIT) if f.place == "Harvard Park"]
        assert hits, alias
        assert harvard.contains(Point(hits[0].lon, hits[0].lat)), "a polygon is found at a point inside it"
    assert demo_index.find("Nickerson Gdns", limit=LIMIT)[0].place == "Nickerson Gardens"
    ramona = demo_index.find("RAMONA/ROSE", limit=LIMIT)
    assert ramona[0].place == "Ramona Gardens", "HUD's name for the development finds it"


def test_exact_before_prefix_before_words() -> None:
    names = ["Park South Gardens", "South Park Recreation Center", "South Park", "Southside Playground"]
    places = gpd.GeoDataFrame(
        {"name": names, "source": "test"},
        geometry=[box(-118.27 + i * 0.01, 33.99, -118.265 + i * 0.01, 33.995) for i in range(4)],
        crs=WGS84,
    )
    found = find("South Park", places=places, limit=LIMIT, same_point_m=SAME_POINT_M)
    assert [f.place for f in found] == ["South Park", "South Park Recreation Center", "Park South Gardens"]
    by_start = [f.place for f in find("south", places=places, limit=LIMIT, same_point_m=SAME_POINT_M)]
    assert by_start[0] == "South Park", "of names that start with the word, the one with fewest other words first"
    assert by_start[-1] == "Park South Gardens", "a name that has the word elsewhere comes last"


def test_of_equal_matches_the_one_nearer_the_map_centre_comes_first() -> None:
    places = gpd.GeoDataFrame(
        {"name": ["South Park", "South Park"], "source": "test"},
        geometry=[Point(-118.395, 33.857), Point(-118.267, 33.997)],
        crs=WGS84,
    )
    near_watts = build_index(places=places, same_point_m=SAME_POINT_M, centre=(33.965, -118.275)).find(
        "South Park", limit=LIMIT
    )
    assert [f.lon for f in near_watts] == [-118.267, -118.395]
    near_torrance = build_index(places=places, same_point_m=SAME_POINT_M, centre=(33.85, -118.39)).find(
        "South Park", limit=LIMIT
    )
    assert [f.lon for f in near_torrance] == [-118.395, -118.267]


@pytest.mark.realdata
def test_real_park_names_find_harvard_park_through_its_alias() -> None:
    from geo.data.sources.detect import load

    path = SHARED_DATA / "parks" / "caliparks_cpad_superunit_points_la_area.csv"
    if not path.is_file():
        pytest.skip(f"real-data file not available: {path} (../shared/data is absent on this machine)")
    index = build_index(places=load(path).frame, same_point_m=SAME_POINT_M, centre=(33.965, -118.275))
    best = index.find("Harvard Park", limit=LIMIT)[0]
    assert best.place == "Jackie Tatum/Harvard Recreation Center", "CPAD's name for the park, found by its alias"
    assert best.label == "Harvard Park · Jackie Tatum/Harvard Recreation Center"
    assert metres((best.lat, best.lon), (33.98394, -118.30458)) < 100, "at the published point (DESIGN.md)"
    owens = index.find("Jesse Owens", limit=LIMIT)[0]
    assert owens.label.startswith("Jesse Owens Park"), "the South LA park before the Reseda mini-park"


def test_queries_are_checked(demo_index: SearchIndex) -> None:
    assert demo_index.find("", limit=LIMIT) == []
    assert demo_index.find("   ", limit=LIMIT) == []
    assert demo_index.find("x" * MAX_QUERY_CHARS, limit=LIMIT) == []
    with pytest.raises(DataError, match=f"at most {MAX_QUERY_CHARS} characters"):
        demo_index.find("x" * (MAX_QUERY_CHARS + 1), limit=LIMIT)
    with pytest.raises(DataError, match="must be text"):
        demo_index.find(None, limit=LIMIT)
    with pytest.raises(DataError, match="limit"):
        demo_index.find("park", limit=0)
    assert len(demo_index.find("park", limit=2)) == 2


# --- intersections ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["Western Ave & W 62nd St", "62nd St and Western", "western avenue at west 62nd street"]
)
def test_an_intersection_is_the_network_node_where_both_streets_meet(demo_index: SearchIndex, typed: str) -> None:
    western, sixty_second = street("Western Ave"), street("W 62nd St")
    hits = [f for f in demo_index.find(typed, limit=LIMIT) if f.kind == "intersection"]
    assert len(hits) == 1
    assert (hits[0].lon, hits[0].lat) == (western[2], sixty_second[2])
    assert "approximate" in hits[0].source, "the demo network says it is approximate"


def test_a_street_of_the_other_direction_is_offered_under_its_own_name(demo_index: SearchIndex) -> None:
    hits = [f for f in demo_index.find("Western Ave & E 62nd St", limit=LIMIT) if f.kind == "intersection"]
    assert [f.label for f in hits] == ["Western Ave & W 62nd St"], "E 62nd St does not reach Western Ave; W does"
    exact = demo_index.find("E 62nd St & Central Ave", limit=LIMIT)
    assert exact[0].label == "E 62nd St & Central Ave"
    assert exact[0].lon == street("Central Ave")[2]


def test_streets_off_the_network_meet_on_the_street_lines(demo_index: SearchIndex) -> None:
    soto, valley = street("Soto St"), street("Valley Blvd")
    (hit,) = [f for f in demo_index.find("Soto St & Valley Blvd", limit=LIMIT) if f.kind == "intersection"]
    assert (hit.lon, hit.lat, hit.source) == (soto[2], valley[2], STREETS_SOURCE)


def _graph(edges: list[tuple[tuple[float, float], tuple[float, float], str]]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(crs=WGS84)
    ids: dict[tuple[float, float], int] = {}
    for a, b, name in edges:
        for p in (a, b):
            if p not in ids:
                ids[p] = len(ids)
                graph.add_node(ids[p], x=p[0], y=p[1])
        graph.add_edge(ids[a], ids[b], name=name, length=1.0)
        graph.add_edge(ids[b], ids[a], name=[name], length=1.0)  # osmnx writes merged ways' names as a list
    return graph


def test_meeting_points_of_a_divided_road_are_one_and_a_street_that_meets_twice_gives_two() -> None:
    lat, lon, dlat, dlon = 33.98, -118.30, 0.00018, 0.0003  # ~20 m apart in latitude; ~1 km spans below
    divided = _graph([
        ((lon, lat - 0.01), (lon, lat), "Main St"),
        ((lon, lat), (lon, lat + 0.01), "Main St"),
        ((lon, lat + dlat - 0.01), (lon, lat + dlat), "Main St"),
        ((lon - 0.01, lat), (lon, lat), "1st St"),
        ((lon, lat), (lon + dlon, lat + dlat), "1st St"),
    ])  # fmt: skip
    hits = find("Main St & 1st St", places=None, network=divided, limit=LIMIT, same_point_m=SAME_POINT_M)
    assert len(hits) == 1, "two nodes 20 m apart are one intersection"
    loop = _graph([
        ((lon, lat), (lon + 0.01, lat), "Loop Dr"),
        ((lon + 0.01, lat), (lon + 0.01, lat + 0.01), "Oak Ave"),
        ((lon + 0.01, lat + 0.01), (lon, lat + 0.01), "Loop Dr"),
    ])  # fmt: skip
    hits = find("Loop Dr & Oak Ave", places=None, network=loop, limit=LIMIT, same_point_m=SAME_POINT_M)
    assert len(hits) == 2
    assert metres((hits[0].lat, hits[0].lon), (hits[1].lat, hits[1].lon)) > 1000
    assert hits[0].lat < hits[1].lat, "southernmost first"


def test_line_crossings_are_found_without_a_network() -> None:
    streets = gpd.GeoDataFrame(
        {"name": ["Vermont Ave", "Manchester Ave", "Manchester Ave"]},
        geometry=[
            LineString([(-118.2915, 33.95), (-118.2915, 33.97)]),
            LineString([(-118.30, 33.96), (-118.2915, 33.96)]),
            LineString([(-118.2915, 33.96), (-118.28, 33.96)]),
        ],
        crs=WGS84,
    )
    (hit,) = find("vermont & manchester", places=None, streets=streets, limit=LIMIT, same_point_m=SAME_POINT_M)
    assert (hit.lon, hit.lat, hit.label) == (-118.2915, 33.96, "Vermont Ave & Manchester Ave")


@pytest.mark.realdata
def test_intersections_on_the_real_openstreetmap_extract() -> None:
    path = SHARED_DATA / "osm" / "trojanmap_usc_university_park_osm_nodes.csv"
    if not path.is_file():
        pytest.skip(f"real-data file not available: {path} (../shared/data is absent on this machine)")
    with path.open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    if not {"street", "way_name", "edge_name", "highway_name"} & set(header):
        pytest.skip(
            "the real OpenStreetMap extract (TrojanMap, SOURCES.md section 6) is a node adjacency list whose only "
            f"names are of points of interest (columns {header}); it names no street, so it has no intersection"
        )


# --- addresses --------------------------------------------------------------------------------------------------


def test_an_address_is_found_in_the_address_layer(demo_index: SearchIndex) -> None:
    layer = gpd.read_parquet(DEMO / "addresses.parquet")
    row = layer[layer["address"] == "1535 W 62nd St"].iloc[0]
    for typed in ("1535 W 62nd St", "1535 West 62nd Street, Los Angeles, CA", "1535 w. 62nd st."):
        best = demo_index.find(typed, limit=LIMIT)[0]
        assert (best.kind, best.label, best.source) == ("address", "1535 W 62nd St", ADDRESS_SOURCE)
        assert (best.lon, best.lat) == pytest.approx((row.geometry.x, row.geometry.y))
    assert metres((best.lat, best.lon), (33.98394, -118.30458)) < 150, "by the Harvard Recreation Center"


def test_a_missing_house_number_offers_the_nearest_on_the_same_side(demo_index: SearchIndex) -> None:
    found = [f for f in demo_index.find("1537 W 62nd St", limit=LIMIT) if f.kind == "address"]
    assert [f.label for f in found] == ["1535 W 62nd St"]
    even = [f for f in demo_index.find("1536 W 62nd St", limit=LIMIT) if f.kind == "address"]
    for f in even:
        number = int(f.label.split()[0])
        assert number % 2 == 0
        assert abs(number - 1536) <= 100


def test_a_result_is_a_checked_point() -> None:
    with pytest.raises(DataError, match="lat/lon"):
        Found("nowhere", "place", 95.0, 0.0)
    with pytest.raises(DataError, match="kind"):
        Found("x", "street", 33.9, -118.3)


# --- the search box ---------------------------------------------------------------------------------------------


def _box() -> None:
    import streamlit as st

    from geo.core.settings import get_settings
    from ui.search import search_box

    lang = st.query_params.get("lang", "en")
    found = search_box(settings=get_settings(), lang=lang, key="s")
    st.text(f"found: {None if found is None else (found.label, found.kind, found.lat, found.lon)}")


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.app
def test_the_search_box_lists_results_with_their_kind_in_words(lang: str) -> None:
    at = AppTest.from_function(_box, default_timeout=60)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, at.exception
    assert at.text[-1].value == "found: None"
    assert at.text_input(key="s_query").label == t("search.label", lang)
    at.text_input(key="s_query").input("Western Ave & W 62nd St").run()
    assert not at.exception, at.exception
    (options,) = [r.options for r in at.radio]
    assert options[0].endswith(f"({t('search.kind.intersection', lang)})")
    western, sixty_second = street("Western Ave"), street("W 62nd St")
    assert at.text[-1].value == f"found: ('Western Ave & W 62nd St', 'intersection', {sixty_second[2]}, {western[2]})"
    assert t("search.approximate", lang) in [c.value for c in at.caption]
    at.text_input(key="s_query").input("1535 W 62nd St").run()
    assert t("search.synthetic", lang) in [c.value for c in at.caption], "demo addresses are said to be synthetic"
    at.text_input(key="s_query").input("zzqx").run()
    assert [i.value for i in at.info] == [t("search.none", lang, query="zzqx")]
    assert at.text[-1].value == "found: None"
    assert not [b for b in at.button if b.key == "s_online_go"], "no online search unless configured"


def test_near_me_reads_the_browser_answer_and_says_a_refusal_in_words() -> None:
    from ui.search import _location

    here = _location({"lat": 33.98394, "lon": -118.30458, "accuracy": 24.6}, "es")
    assert isinstance(here, Found)
    assert (here.kind, here.lat, here.lon, here.label) == (
        "location",
        33.98394,
        -118.30458,
        t("search.here", "es", metres="25"),
    )
    assert _location({"error": "denied"}, "en") == "search.here_refused"
    assert _location({"error": "unavailable"}, "en") == "search.here_unavailable"
    assert _location({"lat": "x", "lon": None}, "en") == "search.here_unavailable"
    assert _location({"lat": 40.7, "lon": -74.0, "accuracy": 10}, "en") == "search.here_far"


@pytest.mark.app
def test_the_online_search_is_offered_when_configured_and_asks_nothing_until_pressed(
    monkeypatch: pytest.MonkeyPatch, fresh_settings: None, offline: None
) -> None:
    monkeypatch.setenv("SAFETYMAP__SEARCH__GEOCODER__KIND", "nominatim")
    monkeypatch.setenv("SAFETYMAP__SEARCH__GEOCODER__USER_AGENT", "south-la-safety-map-tests/1.0 (tests@example.org)")
    at = AppTest.from_function(_box, default_timeout=60).run()
    assert not [b for b in at.button if b.key == "s_online_go"], "nothing typed: nothing to ask"
    at.text_input(key="s_query").input("Harvard Park").run()
    assert not at.exception, at.exception
    (button,) = [b for b in at.button if b.key == "s_online_go"]
    assert button.label == t("search.online", "en")
    assert at.text[-1].value.startswith("found: ('Harvard Park', 'place'"), "typing searches offline only"
    assert t("search.approximate", "en") not in [c.value for c in at.caption], "a place is no approximate crossing"
