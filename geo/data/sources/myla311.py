"""The City's service requests (MyLA311): the "MyLA311 Service Request Data <year>" CSV exports and the same rows from
the Socrata API (one dataset per year, ``services.requests_datasets``), into the canonical request table
(:data:`geo.core.schema.REQUEST_DTYPES`).

Quirks handled (SOURCES.md section 9): dates as ``12/31/2017 11:59:58 PM`` in the exports and ISO text in the API;
rows with no ``Latitude``/``Longitude`` (most are graffiti reports that still carry an ``Address``: dropped as
``no_coordinates`` and kept, whole, in the quarantine); ``Location`` as ``"(lat, lon)"`` (read when the two columns are
empty); statuses ``Closed``, ``Open``, ``Pending``, ``Cancelled``, ``Referred Out``; a ``ClosedDate`` before the
``CreatedDate`` (kept, with no time to close, and counted in the notes). Column names are matched after removing case,
spaces and punctuation, so ``CreatedDate`` and the API's ``createddate`` are the same column.

Every row is accounted for as in every source (:mod:`geo.data.sources._accounting`): ``missing_id``,
``unparseable_date``, ``date_out_of_range``, ``no_coordinates``, ``zero_coordinates``, ``outside_la_county``,
``duplicate_id`` (the same ``SRNumber`` twice: the first is kept).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.bulk import points_from_xy
from geo.core.categories import condition_of
from geo.core.errors import DataError
from geo.core.projection import WGS84
from geo.core.schema import REQUEST_DTYPES, TZ
from geo.data.sources import _parse as P
from geo.data.sources._accounting import LoadResult, _Base, api_rows
from geo.data.sources._csv import BLOCK_BYTES, CsvHead, iter_csv_blocks, note_encoding, read_head
from geo.data.sources._http import Client, Progress
from geo.data.sources.socrata import fetch_rows, where_clause

KIND = "myla311"
SOURCE_CSV = "myla311_csv"
SOURCE_API = "myla311_api"
ID_PREFIX = "la311:"

REQUIRED = ("srnumber", "createddate", "requesttype", "status")
"""Normalised header keys a file must have to be a MyLA311 export (coordinates: ``latitude``/``longitude`` or
``location``)."""

STATUS_OF: Mapping[str, str] = {
    "closed": "closed",
    "open": "open",
    "pending": "open",
    "in progress": "open",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "referred out": "referred",
    "referred": "referred",
}
"""The City's status (lower case) -> :data:`geo.core.schema.REQUEST_STATUSES`; an unknown status reads as open (the
request is not known to be done) and is counted in the notes."""


def looks_like(keys: Iterable[str]) -> bool:
    """True if normalised header ``keys`` are those of a MyLA311 export."""
    ks = set(keys)
    return all(k in ks for k in REQUIRED) and ({"latitude", "longitude"} <= ks or "location" in ks)


def _col(df: pd.DataFrame, keys: Mapping[str, str], key: str) -> pd.Series:
    name = keys.get(key)
    if name is None:
        return pd.Series("", index=df.index, dtype="str")
    return df[name]


def _coordinates(df: pd.DataFrame, keys: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude (degrees, NaN where absent), from the two columns or else from ``Location``."""
    lat = np.asarray(P.numbers(_col(df, keys, "latitude")), dtype=float)
    lon = np.asarray(P.numbers(_col(df, keys, "longitude")), dtype=float)
    missing = ~np.isfinite(lat) | ~np.isfinite(lon)
    if missing.any() and "location" in keys:
        parts = _col(df, keys, "location").astype("str").str.extract(r"\(\s*([-\d.]+)\s*,\s*([-\d.]+)\s*\)")
        lat = np.where(missing, pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float), lat)
        lon = np.where(missing, pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float), lon)
    return lat, lon


EXPORT_FORMAT = "%m/%d/%Y %I:%M:%S %p"
"""The exports' date form (``12/31/2017 11:59:58 PM``); the API sends ISO text (``2024-01-15T10:23:11.000``)."""


