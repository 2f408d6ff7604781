"""Community-meeting exports: a bilingual, print-ready report about the area around a place.

:func:`build_report` gathers everything a handout, a slide or an offline HTML map shows: a title,
the period and "data as of" date, three key figures, a plain-language summary, a trend of the
focus area with the LAPD legacy/NIBRS break marked, the map layer, the caveats and the sources.
The rows are chosen by one :class:`~geo.core.filters.Filters` value, as on the dashboard's pages.
The map layer depends on the privacy mode (:mod:`geo.exports.privacy`): ``public`` (the default)
holds only grid cells with small counts suppressed; ``internal`` holds points and is watermarked.

The model is :class:`geo.exports.model.Report`; the renderers (PNG, PDF, HTML) are in
:mod:`geo.exports.render`. Distances are metres (EPSG:32611); geometry is kept in EPSG:4326;
dates are local calendar dates (America/Los_Angeles), inclusive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.analysis.change import count_change
from geo.analysis.trends import time_series
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError, SafetyMapError
from geo.core.filters import Filters, apply
from geo.core.i18n import check_lang, fmt_date, fmt_int, t
from geo.core.projection import METRIC, WGS84
from geo.core.settings import Settings, get_settings
from geo.core.validate import check_points, local_dates, metric_xy
from geo.data.coverage import NO_DATA, PARTIAL, Coverage, place_coverage
from geo.data.labels import layer_unit
from geo.data.sources import UNIT_INCIDENTS, UNIT_VICTIMS
from geo.exports import wording
from geo.exports.focus import Focus, report_focus
from geo.exports.inset import wider_area
from geo.exports.model import (
    MAX_TREND_BARS,
    MAX_TREND_YEARS,
    MIN_YEARLY_SPAN_DAYS,
    Context,
    Counts,
    KeyFigure,
    Period,
    Report,
    comparison_period,
    shift_year,
)
from geo.exports.privacy import (
    LEVEL_COLOURS,
    SUPPRESSED_COLOUR,
    check_mode,
    check_public_cells,
    internal_points,
    public_cells,
)

__all__ = ["build_report", "comparison_period"]

Legend = list[tuple[str, str, str]]


def _unit(incidents: gpd.GeoDataFrame) -> str:
    """What the rows count (:func:`geo.data.labels.layer_unit` of each source): people killed when every source
    is per victim, else incidents."""
    sources = set(incidents["source"].dropna().astype(str)) if "source" in incidents.columns else set()
    units = {layer_unit({"source": src}) for src in sources}
    return UNIT_VICTIMS if units == {UNIT_VICTIMS} else UNIT_INCIDENTS


def _context(
    filters: Filters, *, lang: str, privacy: str | None, settings: Settings | None, unit: str = UNIT_INCIDENTS
) -> Context:
    """The language, mode and settings of a report (the ring is the outermost of ``filters.rings_m``)."""
    if not isinstance(filters, Filters):
        msg = f"filters must be a geo.core.filters.Filters, got {type(filters).__name__}"
        raise AnalysisError(msg)
    cfg = settings if settings is not None else get_settings()
    return Context(
        lang=check_lang(lang),
        mode=check_mode(privacy if privacy is not None else cfg.privacy.default_mode),
        cfg=cfg,
        min_count=cfg.privacy.min_count,
        cell_m=float(cfg.analysis.grid_cell_m),
        ring_m=float((filters.rings_m or cfg.distances.rings_m)[-1]),
        nibrs_break=cfg.analysis.nibrs_break,
        unit=unit,
    )


# --- dates --------------------------------------------------------------------------------


def _as_date(value: object, what: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):  # a pandas Timestamp is a datetime, above
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    msg = f"{what} must be a date like 2016-01-31, got {value!r}"
    raise AnalysisError(msg)


def _in_period(dates: pd.Series, start: dt.date, end: dt.date) -> np.ndarray:
    inside = (dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))
    return np.asarray(inside, dtype=bool)


def _period(incidents: gpd.GeoDataFrame, filters: Filters, rule: Disclosure) -> Period:
    """The period of ``filters`` (default: the 12 months ending with the data's latest date), in whole months
    in the public view (``privacy.public_period``)."""
    dates = local_dates(incidents) if len(incidents) else pd.Series(dtype="datetime64[ns]")
    latest = dates.max().date() if len(dates) else None
    first = dates.min().date() if len(dates) else None
    end = filters.end
    if end is None:
        if latest is None:
            msg = "no incidents and no end date: give the period with start/end"
            raise AnalysisError(msg)
        end = latest
    start = filters.start if filters.start is not None else shift_year(end, -1) + dt.timedelta(days=1)
    if start > end:
        msg = f"the start date {start} is after the end date {end}"
        raise AnalysisError(msg)
    public_start, public_end = rule.dates(start, end)
    return Period(start=public_start or start, end=public_end or end, first=first, latest=latest)


# --- counts ------------------------------------------------------------


def _within(incidents: gpd.GeoDataFrame, geom_m: BaseGeometry, ring_m: float) -> np.ndarray:
    """Mask of incidents inside ``geom_m`` or within ``ring_m`` metres of it (EPSG:32611)."""
    if len(incidents) == 0:
        return np.zeros(0, dtype=bool)
    pts = shapely.points(metric_xy(incidents))
    shapely.prepare(geom_m)
    return np.asarray(shapely.dwithin(geom_m, pts, ring_m + 1e-6), dtype=bool)


def _counts(selected: gpd.GeoDataFrame, period: Period, focus: Focus, ctx: Context) -> Counts:
    """Incidents on the map in the period, near the focus in the period and in the comparison period."""
    empty = np.zeros(0, dtype=bool)
    dates = local_dates(selected) if len(selected) else pd.Series(dtype="datetime64[ns]")
    in_period = _in_period(dates, period.start, period.end) if len(selected) else empty
    period_rows = selected[in_period]
    xy = metric_xy(period_rows)
    x0, x1, y0, y1 = focus.extent_m
    on_map = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1) if len(xy) else empty
    near = _within(selected, focus.geom_m, ctx.ring_m)
    c_start, c_end, c_kind = comparison_period(period.start, period.end)
    n_near = int((near & in_period).sum()) if len(selected) else 0
    n_prev = int((near & _in_period(dates, c_start, c_end)).sum()) if len(selected) else 0
    return Counts(
        n_map=int(on_map.sum()),
        n_near=n_near,
        n_prev=n_prev,
        compare_kind=c_kind,
        covered=period.first is not None and period.first <= c_start,
        change=count_change(
            n_near,
            n_prev,
            small_count=ctx.cfg.analysis.small_count,
            periods=((period.start, period.end), (c_start, c_end)),
            series_break=ctx.nibrs_break,
            exposure=period.days / ((c_end - c_start).days + 1),
        ),
        shown=ctx.disclosure.enough(n_near, n_prev),
        period_rows=period_rows,
        on_map=on_map,
        near_all=selected[near],
    )


# --- map layer, trend, streets -------------------------------------------------------


def _map_layer(
    counts: Counts, focus: Focus, *, has_streets: bool, ctx: Context
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None, Legend, str]:
    """``(cells, points, legend, legend title)``: public grid cells or internal points, and the legend."""
    code, colours = ctx.lang, ctx.cfg.colours
    cells: gpd.GeoDataFrame | None = None
    points: gpd.GeoDataFrame | None = None
    legend: Legend = []
    if ctx.mode == "public":
        cells = public_cells(
            counts.period_rows, cell_m=ctx.cell_m, min_count=ctx.min_count, lang=code, bounds=focus.bounds_m
        )
        check_public_cells(cells, min_count=ctx.min_count)
        legend_title = t(wording.unit_key("report.legend.title", ctx), code, cell=fmt_int(ctx.cell_m, code))
        if len(cells):
            labels = cells.attrs["class_labels"]
            if (~cells["suppressed"]).any():
                present = sorted({int(v) for v in cells.loc[~cells["suppressed"], "level"]})
                legend += [("cell", LEVEL_COLOURS[i - 1], labels[i - 1]) for i in present]
            for label in sorted(set(cells.loc[cells["suppressed"], "label"].astype(str)), key=_withheld_last(code)):
                legend.append(("suppressed", SUPPRESSED_COLOUR, label))
    else:
        points = internal_points(counts.period_rows[counts.on_map])
        legend_title = t("legend.title", code)
        legend.append(("point", colours.homicide, t("report.legend.points", code)))
    legend.append(("ring", colours.focus, t("report.legend.ring", code, distance=ctx.distance, place=focus.name)))
    if has_streets:
        legend.append(("street", colours.street, t("report.legend.streets", code)))
    return cells, points, legend, legend_title


def _withheld_last(lang: str) -> Callable[[str], bool]:
    withheld = t("privacy.withheld", lang)
    return lambda label: label == withheld


def _trend_start(first: dt.date, start: dt.date, end: dt.date) -> tuple[dt.date, str]:
    """The first day of the trend and its step: every year of the period (and up to
    :data:`MAX_TREND_YEARS` years before a short one, for context), never before the data's first
    year, at most :data:`MAX_TREND_BARS` bars; months when the data span less than three years."""
    if (end - first).days < MIN_YEARLY_SPAN_DAYS:
        return first.replace(day=1), "month"
    year = max(first.year, min(start.year, end.year - MAX_TREND_YEARS + 1), end.year - MAX_TREND_BARS + 1)
    return dt.date(year, 1, 1), "year"


def _trend_series(
    near: gpd.GeoDataFrame, *, first: dt.date, start: dt.date, end: dt.date, nibrs_break: dt.date
) -> tuple[pd.DataFrame, str]:
    t0, freq = _trend_start(first, start, end)
    series = time_series(near, freq=freq, start=t0, end=end, nibrs_break=nibrs_break)
    step = pd.DateOffset(years=1) if freq == "year" else pd.DateOffset(months=1)
    ends = series["period_start"] + step - pd.Timedelta(days=1)
    series["partial"] = ends > pd.Timestamp(end)
    series["in_period"] = (ends >= pd.Timestamp(start)) & (series["period_start"] <= pd.Timestamp(end))
    return series, freq


def _trend(counts: Counts, period: Period, focus_name: str, ctx: Context) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """The focus area's yearly (or monthly) series, its title and notes; public hides counts below the threshold."""
    first = period.first or period.start
    trend, freq = _trend_series(
        counts.near_all, first=first, start=period.start, end=period.end, nibrs_break=ctx.nibrs_break
    )
    # Public outputs never print a count below the threshold, in the chart any more than on the map; the
    # periods are one group under the count near the focus, which the key figures print.
    shown = ctx.disclosure.counts(trend["count"].to_numpy())
    trend["suppressed"] = shown.hidden
    trend["withheld"] = [s == "withheld" for s in shown.status]
    trend["label"] = shown.texts(ctx.lang)
    trend["count"] = shown.array()  # a hidden count is missing, never 0
    trend.attrs["freq"] = freq
    title, notes = wording.trend_words(trend, freq, period, focus_name, ctx)
    return trend, title, notes


def _streets(streets: gpd.GeoDataFrame | None, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Context street lines clipped to the map frame (``bounds`` in EPSG:32611), EPSG:4326."""
    if streets is None or not len(streets):
        return gpd.GeoDataFrame({"name": pd.Series(dtype="string")}, geometry=[], crs=WGS84)
    frame = gpd.GeoDataFrame(geometry=[shapely.box(*bounds)], crs=METRIC).to_crs(WGS84).geometry.iloc[0]
    cols = ["name", "geometry"] if "name" in streets.columns else ["geometry"]
    st = gpd.clip(streets.loc[:, cols].to_crs(WGS84), frame)
    return st[~st.geometry.is_empty].reset_index(drop=True)


# --- the model ------------------------------------------------------------------------------


Words = tuple[tuple[KeyFigure, ...], str, pd.DataFrame, tuple[str, ...], tuple[str, ...]]


def _covered(
    coverage: Coverage, min_share: float | None, focus: Focus, counts: Counts, ctx: Context, words: Words
) -> tuple[pd.Series, Words]:
    """The focus's coverage judged, and the report's words for it: "No data" (no count, no trend of zeros) outside
    the data's area, a caveat where the ring is covered only in part, unchanged otherwise."""
    figures, summary, trend, notes, caveats = words
    share_needed = ctx.cfg.workspace.coverage_min_share if min_share is None else min_share
    judged = place_coverage(focus.shape, coverage, within_m=ctx.ring_m, min_share=share_needed).iloc[0]
    if judged["coverage"] == NO_DATA:  # the data say nothing here: no count, no trend of zeros
        figures = wording.no_data_figures(figures, counts.n_map, ctx)
        summary = wording.no_data_summary(focus.name, coverage.area_name, ctx)
        trend, notes = trend.iloc[0:0], (t("report.trend.no_data", ctx.lang),)
    elif judged["coverage"] == PARTIAL:
        caveats = (*caveats, wording.partial_caveat(focus.name, float(judged["coverage_share"]), ctx))
    return judged, (figures, summary, trend, notes, caveats)


def build_report(
    incidents: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    *,
    filters: Filters | None = None,
    lat: float | None = None,
    lon: float | None = None,
    lang: str = "en",
    privacy: str | None = None,
    settings: Settings | None = None,
    data_as_of: dt.date | str | None = None,
    title: str | None = None,
    today: dt.date | None = None,
    derived: pd.DataFrame | None = None,
    source_line: str | None = None,
    coverage: Coverage | None = None,
    min_share: float | None = None,
    boundaries: gpd.GeoDataFrame | None = None,
) -> Report:
    """Build the report of one place (or point) and period, ready for any renderer.

    Parameters
    ----------
    incidents
        Canonical incident table (EPSG:4326 points with ``occurred_at``, ``source``, ``synthetic``):
        the whole history, not filtered (the comparison and the trend need earlier dates).
    places
        Place table (``name`` and geometry, EPSG:4326) to find ``filters.place`` in.
    streets
        Context street lines (``name``, EPSG:4326), drawn under the map layer; optional.
    filters
        What to report on, as the dashboard's sidebar chooses it: ``start``/``end`` give the period
        (inclusive local dates; default the 12 months ending with the data's latest date), ``place``
        the focus place (case-insensitive; default ``settings.focus.default_place``), ``rings_m`` the
        ring (the outermost distance, metres; default ``settings.distances.rings_m``), and every other
        field selects the rows (:func:`geo.core.filters.apply`, over the whole history).
    lat, lon
        A focus point (degrees, EPSG:4326) instead of ``filters.place``.
    lang
        ``"en"`` or ``"es"``.
    privacy
        ``"public"`` or ``"internal"``; default ``settings.privacy.default_mode`` (public).
    settings
        Settings (grid cell, ring distances, privacy threshold, NIBRS break); default the process-wide ones.
    data_as_of
        The "data as of" date; default the latest date in ``incidents``.
    title
        Title override (plain text; escaped by the HTML renderer).
    today
        The "made on" date printed in the footer (default today).
    derived
        :func:`geo.core.filters.derived_columns` of ``incidents``, when the caller has them cached.
    source_line
        The line naming the data (:func:`geo.data.labels.source_line`: source, span, rows, as of,
        coverage); printed as the attribution, before the sources the rows name.
    coverage
        Where the incident layer has data (:func:`geo.data.coverage.find_coverage`). A focus whose ring
        lies outside it reports "No data" (figures, summary, trend, map), never zero; one covered only
        in part (less than ``min_share`` of the ring) gets a caveat. None: the coverage is not judged.
    min_share
        Share of the ring that must be covered (default ``settings.workspace.coverage_min_share``).
    boundaries
        A boundary layer (LAPD divisions, the City boundary; EPSG:4326 polygons) drawn as the wider area of the
        map's locator inset; default the rectangle the incidents span (:func:`geo.exports.inset.wider_area`).

    Returns
    -------
    Report

    Raises
    ------
    AnalysisError
        Bad arguments (unknown mode, dates, both place and point, no data and no period).
    DataError
        Unknown place name (with close names).
    """
    check_points(incidents, need_time=True)
    if streets is not None and not isinstance(streets, gpd.GeoDataFrame):
        msg = f"streets must be a GeoDataFrame, got {type(streets).__name__}"
        raise AnalysisError(msg)
    wanted = Filters() if filters is None else filters
    ctx = _context(wanted, lang=lang, privacy=privacy, settings=settings, unit=_unit(incidents))
    code, mode = ctx.lang, ctx.mode
    place = wanted.place
    if place is None and lat is None and lon is None:
        place = ctx.cfg.focus.default_place
    period = _period(incidents, wanted, ctx.disclosure)
    as_of = _as_date(data_as_of, "data_as_of") or period.latest or period.end
    rows = wanted.replace(start=None, end=None, place=None, rings_m=())  # all the history, not only the period
    selected = incidents if rows == Filters() else apply(incidents, rows, derived)
    snap = ctx.cell_m if mode == "public" else None
    focus = report_focus(places, place, lat, lon, lang=code, ring_m=ctx.ring_m, snap_m=snap)
    counts = _counts(selected, period, focus, ctx)
    has_streets = streets is not None and len(streets) > 0
    cells, points, legend, legend_title = _map_layer(counts, focus, has_streets=has_streets, ctx=ctx)
    figures = wording.key_figures(counts, focus.name, ctx)
    summary = wording.summary(counts, period, focus.name, ctx, cells)
    trend, trend_title, notes = _trend(counts, period, focus.name, ctx)
    caveats, attribution, synthetic, crosses = wording.caveats(
        incidents, period, cells, approximate=focus.approximate, ctx=ctx
    )
    judged = None
    if coverage is not None:
        judged, (figures, summary, trend, notes, caveats) = _covered(
            coverage, min_share, focus, counts, ctx, (figures, summary, trend, notes, caveats)
        )
    if source_line:
        attribution = f"{source_line} · {attribution}" if attribution else source_line
    return Report(
        lang=code,
        privacy=mode,
        title=title if title is not None else wording.title(counts, wanted, focus.name, code),
        period_start=period.start,
        period_end=period.end,
        period_text=t("report.period", code, start=fmt_date(period.start, code), end=fmt_date(period.end, code)),
        data_as_of=as_of,
        data_as_of_text=t("report.data_as_of", code, date=fmt_date(as_of, code)),
        focus_name=focus.name,
        focus=focus.shape,
        ring_m=ctx.ring_m,
        ring=focus.ring,
        extent_m=focus.extent_m,
        figures=figures,
        summary=summary,
        trend=trend,
        trend_title=trend_title,
        trend_notes=notes,
        trend_sentence=wording.trend_sentence(trend, str(trend.attrs.get("freq", "year")), ctx),
        cells=cells,
        points=points,
        streets=_streets(streets, focus.bounds_m),
        legend=tuple(legend),
        legend_title=legend_title,
        caveats=caveats,
        attribution=attribution,
        synthetic=synthetic,
        crosses_break=crosses,
        mode_label=t(f"report.mode.{mode}", code),
        mode_note=wording.mode_note(ctx),
        cell_m=ctx.cell_m,
        min_count=ctx.min_count,
        made_text=t("report.made", code, date=fmt_date(today or dt.date.today(), code)),
        counts={
            "on_map": counts.n_map,
            "within": counts.n_near,
            "previous": counts.n_prev,
            "compare": counts.compare_kind,
        },
        coverage=None if judged is None else str(judged["coverage"]),
        unit=ctx.unit,
        area=wider_area(incidents, focus.extent_m, boundaries),
    )


def with_residents(report: Report, settings: Settings) -> Report:
    """``report`` with what residents near its focus said in the community assessment (the store's survey layer,
    else the demo's synthetic wave beside synthetic incidents only) and the assessment's web form
    (``survey.form_url``); unchanged when there is neither."""
    from geo.data.stores import store_location
    from geo.survey.layer import survey_of
    from geo.survey.summary import residents_say

    report = dataclasses.replace(report, form_url=settings.survey.form_url)
    try:
        layer, _, _ = survey_of(store_location(settings.sources), settings.survey, settings.sources.survey,
                                beside_synthetic=report.synthetic)  # fmt: skip
    except SafetyMapError:
        return report
    lines = residents_say(layer, report.focus, name=report.focus_name, ring_m=report.ring_m, rules=settings.survey,
                          lang=report.lang, population=settings.sources.population)  # fmt: skip
    return dataclasses.replace(report, residents=lines)
