"""Assigning incidents to a polygon layer (divisions, reporting districts, neighborhoods...).

Point-in-polygon is a topological test, so it runs in the incidents' CRS (EPSG:4326) with
the zones reprojected to it: no million-point reprojection and no measuring involved. One
spatial index is built on the zone polygons and queried with every point at once.

Rules, in order (none depends on the layer's row order):

1. **A record's own area code wins.** Where the incidents carry their source's area code
   (LAPD's ``AREA``, stored as ``area``) and the zone layer has the matching field (``PREC``
   on the LAPD division layers), the record goes to the zone with its code.
2. Otherwise geometry: a point inside one polygon's interior goes to it.
3. **Border ties** (a point on a shared border, or inside overlapping polygons): the zone
   whose key sorts first (text order of the key field) wins.

A point outside every polygon (and without a matching code) gets a missing zone.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geo.core.errors import AnalysisError
from geo.core.settings import get_settings
from geo.core.validate import check_points, positive

# Preferred key fields, most specific first (LAPD GeoHub, LA Times, council layers...).
KEY_CANDIDATES = (
    "zone",
    "name",
    "NAME",
    "Name",
    "APREC",
    "PREC",
    "REPDIST",
    "number",
    "DISTRICT",
    "district",
    "slug",
    "place_id",
)
OWN_CODE_COLUMN = "area"
ZONE_CODE_CANDIDATES = ("PREC", "prec")
POPULATION_CANDIDATES = ("population", "POPULATION", "pop", "POP", "total_pop", "TOTAL_POP")


def default_zone_key(zones: gpd.GeoDataFrame) -> str:
    """A sensible name field of a polygon layer: the first of :data:`KEY_CANDIDATES` present,
    else its first text column, else the first non-geometry column."""
    cols = [c for c in zones.columns if c != zones.geometry.name]
    for cand in KEY_CANDIDATES:
        if cand in cols:
            return cand
    for c in cols:
        if pd.api.types.is_string_dtype(zones[c]) or zones[c].dtype == object:
            return str(c)
    if cols:
        return str(cols[0])
    msg = "the zone layer has no attribute column to name its zones; give one with key="
    raise AnalysisError(msg)


def _check_layer(zones: object) -> gpd.GeoDataFrame:
    if not isinstance(zones, gpd.GeoDataFrame):
        msg = f"zones must be a GeoDataFrame of polygons, got {type(zones).__name__}"
        raise AnalysisError(msg)
    if zones.crs is None:
        msg = "zones have no CRS; expected EPSG:4326 or any CRS the file declares"
        raise AnalysisError(msg)
    if zones.empty:
        msg = "the zone layer has no features"
        raise AnalysisError(msg)
    kinds = set(zones.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        msg = f"zones must be polygons, got {sorted(kinds)}"
        raise AnalysisError(msg)
    return zones


def _check_zones(zones: object, key: str | None) -> tuple[gpd.GeoDataFrame, str]:
    layer = _check_layer(zones)
    key = key or default_zone_key(layer)
    if key not in layer.columns:
        msg = f"zones have no field {key!r}; fields: {[c for c in layer.columns if c != layer.geometry.name]}"
        raise AnalysisError(msg)
    return layer, key


def _own_codes(incidents: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, own_code: str | None) -> np.ndarray:
    """Zone position given by each record's own area code (-1 where there is none)."""
    out = np.full(len(incidents), -1, dtype=np.int64)
    if own_code is None or own_code not in incidents.columns:
        return out
    field = next((c for c in ZONE_CODE_CANDIDATES if c in zones.columns), None)
    if field is None:
        return out
    norm = zones[field].astype("string").str.strip().str.lstrip("0")
    lookup = {str(code): pos for pos, code in enumerate(norm) if not pd.isna(code)}
    codes = incidents[own_code].astype("string").str.strip().str.lstrip("0")
    for n, code in enumerate(codes):
        if not pd.isna(code) and str(code) in lookup:
            out[n] = lookup[str(code)]
    return out


