"""Address points into the canonical address table (:data:`geo.core.schema.ADDRESS_DTYPES`), every row accounted for.

Two layouts, told apart by their header (case and punctuation ignored):

- the City of LA's "Addresses in the City of Los Angeles" export (data.lacity.org ``4ca8-mxuh``, the Bureau of
  Engineering's house-number points): ``HSE_ID, PIN, PIND, HSE_NBR, HSE_FRAC_NBR, HSE_DIR_CD, STR_NM, STR_SFX_CD,
  STR_SFX_DIR_CD, UNIT_RANGE, ZIP_CD, X_COORD_NBR, Y_COORD_NBR, ASGN_STTS_IND, ENG_DIST, CNCL_DIST, LON, LAT``
  (``STR_NM`` upper case, ``AVENUE 45`` or ``62ND``; the street reads ``W 62nd St``; ``X/Y_COORD_NBR`` are State
  Plane feet and are not read);
- any CSV, GeoJSON, shapefile or GeoParquet with an ``address`` column (``1535 W 62nd St, Los Angeles, CA 90047``)
  and ``lat``/``lon`` columns (also ``latitude``, ``longitude``, ``lng``) or point geometry; optional ``zip``,
  ``source`` and ``synthetic`` columns are kept (the demo's generated addresses carry ``synthetic = True``).

Reasons a row is set aside (the first that applies): ``malformed_row`` (a CSV line that does not split),
``missing_number`` (no house number), ``missing_street``, ``no_coordinates``, ``zero_coordinates``,
``outside_la_county``, ``duplicate_address`` (the same number, street and ZIP code as an earlier kept row; the first
is kept). ``rows_in == rows_kept + sum(dropped)`` always holds and the quarantine holds every row set aside.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.bulk import points_from_xy
from geo.core.errors import DataError
from geo.core.projection import WGS84, to_wgs84
from geo.core.schema import ADDRESS_DTYPES
from geo.core.store import read_vector
from geo.data.sources import lapd, latimes, myla311, nibrs, places, services
from geo.data.sources._accounting import QUARANTINE_FIRST, LoadResult, Table, in_la_county
from geo.data.sources._csv import CsvHead, head_bytes, iter_csv_blocks, norm_key, note_encoding, read_head
from geo.data.streetnames import number_key, split_address, street_words, tidy_street

KIND = "addresses"
TABLE: Table = "addresses"  # the address table, beside incidents, places, requests and services
SOURCE_CITY = "lacity_addresses"
SOURCE_FILE = "address_file"
CITY_KEYS = ("hsenbr", "strnm")
"""Normalised header keys of the City's export (its house number and street name)."""
ADDRESS_KEYS = ("address", "fulladdress", "streetaddress", "addr")
LAT_KEYS = ("lat", "latitude")
LON_KEYS = ("lon", "lng", "long", "longitude")
ZIP_KEYS = ("zip", "zipcd", "zipcode", "postcode", "postalcode")
NAME_KEYS = frozenset({"name", "parkname", "pname", "unitname", "developmentname", "projectname"})
"""Columns that name a place: a file with one holds places with their addresses, not address points."""
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "t"})
VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".parquet", ".geoparquet", ".zip")


def _first(keys: dict[str, str] | set[str], options: tuple[str, ...]) -> str | None:
    return next((k for k in options if k in keys), None)


def looks_like(keys: set[str], *, geometry: bool = False, hint: str = "") -> bool:
    """True if normalised header ``keys`` are those of address points (see the module docstring): the City's export,
    or an address column with coordinates (``geometry``: the layer has point geometry); never a file another loader
    reads (incident exports, 311 requests, the services registry, named places such as HUD's developments or parks;
    ``hint`` is the file's name, as :func:`geo.data.sources.places.guess_place_kind` reads it)."""
    placed = geometry or (_first(keys, LAT_KEYS) is not None and _first(keys, LON_KEYS) is not None)
    if not placed:
        return False
    if set(CITY_KEYS) <= keys:
        return True
    others = lapd.looks_like(keys) or nibrs.looks_like(keys) or myla311.looks_like(keys) or services.looks_like(keys)
    victims = all(k in keys for k in latimes.POLICE_FIELDS)
    named = bool(NAME_KEYS & keys) or places.guess_place_kind(keys, hint=hint) is not None
    return _first(keys, ADDRESS_KEYS) is not None and not others and not victims and not named


def detect(path: str | Path) -> bool:
    """Whether the file ``path`` holds address points, from its header (or its layer's fields) alone."""
    path = Path(path)
    name = path.name.lower()
    try:
        if name.endswith((".csv", ".csv.gz", ".txt")):
            return looks_like(set(read_head(path).keys), hint=path.stem)
        if name.endswith((".parquet", ".geoparquet")):
            import pyarrow.parquet as pq

            fields = pq.read_schema(path).names
        elif name.endswith(VECTOR_SUFFIXES):
            if name.endswith(".json") and b"FeatureCollection" not in head_bytes(path, 1 << 16):
                return False
            import pyogrio

            fields = list(pyogrio.read_info(path)["fields"])
        else:
            return False
    except (DataError, OSError, ValueError, RuntimeError):
        return False
    return looks_like({norm_key(str(f)) for f in fields if str(f) != "geometry"}, geometry=True, hint=path.stem)


