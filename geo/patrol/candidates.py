"""Candidate stops for a foot patrol: border segments, hot cells, weighted points, and the user's edits.

Candidate stops are a GeoDataFrame in EPSG:4326 with ``stop_id``, ``kind``, ``label``, ``weight``
and point geometry, built from generic inputs so any analysis can feed them:
:func:`stops_from_cells` (Gi* hot cells, grid cells), :func:`stops_from_points` (KDE peaks),
:func:`border_stops` (border segments of the focus place) and the fallback :func:`grid_hot_cells`;
:func:`candidate_stops` combines them for a start point. Distances are measured in EPSG:32611
(metres) through :mod:`geo.core.projection`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from shapely.geometry import LineString
from shapely.ops import substring

from geo.analysis.gistar import TooFewEventsWarning
from geo.analysis.grid import make_grid
from geo.analysis.hotspots import configured_hotspots
from geo.core.errors import AnalysisError, DataError
from geo.core.projection import METRIC, WGS84, lonlat_to_metric, metric_to_lonlat, points_metric, to_metric
from geo.core.settings import AnalysisSettings, PatrolSettings, get_settings
from geo.core.validate import metric_xy

STOP_COLUMNS = ("stop_id", "kind", "label", "weight")
HOTSPOT_METHODS = ("gistar", "grid")


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


def stop_weights(
    frame: gpd.GeoDataFrame, weight: str | Sequence[float] | NDArray[Any], what: str
) -> NDArray[np.float64]:
    """The stops' weights (a column name or one value per row), checked finite and non-negative."""
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
    return np.asarray(values, dtype=np.float64)


def _heaviest(values: NDArray[np.float64], *, top: int | None = None, floor: float = 0.0) -> NDArray[np.int64]:
    """Positions of the values above zero (and at least ``floor``), heaviest first, ties by position."""
    keep = np.flatnonzero((values > 0) & (values >= floor))
    order = keep[np.lexsort((keep, -values[keep]))]
    return order if top is None else order[: max(0, int(top))]


def require_frame(frame: Any, what: str) -> gpd.GeoDataFrame:
    """``frame`` if it is a GeoDataFrame with a CRS; DataError otherwise."""
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
    cells = require_frame(cells, "cells")
    values = stop_weights(cells, weight, "cells")
    if cells.empty:
        return _empty_stops()
    metric = to_metric(cells[[cells.geometry.name]])
    centres = metric.geometry.centroid.to_numpy()
    order = _heaviest(values, top=top)
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
    points = require_frame(points, "points")
    values = stop_weights(points, weight, "points")
    if points.empty:
        return _empty_stops()
    if not points.geom_type.eq("Point").all():
        msg = f"points must be Point geometry, got {sorted(set(points.geom_type))}"
        raise DataError(msg)
    geo = points.geometry.to_crs(WGS84) if points.crs != WGS84 else points.geometry
    order = _heaviest(values, top=top)
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
    segment_m: float,
    within_m: float,
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
    incidents = require_frame(incidents, "incidents")
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
    order = _heaviest(counts, floor=min_weight)
    mx = np.array([mids[i].x for i in order])
    my = np.array([mids[i].y for i in order])
    lon, lat = metric_to_lonlat(mx, my)
    return _stops_frame(lon, lat, counts[order], kind="border", labels=[labels[i] for i in order])


def grid_hot_cells(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float,
    top: int | None = 25,
    min_count: int = 1,
    around: tuple[float, float] | None = None,
    radius_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The busiest cells of a square metric grid: a simple stand-in for Gi* hot cells.

    The counting is :mod:`geo.analysis.grid`'s (:func:`~geo.analysis.grid.make_grid` and
    :meth:`~geo.analysis.grid.SquareGrid.counts`, as in ``square_counts``): cells ``cell_m`` metres
    square in EPSG:32611, aligned to multiples of ``cell_m`` (so the same incidents always fall in
    the same cells); polygons are built for the kept cells only.

    Parameters
    ----------
    incidents
        Point incidents with a CRS.
    cell_m
        Cell side, metres.
    top
        Keep the ``top`` busiest cells (ties by cell position, west to east, then south to north);
        all when None.
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
    incidents = require_frame(incidents, "incidents")
    if cell_m <= 0:
        msg = f"cell_m must be positive metres, got {cell_m}"
        raise AnalysisError(msg)
    if around is not None and radius_m is not None and len(incidents):
        xy = points_metric(incidents)
        (cx,), (cy,) = lonlat_to_metric(np.array([around[1]]), np.array([around[0]]))
        incidents = incidents.iloc[np.flatnonzero(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy) <= radius_m)]
    empty = gpd.GeoDataFrame(
        {"cell_id": pd.Series(dtype="object"), "weight": pd.Series(dtype="float64")},
        geometry=gpd.GeoSeries([], crs=WGS84),
        crs=WGS84,
    )
    if len(incidents) == 0:
        return empty
    xy = metric_xy(incidents)
    grid = make_grid(xy, cell_m=cell_m)
    counts = grid.counts(xy).ravel()
    ids = np.flatnonzero(counts >= max(min_count, 1))
    row, col = ids // grid.nx, ids % grid.nx
    gcol, grow = col + round(grid.x0 / cell_m), row + round(grid.y0 / cell_m)  # the global grid's columns and rows
    order = np.lexsort((grow, gcol, -counts[ids]))
    if top is not None:
        order = order[: max(0, int(top))]
    if len(order) == 0:
        return empty
    x, y = gcol[order] * cell_m, grow[order] * cell_m
    return gpd.GeoDataFrame(
        {"cell_id": [f"{i}_{j}" for i, j in zip(gcol[order], grow[order], strict=True)],
         "weight": counts[ids[order]].astype(float)},
        geometry=gpd.GeoSeries(shapely.box(x, y, x + cell_m, y + cell_m), crs=METRIC).to_crs(WGS84),
        crs=WGS84,
    )  # fmt: skip


