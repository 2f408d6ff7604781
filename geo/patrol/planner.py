"""Foot-patrol routes: candidate stops, snapping, Koper-curve dwell, the solver and the route.

Officers of a CSP site start at a point (the recreation center, a station, a housing office),
visit the hottest blocks in a sensible order, stay 12-15 minutes at each (the Koper curve) and
are back within the shift's time budget. That is a prize-collecting loop (orienteering) problem:
choose and order stops to maximise the weight covered (expected incidents) subject to
walking time (network distance / speed) plus dwell time <= budget. See
:mod:`geo.patrol.solvers` for the solvers (exact for small cases, OR-Tools above).

Candidate stops are a GeoDataFrame in EPSG:4326 with ``stop_id``, ``kind``, ``weight`` and point
geometry, built from generic inputs so any analysis can feed them: :func:`stops_from_cells`
(Gi* hot cells, grid cells), :func:`stops_from_points` (KDE peaks), :func:`border_stops` (border
segments of the focus place) and the fallback :func:`grid_hot_cells`. Distances are measured in
EPSG:32611 (metres) through :mod:`geo.core.projection`; times are seconds and minutes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree
from shapely.geometry import LineString, Point, box
from shapely.ops import substring

from geo.core.errors import AnalysisError, DataError
from geo.core.projection import METRIC, WGS84, lonlat_to_metric, metric_to_lonlat, points_metric, to_metric
from geo.core.settings import PatrolSettings
from geo.data.walknet import check_network, edge_line
from geo.patrol import solvers as orienteering

STOP_COLUMNS = ("stop_id", "kind", "label", "weight")
KOPER_DEFAULT_MIN = 15.0
KOPER_RANGE_MIN = (10.0, 16.0)


# --- Koper dwell --------------------------------------------------------------------------------


def koper_dwell(
    minutes: float = KOPER_DEFAULT_MIN, *, low: float = KOPER_RANGE_MIN[0], high: float = KOPER_RANGE_MIN[1]
) -> float:
    """Dwell time per hot spot in minutes, clamped to the Koper-curve range ``[low, high]``.

    Koper (1995): stops of about 11-15 minutes give the longest residual deterrence; the default
    15 minutes and the range 10-16 minutes follow DESIGN.md section 5.
    """
    if not 0 < low <= high:
        msg = f"the dwell range must satisfy 0 < low <= high, got low={low}, high={high}"
        raise AnalysisError(msg)
    if not math.isfinite(minutes):
        msg = f"dwell must be a number of minutes, got {minutes}"
        raise AnalysisError(msg)
    return float(min(max(minutes, low), high))


# --- candidate stops ------------------------------------------------------------------------------


def _empty_stops() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype="float64" if c == "weight" else "object") for c in STOP_COLUMNS},
        geometry=gpd.GeoSeries([], crs=WGS84),
        crs=WGS84,
    )


def _stops_frame(
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    weight: NDArray[np.float64],
    *,
    kind: str,
    labels: Sequence[str] | None = None,
    prefix: str | None = None,
) -> gpd.GeoDataFrame:
    n = len(lon)
    if n == 0:
        return _empty_stops()
    pre = prefix or kind
    width = max(2, len(str(n)))
    frame = gpd.GeoDataFrame(
        {
            "stop_id": [f"{pre}-{i + 1:0{width}d}" for i in range(n)],
            "kind": kind,
            "label": list(labels) if labels is not None else [f"{kind} {i + 1}" for i in range(n)],
            "weight": np.asarray(weight, dtype=float),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=WGS84,
    )
    return frame


def _weights(frame: gpd.GeoDataFrame, weight: str | Sequence[float] | NDArray[Any], what: str) -> NDArray[np.float64]:
    if isinstance(weight, str):
        if weight not in frame.columns:
            msg = f"{what} has no weight column {weight!r}; columns are {list(frame.columns)}"
            raise DataError(msg)
        values = pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float)
    else:
        values = np.asarray(weight, dtype=float)
        if values.shape != (len(frame),):
            msg = f"{what}: expected {len(frame)} weights, got shape {values.shape}"
            raise DataError(msg)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        msg = f"{what}: weights must be finite and non-negative"
        raise DataError(msg)
    return values


def _require_frame(frame: Any, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        msg = f"{what} must be a GeoDataFrame, got {type(frame).__name__}"
        raise DataError(msg)
    if frame.crs is None:
        msg = f"{what} has no CRS; set one (for example EPSG:4326)"
        raise DataError(msg)
    return frame


def stops_from_cells(
    cells: gpd.GeoDataFrame, *, weight: str = "weight", kind: str = "hot_cell", top: int | None = None
) -> gpd.GeoDataFrame:
    """Candidate stops at the centres of weighted cells (Gi* hot cells, grid or H3 cells).

    Parameters
    ----------
    cells
        Polygons or points with a CRS and a ``weight`` column (expected incidents, >= 0).
    weight
        Name of the weight column.
    kind
        Value of the ``kind`` column of the result.
    top
        Keep the ``top`` heaviest cells (ties by position); all when None.

    Returns
    -------
    geopandas.GeoDataFrame
        ``stop_id, kind, label, weight`` and point geometry (the cell centroid measured in
        EPSG:32611), EPSG:4326, heaviest first; zero-weight cells are dropped.
    """
    cells = _require_frame(cells, "cells")
    values = _weights(cells, weight, "cells")
    if cells.empty:
        return _empty_stops()
    metric = to_metric(cells[[cells.geometry.name]])
    centres = metric.geometry.centroid.to_numpy()
    keep = np.flatnonzero(values > 0)
    order = keep[np.lexsort((keep, -values[keep]))]
    if top is not None:
        order = order[: max(0, int(top))]
    xy = shapely.get_coordinates(centres[order])
    lon, lat = metric_to_lonlat(xy[:, 0], xy[:, 1])
    return _stops_frame(lon, lat, values[order], kind=kind)


def stops_from_points(
    points: gpd.GeoDataFrame,
    weight: str | Sequence[float] | NDArray[Any],
    *,
    kind: str = "peak",
    top: int | None = None,
) -> gpd.GeoDataFrame:
    """Candidate stops at weighted points (KDE peaks, addresses), heaviest first.

    ``weight`` is a column name or one value per point (expected incidents, >= 0).
    """
    points = _require_frame(points, "points")
    values = _weights(points, weight, "points")
    if points.empty:
        return _empty_stops()
    if not points.geom_type.eq("Point").all():
        msg = f"points must be Point geometry, got {sorted(set(points.geom_type))}"
        raise DataError(msg)
    geo = points.geometry.to_crs(WGS84) if points.crs != WGS84 else points.geometry
    keep = np.flatnonzero(values > 0)
    order = keep[np.lexsort((keep, -values[keep]))]
    if top is not None:
        order = order[: max(0, int(top))]
    return _stops_frame(geo.x.to_numpy()[order], geo.y.to_numpy()[order], values[order], kind=kind)


_COMPASS = ("N", "NE", "E", "SE", "S", "SW", "W", "NW")


def _compass(dx: float, dy: float) -> str:
    bearing = (math.degrees(math.atan2(dx, dy)) + 360) % 360
    return _COMPASS[int((bearing + 22.5) // 45) % 8]


def _place_geometry(place: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry) -> shapely.Geometry:
    """The place's geometry in EPSG:32611 (a bare shapely geometry is read as EPSG:4326)."""
    if isinstance(place, (gpd.GeoDataFrame, gpd.GeoSeries)):
        if place.crs is None:
            msg = "place has no CRS; set one (for example EPSG:4326)"
            raise DataError(msg)
        if len(place) == 0:
            msg = "place is empty"
            raise DataError(msg)
        series = place.geometry if isinstance(place, gpd.GeoDataFrame) else place
        return to_metric(gpd.GeoDataFrame(geometry=series)).geometry.union_all()
    if isinstance(place, shapely.Geometry):
        return to_metric(gpd.GeoDataFrame(geometry=[place], crs=WGS84)).geometry.iloc[0]
    msg = f"place must be a GeoDataFrame, GeoSeries or shapely geometry, got {type(place).__name__}"
    raise DataError(msg)


