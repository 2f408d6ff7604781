"""Community-meeting exports: a bilingual, print-ready report about the area around a place.

:func:`build_report` gathers everything a handout, a slide or an offline HTML map shows: a title,
the period and "data as of" date, three key figures, a plain-language summary, a trend of the
focus area with the LAPD legacy/NIBRS break marked, the map layer, the caveats and the sources.
The map layer depends on the privacy mode (:mod:`geo.exports.privacy`): ``public`` (the default) holds
only grid cells with small counts suppressed; ``internal`` holds points and is watermarked.

Renderers: :func:`render_png` (1920x1080 slide or a letter page at 150 dpi), :func:`render_pdf`
(one-page handout) and :func:`render_html` (standalone, Leaflet inlined, no external URL);
:func:`write_report` picks one from the file suffix. Distances are metres (EPSG:32611); geometry
is kept in EPSG:4326; dates are local calendar dates (America/Los_Angeles), inclusive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.analysis.trends import time_series
from geo.core.errors import AnalysisError
from geo.core.i18n import category_label, check_lang, fmt_date, fmt_int, fmt_pct, t
from geo.core.projection import METRIC, WGS84, lonlat_to_metric, to_metric
from geo.core.settings import Settings, get_settings
from geo.core.store import write_bytes_atomic, write_text_atomic
from geo.core.validate import check_points, local_dates, metric_xy
from geo.data.datasets import place_by_name
from geo.exports.privacy import Mode, check_mode, check_public_cells, count_text, internal_points, public_cells

Size = Literal["slide", "letter"]
ROUND_TOTAL_TO = 10  # public totals next to suppressed cells are rounded to this many incidents
SIZES: dict[str, tuple[int, int]] = {"slide": (1920, 1080), "letter": (1275, 1650)}
"""Pixel sizes of the PNG exports: a 16:9 slide, and US Letter (8.5 x 11 in) at 150 dpi."""
FORMATS = ("pdf", "png", "html")

MIN_COMPARE_TOTAL = 10
"""Below this many incidents in the two periods together, a change is not stated (chance noise)."""
MAX_TREND_YEARS = 10
"""The trend shows at most this many calendar years, ending with the report period."""
MIN_YEARLY_SPAN_DAYS = 3 * 365
"""With less history than this the trend is monthly."""
POINT_NAME_DECIMALS = 3
"""A --lat/--lon focus is printed with this many decimals (about 100 m), never finer."""


@dataclass(frozen=True)
class KeyFigure:
    """One of the three key figures: a label and the value as printed (``number`` is None when hidden)."""

    key: str
    label: str
    value: str
    number: int | None


@dataclass(frozen=True, eq=False)
class Report:
    """Everything an export shows, already translated and made safe for its privacy mode.

    Geometry is EPSG:4326; ``extent_m`` is the map frame ``(x0, x1, y0, y1)`` in EPSG:32611
    metres. In public mode ``points`` is None and ``cells`` holds only the columns of
    :data:`geo.exports.privacy.PUBLIC_CELL_COLUMNS`; in internal mode ``cells`` is None.
    """

    lang: str
    privacy: Mode
    title: str
    period_start: dt.date
    period_end: dt.date
    period_text: str
    data_as_of: dt.date
    data_as_of_text: str
    focus_name: str
    focus: gpd.GeoDataFrame
    ring_m: float
    ring: gpd.GeoDataFrame
    extent_m: tuple[float, float, float, float]
    figures: tuple[KeyFigure, ...]
    summary: str
    trend: pd.DataFrame
    trend_title: str
    trend_notes: tuple[str, ...]
    cells: gpd.GeoDataFrame | None
    points: gpd.GeoDataFrame | None
    streets: gpd.GeoDataFrame
    legend: tuple[tuple[str, str, str], ...]
    legend_title: str
    caveats: tuple[str, ...]
    attribution: str
    synthetic: bool
    crosses_break: bool
    mode_label: str
    mode_note: str
    cell_m: float
    min_count: int
    made_text: str
    counts: dict[str, Any] = field(default_factory=dict)

    def text(self, key: str, /, **params: object) -> str:
        """A catalog string in the report's language."""
        return t(key, self.lang, **params)

    def summary_dict(self) -> dict[str, Any]:
        """Plain values for a JSON summary (the CLI prints it); no exact small count in public mode."""
        cells = self.cells
        return {
            "lang": self.lang,
            "privacy": self.privacy,
            "title": self.title,
            "from": self.period_start.isoformat(),
            "to": self.period_end.isoformat(),
            "data_as_of": self.data_as_of.isoformat(),
            "focus": self.focus_name,
            "ring_m": self.ring_m,
            "cell_m": self.cell_m if self.privacy == "public" else None,
            "cells": len(cells) if cells is not None else None,
            "suppressed": int(cells["suppressed"].sum()) if cells is not None else None,
            "points": len(self.points) if self.points is not None else None,
            "figures": {f.key: f.value for f in self.figures},
            "synthetic": self.synthetic,
            "crosses_nibrs_break": self.crosses_break,
        }