def _column(frame: pd.DataFrame, keys: dict[str, str], options: tuple[str, ...]) -> pd.Series:
    key = _first(keys, options)
    if key is None:
        return pd.Series("", index=frame.index, dtype="str")
    return frame[keys[key]].fillna("").astype(str).str.strip()


def _numbers(values: pd.Series) -> np.ndarray:
    return np.asarray(pd.to_numeric(values.replace("", np.nan), errors="coerce"), dtype=float)


def _city_parts(frame: pd.DataFrame, keys: dict[str, str]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """House number (with its fraction), street as people read it, and ID of each row of the City's export."""
    number = (_column(frame, keys, ("hsenbr",)) + " " + _column(frame, keys, ("hsefracnbr",))).str.strip()
    parts = [_column(frame, keys, (k,)) for k in ("hsedircd", "strnm", "strsfxcd", "strsfxdircd")]
    joined = parts[0] + "|" + parts[1] + "|" + parts[2] + "|" + parts[3]
    tidy = {j: tidy_street(*j.split("|")) for j in joined.unique()}  # one street per distinct spelling
    street = joined.map(tidy).astype(str)
    hse_id = _column(frame, keys, ("hseid",))
    ids = ("lacity:" + hse_id).where(hse_id != "", "")
    return number, street, ids


def _file_parts(frame: pd.DataFrame, keys: dict[str, str]) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """House number, street, ZIP code (from the text when no column gives one) and ID of each row of an address
    file."""
    text = _column(frame, keys, ADDRESS_KEYS)
    split: dict[str, tuple[str, str, str]] = {}
    for t in text.unique():
        parts = split_address(t)
        split[t] = (parts.number, _street_as_read(parts.street), parts.zip or "") if parts else ("", "", "")
    number, street, code = (text.map({t: p[i] for t, p in split.items()}).astype(str) for i in range(3))
    given = _column(frame, keys, ZIP_KEYS)
    ids = _column(frame, keys, ("addressid", "id"))
    return number, street, given.where(given != "", code), ids


def _street_as_read(street: str) -> str:
    """A street from an address file: as written, or as :func:`tidy_street` writes it when written in capitals."""
    return tidy_street(street) if street.isupper() else street


def stage(frame: pd.DataFrame, keys: dict[str, str], *, geometry: gpd.GeoSeries | None = None) -> pd.DataFrame:
    """Canonical address columns (plus ``lat``/``lon`` in degrees, EPSG:4326, NaN where absent and ``_key``, the
    address as compared) of one block of raw rows (all text) in either layout."""
    city = set(CITY_KEYS) <= set(keys)
    if city:
        number, street, ids = _city_parts(frame, keys)
        code = _column(frame, keys, ZIP_KEYS)
    else:
        number, street, code, ids = _file_parts(frame, keys)
    label = (number + " " + street).str.strip()
    lat = _numbers(_column(frame, keys, LAT_KEYS))
    lon = _numbers(_column(frame, keys, LON_KEYS))
    if geometry is not None:
        shapes = np.asarray(geometry.array, dtype=object)
        pts = np.array([g is not None and g.geom_type == "Point" and not g.is_empty for g in shapes], dtype=bool)
        gx, gy = np.full(len(shapes), np.nan), np.full(len(shapes), np.nan)
        gx[pts], gy[pts] = shapely.get_x(shapes[pts]), shapely.get_y(shapes[pts])
        lat, lon = np.where(np.isfinite(lat), lat, gy), np.where(np.isfinite(lon), lon, gx)
    numbers = number.map(number_key)
    streets = street.map(lambda s: " ".join(street_words(s)))
    key = numbers + "|" + streets + "|" + code
    given_source = _column(frame, keys, ("source",))
    return pd.DataFrame(
        {
            "address_id": ids.where(ids != "", "addr:" + key.str.replace(" ", "_")),
            "address": label,
            "number": number,
            "street": street,
            "zip": code,
            "source": given_source.where(given_source != "", SOURCE_CITY if city else SOURCE_FILE),
            "synthetic": _column(frame, keys, ("synthetic",)).str.lower().isin(TRUE_WORDS).to_numpy(),
            "lat": lat,
            "lon": lon,
            "_key": key,
            "_number": numbers,
            "_street": streets,
        },
        index=frame.index,
    )


class _Accounts:
    """Every row of one load: kept (staged columns), set aside (raw text with ``source_row`` and ``reason``)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.rows_in = 0
        self.kept: list[pd.DataFrame] = []
        self.dropped: list[pd.DataFrame] = []
        self.seen: set[str] = set()
        self.notes: dict[str, object] = {}

    def add(self, staged: pd.DataFrame, raw: pd.DataFrame, first_row: int) -> None:
        n = len(staged)
        reason = np.full(n, "", dtype=object)

        def mark(mask: np.ndarray, why: str) -> None:
            reason[(reason == "") & mask] = why

        mark(staged["_number"].eq("").to_numpy(), "missing_number")
        mark(staged["_street"].eq("").to_numpy(), "missing_street")
        lat, lon = staged["lat"].to_numpy(dtype=float), staged["lon"].to_numpy(dtype=float)
        mark(~np.isfinite(lat) | ~np.isfinite(lon), "no_coordinates")
        mark((lat == 0) | (lon == 0), "zero_coordinates")
        with np.errstate(invalid="ignore"):
            mark(~in_la_county(lon, lat), "outside_la_county")
        keys = staged["_key"].to_numpy(dtype=object)
        for i in np.flatnonzero(reason == ""):  # the first row of an address is kept
            if keys[i] in self.seen:
                reason[i] = "duplicate_address"
            else:
                self.seen.add(keys[i])
        rows = np.arange(first_row, first_row + n)
        keep = reason == ""
        self.rows_in += n
        self.kept.append(staged.loc[keep].drop(columns=["_key", "_number", "_street"]))
        if (~keep).any():
            q = raw.loc[~keep].astype(str).copy()
            q.insert(0, "reason", reason[~keep])
            q.insert(0, "source_row", pd.array(rows[~keep], dtype="Int64"))
            self.dropped.append(q)

    def malformed(self, rows: list[tuple[int | None, str]]) -> None:
        if rows:
            self.rows_in += len(rows)
            self.dropped.append(
                pd.DataFrame(
                    {
                        "source_row": pd.array([r for r, _ in rows], dtype="Int64"),
                        "reason": "malformed_row",
                        "raw_line": [t for _, t in rows],
                    }
                )
            )

    def result(self, source: str) -> LoadResult:
        empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in ADDRESS_DTYPES.items()} | {"lat": [], "lon": []})
        df = pd.concat(self.kept, ignore_index=True) if self.kept else empty
        out = pd.DataFrame({c: df[c].astype(pd.api.types.pandas_dtype(t)) for c, t in ADDRESS_DTYPES.items()})
        geom = points_from_xy(df["lon"].to_numpy(dtype=float), df["lat"].to_numpy(dtype=float), crs=WGS84)
        frame = gpd.GeoDataFrame(out, geometry=geom, crs=WGS84)
        if self.dropped:
            q = pd.concat(self.dropped, ignore_index=True)
            rest = [c for c in q.columns if c not in QUARANTINE_FIRST]
            q = q[[*QUARANTINE_FIRST, *rest]]
            for c in rest:
                q[c] = q[c].fillna("").astype("str")
            q = q.sort_values("source_row", kind="stable", na_position="last").reset_index(drop=True)
        else:
            q = pd.DataFrame({"source_row": pd.array([], dtype="Int64"), "reason": pd.Series([], dtype="str")})
        dropped = {str(k): int(v) for k, v in q["reason"].value_counts().items()}
        result = LoadResult(KIND, TABLE, source, self.origin, frame, q, self.rows_in, dropped, dict(self.notes))
        return result.check()


def load_addresses(path: str | Path) -> LoadResult:
    """Read address points from a CSV (plain or ``.gz``; UTF-8 or Windows-1252) or a vector file (GeoJSON, shapefile,
    GeoPackage, GeoParquet; any CRS) into the canonical address table with every row accounted for.

    Raises
    ------
    DataError
        The file cannot be read, has no address columns or coordinates (the message names what it has), or no rows.
    """
    path = Path(path)
    acc = _Accounts(str(path))
    if path.name.lower().endswith(VECTOR_SUFFIXES):
        frame = to_wgs84(read_vector(path))
        keys = {norm_key(str(c)): str(c) for c in frame.columns if c != frame.geometry.name}
        _require(keys, path, geometry=True)
        raw = pd.DataFrame(frame.drop(columns=frame.geometry.name)).reset_index(drop=True)
        raw["wkt"] = frame.geometry.to_wkt().fillna("").to_numpy()
        acc.add(stage(raw, keys, geometry=frame.geometry.reset_index(drop=True)), raw, 1)
    else:
        head = read_head(path)
        _require(head.keys, path, geometry=False)
        _read_csv(head, acc)
        note_encoding(acc.notes, head)
    if acc.rows_in == 0:
        msg = f"{path} has a header but no address rows"
        raise DataError(msg)
    sources = {str(s) for k in acc.kept for s in k["source"].unique()}
    return acc.result(sources.pop() if len(sources) == 1 else SOURCE_FILE)


def _require(keys: dict[str, str], path: Path, *, geometry: bool) -> None:
    if not looks_like(set(keys), geometry=geometry, hint=path.stem):
        msg = (
            f"{path.name} is not an address-point file: expected the City's HSE_NBR, STR_NM, LAT, LON or an address "
            f"column with lat/lon (or point geometry); got {sorted(keys.values())[:12]}"
        )
        raise DataError(msg)


def _read_csv(head: CsvHead, acc: _Accounts) -> None:
    row = 1
    for block, bad in iter_csv_blocks(head):
        acc.malformed([(b.row, b.text) for b in bad])
        if block.empty:
            continue
        block = block.reset_index(drop=True)
        acc.add(stage(block, head.keys), block, row)
        row += len(block) + len(bad)
