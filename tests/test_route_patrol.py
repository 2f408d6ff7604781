"""Candidate stops, snapping, Koper dwell and route assembly (geo.patrol) on tiny synthetic networks."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from geo.core.errors import AnalysisError, DataError
from geo.core.projection import METRIC, WGS84
from geo.core.settings import get_settings
from geo.patrol.candidates import (
    add_stop,
    border_stops,
    grid_hot_cells,
    merge_candidates,
    remove_stops,
    stops_from_cells,
    stops_from_points,
)
from geo.patrol.dwell import koper_dwell
from geo.patrol.planner import plan_route
from tests.route_helpers import BASE_LAT, BASE_LON, graph_from_points, grid_graph, lonlat, plan_args, stops_at

T0 = dt.datetime(2025, 5, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
PATROL = get_settings().patrol


def points_gdf(offsets):
    pts = [lonlat(dx, dy) for dx, dy in offsets]
    return gpd.GeoDataFrame(geometry=[Point(p) for p in pts], crs=WGS84)


# --- Koper dwell ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("given_min", "expected"), [(15, 15), (5, 10), (30, 16), (12.5, 12.5)])
def test_koper_dwell_clamps(given_min, expected):
    low, high = PATROL.dwell_range_min
    assert koper_dwell(given_min, low=low, high=high) == expected


def test_koper_dwell_rejects_a_bad_range():
    with pytest.raises(AnalysisError, match="low <= high"):
        koper_dwell(15, low=16, high=10)


# --- candidates ------------------------------------------------------------------------------------


def test_stops_from_cells_uses_centroids_and_drops_empty_cells():
    cells = gpd.GeoDataFrame(
        {"weight": [2.0, 0.0, 5.0]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(0, 100, 100, 200)],
        crs=METRIC,
    )
    out = stops_from_cells(cells)
    assert list(out["weight"]) == [5.0, 2.0]
    assert out.crs == WGS84
    c = out.to_crs(METRIC).geometry
    assert c.iloc[0].distance(Point(50, 150)) < 1e-6
    assert list(out["stop_id"]) == ["hot_cell-01", "hot_cell-02"]
    assert len(stops_from_cells(cells, top=1)) == 1


def test_stops_from_cells_needs_the_weight_column():
    cells = gpd.GeoDataFrame({"z": [1.0]}, geometry=[box(0, 0, 1, 1)], crs=METRIC)
    with pytest.raises(DataError, match="no weight column 'weight'"):
        stops_from_cells(cells)


def test_stops_from_points_with_array_weights():
    pts = points_gdf([(0, 0), (100, 0)])
    out = stops_from_points(pts, [1.0, 3.0], kind="kde_peak")
    assert list(out["weight"]) == [3.0, 1.0]
    assert set(out["kind"]) == {"kde_peak"}
    with pytest.raises(DataError, match="expected 2 weights"):
        stops_from_points(pts, [1.0])
    with pytest.raises(DataError, match="non-negative"):
        stops_from_points(pts, [1.0, -1.0])


def test_border_stops_weight_the_busy_side():
    # a 400 m square park; 6 incidents just north of the north side, 1 just east
    park = Polygon([lonlat(0, 0), lonlat(400, 0), lonlat(400, 400), lonlat(0, 400)])
    north = [(50 + 60 * i, 420) for i in range(6)]
    inc = points_gdf([*north, (430, 200), (900, 900)])
    out = border_stops(park, inc, segment_m=100, within_m=50)
    assert out["weight"].sum() == 7  # each incident once; the far one not at all
    assert len(out) >= 2
    top = out.iloc[0]
    assert top["label"] == "N"
    north_side = gpd.GeoSeries([park.exterior], crs=WGS84).to_crs(METRIC).iloc[0]
    north_edge = (
        gpd.GeoSeries([Polygon([lonlat(0, 400), lonlat(400, 400), lonlat(200, 300)]).exterior], crs=WGS84)
        .to_crs(METRIC)
        .iloc[0]
    )
    p = gpd.GeoSeries([top.geometry], crs=WGS84).to_crs(METRIC).iloc[0]
    assert north_side.distance(p) < 0.01
    assert north_edge.distance(p) < 0.01


def test_border_stops_for_a_point_place():
    place = gpd.GeoDataFrame(geometry=[Point(lonlat(0, 0))], crs=WGS84)
    out = border_stops(place, points_gdf([(10, 10), (30, 0), (500, 0)]), segment_m=PATROL.border_segment_m, within_m=50)
    assert list(out["weight"]) == [2.0]


def test_grid_hot_cells_counts_on_an_aligned_grid():
    inc = points_gdf([(10, 10), (20, 20), (30, 30), (400, 400), (410, 410)])
    cells = grid_hot_cells(inc, cell_m=150, top=None)
    assert cells["weight"].sum() == 5
    assert cells["weight"].iloc[0] >= cells["weight"].iloc[-1]
    again = grid_hot_cells(inc, cell_m=150, top=None)
    assert list(again["cell_id"]) == list(cells["cell_id"])
    near = grid_hot_cells(inc, cell_m=150, top=None, around=(BASE_LAT, BASE_LON), radius_m=100)
    assert near["weight"].sum() == 3


def test_grid_hot_cells_are_the_analysis_grid_cells():
    from geo.analysis.grid import square_counts

    rng = np.random.default_rng(7)
    inc = points_gdf([tuple(v) for v in rng.uniform(-600, 600, (300, 2))])
    cells = grid_hot_cells(inc, cell_m=150, top=None)
    ref = square_counts(inc, cell_m=150)

    def keyed(frame, column):
        centres = frame.to_crs(METRIC).geometry.centroid
        return sorted(zip(np.round(centres.x), np.round(centres.y), frame[column].astype(float), strict=True))

    assert keyed(cells, "weight") == keyed(ref, "count")
    assert list(cells["weight"]) == sorted(cells["weight"], reverse=True)


def test_merge_candidates_keeps_the_heaviest_of_close_stops():
    a = stops_at([(0, 0), (500, 0)], [3, 1])
    b = stops_at([(20, 0)], [5])
    b["stop_id"] = ["b0"]
    out = merge_candidates(a, b, min_separation_m=50)
    assert list(out["stop_id"]) == ["b0", "s1"]
    with pytest.raises(DataError, match="unique"):
        merge_candidates(a, a, min_separation_m=PATROL.min_separation_m)


def test_add_and_remove_stops():
    s = stops_at([(0, 0)], [1])
    lon, lat = lonlat(100, 0)
    s2 = add_stop(s, lat=lat, lon=lon, weight=4, label="corner")
    assert list(s2["stop_id"]) == ["s0", "user-1"]
    s3 = add_stop(s2, lat=lat, lon=lon, weight=1)
    assert s3["stop_id"].iloc[-1] == "user-2"
    assert list(remove_stops(s3, ["s0", "user-1"])["stop_id"]) == ["user-2"]
    with pytest.raises(DataError, match="unknown stop ids"):
        remove_stops(s3, ["nope"])


# --- routes ----------------------------------------------------------------------------------------


def brute_force_weight(graph, start, stop_nodes, weights, dwell_s, budget_s, speed):
    dist = dict(nx.all_pairs_dijkstra_path_length(graph.to_undirected(), weight="length"))
    best = 0.0
    idx = range(len(stop_nodes))
    for k in range(1, len(stop_nodes) + 1):
        for perm in itertools.permutations(idx, k):
            seq = [start, *[stop_nodes[i] for i in perm], start]
            walk = sum(math.ceil(dist[a][b] / speed - 1e-9) for a, b in itertools.pairwise(seq))
            if walk + dwell_s * k <= budget_s:
                best = max(best, sum(weights[i] for i in perm))
    return best


@pytest.mark.parametrize("budget_min", [25, 35, 50, 70, 100])
def test_plan_route_matches_brute_force_on_a_grid(budget_min):
    g = grid_graph(5, 5, 100)
    offsets = [(400, 0), (0, 400), (400, 400), (200, 200), (100, 300), (300, 100)]
    weights = [6, 5, 9, 3, 4, 2]
    stops = stops_at(offsets, weights)
    lon, lat = lonlat(0, 0)
    route = plan_route(
        g, stops, lat=lat, lon=lon, budget_min=budget_min, start_time=T0, **plan_args(dwell_min=10, max_stops=None)
    )
    nodes = [4, 20, 24, 12, 16, 8]
    expected = brute_force_weight(g, 0, nodes, weights, 600, budget_min * 60, 1.2)
    assert route.weight_covered == expected
    assert route.total_min <= budget_min
    assert route.stops["node"].tolist() == [nodes[int(s[1:])] for s in route.stops["stop_id"]]


def test_route_loop_closes_at_the_start_and_times_add_up():
    g = grid_graph(5, 5, 100)
    stops = stops_at([(400, 0), (400, 400), (0, 400)], [3, 3, 3])
    lon, lat = lonlat(10, 5)
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=70, start_time=T0, **plan_args(dwell_min=15))
    assert r.start_node == 0
    start_xy = (g.nodes[0]["x"], g.nodes[0]["y"])
    assert r.path.coords[0] == pytest.approx(start_xy)
    assert r.path.coords[-1] == pytest.approx(start_xy)
    assert r.legs[0].from_stop == 0
    assert r.legs[-1].to_stop == 0
    assert r.legs[0].nodes[0] == 0
    assert r.legs[-1].nodes[-1] == 0
    assert len(r.legs) == len(r.stops) + 1
    assert r.distance_m == pytest.approx(sum(leg.distance_m for leg in r.legs))
    # a loop of 3 stops on the square's corners: 1600 m
    assert len(r.stops) == 3
    assert r.distance_m == pytest.approx(1600)
    assert r.walk_min == pytest.approx(1600 / 1.2 / 60)
    assert r.total_min == pytest.approx(r.walk_min + 45)
    assert (r.end_time - r.start_time).total_seconds() == pytest.approx(r.total_min * 60)
    arrive = list(r.stops["arrive"])
    depart = list(r.stops["depart"])
    assert all(a < d for a, d in zip(arrive, depart, strict=True))
    assert all(d < a for d, a in zip(depart[:-1], arrive[1:], strict=True))
    assert (r.stops["dwell_min"] == 15).all()
    s = r.summary()
    assert s["n_stops"] == 3
    assert s["total_min"] <= 70
    assert s["turns"][-1]["action"] == "finish"


def test_turn_list_names_streets_and_turns():
    g = grid_graph(3, 3, 100)
    stops = stops_at([(200, 200)], [1])
    lon, lat = lonlat(0, 0)
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=30, start_time=T0, **plan_args(dwell_min=10))
    actions = [t.action for t in r.turns]
    assert actions[0] == "depart"
    assert actions.count("stop") == 1
    assert actions[-1] == "finish"
    streets = {t.street for t in r.turns if t.street}
    assert streets <= {"Row 0 St", "Row 1 St", "Row 2 St", "Col 0 Ave", "Col 1 Ave", "Col 2 Ave"}
    assert any(a in ("turn_left", "turn_right") for a in actions)
    walked = sum(t.distance_m for t in r.turns)
    assert walked == pytest.approx(r.distance_m)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(budget=st.floats(5, 200), dwell=st.floats(1, 30), speed=st.floats(0.5, 2.0), max_stops=st.integers(1, 6))
def test_budget_is_never_exceeded(budget, dwell, speed, max_stops):
    g = grid_graph(4, 4, 120)
    stops = stops_at([(360, 0), (0, 360), (360, 360), (120, 240), (240, 120)], [5, 4, 8, 2, 3])
    lon, lat = lonlat(0, 0)
    try:
        r = plan_route(
            g,
            stops,
            lat=lat,
            lon=lon,
            budget_min=budget,
            start_time=T0,
            **plan_args(dwell_min=dwell, speed_mps=speed, max_stops=max_stops),
        )
    except AnalysisError as exc:
        message = str(exc)
        r = None
    if r is None:
        assert "no stop fits" in message
        return
    assert r.total_min <= budget + 1e-9
    assert len(r.stops) <= max_stops
    assert (r.end_time - r.start_time).total_seconds() <= budget * 60 + 1e-6
    assert 10 <= r.stops["dwell_min"].min() <= r.stops["dwell_min"].max() <= 16


def test_same_input_same_route():
    g = grid_graph(6, 6, 100)
    rng = np.random.default_rng(4)
    offsets = [tuple(v) for v in rng.uniform(0, 500, (20, 2))]
    stops = stops_at(offsets, rng.integers(1, 10, 20))
    lon, lat = lonlat(250, 250)
    a = plan_route(g, stops, lat=lat, lon=lon, budget_min=90, start_time=T0, **plan_args())
    b = plan_route(g, stops, lat=lat, lon=lon, budget_min=90, start_time=T0, **plan_args())
    assert a.stops["stop_id"].tolist() == b.stops["stop_id"].tolist()
    assert a.path.equals(b.path)


def test_a_disconnected_start_node_gives_a_clear_error():
    points = {0: (0, 0), 1: (100, 0), 2: (200, 0), 10: (0, 300), 11: (60, 300)}
    g = graph_from_points(points, [(0, 1), (1, 2), (10, 11)])
    stops = stops_at([(200, 0), (100, 0)], [3, 2])
    lon, lat = lonlat(5, 300)
    with pytest.raises(AnalysisError, match=r"not connected to any candidate stop .* 2 nodes"):
        plan_route(g, stops, lat=lat, lon=lon, budget_min=60, start_time=T0, **plan_args())


def test_stops_on_another_piece_are_marked_unreachable():
    points = {0: (0, 0), 1: (100, 0), 10: (0, 300), 11: (60, 300)}
    g = graph_from_points(points, [(0, 1), (10, 11)])
    stops = stops_at([(100, 0), (60, 300)], [3, 9])
    lon, lat = lonlat(0, 0)
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=60, start_time=T0, **plan_args())
    status = dict(zip(r.candidates["stop_id"], r.candidates["status"], strict=True))
    assert status == {"s0": "visited", "s1": "unreachable"}


def test_a_start_off_the_network_is_refused():
    g = grid_graph(3, 3, 100)
    lon, lat = lonlat(2000, 2000)
    with pytest.raises(AnalysisError, match="off the walking network"):
        plan_route(g, stops_at([(100, 100)], [1]), lat=lat, lon=lon, budget_min=60, **plan_args(max_snap_m=250))


def test_no_stop_fits_the_budget():
    g = grid_graph(3, 3, 100)
    lon, lat = lonlat(0, 0)
    with pytest.raises(AnalysisError, match="no stop fits the 12-minute budget"):
        plan_route(g, stops_at([(200, 200)], [1]), lat=lat, lon=lon, budget_min=12, **plan_args(dwell_min=10))


def test_stops_on_one_node_are_merged_not_doubled():
    g = grid_graph(3, 3, 100)
    stops = stops_at([(100, 100), (105, 95)], [2, 5])
    lon, lat = lonlat(0, 0)
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=60, start_time=T0, **plan_args())
    status = dict(zip(r.candidates["stop_id"], r.candidates["status"], strict=True))
    assert status == {"s0": "merged", "s1": "visited"}
    assert r.weight_covered == 5


# --- stops a person adds -----------------------------------------------------------------------------


def _added(stops, offset, weight=1.0):
    lon, lat = lonlat(*offset)
    return add_stop(stops, lat=lat, lon=lon, weight=weight)


def test_an_added_stop_is_visited_before_a_heavier_candidate():
    """25 minutes fit one stop: the weight-9 hot spot or the weight-1 stop the officer added; the added one."""
    g = grid_graph(5, 5, 100)
    lon, lat = lonlat(0, 0)
    stops = _added(stops_at([(400, 0)], [9]), (0, 400))
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=25, start_time=T0, **plan_args(dwell_min=10))
    assert r.stops["stop_id"].tolist() == ["user-1"]
    assert r.weight_covered == 1  # its own weight: the solver's priority is not a count
    assert r.required_left_out() == 0
    plain = stops.assign(required=False)  # the same stops, none asked for: the hot spot wins
    assert plan_route(g, plain, lat=lat, lon=lon, budget_min=25, start_time=T0, **plan_args(dwell_min=10)).stops[
        "stop_id"
    ].tolist() == ["s0"]


def test_added_stops_are_visited_by_the_heuristic_too():
    """Above the exact solver's size (OR-Tools and the greedy start): every added stop that fits is on the route."""
    g = grid_graph(6, 6, 100)
    lon, lat = lonlat(0, 0)
    offsets = [(x * 100, y * 100) for x in range(6) for y in range(6) if (x + y) % 2 and x + y > 1][:16]
    stops = stops_at(offsets, [5 + i % 5 for i in range(len(offsets))])
    stops = _added(_added(stops, (500, 500)), (0, 500))
    # both added stops: 2,000 m of walking (27.8 min) and two 10-minute dwells (Koper's floor) = 47.8 min
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=55, start_time=T0, **plan_args(dwell_min=10))
    assert {"user-1", "user-2"} <= set(r.stops["stop_id"])
    assert r.required_left_out() == 0
    assert r.total_min <= 55
    assert len(stops) - 2 > 14  # the heuristic's size (solvers.EXACT_MAX), not the exact programme