def border_stops(
    place: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry,
    incidents: gpd.GeoDataFrame,
    *,
    segment_m: float = 120.0,
    within_m: float = 75.0,
    min_weight: float = 1.0,
) -> gpd.GeoDataFrame:
    """Candidate stops on the border of a place, weighted by the incidents near each border segment.

    The boundary (outer rings, EPSG:32611) is cut into segments of about ``segment_m`` metres;
    each incident within ``within_m`` metres of the boundary (inside or outside) counts once,
    for its nearest segment. A stop stands at each segment's midpoint. A place known only as a
    point gives one stop at the point, weighted by the incidents within ``within_m``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``stop_id, kind="border", label`` (side of the place, "N", "SE", ...), ``weight``
        (incident count), point geometry in EPSG:4326; heaviest first; segments with fewer
        than ``min_weight`` incidents are dropped.
    """
    if segment_m <= 0 or within_m <= 0:
        msg = f"segment_m and within_m must be positive metres, got {segment_m} and {within_m}"
        raise AnalysisError(msg)
    geom = _place_geometry(place)
    incidents = _require_frame(incidents, "incidents")
    xy = points_metric(incidents) if len(incidents) else np.empty((0, 2))
    pts = shapely.points(xy)
    if geom.geom_type == "Point":
        count = float(np.count_nonzero(shapely.dwithin(pts, geom, within_m)))
        if count < min_weight:
            return _empty_stops()
        lon, lat = metric_to_lonlat(np.array([geom.x]), np.array([geom.y]))
        return _stops_frame(lon, lat, np.array([count]), kind="border", labels=["point"])
    polys = list(getattr(geom, "geoms", [geom]))
    if not all(p.geom_type == "Polygon" for p in polys):
        msg = f"place must be a polygon or a point, got {geom.geom_type}"
        raise AnalysisError(msg)
    centre = geom.centroid
    segments: list[LineString] = []
    for poly in polys:
        ring = LineString(poly.exterior.coords)
        k = max(1, round(ring.length / segment_m))
        step = ring.length / k
        segments.extend(substring(ring, i * step, (i + 1) * step) for i in range(k))
    seg_arr = np.array(segments, dtype=object)
    near = np.flatnonzero(shapely.dwithin(pts, geom.boundary, within_m)) if len(pts) else np.array([], int)
    counts = np.zeros(len(segments))
    if len(near):
        dist = np.stack([shapely.distance(pts[near], s) for s in seg_arr], axis=1)
        counts += np.bincount(dist.argmin(axis=1), minlength=len(segments))
    mids = [s.interpolate(0.5, normalized=True) for s in segments]
    labels = [_compass(m.x - centre.x, m.y - centre.y) for m in mids]
    keep = np.flatnonzero(counts >= max(min_weight, 1e-12))
    order = keep[np.lexsort((keep, -counts[keep]))]
    mx = np.array([mids[i].x for i in order])
    my = np.array([mids[i].y for i in order])
    lon, lat = metric_to_lonlat(mx, my)
    return _stops_frame(lon, lat, counts[order], kind="border", labels=[labels[i] for i in order])


