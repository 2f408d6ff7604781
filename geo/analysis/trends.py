"""Monthly and yearly series of incident counts, with the LAPD legacy/NIBRS break marked.

LAPD's legacy crime series stops in early 2024 and NIBRS reporting starts on the go-live
date (``settings.analysis.nibrs_break``, 2024-03-07); counts on either side come from
different systems, so every series says which period is ``legacy``, ``nibrs`` or contains
the ``break``. Periods are local calendar months/years (America/Los_Angeles), zero-filled.

With a coverage (:mod:`geo.data.coverage`), what the data do not cover is no data, not zero:
a place or zone outside the covered area has a missing ``count`` in every period
(``coverage = "no_data"``), and periods wholly before the layer's first or after its last
covered day are missing too. ``count`` is then a nullable ``Int64`` column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import geopandas as gpd
import pandas as pd

from geo.analysis.rings import distance_to_place
from geo.analysis.zones import assign_zones, default_zone_key
from geo.core.errors import AnalysisError
from geo.core.validate import check_points, local_dates, positive, to_timestamp, union_metric
from geo.data.coverage import NO_DATA, Coverage, place_coverage

FREQS = {"month": "MS", "year": "YS"}
NIBRS_BREAK = dt.date(2024, 3, 7)


def _periods(first: pd.Timestamp, last: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    first = first.replace(day=1) if freq == "month" else first.replace(month=1, day=1)
    return pd.date_range(first, last, freq=FREQS[freq])


def time_series(
    incidents: gpd.GeoDataFrame,
    *,
    freq: str = "month",
    start: object | None = None,
    end: object | None = None,
    by: str | None = None,
    nibrs_break: object = NIBRS_BREAK,
) -> pd.DataFrame:
    """Counts per month or year (zero-filled), each period tagged with its reporting era.

    Parameters
    ----------
    incidents
        Incident table with ``occurred_at``.
    freq
        ``"month"`` or ``"year"``.
    start, end
        First and last date of the series (default: the incidents' first and last date).
    by
        Optional column to split by (``category``, ``zone``...); one series per value.
    nibrs_break
        First day of NIBRS reporting.

    Returns
    -------
    pandas.DataFrame
        ``[by], period, period_start, count, era`` with ``period`` as ``"2016-05"`` or
        ``"2016"``, ``period_start`` a naive date, ``era`` one of ``legacy``, ``break``,
        ``nibrs``; ``attrs`` holds ``freq`` and ``nibrs_break`` (ISO date).
    """
    check_points(incidents, need_time=True)
    if freq not in FREQS:
        msg = f"freq must be one of {list(FREQS)}, got {freq!r}"
        raise AnalysisError(msg)
    brk = to_timestamp(nibrs_break, "nibrs_break")
    dates = local_dates(incidents)
    first = to_timestamp(start, "start") if start is not None else dates.min()
    last = to_timestamp(end, "end") if end is not None else dates.max()
    if pd.isna(first) or pd.isna(last):
        msg = "no incidents and no start/end: cannot build a series"
        raise AnalysisError(msg)
    if first > last:
        msg = f"start {first.date()} is after end {last.date()}"
        raise AnalysisError(msg)
    index = _periods(first, last, freq)
    keep = (dates >= first) & (dates <= last)
    period = dates[keep].dt.to_period("M" if freq == "month" else "Y").dt.start_time
    if by is not None:
        if by not in incidents.columns:
            msg = f"cannot split by {by!r}: no such column"
            raise AnalysisError(msg)
        groups = incidents.loc[keep, by].astype("string").fillna("(none)")
        table = pd.crosstab(period.to_numpy(), groups.to_numpy())
        table = table.reindex(index, fill_value=0)
        stacked = table.rename_axis(index="period_start", columns=by).stack()
        assert isinstance(stacked, pd.Series)  # one level of columns: stacking leaves a Series
        long = stacked.rename("count").reset_index()
        long = long[[by, "period_start", "count"]].sort_values([by, "period_start"]).reset_index(drop=True)
    else:
        counts = period.value_counts().reindex(index, fill_value=0)
        long = pd.DataFrame({"period_start": index, "count": counts.to_numpy()})
    long["count"] = long["count"].astype("int64")
    fmt = "%Y-%m" if freq == "month" else "%Y"
    long.insert(len(long.columns) - 2, "period", long["period_start"].dt.strftime(fmt))
    step = pd.DateOffset(months=1) if freq == "month" else pd.DateOffset(years=1)
    ends = long["period_start"] + step
    long["era"] = "legacy"
    long.loc[long["period_start"] >= brk, "era"] = "nibrs"
    long.loc[(long["period_start"] < brk) & (ends > brk), "era"] = "break"
    long.attrs.update(freq=freq, nibrs_break=brk.date().isoformat())
    return long


def _uncover(
    long: pd.DataFrame, coverage: Coverage, *, freq: str, gone: pd.Series | None = None, by: str | None = None
) -> pd.DataFrame:
    """Missing counts for periods outside the coverage's dates and for the groups in ``gone``."""
    out = long.copy()
    out["count"] = out["count"].astype("Int64")
    step = pd.DateOffset(months=1) if freq == "month" else pd.DateOffset(years=1)
    starts = pd.to_datetime(out["period_start"])
    outside = pd.Series(False, index=out.index)
    if coverage.date_from:
        outside |= (starts + step) <= pd.Timestamp(coverage.date_from)
    if coverage.date_to:
        outside |= starts > pd.Timestamp(coverage.date_to)
    out["coverage"] = "covered"
    if gone is not None and by is not None:
        no = out[by].astype(str).isin([str(k) for k, v in gone.items() if v])
        out.loc[no, "coverage"] = NO_DATA
        outside |= no
    out["count"] = out["count"].mask(outside.to_numpy())
    return out


def _every_zone(long: pd.DataFrame, zones: list[str]) -> pd.DataFrame:
    """``long`` with a zero row per period for every zone in ``zones`` that had no incident."""
    periods = long[["period", "period_start", "era"]].drop_duplicates()
    missing = [z for z in zones if z not in set(long["zone"].astype(str))]
    if not missing or periods.empty:
        return long
    extra = periods.merge(pd.DataFrame({"zone": missing}), how="cross").assign(count=0)
    out = pd.concat([long, extra[long.columns]], ignore_index=True)
    return out.sort_values(["zone", "period_start"], kind="stable").reset_index(drop=True)


def place_series(
    incidents: gpd.GeoDataFrame,
    place: object,
    *,
    within_m: float,
    freq: str = "month",
    start: object | None = None,
    end: object | None = None,
    by: str | None = None,
    nibrs_break: object = NIBRS_BREAK,
    coverage: Coverage | None = None,
    min_share: float | None = None,
) -> pd.DataFrame:
    """:func:`time_series` of the incidents inside a place or within ``within_m`` metres of its border.

    With a ``coverage``, ``attrs["coverage"]`` is the place's status (``covered``, ``partial``,
    ``no_data``; judged on the place grown by ``within_m``) and ``attrs["coverage_share"]`` its
    share; a ``no_data`` place has a missing count in every period (see the module docstring).
    """
    check_points(incidents, need_time=True)
    within = positive(within_m, "within_m", "metres")
    near = incidents[(distance_to_place(incidents, place) <= within + 1e-6).to_numpy()]
    dates = local_dates(incidents)
    out = time_series(
        near,
        freq=freq,
        start=start if start is not None else (dates.min() if len(dates) else None),
        end=end if end is not None else (dates.max() if len(dates) else None),
        by=by,
        nibrs_break=nibrs_break,
    )
    out.attrs["within_m"] = within
    if coverage is not None:
        shape = gpd.GeoSeries([union_metric(place, "place")], crs="EPSG:32611").to_crs("EPSG:4326")
        judged = place_coverage(shape, coverage, within_m=within, min_share=min_share).iloc[0]
        attrs = dict(out.attrs)
        out = _uncover(out, coverage, freq=freq)
        if judged["coverage"] == NO_DATA:
            out["count"] = pd.array([pd.NA] * len(out), dtype="Int64")
        out["coverage"] = str(judged["coverage"])
        out.attrs.update(
            {**attrs, "coverage": str(judged["coverage"]), "coverage_share": float(judged["coverage_share"])}
        )
    return out


def zone_series(
    incidents: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    *,
    key: str | None = None,
    freq: str = "month",
    start: object | None = None,
    end: object | None = None,
    only: Sequence[str] | None = None,
    nibrs_break: object = NIBRS_BREAK,
    coverage: Coverage | None = None,
    min_share: float | None = None,
) -> pd.DataFrame:
    """One :func:`time_series` per zone (column ``zone``); incidents outside every zone are left out.

    With a ``coverage``, every zone is listed (zones without incidents with 0), zones outside it
    have missing counts (``coverage = "no_data"``) and periods outside its dates are missing (see
    the module docstring).
    """
    zone = assign_zones(incidents, zones, key=key)
    tagged = incidents.assign(zone=zone.to_numpy())
    tagged = tagged[tagged["zone"].notna()]
    if only is not None:
        tagged = tagged[tagged["zone"].isin(list(only))]
    dates = local_dates(incidents)
    out = time_series(
        tagged,
        freq=freq,
        start=start if start is not None else (dates.min() if len(dates) else None),
        end=end if end is not None else (dates.max() if len(dates) else None),
        by="zone",
        nibrs_break=nibrs_break,
    )
    if coverage is None:
        return out
    zone_key = zones[key or default_zone_key(zones)].astype("string").to_numpy()
    judged = place_coverage(zones, coverage, within_m=0.0, min_share=min_share)
    gone = pd.Series((judged["coverage"] == NO_DATA).to_numpy(), index=zone_key).groupby(level=0).all()
    if only is not None:
        gone = gone[gone.index.isin(list(only))]
    attrs = dict(out.attrs)
    out = _every_zone(out, list(gone.index))
    out = _uncover(out, coverage, freq=freq, gone=gone, by="zone")
    out.attrs.update(attrs)
    return out
