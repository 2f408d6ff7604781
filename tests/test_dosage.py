"""Patrol dosage from GPX tracks: known stays, jitter, gaps, overlapping uploads, the plan GPX, privacy, bad input."""

from __future__ import annotations

import datetime as dt
import json
import math

import geopandas as gpd
import gpxpy
import numpy as np
import pandas as pd
import pytest

from geo.core.errors import DataError
from geo.core.settings import DosageSettings
from geo.data.tracks import (
    POINT_COLUMNS,
    delete_tracks,
    read_gpx,
    read_plan_gpx,
    read_stops_file,
    save_track,
    stored_tracks,
)
from geo.exports.gpx import route_gpx
from geo.patrol.dosage import measure_dosage, report_json, stops_from_route, weekly_dosage
from tests.dosage_helpers import ERRAND_MIN, PERSONAL, metric, scripted_walk, stop_xy, to_gpx, walker
from tests.route_helpers import small_route

PARAMS = DosageSettings()
READ = {"naive_time_zone": PARAMS.naive_time_zone, "max_mb": PARAMS.max_file_mb}  # read_gpx, read_plan_gpx


@pytest.fixture(scope="module")
def route():
    return small_route()[0]


@pytest.fixture(scope="module")
def plan(route):
    return stops_from_route(route)


def row(report, order: int) -> pd.Series:
    return report.stops.set_index("order").loc[order]


def test_known_stays_with_jitter_and_a_gap_give_the_known_minutes_and_visits(route, plan):
    w = scripted_walk(route, plan)
    report = measure_dosage([read_gpx(to_gpx(w.points), **READ)], plan, params=PARAMS)
    one, two, three, four = (row(report, k) for k in (1, 2, 3, 4))
    assert one["visits"] == 1
    assert one["minutes"] == pytest.approx(15, abs=1)
    assert two["visits"] == 2  # the errand is longer than the visit gap
    assert two["minutes"] == pytest.approx(12, abs=1)
    assert two["longest_gap_min"] == pytest.approx(ERRAND_MIN, abs=1)
    assert (three["visits"], three["passes"]) == (0, 1)  # walked through, not a visit
    assert (four["visits"], four["passes"]) == (0, 0)
    assert report.unvisited == [str(row(report, 3)["stop_id"]), str(row(report, 4)["stop_id"])]
    assert one["planned_min"] == pytest.approx(float(route.stops["dwell_min"].iloc[0]))
    assert one["difference_min"] == pytest.approx(one["minutes"] - one["planned_min"])
    x0, y0 = metric(route.start_lon, route.start_lat)
    (x1, y1), speed = stop_xy(plan)[0], w.speed
    arrival = pd.Timestamp(route.start_time) + pd.Timedelta(seconds=math.hypot(x1 - x0, y1 - y0) / speed)
    assert abs(one["first_visit"] - arrival) < pd.Timedelta(minutes=1)
    assert abs(one["last_visit"] - (arrival + pd.Timedelta(minutes=15))) < pd.Timedelta(minutes=1)
    assert report.order["as_planned"] == [True]


def test_jitter_at_the_edge_neither_splits_nor_shortens_a_stay(route, plan):
    xy = stop_xy(plan)
    w = walker(route, jitter_m=6.0, seed=3)
    w.walk_to(xy[0][0] + 20, xy[0][1])  # stand 20 m from the stop: the 25 m edge is within the jitter
    w.stay(14)
    w.walk_to(xy[0][0] + 400, xy[0][1])
    track = read_gpx(to_gpx(w.points), **READ)
    with_rule = row(measure_dosage([track], plan, params=PARAMS), 1)
    assert with_rule["visits"] == 1
    assert with_rule["minutes"] == pytest.approx(14, abs=1)
    # without the hysteresis band, the same jitter drops a good part of the stay
    no_band = row(measure_dosage([track], plan, params=PARAMS.model_copy(update={"hysteresis_m": 0.0})), 1)
    assert no_band["minutes"] < with_rule["minutes"] - 1


