"""LAPD legacy crime data: the "Crime Data from 2010 to 2019" / "from 2020 to Present" CSV exports
and the same rows from the Socrata API (``2nrs-mtv8``), into the canonical incident table.

Quirks handled (SOURCES.md section 1): mixed date formats in one column, leading zeros kept or
stripped (``DR_NO`` is re-padded to 9 characters), BOM, CRLF, ``AREA `` with a trailing space, blank
header names, LAT/LON of 0 (dropped as ``zero_coordinates``, never drawn at 0/0), padded ``LOCATION``,
``Vict Age`` 0 = unknown, ``Vict Sex`` X/H/empty. Column names are matched after removing case,
spaces and punctuation, so ``DATE OCC`` and the API's ``date_occ`` are the same column.

One row per incident (``DR_NO``). Extra columns after the canonical ones: ``area`` (division number,
= boundary ``PREC``) and ``rpt_dist`` (reporting district), both as text without leading zeros.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.core.categories import LAPD_CODE_CATEGORY
from geo.core.errors import DataError
from geo.core.overlap import mapped_ahead
from geo.data.sources import _parse as P
from geo.data.sources._accounting import IncidentAccountant, LoadResult, api_rows
from geo.data.sources._csv import BLOCK_BYTES, CsvHead, iter_csv_blocks, note_encoding, read_head

KIND = "lapd_csv"
SOURCE_CSV = "lapd_legacy_csv"
SOURCE_API = "lapd_legacy_api"
ID_PREFIX = "lapd:"
DR_NO_WIDTH = 9

REQUIRED = ("drno", "dateocc", "crmcd", "lat", "lon")
"""Normalised header keys a file must have to be an LAPD legacy export."""
OPTIONAL: tuple[str, ...] = (
    "timeocc",
    "crmcddesc",
    "weapondesc",
    "premisdesc",
    "victage",
    "victsex",
    "victdescent",
    "location",
    "area",
    "rptdistno",
)
"""Normalised keys read when present (empty otherwise)."""


def looks_like(keys: Iterable[str]) -> bool:
    """True if normalised header ``keys`` are those of an LAPD legacy export."""
    ks = set(keys)
    return all(k in ks for k in REQUIRED)


def _col(df: pd.DataFrame, keys: dict[str, str], key: str) -> pd.Series:
    name = keys.get(key)
    if name is None:
        return pd.Series("", index=df.index, dtype="str")
    return df[name]


def stage(df: pd.DataFrame, keys: dict[str, str], *, source: str) -> pd.DataFrame:
    """Turn one block of raw LAPD rows (all text) into staged canonical columns.

    Parameters
    ----------
    df
        Raw rows as text (``""`` for empty cells), any column names.
    keys
        Normalised key (``drno``, ``dateocc`` ...) -> column name in ``df``.
    source
        The canonical ``source`` string to write.

    Returns
    -------
    DataFrame
        Canonical incident columns (no geometry; lat/lon in degrees, EPSG:4326) plus ``area`` and
        ``rpt_dist``; missing values are left for the accountant to judge.
    """
    dr = P.padded_digits(_col(df, keys, "drno"), DR_NO_WIDTH)
    when, known = P.local_times(_col(df, keys, "dateocc"), _col(df, keys, "timeocc") if "timeocc" in keys else None)
    code = P.digits_key(_col(df, keys, "crmcd"))
    out = pd.DataFrame(
        {
            "incident_id": P.prefixed(ID_PREFIX, dr),
            "source": pd.Series(source, index=df.index, dtype="string"),
            "occurred_at": when,
            "time_known": known,
            "offense_code": code,
            "offense_desc": P.text(_col(df, keys, "crmcddesc")),
            "category": P.mapped(code, LAPD_CODE_CATEGORY, "other"),
            "weapon": P.text(_col(df, keys, "weapondesc")),
            "premise": P.text(_col(df, keys, "premisdesc")),
            "victim_age": P.ages(_col(df, keys, "victage")),
            "victim_sex": P.sexes(_col(df, keys, "victsex")),
            "victim_descent": P.text(_col(df, keys, "victdescent")).str.upper(),
            "address_block": P.text(_col(df, keys, "location")),
            "lat": P.numbers(_col(df, keys, "lat")),
            "lon": P.numbers(_col(df, keys, "lon")),
            "synthetic": False,
            "area": P.digits_key(_col(df, keys, "area")),
            "rpt_dist": P.digits_key(_col(df, keys, "rptdistno")),
        },
        index=df.index,
    )
    return out


def load_csv(path: str | Path, *, block_bytes: int = BLOCK_BYTES, head: CsvHead | None = None) -> LoadResult:
    """Read an LAPD legacy CSV export (plain or ``.gz``) block by block into canonical incidents.

    Memory stays near one block (``block_bytes`` of text) plus the kept canonical rows.

    Raises
    ------
    DataError
        The file is empty, binary, lacks the LAPD columns, or has no data rows.
    """
    path = Path(path)
    head = head or read_head(path)
    missing = [k for k in REQUIRED if k not in head.keys]
    if missing:
        msg = (
            f"{path} is not an LAPD crime export: no column for {missing} "
            f"(expected DR_NO, DATE OCC, Crm Cd, LAT, LON; got {head.raw_names[:12]})"
        )
        raise DataError(msg)
    acc = IncidentAccountant(kind=KIND, source=SOURCE_CSV, origin=str(path))
    acc.notes["encoding"] = head.encoding
    row0 = 1

    def staged(read: tuple[pd.DataFrame, list[Any]]) -> pd.DataFrame | None:
        return None if read[0].empty else stage(read[0], head.keys, source=SOURCE_CSV)

    # the next blocks are staged on a worker thread while this one is accounted for (and the next read)
    for (block, bad), canonical in mapped_ahead(staged, iter_csv_blocks(head, block_bytes=block_bytes)):
        acc.malformed(bad)
        if canonical is None:
            continue
        rows = np.arange(row0, row0 + len(block))
        row0 += len(block) + len(bad)
        acc.add(canonical, block, source_row=rows)
    if acc.rows_in == 0:
        msg = f"{path} has a header but no data rows"
        raise DataError(msg)
    note_encoding(acc.notes, head)
    return acc.result()


def load_records(records: list[dict[str, Any]], *, origin: str, source: str = SOURCE_API) -> LoadResult:
    """Canonical incidents from Socrata JSON rows of ``2nrs-mtv8`` (``dr_no``, ``date_occ``, ``lat`` ...)."""
    raw, keys = api_rows(records, required=REQUIRED, origin=origin)
    acc = IncidentAccountant(kind="lapd_api", source=source, origin=origin)
    if len(raw):
        acc.add(stage(raw, keys, source=source), raw, source_row=np.arange(1, len(raw) + 1))
    return acc.result()
