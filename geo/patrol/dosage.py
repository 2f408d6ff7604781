"""Patrol dosage: time spent at each planned stop or hot spot, measured from GPX tracks.

Rules (the parameters are :class:`geo.core.settings.DosageSettings`; distances in metres,
measured in EPSG:32611):

1. **At the stop, with hysteresis.** A track point within ``radius_m`` of a stop puts the
   patrol at the stop; it stays there until a point is farther than ``radius_m + hysteresis_m``.
   Points between the two circles keep the state of the point before them, so GPS jitter at the
   edge neither starts nor ends a presence.
2. **Presence.** Time between two consecutive points of a track that are both at the stop is
   present time, unless they are more than ``max_step_s`` apart (no signal: not counted). A
   longer step still counts when its two points are within ``still_m`` of each other and at most
   ``still_gap_min`` apart: phones that record only on movement write no points while the officer
   stands still. A longer pause is no signal even at the same spot (the officer may have left and
   come back): its minutes are reported per stop as ``no_signal_min``, never counted as presence.
   Walking is not staying: a point whose displacement over ``speed_window_s`` (centred on it) is
   faster than ``moving_mps`` is walking, and a step counts
   only when both its points are not walking; so the walk into and out of the circle, and a walk
   straight through it, add no minutes (GPS jitter of a few metres over a minute stays far
   below walking speed).
3. **Counted once.** The presence intervals of all tracks are merged (their union), so the
   same walk uploaded twice, or recorded by a phone and a watch, is counted once; dosage is a
   property of the place, never of an officer.
4. **Visits.** Presences less than ``visit_gap_min`` apart are one visit (a short excursion is
   not a second visit); the minutes of a visit are its present time. A visit with less than
   ``min_stay_min`` present is not a visit. A *pass* is a time in the circle (walking or not)
   that overlaps no visit: walking through, or a stay too short; passes are counted apart and
   add no dosage.

Per stop: visits, minutes present, first and last visit, the longest gap between visits, and
the planned dwell beside the measured one. Per walk (tracks joined where they are less than
``walk_gap_min`` apart): minutes walked against the plan's time budget, and the order in which
stops were first reached against the planned order.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.i18n import fmt_int, t
from geo.core.projection import WGS84, lonlat_to_metric, points_metric
from geo.core.schema import TZ
from geo.core.settings import DosageSettings
from geo.data.coverage import Coverage, has_data
from geo.data.tracks import PLAN_COLUMNS, Plan, Track, plan_frame

Intervals = list[tuple[pd.Timestamp, pd.Timestamp]]
STOP_FIELDS = (
    "stop_id", "label", "order", "lat", "lon", "visits", "minutes", "passes", "first_visit", "last_visit",
    "longest_gap_min", "planned_min", "difference_min", "no_signal_min",
)  # fmt: skip


@dataclass
class DosageReport:
    """Dosage per stop, the visits, the walks and the accounting of every track (times in UTC).

    ``stops`` has :data:`STOP_FIELDS`; ``visits`` one row per visit (``stop_id, start, end,
    minutes``); ``walks`` one row per walk (``start, end, minutes, stops_reached, order``);
    ``tracks`` one accounting dict per track, in the order given.
    """

    stops: pd.DataFrame
    visits: pd.DataFrame
    walks: pd.DataFrame
    tracks: list[dict[str, Any]]
    plan: Plan
    params: DosageSettings
    order: dict[str, Any] = field(default_factory=dict)

    @property
    def unvisited(self) -> list[str]:
        """Stop ids with no visit."""
        return [str(s) for s in self.stops.loc[self.stops["visits"] == 0, "stop_id"]]


def stops_from_route(route: Any) -> Plan:
    """The planned stops of a :class:`geo.patrol.planner.PatrolRoute` (order, arrival, dwell, start, end)."""
    stops = getattr(route, "stops", None)
    if not isinstance(stops, gpd.GeoDataFrame) or not {"order", "arrive", "dwell_min"} <= set(stops.columns):
        msg = f"expected a planned PatrolRoute, got {type(route).__name__}"
        raise AnalysisError(msg)
    frame = plan_frame(
        [float(p.x) for p in stops.geometry], [float(p.y) for p in stops.geometry],
        arrive=[pd.Timestamp(a).tz_convert("UTC") for a in stops["arrive"]],
        dwell=[float(d) for d in stops["dwell_min"]],
    )  # fmt: skip
    start = pd.Timestamp(route.start_time).tz_convert("UTC")
    end = pd.Timestamp(route.end_time).tz_convert("UTC")
    return Plan(frame, start, end)


def _union(intervals: Intervals) -> Intervals:
    out: Intervals = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _at_stop(dist: NDArray[np.float64], inner: float, outer: float) -> NDArray[np.bool_]:
    """Hysteresis: inside when <= inner; outside when > outer; in between, the previous state."""
    state = pd.Series(np.where(dist <= inner, 1.0, np.where(dist > outer, 0.0, np.nan)))
    return np.asarray(state.ffill().fillna(0.0).to_numpy() > 0, dtype=bool)


def _presence(
    times: NDArray[np.int64], at: NDArray[np.bool_], still: NDArray[np.bool_], *, max_step_ns: int, max_still_ns: int
) -> list[tuple[int, int]]:
    """Runs of consecutive pairs both at the stop and close enough in time, as (start, end) ns.

    A pair counts when at most ``max_step_ns`` apart, or when ``still`` (the two points within the
    stillness distance) and at most ``max_still_ns`` apart.
    """
    step = np.diff(times)
    pair = at[:-1] & at[1:] & ((step <= max_step_ns) | (still & (step <= max_still_ns)))
    edges = np.diff(np.r_[0, pair.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(times[a]), int(times[b])) for a, b in zip(starts, ends, strict=True)]


def _silent_minutes(
    times: NDArray[np.int64], at: NDArray[np.bool_], still: NDArray[np.bool_], *, max_still_ns: int
) -> float:
    """Minutes of the pauses at the stop with no points longer than ``max_still_ns`` between two points at the same
    spot: the signal was lost (the officer may have left and come back), so the time is neither presence nor 0."""
    step = np.diff(times)
    silent = at[:-1] & at[1:] & still & (step > max_still_ns)
    return float(step[silent].sum() / 60e9)


def _slow(
    times: NDArray[np.int64], x: NDArray[np.float64], y: NDArray[np.float64], window_ns: int, mps: float
) -> NDArray[np.bool_]:
    """Points not walking: displacement between the first and last point within +-window/2, per second, <= mps."""
    half = window_ns // 2
    lo = np.searchsorted(times, times - half, side="left")
    hi = np.searchsorted(times, times + half, side="right") - 1
    span = (times[hi] - times[lo]) / 1e9
    dist = np.hypot(x[hi] - x[lo], y[hi] - y[lo])
    speed = np.divide(dist, span, out=np.zeros_like(dist), where=span > 0)
    return np.asarray(speed <= mps)


def _visits(intervals: Intervals, gap: pd.Timedelta) -> list[tuple[pd.Timestamp, pd.Timestamp, float]]:
    """Group merged presences less than ``gap`` apart; (start, end, minutes present)."""
    out: list[tuple[pd.Timestamp, pd.Timestamp, float]] = []
    for a, b in intervals:
        mins = (b - a).total_seconds() / 60
        if out and a - out[-1][1] < gap:
            s, _, m = out[-1]
            out[-1] = (s, b, m + mins)
        else:
            out.append((a, b, mins))
    return out


def _walks(tracks: Sequence[Track], gap: pd.Timedelta) -> Intervals:
    spans: Intervals = []
    for tr in tracks:
        t = tr.points["time"]
        breaks = np.flatnonzero(t.diff().to_numpy()[1:] > gap.to_timedelta64())
        cuts = [0, *(breaks + 1).tolist(), len(t)]
        spans.extend((t.iloc[a], t.iloc[b - 1]) for a, b in itertools.pairwise(cuts))
    return _union(spans)


def _check(tracks: Sequence[Track], plan: Plan, params: DosageSettings) -> None:
    if not isinstance(plan, Plan) or plan.stops.empty:
        msg = "dosage needs a plan with at least one stop (--plan ROUTE.gpx or --stops FILE)"
        raise AnalysisError(msg)
    if not tracks:
        msg = "dosage needs at least one GPX track with times"
        raise AnalysisError(msg)
    if not all(isinstance(t, Track) for t in tracks):
        msg = "tracks must be read with geo.data.tracks.read_gpx"
        raise AnalysisError(msg)
    if not isinstance(params, DosageSettings):
        msg = f"params must be DosageSettings, got {type(params).__name__}"
        raise AnalysisError(msg)
    missing = set(PLAN_COLUMNS) - set(plan.stops.columns)
    if missing:
        msg = f"plan stops lack columns {sorted(missing)}"
        raise AnalysisError(msg)


def measure_dosage(tracks: Sequence[Track], plan: Plan, *, params: DosageSettings) -> DosageReport:
    """Dosage at every planned stop from one or more tracks (see the module docstring for the rules).

    Parameters
    ----------
    tracks
        Tracks from :func:`geo.data.tracks.read_gpx` or the store; overlapping tracks count once.
    plan
        Planned stops (EPSG:4326) with order, arrival and dwell where known.
    params
        Radius and hysteresis (metres), minimum stay, visit gap and walk gap (minutes), the
        longest step counted as present (seconds) and the distance beyond which a track is far
        from every stop (metres).

    Returns
    -------
    DosageReport
        Per stop, per visit and per walk; times in UTC.
    """
    _check(tracks, plan, params)
    stops = plan.stops.reset_index(drop=True)
    sxy = points_metric(stops)
    inner, outer = params.radius_m, params.radius_m + params.hysteresis_m
    max_step = int(params.max_step_s * 1e9)
    max_still = int(params.still_gap_min * 60e9)
    presence: list[Intervals] = [[] for _ in range(len(stops))]
    no_signal = np.zeros(len(stops))
    passing: list[Intervals] = [[] for _ in range(len(stops))]
    accounts: list[dict[str, Any]] = []
    for k, tr in enumerate(tracks, start=1):
        pts = tr.points
        x, y = lonlat_to_metric(pts["lon"].to_numpy(dtype=float), pts["lat"].to_numpy(dtype=float))
        times = pd.DatetimeIndex(pts["time"]).as_unit("ns").asi8
        still = np.hypot(np.diff(x), np.diff(y)) <= params.still_m
        slow = _slow(times, x, y, int(params.speed_window_s * 1e9), params.moving_mps)
        nearest = np.inf
        for j, (sx, sy) in enumerate(sxy):
            dist = np.hypot(x - sx, y - sy)
            nearest = min(nearest, float(dist.min()))
            at = _at_stop(dist, inner, outer)
            no_signal[j] += _silent_minutes(times, at, still, max_still_ns=max_still)
            for a, b in _presence(times, at & slow, still, max_step_ns=max_step, max_still_ns=max_still):
                presence[j].append((pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")))
            for a, b in _presence(times, at, still, max_step_ns=max_step, max_still_ns=max_still):
                passing[j].append((pd.Timestamp(a, tz="UTC"), pd.Timestamp(b, tz="UTC")))
        account = {"track": k, "track_id": tr.track_id, **tr.report, "nearest_stop_m": round(nearest, 1)}
        account["far_from_every_stop"] = bool(nearest > params.far_m)
        accounts.append(account)

    gap = pd.Timedelta(minutes=params.visit_gap_min)
    rows: list[dict[str, Any]] = []
    visit_rows: list[dict[str, Any]] = []
    for j, stop in stops.iterrows():
        groups = _visits(_union(presence[j]), gap)
        real = [v for v in groups if v[2] >= params.min_stay_min]
        passes = [g for g in _visits(_union(passing[j]), gap) if not any(v[0] <= g[1] and g[0] <= v[1] for v in real)]
        minutes = float(sum(v[2] for v in real))
        gaps = [(b[0] - a[1]).total_seconds() / 60 for a, b in itertools.pairwise(real)]
        planned = float(stop["dwell_min"]) if pd.notna(stop["dwell_min"]) else float("nan")
        rows.append(
            {
                "stop_id": stop["stop_id"], "label": stop["label"], "order": int(stop["order"]),
                "lat": float(stop.geometry.y), "lon": float(stop.geometry.x), "visits": len(real),
                "minutes": minutes, "passes": len(passes),
                "first_visit": real[0][0] if real else pd.NaT, "last_visit": real[-1][1] if real else pd.NaT,
                "longest_gap_min": max(gaps) if gaps else float("nan"), "planned_min": planned,
                "difference_min": minutes - planned, "no_signal_min": float(no_signal[j]),
            }
        )  # fmt: skip
        visit_rows += [{"stop_id": stop["stop_id"], "start": a, "end": b, "minutes": m} for a, b, m in real]
    table = pd.DataFrame(rows, columns=list(STOP_FIELDS))
    visits = pd.DataFrame(visit_rows, columns=["stop_id", "start", "end", "minutes"])
    walks, order = _walk_table(tracks, visits, stops, plan, params)
    return DosageReport(table, visits, walks, accounts, plan, params, order)


def _walk_table(
    tracks: Sequence[Track], visits: pd.DataFrame, stops: gpd.GeoDataFrame, plan: Plan, params: DosageSettings
) -> tuple[pd.DataFrame, dict[str, Any]]:
    spans = _walks(tracks, pd.Timedelta(minutes=params.walk_gap_min))
    rank = dict(zip(stops["stop_id"], stops["order"], strict=True))
    rows = []
    for a, b in spans:
        inside = visits[(visits["start"] >= a) & (visits["start"] <= b)].sort_values("start")
        walked = list(dict.fromkeys(int(rank[s]) for s in inside["stop_id"]))
        rows.append(
            {"start": a, "end": b, "minutes": (b - a).total_seconds() / 60, "stops_reached": len(walked),
             "order": walked}
        )  # fmt: skip
    walks = pd.DataFrame(rows, columns=["start", "end", "minutes", "stops_reached", "order"])
    ordered = bool((stops["order"] > 0).all())
    order: dict[str, Any] = {"planned": list(map(int, stops["order"])) if ordered else None}
    if ordered:
        order["as_planned"] = [w == sorted(w) for w in walks["order"]]
    order["budget_min"] = plan.budget_min
    return walks, order


def track_warnings(report: DosageReport, lang: str) -> list[str]:
    """One line per track that needs a word: far from every stop, reordered or zone-less times, dropped points."""
    out: list[str] = []
    for a in report.tracks:
        k = a["track"]
        if a["far_from_every_stop"]:
            out.append(t("dosage.warn.far", lang, track=k, metres=fmt_int(a["nearest_stop_m"], lang)))
        if a.get("reordered"):
            out.append(t("dosage.warn.reordered", lang, track=k, n=a["reordered"]))
        if a.get("naive_times"):
            out.append(t("dosage.warn.naive", lang, track=k, n=a["naive_times"], zone=a["naive_time_zone"]))
        dropped = sum((a.get("dropped") or {}).values())
        if dropped:
            out.append(t("dosage.warn.dropped", lang, track=k, n=dropped, read=a["read"]))
    return out


def week_start(times: pd.Series) -> pd.Series:
    """The Monday (local date, America/Los_Angeles) of the week each UTC time falls in."""
    local = pd.to_datetime(times, utc=True).dt.tz_convert(TZ).dt.tz_localize(None).dt.normalize()
    return (local - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date


def weekly_dosage(
    report: DosageReport, incidents: gpd.GeoDataFrame | None = None, *, incident_radius_m: float, min_count: int,
    period: tuple[dt.date, dt.date] | None = None, coverage: Coverage | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Minutes and visits per stop per week, with the incidents near each stop that week beside them.

    Weeks run Monday to Sunday in local time (America/Los_Angeles): every week in which a track
    was recorded, and only those; a stop with no visit that week has 0 minutes. ``incidents`` (EPSG:4326
    points with ``occurred_at``) within ``incident_radius_m`` metres of a stop are counted per
    week: descriptive only (patrol and incidents are not a cause and effect here), and
    ``small_count`` marks counts below ``min_count``, too few to read a change into. Where the data say
    nothing the count is missing, never 0 (``no_data`` True): a week wholly outside the data's period
    (``period``, first and last local day; default the incidents' own first and last dates), and a stop
    whose surroundings the data's ``coverage`` does not reach (:func:`geo.data.coverage.has_data`).

    Returns
    -------
    pandas.DataFrame
        ``week, stop_id, order, minutes, visits, incidents, small_count, no_data`` (``incidents`` is NA
        without an incident table, and where there are no data).
    """
    if not isinstance(report, DosageReport):
        msg = f"expected a DosageReport, got {type(report).__name__}"
        raise AnalysisError(msg)
    columns = ["week", "stop_id", "order", "minutes", "visits", "incidents", "small_count", "no_data"]
    spans = [*report.walks["start"], *report.walks["end"]]
    if not spans:
        return pd.DataFrame(columns=columns)
    weeks = sorted(set(week_start(pd.Series(spans))))
    stops = report.stops[["stop_id", "order", "lat", "lon"]]
    grid = pd.MultiIndex.from_product([weeks, stops["stop_id"]], names=["week", "stop_id"]).to_frame(index=False)
    v = report.visits.assign(week=week_start(report.visits["start"]))
    per = v.groupby(["week", "stop_id"]).agg(minutes=("minutes", "sum"), visits=("minutes", "size")).reset_index()
    out = grid.merge(per, on=["week", "stop_id"], how="left").fillna({"minutes": 0.0, "visits": 0})
    out["visits"] = out["visits"].astype(int)
    out = out.merge(stops[["stop_id", "order"]], on="stop_id")
    if incidents is None:
        for col in ("incidents", "small_count", "no_data"):
            out[col] = pd.NA
        return out[columns]
    gone = _no_data(out, stops, incidents, period=period, coverage=coverage, radius_m=incident_radius_m)
    found = np.zeros(len(out), dtype=np.int64)
    if len(incidents):
        counts = _incidents_by_week(stops, incidents, radius_m=incident_radius_m)
        merged = out[["week", "stop_id"]].merge(counts, on=["week", "stop_id"], how="left")
        found = merged["incidents"].fillna(0).to_numpy(dtype=np.int64)
    rule = Disclosure(min_count)
    out["incidents"] = pd.array([None if g else int(n) for n, g in zip(found, gone, strict=True)], dtype="Int64")
    out["small_count"] = pd.array([None if g else not rule.enough(int(n)) for n, g in zip(found, gone, strict=True)],
                                  dtype="boolean")  # fmt: skip
    out["no_data"] = gone
    return out[columns]