def grid_hot_cells(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float = 150.0,
    top: int | None = 25,
    min_count: int = 1,
    around: tuple[float, float] | None = None,
    radius_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The busiest cells of a square metric grid: a simple stand-in for Gi* hot cells.

    Cells are ``cell_m`` metres square in EPSG:32611, aligned to multiples of ``cell_m``
    (so the same incidents always fall in the same cells).

    Parameters
    ----------
    incidents
        Point incidents with a CRS.
    cell_m
        Cell side, metres.
    top
        Keep the ``top`` busiest cells (ties by cell position); all when None.
    min_count
        Drop cells with fewer incidents.
    around, radius_m
        ``(lat, lon)`` in degrees and a radius in metres: count only incidents within it.

    Returns
    -------
    geopandas.GeoDataFrame
        ``cell_id`` (``"<col>_<row>"`` in the global grid), ``weight`` (incident count) and the
        cell polygon in EPSG:4326, busiest first.
    """
    incidents = _require_frame(incidents, "incidents")
    if cell_m <= 0:
        msg = f"cell_m must be positive metres, got {cell_m}"
        raise AnalysisError(msg)
    xy = points_metric(incidents) if len(incidents) else np.empty((0, 2))
    if around is not None and radius_m is not None:
        (cx,), (cy,) = lonlat_to_metric(np.array([around[1]]), np.array([around[0]]))
        xy = xy[np.hypot(xy[:, 0] - cx, xy[:, 1] - cy) <= radius_m]
    empty = gpd.GeoDataFrame(
        {"cell_id": pd.Series(dtype="object"), "weight": pd.Series(dtype="float64")},
        geometry=gpd.GeoSeries([], crs=WGS84),
        crs=WGS84,
    )
    if len(xy) == 0:
        return empty
    ij = np.floor(xy / cell_m).astype(np.int64)
    cells, counts = np.unique(ij, axis=0, return_counts=True)
    keep = np.flatnonzero(counts >= min_count)
    order = keep[np.lexsort((cells[keep, 1], cells[keep, 0], -counts[keep]))]
    if top is not None:
        order = order[: max(0, int(top))]
    if len(order) == 0:
        return empty
    polys = [box(i * cell_m, j * cell_m, (i + 1) * cell_m, (j + 1) * cell_m) for i, j in cells[order]]
    out = gpd.GeoDataFrame(
        {"cell_id": [f"{i}_{j}" for i, j in cells[order]], "weight": counts[order].astype(float)},
        geometry=polys,
        crs=METRIC,
    )
    return out.to_crs(WGS84)


def merge_candidates(
    *frames: gpd.GeoDataFrame, min_separation_m: float = 80.0, top: int | None = None
) -> gpd.GeoDataFrame:
    """Combine candidate sets; of stops closer than ``min_separation_m`` metres keep the heaviest.

    Heavier stops win; ties go to the earlier frame and row, so the result is deterministic.
    ``stop_id`` values stay as they were (they must be unique across the frames).
    """
    parts = [_require_frame(f, "candidate stops") for f in frames if f is not None and len(f)]
    if not parts:
        return _empty_stops()
    allc = pd.concat([p.to_crs(WGS84)[[*STOP_COLUMNS, "geometry"]] for p in parts], ignore_index=True)
    allc = gpd.GeoDataFrame(allc, geometry="geometry", crs=WGS84)
    if allc["stop_id"].duplicated().any():
        dup = sorted(allc.loc[allc["stop_id"].duplicated(), "stop_id"].unique())[:5]
        msg = f"stop_id values must be unique across candidate sets; repeated: {dup}"
        raise DataError(msg)
    w = allc["weight"].to_numpy(dtype=float)
    order = np.lexsort((np.arange(len(allc)), -w))
    xy = points_metric(allc)
    tree = cKDTree(xy)
    taken = np.zeros(len(allc), bool)
    blocked = np.zeros(len(allc), bool)
    for i in order:
        if blocked[i]:
            continue
        taken[i] = True
        blocked[tree.query_ball_point(xy[i], min_separation_m)] = True
    keep = [i for i in order if taken[i]]
    if top is not None:
        keep = keep[: max(0, int(top))]
    return allc.iloc[keep].reset_index(drop=True)


HOTSPOT_METHODS = ("gistar", "grid")


def candidate_stops(
    incidents: gpd.GeoDataFrame,
    *,
    place: gpd.GeoDataFrame | None,
    lat: float,
    lon: float,
    reach_m: float,
    params: PatrolSettings,
    method: str = "gistar",
    alpha: float = 0.05,
    min_events: int = 30,
) -> gpd.GeoDataFrame:
    """Candidate stops for a patrol from ``(lat, lon)``: border segments of ``place`` and hot cells.

    Hot cells come from the analysis engine's Getis-Ord Gi* (cells significantly hot after the
    FDR correction, weighted by their count) when ``method="gistar"`` and there are at least
    ``min_events`` incidents within ``reach_m`` metres; otherwise (or when no cell is
    significant) from the busiest cells of the same square grid.

    Returns
    -------
    geopandas.GeoDataFrame
        Merged candidates (``stop_id, kind, label, weight``, EPSG:4326), heaviest first.
    """
    import warnings

    from geo.analysis.gistar import TooFewEventsWarning, hotspots_grid

    if method not in HOTSPOT_METHODS:
        msg = f"unknown hot-spot method {method!r}; expected one of {list(HOTSPOT_METHODS)}"
        raise AnalysisError(msg)
    xy = points_metric(incidents) if len(incidents) else np.empty((0, 2))
    (cx,), (cy,) = lonlat_to_metric(np.array([lon]), np.array([lat]))
    near = incidents.iloc[np.flatnonzero(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy) <= reach_m)] if len(xy) else incidents
    frames = []
    if place is not None:
        frames.append(border_stops(place, near, segment_m=params.border_segment_m, within_m=params.border_within_m))
    hot = None
    if method == "gistar" and len(near) >= min_events:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TooFewEventsWarning)
            cells = hotspots_grid(near, cell_m=params.grid_cell_m, alpha=alpha, min_events=min_events)
        hot = cells[cells["gi_class"] > 0]
        if not hot.empty:
            frames.append(stops_from_cells(hot, weight="count", kind="gistar", top=2 * params.candidates))
    if hot is None or hot.empty:
        busy = grid_hot_cells(near, cell_m=params.grid_cell_m, top=2 * params.candidates)
        frames.append(stops_from_cells(busy))
    return merge_candidates(*frames, min_separation_m=params.min_separation_m, top=params.candidates)


def add_stop(
    stops: gpd.GeoDataFrame, *, lat: float, lon: float, weight: float, label: str = "added", kind: str = "user"
) -> gpd.GeoDataFrame:
    """Return ``stops`` with one more stop at ``(lat, lon)`` (degrees), e.g. a click on the map."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"lat/lon must be degrees, got lat={lat}, lon={lon}"
        raise DataError(msg)
    if not math.isfinite(weight) or weight < 0:
        msg = f"weight must be a non-negative number, got {weight}"
        raise DataError(msg)
    stops = _require_frame(stops, "stops").to_crs(WGS84)
    used = set(stops["stop_id"]) if len(stops) else set()
    k = 1
    while f"{kind}-{k}" in used:
        k += 1
    row = _stops_frame(np.array([lon]), np.array([lat]), np.array([float(weight)]), kind=kind, labels=[label])
    row["stop_id"] = f"{kind}-{k}"
    if not len(stops):
        return row
    out = pd.concat([stops, row], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def remove_stops(stops: gpd.GeoDataFrame, stop_ids: Iterable[str]) -> gpd.GeoDataFrame:
    """Return ``stops`` without the given ``stop_id`` values (unknown ids raise DataError)."""
    stops = _require_frame(stops, "stops")
    ids = list(stop_ids)
    unknown = sorted(set(ids) - set(stops["stop_id"]))
    if unknown:
        msg = f"unknown stop ids {unknown[:5]}"
        raise DataError(msg)
    return stops[~stops["stop_id"].isin(ids)].reset_index(drop=True)


# --- the network index ----------------------------------------------------------------------------


@dataclass
class NetworkIndex:
    """Arrays over a walking network: node coordinates (degrees and metres), an undirected CSR matrix
    of edge lengths (metres; walking ignores one-way rules), components and a KD-tree for snapping."""

    nodes: list[Any]
    pos: dict[Any, int]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    xy: NDArray[np.float64]
    matrix: csr_matrix
    component: NDArray[np.int32]
    tree: cKDTree
    edges: dict[tuple[int, int], tuple[float, Any, Any, dict[str, Any]]] = field(repr=False)

    def nearest(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[Any]]:
        """Index of the nearest node and its distance in metres for each point (degrees)."""
        x, y = lonlat_to_metric(np.atleast_1d(lon), np.atleast_1d(lat))
        dist, idx = self.tree.query(np.column_stack([x, y]))
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=float)


