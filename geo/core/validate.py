"""Private helpers shared by the analysis modules (validation, metric coordinates, dates).

Nothing here is public API: the analysis modules (:mod:`geo.analysis.rings`, :mod:`geo.analysis.grid`, ...)
validate their inputs through these helpers so every module says the same thing about the
same mistake.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geo.core.bulk import points
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC, WGS84, points_metric, to_metric

# Distances within this many metres of a band edge count as on the edge (floating-point noise).
EDGE_TOL_M = 1e-6


def check_points(gdf: object, what: str = "incidents", *, need_time: bool = False) -> gpd.GeoDataFrame:
    """Check ``gdf`` is a GeoDataFrame of points with a CRS (and ``occurred_at`` if needed)."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{what} must be a GeoDataFrame, got {type(gdf).__name__}"
        raise AnalysisError(msg)
    if gdf.crs is None:
        msg = f"{what} has no CRS; expected EPSG:4326 (or a metric CRS such as EPSG:32611)"
        raise AnalysisError(msg)
    if len(gdf) and not (gdf.geom_type == "Point").all():
        kinds = sorted(set(gdf.geom_type.dropna()))
        msg = f"{what} must hold point geometry, got {kinds}"
        raise AnalysisError(msg)
    if len(gdf) and gdf.geometry.is_empty.any():
        msg = f"{what} has {int(gdf.geometry.is_empty.sum())} empty geometries; drop rows with no location first"
        raise AnalysisError(msg)
    if need_time and "occurred_at" not in gdf.columns:
        msg = f"{what} lacks the 'occurred_at' column needed for dates"
        raise AnalysisError(msg)
    return gdf


def metric_xy(gdf: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """Point coordinates as an ``(n, 2)`` array in EPSG:32611 metres.

    Frames already in EPSG:32611 are read as they are (no round trip), so hand-built test
    geometry keeps its exact coordinates; EPSG:4326 frames go through the cached transformer.
    """
    if len(gdf) == 0:
        return np.empty((0, 2), dtype=float)
    if CRS.from_user_input(gdf.crs) == CRS.from_user_input(METRIC):
        xy: NDArray[np.float64] = shapely.get_coordinates(gdf.geometry.values)[:, :2].astype(float)
        return xy
    return points_metric(gdf)


def metric_points(gdf: gpd.GeoDataFrame) -> NDArray[Any]:
    """Point geometries in EPSG:32611 (the frame's own when already metric, else projected)."""
    if len(gdf) and CRS.from_user_input(gdf.crs) == CRS.from_user_input(METRIC):
        return np.asarray(gdf.geometry.values)
    pts: NDArray[Any] = points(metric_xy(gdf))
    return pts


def as_metric_geoms(places: object, what: str = "places") -> gpd.GeoSeries:
    """Place geometries (GeoDataFrame, GeoSeries or a shapely geometry in EPSG:4326) in EPSG:32611."""
    if isinstance(places, BaseGeometry):
        series = gpd.GeoSeries([places], crs=WGS84)
    elif isinstance(places, gpd.GeoDataFrame):
        series = places.geometry
    elif isinstance(places, gpd.GeoSeries):
        series = places
    else:
        msg = f"{what} must be a GeoDataFrame, GeoSeries or shapely geometry, got {type(places).__name__}"
        raise AnalysisError(msg)
    if series.crs is None:
        msg = f"{what} has no CRS; expected EPSG:4326 (or a metric CRS such as EPSG:32611)"
        raise AnalysisError(msg)
    if len(series) == 0:
        msg = f"{what} is empty; expected at least one geometry"
        raise AnalysisError(msg)
    if series.is_empty.any() or series.isna().any():
        msg = f"{what} has empty or missing geometries"
        raise AnalysisError(msg)
    return to_metric(gpd.GeoDataFrame(geometry=series)).geometry


def union_metric(places: object, what: str = "places") -> BaseGeometry:
    """The union of the place geometries, in EPSG:32611 metres."""
    return shapely.union_all(as_metric_geoms(places, what).values)


def local_dates(gdf: gpd.GeoDataFrame) -> pd.Series[pd.Timestamp]:
    """Local calendar dates (naive ``datetime64``, midnight) of ``occurred_at``."""
    ts: pd.Series[pd.Timestamp] = gdf["occurred_at"]
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    return ts.dt.normalize()


def day_numbers(gdf: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """``occurred_at`` as fractional days since 1970-01-01 local time."""
    ts = gdf["occurred_at"]
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    ns = ts.to_numpy(dtype="datetime64[ns]").astype("int64")
    days: NDArray[np.float64] = ns / 86_400e9
    return days


def to_timestamp(value: object, what: str) -> pd.Timestamp:
    """A naive date (midnight) from a date, datetime, Timestamp or ISO string."""
    if isinstance(value, pd.Timestamp | dt.date | str | np.datetime64):
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError) as exc:
            msg = f"{what} must be a date like 2017-01-01, got {value!r}"
            raise AnalysisError(msg) from exc
        if pd.isna(ts):
            msg = f"{what} must be a date like 2017-01-01, got {value!r}"
            raise AnalysisError(msg)
        if ts.tzinfo is not None:
            ts = ts.tz_localize(None)
        return ts.normalize()
    msg = f"{what} must be a date like 2017-01-01, got {value!r}"
    raise AnalysisError(msg)


def check_bands(values: Iterable[float], what: str, unit: str) -> tuple[float, ...]:
    """Strictly increasing positive band edges."""
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError) as exc:
        msg = f"{what} must be numbers in {unit}, got {values!r}"
        raise AnalysisError(msg) from exc
    if not out:
        msg = f"{what} needs at least one value in {unit}"
        raise AnalysisError(msg)
    if any(not np.isfinite(v) or v <= 0 for v in out):
        msg = f"{what} must be positive {unit}, got {list(out)}"
        raise AnalysisError(msg)
    if any(b <= a for a, b in itertools.pairwise(out)):
        msg = f"{what} must increase strictly, got {list(out)}"
        raise AnalysisError(msg)
    return out


def band_label(lo: float, hi: float) -> str:
    """``"75-150"`` style label for a band in whole units where possible."""

    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else f"{v:g}"

    return f"{fmt(lo)}-{fmt(hi)}"


def positive(value: float, what: str, unit: str) -> float:
    """A finite positive number, or :class:`AnalysisError`."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        msg = f"{what} must be a number of {unit}, got {value!r}"
        raise AnalysisError(msg) from exc
    if not np.isfinite(v) or v <= 0:
        msg = f"{what} must be a positive number of {unit}, got {value!r}"
        raise AnalysisError(msg)
    return v


def names_of(seq: Sequence[str]) -> str:
    """``'a', 'b'`` for messages."""
    return ", ".join(repr(s) for s in seq)
