"""Foot-patrol routes: snapping, the time budget, the solver and the assembled route.

Officers of a CSP site start at a point (the recreation center, a station, a housing office),
visit the hottest blocks in a sensible order, stay 12-15 minutes at each (the Koper curve,
:mod:`geo.patrol.dwell`) and are back within the shift's time budget. That is a prize-collecting
loop (orienteering) problem: choose and order stops to maximise the weight covered (expected
incidents) subject to walking time (network distance / speed) plus dwell time <= budget. See
:mod:`geo.patrol.solvers` for the solvers (exact for small cases, OR-Tools above).

:func:`plan_route` takes a walking network and candidate stops (:mod:`geo.patrol.candidates`);
:func:`geo.patrol.request.plan` is the one entry point from a place or point, a data window and a
budget, used by the CLI and the dashboard. Distances are metres (EPSG:32611); times are seconds
and minutes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point

from geo.core.errors import AnalysisError, DataError
from geo.core.projection import WGS84
from geo.data.walknet import edge_line
from geo.patrol import solvers as orienteering
from geo.patrol.candidates import require_frame, stop_weights
from geo.patrol.dwell import koper_dwell
from geo.patrol.model import Leg, PatrolRoute, Turn, leg_turns
from geo.patrol.network import NetworkIndex, edge_between, network_index, node_where
from geo.patrol.rules import WalkRules


def _validate_plan(
    stops: gpd.GeoDataFrame, lat: float, lon: float, budget_min: float, speed_mps: float, max_stops: int | None
) -> gpd.GeoDataFrame:
    stops = require_frame(stops, "candidate stops")
    missing = [c for c in ("stop_id", "weight") if c not in stops.columns]
    if missing:
        msg = f"candidate stops lack columns {missing}; build them with stops_from_cells/border_stops"
        raise DataError(msg)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"the start must be lat/lon degrees, got lat={lat}, lon={lon}"
        raise AnalysisError(msg)
    if not (math.isfinite(budget_min) and budget_min > 0):
        msg = f"the time budget must be a positive number of minutes, got {budget_min}"
        raise AnalysisError(msg)
    if not (math.isfinite(speed_mps) and 0.2 <= speed_mps <= 5):
        msg = f"walking speed must be between 0.2 and 5 m/s, got {speed_mps}"
        raise AnalysisError(msg)
    if max_stops is not None and max_stops < 1:
        msg = f"max_stops must be at least 1, got {max_stops}"
        raise AnalysisError(msg)
    if stops["stop_id"].duplicated().any():
        msg = "stop_id values must be unique"
        raise DataError(msg)
    if len(stops) and not stops.geom_type.eq("Point").all():
        msg = f"candidate stops must be points, got {sorted(set(stops.geom_type))}"
        raise DataError(msg)
    stop_weights(stops, "weight", "candidate stops")
    return stops.to_crs(WGS84) if stops.crs != WGS84 else stops


@dataclass(frozen=True, eq=False)
class _Context:
    """One call's fixed inputs: the network and its index, the snapped start, the budget and the rules."""

    graph: nx.MultiDiGraph
    index: NetworkIndex
    lat: float
    lon: float
    start_i: int  # the start's node, a position in ``index``
    start_d: float  # metres from the start to that node
    budget_min: float
    budget_s: int  # the budget in whole seconds, what the solver keeps to
    dwell: float  # minutes at a stop without its own, clamped to the Koper range
    rules: WalkRules


class _Travel(NamedTuple):
    """Walking between the start (row 0) and the live stops (rows 1..): shortest paths and integer times."""

    sources: list[int]  # node positions: the start, then each live stop's node
    inverse: NDArray[np.intp]  # row of each source in ``pred``
    pred: NDArray[np.int32]  # shortest-path predecessors from each distinct source node
    rows: NDArray[np.float64]  # metres between sources
    travel: NDArray[np.int64]  # whole seconds between sources (UNREACHABLE beyond the budget)
    service: NDArray[np.int64]  # dwell seconds at each source (0 at the start)


class _Walked(NamedTuple):
    """The loop walked: legs, turns, the whole path, the times at each stop and the return time."""

    legs: list[Leg]
    turns: list[Turn]
    path: LineString
    arrive: list[dt.datetime]
    depart: list[dt.datetime]
    walk_m: list[float]
    start_time: dt.datetime
    end_time: dt.datetime


