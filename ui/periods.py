"""Two periods side by side on the Trends page: the focus place's figures, its squares and its months for two chosen
periods next to each other, and the change between them with its interval (:mod:`geo.analysis.change`).

Every figure goes through the view's rule (:class:`geo.core.disclosure.Disclosure`): in the public view each period
is made of whole calendar months (:meth:`~geo.core.disclosure.Disclosure.restrict`), small counts read "fewer than
N", a change is stated only between two shown counts, and the two periods may not overlap (two overlapping periods
would give the months they do not share by subtraction).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import folium
import pandas as pd
import streamlit as st

from geo.analysis.change import change_text, count_change
from geo.core.disclosure import Disclosure, Shown
from geo.core.errors import DataError
from geo.core.filters import Filters
from geo.core.i18n import fmt_date, t
from geo.core.settings import Settings
from layers.compose import MapComposer
from layers.hotspots import count_layer, rings_layer
from layers.overview import add_places
from layers.public import public_layer
from ui import analysis, data

Span = tuple[dt.date, dt.date]


def default_spans(f: Filters, first: dt.date, last: dt.date) -> tuple[Span, Span]:
    """Period A: the filters' period, else the twelve months to the data's last day; period B: the same a year
    earlier. Both within the data's days (``first`` to ``last``), which the date pickers require."""
    end = min(f.end or last, last)
    start = max(min(f.start or (end - dt.timedelta(days=364)), end), first)
    earlier = dataclasses.replace(f, start=start, end=end).shifted_years(-1)
    b_start = max(earlier.start or start, first)
    b_end = min(max(earlier.end or end, b_start), last)
    return (start, end), (b_start, b_end)


def within_data(key: str, default: Span, first: dt.date, last: dt.date, lang: str) -> str:
    """``key`` (a period's widget), its value put back to ``default`` with a note when a link gave one outside the
    data's days (the date picker would refuse it)."""
    value = st.session_state.get(key)
    ok = isinstance(value, tuple) and len(value) == 2 and first <= value[0] <= value[1] <= last
    if value is not None and isinstance(value, tuple) and len(value) == 2 and not ok:
        st.session_state[key] = default
        st.caption(t("periods.outside", lang, start=fmt_date(first, lang), end=fmt_date(last, lang)))
    return key


def period_filters(f: Filters, span: Span, rule: Disclosure, rings_m: tuple[float, ...]) -> Filters:
    """The view's filters over ``span``, as the rule allows (whole months in public)."""
    return rule.restrict(dataclasses.replace(f, start=span[0], end=span[1]), rings_m=rings_m)


def span_text(f: Filters, lang: str) -> str:
    """The period of ``f`` in words ("Jan 1, 2016 to Dec 31, 2016")."""
    start, end = (fmt_date(d, lang) if d is not None else "…" for d in (f.start, f.end))
    return t("periods.span", lang, start=start, end=end)


def overlap(a: Filters, b: Filters) -> bool:
    """Whether the two periods share a day (an open end reaches as far as the data)."""
    lo, hi = dt.date.min, dt.date.max
    return (a.start or lo) <= (b.end or hi) and (b.start or lo) <= (a.end or hi)


@dataclass(frozen=True)
class Figures:
    """One period's figures: incidents in view, and within the outer ring of the place (None: no data there)."""

    filters: Filters
    in_view: int
    within: int | None


def figures(settings: Settings, f: Filters, place: str, rings_m: tuple[float, ...]) -> Figures:
    """The figures of one period (counted as the Map page counts them)."""
    src = settings.sources
    summary = analysis.ring_key_figure(src.incidents, f, src.places, place, rings_m, store_dir=src.store_dir,
                                       min_share=settings.workspace.coverage_min_share)  # fmt: skip
    within = None if summary.total_within is None else int(summary.total_within)
    return Figures(f, analysis.count(src.incidents, f), within)


def change_between(settings: Settings, a: Figures, b: Figures, rule: Disclosure, lang: str) -> str:
    """The change from B to A within the ring, with its interval, in words; or why it is not stated."""
    if a.within is None or b.within is None:
        return t("periods.no_change.no_data", lang)
    if not rule.comparable(a.within, b.within):
        return t("periods.no_change.hidden", lang)
    days = [_days(x.filters) for x in (a, b)]
    brk = settings.analysis.nibrs_break
    spans = ((a.filters.start, a.filters.end), (b.filters.start, b.filters.end))
    ch = count_change(a.within, b.within, small_count=settings.analysis.small_count, periods=spans,
                      series_break=brk, exposure=days[0] / days[1])  # fmt: skip
    return change_text(ch, lang, series_break=brk)


def _days(f: Filters) -> int:
    if f.start is None or f.end is None:
        msg = "a period of the comparison needs both its dates"
        raise DataError(msg)
    return (f.end - f.start).days + 1


def months_table(
    settings: Settings, a: Figures, b: Figures, place: str, within_m: float, rule: Disclosure, lang: str
) -> pd.DataFrame:
    """The months of the two periods side by side (month 1, 2 ... of each), counts within ``within_m`` metres of
    the place as the rule shows them."""
    src = settings.sources
    columns = {}
    for key, fig in (("a", a), ("b", b)):
        series = analysis.series(src.incidents, fig.filters, src.places, (place,), within_m=within_m, freq="month",
                                 nibrs_break=settings.analysis.nibrs_break.isoformat())  # fmt: skip
        months = series.sort_values("period_start") if len(series) else series
        counts = [int(c) for c in months.get("count", [])]
        # one group with the period's total printed above it: a hidden month is not given back by subtraction
        total = rule.count(fig.within) if fig.within is not None else None
        shown: list[Shown] = list(rule.counts(counts, total=total)) if counts else []
        columns[key] = [
            (fmt_date(pd.Timestamp(p).date(), lang, style="MMM y"), c.text(lang))
            for p, c in zip(months.get("period_start", []), shown, strict=True)
        ]
    n = max(len(columns["a"]), len(columns["b"]))
    a_rows, b_rows = (columns[k] + [("", "")] * (n - len(columns[k])) for k in ("a", "b"))
    rows = [x + y for x, y in zip(a_rows, b_rows, strict=True)]
    return pd.DataFrame(rows, columns=[t("periods.col.month_a", lang), t("periods.col.count_a", lang),
                                       t("periods.col.month_b", lang), t("periods.col.count_b", lang)])  # fmt: skip


def squares_map(
    settings: Settings, fig: Figures, place: str, rule: Disclosure, lang: str, *, synthetic: bool
) -> folium.Map:
    """The squares of one period around the place: counts as the rule shows them ("fewer than N" in public)."""
    src, cell = settings.sources, settings.analysis.grid_cell_m
    focus = analysis.place(src.places, place, lang).geometry.iloc[0].centroid
    composer = MapComposer(settings, lang=lang, tiles=False, center=(focus.y, focus.x), zoom=max(settings.map.zoom, 14))
    name = t("view.public_layer", lang)
    if rule.public:
        cells = analysis.public_grid(src.incidents, fig.filters, cell_m=cell, min_count=rule.min_count, lang=lang)
        composer.add(*public_layer(cells, lang=lang, name=name))
    else:
        composer.add(*count_layer(analysis.grid_counts(src.incidents, fig.filters, cell), lang=lang, name=name))
    add_places(composer, data.places(src.places, lang), kinds=("park", "housing"))
    rings = analysis.rings(src.places, place, tuple(fig.filters.rings_m or settings.distances.rings_m))
    composer.add(*rings_layer(rings, lang=lang, place=place))
    return composer.finish(synthetic=synthetic)
