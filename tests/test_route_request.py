"""One planning entry point (geo.patrol.request): the request value, its rules, and CLI = page on the demo."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.cli import main
from geo.core.errors import AnalysisError
from geo.core.filters import Filters
from geo.core.settings import Settings
from geo.patrol.request import PlanRequest, data_window, plan, start_of

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


def incidents_on(days: list[str]) -> pd.DataFrame:
    stamps = pd.to_datetime(days).tz_localize("America/Los_Angeles") + pd.Timedelta(hours=23, minutes=30)
    return pd.DataFrame({"occurred_at": stamps})


def test_the_window_without_a_start_is_the_last_days_ending_at_the_latest_incident() -> None:
    inc = incidents_on(["2020-01-05", "2024-03-01", "2023-07-09"])
    w = data_window(Filters(categories=("homicide",)), inc, days=10)
    assert (w.start, w.end) == (dt.date(2024, 2, 21), dt.date(2024, 3, 1))  # 10 days, both ends inclusive
    assert w.categories == ("homicide",)
    ended = data_window(Filters(end=dt.date(2023, 7, 9)), inc, days=1)
    assert (ended.start, ended.end) == (dt.date(2023, 7, 9), dt.date(2023, 7, 9))
    given = Filters(start=dt.date(2021, 1, 1))
    assert data_window(given, inc, days=10) == given.replace(end=dt.date(2024, 3, 1))
    assert data_window(Filters(), inc.iloc[:0], days=10) == Filters()
    with pytest.raises(AnalysisError, match="at least 1 day"):
        data_window(Filters(), inc, days=0)


def test_a_request_is_a_plain_value_and_checks_itself() -> None:
    a = PlanRequest(budget_min=90, place="Harvard Park", filters=Filters(place="Jordan Downs", rings_m=(100.0,)))
    b = PlanRequest(budget_min=90, place="Harvard Park")
    assert a == b  # the view's focus place and rings play no part in a plan
    assert hash(a) == hash(b)
    assert a.replace(excluded=("x",)).without_edits() == a
    with pytest.raises(AnalysisError, match="either a place or"):
        PlanRequest(budget_min=90)
    with pytest.raises(AnalysisError, match="either a place or"):
        PlanRequest(budget_min=90, place="Harvard Park", point=(33.9, -118.3))
    with pytest.raises(AnalysisError, match="positive number of minutes"):
        PlanRequest(budget_min=0, place="Harvard Park")
    with pytest.raises(AnalysisError, match="hot-spot method"):
        PlanRequest(budget_min=90, place="Harvard Park", method="kde")
    with pytest.raises(AnalysisError, match="walking network"):
        PlanRequest(budget_min=90, place="Harvard Park", network="google")


def test_a_place_starts_inside_its_outline_and_a_point_focuses_on_the_smallest_place() -> None:
    places = gpd.read_file(DEMO / "places.geojson")
    place, lat, lon = start_of(PlanRequest(budget_min=60, place="harvard park"), places)
    assert place is not None
    assert place["name"].iloc[0] == "Harvard Park"
    outline = places.loc[places["name"] == "Harvard Park"].geometry.iloc[0]
    assert outline.contains(Point(lon, lat))
    # a point inside both Jordan Downs and its larger CSP area focuses on Jordan Downs
    inside = places[places.geometry.contains(Point(-118.2307, 33.9481))]
    smallest = inside.loc[inside.to_crs(32611).area.idxmin(), "name"]
    focus, _, _ = start_of(PlanRequest(budget_min=60, point=(33.9481, -118.2307)), places)
    assert focus is not None
    assert focus["name"].iloc[0] == smallest == "Jordan Downs"


def test_no_incidents_in_the_window_is_one_clear_error() -> None:
    from geo.data.datasets import load_incidents, load_places

    request = PlanRequest(budget_min=60, place="Harvard Park", filters=Filters(start=dt.date(1990, 1, 1),
                          end=dt.date(1990, 12, 31)))  # fmt: skip
    with pytest.raises(AnalysisError, match="no incidents between 1990-01-01 and 1990-12-31"):
        plan(request, incidents=load_incidents(DEMO / "incidents.parquet"),
             places=load_places(DEMO / "places.geojson"), settings=Settings())  # fmt: skip


CASES = {
    # as a new user tries it: no dates anywhere (the CLI and the sidebar's "all" period)
    "defaults": ({}, []),
    "filtered": (
        {"from": "2015-01-01", "to": "2017-12-31", "cat": "homicide,assault_with_weapon,shots_fired"},
        ["--from", "2015-01-01", "--to", "2017-12-31", "--category", "homicide,assault_with_weapon,shots_fired"],
    ),
}


@pytest.mark.app
@pytest.mark.parametrize("case", list(CASES))
def test_the_cli_and_the_patrol_page_plan_the_same_route(case: str, capsys, fresh_settings) -> None:
    from streamlit.testing.v1 import AppTest

    query, flags = CASES[case]
    code = main(["route", "--place", "Harvard Park", "--budget-min", "120", "--network", "demo",
                 "--start", "18:00", *flags])  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    cli = json.loads(out.out)

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("app_pages/route.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="r_place").value == "Harvard Park"
    assert at.number_input(key="r_budget").value == 120
    page = at.session_state["r_plan"]

    assert [s["stop_id"] for s in page["stops"]] == [s["stop_id"] for s in cli["stops"]]
    assert len(cli["stops"]) >= 1
    assert abs(page["distance_m"] - cli["distance_m"]) <= 1.0
    assert (page["data_from"], page["data_to"]) == (cli["data_from"], cli["data_to"])
    assert page["incidents_used"] == cli["incidents_used"]
    if case == "defaults":  # the last patrol.hotspot_days days ending at the latest incident
        latest = gpd.read_parquet(DEMO / "incidents.parquet")["occurred_at"].max().date()
        days = Settings().patrol.hotspot_days
        assert cli["data_to"] == latest.isoformat()
        assert cli["data_from"] == (latest - dt.timedelta(days=days - 1)).isoformat()
    table = next(d.value for d in at.dataframe if "Arrive" in d.value.columns)
    assert len(table) == len(cli["stops"])