_INDEX: weakref.WeakKeyDictionary[nx.MultiDiGraph, NetworkIndex] = weakref.WeakKeyDictionary()


def network_index(graph: nx.MultiDiGraph) -> NetworkIndex:
    """Build (once per graph object) the arrays used for snapping and shortest paths.

    The index is cached per graph object; do not modify a graph after planning on it.
    """
    cached = _INDEX.get(graph)
    if cached is not None:
        return cached
    check_network(graph)
    nodes = list(graph.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    lon = np.fromiter((graph.nodes[n]["x"] for n in nodes), float, len(nodes))
    lat = np.fromiter((graph.nodes[n]["y"] for n in nodes), float, len(nodes))
    x, y = lonlat_to_metric(lon, lat)
    xy = np.column_stack([x, y])
    edges: dict[tuple[int, int], tuple[float, Any, Any, dict[str, Any]]] = {}
    for u, v, data in graph.edges(data=True):
        a, b = pos[u], pos[v]
        if a == b:
            continue
        length = float(data["length"])
        if not math.isfinite(length) or length < 0:
            msg = f"edge ({u}, {v}) has an invalid length {data['length']!r}; lengths are metres >= 0"
            raise DataError(msg)
        key = (a, b) if a < b else (b, a)
        if key not in edges or length < edges[key][0]:
            edges[key] = (length, u, v, data)
    if edges:
        ij = np.array(list(edges), dtype=np.int64)
        w = np.array([e[0] for e in edges.values()], dtype=float)
    else:
        ij = np.empty((0, 2), dtype=np.int64)
        w = np.empty(0)
    w = np.maximum(w, 1e-3)  # csgraph reads explicit zeros as "no edge"
    n = len(nodes)
    matrix = coo_matrix((np.r_[w, w], (np.r_[ij[:, 0], ij[:, 1]], np.r_[ij[:, 1], ij[:, 0]])), shape=(n, n)).tocsr()
    _, comp = connected_components(matrix, directed=False)
    index = NetworkIndex(nodes, pos, lon, lat, xy, matrix, comp.astype(np.int32), cKDTree(xy), edges)
    _INDEX[graph] = index
    return index


def _edge(index: NetworkIndex, a: int, b: int) -> tuple[float, Any, Any, dict[str, Any]]:
    return index.edges[(a, b) if a < b else (b, a)]


def street_name(data: dict[str, Any]) -> str | None:
    """An edge's street name (osmnx lists of merged names are joined with " / "); None if unnamed."""
    name = data.get("name")
    if isinstance(name, (list, tuple)):
        names = [str(n) for n in name if n]
        return " / ".join(dict.fromkeys(names)) or None
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return None
    text = str(name).strip()
    return text or None


def node_streets(graph: nx.MultiDiGraph, node: Any) -> list[str]:
    """Names of the streets meeting at ``node`` (most frequent first, then alphabetical)."""
    counts: Counter[str] = Counter()
    for _, _, data in graph.edges(node, data=True):
        name = street_name(data)
        if name:
            counts[name] += 1
    return [n for n, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _where(graph: nx.MultiDiGraph, node: Any) -> str | None:
    names = node_streets(graph, node)
    return " & ".join(names[:2]) if names else None


# --- the route ------------------------------------------------------------------------------------


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
    stop).
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


def _leg_turns(graph: nx.MultiDiGraph, index: NetworkIndex, nodes: Sequence[Any], *, to_stop: int | None) -> list[Turn]:
    """Turn lines of one leg; the leg ends with a ``stop`` line (or ``finish`` when ``to_stop`` is None)."""
    runs: list[dict[str, Any]] = []
    for u, v in itertools.pairwise(nodes):
        a, b = index.pos[u], index.pos[v]
        length, _, _, data = _edge(index, a, b)
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


def _validate_plan(
    stops: gpd.GeoDataFrame, lat: float, lon: float, budget_min: float, speed_mps: float, max_stops: int | None
) -> gpd.GeoDataFrame:
    stops = _require_frame(stops, "candidate stops")
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
    _weights(stops, "weight", "candidate stops")
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
    speed_mps: float = 1.2,
    max_stops: int | None = 8,
    start_time: dt.datetime | None = None,
    max_snap_m: float = 250.0,
    time_limit_s: float = 2.0,
    meta: dict[str, Any] | None = None,
) -> PatrolRoute:
    """Plan a foot-patrol loop from ``(lat, lon)`` that covers the most weight within the budget.

    Parameters
    ----------
    graph
        Walking network (:mod:`geo.data.walknet`), EPSG:4326, edge ``length`` in metres.
    stops
        Candidate stops (``stop_id``, ``weight``, point geometry; ``kind``/``label`` optional; a
        ``dwell_min`` column overrides the dwell per stop). Each is snapped to its nearest node.
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
    # one stop per node: the heaviest (others are counted in it, not added to it)
    live = cand.index[cand["status"] == "candidate"]
    ranked = sorted(live, key=lambda i: (-cand.at[i, "weight"], i))
    seen: set[int] = set()
    for i in ranked:
        node = int(cand.at[i, "node_index"])
        if node in seen:
            cand.at[i, "status"] = "merged"
        seen.add(node)
    cand.loc[(cand["status"] == "candidate") & (cand["weight"] <= 0), "status"] = "skipped"

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
    prize = _integer_prizes(weights[keep])
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
    visited["where"] = [_where(graph, n) for n in visited["node"]]
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
        start_where=_where(graph, index.nodes[start_i]),
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
            _, _, _, data = _edge(index, index.pos[u], index.pos[v])
            part = list(edge_line(graph, u, v, data).coords)
            pieces.extend(part if not pieces else part[1:])
        if not pieces:
            pieces = [(float(index.lon[src]), float(index.lat[src]))]
        line = LineString(pieces if len(pieces) > 1 else pieces * 2)
        to_stop = k + 1 if k < len(visit) else None
        legs.append(Leg(k, to_stop if to_stop is not None else 0, dist, walk_s, tuple(ids), line))
        if len(ids) > 1:
            turns.extend(_leg_turns(graph, index, ids, to_stop=to_stop))
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