def zone_index(
    incidents: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, *, key: str | None = None, own_code: str | None = None
) -> np.ndarray:
    """Position (row number in ``zones``) of the zone of each incident, -1 outside.

    Parameters
    ----------
    incidents, zones
        Points and polygons, each with a CRS (zones are reprojected to the incidents').
    key
        Field whose text order breaks border ties (default: :func:`default_zone_key`).
    own_code
        Column of the incidents holding their own area code (e.g. ``"area"``); matched to the
        zones' ``PREC`` field and preferred over geometry. None: geometry only.
    """
    check_points(incidents)
    zones = _check_layer(zones)
    key = key or default_zone_key(zones)
    poly = zones.geometry
    if CRS.from_user_input(poly.crs) != CRS.from_user_input(incidents.crs):
        poly = poly.to_crs(incidents.crs)
    out = np.full(len(incidents), -1, dtype=np.int64)
    if len(incidents) == 0:
        return out
    rank = np.empty(len(zones), dtype=np.int64)
    rank[np.argsort(zones[key].astype("string").fillna("").to_numpy(dtype=str), kind="stable")] = np.arange(len(zones))
    tree = poly.sindex
    pts = incidents.geometry.values
    pt_idx, zone_idx = tree.query(pts, predicate="intersects")
    if pt_idx.size:
        interior = np.asarray(poly.values[zone_idx].contains(pts[pt_idx]), dtype=bool)
        # interior first, then the key's text order: one answer whatever the file order
        order = np.lexsort((rank[zone_idx], ~interior, pt_idx))
        pts_sorted = pt_idx[order]
        first = np.unique(pts_sorted, return_index=True)[1]
        out[pts_sorted[first]] = zone_idx[order][first]
    own = _own_codes(incidents, zones, own_code)
    return np.where(own >= 0, own, out)


def assign_zones(
    incidents: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    key: str | None = None,
    own_code: str | None = OWN_CODE_COLUMN,
) -> pd.Series:
    """The zone key of each incident (string; missing outside every polygon).

    Parameters
    ----------
    incidents
        Point GeoDataFrame with a CRS (EPSG:4326 normally).
    zones
        Polygon layer in any CRS it declares (reprojected to the incidents' CRS).
    key
        Field naming each zone (default: :func:`default_zone_key`); its text order breaks ties.
    own_code
        The incidents' own area-code column, preferred over geometry where it matches the
        zones' ``PREC`` (None: geometry only).

    Returns
    -------
    pandas.Series
        ``string`` dtype named ``zone``, indexed like ``incidents``.
    """
    zones, key = _check_zones(zones, key)
    idx = zone_index(incidents, zones, key=key, own_code=own_code)
    keys = zones[key].astype("string").to_numpy()
    values = pd.array([keys[i] if i >= 0 else pd.NA for i in idx], dtype="string")
    return pd.Series(values, index=incidents.index, name="zone")


def zone_counts(
    incidents: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    key: str | None = None,
    population: str | None = None,
    per: float | None = None,
    own_code: str | None = OWN_CODE_COLUMN,
) -> gpd.GeoDataFrame:
    """Incidents per zone, with rates when a population column exists.

    Parameters
    ----------
    incidents
        Point GeoDataFrame with a CRS.
    zones
        Polygon layer; features sharing a key are merged.
    key
        Field naming each zone (default: :func:`default_zone_key`).
    population
        Population field; default: the first of :data:`POPULATION_CANDIDATES` present.
    per
        Rate denominator (incidents per ``per`` residents; None: the configured ``rates.per``).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per zone key sorted by count: ``zone, count`` (+ ``population,
        rate`` when a population exists) and geometry; ``attrs["outside"]`` counts the
        incidents outside every zone.
    """
    zones, key = _check_zones(zones, key)
    per = positive(get_settings().rates.per if per is None else per, "per", "residents")
    pop_col = population or next((c for c in POPULATION_CANDIDATES if c in zones.columns), None)
    if pop_col is not None and pop_col not in zones.columns:
        msg = f"zones have no population field {pop_col!r}"
        raise AnalysisError(msg)
    idx = zone_index(incidents, zones, key=key, own_code=own_code)
    keys = zones[key].astype("string")
    counts = pd.Series(np.bincount(idx[idx >= 0], minlength=len(zones)), index=zones.index)
    frame = gpd.GeoDataFrame({"zone": keys, "count": counts}, geometry=zones.geometry, crs=zones.crs)
    if pop_col is not None:
        frame["population"] = pd.to_numeric(zones[pop_col], errors="coerce")
    agg = {"count": "sum"} | ({"population": "sum"} if pop_col else {})
    out = frame.dissolve(by="zone", aggfunc=agg).reset_index()
    if pop_col is not None:
        out["rate"] = np.where(out["population"] > 0, out["count"] / out["population"] * per, np.nan)
    out = out.sort_values(["count", "zone"], ascending=[False, True]).reset_index(drop=True)
    out = out.to_crs("EPSG:4326")
    out.attrs["outside"] = int((idx < 0).sum())
    out.attrs["per"] = per
    return out
