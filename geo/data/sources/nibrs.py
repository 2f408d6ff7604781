"""LAPD NIBRS offenses (Socrata ``k7nn-b2ep``, from the 2024-03-07 go-live) into canonical incidents.

NIBRS lists each offense of a case as its own row: rows are deduplicated by ``caseno``, keeping
the most serious offense (homicide first, then the order of :data:`geo.core.categories.CATEGORIES`);
the others are dropped as ``duplicate_id`` and quarantined. Coordinates are hundred-block
(``hndrdth_lat``/``hndrdth_lon``), the address is ``hndrdth_loc_chk``. ``incident_id`` is
``nibrs:<caseno>``. The legacy series stops when this one starts: the store records the break.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.core.categories import CATEGORIES, NIBRS_CODE_CATEGORY
from geo.core.errors import DataError
from geo.data.sources import _parse as P
from geo.data.sources._accounting import IncidentAccountant, LoadResult, text_frame
from geo.data.sources._csv import iter_csv_blocks, norm_key, note_encoding, read_head

KIND = "nibrs_csv"
SOURCE_API = "lapd_nibrs_api"
SOURCE_CSV = "lapd_nibrs_csv"
ID_PREFIX = "nibrs:"
REQUIRED = ("caseno", "dateocc", "nibrcode")
LAT_KEYS = ("hndrdthlat", "lat", "latitude")
LON_KEYS = ("hndrdthlon", "lon", "longitude")


def looks_like(keys: Iterable[str]) -> bool:
    """True if normalised header ``keys`` are those of a NIBRS offenses table."""
    ks = set(keys)
    return all(k in ks for k in REQUIRED)


def _col(df: pd.DataFrame, keys: dict[str, str], *options: str) -> pd.Series:
    name = next((keys[k] for k in options if k in keys), None)
    return df[name] if name is not None else pd.Series("", index=df.index, dtype="str")


def stage(df: pd.DataFrame, keys: dict[str, str], *, source: str) -> pd.DataFrame:
    """Staged canonical columns (plus ``area``, ``rpt_dist``) from raw NIBRS rows as text."""
    case = P.text(_col(df, keys, "caseno"))
    when, known = P.local_times(_col(df, keys, "dateocc"), _col(df, keys, "timeocc") if "timeocc" in keys else None)
    code = P.text(_col(df, keys, "nibrcode")).str.upper()
    return pd.DataFrame(
        {
            "incident_id": (ID_PREFIX + case).astype("string"),
            "source": pd.Series(source, index=df.index, dtype="string"),
            "occurred_at": when,
            "time_known": known,
            "offense_code": code,
            "offense_desc": P.text(_col(df, keys, "nibrdescription", "nibrdesc")),
            "category": code.map(NIBRS_CODE_CATEGORY).fillna("other").astype("string"),
            "weapon": P.text(_col(df, keys, "weapondesc")),
            "premise": P.text(_col(df, keys, "premisdesc")),
            "victim_age": P.ages(_col(df, keys, "victage", "victimage")),
            "victim_sex": P.sexes(_col(df, keys, "victsex", "victimsex")),
            "victim_descent": P.text(_col(df, keys, "victdescent", "victimdescent")).str.upper(),
            "address_block": P.text(_col(df, keys, "hndrdthlocchk", "location")),
            "lat": P.numbers(_col(df, keys, *LAT_KEYS)),
            "lon": P.numbers(_col(df, keys, *LON_KEYS)),
            "synthetic": False,
            "area": P.digits_key(_col(df, keys, "area")),
            "rpt_dist": P.digits_key(_col(df, keys, "rptdistno")),
        },
        index=df.index,
    )


def _account(raw: pd.DataFrame, keys: dict[str, str], *, kind: str, source: str, origin: str) -> LoadResult:
    missing = [k for k in REQUIRED if k not in keys]
    if missing:
        msg = f"{origin}: not NIBRS offense rows, no field {missing} (expected caseno, date_occ, nibr_code)"
        raise DataError(msg)
    acc = IncidentAccountant(kind=kind, source=source, origin=origin)
    staged = stage(raw, keys, source=source)
    rank = {c: i for i, c in enumerate(CATEGORIES)}
    order = np.argsort(staged["category"].map(rank).to_numpy(dtype=int), kind="stable")
    rows = np.arange(1, len(raw) + 1)
    acc.add(staged.iloc[order], raw.iloc[order], source_row=rows[order])
    return acc.result()


def load_records(records: list[dict[str, Any]], *, origin: str, source: str = SOURCE_API) -> LoadResult:
    """Canonical incidents from Socrata JSON rows of ``k7nn-b2ep``, one per ``caseno``."""
    raw = text_frame(records)
    if raw.empty:
        return IncidentAccountant(kind="nibrs_api", source=source, origin=origin).result()
    keys = {norm_key(str(c)): str(c) for c in raw.columns}
    return _account(raw, keys, kind="nibrs_api", source=source, origin=origin)


def load_csv(path: str | Path) -> LoadResult:
    """Read a NIBRS offenses CSV export (API field names as header) into canonical incidents."""
    path = Path(path)
    head = read_head(path)
    blocks = []
    for block, bad in iter_csv_blocks(head):
        if bad:
            msg = f"{path}: {len(bad)} row(s) do not match the header (first at row {bad[0].row})"
            raise DataError(msg)
        blocks.append(block)
    raw = pd.concat(blocks, ignore_index=True) if blocks else pd.DataFrame()
    if raw.empty:
        msg = f"{path} has a header but no data rows"
        raise DataError(msg)
    result = _account(raw, head.keys, kind=KIND, source=SOURCE_CSV, origin=str(path))
    note_encoding(result.notes, head)
    return result