def test_an_added_stop_on_a_hot_spot_counts_the_hot_spots_weight():
    g = grid_graph(3, 3, 100)
    lon, lat = lonlat(0, 0)
    stops = _added(stops_at([(200, 200)], [5]), (202, 198))  # picked from the candidate list: its node
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=60, start_time=T0, **plan_args())
    status = dict(zip(r.candidates["stop_id"], r.candidates["status"], strict=True))
    assert status == {"s0": "merged", "user-1": "visited"}
    assert r.weight_covered == 5


def test_two_light_added_stops_beat_one_added_on_a_heavy_hot_spot():
    """26 minutes fit the added stop on the weight-300 hot spot alone, or the two light added stops together:
    the route with more of what the officer asked for wins, whatever the hot spot weighs."""
    g = grid_graph(5, 5, 100)
    lon, lat = lonlat(0, 0)
    stops = _added(stops_at([(400, 0)], [300]), (400, 0))  # on the hot spot's node: it carries 300
    stops = _added(_added(stops, (0, 100)), (0, 200))
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=26, start_time=T0, **plan_args(dwell_min=10))
    assert sorted(r.stops["stop_id"]) == ["user-2", "user-3"]
    assert r.required_left_out() == 1


def test_an_added_stop_that_does_not_fit_is_counted_as_left_out():
    g = grid_graph(5, 5, 100)
    lon, lat = lonlat(0, 0)
    stops = _added(stops_at([(100, 0)], [3]), (400, 400))  # 800 m away: 22 min there and back, 15 dwell
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=25, start_time=T0, **plan_args(dwell_min=10))
    assert r.stops["stop_id"].tolist() == ["s0"]
    assert r.required_left_out() == 1
    assert r.summary()["added_left_out"] == 1


