"""Loading the configured layers (incidents, places, streets) as canonical tables.

Readers validate what they read and turn every failure into :class:`geo.core.errors.DataError`
naming the file, so the CLI prints one line and the dashboard shows one error panel.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd

from geo.core.errors import DataError
from geo.core.projection import to_wgs84
from geo.core.schema import INCIDENT_COLUMNS, PLACE_COLUMNS, coerce_incidents, coerce_places
from geo.core.store import read_metadata, read_vector


def load_incidents(path: str | Path) -> gpd.GeoDataFrame:
    """Read an incident table (GeoParquet from the store or the demo bundle) in the canonical schema."""
    path = Path(path)
    gdf = read_vector(path)
    missing = [c for c in INCIDENT_COLUMNS if c not in gdf.columns]
    if missing:
        msg = f"{path} is not an incident table: it lacks columns {missing}"
        raise DataError(msg)
    return coerce_incidents(to_wgs84(gdf))


def incidents_metadata(path: str | Path) -> dict[str, object]:
    """Metadata stored with an incident file (empty for files without it)."""
    path = Path(path)
    return read_metadata(path) if path.suffix.lower() in (".parquet", ".geoparquet") else {}


def load_places(path: str | Path) -> gpd.GeoDataFrame:
    """Read a place table (parks, housing, CSP sites, boundaries) in the canonical schema."""
    path = Path(path)
    gdf = read_vector(path)
    missing = [c for c in PLACE_COLUMNS if c not in gdf.columns]
    if missing:
        msg = f"{path} is not a place table: it lacks columns {missing}"
        raise DataError(msg)
    return coerce_places(to_wgs84(gdf))


def load_streets(path: str | Path) -> gpd.GeoDataFrame:
    """Read the context street lines (``name`` and line geometry)."""
    path = Path(path)
    gdf = read_vector(path)
    if "name" not in gdf.columns:
        msg = f"{path} is not a street layer: it lacks a 'name' column"
        raise DataError(msg)
    if not gdf.empty and not gdf.geom_type.isin(["LineString", "MultiLineString"]).all():
        msg = f"{path} is not a street layer: expected line geometry, got {sorted(set(gdf.geom_type))}"
        raise DataError(msg)
    return to_wgs84(gdf)


def place_by_name(places: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """The rows of ``places`` named ``name`` (case-insensitive); raise with close names if none."""
    key = name.strip().casefold()
    hit = places[places["name"].str.casefold() == key]
    if hit.empty:
        names = sorted(places["name"].dropna().unique().tolist())
        close = [n for n in names if key in n.casefold() or n.casefold() in key][:5]
        hint = f"; did you mean {close}?" if close else f"; known places include {names[:8]}"
        msg = f"no place named {name!r}{hint}"
        raise DataError(msg)
    return hit
