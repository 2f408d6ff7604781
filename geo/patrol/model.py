"""The planned route: turns, legs and :class:`PatrolRoute`, and the turn list of a walked path.

Coordinates are EPSG:4326 degrees; bearings are measured in EPSG:32611 (metres); distances are
metres and times local, timezone-aware datetimes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
from shapely.geometry import LineString

from geo.core.projection import lonlat_to_metric
from geo.data.walknet import edge_line
from geo.patrol.network import NetworkIndex, edge_between, street_name


@dataclass(frozen=True)
class Turn:
    """One line of the turn list.

    ``action``: ``depart``, ``continue``, ``slight_left``, ``slight_right``, ``turn_left``,
    ``turn_right``, ``u_turn``, ``stop`` (arrive at stop ``stop``) or ``finish`` (back at the
    start). ``street`` is the street walked next (None if unnamed); ``distance_m`` the metres
    walked on it before the next line.
    """

    action: str
    street: str | None
    distance_m: float
    stop: int | None
    lat: float
    lon: float


@dataclass(frozen=True)
class Leg:
    """A walk between two consecutive points of the loop (0 = the start, k = stop number k)."""

    from_stop: int
    to_stop: int
    distance_m: float
    walk_s: float
    nodes: tuple[Any, ...]
    line: LineString


@dataclass
class PatrolRoute:
    """A planned foot-patrol loop; coordinates in EPSG:4326, distances in metres, times local.

    ``stops`` holds the visited stops in order (``order`` 1..k, ``arrive``/``depart`` timestamps,
    ``dwell_min``, ``walk_m`` from the previous point, ``where`` = nearby street names); the
    geometry is the walkable node the stop was snapped to. ``candidates`` holds every candidate with
    its ``status``: ``visited``, ``skipped`` (did not pay off within the budget), ``too_far`` (does
    not fit the budget even alone), ``unreachable`` (not connected to the start), ``off_network``
    (farther than the snapping limit from any walkable node) or ``merged`` (same node as a heavier
    stop); ``required`` marks the stops a person added (visited before any other when they fit).
    """

    start_lat: float
    start_lon: float
    start_node: Any
    start_snap_m: float
    start_where: str | None
    stops: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    legs: list[Leg]
    turns: list[Turn]
    path: LineString
    distance_m: float
    walk_min: float
    dwell_total_min: float
    total_min: float
    budget_min: float
    speed_mps: float
    weight_covered: float
    weight_available: float
    start_time: dt.datetime
    end_time: dt.datetime
    solver: str
    network_note: str
    network_approximate: bool
    meta: dict[str, Any] = field(default_factory=dict)

    def required_left_out(self) -> int:
        """How many stops a person added are not on the route: not visited, and not merged into a
        visited stop on the same node (an off-network stop's nearest node does not count)."""
        cand = self.candidates
        if "required" not in cand.columns or not len(cand):
            return 0
        on_route = set(self.stops["node"]) if "node" in self.stops.columns else set()
        wanted = cand[cand["required"].fillna(False).astype(bool)]
        walked = (wanted["status"] == "visited") | ((wanted["status"] == "merged") & wanted["node"].isin(on_route))
        return int((~walked).sum())

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (minutes and metres rounded; times as ISO strings)."""
        stops = [
            {
                "order": int(r.order),
                "stop_id": str(r.stop_id),
                "kind": str(r.kind),
                "label": str(r.label),
                "where": r.where,
                "lat": round(float(r.geometry.y), 6),
                "lon": round(float(r.geometry.x), 6),
                "weight": round(float(r.weight), 3),
                "arrive": r.arrive.isoformat(timespec="minutes"),
                "depart": r.depart.isoformat(timespec="minutes"),
                "dwell_min": round(float(r.dwell_min), 2),
                "walk_m": round(float(r.walk_m), 1),
            }
            for r in self.stops.itertuples()
        ]
        status = self.candidates["status"].value_counts().sort_index()
        return {
            "start": {
                "lat": round(self.start_lat, 6),
                "lon": round(self.start_lon, 6),
                "where": self.start_where,
                "snap_m": round(self.start_snap_m, 1),
            },
            "stops": stops,
            "n_stops": len(stops),
            "distance_m": round(self.distance_m, 1),
            "walk_min": round(self.walk_min, 2),
            "dwell_min": round(self.dwell_total_min, 2),
            "total_min": round(self.total_min, 2),
            "budget_min": round(self.budget_min, 2),
            "speed_mps": self.speed_mps,
            "weight_covered": round(self.weight_covered, 3),
            "weight_available": round(self.weight_available, 3),
            "start_time": self.start_time.isoformat(timespec="minutes"),
            "end_time": self.end_time.isoformat(timespec="minutes"),
            "candidates": {str(k): int(v) for k, v in status.items()},
            "added_left_out": self.required_left_out(),
            "solver": self.solver,
            "network": self.network_note,
            "network_approximate": self.network_approximate,
            "turns": [
                {"action": t.action, "street": t.street, "distance_m": round(t.distance_m, 1), "stop": t.stop}
                for t in self.turns
            ],
            **self.meta,
        }


def _bearing(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) + 360) % 360


def _turn_action(before: float, after: float) -> str:
    delta = (after - before + 540) % 360 - 180
    size = abs(delta)
    if size < 20:
        return "continue"
    if size > 150:
        return "u_turn"
    side = "right" if delta > 0 else "left"
    return f"slight_{side}" if size < 60 else f"turn_{side}"


def leg_turns(graph: nx.MultiDiGraph, index: NetworkIndex, nodes: Sequence[Any], *, to_stop: int | None) -> list[Turn]:
    """Turn lines of one leg; the leg ends with a ``stop`` line (or ``finish`` when ``to_stop`` is None)."""
    runs: list[dict[str, Any]] = []
    for u, v in itertools.pairwise(nodes):
        a, b = index.pos[u], index.pos[v]
        length, _, _, data = edge_between(index, a, b)
        line = edge_line(graph, u, v, data)
        coords = np.asarray(line.coords)
        mx, my = lonlat_to_metric(coords[:, 0], coords[:, 1])
        head = _bearing((mx[0], my[0]), (mx[1], my[1]))
        tail = _bearing((mx[-2], my[-2]), (mx[-1], my[-1]))
        name = street_name(data)
        if runs and runs[-1]["street"] == name and _turn_action(runs[-1]["tail"], head) == "continue":
            runs[-1]["distance_m"] += length
            runs[-1]["tail"] = tail
        else:
            runs.append({"street": name, "distance_m": length, "head": head, "tail": tail, "node": u})
    turns: list[Turn] = []
    for k, run in enumerate(runs):
        action = "depart" if k == 0 else _turn_action(runs[k - 1]["tail"], run["head"])
        node = index.pos[run["node"]]
        turns.append(
            Turn(action, run["street"], float(run["distance_m"]), None, float(index.lat[node]), float(index.lon[node]))
        )
    end = index.pos[nodes[-1]]
    turns.append(
        Turn(
            "stop" if to_stop is not None else "finish",
            None,
            0.0,
            to_stop,
            float(index.lat[end]),
            float(index.lon[end]),
        )
    )
    return turns