@pytest.mark.parametrize("budget_min", [25, 35, 50, 70, 100])
def test_added_stops_first_then_the_most_weight_matches_brute_force(budget_min):
    """The best route visits as many added stops as can fit, then the most weight: checked on every subset."""
    g = grid_graph(5, 5, 100)
    offsets = [(400, 0), (0, 400), (400, 400), (200, 200), (100, 300), (300, 100)]
    weights = [6, 5, 9, 3, 4, 2]
    nodes = [4, 20, 24, 12, 16, 8]
    required = [False, True, False, False, False, True]
    stops = stops_at(offsets, weights).assign(required=required)
    lon, lat = lonlat(0, 0)
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=budget_min, start_time=T0, **plan_args(dwell_min=10))
    dist = dict(nx.all_pairs_dijkstra_path_length(g.to_undirected(), weight="length"))
    best = (0, 0.0)
    for k in range(1, len(nodes) + 1):
        for perm in itertools.permutations(range(len(nodes)), k):
            seq = [0, *[nodes[i] for i in perm], 0]
            walk = sum(math.ceil(dist[a][b] / 1.2 - 1e-9) for a, b in itertools.pairwise(seq))
            if walk + 600 * k <= budget_min * 60:
                best = max(best, (sum(required[i] for i in perm), float(sum(weights[i] for i in perm))))
    got = (int(sum(required[int(i[1:])] for i in r.stops["stop_id"])), r.weight_covered)
    assert got == best


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"budget_min": 0}, "positive number of minutes"),
        ({"budget_min": 30, "speed_mps": 40}, "walking speed"),
        ({"budget_min": 30, "max_stops": 0}, "max_stops"),
    ],
)
def test_bad_arguments(kwargs, match):
    g = grid_graph(3, 3, 100)
    lon, lat = lonlat(0, 0)
    with pytest.raises(AnalysisError, match=match):
        plan_route(g, stops_at([(100, 100)], [1]), lat=lat, lon=lon, **plan_args(**kwargs))