def _times(text: pd.Series) -> pd.Series:
    """Local instants (America/Los_Angeles, to the second; NaT where unreadable) from either date form. Ambiguous
    local times (fall back) read as daylight time and nonexistent ones (spring forward) move forward, as
    :func:`geo.data.sources._parse.local_times` does."""
    raw = text.astype("str").str.strip().str.removesuffix("Z")
    naive = pd.to_datetime(raw, format=EXPORT_FORMAT, errors="coerce")
    iso = naive.isna() & raw.ne("")
    if iso.any():
        naive[iso] = pd.to_datetime(raw[iso], format="ISO8601", errors="coerce")
    naive = naive.astype("datetime64[ns]")
    local = naive.dt.tz_localize(TZ, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward")
    return local.astype(pd.DatetimeTZDtype("ns", tz=TZ))


def stage(df: pd.DataFrame, keys: Mapping[str, str], *, source: str) -> pd.DataFrame:
    """Turn one block of raw MyLA311 rows (all text) into staged request columns (``lat``/``lon`` in degrees,
    EPSG:4326; missing values left for the accountant to judge)."""
    created = _times(_col(df, keys, "createddate"))
    closed = _times(_col(df, keys, "closeddate"))
    raw_status = P.text(_col(df, keys, "status")).fillna("")
    status = raw_status.str.strip().str.lower().map(STATUS_OF)
    lat, lon = _coordinates(df, keys)
    request_type = P.text(_col(df, keys, "requesttype"))
    return pd.DataFrame(
        {
            "request_id": P.prefixed(ID_PREFIX, P.text(_col(df, keys, "srnumber")).str.strip()),
            "source": pd.Series(source, index=df.index, dtype="string"),
            "created_at": created,
            "closed_at": closed,
            "request_type": request_type,
            "condition": condition_of(request_type.fillna("")),
            "status": status.fillna("open").astype("string"),
            "address": P.text(_col(df, keys, "address")),
            "synthetic": False,
            "lat": lat,
            "lon": lon,
            "_unknown_status": status.isna().to_numpy(),
        },
        index=df.index,
    )


class RequestAccountant(_Base):
    """Collects staged request blocks; the checks of dated points (:meth:`_Base.dated_points`) then duplicates."""

    def add(self, staged: pd.DataFrame, raw: pd.DataFrame, *, source_row: np.ndarray) -> None:
        """Account for one block (``staged`` from :func:`stage`, ``raw`` the same rows as text)."""
        staged = staged.reset_index(drop=True)
        raw = raw.reset_index(drop=True)
        reason = self.dated_points(staged, preset=None, id_col="request_id", date_col="created_at")
        early = (staged["closed_at"] < staged["created_at"]).to_numpy(dtype=bool, na_value=False)
        staged["_closed_before_created"] = early
        staged.loc[early, "closed_at"] = pd.NaT
        self._split(staged, raw, reason, staged["request_id"], np.asarray(source_row))

    def result(self) -> LoadResult:
        """The canonical requests (EPSG:4326) and the quarantine."""
        if self.kept:
            df = pd.concat(self.kept, ignore_index=True).sort_values("_row", kind="stable")
            df = df.drop(columns="_row").reset_index(drop=True)
            for note in ("unknown_status", "closed_before_created"):  # counted among the kept rows only
                n = int(df.pop(f"_{note}").sum())
                if n:
                    self.notes[note] = n
        else:
            df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in REQUEST_DTYPES.items()} | {"lat": [], "lon": []})
        out = pd.DataFrame({c: df[c].astype(pd.api.types.pandas_dtype(t)) for c, t in REQUEST_DTYPES.items()})
        geom = points_from_xy(df["lon"].to_numpy(dtype=float), df["lat"].to_numpy(dtype=float), crs=WGS84)
        return self._result("requests", gpd.GeoDataFrame(out, geometry=geom, crs=WGS84))


def load_csv(path: str | Path, *, block_bytes: int = BLOCK_BYTES, head: CsvHead | None = None) -> LoadResult:
    """Read a MyLA311 CSV export (plain or ``.gz``) block by block into canonical requests.

    Raises
    ------
    DataError
        The file is empty, binary, lacks the MyLA311 columns, or has no data rows.
    """
    path = Path(path)
    head = head or read_head(path)
    if not looks_like(head.keys):
        missing = [k for k in (*REQUIRED, "latitude", "longitude") if k not in head.keys]
        msg = (
            f"{path} is not a MyLA311 service-request export: no column for {missing} (expected SRNumber, "
            f"CreatedDate, RequestType, Status, Latitude, Longitude; got {head.raw_names[:12]})"
        )
        raise DataError(msg)
    acc = RequestAccountant(kind=KIND, source=SOURCE_CSV, origin=str(path))
    row0 = 1
    for block, bad in iter_csv_blocks(head, block_bytes=block_bytes):
        acc.malformed(bad)
        if block.empty:
            continue
        rows = np.arange(row0, row0 + len(block))
        row0 += len(block) + len(bad)
        acc.add(stage(block, head.keys, source=SOURCE_CSV), block, source_row=rows)
    if acc.rows_in == 0:
        msg = f"{path} has a header but no data rows"
        raise DataError(msg)
    note_encoding(acc.notes, head)
    return acc.result()