def _no_data(
    weekly: pd.DataFrame, stops: pd.DataFrame, incidents: gpd.GeoDataFrame, *, period: tuple[dt.date, dt.date] | None,
    coverage: Coverage | None, radius_m: float,
) -> NDArray[np.bool_]:  # fmt: skip
    """Rows of a weekly table the data say nothing about: weeks outside the data's period, stops outside its area."""
    if period is None:
        if not len(incidents):
            return np.ones(len(weekly), dtype=bool)
        local = pd.to_datetime(incidents["occurred_at"], utc=True).dt.tz_convert(TZ)
        period = (local.min().date(), local.max().date())
    first, last = period
    week = pd.to_datetime(pd.Series(weekly["week"].to_numpy()))
    outside = ((week + pd.Timedelta(days=6)).dt.date < first).to_numpy() | (week.dt.date > last).to_numpy()
    if coverage is not None:
        spots = gpd.GeoSeries(gpd.points_from_xy(stops["lon"], stops["lat"]), index=stops["stop_id"], crs=WGS84)
        known = has_data(spots, coverage, within_m=radius_m)
        outside |= ~weekly["stop_id"].map(known).fillna(True).to_numpy(dtype=bool)
    return np.asarray(outside, dtype=bool)


def _incidents_by_week(stops: pd.DataFrame, incidents: gpd.GeoDataFrame, *, radius_m: float) -> pd.DataFrame:
    ixy = points_metric(incidents)
    sx, sy = lonlat_to_metric(stops["lon"].to_numpy(dtype=float), stops["lat"].to_numpy(dtype=float))
    weeks = week_start(incidents["occurred_at"])
    frames = []
    for sid, x0, y0 in zip(stops["stop_id"], sx, sy, strict=True):
        near = np.hypot(ixy[:, 0] - x0, ixy[:, 1] - y0) <= radius_m
        counts = weeks[near].value_counts()
        frames.append(pd.DataFrame({"week": counts.index, "stop_id": sid, "incidents": counts.to_numpy()}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["week", "stop_id", "incidents"])


def _day(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return str(pd.Timestamp(value).tz_convert(TZ).date())


def _clock(value: Any) -> str | None:
    if value is None or pd.isna(value):
        return None
    return str(pd.Timestamp(value).tz_convert(TZ).isoformat(timespec="minutes"))


def _num(value: Any, digits: int = 1) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), digits)


