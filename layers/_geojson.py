"""GeoJSON payloads with escaped properties and rounded coordinates (small and safe)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from layers._escape import esc

COORD_DIGITS = 5  # 1e-5 degrees is about 1 m in Los Angeles


def feature_collection(
    gdf: gpd.GeoDataFrame,
    properties: Mapping[str, Callable[[Any], Any] | None] | Sequence[str],
    *,
    digits: int = COORD_DIGITS,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``gdf`` (EPSG:4326) with escaped string properties.

    ``properties`` maps output names to a formatter applied to the column of the same name
    (or lists column names to copy). Every value is escaped as HTML text.
    """
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        msg = f"layers draw EPSG:4326 data, got {gdf.crs}"
        raise ValueError(msg)
    spec: Mapping[str, Callable[[Any], Any] | None] = (
        properties if isinstance(properties, Mapping) else dict.fromkeys(properties)
    )
    geoms = gdf.geometry.to_numpy()
    drawn = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    # coordinates rounded in place (vertex order kept) and written by GEOS in one vectorized call
    rounded = shapely.transform(geoms[drawn], lambda xy: np.round(xy, digits))
    shapes = [json.loads(text) for text in shapely.to_geojson(rounded)]
    columns = {name: gdf[name].tolist() for name in spec}
    features = []
    for i, shape in zip(drawn.tolist(), shapes, strict=True):
        props = {}
        for name, fmt in spec.items():
            raw = columns[name][i]
            props[name] = esc(fmt(raw) if fmt is not None else raw)
        features.append({"type": "Feature", "properties": props, "geometry": shape})
    return {"type": "FeatureCollection", "features": features}


def point_collection(
    lon: np.ndarray, lat: np.ndarray, props: Mapping[str, Sequence[Any]], *, digits: int = COORD_DIGITS
) -> dict[str, Any]:
    """Point features from coordinate arrays (degrees) and already formatted property columns."""
    lon_r = np.round(np.asarray(lon, dtype=float), digits).tolist()
    lat_r = np.round(np.asarray(lat, dtype=float), digits).tolist()
    names = list(props)
    cols = [list(props[n]) for n in names]
    features = []
    for i, (x, y) in enumerate(zip(lon_r, lat_r, strict=True)):
        features.append(
            {
                "type": "Feature",
                "properties": {n: esc(c[i]) for n, c in zip(names, cols, strict=True)},
                "geometry": {"type": "Point", "coordinates": [x, y]},
            }
        )
    return {"type": "FeatureCollection", "features": features}
