"""ArcGIS FeatureServer layers (City of LA GeoHub, LA County, HUD) as canonical places.

A layer URL ends in ``.../FeatureServer/<n>``; features are requested from ``<url>/query`` with
``where=1=1&outFields=*&outSR=4326&f=geojson`` and paged with ``resultOffset`` while the server says
``exceededTransferLimit`` (at the top level or under ``properties``).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd

from geo.core.errors import SourceError
from geo.core.projection import WGS84
from geo.data.sources import places
from geo.data.sources._accounting import LoadResult
from geo.data.sources._http import Client, Progress

MAX_PAGES = 1_000


def _exceeded(data: dict[str, Any]) -> bool:
    props = data.get("properties") or {}
    return bool(data.get("exceededTransferLimit") or (isinstance(props, dict) and props.get("exceededTransferLimit")))


def fetch_features(
    client: Client, url: str, *, where: str = "1=1", progress: Progress | None = None, what: str = ""
) -> list[dict[str, Any]]:
    """Every GeoJSON feature of a FeatureServer layer (EPSG:4326), following ``resultOffset`` pages.

    Raises
    ------
    SourceError
        An ArcGIS error object, a non-GeoJSON answer, or a failed page after retries.
    """
    query = url.rstrip("/")
    if not query.endswith("/query"):
        query += "/query"
    label = what or url
    features: list[dict[str, Any]] = []
    for page in range(MAX_PAGES):
        params = {"where": where, "outFields": "*", "outSR": 4326, "f": "geojson", "resultOffset": len(features)}
        data = client.get_json(query, params=params, what=label)
        if not isinstance(data, dict):
            msg = f"{label}: expected a GeoJSON object, got {type(data).__name__}"
            raise SourceError(msg)
        if "error" in data:
            err = data["error"] if isinstance(data["error"], dict) else {"message": data["error"]}
            msg = f"{label}: ArcGIS error {err.get('code', '')}: {err.get('message', err)}"
            raise SourceError(msg)
        page_features = data.get("features")
        if not isinstance(page_features, list):
            msg = f"{label}: the answer has no 'features' list (not GeoJSON)"
            raise SourceError(msg)
        features.extend(page_features)
        if progress is not None:
            progress(f"{label}: page {page + 1}, {len(features):,} features")
        if not _exceeded(data) or not page_features:
            return features
    msg = f"{label}: more than {MAX_PAGES} pages"
    raise SourceError(msg)


def features_frame(features: list[dict[str, Any]], *, what: str) -> gpd.GeoDataFrame:
    """GeoJSON features as a GeoDataFrame (EPSG:4326); no features or bad GeoJSON raise :class:`SourceError`."""
    if not features:
        msg = f"{what}: the layer returned no features"
        raise SourceError(msg)
    try:
        return gpd.GeoDataFrame.from_features(features, crs=WGS84)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        msg = f"{what}: the features are not valid GeoJSON ({exc})"
        raise SourceError(msg) from exc


def features_to_places(
    features: list[dict[str, Any]], *, origin: str, name: str, kind: str | None = None
) -> LoadResult:
    """Canonical places from FeatureServer GeoJSON features (EPSG:4326), fetched or recorded.

    ``source`` is ``larap`` for the City of LA park layer (``LARAP_Parks_...`` in ``name`` or
    ``origin``), else ``arcgis``.

    Raises
    ------
    SourceError
        No features, or features that are not GeoJSON.
    """
    gdf = features_frame(features, what=name)
    source = "larap" if "larap" in f"{name} {origin}".lower() else "arcgis"
    return places.from_frame(gdf, kind=kind, source=source, origin=origin, hint=name)


def fetch_layer(
    client: Client, url: str, *, name: str, kind: str | None = None, progress: Progress | None = None
) -> LoadResult:
    """Fetch a FeatureServer layer into canonical places (:func:`features_to_places`)."""
    features = fetch_features(client, url, progress=progress, what=name)
    return features_to_places(features, origin=url, name=name, kind=kind)