def test_per_stop_dwell_column_is_clamped():
    g = grid_graph(3, 3, 100)
    stops = stops_at([(200, 0), (0, 200)], [1, 1])
    stops["dwell_min"] = [3.0, 12.0]
    lon, lat = lonlat(0, 0)
    r = plan_route(g, stops, lat=lat, lon=lon, budget_min=60, start_time=T0, **plan_args())
    assert sorted(r.stops["dwell_min"]) == [10.0, 12.0]


def test_candidate_stops_use_gistar_hot_cells_and_fall_back_to_grid_counts() -> None:
    from pathlib import Path

    from geo.core.filters import Filters, apply
    from geo.core.settings import PatrolSettings
    from geo.data.datasets import load_incidents, load_places, place_by_name
    from geo.patrol.candidates import candidate_stops

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    window = Filters(start=dt.date(2015, 1, 1), end=dt.date(2017, 12, 31))
    inc = apply(load_incidents(demo / "incidents.parquet"), window)
    park = place_by_name(load_places(demo / "places.geojson"), "Harvard Park")
    params = PatrolSettings()
    lat, lon = 33.98394, -118.30458
    many = candidate_stops(inc, place=park, lat=lat, lon=lon, reach_m=1500, params=params)
    assert "gistar" in set(many["kind"])
    assert "border" in set(many["kind"])
    assert len(many) <= params.candidates
    few = candidate_stops(inc.iloc[:10], place=None, lat=lat, lon=lon, reach_m=20_000, params=params)
    assert set(few["kind"]) <= {"hot_cell"}
    grid = candidate_stops(inc, place=None, lat=lat, lon=lon, reach_m=1500, params=params, method="grid")
    assert set(grid["kind"]) == {"hot_cell"}
    with pytest.raises(AnalysisError, match="unknown hot-spot method"):
        candidate_stops(inc, place=None, lat=lat, lon=lon, reach_m=1500, params=params, method="kde")


