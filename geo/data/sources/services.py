"""The partnership's services registry from the CSV or GeoJSON it keeps (and from the Data page's editor), into the
canonical service table (:data:`geo.core.schema.SERVICE_DTYPES`) with every row accounted for.

A CSV has a column per field (``service_id``, ``kind``, ``name``, ``name_es``, ``contact``, ``hours``, ``hours_es``,
``season_from``, ``season_to``, ``url``; header case and punctuation ignored) and its place as ``lat``/``lon`` (a
point) or ``wkt`` (any geometry, EPSG:4326); a GeoJSON file or other vector layer has the same properties. ``kind``
is one of :data:`geo.core.schema.SERVICE_KINDS`, in English as stored (``park_programme``) or as the label people read
("Park programme").

Reasons a row is set aside (the first that applies): ``missing_id``, ``unknown_kind``, ``missing_name``,
``missing_contact``, ``bad_season`` (not ``MM-DD``), ``bad_url`` (not http or https), ``too_long`` (a field over
:data:`MAX_CHARS`), ``no_geometry`` (a kind that needs a place), ``bad_geometry`` (unreadable WKT, or a route that is
not a line), ``outside_la_county``, ``duplicate_id`` (the first row of an id is kept).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import DataError
from geo.core.i18n import catalog
from geo.core.projection import WGS84, to_wgs84
from geo.core.schema import SERVICE_DTYPES, SERVICE_KINDS
from geo.core.store import read_vector
from geo.data.sources._accounting import QUARANTINE_FIRST, LoadResult, in_la_county
from geo.data.sources._csv import norm_key

KIND = "services"
SOURCE = "services_file"
NO_PLACE_KINDS = frozenset({"crisis_line", "compensation"})
"""Kinds that may have no place: a line to call, a state office that serves by phone and mail."""
ROUTE_KINDS = frozenset({"safe_passage"})
"""Kinds whose place is a route (a line)."""
MAX_CHARS = 200
"""The longest a field may be (a name, a contact, hours): what fits a line of the handout's services block."""
TEXT_FIELDS = tuple(c for c in SERVICE_DTYPES if c != "sample")
_KEY_OF = {norm_key(c): c for c in TEXT_FIELDS} | {"id": "service_id", "type": "kind", "phone": "contact"}
_SEASON = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_URL = re.compile(r"^https?://[^\s<>\"']+$")
_KIND_OF = {norm_key(k): k for k in SERVICE_KINDS} | {
    norm_key(catalog(lang).get(f"services.kind.{k}", k)): k for lang in ("en", "es") for k in SERVICE_KINDS
}
"""A kind as stored (``park_programme``) or as people read it, in English or Spanish ("Line to call")."""


def looks_like(keys: set[str]) -> bool:
    """True if normalised header ``keys`` are those of a services registry (a kind, a name and a contact)."""
    return {"kind", "name", "contact"} <= keys and bool({"serviceid", "id"} & keys)


def _texts(df: pd.DataFrame) -> pd.DataFrame:
    """The registry's fields as text (``""`` where absent), from any column names."""
    cols = {_KEY_OF[norm_key(str(c))]: c for c in df.columns if norm_key(str(c)) in _KEY_OF}
    out = pd.DataFrame(index=df.index)
    for field in TEXT_FIELDS:
        src = cols.get(field)
        values = df[src] if src is not None else pd.Series("", index=df.index)
        out[field] = values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())
    return out


