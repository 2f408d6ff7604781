"""Loading the configured layers (incidents, places, streets) as canonical tables.

Readers validate what they read and turn every failure into :class:`geo.core.errors.DataError`
naming the file, so the CLI prints one line and the dashboard shows one error panel.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataError
from geo.core.projection import to_wgs84
from geo.core.schema import INCIDENT_COLUMNS, PLACE_COLUMNS, coerce_incidents, coerce_places
from geo.core.settings import get_settings
from geo.core.store import read_metadata, read_vector
from geo.data.aliases import Aliases, default_aliases, merge_places, name_key
from geo.data.stores import Window, layer_report, open_layer


def _read(path: str | Path, window: Window | None) -> gpd.GeoDataFrame:
    """A file, or a PostGIS layer's rows (``postgresql://host/db#layer``, ``window`` pushed down to SQL)."""
    stored = open_layer(path, window=window or Window())
    if stored is not None:
        return stored
    gdf = read_vector(path)
    return gdf if window is None else window.apply(gdf)


def read_layer(path: str | Path) -> gpd.GeoDataFrame:
    """Any layer as stored (a vector file, or a PostGIS layer ``postgresql://host/db#layer``), no schema applied."""
    return _read(path, None)


def load_incidents(path: str | Path, *, window: Window | None = None) -> gpd.GeoDataFrame:
    """Read an incident table in the canonical schema, optionally only the rows inside ``window``.

    ``path`` is a GeoParquet file (the store, the demo bundle) or any vector file, or a PostGIS
    layer locator (``postgresql://host/db#layer``), read with the window's period, categories
    and bounding box in the SQL.
    """
    gdf = _read(path, window)
    missing = [c for c in INCIDENT_COLUMNS if c not in gdf.columns]
    if missing:
        msg = f"{path} is not an incident table: it lacks columns {missing}"
        raise DataError(msg)
    return coerce_incidents(to_wgs84(gdf))


def incidents_metadata(path: str | Path) -> dict[str, object]:
    """Metadata stored with an incident file (empty for files without it)."""
    stored = layer_report(path)
    if stored is not None:
        return stored
    path = Path(path)
    return read_metadata(path) if path.suffix.lower() in (".parquet", ".geoparquet") else {}


def load_places(path: str | Path) -> gpd.GeoDataFrame:
    """Read a place table (parks, housing, CSP sites, boundaries) in the canonical schema (file or PostGIS layer)."""
    gdf = _read(path, None)
    missing = [c for c in PLACE_COLUMNS if c not in gdf.columns]
    if missing:
        msg = f"{path} is not a place table: it lacks columns {missing}"
        raise DataError(msg)
    return coerce_places(to_wgs84(gdf))


def load_streets(path: str | Path) -> gpd.GeoDataFrame:
    """Read the context street lines (``name`` and line geometry) from a file or a PostGIS layer."""
    gdf = _read(path, None)
    if "name" not in gdf.columns:
        msg = f"{path} is not a street layer: it lacks a 'name' column"
        raise DataError(msg)
    if not gdf.empty and not gdf.geom_type.isin(["LineString", "MultiLineString"]).all():
        msg = f"{path} is not a street layer: expected line geometry, got {sorted(set(gdf.geom_type))}"
        raise DataError(msg)
    return to_wgs84(gdf)


def place_by_name(
    places: gpd.GeoDataFrame,
    name: str,
    *,
    aliases: Aliases | None = None,
    labels: pd.Series | None = None,
    match_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The place called ``name``: its row(s) in ``places``, or a :class:`DataError` naming candidates.

    ``name`` is compared with :func:`geo.data.aliases.name_key` (case and punctuation ignored) to
    the place names, then to the pickers' labels (``labels``, e.g. ``"South Park (Park, Watts)"``
    from :func:`geo.data.labels.place_labels`), then to the ``place_id`` values, then through the
    alias table (``Harvard Park`` finds ``Jackie Tatum/Harvard Recreation Center``). Rows sharing
    one ``place_id`` are one place, and so are a development and the CSP site derived from it.
    When several places match, a polygon absorbs points of the same place within ``match_m`` metres
    (None: the configured ``workspace.match_m``; :func:`geo.data.aliases.merge_places`); if more than one
    place is left the name is ambiguous.

    Raises
    ------
    DataError
        No place matches (close names are suggested), or the name is ambiguous (the candidates'
        labels are listed; pass one of them).
    """
    if not isinstance(name, str) or not name.strip():
        msg = f"a place name must be non-empty text, got {name!r}"
        raise DataError(msg)
    al = aliases or default_aliases()
    key = name_key(name)
    names = places["name"].map(name_key)
    hit = places[(names == key).to_numpy()]
    if hit.empty and labels is not None:
        hit = places[(labels.reindex(places.index).map(name_key) == key).to_numpy()]
    if hit.empty and "place_id" in places.columns:
        hit = places[(places["place_id"].astype(str).str.casefold() == name.strip().casefold()).to_numpy()]
    if hit.empty:
        canon = al.key(name)
        hit = places[(places["name"].map(al.key) == canon).to_numpy() & (canon != "")]
    if hit.empty:
        known = sorted(places["name"].dropna().unique().tolist())
        close = [n for n in known if key in name_key(n) or (name_key(n) and name_key(n) in key)][:5]
        hint = f"; did you mean {close}?" if close else f"; known places include {known[:8]}"
        msg = f"no place named {name!r}{hint}"
        raise DataError(msg)
    if len(hit) > 1 and {"place_id", "kind"} <= set(hit.columns):
        # A CSP site derived from a development that also matched ("csp_site:<its place_id>") is that place.
        pid = hit["place_id"].astype(str)
        derived = (hit["kind"] == "csp_site") & pid.str.split(":", n=1).str[1].isin(set(pid))
        if bool((~derived).any()):
            hit = hit[~derived.to_numpy()]
    ids = hit["place_id"].astype(str) if "place_id" in hit.columns else pd.Series(hit.index.astype(str))
    if ids.nunique() > 1:
        within = get_settings().workspace.match_m if match_m is None else match_m
        merged = merge_places([hit], match_m=within, aliases=al)
        if merged["place_id"].astype(str).nunique() > 1:
            shown = labels.reindex(hit.index) if labels is not None else hit["name"] + " [" + ids + "]"
            candidates = sorted(dict.fromkeys(shown.astype(str)))
            msg = (
                f"the place name {name!r} is ambiguous: {len(candidates)} places match ({candidates[:10]}); "
                "name one by its label or its place_id (in brackets)"
            )
            raise DataError(msg)
        hit = hit[hit["place_id"].astype(str).isin(merged["place_id"].astype(str))]
    return hit
