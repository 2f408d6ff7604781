"""Benchmark: a foot-patrol route with 25 candidate stops on a ~20k-edge walking network.

Target (DESIGN.md section 8): plan_route <= 3 s on 2 cores. Prints figures and ratios:
- time of plan_route cold (network index built) and warm (index cached);
- quality (weight covered) against a naive nearest-neighbour tour on the same 25 stops;
- quality of the large-instance solver (OR-Tools + exact subsets) against the exact optimum
  (Held-Karp, checked against brute force in the tests) on 12-stop sub-instances.

Run: python bench/route.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.core.filters import Filters
from geo.core.settings import PROJECT_ROOT, get_settings
from geo.data.datasets import load_incidents, load_places, place_by_name
from geo.data.walknet import build_demo_network
from geo.patrol import candidates as cand
from geo.patrol import solvers as ot
from geo.patrol.network import network_index
from geo.patrol.planner import plan_route
from geo.patrol.request import PlanRequest, plan
from geo.patrol.rules import WalkRules

BUDGET_MIN = 180.0
SPEED = 1.2
DWELL_MIN = 15.0
MAX_STOPS = 8
START = (33.98394, -118.30458)  # Harvard Recreation Center
PATROL = get_settings().patrol  # everything the benchmark does not choose itself, as configured


def matrix(graph, lat, lon, stops):
    """Integer walking seconds between the start and the snapped stops (as plan_route computes them)."""
    index = network_index(graph)
    (s,), _ = index.nearest(np.array([lon]), np.array([lat]))
    nodes, _ = index.nearest(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy())
    src = np.r_[s, nodes]
    d = dijkstra(index.matrix, directed=False, indices=src)[:, src]
    travel = np.where(np.isfinite(d), np.ceil(d / SPEED - 1e-9), ot.UNREACHABLE).astype(np.int64)
    return travel


def main() -> None:
    t = time.perf_counter()
    graph = build_demo_network(ns_spacing_m=130.0)
    t_build = time.perf_counter() - t
    print(
        f"network: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} directed edges "
        f"(generated grid, built in {t_build:.2f} s)"
    )

    incidents = load_incidents(PROJECT_ROOT / "data" / "demo" / "incidents.parquet")
    places = load_places(PROJECT_ROOT / "data" / "demo" / "places.geojson")
    park = place_by_name(places, "Harvard Park")
    reach = BUDGET_MIN * 60 * SPEED / 2
    cells = cand.grid_hot_cells(incidents, cell_m=150, top=80, around=START, radius_m=reach)
    stops = cand.merge_candidates(
        cand.border_stops(park, incidents, segment_m=PATROL.border_segment_m, within_m=PATROL.border_within_m),
        cand.stops_from_cells(cells),
        min_separation_m=80,
        top=25,
    )
    print(f"candidates: {len(stops)} stops, weight {stops['weight'].sum():.0f} incidents (2010-2024 demo data)")
    start_time = dt.datetime(2025, 5, 2, 18, 0, tzinfo=dt.UTC)

    rules = WalkRules.from_settings(PATROL, dwell_min=DWELL_MIN, speed_mps=SPEED, max_stops=MAX_STOPS)
    kw = dict(lat=START[0], lon=START[1], budget_min=BUDGET_MIN, rules=rules, start_time=start_time)
    t = time.perf_counter()
    route = plan_route(graph, stops, **kw)
    t_cold = time.perf_counter() - t
    times = []
    for _ in range(3):
        t = time.perf_counter()
        again = plan_route(graph, stops, **kw)
        times.append(time.perf_counter() - t)
        assert again.stops["stop_id"].tolist() == route.stops["stop_id"].tolist(), "not deterministic"
    t_warm = min(times)
    print(
        f"plan_route: cold {t_cold:.2f} s (index + shortest paths + solve), warm {t_warm:.2f} s; "
        f"target <= 3 s: {'OK' if t_cold <= 3 else 'MISSED'}"
    )
    print(
        f"route: {len(route.stops)} stops, {route.distance_m:.0f} m, {route.total_min:.1f} of {BUDGET_MIN:.0f} min, "
        f"weight {route.weight_covered:.0f} of {route.weight_available:.0f}, solver {route.solver}"
    )

    # the one entry point of the CLI and the page: data window, candidates (Gi*), network, plan
    request = PlanRequest(
        budget_min=BUDGET_MIN, place="Harvard Park", dwell_min=DWELL_MIN, speed_mps=SPEED, max_stops=MAX_STOPS,
        filters=Filters(start=dt.date(2015, 1, 1), end=dt.date(2017, 12, 31)), start_time=start_time,
    )  # fmt: skip
    t = time.perf_counter()
    result = plan(
        request, incidents=incidents, places=places, settings=get_settings(),
        network_loader=lambda *a, **k: graph,
    )  # fmt: skip
    t_request = time.perf_counter() - t
    print(
        f"plan(request) for Harvard Park, 2015-2017 data: {len(result.route.stops)} stops, "
        f"{result.route.distance_m:.0f} m, {len(result.candidates)} candidates, planned in {t_request:.2f} s"
    )

    kw_free = {**kw, "budget_min": 300.0, "rules": dataclasses.replace(rules, max_stops=None)}
    t = time.perf_counter()
    free = plan_route(graph, stops, **kw_free)
    t_free = time.perf_counter() - t
    print(
        f"no stop limit, 300 min: {len(free.stops)} stops, weight {free.weight_covered:.0f}, "
        f"{free.total_min:.1f} min, planned in {t_free:.2f} s"
    )

    # same instance, solver level: ours vs naive nearest neighbour
    live = route.candidates[route.candidates["status"] != "merged"].reset_index(drop=True)
    travel = matrix(graph, START[0], START[1], live)
    prize = np.r_[0, np.round(live["weight"].to_numpy() * 100)].astype(np.int64)
    service = np.r_[0, np.full(len(live), int(DWELL_MIN * 60))].astype(np.int64)
    budget_s = int(BUDGET_MIN * 60)
    t = time.perf_counter()
    ours = ot.solve(travel, prize, service, budget_s, max_stops=MAX_STOPS, time_limit_s=PATROL.solver_time_limit_s)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    nn = ot.solve_nearest_neighbour(travel, prize, service, budget_s, max_stops=MAX_STOPS)
    t_nn = time.perf_counter() - t
    print(
        f"solver on {len(live)} stops: ours weight {ours.prize / 100:.0f} in {t_ours:.2f} s; nearest neighbour "
        f"{nn.prize / 100:.0f} in {t_nn * 1000:.1f} ms; quality ratio {ours.prize / max(nn.prize, 1):.2f}x, "
        f"time ratio {t_ours / max(t_nn, 1e-6):.0f}x"
    )

    # large-instance solver vs the exact optimum on 12-stop sub-instances
    rng = np.random.default_rng(1)
    ratios, t_h, t_x = [], 0.0, 0.0
    for _ in range(8):
        pick = np.sort(rng.choice(np.arange(1, len(live) + 1), size=12, replace=False))
        sub = np.r_[0, pick]
        tr, pr, sv = travel[np.ix_(sub, sub)], prize[sub], service[sub]
        b = int(rng.integers(60, 150) * 60)
        t = time.perf_counter()
        h = ot.solve(tr, pr, sv, b, max_stops=6, exact_max=6, time_limit_s=PATROL.solver_time_limit_s)
        t_h += time.perf_counter() - t
        t = time.perf_counter()
        x = ot.solve_exact(tr, pr, sv, b, max_stops=6)
        t_x += time.perf_counter() - t
        ratios.append(h.prize / x.prize if x.prize else 1.0)
    print(
        f"heuristic vs exact optimum on 8 sub-instances of 12 stops: mean ratio {np.mean(ratios):.3f}, "
        f"min {np.min(ratios):.3f}; time {t_h / 8 * 1000:.0f} ms vs {t_x / 8 * 1000:.0f} ms per instance"
    )


if __name__ == "__main__":
    main()
