"""All reprojection goes through this module.

Measure only in a metric CRS (EPSG:32611, UTM zone 11N, metres); store and draw in
EPSG:4326. Transformers are cached because building one costs far more than using it.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray
from pyproj import CRS, Transformer

from geo.core.errors import DataError

WGS84 = "EPSG:4326"
METRIC = "EPSG:32611"


@lru_cache(maxsize=16)
def transformer(src: str, dst: str) -> Transformer:
    """Return a cached ``always_xy`` transformer from ``src`` to ``dst``."""
    return Transformer.from_crs(CRS.from_user_input(src), CRS.from_user_input(dst), always_xy=True)


def lonlat_to_metric(
    lon: NDArray[np.float64], lat: NDArray[np.float64], *, crs: str = METRIC
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project longitude/latitude arrays (degrees, EPSG:4326) to ``crs`` (metres)."""
    x, y = transformer(WGS84, crs).transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def metric_to_lonlat(
    x: NDArray[np.float64], y: NDArray[np.float64], *, crs: str = METRIC
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Project metric arrays in ``crs`` (metres) back to longitude/latitude (EPSG:4326)."""
    lon, lat = transformer(crs, WGS84).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def _require_crs(gdf: gpd.GeoDataFrame, what: str) -> None:
    if gdf.crs is None:
        msg = f"{what} has no CRS; set one (for example EPSG:4326) before measuring or drawing it"
        raise DataError(msg)


def to_metric(gdf: gpd.GeoDataFrame, *, crs: str = METRIC) -> gpd.GeoDataFrame:
    """Return ``gdf`` in the metric CRS (EPSG:32611 by default, metres)."""
    _require_crs(gdf, "layer")
    if CRS.from_user_input(crs).axis_info[0].unit_name not in ("metre", "meter"):
        msg = f"measuring CRS must be in metres, got {crs} ({CRS.from_user_input(crs).axis_info[0].unit_name})"
        raise DataError(msg)
    return gdf if gdf.crs == CRS.from_user_input(crs) else gdf.to_crs(crs)


def to_wgs84(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``gdf`` in EPSG:4326 (degrees), the CRS for storing and drawing."""
    _require_crs(gdf, "layer")
    return gdf if gdf.crs == CRS.from_user_input(WGS84) else gdf.to_crs(WGS84)


def points_metric(gdf: gpd.GeoDataFrame, *, crs: str = METRIC) -> NDArray[np.float64]:
    """Return an (n, 2) array of point coordinates in metres, via a cached transformer.

    Faster than ``to_crs`` on large frames; expects point geometry in EPSG:4326 with
    ``lon``/``lat`` columns, falling back to the geometry when those are absent.
    """
    _require_crs(gdf, "point layer")
    if "lon" in gdf.columns and "lat" in gdf.columns and gdf.crs == CRS.from_user_input(WGS84):
        lon = gdf["lon"].to_numpy(dtype=float)
        lat = gdf["lat"].to_numpy(dtype=float)
    else:
        pts = to_wgs84(gdf).geometry
        lon = pts.x.to_numpy(dtype=float)
        lat = pts.y.to_numpy(dtype=float)
    x, y = lonlat_to_metric(lon, lat, crs=crs)
    return np.column_stack([x, y])
