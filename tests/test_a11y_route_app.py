"""The Patrol route page without a mouse: stops added from the candidate list or a typed intersection (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import t
from geo.data.walknet import load_demo_network
from tests.page_helpers import html_bodies, html_tables

pytestmark = pytest.mark.app
ROOT = Path(__file__).resolve().parents[1]


def _route(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params["lang"] = lang
    at.query_params["from"] = "2015-01-01"
    at.query_params["to"] = "2017-12-31"
    at.run()
    at.switch_page("app_pages/route.py").run()
    assert not at.exception
    return at


def test_candidate_labels_are_numbered_distinct_and_name_a_street(fresh_settings: None) -> None:
    at = _route()
    box = at.selectbox(key="r_pick")
    labels = box.options  # AppTest gives the labels as shown
    exclude = at.multiselect(key="r_exclude").options
    assert len(set(exclude)) == len(exclude)  # no two entries read the same
    for i, label in enumerate(exclude, start=1):
        assert label.startswith(f"{i}. "), label
    streets = {
        name
        for _, _, d in load_demo_network(ROOT / "data/demo/walk.graphml").edges(data=True)
        if (name := d.get("name"))
    }
    assert all(any(s in label for s in streets) for label in exclude), exclude[:3]
    assert set(labels) <= set(exclude)  # the add list offers candidates not yet on the route


def test_a_candidate_is_added_from_the_list(fresh_settings: None) -> None:
    at = _route()
    box = at.selectbox(key="r_pick")
    assert box.options
    box.select_index(0).run()
    at.button(key="r_add_pick").click().run()
    assert not at.exception
    assert len(at.session_state["r_added"]) == 1
    plan = at.session_state["r_plan"]  # the route on screen
    assert "user" in [stop["kind"] for stop in plan["stops"]]  # what the officer added is walked
    assert plan["added_left_out"] == 0
    left_out = t("rp.added_left_out", "en", n=1, budget="", stops=8).split(":")[0]
    assert not [w for w in at.warning if left_out in w.value]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_added_stop_beyond_the_budget_is_told(lang: str, fresh_settings: None) -> None:
    at = _route(lang)
    at.session_state["r_added"] = [(34.0522, -118.2437)]  # City Hall, far beyond a shift's walk from South LA
    at.run()
    assert not at.exception
    assert at.session_state["r_plan"]["added_left_out"] == 1
    first_words = t("rp.added_left_out", lang, n=1, budget="", stops=8).split(":")[0]
    assert any(first_words in w.value for w in at.warning)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_typed_intersection_adds_the_node_where_the_streets_meet(lang: str, fresh_settings: None) -> None:
    g = load_demo_network(ROOT / "data/demo/walk.graphml")
    both = [n for n in g.nodes if {"Western Ave", "W 62nd St"} <= {d.get("name") for _, _, d in g.edges(n, data=True)}]
    assert both
    at = _route(lang)
    at.text_input(key="r_street").input("western avenue & 62nd street").run()
    at.button(key="r_add_street").click().run()
    assert not at.exception
    ((lat, lon),) = at.session_state["r_added"]
    assert any(abs(lat - g.nodes[n]["y"]) < 1e-6 and abs(lon - g.nodes[n]["x"]) < 1e-6 for n in both)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_an_intersection_that_does_not_exist_is_told_clearly(lang: str, fresh_settings: None) -> None:
    at = _route(lang)
    at.text_input(key="r_street").input("Western Ave & Vermont Ave").run()
    at.button(key="r_add_street").click().run()
    assert not at.exception
    expected = t("rp.street_apart", lang, first="Western Ave", second="Vermont Ave", street="")
    assert [e.value for e in at.error] == [expected]
    assert not at.session_state["r_added"]


def test_the_route_has_a_text_alternative_with_its_stops(fresh_settings: None) -> None:
    at = _route()
    stops = at.session_state["r_plan"]["stops"]
    alt = next(d for d in html_tables(at) if t("alt.lat", "en") in d.columns)
    assert list(alt[t("route.col_order", "en")]) == [str(i) for i in range(1, len(stops) + 1)]
    assert any("walking loop" in b and f"{len(stops)} stops" in b for b in html_bodies(at))