def test_patrol_hot_spots_are_the_configured_gi_star() -> None:
    """The planner's Gi* runs with every configured choice, as the Map page's does: with ``gi_inference: normal``
    it once ran the permutation test (228 hot cells against 64 on this window), so route and map disagreed."""
    from pathlib import Path

    from geo.analysis.hotspots import configured_hotspots
    from geo.core.filters import Filters, apply
    from geo.core.settings import AnalysisSettings, PatrolSettings
    from geo.data.datasets import load_incidents
    from geo.patrol.candidates import candidate_stops

    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    inc = apply(
        load_incidents(demo / "incidents.parquet"), Filters(start=dt.date(2015, 1, 1), end=dt.date(2017, 12, 31))
    )
    params = PatrolSettings(candidates=40)
    hot = {}
    for inference in ("normal", "permutation"):
        a = AnalysisSettings(gi_inference=inference)  # type: ignore[arg-type]
        cells = configured_hotspots(inc, a, cell_m=params.grid_cell_m)
        hot[inference] = cells[cells["gi_class"] > 0].to_crs("EPSG:4326")
        stops = candidate_stops(
            inc, place=None, lat=33.98394, lon=-118.30458, reach_m=50_000, params=params, analysis=a
        )
        gi = stops[stops["kind"] == "gistar"]
        assert len(gi)
        assert all(hot[inference].contains(point).any() for point in gi.geometry)
    assert len(hot["normal"]) > len(hot["permutation"])
    a = AnalysisSettings(gi_inference="normal")
    stops = candidate_stops(inc, place=None, lat=33.98394, lon=-118.30458, reach_m=50_000, params=params, analysis=a)
    gi = stops[stops["kind"] == "gistar"]
    assert any(not hot["permutation"].contains(point).any() for point in gi.geometry)  # the normal test's own
