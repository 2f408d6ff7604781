"""Search on the Map page: what the box finds becomes the focus place, with rings, like a named place."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.core.settings import get_settings
from geo.core.text import echo
from geo.data import datasets
from tests.page_helpers import open_page


def _within(lat: float, lon: float, metres: float) -> int:
    inc = datasets.load_incidents(get_settings().sources.incidents).to_crs(32611)
    zone = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(32611).iloc[0].buffer(metres)
    return int(inc.within(zone).sum())


@pytest.mark.parametrize(
    ("query", "kind"), [("Western Ave & W 62nd St", "intersection"), ("1535 W 62nd St", "address")]
)
def test_a_found_point_is_the_focus_with_its_rings(query: str, kind: str) -> None:
    from ui.search import search_index

    at = open_page("map", {"place": "Harvard Park"})
    at.text_input(key="s_find_query").input(query).run()
    assert not at.exception
    at.button(key="s_focus").click().run()
    assert not at.exception
    found = search_index(get_settings(), "en").find(query, limit=1)[0]
    assert found.kind == kind
    assert "at" in at.query_params
    metric = next(m for m in at.metric if echo(found.label) in m.label)  # the label as Markdown shows it
    assert metric.value == f"{_within(found.lat, found.lon, 400):,}"
    again = open_page("trends", {"at": str(at.query_params["at"][0] if isinstance(at.query_params["at"], list)
                                             else at.query_params["at"]), "place": found.label})  # fmt: skip
    assert not again.exception  # the link opens the same focus on another page


def test_a_found_place_is_chosen_in_the_picker() -> None:
    at = open_page("map", {"place": "Jordan Downs"})
    at.text_input(key="s_find_query").input("Harvard Park").run()
    at.button(key="s_focus").click().run()
    assert not at.exception
    assert at.session_state["f_place"] == "Harvard Park"
    assert "at" not in at.query_params  # a place of the data needs no point of its own