def rows(frame: pd.DataFrame) -> Iterator[Any]:
    """The rows of a report table (``row.minutes``). Their columns mix numbers, text and times, which
    pandas-stubs types as one union for every attribute; each use converts the value it reads."""
    return cast("Iterator[Any]", frame.itertuples())


def report_json(report: DosageReport, *, mode: str) -> dict[str, Any]:
    """A JSON-ready report: per place, never per officer.

    ``public`` (the default) gives visit dates as whole local days and walks as a day and their
    minutes; ``internal`` adds clock times (America/Los_Angeles). Neither names tracks by file
    or device: a track is its position in the list and its content id.
    """
    if mode not in ("public", "internal"):
        msg = f"mode must be public or internal, got {mode!r}"
        raise AnalysisError(msg)
    when = _day if mode == "public" else _clock
    stops = [
        {
            "stop_id": r.stop_id, "order": int(r.order), "lat": round(r.lat, 6), "lon": round(r.lon, 6),
            "visits": int(r.visits), "minutes": _num(r.minutes), "passes": int(r.passes),
            "first_visit": when(r.first_visit), "last_visit": when(r.last_visit),
            "longest_gap_min": _num(r.longest_gap_min), "planned_min": _num(r.planned_min),
            "difference_min": _num(r.difference_min), "no_signal_min": _num(r.no_signal_min),
        }
        for r in rows(report.stops)
    ]  # fmt: skip
    walks = [
        {"day": _day(w.start), **({"start": _clock(w.start), "end": _clock(w.end)} if mode == "internal" else {}),
         "minutes": _num(w.minutes), "stops_reached": int(w.stops_reached), "order": list(w.order)}
        for w in rows(report.walks)
    ]  # fmt: skip
    tracks = [{**t, **{k: when(pd.Timestamp(t[k])) for k in ("first", "last") if t.get(k)}} for t in report.tracks]
    p = report.params
    return {
        "mode": mode,
        "stops": stops,
        "unvisited": report.unvisited,
        "walks": walks,
        "order": {**report.order, "budget_min": _num(report.order.get("budget_min"))},
        "tracks": tracks,
        "rules": {
            "radius_m": p.radius_m, "hysteresis_m": p.hysteresis_m, "min_stay_min": p.min_stay_min,
            "visit_gap_min": p.visit_gap_min, "max_step_s": p.max_step_s, "still_m": p.still_m,
            "still_gap_min": p.still_gap_min,
            "walk_gap_min": p.walk_gap_min,
        },
    }  # fmt: skip