# --- helpers ------------------------------------------------------------------------------


def _as_date(value: object, what: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    msg = f"{what} must be a date like 2016-01-31, got {value!r}"
    raise AnalysisError(msg)


def _shift_year(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def comparison_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date, str]:
    """The period a report compares with: a year earlier for periods up to a year, else the one before.

    Returns ``(start, end, kind)`` with ``kind`` ``"year"`` or ``"previous"`` (inclusive dates).
    """
    days = (end - start).days + 1
    if days <= 366:
        return _shift_year(start, -1), _shift_year(end, -1), "year"
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1), "previous"


def _in_period(dates: pd.Series, start: dt.date, end: dt.date) -> np.ndarray:
    return ((dates >= pd.Timestamp(start)) & (dates <= pd.Timestamp(end))).to_numpy()


def _focus(
    places: gpd.GeoDataFrame | None,
    place: str | None,
    lat: float | None,
    lon: float | None,
    lang: str,
    *,
    snap_m: float | None = None,
) -> tuple[gpd.GeoDataFrame, str, bool]:
    """The focus geometry (EPSG:4326), its printed name and whether its outline is approximate.

    A point focus is moved to the centre of its ``snap_m`` grid cell (EPSG:32611) when given.
    """
    if place is not None and (lat is not None or lon is not None):
        msg = "give either a place or lat/lon, not both"
        raise AnalysisError(msg)
    if place is not None:
        if places is None:
            msg = f"a place table is needed to find {place!r}"
            raise AnalysisError(msg)
        hit = place_by_name(places, place)
        geom = shapely.union_all(hit.geometry.to_numpy())
        approx = bool(hit["approximate"].fillna(False).any()) if "approximate" in hit.columns else False
        name = str(hit["name"].iloc[0])
        return gpd.GeoDataFrame({"name": [name]}, geometry=[geom], crs=hit.crs).to_crs(WGS84), name, approx
    if lat is None or lon is None:
        msg = "give a place name, or both lat and lon (degrees)"
        raise AnalysisError(msg)
    lat_f, lon_f = float(lat), float(lon)
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180) or not (np.isfinite(lat_f) and np.isfinite(lon_f)):
        msg = f"lat/lon must be degrees (lat -90..90, lon -180..180), got {lat}, {lon}"
        raise AnalysisError(msg)
    name = t(
        "report.point_name",
        lang,
        lat=f"{lat_f:.{POINT_NAME_DECIMALS}f}",
        lon=f"{lon_f:.{POINT_NAME_DECIMALS}f}",
    )
    point = gpd.GeoDataFrame({"name": [name]}, geometry=[shapely.Point(lon_f, lat_f)], crs=WGS84)
    if snap_m is not None:  # public: the point is drawn at the centre of its grid cell, never finer
        x, y = lonlat_to_metric(np.array([lon_f]), np.array([lat_f]))
        cx = (np.floor(x / snap_m) + 0.5) * snap_m
        cy = (np.floor(y / snap_m) + 0.5) * snap_m
        point = gpd.GeoDataFrame({"name": [name]}, geometry=shapely.points(cx, cy), crs=METRIC).to_crs(WGS84)
    return point, name, False


def _within(incidents: gpd.GeoDataFrame, geom_m: BaseGeometry, ring_m: float) -> np.ndarray:
    """Mask of incidents inside ``geom_m`` or within ``ring_m`` metres of it (EPSG:32611)."""
    if len(incidents) == 0:
        return np.zeros(0, dtype=bool)
    pts = shapely.points(metric_xy(incidents))
    shapely.prepare(geom_m)
    return np.asarray(shapely.dwithin(geom_m, pts, ring_m + 1e-6), dtype=bool)


