"""The canonical tables (DESIGN.md section 4) and their validation.

Incidents: one row per incident (LAPD) or per victim (LA Times; ``source`` says which),
stored and drawn in EPSG:4326. ``occurred_at`` is timezone-aware (America/Los_Angeles);
``time_known`` is False where the source gives only a date. ``synthetic`` is True for
generated demo rows, which every view and export must say.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from geo.core.errors import DataError
from geo.core.projection import WGS84

TZ = "America/Los_Angeles"
SCHEMA_VERSION = 1

INCIDENT_DTYPES: Mapping[str, str] = {
    "incident_id": "string",
    "source": "string",
    "occurred_at": f"datetime64[ns, {TZ}]",
    "time_known": "bool",
    "offense_code": "string",
    "offense_desc": "string",
    "category": "string",
    "weapon": "string",
    "premise": "string",
    "victim_age": "Int64",
    "victim_sex": "string",
    "victim_descent": "string",
    "address_block": "string",
    "lat": "float64",
    "lon": "float64",
    "synthetic": "bool",
}
INCIDENT_COLUMNS: tuple[str, ...] = (*INCIDENT_DTYPES, "geometry")
OPTIONAL_INCIDENT_DTYPES: Mapping[str, str] = {"area": "string"}
"""Columns an incident table keeps when its source has them, missing (NA) otherwise: ``area`` is the source's own
area code (LAPD ``AREA``, the NIBRS area), which decides a record's division and the near-repeat strata."""

PLACE_DTYPES: Mapping[str, str] = {
    "place_id": "string",
    "name": "string",
    "kind": "string",
    "source": "string",
    "approximate": "bool",
}
PLACE_COLUMNS: tuple[str, ...] = (*PLACE_DTYPES, "geometry")
PLACE_KINDS = (
    "park",
    "housing",
    "csp_site",
    "division",
    "reporting_district",
    "neighborhood",
    "council_district",
    "bureau",
    "station",
    "zone",
    "own",
)


def _check_frame(gdf: object, columns: tuple[str, ...], what: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{what} must be a GeoDataFrame, got {type(gdf).__name__}"
        raise DataError(msg)
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        msg = f"{what} lacks columns {missing}; expected {list(columns)}"
        raise DataError(msg)
    if gdf.crs is None or CRS.from_user_input(gdf.crs) != CRS.from_user_input(WGS84):
        msg = f"{what} must be in EPSG:4326, got {gdf.crs}"
        raise DataError(msg)
    return gdf


def empty_incidents() -> gpd.GeoDataFrame:
    """An incident table with every canonical column and no rows."""
    df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in INCIDENT_DTYPES.items()})
    empty = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    return coerce_incidents(empty)


def coerce_incidents(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cast an incident table to the canonical dtypes and column order (raises on missing columns); the optional
    columns (:data:`OPTIONAL_INCIDENT_DTYPES`) follow the geometry, missing where the table lacks them."""
    _check_frame(gdf, INCIDENT_COLUMNS, "incident table")
    out = gdf.loc[:, list(INCIDENT_COLUMNS)].copy()
    for col, dtype in INCIDENT_DTYPES.items():
        if str(out[col].dtype) != dtype:
            out[col] = out[col].astype(dtype)
    for col, dtype in OPTIONAL_INCIDENT_DTYPES.items():
        out[col] = gdf[col].astype(dtype) if col in gdf.columns else pd.Series(pd.NA, index=out.index, dtype=dtype)
    return out


def validate_incidents(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Check an incident table against the canonical schema; return it unchanged."""
    _check_frame(gdf, INCIDENT_COLUMNS, "incident table")
    wrong = {c: str(gdf[c].dtype) for c, t in INCIDENT_DTYPES.items() if str(gdf[c].dtype) != t}
    if wrong:
        msg = f"incident table has wrong dtypes {wrong}; expected {dict(INCIDENT_DTYPES)}"
        raise DataError(msg)
    if gdf["incident_id"].duplicated().any():
        dup = gdf.loc[gdf["incident_id"].duplicated(), "incident_id"].iloc[0]
        msg = f"incident table has duplicate incident_id values (first: {dup})"
        raise DataError(msg)
    return gdf


def coerce_places(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Cast a place table to the canonical dtypes and column order (extra columns kept after)."""
    _check_frame(gdf, PLACE_COLUMNS, "place table")
    extra = [c for c in gdf.columns if c not in PLACE_COLUMNS]
    out = gdf.loc[:, [*PLACE_COLUMNS, *extra]].copy()
    for col, dtype in PLACE_DTYPES.items():
        if str(out[col].dtype) != dtype:
            out[col] = out[col].astype(dtype)
    return out


REQUEST_DTYPES: Mapping[str, str] = {
    "request_id": "string",
    "source": "string",
    "created_at": f"datetime64[ns, {TZ}]",
    "closed_at": f"datetime64[ns, {TZ}]",
    "request_type": "string",
    "condition": "string",
    "status": "string",
    "address": "string",
    "synthetic": "bool",
}
"""The City's service requests (MyLA311): one row per request, stored and drawn in EPSG:4326. ``request_type`` is the
City's own wording; ``condition`` the product's group of it (:data:`geo.core.categories.CONDITIONS`); ``status`` one of
:data:`REQUEST_STATUSES`; ``closed_at`` is NaT while a request is open (and for a cancelled one never closed)."""
REQUEST_COLUMNS: tuple[str, ...] = (*REQUEST_DTYPES, "geometry")
REQUEST_STATUSES = ("open", "closed", "cancelled", "referred")


SERVICE_DTYPES: Mapping[str, str] = {
    "service_id": "string",
    "kind": "string",
    "name": "string",
    "name_es": "string",
    "contact": "string",
    "hours": "string",
    "hours_es": "string",
    "season_from": "string",
    "season_to": "string",
    "url": "string",
    "sample": "bool",
}
"""The partnership's services registry: one row per service, stored and drawn in EPSG:4326; ``geometry`` is a point
(an office, a school, a park programme), a polygon (an intervention workers' area), a line (a Safe Passage route), or
empty for a line to call. ``season_from``/``season_to`` are ``MM-DD`` (a programme that runs every summer) or empty;
``sample`` marks the demo's example entries, which every view names as such."""
SERVICE_COLUMNS: tuple[str, ...] = (*SERVICE_DTYPES, "geometry")
SERVICE_KINDS = (
    "intervention",
    "park_programme",
    "school",
    "safe_passage",
    "youth",
    "victim_services",
    "crisis_line",
    "compensation",
)
"""Kinds of service; ``crisis_line`` and ``compensation`` may have no place (a line to call, a state office)."""


ADDRESS_DTYPES: Mapping[str, str] = {
    "address_id": "string",
    "address": "string",
    "number": "string",
    "street": "string",
    "zip": "string",
    "source": "string",
    "synthetic": "bool",
}
"""Address points (the City's "Addresses in the City of Los Angeles" export, or any ``address`` + lat/lon file): one
row per address, a point in EPSG:4326. ``address`` is the label people read (``1535 W 62nd St``), ``number`` the house
number with its fraction (``1535``, ``1535 1/2``), ``street`` the street with its direction and type (``W 62nd St``);
``synthetic`` marks the demo's generated addresses, which every view names as such."""
ADDRESS_COLUMNS: tuple[str, ...] = (*ADDRESS_DTYPES, "geometry")
