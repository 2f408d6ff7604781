"""Evaluation of a place-based program (Ratcliffe 2002; POP guide 10; Wheeler & Ratcliffe 2018).

Areas, in EPSG:32611 metres: the treated area **T** (the union of the treated places; a
point place becomes a disc of ``point_radius_m``), the displacement buffer **D** (the ring
of ``buffer_m`` around T, outside it) and the comparison area **C** (the union of the control
places, minus T and D so no incident is counted twice). Periods: before **b** and after
**a** the start date, of equal length in whole months.

- Weighted displacement quotient, ``WDQ = (Da/Ca - Db/Cb) / (Ta/Ca - Tb/Cb)``: the
  displacement measure over the success measure; only read when the success measure is
  negative (the treated area improved relative to the comparison).
- Weighted displacement difference with displacement, as Wheeler & Ratcliffe (2018) and
  ``ptools::wdd`` compute it: the comparison area has its own buffer **E** (the ring of
  ``buffer_m`` around C, outside T, D and C). ``local = (Ta - Tb) - (Ca - Cb)``,
  ``displacement = (Da - Db) - (Ea - Eb)``, ``total = local + displacement``; each variance is
  the sum of its Poisson counts (``Ta + Tb + Ca + Cb`` for the local estimate, all eight for
  the total), with z and a normal 95 % interval. The reading uses the total.
- Difference-in-differences on monthly counts: ``d`` = the change in the mean monthly
  difference ``T - C`` after the start (OLS of ``T_t - C_t`` on a constant and ``post``), with a
  Newey-West (HAC, Bartlett kernel) standard error robust to serial correlation and a normal
  interval.

The reading is a structured :class:`Reading` (a key plus parameters) so the interface can
word it; :func:`reading_text` gives the sentence in English or Spanish.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import stats
from shapely.geometry.base import BaseGeometry

from geo.analysis.did import did_monthly
from geo.analysis.interval import Interval, interval
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.i18n import ErrorPattern, fmt_date, match_error, t
from geo.core.validate import as_metric_geoms, check_points, local_dates, metric_xy, positive, to_timestamp

Z95 = float(stats.norm.ppf(0.975))
POINT_RADIUS_M = 150.0  # a place known only as a point stands for a disc of this radius (metres), said on the page


@dataclass(frozen=True)
class Reading:
    """A plain-language reading as a key plus the numbers its sentence needs."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WDD:
    """Wheeler & Ratcliffe's weighted displacement difference: local, displacement and total."""

    local: Interval
    displacement: Interval
    total: Interval


def wdd_displacement(
    *, tb: float, ta: float, cb: float, ca: float, db: float, da: float, eb: float, ea: float, level: float = 0.95
) -> WDD:
    """WDD with displacement (Wheeler & Ratcliffe 2018; ``ptools::wdd``).

    Parameters
    ----------
    tb, ta, cb, ca
        Counts before/after in the treated and comparison areas.
    db, da, eb, ea
        Counts before/after in the treated area's buffer (D) and the comparison's buffer (E).

    Returns
    -------
    WDD
        ``local = (ta - tb) - (ca - cb)``, ``displacement = (da - db) - (ea - eb)`` and their sum,
        each with the Poisson standard error (square root of the sum of its counts), z and
        the normal interval at ``level``.
    """
    vals = {"tb": tb, "ta": ta, "cb": cb, "ca": ca, "db": db, "da": da, "eb": eb, "ea": ea}
    for name, v in vals.items():
        if v < 0:
            msg = f"{name} must be a count >= 0, got {v}"
            raise AnalysisError(msg)
    local = float((ta - tb) - (ca - cb))
    disp = float((da - db) - (ea - eb))
    return WDD(
        local=interval(local, ta + tb + ca + cb, level),
        displacement=interval(disp, da + db + ea + eb, level),
        total=interval(local + disp, sum(vals.values()), level),
    )


def wdq(*, tb: float, ta: float, db: float, da: float, cb: float, ca: float) -> float | None:
    """Weighted displacement quotient ``(Da/Ca - Db/Cb) / (Ta/Ca - Tb/Cb)``.

    Returns None when it is undefined (a comparison count of zero, or no change in the
    treated area relative to the comparison).
    """
    if ca <= 0 or cb <= 0:
        return None
    success = ta / ca - tb / cb
    if success == 0:
        return None
    return (da / ca - db / cb) / success


