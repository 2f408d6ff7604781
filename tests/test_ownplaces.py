"""A person's own place (an area or route drawn on the map, a found point): in the link, checked, and the focus
place of every page with the same figures as a named place."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo.core.errors import DataError
from geo.data import datasets
from geo.data.ownplaces import MAX_NAME, MAX_VERTICES, make_place, place_rows, read_place, shown_name, write_place
from tests.page_helpers import app_on_store, open_page, page_texts

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


def test_saving_an_area_records_it_and_puts_it_in_every_picker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.core.settings import get_settings
    from geo.data import audit
    from geo.data.ownplaces import SAVED_LAYER, saved_places

    run = app_on_store({"dir": tmp_path}, monkeypatch)
    place = make_place("Blocks by 62nd", BLOCKS)
    at = run(area=write_place(place), place="Blocks by 62nd")
    assert not at.exception
    at.button(key="o_save_area").click().run()
    assert not at.exception
    assert any("Saved for the team" in s.value for s in at.success)
    saved = saved_places(tmp_path)
    assert saved["name"].tolist() == ["Blocks by 62nd"]
    assert saved.geometry.iloc[0].equals_exact(BLOCKS, 1e-6)
    assert any(row["action"] == "workspace" and "Blocks by 62nd" in row["what"] for row in audit.read(get_settings()))
    assert "area" not in at.query_params  # the team's place needs no drawing in the link
    assert at.session_state["f_place"] == "Blocks by 62nd"
    fresh = run(place="Blocks by 62nd")  # another session: the saved place is a place like the others
    assert not fresh.exception
    assert any("Within 400 m of Blocks by 62nd" in m.label for m in fresh.metric)
    assert SAVED_LAYER in {layer["name"] for layer in datasets_inventory(tmp_path)}


def datasets_inventory(store: Path) -> list[dict[str, object]]:
    from geo.data.ingest import store_inventory

    return store_inventory(store)


def test_typed_corners_make_the_same_area_as_clicks() -> None:
    """The keyboard's way: corners typed one per line, a bad line named and left out."""
    at = open_page("map", {"place": "Harvard Park"})
    at.button(key="o_start").click().run()
    corners = [(lat, lon) for lon, lat in list(BLOCKS.exterior.coords)[:-1]]
    at.text_area(key="o_typed").input("\n".join(f"{lat}, {lon}" for lat, lon in corners) + "\nnot a corner").run()
    assert any("left out: 5" in w.value for w in at.warning)
    at.text_input(key="o_name").input("Typed blocks").run()
    assert at.button(key="o_use_route")  # two corners or more make a route too
    at.button(key="o_use_area").click().run()
    assert not at.exception
    metric = next(m for m in at.metric if "Typed blocks" in m.label)
    from geo.core.settings import get_settings

    assert metric.value == f"{_within_m(str(get_settings().sources.incidents), BLOCKS, 400):,}"