def plan_route(
    graph: nx.MultiDiGraph,
    stops: gpd.GeoDataFrame,
    *,
    lat: float,
    lon: float,
    budget_min: float,
    rules: WalkRules,
    start_time: dt.datetime | None = None,
    meta: dict[str, Any] | None = None,
) -> PatrolRoute:
    """Plan a foot-patrol loop from ``(lat, lon)`` that covers the most weight within the budget.

    Parameters
    ----------
    graph
        Walking network (:mod:`geo.data.walknet`), EPSG:4326, edge ``length`` in metres.
    stops
        Candidate stops (``stop_id``, ``weight``, point geometry; ``kind``/``label`` optional; a
        ``dwell_min`` column overrides the dwell per stop; a ``required`` column marks stops a
        person asked for, visited whenever they fit, before any other: each is worth more to the
        solver than all the others together). Each is snapped to its nearest node.
    lat, lon
        The start (and end) of the loop, degrees.
    budget_min
        Shift time budget, minutes: walking plus dwell never exceeds it.
    rules
        Dwell (clamped to the Koper range, :func:`koper_dwell`), walking speed, the most stops, the
        snapping limit and the solver's time limit (:class:`~geo.patrol.rules.WalkRules`).
    start_time
        Departure time (timezone-aware preferred); default now, rounded up to 5 minutes.
    meta
        Extra fields carried into :meth:`PatrolRoute.summary` (place, data period, ...).

    Raises
    ------
    AnalysisError
        The start is off the network or not connected to any candidate stop; no candidate stop
        fits the budget; bad numbers.
    """
    stops = _validate_plan(stops, lat, lon, budget_min, rules.speed_mps, rules.max_stops)
    index = network_index(graph)
    dwell = koper_dwell(rules.dwell_min, low=rules.dwell_range_min[0], high=rules.dwell_range_min[1])
    budget_s = math.floor(budget_min * 60 + 1e-9)
    start_i, start_d = _snap_start(index, lat, lon, rules.max_snap_m)
    if len(stops) == 0:
        msg = "no candidate stops to visit: add stops on the map or widen the data period"
        raise AnalysisError(msg)
    ctx = _Context(graph, index, lat, lon, start_i, start_d, budget_min, budget_s, dwell, rules)
    cand = _candidates(ctx, stops)
    live = list(cand.index[cand["status"] == "candidate"])
    if not live:
        raise AnalysisError(_why_no_stop_is_live(ctx, cand))
    travel = _travel_matrix(ctx, cand, live)
    keep = _fitting(ctx, cand, live, travel)
    visit, visit_src, solver = _solve(ctx, cand, live, travel, keep)
    departure = start_time if start_time is not None else _departure_now()
    walked = _assemble(ctx, cand, visit, visit_src, travel, start_time=departure)
    return _patrol_route(ctx, cand, visit, walked, solver=solver, meta=meta)


def _snap_start(index: NetworkIndex, lat: float, lon: float, max_snap_m: float) -> tuple[int, float]:
    """The start's nearest walkable node (a position in ``index``) and its distance, metres."""
    (start_i,), (start_d,) = index.nearest(np.array([lon]), np.array([lat]))
    start_i, start_d = int(start_i), float(start_d)
    if start_d > max_snap_m:
        msg = (
            f"the start ({lat:.5f}, {lon:.5f}) is off the walking network: the nearest walkable node is "
            f"{start_d:.0f} m away (limit {max_snap_m:.0f} m); choose a start on or near a street"
        )
        raise AnalysisError(msg)
    return start_i, start_d