def wdd(*, tb: float, ta: float, cb: float, ca: float, level: float = 0.95) -> Interval:
    """Weighted displacement difference ``(Ta - Tb) - (Ca - Cb)``, ``Var = Ta + Tb + Ca + Cb``.

    Returns
    -------
    Interval
        The difference (incidents; negative = the treated area fell more than the
        comparison), its standard error, the normal interval at ``level`` and the two-sided p.
    """
    for name, v in (("tb", tb), ("ta", ta), ("cb", cb), ("ca", ca)):
        if v < 0:
            msg = f"{name} must be a count >= 0, got {v}"
            raise AnalysisError(msg)
    return interval(float((ta - tb) - (ca - cb)), ta + tb + ca + cb, level)


@dataclass(frozen=True)
class EvaluationResult:
    """Everything a program evaluation produced (counts, measures, readings)."""

    counts: dict[str, int]
    before: tuple[str, str]
    after: tuple[str, str]
    months: int
    buffer_m: float
    wdq: float | None
    wdd: Interval
    did: Interval | None
    monthly: pd.DataFrame
    reading: Reading
    displacement: Reading
    areas_km2: dict[str, float]
    parts: WDD | None = None
    warnings: tuple[Reading, ...] = ()

    @property
    def wdq_readable(self) -> bool:
        """WDQ is read only where the treated area improved and the buffer had incidents."""
        return self.wdq is not None and self.displacement.key != "not_applicable"

    def named_counts(self) -> dict[str, int]:
        """The counts under plain names (``treated_before`` ... ``control_buffer_after``)."""
        names = {"T": "treated", "D": "buffer", "C": "control", "E": "control_buffer"}
        return {f"{names[k[0]]}_{'before' if k[1] == 'b' else 'after'}": v for k, v in self.counts.items()}

    @property
    def text_en(self) -> str:
        """The reading in English (two sentences at most)."""
        return " ".join(t for t in (reading_text(self.reading), reading_text(self.displacement)) if t)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (the monthly table as records)."""
        return {
            "counts": self.counts,
            "before": list(self.before),
            "after": list(self.after),
            "months": self.months,
            "buffer_m": self.buffer_m,
            "areas_km2": self.areas_km2,
            **self.named_counts(),
            "wdq": self.wdq if self.wdq_readable else None,
            "wdq_readable": self.wdq_readable,
            "wdd": asdict(self.wdd),
            **(
                {
                    "wdd_local": self.parts.local.estimate,
                    "wdd_local_se": self.parts.local.se,
                    "wdd_displacement": self.parts.displacement.estimate,
                    "wdd_displacement_se": self.parts.displacement.se,
                    "wdd_total": self.parts.total.estimate,
                    "wdd_total_se": self.parts.total.se,
                    "wdd_parts": {k: asdict(v) for k, v in vars(self.parts).items()},
                }
                if self.parts
                else {}
            ),
            "warnings": [asdict(w) for w in self.warnings],
            "did_per_month": asdict(self.did) if self.did else None,
            "reading": asdict(self.reading),
            "displacement": asdict(self.displacement),
            "text_en": self.text_en,
            "monthly": self.monthly.assign(month=self.monthly["month"].astype(str)).to_dict(orient="records"),
        }


def _area(places: object, what: str, point_radius_m: float) -> BaseGeometry:
    geoms = as_metric_geoms(places, what).to_numpy()
    areal = shapely.area(geoms) > 0
    geoms = np.where(areal, geoms, shapely.buffer(geoms, point_radius_m, quad_segs=16))
    return shapely.union_all(geoms)


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Whole months from ``start`` until ``end`` (start + k months <= end)."""
    k = (end.year - start.year) * 12 + (end.month - start.month)
    while k > 0 and start + pd.DateOffset(months=k) > end:
        k -= 1
    return int(max(k, 0))


def _pct(after: int, before: int) -> float | None:
    return None if before == 0 else round(100.0 * (after - before) / before, 1)


