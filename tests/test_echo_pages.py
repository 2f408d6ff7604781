"""Values from a link, a file or a config reach the dashboard as text; link values are bounded and worded."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.core.errors import AnalysisError
from geo.core.i18n import catalog
from geo.core.text import WORD_JOINER
from geo.patrol.planner import plan_route
from geo.patrol.text import plan_error
from tests.page_helpers import PHISH, ROOT, TRACKER, live_markup, open_page, page_texts, with_controls
from tests.route_helpers import graph_from_points, grid_graph, lonlat, plan_args, stops_at

pytestmark = pytest.mark.app
DEMO = ROOT / "data" / "demo"
ENGLISH_REASONS = ("not a known place", "unknown", "dates must", "Invalid isoformat", "expected some of")


def sidebar_warning(at: AppTest) -> str:
    return " ".join(w.value for w in at.sidebar.warning)


def lead(key: str, lang: str) -> str:
    """The catalog text of ``key`` up to its first placeholder."""
    return catalog(lang)[key].split("{", 1)[0]


@pytest.mark.parametrize(
    ("page", "value", "lang"),
    [("map", PHISH, "en"), ("trends", TRACKER, "es"), ("present", PHISH, "es"), ("route", TRACKER, "en")],
)
def test_a_crafted_place_is_shown_as_text_not_as_a_link_or_image(page: str, value: str, lang: str, fresh_settings):
    at = open_page(page, {"place": value, "lang": lang})
    assert not at.exception
    assert live_markup(at) == []
    shown = sidebar_warning(at).replace("\\", "").replace(WORD_JOINER, "")
    assert value[:12] in shown  # the value is quoted back, literally


def test_refused_link_values_are_worded_in_spanish(fresh_settings) -> None:
    at = open_page("map", {"lang": "es", "from": "2016-02-30", "cat": "arson", "place": "Atlantis"})
    assert not at.exception
    warning = sidebar_warning(at)
    assert not [w for w in ENGLISH_REASONS if w in warning]
    for key in ("filters.problem.from", "filters.problem.cat", "filters.problem.unknown_place"):
        assert lead(key, "es") in warning
    assert "arson" in warning
    assert "Atlantis" in warning


def test_a_start_after_the_end_is_reported(fresh_settings) -> None:
    at = open_page("map", {"from": "2017-01-01", "to": "2016-01-01"})
    assert not at.exception
    assert catalog("en")["filters.problem.order"] in sidebar_warning(at)


@pytest.mark.parametrize("page", ["map", "present"])
def test_year_one_dates_do_not_break_the_year_earlier_comparison(page: str, fresh_settings) -> None:
    at = open_page(page, {"from": "0001-01-01", "to": "0001-12-31"})
    assert not at.exception
    assert "0001" in sidebar_warning(at)


def test_the_date_widget_stays_within_the_data(fresh_settings) -> None:
    occurred = pd.read_parquet(DEMO / "incidents.parquet", columns=["occurred_at"])["occurred_at"]
    first, last = occurred.min().date(), occurred.max().date()
    at = open_page("map", {"from": "1900-01-01", "to": "2100-12-31"})
    assert not at.exception
    assert at.query_params["from"] == first.isoformat()
    assert lead("filters.problem.outside", "en") in sidebar_warning(at)
    widget = with_controls(at).sidebar.date_input(key="f_dates")
    assert (widget.min, widget.max) == (first, last)
    assert tuple(widget.value) == (first, last)


def test_a_period_wholly_outside_the_data_falls_back_to_all_dates(fresh_settings) -> None:
    at = open_page("map", {"from": "1950-01-01", "to": "1950-12-31"})
    assert not at.exception
    assert with_controls(at).sidebar.selectbox(key="f_period").value == "all"


def test_a_huge_layers_value_is_ignored(fresh_settings) -> None:
    at = open_page("map", {"layers": "kde," * 40_000})
    assert not at.exception
    chosen = with_controls(at).multiselect(key="m_layers").value
    assert chosen
    assert "kde" not in chosen  # the default layers, not 40 000 heat layers


def test_a_huge_lang_value_is_ignored(fresh_settings) -> None:
    at = open_page("methods", {"lang": "es" * 50_000})
    assert not at.exception
    assert at.query_params["lang"] == "en"


@pytest.fixture
def data_export() -> Iterator[None]:
    saved = st.get_option("client.disableDataExport")
    yield
    st.set_option("client.disableDataExport", saved)


def test_tables_offer_no_raw_csv_and_the_stop_table_a_neutralised_one(fresh_settings, data_export) -> None:
    st.set_option("client.disableDataExport", False)
    at = open_page("route", {"lang": "es"})
    assert not at.exception
    assert st.get_option("client.disableDataExport") is True
    buttons = {b.proto.id.rsplit("-", 1)[-1]: b.proto.label for b in at.get("download_button")}
    assert buttons.get("r_csv") == catalog("es")["rp.stops_csv"]


def test_a_data_error_naming_a_crafted_file_stays_text(tmp_path: Path, fresh_settings) -> None:
    folder = tmp_path / "![x](evil.example.png)"
    folder.mkdir()
    bad = folder / "incidents.parquet"
    bad.write_bytes(b"not parquet at all")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"sources:\n  incidents: '{bad}'\n  places: {DEMO / 'places.geojson'}\n  streets: {DEMO / 'streets.geojson'}\n",
        encoding="utf-8",
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    saved, sys.argv = sys.argv, ["app.py", "--config", str(cfg)]
    try:
        at.run()
    finally:
        sys.argv = saved
    assert not at.exception
    assert at.error
    assert "incidents.parquet" in at.error[0].value.replace("\\", "")
    assert live_markup(at) == []
    assert any("evil" in text for text in page_texts(at))


# --- the planner's errors, in the page's language ----------------------------------------------
def planner_errors() -> list[AnalysisError]:
    """Errors the real planner raises: off the network, disconnected, over budget."""
    errors: list[AnalysisError] = []
    g = grid_graph(3, 3, 100)
    lon, lat = lonlat(2000, 2000)
    attempts = [
        lambda: plan_route(g, stops_at([(100, 100)], [1]), lat=lat, lon=lon, budget_min=60,
                           **plan_args(max_snap_m=250)),
        lambda: plan_route(g, stops_at([(200, 200)], [1]), lat=lonlat(0, 0)[1], lon=lonlat(0, 0)[0], budget_min=12,
                           **plan_args(dwell_min=10)),
    ]  # fmt: skip
    points = {0: (0, 0), 1: (100, 0), 2: (200, 0), 10: (0, 300), 11: (60, 300)}
    g2 = graph_from_points(points, [(0, 1), (1, 2), (10, 11)])
    lon2, lat2 = lonlat(5, 300)
    attempts.append(
        lambda: plan_route(g2, stops_at([(200, 0), (100, 0)], [3, 2]), lat=lat2, lon=lon2, budget_min=60, **plan_args())
    )
    for attempt in attempts:
        with pytest.raises(AnalysisError) as info:
            attempt()
        errors.append(info.value)
    return errors


def test_planner_errors_read_in_spanish_on_the_route_page() -> None:
    errors = planner_errors()
    templates = [v for k, v in catalog("es").items() if k.startswith("route.err.")]
    english_words = re.compile(r"\b(the|none|stop|stops|budget|network|walking|choose|raise)\b")
    for exc in errors:
        text = plan_error(exc, "es")
        assert not english_words.search(text), text
        assert any(text.startswith(tpl.split("{", 1)[0]) for tpl in templates), text
        english = plan_error(exc, "en")
        assert english != text
        assert english_words.search(english)


def test_numbers_in_planner_errors_are_kept() -> None:
    exc = planner_errors()[1]  # no stop fits the 12-minute budget
    assert "12" in plan_error(exc, "es")


def test_an_unknown_planner_error_is_not_english_in_spanish() -> None:
    assert plan_error("something odd happened", "es") == catalog("es")["route.err.other"]
    assert plan_error("something odd happened", "en") == "something odd happened"