def _count_phrase(n: int, *, lang: str, min_count: int, mode: Mode) -> str:
    if n == 0:
        return t("report.no_incidents", lang)
    if mode == "public" and n < min_count:
        return t("report.few_incidents", lang, n=min_count)
    if n == 1:
        return t("report.one_incident", lang)
    return t("report.n_incidents", lang, n=fmt_int(n, lang))


def _sources(incidents: gpd.GeoDataFrame, lang: str) -> tuple[str, bool]:
    names: list[str] = []
    victims = False
    for src in sorted(set(incidents["source"].dropna().astype(str))) if "source" in incidents else []:
        if src.startswith("synthetic") or src.startswith("demo"):
            text = t("report.source.demo", lang)
        elif src.startswith("lapd"):
            text = t("report.source.lapd", lang)
        elif src.startswith("latimes"):
            text = t("report.source.latimes", lang)
            victims = True
        else:
            text = src
        if text not in names:
            names.append(text)
    return "; ".join(names), victims


def _trend(
    near: gpd.GeoDataFrame, *, first: dt.date, start: dt.date, end: dt.date, nibrs_break: dt.date
) -> tuple[pd.DataFrame, str]:
    yearly = (end - first).days >= MIN_YEARLY_SPAN_DAYS
    if yearly:
        t0 = max(first.replace(month=1, day=1), dt.date(end.year - MAX_TREND_YEARS + 1, 1, 1))
        freq = "year"
    else:
        t0 = first.replace(day=1)
        freq = "month"
    series = time_series(near, freq=freq, start=t0, end=end, nibrs_break=nibrs_break)
    step = pd.DateOffset(years=1) if freq == "year" else pd.DateOffset(months=1)
    ends = series["period_start"] + step - pd.Timedelta(days=1)
    series["partial"] = ends > pd.Timestamp(end)
    series["in_period"] = (ends >= pd.Timestamp(start)) & (series["period_start"] <= pd.Timestamp(end))
    return series, freq


# --- the model ------------------------------------------------------------------------------


