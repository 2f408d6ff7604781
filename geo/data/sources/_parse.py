"""Vectorised cell parsers shared by the loaders (text in, typed columns out).

All functions take a pandas text Series (``""`` for empty cells) and never raise on a bad
cell: what cannot be parsed becomes NA/NaT/NaN, and the accountant decides what that means.

Exports repeat a few values many times (a million rows hold about 1,800 dates, 1,440 times,
a few hundred offence descriptions), so each parser works on the distinct values of a column
(:func:`_distinct`) and spreads the answers back with one ``take``: the same result as parsing
every cell, at a fraction of the work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

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


def _distinct(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The distinct values of text ``s`` (nulls as ``""``) as a text Series, and each row's position in it."""
    enc = pc.dictionary_encode(_arrow(s))
    values = pd.Series(pd.arrays.ArrowStringArray(enc.dictionary), dtype="string")
    return values, np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.intp)


def _per_value(s: pd.Series, parse: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``parse`` applied to the distinct values of ``s`` and spread back to its rows (same index)."""
    values, idx = _distinct(s)
    out = parse(values).reset_index(drop=True)
    if isinstance(out.array, pd.arrays.ArrowStringArray):  # take in Arrow: no round trip through Python
        taken = _nullable_arrow(out).take(pa.array(idx))
        return pd.Series(pd.arrays.ArrowStringArray(taken), index=s.index, dtype=out.dtype)
    return pd.Series(out.array.take(idx), index=s.index, dtype=out.dtype)


def mapped(s: pd.Series, mapping: Mapping[str, str], default: str) -> pd.Series:
    """Text ``s`` looked up in ``mapping`` (``default`` where absent or NA), as text."""
    return _per_value(s.fillna(""), lambda v: v.map(mapping).fillna(default).astype("string"))


def _ints(arr: pa.Array) -> np.ndarray:
    """Arrow text digits -> float array (NaN for null/empty)."""
    out = pc.cast(pc.if_else(pc.equal(arr, ""), None, arr), pa.float64())
    return np.asarray(out.to_numpy(zero_copy_only=False), dtype=float)


def text(s: pd.Series) -> pd.Series:
    """Trimmed text with runs of whitespace collapsed to one space; empty -> NA."""
    return _per_value(s, _text)


def _text(s: pd.Series) -> pd.Series:
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(_arrow(s), r"\s+", " "))
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=s.index, dtype="string")


def digits_key(s: pd.Series) -> pd.Series:
    """Integer-like codes without leading zeros as text (``'03'`` -> ``'3'``); other text kept trimmed."""
    return _per_value(s, _digits_key)


def _digits_key(s: pd.Series) -> pd.Series:
    t = _text(s)
    stripped = t.str.lstrip("0")
    is_num = t.str.fullmatch(r"\d+").fillna(False).astype(bool)
    return t.where(~is_num, stripped.mask(stripped == "", "0"))


def _nullable_arrow(s: pd.Series) -> pa.Array:
    """Text ``s`` as an Arrow string array, NA as null."""
    arr = pa.array(s.array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pc.cast(arr, pa.string())


def padded_digits(s: pd.Series, width: int) -> pd.Series:
    """:func:`text`, with all-digit values left-padded with zeros to ``width`` characters."""
    arr = _nullable_arrow(_text(s))
    digits = pc.fill_null(pc.match_substring_regex(arr, r"^\d+$"), False)
    out = pc.if_else(digits, pc.utf8_lpad(arr, width=width, padding="0"), arr)
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index, dtype="string")


def prefixed(prefix: str, s: pd.Series) -> pd.Series:
    """``prefix`` + each value of text ``s`` (NA stays NA)."""
    out = pc.binary_join_element_wise(prefix, _nullable_arrow(s), "")
    return pd.Series(pd.arrays.ArrowStringArray(out), index=s.index, dtype="string")


def numbers(s: pd.Series) -> np.ndarray:
    """Decimal numbers (``'34.0141'``, ``' -118.3 '``); NaN where empty or not a number."""
    values, idx = _distinct(s)
    out: np.ndarray = _numbers(values)[idx]
    return out


def _numbers(s: pd.Series) -> np.ndarray:
    out: np.ndarray = pd.to_numeric(s.astype("str").str.strip(), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return out


def ages(s: pd.Series) -> pd.Series:
    """Victim ages in years (``'23.0'`` ok); 0, negative, above 120 or not a number -> NA."""
    return _per_value(s, _ages)


def _ages(s: pd.Series) -> pd.Series:
    v = _numbers(s)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(v) & (v > 0) & (v <= 120)
    out = pd.array(np.where(ok, np.floor(np.where(ok, v, 0)), 0).astype("int64"), dtype="Int64")
    out[~ok] = pd.NA
    return pd.Series(out, index=s.index)


def sexes(s: pd.Series) -> pd.Series:
    """LAPD ``Vict Sex`` codes: M, F, X (unknown), H (non-binary code in the export); words mapped; else NA."""
    return _per_value(s, _sexes)


def _sexes(s: pd.Series) -> pd.Series:
    t = _text(s).str.upper()
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
    values, at = _distinct(date)
    parts = pc.extract_regex(_arrow(values), _DATE_RE)
    f = {name: _ints(parts.field(name)) for name in ("m", "d", "y", "y2", "m2", "d2", "H", "M")}
    y = np.where(np.isnan(f["y"]), f["y2"], f["y"])
    m = np.where(np.isnan(f["m"]), f["m2"], f["m"])
    d = np.where(np.isnan(f["d"]), f["d2"], f["d"])
    ap = pc.utf8_upper(parts.field("ap")).to_numpy(zero_copy_only=False)
    ok = np.isfinite(y) & np.isfinite(m) & np.isfinite(d) & (y >= 1) & (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31)
    ymd = pd.DataFrame({"year": y, "month": m, "day": d})
    ymd.loc[~ok, ["year", "month", "day"]] = [2000, 1, 1]
    midnight = pd.to_datetime(ymd.astype("int64"), errors="coerce").to_numpy(dtype="datetime64[ns]")
    midnight[~ok] = np.datetime64("NaT")
    hour = np.where((ap == "AM") & (f["H"] == 12), 0, f["H"])
    hour = np.where((ap == "PM") & (hour < 12), hour + 12, hour)
    hour, minute = hour[at], f["M"][at]
    if time is not None:
        tvalues, tat = _distinct(time)
        t = _ints(pc.extract_regex(_arrow(tvalues), _TIME_RE).field("t"))[tat]
        hour, minute = np.floor(t / 100), np.mod(t, 100)
    with np.errstate(invalid="ignore"):
        known = np.isfinite(hour) & np.isfinite(minute) & (hour >= 0) & (hour <= 23) & (minute >= 0) & (minute <= 59)
    clock = (np.where(known, hour, 0) * 60 + np.where(known, minute, 0)).astype("int64")
    naive = pd.Series(midnight[at] + clock.astype("timedelta64[m]"), dtype="datetime64[ns]")
    local = naive.dt.tz_localize(TZ, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward")
    local.index = date.index
    known = known & local.notna().to_numpy()
    return local.astype(pd.DatetimeTZDtype("ns", tz=TZ)), known