def _geometry_of(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's geometry (None where none is given) and whether what was given could not be read."""
    keys = {norm_key(str(c)): c for c in df.columns}
    n = len(df)
    geoms = np.full(n, None, dtype=object)
    bad = np.zeros(n, dtype=bool)
    if "geometry" in df.columns and isinstance(df, gpd.GeoDataFrame):
        geoms[:] = np.asarray(df.geometry.array, dtype=object)
    wkt = keys.get("wkt")
    if wkt is not None:
        text = df[wkt].fillna("").astype(str).str.strip().to_numpy()
        for i in np.flatnonzero(text != ""):
            try:
                geoms[i] = shapely.from_wkt(text[i])
            except shapely.errors.GEOSException:
                bad[i] = True
    lat_key = next((keys[k] for k in ("lat", "latitude") if k in keys), None)
    lon_key = next((keys[k] for k in ("lon", "lng", "longitude") if k in keys), None)
    if lat_key is not None and lon_key is not None:
        lat = pd.to_numeric(df[lat_key], errors="coerce").to_numpy(dtype=float)
        lon = pd.to_numeric(df[lon_key], errors="coerce").to_numpy(dtype=float)
        given = df[lat_key].astype(str).str.strip().ne("").to_numpy() | df[lon_key].astype(str).str.strip().ne("")
        ok = np.isfinite(lat) & np.isfinite(lon)
        for i in np.flatnonzero(ok & np.array([g is None for g in geoms])):
            geoms[i] = shapely.Point(lon[i], lat[i])
        bad |= np.asarray(given, dtype=bool) & ~ok & np.array([g is None for g in geoms])
    return geoms, bad


def _reasons(texts: pd.DataFrame, geoms: np.ndarray, unreadable: np.ndarray) -> np.ndarray:
    n = len(texts)
    reason = np.full(n, "", dtype=object)

    def mark(mask: Any, why: str) -> None:
        reason[(reason == "") & np.asarray(mask, dtype=bool)] = why

    kinds = texts["kind"].map(lambda k: _KIND_OF.get(norm_key(k), ""))
    texts["kind"] = kinds
    mark(texts["service_id"].eq(""), "missing_id")
    mark(kinds.eq(""), "unknown_kind")
    mark(texts["name"].eq(""), "missing_name")
    mark(texts["contact"].eq(""), "missing_contact")
    for col in ("season_from", "season_to"):
        mark(texts[col].ne("") & ~texts[col].str.match(_SEASON), "bad_season")
    mark(texts["season_from"].eq("") != texts["season_to"].eq(""), "bad_season")
    mark(texts["url"].ne("") & ~texts["url"].str.match(_URL), "bad_url")
    mark(texts.apply(lambda col: col.str.len() > MAX_CHARS).any(axis=1), "too_long")
    empty = np.array([g is None or g.is_empty for g in geoms])
    mark(empty & ~unreadable & ~kinds.isin(NO_PLACE_KINDS).to_numpy(), "no_geometry")
    is_line = np.array([g is not None and g.geom_type in ("LineString", "MultiLineString") for g in geoms])
    mark(unreadable | (kinds.isin(ROUTE_KINDS).to_numpy() & ~empty & ~is_line), "bad_geometry")
    points = np.array([g.representative_point() if g is not None and not g.is_empty else None for g in geoms])
    x = np.array([p.x if p is not None else np.nan for p in points])
    y = np.array([p.y if p is not None else np.nan for p in points])
    with np.errstate(invalid="ignore"):
        mark(~empty & ~in_la_county(x, y), "outside_la_county")
    kept_ids = texts["service_id"].where(reason == "")
    mark(kept_ids.notna() & kept_ids.duplicated(keep="first"), "duplicate_id")
    return reason


SAMPLE_WORDS = frozenset({"true", "1", "yes", "y", "sample", "example"})
"""A ``sample`` column's values that mark an example entry (a registry saved from the demo's examples keeps them)."""


def _marked(frame: pd.DataFrame) -> np.ndarray:
    """True where the input marks a row as an example entry (a ``sample`` column; none: nowhere)."""
    column = next((c for c in frame.columns if norm_key(str(c)) == "sample"), None)
    if column is None:
        return np.zeros(len(frame), dtype=bool)
    values = frame[column]
    if values.dtype == bool:
        return values.to_numpy(dtype=bool)
    return values.astype(str).str.strip().str.lower().isin(SAMPLE_WORDS).to_numpy()


def check_services(
    frame: pd.DataFrame, *, origin: str, source: str = SOURCE, sample: bool | np.ndarray = False
) -> LoadResult:
    """Check a registry's rows (any column names as described in the module docstring, a ``geometry`` column in
    EPSG:4326 or ``lat``/``lon``/``wkt``) and return the canonical services with every row accounted for; the editor
    and the file loader both call this, so a row the editor saves is a row a file may hold."""
    frame = frame.reset_index(drop=True)
    if isinstance(frame, gpd.GeoDataFrame) and frame.crs is not None:
        frame = to_wgs84(frame)
    texts = _texts(frame)
    geoms, unreadable = _geometry_of(frame)
    reason = _reasons(texts, geoms, unreadable)
    keep = reason == ""
    out = pd.DataFrame({c: texts.loc[keep, c].astype("string") for c in TEXT_FIELDS})
    flags = np.broadcast_to(np.asarray(sample, dtype=bool), (len(frame),)) | _marked(frame)
    out["sample"] = flags[keep]
    gdf = gpd.GeoDataFrame(out.reset_index(drop=True), geometry=list(geoms[keep]), crs=WGS84)
    raw = frame.drop(columns=[c for c in ("geometry",) if c in frame.columns]).astype(str).loc[~keep]
    if isinstance(frame, gpd.GeoDataFrame):
        raw["wkt"] = [g.wkt if g is not None else "" for g in geoms[~keep]]
    raw.insert(0, "reason", reason[~keep])
    raw.insert(0, "source_row", pd.array(np.flatnonzero(~keep) + 1, dtype="Int64"))
    quarantine = raw[[*QUARANTINE_FIRST, *[c for c in raw.columns if c not in QUARANTINE_FIRST]]].reset_index(drop=True)
    dropped = {str(k): int(v) for k, v in pd.Series(reason[~keep]).value_counts().items()}
    return LoadResult(
        kind=KIND,
        table="services",
        source=source,
        origin=origin,
        frame=gdf,
        quarantine=quarantine,
        rows_in=len(frame),
        dropped=dropped,
    ).check()


def load_services(path: str | Path) -> LoadResult:
    """Read a services registry from a CSV (plain, UTF-8 or Windows-1252) or a vector file (GeoJSON, GeoPackage,
    shapefile, GeoParquet).

    Raises
    ------
    DataError
        The file cannot be read, or it lacks a kind, a name or a contact column (the message names them).
    """
    path = Path(path)
    if path.suffix.lower() == ".csv":
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="cp1252")
        except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError) as exc:
            msg = f"{path} cannot be read as a CSV ({exc})"
            raise DataError(msg) from exc
    else:
        frame = read_vector(path)
    keys = {norm_key(str(c)) for c in frame.columns}
    if not looks_like(keys):
        msg = (
            f"{path.name} is not a services registry: it needs the columns service_id, kind, name and contact "
            f"(got {sorted(frame.columns.astype(str))[:12]})"
        )
        raise DataError(msg)
    if not len(frame):
        msg = f"{path} has a header but no services"
        raise DataError(msg)
    return check_services(frame, origin=str(path))