def build_report(
    incidents: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame | None = None,
    streets: gpd.GeoDataFrame | None = None,
    *,
    place: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    lang: str = "en",
    privacy: str | None = None,
    settings: Settings | None = None,
    data_as_of: dt.date | str | None = None,
    title: str | None = None,
    today: dt.date | None = None,
) -> Report:
    """Build the report of one place (or point) and period, ready for any renderer.

    Parameters
    ----------
    incidents
        Canonical incident table (EPSG:4326 points with ``occurred_at``, ``source``, ``synthetic``),
        already filtered by category etc. as the user wants; the whole history, not only the
        period (the comparison and the trend need earlier dates).
    places
        Place table (``name`` and geometry, EPSG:4326) to find ``place`` in.
    streets
        Context street lines (``name``, EPSG:4326), drawn under the map layer; optional.
    place
        Focus place name (case-insensitive); or give ``lat``/``lon`` (degrees, EPSG:4326). Default:
        ``settings.focus.default_place``.
    start, end
        Inclusive local dates; default: the 12 months ending with the latest incident.
    lang
        ``"en"`` or ``"es"``.
    privacy
        ``"public"`` or ``"internal"``; default ``settings.privacy.default_mode`` (public).
    settings
        Settings (grid cell, ring distances, privacy threshold, NIBRS break); default the process-wide ones.
    data_as_of
        The "data as of" date; default the latest incident date.
    title
        Title override (plain text; escaped by the HTML renderer).
    today
        The "made on" date printed in the footer (default today).

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
    code = check_lang(lang)
    cfg = settings if settings is not None else get_settings()
    mode = check_mode(privacy if privacy is not None else cfg.privacy.default_mode)
    if streets is not None and not isinstance(streets, gpd.GeoDataFrame):
        msg = f"streets must be a GeoDataFrame, got {type(streets).__name__}"
        raise AnalysisError(msg)
    if place is None and lat is None and lon is None:
        place = cfg.focus.default_place
    start_d = _as_date(start, "start")
    end_d = _as_date(end, "end")
    dates = local_dates(incidents) if len(incidents) else pd.Series(dtype="datetime64[ns]")
    latest = dates.max().date() if len(dates) else None
    first = dates.min().date() if len(dates) else None
    if end_d is None:
        if latest is None:
            msg = "no incidents and no end date: give the period with start/end"
            raise AnalysisError(msg)
        end_d = latest
    if start_d is None:
        start_d = _shift_year(end_d, -1) + dt.timedelta(days=1)
    if start_d > end_d:
        msg = f"the start date {start_d} is after the end date {end_d}"
        raise AnalysisError(msg)
    as_of = _as_date(data_as_of, "data_as_of") or latest or end_d
    min_count = cfg.privacy.min_count
    cell_m = float(cfg.analysis.grid_cell_m)
    ring_m = float(cfg.distances.rings_m[-1])
    brk = cfg.analysis.nibrs_break

    focus, focus_name, approximate = _focus(places, place, lat, lon, code, snap_m=cell_m if mode == "public" else None)
    focus_m = to_metric(focus).geometry.iloc[0]
    ring_geom_m = focus_m.buffer(ring_m, quad_segs=32)
    ring = gpd.GeoDataFrame({"distance_m": [ring_m]}, geometry=[ring_geom_m], crs=METRIC).to_crs(WGS84)
    minx, miny, maxx, maxy = ring_geom_m.bounds
    half = max(maxx - minx, maxy - miny) / 2 + ring_m
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    extent = (cx - half, cx + half, cy - half, cy + half)
    bounds = (extent[0], extent[2], extent[1], extent[3])

    # counts --------------------------------------------------------------------------------
    in_period = _in_period(dates, start_d, end_d) if len(incidents) else np.zeros(0, dtype=bool)
    period_inc = incidents[in_period]
    xy = metric_xy(period_inc)
    on_map = (
        (xy[:, 0] >= bounds[0]) & (xy[:, 0] <= bounds[2]) & (xy[:, 1] >= bounds[1]) & (xy[:, 1] <= bounds[3])
        if len(xy)
        else np.zeros(0, dtype=bool)
    )
    near_all_mask = _within(incidents, focus_m, ring_m)
    near_all = incidents[near_all_mask]
    n_map = int(on_map.sum())
    n_near = int((near_all_mask & in_period).sum()) if len(incidents) else 0
    c_start, c_end, c_kind = comparison_period(start_d, end_d)
    covered = first is not None and first <= c_start
    n_prev = int((near_all_mask & _in_period(dates, c_start, c_end)).sum()) if len(incidents) else 0
    compare_long = (
        t("report.compare.year", code)
        if c_kind == "year"
        else t("report.compare.previous", code, days=fmt_int((end_d - start_d).days + 1, code))
    )
    compare_short = t(f"report.compare_short.{c_kind}", code)
    too_few = min(n_near, n_prev) < min_count or n_near + n_prev < MIN_COMPARE_TOTAL
    diff = n_near - n_prev
    if not covered:
        change_value, change_number = t("report.no_earlier", code), None
    elif too_few:
        change_value, change_number = t("report.too_few", code), None
    else:
        sign = "+" if diff > 0 else "-" if diff < 0 else ""
        change_value = t(
            "report.change_value", code, diff=f"{sign}{fmt_int(abs(diff), code)}", pct=fmt_pct(diff / n_prev, code)
        )
        change_number = diff
    distance = fmt_int(ring_m, code)

    def shown(n: int) -> int | None:
        return None if mode == "public" and 0 < n < min_count else n

    figures = (
        KeyFigure(
            "on_map",
            t("report.fig.total", code),
            count_text(n_map, lang=code, min_count=min_count, mode=mode),
            shown(n_map),
        ),
        KeyFigure(
            "within",
            t("report.fig.within", code, distance=distance, place=focus_name),
            count_text(n_near, lang=code, min_count=min_count, mode=mode),
            shown(n_near),
        ),
        KeyFigure(
            "change", t("report.fig.change", code, place=focus_name, compare=compare_short), change_value, change_number
        ),
    )

    # summary -------------------------------------------------------------------------------
    sentences = [
        t(
            "report.summary.count",
            code,
            start=fmt_date(start_d, code, style="long"),
            end=fmt_date(end_d, code, style="long"),
            count=_count_phrase(n_near, lang=code, min_count=min_count, mode=mode),
            distance=distance,
            place=focus_name,
        )
    ]
    if not covered:
        sentences.append(t("report.summary.no_earlier", code, compare=compare_long))
    elif too_few:
        sentences.append(t("report.summary.too_few", code, compare=compare_long))
    elif diff > 0:
        sentences.append(t("report.summary.more", code, diff=fmt_int(diff, code), compare=compare_long))
    elif diff < 0:
        sentences.append(t("report.summary.fewer", code, diff=fmt_int(-diff, code), compare=compare_long))
    else:
        sentences.append(t("report.summary.same", code, compare=compare_long))
    if mode == "public":
        sentences.append(t("report.summary.map", code, cell=fmt_int(cell_m, code)))
    else:
        sentences.append(t("report.summary.map_points", code))

    # map layer -----------------------------------------------------------------------------
    cells: gpd.GeoDataFrame | None = None
    points: gpd.GeoDataFrame | None = None
    legend: list[tuple[str, str, str]] = []
    from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR

    if mode == "public":
        cells = public_cells(period_inc, cell_m=cell_m, min_count=min_count, lang=code, bounds=bounds)
        check_public_cells(cells, min_count=min_count)
        legend_title = t("report.legend.title", code, cell=fmt_int(cell_m, code))
        if len(cells):
            labels = cells.attrs["class_labels"]
            if (~cells["suppressed"]).any():
                present = sorted({int(v) for v in cells.loc[~cells["suppressed"], "level"]})
                legend += [("cell", LEVEL_COLOURS[i - 1], labels[i - 1]) for i in present]
            if cells["suppressed"].any():
                legend.append(("suppressed", SUPPRESSED_COLOUR, t("report.fewer_than", code, n=min_count)))
    else:
        points = internal_points(period_inc[on_map])
        legend_title = t("legend.title", code)
        legend.append(("point", cfg.colours.homicide, t("report.legend.points", code)))
    legend.append(("ring", cfg.colours.focus, t("report.legend.ring", code, distance=distance, place=focus_name)))
    if streets is not None and len(streets):
        legend.append(("street", cfg.colours.street, t("report.legend.streets", code)))

    # A total printed exactly beside suppressed cells would give their sum away by subtraction
    # (all of it when a single cell is suppressed): round it to tens instead.
    if mode == "public" and cells is not None and bool(cells["suppressed"].any()) and n_map >= ROUND_TOTAL_TO:
        about = int(round(n_map / ROUND_TOTAL_TO) * ROUND_TOTAL_TO)
        total = figures[0]
        figures = (
            KeyFigure(total.key, total.label, t("report.about", code, n=fmt_int(about, code)), None),
            *figures[1:],
        )

    # trend ---------------------------------------------------------------------------------
    trend, freq = _trend(near_all, first=first or start_d, start=start_d, end=end_d, nibrs_break=brk)
    # Public outputs never print a count below the threshold, in the chart any more than on the map.
    trend["suppressed"] = (mode == "public") & (trend["count"] > 0) & (trend["count"] < min_count)
    trend["count"] = trend["count"].where(~trend["suppressed"], 0)
    trend_title = t(f"report.trend.{freq}", code, distance=distance, place=focus_name)
    notes: list[str] = []
    if bool(trend["suppressed"].any()):
        notes.append(t("report.trend.suppressed", code, n=min_count))
    if bool(trend["partial"].iloc[-1]) if len(trend) else False:
        notes.append(t("report.trend.partial", code, date=fmt_date(end_d, code)))
    if (trend["era"] == "break").any() or (trend["era"].nunique() > 1):
        notes.append(t("report.trend.break", code, date=fmt_date(brk, code)))

    # caveats -------------------------------------------------------------------------------
    synthetic = bool(incidents["synthetic"].fillna(False).astype(bool).any()) if "synthetic" in incidents else False
    crosses = start_d < brk <= end_d
    caveats: list[str] = []
    if synthetic:
        caveats.append(t("report.synthetic", code))
    if crosses:
        caveats.append(t("report.caveat.break", code, date=fmt_date(brk, code, style="long")))
    sources, victims = _sources(incidents, code)
    if victims:
        caveats.append(t("report.caveat.victims", code))
    caveats.append(t("report.caveat.reported", code))
    if cells is not None and int(cells["suppressed"].sum()):
        caveats.append(
            t("report.caveat.suppressed", code, n=fmt_int(int(cells["suppressed"].sum()), code), min=min_count)
        )
    if approximate:
        caveats.append(t("report.caveat.approximate", code))

    # streets clipped to the frame ----------------------------------------------------------
    frame = gpd.GeoDataFrame(geometry=[shapely.box(*bounds)], crs=METRIC).to_crs(WGS84).geometry.iloc[0]
    if streets is not None and len(streets):
        cols = ["name", "geometry"] if "name" in streets.columns else ["geometry"]
        st = streets.loc[:, cols].to_crs(WGS84)
        st = gpd.clip(st, frame)
        st = st[~st.geometry.is_empty].reset_index(drop=True)
    else:
        st = gpd.GeoDataFrame({"name": pd.Series(dtype="string")}, geometry=[], crs=WGS84)

    if title is None:
        cats = sorted(set(period_inc["category"].dropna().astype(str))) if "category" in period_inc else []
        title = (
            t("report.title_category", code, category=category_label(cats[0], code), place=focus_name)
            if len(cats) == 1
            else t("report.title_all", code, place=focus_name)
        )
    mode_label = t(f"report.mode.{mode}", code)
    mode_note = (
        t("report.mode_note.public", code, cell=fmt_int(cell_m, code), n=min_count)
        if mode == "public"
        else t("report.mode_note.internal", code)
    )
    return Report(
        lang=code,
        privacy=mode,
        title=title,
        period_start=start_d,
        period_end=end_d,
        period_text=t("report.period", code, start=fmt_date(start_d, code), end=fmt_date(end_d, code)),
        data_as_of=as_of,
        data_as_of_text=t("report.data_as_of", code, date=fmt_date(as_of, code)),
        focus_name=focus_name,
        focus=focus,
        ring_m=ring_m,
        ring=ring,
        extent_m=extent,
        figures=figures,
        summary=" ".join(sentences),
        trend=trend,
        trend_title=trend_title,
        trend_notes=tuple(notes),
        cells=cells,
        points=points,
        streets=st,
        legend=tuple(legend),
        legend_title=legend_title,
        caveats=tuple(caveats),
        attribution=t("report.sources", code, sources=sources) if sources else "",
        synthetic=synthetic,
        crosses_break=crosses,
        mode_label=mode_label,
        mode_note=mode_note,
        cell_m=cell_m,
        min_count=min_count,
        made_text=t("report.made", code, date=fmt_date(today or dt.date.today(), code)),
        counts={"on_map": n_map, "within": n_near, "previous": n_prev, "compare": c_kind},
    )


# --- renderers ------------------------------------------------------------------------------


def _check_report(report: object) -> Report:
    if not isinstance(report, Report):
        msg = f"expected a Report from build_report, got {type(report).__name__}"
        raise AnalysisError(msg)
    if report.privacy == "public":
        if report.points is not None or report.cells is None:
            msg = "a public report must carry cells and no points"
            raise AnalysisError(msg)
        check_public_cells(report.cells, min_count=report.min_count)
    return report


def render_png(report: Report, *, size: str = "slide") -> bytes:
    """The report as a PNG: ``"slide"`` (1920x1080 px, large type) or ``"letter"`` (1275x1650 px handout)."""
    _check_report(report)
    if size not in SIZES:
        msg = f"size must be one of {list(SIZES)}, got {size!r}"
        raise AnalysisError(msg)
    from geo.exports.draw import figure_bytes

    return figure_bytes(report, size=size, fmt="png")


def render_pdf(report: Report) -> bytes:
    """The one-page US Letter handout as PDF bytes (map, three key figures, trend, summary, caveats)."""
    _check_report(report)
    from geo.exports.draw import figure_bytes

    return figure_bytes(report, size="letter", fmt="pdf")


def render_html(report: Report) -> str:
    """A standalone HTML map (Leaflet inlined, no external URL) with the title, legend and caveats."""
    _check_report(report)
    from geo.exports.html import html_document

    return html_document(report)


def write_report(report: Report, path: str | Path, *, size: str = "slide") -> Path:
    """Write the report to ``path``; the suffix (``.pdf``, ``.png``, ``.html``) chooses the format."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        msg = f"report file must end in .pdf, .png or .html, got {path.name!r}"
        raise AnalysisError(msg)
    if fmt == "html":
        return write_text_atomic(path, render_html(report))
    data = render_pdf(report) if fmt == "pdf" else render_png(report, size=size)
    return write_bytes_atomic(path, data)