def test_standing_still_without_points_counts_and_a_signal_hole_does_not(route, plan):
    xy = stop_xy(plan)
    still = walker(route)
    still.walk_to(*xy[0])
    still.stay(1)
    still.silence(12)  # a phone that records only on movement: no point while standing
    still.stay(1)
    still.walk_to(xy[0][0] + 400, xy[0][1])
    one = row(measure_dosage([read_gpx(to_gpx(still.points), **READ)], plan, params=PARAMS), 1)
    assert one["visits"] == 1
    assert one["minutes"] == pytest.approx(14, abs=1)
    hole = walker(route)
    hole.walk_to(*xy[0])
    hole.stay(4)
    hole.walk_to(xy[0][0] + 20, xy[0][1])
    hole.silence(10)  # no signal, and the next point is 40 m away, elsewhere in the circle
    hole.x -= 40
    hole.stay(4)
    hole.walk_to(xy[0][0] + 400, xy[0][1])
    two = row(measure_dosage([read_gpx(to_gpx(hole.points), **READ)], plan, params=PARAMS), 1)
    assert two["visits"] == 2
    assert two["minutes"] == pytest.approx(8, abs=1)


def test_the_same_walk_uploaded_twice_or_from_two_devices_counts_once(route, plan):
    phone = read_gpx(to_gpx(scripted_walk(route, plan, seed=1).points), **READ)
    watch = read_gpx(to_gpx(scripted_walk(route, plan, seed=2, step_s=3.0).points), **READ)
    once = measure_dosage([phone], plan, params=PARAMS).stops
    both = measure_dosage([phone, phone, watch], plan, params=PARAMS).stops
    assert list(both["visits"]) == list(once["visits"])
    np.testing.assert_allclose(both["minutes"], once["minutes"], atol=0.5)


def test_the_gpx_the_planner_writes_round_trips_as_a_plan(route, plan):
    back = read_plan_gpx(route_gpx(route, lang="es"), **READ)
    assert list(back.stops["order"]) == list(route.stops["order"])
    np.testing.assert_allclose(back.stops.geometry.x, route.stops.geometry.x, atol=1e-6)
    np.testing.assert_allclose(back.stops.geometry.y, route.stops.geometry.y, atol=1e-6)
    np.testing.assert_allclose(back.stops["dwell_min"], route.stops["dwell_min"], atol=1 / 60)
    arrive = pd.to_datetime(list(route.stops["arrive"]), utc=True)
    assert (abs(back.stops["arrive"] - arrive) <= pd.Timedelta(seconds=1)).all()
    assert back.budget_min == pytest.approx(route.total_min, abs=1 / 60)


def test_walking_the_planners_own_track_meets_every_planned_stay(route, plan):
    track = read_gpx(route_gpx(route), **READ)
    report = measure_dosage([track], read_plan_gpx(route_gpx(route), **READ), params=PARAMS)
    assert (report.stops["visits"] == 1).all()
    np.testing.assert_allclose(report.stops["minutes"], route.stops["dwell_min"], atol=1)
    assert report.order["as_planned"] == [True]
    assert report.walks["minutes"].iloc[0] == pytest.approx(route.total_min, abs=0.1)


def test_personal_fields_never_reach_the_store(route, plan, tmp_path):
    text = to_gpx(scripted_walk(route, plan).points, personal=True)
    assert all(v in text for k, v in PERSONAL.items() if k != "email")  # the upload carries them all
    assert 'id="jane.roe"' in text
    track = read_gpx(text.encode("utf-8"), name="upload.gpx", **READ)
    path = save_track(track, folder=tmp_path / "tracks")
    raw = path.read_bytes()
    for value in [*PERSONAL.values(), "jane.roe", "example.org"]:
        assert value.encode() not in raw
    assert list(pd.read_parquet(path).columns) == list(POINT_COLUMNS)
    assert [p.name for p in (tmp_path / "tracks").iterdir()] == [f"{track.track_id}.parquet"]
    out = json.dumps(report_json(measure_dosage([track], plan, params=PARAMS), mode="internal"), default=str)
    assert not any(v in out for v in PERSONAL.values())
    assert "upload.gpx" not in out