def evaluate_program(
    incidents: gpd.GeoDataFrame,
    treated: object,
    control: object,
    *,
    start: object,
    buffer_m: float,
    months: int | None = None,
    data_start: object | None = None,
    data_end: object | None = None,
    min_events: int,
    point_radius_m: float = POINT_RADIUS_M,
    small_count: int,
    hac_lags: int | None = None,
) -> EvaluationResult:
    """Before/after evaluation of a place-based program with displacement and a comparison.

    Parameters
    ----------
    incidents
        Point GeoDataFrame with ``occurred_at`` (EPSG:4326 or EPSG:32611).
    treated, control
        Places (GeoDataFrame/GeoSeries/geometry, EPSG:4326); several rows are merged.
    start
        Program start date (the first day of the after period).
    buffer_m
        Width of the displacement buffer around the treated area, metres.
    months
        Length of each period in whole months; default: as many as the data allow on both
        sides of ``start`` (from ``data_start`` to ``data_end``).
    data_start, data_end
        The dates the incident data cover (default: first and last incident date).
    min_events
        Fewer treated-area incidents than this (both periods) reads "too few events to say".
    point_radius_m
        Radius of the disc standing for a place known only as a point, metres.
    small_count
        An area with fewer incidents than this in a period gets a small-count warning.
    hac_lags
        Newey-West lags of the DiD interval (default: the automatic rule).

    Returns
    -------
    EvaluationResult
    """
    check_points(incidents, need_time=True)
    buffer = positive(buffer_m, "buffer_m", "metres")
    radius = positive(point_radius_m, "point_radius_m", "metres")
    start_ts = to_timestamp(start, "start")
    dates = local_dates(incidents)
    first = to_timestamp(data_start, "data_start") if data_start is not None else dates.min()
    last = to_timestamp(data_end, "data_end") if data_end is not None else dates.max()
    if pd.isna(first) or pd.isna(last):
        msg = "no incidents to evaluate; widen the filters"
        raise AnalysisError(msg)
    avail_before = _months_between(first, start_ts)
    avail_after = _months_between(start_ts, last + pd.Timedelta(days=1))
    if months is None:
        months = min(avail_before, avail_after)
    elif months > min(avail_before, avail_after):
        msg = (
            f"{months} months on each side of {start_ts.date()} exceed the data "
            f"({avail_before} months before, {avail_after} after)"
        )
        raise AnalysisError(msg)
    if months < 1:
        msg = (
            f"the start date {start_ts.date()} leaves no whole month of data on one side "
            f"(data {first.date()} to {last.date()})"
        )
        raise AnalysisError(msg)

    t_area = _area(treated, "treated places", radius)
    d_area = shapely.difference(t_area.buffer(buffer, quad_segs=16), t_area)
    c_area = shapely.difference(_area(control, "control places", radius), shapely.union(t_area, d_area))
    if c_area.is_empty or c_area.area <= 0:
        msg = "the control places lie entirely inside the treated area or its displacement buffer"
        raise AnalysisError(msg)
    e_area = shapely.difference(c_area.buffer(buffer, quad_segs=16), shapely.union_all([t_area, d_area, c_area]))

    edges = [start_ts + pd.DateOffset(months=k) for k in range(-months, months + 1)]
    edge_ns = np.array([e.value for e in edges], dtype=np.int64)
    month_pos = np.searchsorted(edge_ns, dates.to_numpy(dtype="datetime64[ns]").astype(np.int64), side="right") - 1
    in_window = (month_pos >= 0) & (month_pos < 2 * months)
    xy = metric_xy(incidents)
    pts = shapely.points(xy)
    areas = {"T": t_area, "D": d_area, "C": c_area, "E": e_area}
    series = {}
    for name, geom in areas.items():
        shapely.prepare(geom)
        inside = shapely.covers(geom, pts) & in_window
        series[name] = np.bincount(month_pos[inside], minlength=2 * months)
    post = np.arange(2 * months) >= months
    counts = {
        f"{a}{p}": int(series[a][~post].sum() if p == "b" else series[a][post].sum()) for a in "TDCE" for p in "ba"
    }
    tb, ta, db, da, cb, ca = (counts[k] for k in ("Tb", "Ta", "Db", "Da", "Cb", "Ca"))
    q = wdq(tb=tb, ta=ta, db=db, da=da, cb=cb, ca=ca)
    parts = wdd_displacement(tb=tb, ta=ta, cb=cb, ca=ca, db=db, da=da, eb=counts["Eb"], ea=counts["Ea"])
    w = parts.total
    did = did_monthly(series["T"], series["C"], post, lags=hac_lags) if months >= 2 else None
    monthly = pd.DataFrame(
        {
            "month": [e.strftime("%Y-%m-%d") for e in edges[:-1]],
            "post": post,
            "treated": series["T"],
            "displacement": series["D"],
            "control": series["C"],
        }
    )
    reading = _read(counts, w, did, min_events=min_events, start=start_ts, months=months)
    displacement = _read_displacement(counts, q, reading)
    return EvaluationResult(
        counts=counts,
        before=(edges[0].strftime("%Y-%m-%d"), (edges[months] - pd.Timedelta(days=1)).strftime("%Y-%m-%d")),
        after=(edges[months].strftime("%Y-%m-%d"), (edges[-1] - pd.Timedelta(days=1)).strftime("%Y-%m-%d")),
        months=months,
        buffer_m=buffer,
        wdq=q,
        wdd=w,
        did=did,
        monthly=monthly,
        reading=reading,
        displacement=displacement,
        areas_km2={k: round(v.area / 1e6, 4) for k, v in areas.items()},
        parts=parts,
        warnings=count_warnings(counts, small=small_count),
    )


