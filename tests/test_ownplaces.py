"""A person's own place (an area or route drawn on the map, a found point): in the link, checked, and the focus
place of every page with the same figures as a named place."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo.core.errors import DataError
from geo.data import datasets
from geo.data.ownplaces import MAX_NAME, MAX_VERTICES, make_place, place_rows, read_place, shown_name, write_place
from tests.page_helpers import open_page, page_texts

BLOCKS = Polygon([(-118.300, 33.982), (-118.296, 33.982), (-118.296, 33.978), (-118.300, 33.978)])


@pytest.mark.parametrize(
    ("geom", "kind"),
    [(BLOCKS, "area"), (LineString([(-118.30, 33.98), (-118.29, 33.98), (-118.29, 33.99)]), "route"),
     (Point(-118.3009, 33.9794), "point")],
)  # fmt: skip
def test_a_place_round_trips_through_the_link(geom: object, kind: str) -> None:
    place = make_place("Blocks ~ by 62nd | <b>", geom)  # type: ignore[arg-type]
    assert place.kind == kind
    assert "~" not in place.name
    again = read_place(write_place(place))
    assert again.name == place.name
    assert again.kind == kind
    assert again.geometry.equals_exact(place.geometry, 1e-5)


@pytest.mark.parametrize(
    ("name", "geom", "match"),
    [
        ("", BLOCKS, "needs a name"),
        ("x" * (MAX_NAME + 1), BLOCKS, "at most"),
        ("Far", Polygon([(-120.0, 35.0), (-119.9, 35.0), (-119.9, 35.1)]), "outside Los Angeles County"),
        ("Huge", Polygon([(-118.5, 33.8), (-118.1, 33.8), (-118.1, 34.1), (-118.5, 34.1)]), "km²"),
        ("Bow tie", Polygon([(-118.30, 33.98), (-118.29, 33.99), (-118.29, 33.98), (-118.30, 33.99)]), "crosses"),
        ("Long", LineString([(-118.3 + i * 1e-5, 33.98) for i in range(MAX_VERTICES + 1)]), "corners"),
    ],
)
def test_a_bad_place_is_refused_with_the_reason(name: str, geom: object, match: str) -> None:
    with pytest.raises(DataError, match=match):
        make_place(name, geom)  # type: ignore[arg-type]


@pytest.mark.parametrize("raw", ["no separator", "Name~", "Name~??", "Name~91.0,-118.3", "Name~abc,def"])
def test_a_bad_link_value_is_a_value_error(raw: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        read_place(raw)


def test_a_name_a_place_of_the_data_has_is_kept_apart() -> None:
    place = make_place("Harvard Park", BLOCKS)
    assert shown_name(place, {"Harvard Park"}) == "Harvard Park (area)"
    rows = place_rows((place,), frozenset({"Harvard Park"}))
    assert rows["name"].tolist() == ["Harvard Park (area)"]
    assert rows["kind"].tolist() == ["own"]
    assert rows["place_id"].str.startswith("own:").all()


def _within_m(path: str, geom: Polygon, distance: float) -> int:
    inc = datasets.load_incidents(path).to_crs(32611)
    zone = gpd.GeoSeries([geom], crs=4326).to_crs(32611).iloc[0].buffer(distance)
    return int(inc.within(zone).sum())


def test_a_drawn_area_is_the_focus_place_with_the_same_figures() -> None:
    from geo.core.settings import get_settings

    place = make_place("Blocks by 62nd", BLOCKS)
    at = open_page("map", {"area": write_place(place), "place": "Blocks by 62nd"})
    assert not at.exception
    texts = page_texts(at)
    assert any("Within 400 m of Blocks by 62nd" in x for x in texts)
    expected = _within_m(str(get_settings().sources.incidents), BLOCKS, 400)
    metric = next(m for m in at.metric if "Blocks by 62nd" in m.label)
    assert metric.value == f"{expected:,}"
    assert write_place(place) in str(at.query_params["area"])
    trends = open_page("trends", {"area": write_place(place), "place": "Blocks by 62nd"})
    assert not trends.exception
    assert any("Blocks by 62nd" in x for x in page_texts(trends))


def test_a_link_value_that_is_not_a_place_is_named_and_left_out() -> None:
    at = open_page("map", {"area": "Bad~??", "place": "Harvard Park"})
    assert not at.exception
    assert any("area=" in w.value for w in at.warning)
    assert "area" not in at.query_params
