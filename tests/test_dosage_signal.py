"""A long pause with no signal at the same spot is no signal, not presence (the officer may have left)."""

from __future__ import annotations

import pytest

from geo.core.settings import DosageSettings
from geo.data.tracks import read_gpx
from geo.patrol.dosage import measure_dosage, report_json, stops_from_route
from tests.dosage_helpers import stop_xy, to_gpx, walker
from tests.route_helpers import small_route

PARAMS = DosageSettings()


@pytest.fixture(scope="module")
def route():  # type: ignore[no-untyped-def]
    return small_route()[0]


@pytest.fixture(scope="module")
def plan(route):  # type: ignore[no-untyped-def]
    return stops_from_route(route)


READ = {"naive_time_zone": PARAMS.naive_time_zone, "max_mb": PARAMS.max_file_mb}


def _first_stop(points: list, plan) -> dict:  # type: ignore[type-arg,no-untyped-def]
    report = measure_dosage([read_gpx(to_gpx(points), **READ)], plan, params=PARAMS)
    return report.stops.set_index("order").loc[1].to_dict() | {"json": report_json(report, mode="public")}


def test_twenty_minutes_away_without_signal_is_not_presence(route, plan) -> None:  # type: ignore[no-untyped-def]
    xy = stop_xy(plan)
    w = walker(route)
    w.walk_to(*xy[0])
    w.stay(6)
    w.silence(20)  # the phone lost its signal while the officer went elsewhere, and came back to the same spot
    w.stay(6)
    w.walk_to(xy[0][0] + 400, xy[0][1])
    got = _first_stop(w.points, plan)
    assert got["minutes"] == pytest.approx(12, abs=1)  # the true time at the stop (the pause counted: 32)
    assert got["no_signal_min"] == pytest.approx(20, abs=0.5)
    assert got["json"]["stops"][0]["no_signal_min"] == pytest.approx(20, abs=0.5)


def test_standing_still_through_a_shorter_pause_still_counts(route, plan) -> None:  # type: ignore[no-untyped-def]
    xy = stop_xy(plan)
    w = walker(route)
    w.walk_to(*xy[0])
    w.stay(1)
    w.silence(PARAMS.still_gap_min - 3)  # a phone that records only on movement
    w.stay(1)
    w.walk_to(xy[0][0] + 400, xy[0][1])
    got = _first_stop(w.points, plan)
    assert got["minutes"] == pytest.approx(PARAMS.still_gap_min - 1, abs=1)
    assert got["no_signal_min"] == 0
