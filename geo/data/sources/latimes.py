"""LA Times data: the Homicide Report JSON (one row per victim) and the police-killings CSV.

Both files carry victims' names. Names (``first_name``, ``middle_name``, ``last_name``, ``first``,
``middle``, ``last``, ``slug``, ``image``) never reach the canonical table, nor the quarantine.
Dates are calendar dates (``time_known`` False): ``2017-06-18T00:00:00.000Z`` is the local date
2017-06-18, not an instant in UTC. ``incident_id`` is ``latimes:<coroner case number>``.
Race is written as the LAPD descent letter where one matches (black B, latino H, white W, asian A,
other O) so it filters together with LAPD rows; other values are kept in lower case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.core.errors import DataError
from geo.data.sources import _parse as P
from geo.data.sources._accounting import IncidentAccountant, LoadResult, text_frame
from geo.data.sources._csv import head_bytes, iter_csv_blocks, note_encoding, read_head

KIND_HOMICIDES = "latimes_homicides"
KIND_POLICE = "latimes_police_killings"
SOURCE_HOMICIDES = "latimes_homicides"
SOURCE_POLICE = "latimes_police_killings"
ID_PREFIX = "latimes:"
MAX_JSON_BYTES = 512 << 20
"""Largest JSON file read into memory (512 MiB)."""

DESCENT = {"black": "B", "latino": "H", "hispanic": "H", "white": "W", "asian": "A", "other": "O"}
HOMICIDE_FIELDS = ("case_number", "death_date", "latitude", "longitude")
POLICE_FIELDS = ("coronerscasenumber", "deathdate", "x", "y")
"""Normalised header keys of the police-killings CSV."""


def _descent(s: pd.Series) -> pd.Series:
    t = P.text(s).str.lower()
    return t.map(lambda v: DESCENT.get(v, v) if isinstance(v, str) else v).astype("string")


def _block(s: pd.Series) -> pd.Series:
    """Street address to its hundred block (``'10024 South Grevillea Avenue'`` -> ``'10000 South ...'``)."""
    t = P.text(s)
    num = t.str.extract(r"^(\d+)\s+(.*)$")
    hundred = pd.to_numeric(num[0], errors="coerce") // 100 * 100
    blocked = hundred.astype("Int64").astype("string") + " " + num[1].astype("string")
    return blocked.where(num[0].notna(), t).astype("string")


def _stage(raw: pd.DataFrame, *, id_col: str, lat_col: str, lon_col: str, source: str) -> pd.DataFrame:
    def col(name: str) -> pd.Series:
        return raw[name] if name in raw.columns else pd.Series("", index=raw.index, dtype="str")

    case = P.text(col(id_col))
    when, _ = P.local_times(col("death_date"))
    cause = P.text(col("cause"))
    return pd.DataFrame(
        {
            "incident_id": (ID_PREFIX + case).astype("string"),
            "source": pd.Series(source, index=raw.index, dtype="string"),
            "occurred_at": when.dt.normalize(),
            "time_known": False,
            "offense_code": pd.Series(pd.NA, index=raw.index, dtype="string"),
            "offense_desc": pd.Series(
                "homicide" if source == SOURCE_HOMICIDES else "killed by police", index=raw.index, dtype="string"
            ),
            "category": pd.Series("homicide", index=raw.index, dtype="string"),
            "weapon": cause,
            "premise": pd.Series(pd.NA, index=raw.index, dtype="string"),
            "victim_age": P.ages(col("age")),
            "victim_sex": P.sexes(col("gender")),
            "victim_descent": _descent(col("race")),
            "address_block": _block(col("address")),
            "lat": P.numbers(col(lat_col)),
            "lon": P.numbers(col(lon_col)),
            "synthetic": False,
        },
        index=raw.index,
    )


def load_homicides(path: str | Path) -> LoadResult:
    """Read the LA Times Homicide Report JSON (a top-level array of victims) into canonical incidents.

    Raises
    ------
    DataError
        Not JSON, not an array of objects, or the records lack ``case_number``/``death_date``/coordinates.
    """
    path = Path(path)
    data = head_bytes(path, MAX_JSON_BYTES)
    if not data.strip():
        msg = f"{path} is empty: expected a JSON array of victims"
        raise DataError(msg)
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path} is not valid JSON ({exc})"
        raise DataError(msg) from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        msg = f"{path}: expected a JSON array of objects (LA Times Homicide Report), got {type(records).__name__}"
        raise DataError(msg)
    return load_homicide_records(records, origin=str(path))


def load_homicide_records(records: list[dict[str, Any]], *, origin: str) -> LoadResult:
    """Canonical incidents from LA Times Homicide Report records (one per victim)."""
    if not records:
        msg = f"{origin} holds no records"
        raise DataError(msg)
    keys = set().union(*(r.keys() for r in records))
    missing = [k for k in HOMICIDE_FIELDS if k not in keys]
    if missing:
        msg = f"{origin}: the records lack fields {missing}; expected {list(HOMICIDE_FIELDS)}"
        raise DataError(msg)
    raw = text_frame(records)
    acc = IncidentAccountant(kind=KIND_HOMICIDES, source=SOURCE_HOMICIDES, origin=origin)
    staged = _stage(raw, id_col="case_number", lat_col="latitude", lon_col="longitude", source=SOURCE_HOMICIDES)
    acc.add(staged, raw, source_row=np.arange(1, len(raw) + 1))
    return acc.result()


def load_police_killings(path: str | Path) -> LoadResult:
    """Read the LA Times police-killings CSV (``x`` = longitude, ``y`` = latitude) into canonical incidents.

    Rows with empty ``x``/``y`` are dropped as ``no_coordinates`` (67 in the 2023 file).
    """
    path = Path(path)
    head = read_head(path)
    missing = [k for k in POLICE_FIELDS if k not in head.keys]
    if missing:
        msg = f"{path} is not the LA Times police-killings CSV: no column {missing}"
        raise DataError(msg)
    wanted = {"coronerscasenumber": "coroners_case_number", "deathdate": "death_date", "x": "x", "y": "y"}
    wanted |= {k: k for k in ("age", "race", "gender", "cause", "address")}
    names = {head.keys[k]: v for k, v in wanted.items() if k in head.keys}
    acc = IncidentAccountant(kind=KIND_POLICE, source=SOURCE_POLICE, origin=str(path))
    row0 = 1
    for block, bad in iter_csv_blocks(head):
        acc.malformed(bad)
        if block.empty:
            continue
        raw = block.drop(columns=[c for c in block.columns if c.lower() in ("first", "middle", "last", "slug")])
        renamed = raw.rename(columns=names)
        staged = _stage(renamed, id_col="coroners_case_number", lat_col="y", lon_col="x", source=SOURCE_POLICE)
        rows = np.arange(row0, row0 + len(block))
        row0 += len(block) + len(bad)
        acc.add(staged, raw, source_row=rows)
    if acc.rows_in == 0:
        msg = f"{path} has a header but no data rows"
        raise DataError(msg)
    note_encoding(acc.notes, head)
    return acc.result()