def test_stored_tracks_are_kept_once_and_deleted_with_one_call(route, plan, tmp_path):
    track = read_gpx(to_gpx(scripted_walk(route, plan).points), **READ)
    folder = tmp_path / "tracks"
    save_track(track, folder=folder)
    save_track(read_gpx(to_gpx(scripted_walk(route, plan).points), **READ), folder=folder)  # the same walk again
    (again,) = stored_tracks(folder)
    pd.testing.assert_frame_equal(again.points, track.points)
    assert delete_tracks(folder) == 1
    assert stored_tracks(folder) == []


def test_other_time_zones_and_versions_read_as_the_same_instants(route, plan):
    w = scripted_walk(route, plan)
    pacific = dt.timezone(dt.timedelta(hours=-7))
    local = [(la, lo, t.astimezone(pacific)) for la, lo, t in w.points]
    utc = [(la, lo, t.astimezone(dt.UTC)) for la, lo, t in w.points]
    a, b = read_gpx(to_gpx(local), **READ), read_gpx(to_gpx(utc, version="1.0"), **READ)
    assert "-07:00" in to_gpx(local)
    assert b.report["version"] == "1.0"
    assert a.track_id == b.track_id
    naive = read_gpx(to_gpx([(la, lo, t.replace(tzinfo=None)) for la, lo, t in utc]), **READ)
    assert naive.track_id == a.track_id
    assert naive.report["naive_times"] == len(utc)
    shifted = read_gpx(
        to_gpx([(la, lo, t.replace(tzinfo=None)) for la, lo, t in local]),
        naive_time_zone="Etc/GMT+7",
        max_mb=PARAMS.max_file_mb,
    )
    assert shifted.track_id == a.track_id


def test_every_point_is_accounted_for_when_some_are_dropped_or_out_of_order(route, plan):
    pts = scripted_walk(route, plan).points
    messy = list(pts)
    messy[10], messy[11] = messy[11], messy[10]  # out of order
    messy[20] = (messy[20][0], messy[20][1], None)  # no time
    messy.insert(30, (95.0, messy[30][1], messy[30][2] + dt.timedelta(seconds=1)))  # impossible latitude
    messy.insert(40, (messy[40][0], messy[40][1], messy[40][2]))  # the same instant twice
    messy.insert(50, (messy[50][0], messy[50][1], dt.datetime(1999, 8, 22, tzinfo=dt.UTC)))  # a clock never set
    track = read_gpx(to_gpx(messy), **READ)
    rep = track.report
    assert rep["read"] == len(messy)
    assert rep["dropped"] == {"no_time": 1, "bad_coordinates": 1, "impossible_time": 1, "duplicate_time": 1}
    assert rep["kept"] == rep["read"] - 4 == len(track.points)
    assert rep["reordered"] == 1
    assert track.points["time"].is_monotonic_increasing
    clean = measure_dosage([read_gpx(to_gpx(pts), **READ)], plan, params=PARAMS).stops
    got = measure_dosage([track], plan, params=PARAMS).stops
    np.testing.assert_allclose(got["minutes"], clean["minutes"], atol=0.2)


