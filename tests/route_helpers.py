"""Tiny synthetic walking networks for the route tests (no network access, no osmnx)."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
from numpy.typing import NDArray

from geo.core.projection import WGS84, lonlat_to_metric, metric_to_lonlat
from geo.core.settings import get_settings
from geo.patrol.rules import WalkRules
from geo.patrol.solvers import Tour, tour_time

BASE_LAT = 33.98
BASE_LON = -118.30


def _origin() -> tuple[float, float]:
    (x0,), (y0,) = lonlat_to_metric(np.array([BASE_LON]), np.array([BASE_LAT]))
    return float(x0), float(y0)


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    """Degrees of a point ``dx`` metres east and ``dy`` metres north of the base point."""
    x0, y0 = _origin()
    (lon,), (lat,) = metric_to_lonlat(np.array([x0 + dx]), np.array([y0 + dy]))
    return float(lon), float(lat)


def graph_from_points(
    points: dict[int, tuple[float, float]],
    edges: Sequence[tuple[int, int]],
    *,
    names: dict[tuple[int, int], str] | None = None,
) -> nx.MultiDiGraph:
    """A walking network with nodes at metre offsets and straight two-way edges (length = metres)."""
    g = nx.MultiDiGraph(crs=WGS84, note="test network", approximate=False)
    for n, (dx, dy) in points.items():
        lon, lat = lonlat(dx, dy)
        g.add_node(n, x=lon, y=lat)
    names = names or {}
    for u, v in edges:
        (ux, uy), (vx, vy) = points[u], points[v]
        attrs = {"length": math.hypot(ux - vx, uy - vy)}
        name = names.get((u, v)) or names.get((v, u))
        if name:
            attrs["name"] = name
        g.add_edge(u, v, **attrs)
        g.add_edge(v, u, **attrs)
    return g


def grid_graph(n_cols: int = 5, n_rows: int = 5, spacing_m: float = 100.0) -> nx.MultiDiGraph:
    """A square grid; row r is "Row r St", column c is "Col c Ave"."""
    points = {r * n_cols + c: (c * spacing_m, r * spacing_m) for r in range(n_rows) for c in range(n_cols)}
    edges = []
    names = {}
    for r, c in itertools.product(range(n_rows), range(n_cols)):
        n = r * n_cols + c
        if c + 1 < n_cols:
            edges.append((n, n + 1))
            names[(n, n + 1)] = f"Row {r} St"
        if r + 1 < n_rows:
            edges.append((n, n + n_cols))
            names[(n, n + n_cols)] = f"Col {c} Ave"
    return graph_from_points(points, edges, names=names)


def stops_at(offsets: Sequence[tuple[float, float]], weights: Sequence[float]) -> gpd.GeoDataFrame:
    """Candidate stops at metre offsets from the base point."""
    pts = [lonlat(dx, dy) for dx, dy in offsets]
    return gpd.GeoDataFrame(
        {
            "stop_id": [f"s{i}" for i in range(len(pts))],
            "kind": "test",
            "label": [f"stop {i}" for i in range(len(pts))],
            "weight": list(map(float, weights)),
        },
        geometry=gpd.points_from_xy([p[0] for p in pts], [p[1] for p in pts]),
        crs=WGS84,
    )


def plan_args(**chosen: Any) -> dict[str, Any]:
    """``plan_route``'s walking and solver rules as configured (``patrol`` in config.yaml), with what a test
    chooses on top (``plan_args(dwell_min=10)``): ``{"rules": WalkRules}``, plus any other ``plan_route``
    argument chosen (``plan_args(budget_min=30, speed_mps=40)``)."""
    rule_names = {f.name for f in dataclasses.fields(WalkRules)}
    rules = {k: v for k, v in chosen.items() if k in rule_names}
    others = {k: v for k, v in chosen.items() if k not in rule_names}
    return {"rules": WalkRules.from_settings(get_settings().patrol, **rules), **others}


def small_route(*, meta: dict | None = None):
    """A planned 3-stop loop on a 5x5 grid (100 m blocks), leaving at 18:00 Pacific time."""
    import datetime as dt

    from geo.patrol.planner import plan_route

    g = grid_graph(5, 5, 100)
    stops = stops_at([(400, 0), (400, 400), (0, 400), (200, 200)], [3, 4, 2, 1])
    lon, lat = lonlat(0, 0)
    start = dt.datetime(2025, 5, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
    route = plan_route(
        g,
        stops,
        lat=lat,
        lon=lon,
        budget_min=90,
        start_time=start,
        meta=meta
        if meta is not None
        else {"place": "Test Park", "data_from": "2023-01-01", "data_to": "2024-12-31", "synthetic": True},
        **plan_args(dwell_min=15),
    )
    return route, g


def solve_brute_force(
    travel: NDArray[np.int64],
    prize: NDArray[np.int64],
    service: NDArray[np.int64],
    budget_s: int,
    *,
    max_stops: int | None = None,
) -> Tour:
    """The test oracle: try every ordered subset of stops (``n <= 8``); most prize, then least time."""
    n = len(prize) - 1
    best = Tour((), 0, 0, "brute_force")
    cap = n if max_stops is None else min(n, max_stops)
    for k in range(1, cap + 1):
        for perm in itertools.permutations(range(1, n + 1), k):
            t = tour_time(perm, travel, service)
            if t > budget_s:
                continue
            cand = Tour(tuple(perm), int(sum(prize[i] for i in perm)), t, "brute_force")
            if (cand.prize, -cand.time_s) > (best.prize, -best.time_s):
                best = cand
    return best
