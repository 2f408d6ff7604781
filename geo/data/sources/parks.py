"""Park polygons from the City of LA (ArcGIS ``LARAP_Parks_040220``) and OpenStreetMap (osmnx).

- City of LA Recreation and Parks: a FeatureServer layer fetched with
  :func:`geo.data.sources.arcgis.fetch_layer` (configured in ``sources.arcgis_layers``; a layer whose
  name or URL mentions ``larap`` gets ``source = "larap"``). :func:`from_larap_features` reads the
  same GeoJSON features from a recorded answer.
- OpenStreetMap: ``leisure=park`` features around a point through
  ``osmnx.features_from_point`` (injectable, so tests use a recorded answer and no network).
  Only polygons are kept: an OSM park mapped as a node has no outline, and CPAD already gives
  park points. ``place_id`` is ``park:osm-<element>-<id>``; ``source = "osm"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import DataError, SourceError
from geo.core.projection import WGS84, to_wgs84
from geo.data.sources import arcgis
from geo.data.sources._accounting import LoadResult, PlaceAccountant

SOURCE_LARAP = "larap"
LARAP_LAYER = "LARAP_Parks_040220"
SOURCE_OSM = "osm"
OSM_TAGS: dict[str, bool | str | list[str]] = {"leisure": "park"}
OSM_NOTE = "OpenStreetMap leisure=park polygons (osmnx); (c) OpenStreetMap contributors, ODbL."

FeaturesFetcher = Callable[..., gpd.GeoDataFrame]


def from_larap_features(features: list[dict[str, Any]], *, origin: str) -> LoadResult:
    """Canonical park places (``source = "larap"``) from City of LA park features (GeoJSON dicts).

    Raises
    ------
    SourceError
        No features, or features that are not GeoJSON.
    """
    return arcgis.features_to_places(features, origin=origin, name=LARAP_LAYER, kind="parks")


def from_osm_features(gdf: gpd.GeoDataFrame, *, origin: str) -> LoadResult:
    """Canonical park places from an osmnx features table (index ``element``/``id``, ``name``).

    Unnamed parks are kept with the name ``OSM park <id>``; points and lines are dropped as
    ``not_a_polygon``.
    """
    if gdf.crs is None:
        msg = f"{origin}: the OSM features have no CRS"
        raise DataError(msg)
    frame = to_wgs84(gdf).reset_index()
    for col in ("element", "id"):
        if col not in frame.columns:
            msg = f"{origin}: not an osmnx features table (no {col!r} in its index or columns)"
            raise DataError(msg)
    osm_id = frame["element"].astype(str) + "-" + frame["id"].astype(str)
    names = frame["name"] if "name" in frame.columns else pd.Series(None, index=frame.index, dtype="object")
    name = names.where(names.notna() & (names.astype(str).str.strip() != ""), "OSM park " + frame["id"].astype(str))
    staged = gpd.GeoDataFrame(
        {
            "place_id": ("park:osm-" + osm_id).astype("string"),
            "name": name.astype("string"),
            "kind": "park",
            "source": SOURCE_OSM,
            "approximate": False,
            "zone_key": pd.Series(pd.NA, index=frame.index, dtype="string"),
            "osm_id": osm_id.astype("string"),
        },
        geometry=frame.geometry.array,
        crs=WGS84,
    )
    raw = pd.DataFrame({"osm_id": osm_id, "name": name.astype(str), "geometry_wkt": frame.geometry.to_wkt()})
    areal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy(dtype=bool)
    preset = np.where(areal, "", "not_a_polygon")
    acc = PlaceAccountant(kind="parks", source=SOURCE_OSM, origin=origin)
    acc.notes["licence"] = OSM_NOTE
    acc.add(staged, raw, source_row=np.arange(1, len(staged) + 1), preset=preset, points_in_county=False)
    return acc.result()


def fetch_osm_parks(
    lat: float, lon: float, dist_m: float, *, features_from_point: FeaturesFetcher | None = None
) -> LoadResult:
    """OSM park polygons within ``dist_m`` metres of ``(lat, lon)`` (degrees, EPSG:4326) via osmnx.

    Raises
    ------
    SourceError
        osmnx cannot reach Overpass or finds nothing.
    """
    if not (np.isfinite(lat) and np.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"({lat}, {lon}) is not a latitude/longitude in degrees"
        raise DataError(msg)
    if not np.isfinite(dist_m) or dist_m <= 0:
        msg = f"dist_m must be a positive distance in metres, got {dist_m!r}"
        raise DataError(msg)
    if features_from_point is None:
        import osmnx as ox  # imported here: loading osmnx takes a second

        features_from_point = ox.features_from_point
    origin = f"osmnx features_from_point({lat:.5f}, {lon:.5f}, dist={dist_m:g}, tags={OSM_TAGS})"
    try:
        gdf = features_from_point((lat, lon), tags=OSM_TAGS, dist=dist_m)
    except Exception as exc:  # osmnx raises its own and requests' errors
        msg = f"{origin} failed: {type(exc).__name__}: {exc}"
        raise SourceError(msg) from exc
    return from_osm_features(gdf, origin=origin)