def test_bad_files_get_one_clear_reason(route, plan):
    with pytest.raises(DataError, match="not a readable GPX"):
        read_gpx(b"<gpx><trk><trkseg><trkpt lat='1'", name="broken.gpx", **READ)
    with pytest.raises(DataError, match="is empty"):
        read_gpx(b"", name="empty.gpx", **READ)
    no_times = [(la, lo, None) for la, lo, _ in scripted_walk(route, plan).points[:30]]
    with pytest.raises(DataError, match="none of its 30 track points has a time"):
        read_gpx(to_gpx(no_times), name="no-times.gpx", **READ)
    with pytest.raises(DataError, match="no track points"):
        read_gpx(route_gpx(route).replace("<trk>", "<!--").replace("</trk>", "-->"), name="waypoints.gpx", **READ)
    with pytest.raises(DataError, match="larger than"):
        read_gpx(to_gpx(scripted_walk(route, plan).points), naive_time_zone=PARAMS.naive_time_zone, max_mb=0.001)


def test_a_track_far_from_every_stop_is_flagged_and_adds_nothing(route, plan):
    w = scripted_walk(route, plan)
    far = read_gpx(to_gpx([(la + 0.5, lo, t) for la, lo, t in w.points]), **READ)
    report = measure_dosage([far], plan, params=PARAMS)
    (account,) = report.tracks
    assert account["far_from_every_stop"] is True
    assert account["nearest_stop_m"] > 50_000
    assert report.stops["minutes"].sum() == 0
    assert len(report.unvisited) == len(plan.stops)


def test_public_report_gives_whole_days_and_internal_times(route, plan):
    report = measure_dosage([read_gpx(to_gpx(scripted_walk(route, plan).points), **READ)], plan, params=PARAMS)
    public, internal = report_json(report, mode="public"), report_json(report, mode="internal")
    first = public["stops"][0]["first_visit"]
    assert first == str(pd.Timestamp(row(report, 1)["first_visit"]).tz_convert("America/Los_Angeles").date())
    assert "T" in internal["stops"][0]["first_visit"]
    assert "start" not in public["walks"][0]
    assert "start" in internal["walks"][0]
    assert all("T" not in str(t["first"]) for t in public["tracks"])


def test_weekly_minutes_and_incidents_near_each_stop(route, plan):
    w = scripted_walk(route, plan)
    w.silence(60 * 24 * 7)  # a second walk a week later, stop 1 only
    xy = stop_xy(plan)
    w.walk_to(*xy[0])
    w.stay(10)
    w.walk_to(xy[0][0] + 500, xy[0][1])
    report = measure_dosage([read_gpx(to_gpx(w.points), **READ)], plan, params=PARAMS)
    # incidents at known distances from stop 1, in the first week
    when = pd.Timestamp(route.start_time).tz_convert("America/Los_Angeles")
    offsets = [(10, 0), (0, 140), (160, 0), (0, -400)]
    lonlat = [
        gpd.GeoSeries.from_xy([xy[0][0] + dx], [xy[0][1] + dy], crs=32611).to_crs(4326).iloc[0] for dx, dy in offsets
    ]
    inc = gpd.GeoDataFrame({"occurred_at": [when] * 4}, geometry=lonlat, crs=4326)
    weekly = weekly_dosage(report, inc, incident_radius_m=150, min_count=3)
    assert len(weekly) == 2 * len(plan.stops)
    weeks = sorted(weekly["week"].unique())
    s1 = weekly[weekly["order"] == 1].set_index("week")
    assert s1.loc[weeks[0], "minutes"] == pytest.approx(15, abs=1)
    assert s1.loc[weeks[1], "minutes"] == pytest.approx(10, abs=1)
    assert s1.loc[weeks[1], "visits"] == 1
    stop1 = gpd.GeoSeries([plan.stops.geometry.iloc[0]], crs=4326).to_crs(32611).iloc[0]
    expected = int((inc.to_crs(32611).distance(stop1) <= 150).sum())
    assert s1.loc[weeks[0], "incidents"] == expected == 2
    assert bool(s1.loc[weeks[0], "small_count"]) is True
    # the incidents end in the first week: the second is outside the data's period, no data (never 0)
    assert pd.isna(s1.loc[weeks[1], "incidents"])
    assert bool(s1.loc[weeks[1], "no_data"]) is True
    assert not bool(s1.loc[weeks[0], "no_data"])
    assert math.isclose((weeks[1] - weeks[0]).days, 7)
    # data that run through the second week: none near stop 1 that week is a real 0
    later = (weeks[0], weeks[1] + pd.Timedelta(days=6))
    s1 = weekly_dosage(report, inc, incident_radius_m=150, min_count=3, period=later).query("order == 1")
    assert s1.set_index("week").loc[weeks[1], "incidents"] == 0
    assert not s1["no_data"].any()