def _candidates(ctx: _Context, stops: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The stops snapped to nodes, with their dwell and a status: ``candidate`` (live), ``off_network``,
    ``unreachable`` (another piece of the network), ``merged`` (another stop has its node) or
    ``skipped`` (no weight and not required)."""
    index, rules, dwell = ctx.index, ctx.rules, ctx.dwell
    low, high = rules.dwell_range_min
    cand = stops.reset_index(drop=True).copy()
    for col, default in (("kind", "stop"), ("label", "")):
        if col not in cand.columns:
            cand[col] = default
    cand["weight"] = cand["weight"].astype(float)
    node_i, snap = index.nearest(cand.geometry.x.to_numpy(), cand.geometry.y.to_numpy())
    cand["node_index"] = node_i
    cand["snap_m"] = snap
    cand["status"] = "candidate"
    cand.loc[cand["snap_m"] > rules.max_snap_m, "status"] = "off_network"
    same_comp = index.component[node_i] == index.component[ctx.start_i]
    cand.loc[(cand["status"] == "candidate") & ~same_comp, "status"] = "unreachable"
    if "dwell_min" in cand.columns:
        per = pd.to_numeric(cand["dwell_min"], errors="coerce").fillna(dwell).to_numpy(dtype=float)
        cand["dwell_min"] = [koper_dwell(d, low=low, high=high) for d in per]
    else:
        cand["dwell_min"] = dwell
    required = cand["required"].fillna(False).astype(bool) if "required" in cand else pd.Series(False, cand.index)
    cand["required"] = required
    _merge_by_node(cand)
    cand.loc[(cand["status"] == "candidate") & (cand["weight"] <= 0) & ~cand["required"], "status"] = "skipped"
    return cand


def _merge_by_node(cand: gpd.GeoDataFrame) -> None:
    """One live stop per node: a required one, else the heaviest (others are counted in it, not added
    to it); the others become ``merged``."""
    live = cand.index[cand["status"] == "candidate"]
    ranked = sorted(live, key=lambda i: (not cand.at[i, "required"], -cand.at[i, "weight"], i))
    kept: dict[int, int] = {}
    for i in ranked:
        node = int(cand.at[i, "node_index"])
        if node in kept:
            cand.at[i, "status"] = "merged"
            first = kept[node]  # a required stop on a hot spot's node stands for the hot spot's weight
            cand.at[first, "weight"] = max(cand.at[first, "weight"], cand.at[i, "weight"])
        else:
            kept[node] = i


def _why_no_stop_is_live(ctx: _Context, cand: gpd.GeoDataFrame) -> str:
    """Why no candidate stop can be visited: the start is cut off from them, or none is on the network."""
    index = ctx.index
    if (cand["status"] == "unreachable").any():
        comp_size = int(np.count_nonzero(index.component == index.component[ctx.start_i]))
        return (
            f"the start ({ctx.lat:.5f}, {ctx.lon:.5f}) snaps to walkable node {index.nodes[ctx.start_i]!r}, which "
            f"is not connected to any candidate stop (it lies on a separate piece of the network with {comp_size} "
            "nodes); choose a start on the main street network"
        )
    return (
        f"none of the {len(cand)} candidate stops is on the walking network within {ctx.rules.max_snap_m:.0f} m "
        "of a walkable node"
    )


def _travel_matrix(ctx: _Context, cand: gpd.GeoDataFrame, live: list[int]) -> _Travel:
    """Shortest walks between the start and the live stops, cut off at the budget's walking distance."""
    speed_mps = ctx.rules.speed_mps
    sources = [ctx.start_i] + [int(cand.at[i, "node_index"]) for i in live]
    uniq, inverse = np.unique(np.array(sources), return_inverse=True)
    dist_all, pred_all = dijkstra(
        ctx.index.matrix, directed=False, indices=uniq, return_predecessors=True, limit=ctx.budget_s * speed_mps
    )
    rows = dist_all[inverse][:, np.array(sources)]
    travel = np.full(rows.shape, orienteering.UNREACHABLE, dtype=np.int64)
    finite = np.isfinite(rows)
    travel[finite] = np.ceil(rows[finite] / speed_mps - 1e-9).astype(np.int64)
    service = np.r_[0, np.round(cand.loc[live, "dwell_min"].to_numpy(dtype=float) * 60)].astype(np.int64)
    return _Travel(sources, inverse, pred_all, rows, travel, service)


def _fitting(ctx: _Context, cand: gpd.GeoDataFrame, live: list[int], m: _Travel) -> NDArray[np.intp]:
    """Positions in ``live`` of the stops that fit the budget alone (there and back plus dwell); the
    others become ``too_far``. None fitting is an error that names the closest stop's need."""
    travel, service, budget_s = m.travel, m.service, ctx.budget_s
    alone = travel[0, 1:] + service[1:] + travel[1:, 0]
    fits = alone <= budget_s
    for k, i in enumerate(live):
        if not fits[k]:
            cand.at[i, "status"] = "too_far"
    if not fits.any():
        best = int(np.argmin(alone))
        need = alone[best] / 60
        if alone[best] >= orienteering.UNREACHABLE:
            msg = (
                f"no stop fits the {ctx.budget_min:g}-minute budget: every candidate stop is more than "
                f"{budget_s * ctx.rules.speed_mps:.0f} m of walking away; raise the budget or start closer to the "
                "hot spots"
            )
        else:
            msg = (
                f"no stop fits the {ctx.budget_min:g}-minute budget: the closest one needs {need:.1f} min "
                f"({(travel[0, best + 1] + travel[best + 1, 0]) / 60:.1f} min walking there and back plus "
                f"{service[best + 1] / 60:g} min dwell); raise the budget or shorten the dwell"
            )
        raise AnalysisError(msg)
    return np.flatnonzero(fits)


def _solve(
    ctx: _Context, cand: gpd.GeoDataFrame, live: list[int], m: _Travel, keep: NDArray[np.intp]
) -> tuple[list[int], list[int], str]:
    """Solve over the stops that fit alone (``keep``); mark the chosen ``visited`` and the other live
    stops ``skipped``. Returns the visited rows of ``cand``, their rows in ``m`` and the solver used."""
    sub = np.r_[0, keep + 1]
    weights = cand.loc[live, "weight"].to_numpy(dtype=float)
    prize = _required_first(_integer_prizes(weights[keep]), cand.loc[live, "required"].to_numpy(dtype=bool)[keep])
    tour = orienteering.solve(
        m.travel[np.ix_(sub, sub)],
        np.r_[0, prize],
        m.service[sub],
        ctx.budget_s,
        max_stops=ctx.rules.max_stops,
        time_limit_s=ctx.rules.time_limit_s,
    )
    if not tour.order:
        msg = f"no stop fits the {ctx.budget_min:g}-minute budget"
        raise AnalysisError(msg)
    visit = [live[int(keep[k - 1])] for k in tour.order]
    visit_src = [1 + int(keep[k - 1]) for k in tour.order]  # rows of `m.sources`
    for i in live:
        if cand.at[i, "status"] == "candidate":
            cand.at[i, "status"] = "skipped"
    for i in visit:
        cand.at[i, "status"] = "visited"
    return visit, visit_src, tour.method


def _integer_prizes(weights: NDArray[np.float64]) -> NDArray[np.int64]:
    """Weights as integer prizes: 0.01-incident resolution, rescaled when weights are small (densities)."""
    top = float(weights.max()) if len(weights) else 0.0
    scale = 100.0 if top >= 10 else (1000.0 / top if top > 0 else 1.0)
    return np.round(weights * scale).astype(np.int64)


def _required_first(prize: NDArray[np.int64], required: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Prizes with each required stop worth more than all the prizes together (its own on top): a
    route's prize is then (required stops visited) x M + (its weight), with M above any weight, so any
    route with one more required stop beats any without it, however heavy (a required stop on a hot
    spot's node carries the hot spot's weight), and among routes with as many the weight decides."""
    if not required.any():
        return prize
    out = prize.copy()
    out[required] += int(prize.sum()) + 1
    return out


def _departure_now() -> dt.datetime:
    """Now, rounded up to 5 minutes."""
    now = dt.datetime.now().astimezone()
    return (now + dt.timedelta(minutes=5 - now.minute % 5)).replace(second=0, microsecond=0)


def _assemble(
    ctx: _Context,
    cand: pd.DataFrame,
    visit: list[int],
    visit_src: list[int],
    m: _Travel,
    *,
    start_time: dt.datetime,
) -> _Walked:
    """Walk the loop ``start -> visit... -> start``: legs along the network's shortest paths, turns, times."""
    graph, index, speed_mps = ctx.graph, ctx.index, ctx.rules.speed_mps
    sources, inverse, pred_all, rows = m.sources, m.inverse, m.pred, m.rows
    seq = [0, *visit_src, 0]
    legs: list[Leg] = []
    turns: list[Turn] = []
    coords: list[tuple[float, float]] = []
    arrive: list[dt.datetime] = []
    depart: list[dt.datetime] = []
    walk_m: list[float] = []
    clock = start_time
    dwell_min: pd.Series[float] = cand["dwell_min"]  # minutes, one per candidate
    for k, (a, b) in enumerate(itertools.pairwise(seq)):
        src, dst = sources[a], sources[b]
        node_path = _path_nodes(pred_all[inverse[a]], src, dst) if src != dst else [src]
        ids = [index.nodes[i] for i in node_path]
        dist = float(rows[a, b])
        walk_s = dist / speed_mps
        pieces: list[tuple[float, float]] = []
        for u, v in itertools.pairwise(ids):
            _, _, _, data = edge_between(index, index.pos[u], index.pos[v])
            part = list(edge_line(graph, u, v, data).coords)
            pieces.extend(part if not pieces else part[1:])
        if not pieces:
            pieces = [(float(index.lon[src]), float(index.lat[src]))]
        line = LineString(pieces if len(pieces) > 1 else pieces * 2)
        to_stop = k + 1 if k < len(visit) else None
        legs.append(Leg(k, to_stop if to_stop is not None else 0, dist, walk_s, tuple(ids), line))
        if len(ids) > 1:
            turns.extend(leg_turns(graph, index, ids, to_stop=to_stop))
        else:
            turns.append(
                Turn("stop" if to_stop else "finish", None, 0.0, to_stop, float(index.lat[dst]), float(index.lon[dst]))
            )
        coords.extend(pieces if not coords else pieces[1:])
        clock = clock + dt.timedelta(seconds=walk_s)
        if to_stop is not None:
            i = visit[k]
            arrive.append(clock)
            clock = clock + dt.timedelta(minutes=float(dwell_min.loc[i]))
            depart.append(clock)
            walk_m.append(dist)
    path = LineString(coords if len(coords) > 1 else coords * 2)
    return _Walked(legs, turns, path, arrive, depart, walk_m, start_time, clock)


def _path_nodes(pred: NDArray[np.int32], source: int, target: int) -> list[int]:
    out = [target]
    while out[-1] != source:
        prev = int(pred[out[-1]])
        if prev < 0:
            msg = f"no path between network nodes {source} and {target}"
            raise AnalysisError(msg)
        out.append(prev)
    return out[::-1]


def _patrol_route(
    ctx: _Context,
    cand: gpd.GeoDataFrame,
    visit: list[int],
    walked: _Walked,
    *,
    solver: str,
    meta: dict[str, Any] | None,
) -> PatrolRoute:
    """The route: the visited stops in order with their times, every candidate with its status, the totals."""
    graph, index = ctx.graph, ctx.index
    visited = cand.loc[visit].copy()
    visited.insert(0, "order", np.arange(1, len(visit) + 1))
    visited["node"] = [index.nodes[int(n)] for n in visited["node_index"]]
    visited["where"] = [node_where(graph, n) for n in visited["node"]]
    visited["arrive"] = walked.arrive
    visited["depart"] = walked.depart
    visited["walk_m"] = walked.walk_m
    visited["geometry"] = [Point(index.lon[int(n)], index.lat[int(n)]) for n in visited["node_index"]]
    visited = gpd.GeoDataFrame(visited.drop(columns=["status", "node_index"]), geometry="geometry", crs=WGS84)
    visited = visited.reset_index(drop=True)
    cand["node"] = [index.nodes[int(n)] for n in cand["node_index"]]
    cand = gpd.GeoDataFrame(cand.drop(columns=["node_index"]), geometry="geometry", crs=WGS84)

    walk_min = float(sum(leg.walk_s for leg in walked.legs)) / 60
    dwell_total = float(visited["dwell_min"].sum())
    reachable = cand["status"].isin(["visited", "skipped", "too_far"])
    result = PatrolRoute(
        start_lat=float(ctx.lat),
        start_lon=float(ctx.lon),
        start_node=index.nodes[ctx.start_i],
        start_snap_m=ctx.start_d,
        start_where=node_where(graph, index.nodes[ctx.start_i]),
        stops=visited,
        candidates=cand,
        legs=walked.legs,
        turns=walked.turns,
        path=walked.path,
        distance_m=float(sum(leg.distance_m for leg in walked.legs)),
        walk_min=walk_min,
        dwell_total_min=dwell_total,
        total_min=walk_min + dwell_total,
        budget_min=float(ctx.budget_min),
        speed_mps=float(ctx.rules.speed_mps),
        weight_covered=float(visited["weight"].sum()),
        weight_available=float(cand.loc[reachable, "weight"].sum()),
        start_time=walked.start_time,
        end_time=walked.end_time,
        solver=solver,
        network_note=str(graph.graph.get("note", "")),
        network_approximate=bool(graph.graph.get("approximate", False)),
        meta=dict(meta or {}),
    )
    if result.total_min > ctx.budget_min + 1e-6:  # pragma: no cover - guarded by the integer budget
        msg = f"internal error: the route takes {result.total_min:.2f} min, over the {ctx.budget_min} min budget"
        raise AnalysisError(msg)
    return result
