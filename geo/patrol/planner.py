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
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point

from geo.core.errors import AnalysisError, DataError
from geo.core.projection import WGS84
from geo.core.settings import DEFAULTS
from geo.data.walknet import edge_line
from geo.patrol import solvers as orienteering
from geo.patrol.candidates import require_frame, stop_weights
from geo.patrol.dwell import KOPER_DEFAULT_MIN, KOPER_RANGE_MIN, koper_dwell
from geo.patrol.model import Leg, PatrolRoute, Turn, leg_turns
from geo.patrol.network import NetworkIndex, edge_between, network_index, node_where


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


def plan_route(
    graph: nx.MultiDiGraph,
    stops: gpd.GeoDataFrame,
    *,
    lat: float,
    lon: float,
    budget_min: float,
    dwell_min: float = KOPER_DEFAULT_MIN,
    dwell_range_min: tuple[float, float] = KOPER_RANGE_MIN,
    speed_mps: float = DEFAULTS.patrol.speed_mps,
    max_stops: int | None = 8,
    start_time: dt.datetime | None = None,
    max_snap_m: float = DEFAULTS.patrol.max_snap_m,
    time_limit_s: float = DEFAULTS.patrol.solver_time_limit_s,
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
    dwell_min, dwell_range_min
        Dwell per stop in minutes, clamped to the Koper range (:func:`koper_dwell`).
    speed_mps
        Walking speed, metres per second.
    max_stops
        Visit at most this many stops (None: no limit).
    start_time
        Departure time (timezone-aware preferred); default now, rounded up to 5 minutes.
    max_snap_m
        A start or stop farther than this from every walkable node is off the network (metres).
    time_limit_s
        Safety limit of the OR-Tools search, seconds.
    meta
        Extra fields carried into :meth:`PatrolRoute.summary` (place, data period, ...).

    Raises
    ------
    AnalysisError
        The start is off the network or not connected to any candidate stop; no candidate stop
        fits the budget; bad numbers.
    """
    stops = _validate_plan(stops, lat, lon, budget_min, speed_mps, max_stops)
    index = network_index(graph)
    dwell = koper_dwell(dwell_min, low=dwell_range_min[0], high=dwell_range_min[1])
    budget_s = math.floor(budget_min * 60 + 1e-9)

    (start_i,), (start_d,) = index.nearest(np.array([lon]), np.array([lat]))
    start_i, start_d = int(start_i), float(start_d)
    if start_d > max_snap_m:
        msg = (
            f"the start ({lat:.5f}, {lon:.5f}) is off the walking network: the nearest walkable node is "
            f"{start_d:.0f} m away (limit {max_snap_m:.0f} m); choose a start on or near a street"
        )
        raise AnalysisError(msg)
    if len(stops) == 0:
        msg = "no candidate stops to visit: add stops on the map or widen the data period"
        raise AnalysisError(msg)

    cand = stops.reset_index(drop=True).copy()
    for col, default in (("kind", "stop"), ("label", "")):
        if col not in cand.columns:
            cand[col] = default
    cand["weight"] = cand["weight"].astype(float)
    node_i, snap = index.nearest(cand.geometry.x.to_numpy(), cand.geometry.y.to_numpy())
    cand["node_index"] = node_i
    cand["snap_m"] = snap
    cand["status"] = "candidate"
    cand.loc[cand["snap_m"] > max_snap_m, "status"] = "off_network"
    same_comp = index.component[node_i] == index.component[start_i]
    cand.loc[(cand["status"] == "candidate") & ~same_comp, "status"] = "unreachable"
    if "dwell_min" in cand.columns:
        per = pd.to_numeric(cand["dwell_min"], errors="coerce").fillna(dwell).to_numpy(dtype=float)
        cand["dwell_min"] = [koper_dwell(d, low=dwell_range_min[0], high=dwell_range_min[1]) for d in per]
    else:
        cand["dwell_min"] = dwell
    required = cand["required"].fillna(False).astype(bool) if "required" in cand else pd.Series(False, cand.index)
    cand["required"] = required
    # one stop per node: a required one, else the heaviest (others are counted in it, not added to it)
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
    cand.loc[(cand["status"] == "candidate") & (cand["weight"] <= 0) & ~cand["required"], "status"] = "skipped"

    live = list(cand.index[cand["status"] == "candidate"])
    if not live:
        if (cand["status"] == "unreachable").any():
            comp_size = int(np.count_nonzero(index.component == index.component[start_i]))
            msg = (
                f"the start ({lat:.5f}, {lon:.5f}) snaps to walkable node {index.nodes[start_i]!r}, which is not "
                f"connected to any candidate stop (it lies on a separate piece of the network with {comp_size} "
                "nodes); choose a start on the main street network"
            )
        else:
            msg = (
                f"none of the {len(cand)} candidate stops is on the walking network within {max_snap_m:.0f} m "
                "of a walkable node"
            )
        raise AnalysisError(msg)

    sources = [start_i] + [int(cand.at[i, "node_index"]) for i in live]
    uniq, inverse = np.unique(np.array(sources), return_inverse=True)
    dist_all, pred_all = dijkstra(
        index.matrix, directed=False, indices=uniq, return_predecessors=True, limit=budget_s * speed_mps
    )
    rows = dist_all[inverse][:, np.array(sources)]
    travel = np.full(rows.shape, orienteering.UNREACHABLE, dtype=np.int64)
    finite = np.isfinite(rows)
    travel[finite] = np.ceil(rows[finite] / speed_mps - 1e-9).astype(np.int64)
    service = np.r_[0, np.round(cand.loc[live, "dwell_min"].to_numpy(dtype=float) * 60)].astype(np.int64)
    weights = cand.loc[live, "weight"].to_numpy(dtype=float)

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
                f"no stop fits the {budget_min:g}-minute budget: every candidate stop is more than "
                f"{budget_s * speed_mps:.0f} m of walking away; raise the budget or start closer to the hot spots"
            )
        else:
            msg = (
                f"no stop fits the {budget_min:g}-minute budget: the closest one needs {need:.1f} min "
                f"({(travel[0, best + 1] + travel[best + 1, 0]) / 60:.1f} min walking there and back plus "
                f"{service[best + 1] / 60:g} min dwell); raise the budget or shorten the dwell"
            )
        raise AnalysisError(msg)

    # the solver sees only stops that fit alone
    keep = np.flatnonzero(fits)
    sub = np.r_[0, keep + 1]
    prize = _required_first(_integer_prizes(weights[keep]), cand.loc[live, "required"].to_numpy(dtype=bool)[keep])
    tour = orienteering.solve(
        travel[np.ix_(sub, sub)],
        np.r_[0, prize],
        service[sub],
        budget_s,
        max_stops=max_stops,
        time_limit_s=time_limit_s,
    )
    if not tour.order:
        msg = f"no stop fits the {budget_min:g}-minute budget"
        raise AnalysisError(msg)
    visit = [live[int(keep[k - 1])] for k in tour.order]
    visit_src = [1 + int(keep[k - 1]) for k in tour.order]  # rows of `sources`
    for i in live:
        if cand.at[i, "status"] == "candidate":
            cand.at[i, "status"] = "skipped"
    for i in visit:
        cand.at[i, "status"] = "visited"

    if start_time is None:
        now = dt.datetime.now().astimezone()
        start_time = (now + dt.timedelta(minutes=5 - now.minute % 5)).replace(second=0, microsecond=0)
    route = _assemble(
        graph,
        index,
        cand,
        visit,
        visit_src,
        sources,
        uniq,
        inverse,
        pred_all,
        rows,
        start_i=start_i,
        speed_mps=speed_mps,
        start_time=start_time,
    )
    legs, turns, path, arrive, depart, walk_m, end_time = route
    visited = cand.loc[visit].copy()
    visited.insert(0, "order", np.arange(1, len(visit) + 1))
    visited["node"] = [index.nodes[int(n)] for n in visited["node_index"]]
    visited["where"] = [node_where(graph, n) for n in visited["node"]]
    visited["arrive"] = arrive
    visited["depart"] = depart
    visited["walk_m"] = walk_m
    visited["geometry"] = [Point(index.lon[int(n)], index.lat[int(n)]) for n in visited["node_index"]]
    visited = gpd.GeoDataFrame(visited.drop(columns=["status", "node_index"]), geometry="geometry", crs=WGS84)
    visited = visited.reset_index(drop=True)
    cand["node"] = [index.nodes[int(n)] for n in cand["node_index"]]
    cand = gpd.GeoDataFrame(cand.drop(columns=["node_index"]), geometry="geometry", crs=WGS84)

    distance = float(sum(leg.distance_m for leg in legs))
    walk_min = float(sum(leg.walk_s for leg in legs)) / 60
    dwell_total = float(visited["dwell_min"].sum())
    reachable = cand["status"].isin(["visited", "skipped", "too_far"])
    result = PatrolRoute(
        start_lat=float(lat),
        start_lon=float(lon),
        start_node=index.nodes[start_i],
        start_snap_m=start_d,
        start_where=node_where(graph, index.nodes[start_i]),
        stops=visited,
        candidates=cand,
        legs=legs,
        turns=turns,
        path=path,
        distance_m=distance,
        walk_min=walk_min,
        dwell_total_min=dwell_total,
        total_min=walk_min + dwell_total,
        budget_min=float(budget_min),
        speed_mps=float(speed_mps),
        weight_covered=float(visited["weight"].sum()),
        weight_available=float(cand.loc[reachable, "weight"].sum()),
        start_time=start_time,
        end_time=end_time,
        solver=tour.method,
        network_note=str(graph.graph.get("note", "")),
        network_approximate=bool(graph.graph.get("approximate", False)),
        meta=dict(meta or {}),
    )
    if result.total_min > budget_min + 1e-6:  # pragma: no cover - guarded by the integer budget
        msg = f"internal error: the route takes {result.total_min:.2f} min, over the {budget_min} min budget"
        raise AnalysisError(msg)
    return result


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


def _path_nodes(pred: NDArray[np.int32], source: int, target: int) -> list[int]:
    out = [target]
    while out[-1] != source:
        prev = int(pred[out[-1]])
        if prev < 0:
            msg = f"no path between network nodes {source} and {target}"
            raise AnalysisError(msg)
        out.append(prev)
    return out[::-1]


def _assemble(
    graph: nx.MultiDiGraph,
    index: NetworkIndex,
    cand: pd.DataFrame,
    visit: list[int],
    visit_src: list[int],
    sources: list[int],
    uniq: NDArray[np.int64],
    inverse: NDArray[np.int64],
    pred_all: NDArray[np.int32],
    rows: NDArray[np.float64],
    *,
    start_i: int,
    speed_mps: float,
    start_time: dt.datetime,
) -> tuple[list[Leg], list[Turn], LineString, list[dt.datetime], list[dt.datetime], list[float], dt.datetime]:
    seq = [0, *visit_src, 0]
    legs: list[Leg] = []
    turns: list[Turn] = []
    coords: list[tuple[float, float]] = []
    arrive: list[dt.datetime] = []
    depart: list[dt.datetime] = []
    walk_m: list[float] = []
    clock = start_time
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
            clock = clock + dt.timedelta(minutes=float(cand.at[i, "dwell_min"]))
            depart.append(clock)
            walk_m.append(dist)
    path = LineString(coords if len(coords) > 1 else coords * 2)
    return legs, turns, path, arrive, depart, walk_m, clock