def test_weekly_incidents_are_no_data_at_a_stop_outside_the_coverage(route, plan):
    from shapely.geometry import box

    from geo.data.coverage import Coverage

    w = scripted_walk(route, plan)
    report = measure_dosage([read_gpx(to_gpx(w.points), **READ)], plan, params=PARAMS)
    when = pd.Timestamp(route.start_time).tz_convert("America/Los_Angeles")
    first = plan.stops.geometry.iloc[0]
    inc = gpd.GeoDataFrame({"occurred_at": [when]}, geometry=[first], crs=4326)
    # a coverage holding stop 1 only (a tiny box around it): the other stops have no data
    area = box(first.x - 0.0005, first.y - 0.0005, first.x + 0.0005, first.y + 0.0005)  # stops lie 283 m apart
    weekly = weekly_dosage(report, inc, incident_radius_m=150, min_count=3, coverage=Coverage(area, "points_hull"))
    by_stop = weekly.set_index("order")
    assert by_stop.loc[1, "incidents"] == 1
    others = by_stop.drop(index=1)
    assert others["incidents"].isna().all()
    assert others["no_data"].all()


def test_stops_file_csv_and_polygons(tmp_path, plan):
    csv = tmp_path / "stops.csv"
    pd.DataFrame({"lat": plan.stops.geometry.y, "lon": plan.stops.geometry.x, "dwell_min": 12}).to_csv(csv, index=False)
    got = read_stops_file(csv)
    np.testing.assert_allclose(got.stops.geometry.x, plan.stops.geometry.x, atol=1e-7)
    assert (got.stops["dwell_min"] == 12).all()
    assert (got.stops["order"] == 0).all()
    cells = gpd.GeoDataFrame(geometry=plan.stops.to_crs(32611).buffer(75, cap_style="square"), crs=32611).to_crs(4326)
    cells.to_file(tmp_path / "cells.geojson")
    back = read_stops_file(tmp_path / "cells.geojson")
    np.testing.assert_allclose(back.stops.geometry.y, plan.stops.geometry.y, atol=1e-6)


def test_the_gpx_parses_with_gpxpy_as_written(route, plan):
    text = to_gpx(scripted_walk(route, plan).points[:5], version="1.0")
    assert gpxpy.parse(text).version == "1.0"


def test_a_latin1_gpx_from_an_old_device_is_read(route, plan):
    pts = scripted_walk(route, plan).points[:20]
    text = to_gpx(pts, version="1.0").replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    text = text.replace("<trk>", "<trk><name>Caf\u00e9 Mart\u00ednez</name>", 1)
    track = read_gpx(text.encode("latin-1"), **READ)
    assert track.report["kept"] == 20


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_methods_text_states_the_configured_rules(lang):
    from geo.core.i18n import methods_text
    from geo.core.settings import load_settings

    d = load_settings().dosage
    text = methods_text(lang).split("###")[-1]
    for value in (d.radius_m, d.radius_m + d.hysteresis_m, d.still_m, d.incident_radius_m):
        assert f"{value:g} m" in text
    for value in (d.min_stay_min, d.visit_gap_min, d.met_tolerance_min):
        assert f"{value:g} minut" in text
    assert f"{d.moving_mps:g}".replace(".", "," if lang == "es" else ".") + " m/s" in text
