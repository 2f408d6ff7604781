"""Vectorised cell parsers shared by the loaders (text in, typed columns out).

All functions take a pandas text Series (``""`` for empty cells) and never raise on a bad
cell: what cannot be parsed becomes NA/NaT/NaN, and the accountant decides what that means.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.core.schema import TZ

_DATE_RE = (
    r"^\s*(?:(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2}))"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2}(?:\.\d+)?)?\s*(?P<ap>[AaPp][Mm])?)?"
)
_TIME_RE = r"^\s*(?P<t>\d{1,4})\s*$"


def _arrow(s: pd.Series) -> pa.Array:
    """The Series as an Arrow string array with nulls as ``""`` (zero-copy for Arrow-backed text)."""
    try:
        arr = pa.array(s)
    except (pa.ArrowException, TypeError, ValueError):
        arr = pa.array([], type=pa.null())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_large_string(arr.type):
        arr = pc.cast(arr, pa.string())
    elif not pa.types.is_string(arr.type) or len(arr) != len(s):
        arr = pa.array(s.astype("str").fillna("").to_numpy(dtype=object), type=pa.string())
    return pc.fill_null(arr, "")


def _ints(arr: pa.Array) -> np.ndarray:
    """Arrow text digits -> float array (NaN for null/empty)."""
    out = pc.cast(pc.if_else(pc.equal(arr, ""), None, arr), pa.float64())
    return np.asarray(out.to_numpy(zero_copy_only=False), dtype=float)


def text(s: pd.Series) -> pd.Series:
    """Trimmed text with runs of whitespace collapsed to one space; empty -> NA."""
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(_arrow(s), r"\s+", " "))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=s.index, dtype="string")


def digits_key(s: pd.Series) -> pd.Series:
    """Integer-like codes without leading zeros as text (``'03'`` -> ``'3'``); other text kept trimmed."""
    t = text(s)
    stripped = t.str.lstrip("0")
    is_num = t.str.fullmatch(r"\d+").fillna(False).astype(bool)
    return t.where(~is_num, stripped.mask(stripped == "", "0"))


def numbers(s: pd.Series) -> np.ndarray:
    """Decimal numbers (``'34.0141'``, ``' -118.3 '``); NaN where empty or not a number."""
    return pd.to_numeric(s.astype("str").str.strip(), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def ages(s: pd.Series) -> pd.Series:
    """Victim ages in years (``'23.0'`` ok); 0, negative, above 120 or not a number -> NA."""
    v = numbers(s)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(v) & (v > 0) & (v <= 120)
    out = pd.array(np.where(ok, np.floor(np.where(ok, v, 0)), 0).astype("int64"), dtype="Int64")
    out[~ok] = pd.NA
    return pd.Series(out, index=s.index)


def sexes(s: pd.Series) -> pd.Series:
    """LAPD ``Vict Sex`` codes: M, F, X (unknown), H (non-binary code in the export); words mapped; else NA."""
    t = text(s).str.upper()
    t = t.replace({"MALE": "M", "FEMALE": "F"})
    return t.where(t.isin(["M", "F", "X", "H"]))


def local_times(date: pd.Series, time: pd.Series | None = None) -> tuple[pd.Series, np.ndarray]:
    """Parse mixed-format dates (and an optional ``HHMM`` time column) to America/Los_Angeles instants.

    Accepted date forms: ``12/20/2020 12:00:00 AM``, ``01/08/2020 00:00``, ``3/1/2020 0:00``
    (month first, as every LAPD export), ``2020-01-08T00:00:00.000`` (Socrata), ``2017-06-18``.
    A time-zone suffix such as ``Z`` is ignored: the calendar date is the local date.
    The time comes from ``time`` (``'2230'``, ``'50'`` = 00:50) when given, else from the date text;
    ``time_known`` is False where neither gives one. Nonexistent local times (spring forward) move
    forward; ambiguous ones (fall back) are read as daylight time.

    Returns
    -------
    (occurred_at, time_known)
        tz-aware Series (NaT where unparseable) and a bool array.
    """
    parts = pc.extract_regex(_arrow(date), _DATE_RE)
    f = {name: _ints(parts.field(name)) for name in ("m", "d", "y", "y2", "m2", "d2", "H", "M")}
    y = np.where(np.isnan(f["y"]), f["y2"], f["y"])
    m = np.where(np.isnan(f["m"]), f["m2"], f["m"])
    d = np.where(np.isnan(f["d"]), f["d2"], f["d"])
    ap = pc.utf8_upper(parts.field("ap")).to_numpy(zero_copy_only=False)
    hour = f["H"].copy()
    pm = ap == "PM"
    am = ap == "AM"
    hour = np.where(am & (hour == 12), 0, hour)
    hour = np.where(pm & (hour < 12), hour + 12, hour)
    minute = f["M"]
    known = np.isfinite(hour) & np.isfinite(minute)
    if time is not None:
        tparts = pc.extract_regex(_arrow(time), _TIME_RE)
        t = _ints(tparts.field("t"))
        hour, minute = np.floor(t / 100), np.mod(t, 100)
        known = np.isfinite(t)
    with np.errstate(invalid="ignore"):
        known &= (hour >= 0) & (hour <= 23) & (minute >= 0) & (minute <= 59)
    hour = np.where(known, hour, 0)
    minute = np.where(known, minute, 0)
    frame = pd.DataFrame({"year": y, "month": m, "day": d, "hour": hour, "minute": minute})
    ok = np.isfinite(y) & np.isfinite(m) & np.isfinite(d) & (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    frame.loc[~ok, ["year", "month", "day"]] = [2000, 1, 1]
    naive = pd.to_datetime(frame.astype("int64"), errors="coerce")
    naive[~ok] = pd.NaT
    local = naive.dt.tz_localize(TZ, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward")
    local.index = date.index
    known = known & ok & local.notna().to_numpy()
    return local.astype(f"datetime64[ns, {TZ}]"), known
