"""What kind of file is this? Detection from the file's header, and dispatch to the right loader.

Kinds (``--kind``): incidents ``lapd_csv``, ``nibrs_csv``, ``latimes_homicides``,
``latimes_police_killings``; places ``parks``, ``housing``, ``stations``, ``divisions``,
``reporting_districts``, ``neighborhoods``, ``council_districts``, ``bureaus``; the City's service requests
``myla311``; the partnership's services ``services``.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from geo.core.errors import DataError
from geo.core.store import read_vector
from geo.data.sources import lapd, latimes, myla311, nibrs, places, services
from geo.data.sources._accounting import LoadResult
from geo.data.sources._csv import head_bytes, norm_key, read_head

INCIDENT_KINDS = ("lapd_csv", "nibrs_csv", "latimes_homicides", "latimes_police_killings")
PLACE_KINDS = tuple(places.PLACE_KIND_OF)
REQUEST_KINDS = (myla311.KIND,)
SERVICE_KINDS = (services.KIND,)
KINDS = (*INCIDENT_KINDS, *PLACE_KINDS, *REQUEST_KINDS, *SERVICE_KINDS)
_VECTOR = (".shp", ".gpkg", ".geojson", ".parquet", ".geoparquet", ".zip")
_EXCEL = (".xlsx", ".xlsm")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return Path(name[:-3]).suffix if name.endswith(".gz") else path.suffix.lower()


def _json_kind(path: Path) -> str:
    head = head_bytes(path, 4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") and b"FeatureCollection" in head_bytes(path, 1 << 16):
        return "vector"
    if head.startswith(b"["):
        try:
            first = json.loads(head_bytes(path, latimes.MAX_JSON_BYTES).decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            msg = f"{path} is not valid JSON ({exc})"
            raise DataError(msg) from exc
        if first and isinstance(first[0], dict) and all(k in first[0] for k in latimes.HOMICIDE_FIELDS):
            return "latimes_homicides"
        keys = sorted(first[0])[:8] if first and isinstance(first[0], dict) else []
        msg = (
            f"cannot tell what kind of JSON file {path.name} is (first record keys {keys}); "
            "ingest reads LA Times Homicide Report victims (case_number, death_date, latitude, longitude) "
            "and GeoJSON FeatureCollections"
        )
        raise DataError(msg)
    msg = f"{path} is not a JSON array or GeoJSON FeatureCollection"
    raise DataError(msg)


def detect_kind(path: str | Path) -> str:
    """The ingest kind of ``path`` from its extension and header (see module docstring).

    Raises
    ------
    DataError
        The file cannot be read, or it is not a kind ingest understands; the message says what it saw.
    """
    path = Path(path)
    suffix = _suffix(path)
    if suffix in _EXCEL:
        return "housing"
    if suffix == ".json":
        kind = _json_kind(path)
        if kind != "vector":
            return kind
        suffix = ".geojson"
    if suffix == ".zip":
        check_archive(path)
    if suffix in _VECTOR:
        return _vector_kind(path)
    return _table_kind(path)


_ZIPPED_VECTOR = (".shp", ".gpkg", ".geojson")


def check_archive(path: Path) -> None:
    """Accept a .zip that holds one vector layer (a zipped shapefile, GeoPackage or GeoJSON, read in place); refuse
    any other archive with one line saying what it holds and what to do."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/") and "__MACOSX" not in m]
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{path.name} is not a readable .zip archive ({exc})"
        raise DataError(msg) from exc
    layers = [m for m in members if Path(m).suffix.lower() in _ZIPPED_VECTOR]
    if len(layers) == 1:
        return
    shown = ", ".join(members[:5]) + (", ..." if len(members) > 5 else "") or "nothing"
    if layers:
        msg = f"{path.name} holds {len(layers)} layers ({shown}); unzip it and ingest each file on its own"
    else:
        msg = (
            f"{path.name} holds {shown}, not a zipped shapefile, GeoPackage or GeoJSON; unzip it and ingest the file "
            "(a CSV may also be gzipped: .csv.gz is read directly)"
        )
    raise DataError(msg)


def _vector_kind(path: Path) -> str:
    """The place kind of the vector file ``path``, guessed from its attributes and name."""
    gdf = read_vector(path)
    keys = {norm_key(str(c)) for c in gdf.columns} | {"geometry"}
    if services.looks_like(keys):
        return services.KIND
    guessed = places.guess_place_kind(keys, hint=path.stem)
    if guessed is None:
        msg = f"cannot tell what kind of places {path.name} holds (attributes {sorted(keys)[:12]}); pass --kind"
        raise DataError(msg)
    return guessed


def _table_kind(path: Path) -> str:
    """The kind of the table (CSV) ``path`` from its header: an incident export, or places with coordinates."""
    head = read_head(path)
    keys = set(head.keys)
    if lapd.looks_like(keys):
        return "lapd_csv"
    if nibrs.looks_like(keys):
        return "nibrs_csv"
    if myla311.looks_like(keys):
        return myla311.KIND
    if services.looks_like(keys):
        return services.KIND
    if all(k in keys for k in latimes.POLICE_FIELDS):
        return "latimes_police_killings"
    if "neighbor" in keys:
        msg = (
            f"{path.name} is an OpenStreetMap node adjacency list (TrojanMap), not incidents or places; "
            "the walking network comes from osmnx"
        )
        raise DataError(msg)
    if "repdist" in keys and not ({"x", "y", "lat", "lon"} & keys):
        msg = f"{path.name} is a reporting-district attribute table with no geometry; use the district shapefile"
        raise DataError(msg)
    has_xy = any(k in keys for k in places.LAT_KEYS) and any(k in keys for k in places.LON_KEYS)
    if has_xy:
        guessed = places.guess_place_kind(keys, hint=path.stem)
        if guessed in ("housing", "stations"):
            return guessed
        if "name" in keys:
            return "parks"
    msg = (
        f"cannot tell what kind of file {path.name} is from its header {head.raw_names[:10]}; "
        f"pass --kind, one of {list(KINDS)}"
    )
    raise DataError(msg)


def load(path: str | Path, *, kind: str | None = None) -> LoadResult:
    """Load any file ingest understands into canonical rows with full accounting.

    Parameters
    ----------
    path
        A CSV (plain or ``.gz``), JSON, GeoJSON, shapefile, GeoPackage, GeoParquet or xlsx file.
    kind
        One of :data:`KINDS`; detected from the header when None.
    """
    path = Path(path)
    if kind is not None and kind not in KINDS:
        msg = f"unknown kind {kind!r}; expected one of {list(KINDS)}"
        raise DataError(msg)
    suffix = _suffix(path)
    if suffix == ".zip":
        check_archive(path)
    kind = kind or detect_kind(path)
    if kind == "lapd_csv":
        return lapd.load_csv(path)
    if kind == "nibrs_csv":
        return nibrs.load_csv(path)
    if kind == "latimes_homicides":
        return latimes.load_homicides(path)
    if kind == "latimes_police_killings":
        return latimes.load_police_killings(path)
    if kind == myla311.KIND:
        return myla311.load_csv(path)
    if kind == services.KIND:
        return services.load_services(path)
    if suffix in _EXCEL:
        return places.load_excel(path, kind=kind)
    if suffix in (*_VECTOR, ".json"):
        return places.load_vector(path, kind=kind)
    return places.load_points_csv(path, kind=kind)