def merge_candidates(*frames: gpd.GeoDataFrame, min_separation_m: float, top: int | None = None) -> gpd.GeoDataFrame:
    """Combine candidate sets; of stops closer than ``min_separation_m`` metres keep the heaviest.

    Heavier stops win; ties go to the earlier frame and row, so the result is deterministic.
    ``stop_id`` values stay as they were (they must be unique across the frames).
    """
    parts = [require_frame(f, "candidate stops") for f in frames if f is not None and len(f)]
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


def candidate_stops(
    incidents: gpd.GeoDataFrame,
    *,
    place: gpd.GeoDataFrame | None,
    lat: float,
    lon: float,
    reach_m: float,
    params: PatrolSettings,
    method: str = "gistar",
    analysis: AnalysisSettings | None = None,
) -> gpd.GeoDataFrame:
    """Candidate stops for a patrol from ``(lat, lon)``: border segments of ``place`` and hot cells.

    Hot cells come from the analysis engine's Getis-Ord Gi* (cells significantly hot after the
    FDR correction, weighted by their count) when ``method="gistar"`` and there are at least
    ``analysis.min_events`` incidents within ``reach_m`` metres; otherwise (or when no cell is
    significant) from the busiest cells of the same square grid. Gi* runs with every choice of
    ``analysis`` (default the settings'), as on the Map page
    (:func:`geo.analysis.hotspots.configured_hotspots`), on the patrol grid's cells.

    Returns
    -------
    geopandas.GeoDataFrame
        Merged candidates (``stop_id, kind, label, weight``, EPSG:4326), heaviest first.
    """
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
    a = get_settings().analysis if analysis is None else analysis
    if method == "gistar" and len(near) >= a.min_events:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TooFewEventsWarning)
            cells = configured_hotspots(near, a, cell_m=params.grid_cell_m)
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
    """Return ``stops`` with one more stop at ``(lat, lon)`` (degrees), e.g. a click on the map.

    The stop is ``required``: the planner visits it whenever the budget allows, before any candidate
    (a stop a person asks for is on the route, whatever its ``weight``); the other stops get
    ``required`` False."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"lat/lon must be degrees, got lat={lat}, lon={lon}"
        raise DataError(msg)
    if not math.isfinite(weight) or weight < 0:
        msg = f"weight must be a non-negative number, got {weight}"
        raise DataError(msg)
    stops = require_frame(stops, "stops").to_crs(WGS84)
    used = set(stops["stop_id"]) if len(stops) else set()
    k = 1
    while f"{kind}-{k}" in used:
        k += 1
    row = _stops_frame(np.array([lon]), np.array([lat]), np.array([float(weight)]), kind=kind, labels=[label])
    row["stop_id"] = f"{kind}-{k}"
    row["required"] = True
    if not len(stops):
        return row
    stops = stops.assign(required=stops["required"].fillna(False).astype(bool) if "required" in stops else False)
    out = pd.concat([stops, row], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def remove_stops(stops: gpd.GeoDataFrame, stop_ids: Iterable[str]) -> gpd.GeoDataFrame:
    """Return ``stops`` without the given ``stop_id`` values (unknown ids raise DataError)."""
    stops = require_frame(stops, "stops")
    ids = list(stop_ids)
    unknown = sorted(set(ids) - set(stops["stop_id"]))
    if unknown:
        msg = f"unknown stop ids {unknown[:5]}"
        raise DataError(msg)
    return stops[~stops["stop_id"].isin(ids)].reset_index(drop=True)
