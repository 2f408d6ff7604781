"""Tiny synthetic frames shared by the analysis tests (EPSG:32611 so coordinates stay exact)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.projection import METRIC, WGS84, metric_to_lonlat
from geo.core.schema import TZ

SHARED_DATA = __import__("pathlib").Path(__file__).resolve().parents[1].parent / "shared" / "data"


def metric_points(
    xy: Sequence[Sequence[float]] | np.ndarray,
    *,
    dates: Sequence[str] | pd.DatetimeIndex | None = None,
    categories: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Point incidents at exact EPSG:32611 coordinates (metres)."""
    arr = np.asarray(xy, dtype=float).reshape(-1, 2)
    n = len(arr)
    if dates is None:
        dates = ["2016-06-01"] * n
    when = pd.to_datetime(pd.Series(list(dates))).dt.tz_localize(TZ)
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"t-{i:05d}" for i in range(n)],
            "occurred_at": when.to_numpy(),
            "category": list(categories) if categories is not None else ["robbery"] * n,
        },
        geometry=shapely.points(arr),
        crs=METRIC,
    )


def lonlat_points(xy: np.ndarray, **kwargs: object) -> gpd.GeoDataFrame:
    """Like :func:`metric_points` but stored in EPSG:4326 with lat/lon columns."""
    gdf = metric_points(xy, **kwargs)  # type: ignore[arg-type]
    lon, lat = metric_to_lonlat(np.asarray(xy)[:, 0], np.asarray(xy)[:, 1])
    out = gdf.set_geometry(shapely.points(np.column_stack([lon, lat])), crs=WGS84)
    out["lon"] = lon
    out["lat"] = lat
    return out


def square(x0: float, y0: float, side: float) -> shapely.Polygon:
    """An axis-aligned square in metres."""
    return shapely.box(x0, y0, x0 + side, y0 + side)


# A point in South LA in EPSG:32611 (near Harvard Park), used as an origin for synthetic data.
ORIGIN = (380_000.0, 3_761_000.0)