AREA_CODES = ("T", "D", "C", "E")


def estimates_shown(counts: dict[str, int], rule: Disclosure) -> bool:
    """Whether the estimates may be shown beside ``counts`` as ``rule`` shows them: not when any count is hidden,
    since every estimate and its error is a sum or difference of the counts (the Trends page and ``evaluate``)."""
    return not any(rule.count(int(n)).hidden for n in counts.values())


def count_warnings(counts: dict[str, int], *, small: int) -> tuple[Reading, ...]:
    """Small-count (``wdd.small_counts``) and zero-count (``wdd.zero_counts``) warnings per area.

    ``params["area"]`` is the area's code (T, D, C, E); :func:`warning_text` words it.
    """
    out = []
    for code in AREA_CODES:
        before, after = counts.get(f"{code}b", 0), counts.get(f"{code}a", 0)
        params = {"area": code, "before": before, "after": after}
        if min(before, after) == 0:
            out.append(Reading("wdd.zero_counts", params))
        elif min(before, after) < small:
            out.append(Reading("wdd.small_counts", params))
    return tuple(out)


def _read(
    counts: dict[str, int], w: Interval, did: Interval | None, *, min_events: int, start: pd.Timestamp, months: int
) -> Reading:
    n_treated = counts["Tb"] + counts["Ta"]
    base = {"start": start.strftime("%Y-%m-%d"), "months": months}
    if n_treated < min_events:
        return Reading("too_few_events", {**base, "n_treated": n_treated, "min_events": min_events})
    params = {
        **base,
        "treated_before": counts["Tb"],
        "treated_after": counts["Ta"],
        "control_before": counts["Cb"],
        "control_after": counts["Ca"],
        "treated_change_pct": _pct(counts["Ta"], counts["Tb"]),
        "control_change_pct": _pct(counts["Ca"], counts["Cb"]),
        "wdd": round(w.estimate, 1),
        "wdd_size": round(abs(w.estimate), 1),
        "low": round(w.low, 1),
        "high": round(w.high, 1),
        "did_per_month": None if did is None else round(did.estimate, 2),
    }
    if w.high < 0:
        return Reading("decrease", params)
    if w.low > 0:
        return Reading("increase", params)
    return Reading("no_clear_change", params)