def _flat_location(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with its GeoJSON ``location`` point written as the exports write it, ``"(lat, lon)"`` (a copy;
    the caller's record is left as it is), so a row placed only by it is placed, and kept whole when set aside."""
    where = record.get("location")
    if not isinstance(where, dict):
        return record
    coords = where.get("coordinates")
    if isinstance(coords, list) and len(coords) >= 2 and all(isinstance(c, (int, float)) for c in coords[:2]):
        return {**record, "location": f"({coords[1]}, {coords[0]})"}
    return {**record, "location": str(where)}


def load_records(records: list[dict[str, Any]], *, origin: str, source: str = SOURCE_API) -> LoadResult:
    """Canonical requests from Socrata JSON rows (``srnumber``, ``createddate``, ``latitude`` ...)."""
    raw, keys = api_rows([_flat_location(r) for r in records], required=REQUIRED, origin=origin)
    acc = RequestAccountant(kind="myla311_api", source=source, origin=origin)
    if len(raw):
        acc.add(stage(raw, keys, source=source), raw, source_row=np.arange(1, len(raw) + 1))
    return acc.result()


def datasets_for(
    datasets: Mapping[int, str], since: dt.date, until: dt.date, *, strict: bool = True
) -> list[tuple[int, str]]:
    """The (year, Socrata id) of each year from ``since`` to ``until``; a year with no dataset configured is an error
    naming the setting (the City publishes one dataset per year), unless ``strict`` is False (the default period of
    ``fetch requests``): then the years that have one, and an error only when none has."""
    if until < since:
        msg = f"the period ends ({until}) before it starts ({since})"
        raise DataError(msg)
    years = range(since.year, until.year + 1)
    missing = [y for y in years if y not in datasets]
    if missing and (strict or len(missing) == len(years)):
        known = ", ".join(f"{y}: {d}" for y, d in sorted(datasets.items()))
        msg = (
            f"no MyLA311 dataset is configured for {', '.join(map(str, missing))} (services.requests_datasets has "
            f'{known}); add the year\'s id from data.lacity.org ("MyLA311 Service Request Data <year>")'
        )
        raise DataError(msg)
    return [(y, datasets[y]) for y in years if y in datasets]


def fetch_requests(
    client: Client,
    *,
    base_url: str,
    datasets: Mapping[int, str],
    page_size: int,
    since: dt.date,
    until: dt.date,
    progress: Progress | None = None,
    strict: bool = True,
) -> LoadResult:
    """Fetch the requests created from ``since`` to ``until`` (inclusive days) from each year's dataset (``strict``:
    see :func:`datasets_for`; the years left out are named in ``notes['years_without_dataset']``).

    Raises
    ------
    SourceError
        A page fails after retries, or the API answers with something other than rows.
    """
    rows: list[dict[str, Any]] = []
    origins = []
    chosen = datasets_for(datasets, since, until, strict=strict)
    for year, dataset in chosen:
        start, end = max(since, dt.date(year, 1, 1)), min(until, dt.date(year, 12, 31))
        where = where_clause(code_field="", codes=None, date_field="createddate", since=start, until=end)
        url = f"{base_url.rstrip('/')}/{dataset}.json"
        rows.extend(
            fetch_rows(client, url, where=where, order="srnumber", page_size=page_size, progress=progress, what=dataset)
        )
        origins.append(f"{url}?$where={where}")
    result = load_records(rows, origin=" + ".join(origins))
    result.notes["datasets"] = [d for _, d in chosen]
    left = sorted(set(range(since.year, until.year + 1)) - {y for y, _ in chosen})
    if left:
        result.notes["years_without_dataset"] = left
    return result