def _read_displacement(counts: dict[str, int], q: float | None, reading: Reading) -> Reading:
    if reading.key == "too_few_events":
        return Reading("not_applicable", {"reason": "too_few_events"})
    if reading.key != "decrease":
        # Displacement is read only where the program measurably worked (Ratcliffe): with no
        # clear relative decrease, a WDQ would describe noise.
        return Reading("not_applicable", {"reason": "no_clear_effect"})
    success = None
    if counts["Ca"] > 0 and counts["Cb"] > 0:
        success = counts["Ta"] / counts["Ca"] - counts["Tb"] / counts["Cb"]
    if q is None or success is None or success >= 0:
        return Reading("not_applicable", {"reason": "no_relative_decrease"})
    params = {"wdq": round(q, 2), "buffer_before": counts["Db"], "buffer_after": counts["Da"]}
    if q > 1:
        return Reading("diffusion_greater", params)
    if q > 0:
        return Reading("diffusion", params)
    if q == 0:
        return Reading("no_displacement", params)
    if q >= -1:
        return Reading("displacement", params)
    return Reading("displacement_greater", params)


READING_KEYS: tuple[str, ...] = (
    "too_few_events",
    "decrease",
    "increase",
    "no_clear_change",
    "diffusion_greater",
    "diffusion",
    "no_displacement",
    "displacement",
    "displacement_greater",
    "not_applicable",
)


def warning_text(warning: Reading, lang: str = "en", *, rule: Disclosure | None = None) -> str:
    """A small- or zero-count warning as a sentence in ``lang``; its counts as ``rule`` shows them."""
    params = dict(warning.params)
    params["area"] = t(f"wdd.area.{params['area']}", lang)
    if rule is not None:
        for key in ("before", "after"):
            if key in params:
                params[key] = rule.text(int(params[key]), lang)
    return t(warning.key, lang, **params)


_DATE = r"(\d{4}-\d{2}-\d{2})"
_EVAL_ERRORS: tuple[ErrorPattern, ...] = (
    (re.compile(r"^no incidents to evaluate"), "no_incidents", ()),
    (re.compile(rf"^the start date {_DATE} leaves no whole month of data on one side \(data {_DATE} to {_DATE}\)"),
     "no_month", ("start", "first", "last")),
    (re.compile(rf"^(\d+) months on each side of {_DATE} exceed the data \((\d+) months before, (\d+) after\)"),
     "months", ("months", "start", "before", "after")),
    (re.compile(r"^the control places lie entirely inside the treated area"), "control_inside", ()),
)  # fmt: skip


def evaluation_error_text(error: BaseException | str, lang: str = "en") -> str:
    """Why an evaluation could not be computed, in ``lang`` (catalog keys ``eval.err.*``): the known errors
    of :func:`evaluate_program` with their dates in the language's style; another one as it is in English and as a
    general message in Spanish, never English inside a Spanish sentence."""
    text = str(error)
    known = match_error(text, _EVAL_ERRORS)
    if known is None:
        return text if lang == "en" else t("eval.err.other", lang)
    key, found = known
    values = {k: fmt_date(dt.date.fromisoformat(v), lang) if len(v) == 10 else v for k, v in found.items()}
    return t(f"eval.err.{key}", lang, **values)


def default_start(wanted: dt.date | None, first: dt.date, last: dt.date) -> tuple[dt.date, bool]:
    """The program start to evaluate by default and whether it is ``wanted`` itself.

    ``wanted`` (the place's program start) when at least a whole month of data lies on each side of it;
    otherwise the first of the month in the middle of the data (``first`` to ``last``), so the page
    opens on an evaluation it can compute rather than on a date at the data's edge."""
    month = pd.DateOffset(months=1)
    lo, hi = pd.Timestamp(first) + month, pd.Timestamp(last) + pd.Timedelta(days=1) - month
    if wanted is not None and lo <= pd.Timestamp(wanted) <= hi:
        return wanted, True
    middle = pd.Timestamp(first) + (pd.Timestamp(last) - pd.Timestamp(first)) / 2
    start = middle.to_period("M").to_timestamp()
    return (start if start > pd.Timestamp(first) else middle.normalize()).date(), False


def reading_text(reading: Reading, lang: str = "en") -> str:
    """The reading as a sentence in ``lang`` (templates ``reading.<key>`` in geo/core/locales)."""
    if reading.key not in READING_KEYS:
        msg = f"unknown reading key {reading.key!r}"
        raise AnalysisError(msg)
    if reading.key == "not_applicable":
        return ""
    params = {k: ("n/a" if v is None else v) for k, v in reading.params.items()}
    return t(f"reading.{reading.key}", lang, **params)
