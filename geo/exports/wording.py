"""The words of the meeting report: key figures, the summary, the trend's title and notes, caveats and title.

Each function turns the counts of :func:`geo.exports.report.build_report` into text in the
report's language (message catalogs, babel numbers and dates), never printing an exact count
below ``settings.privacy.min_count`` in public mode.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from geo.analysis.change import change_text
from geo.core.disclosure import Disclosure
from geo.core.filters import Filters
from geo.core.i18n import catalog, category_label, fmt_date, fmt_int, fmt_pct, fmt_share, t
from geo.exports.model import Context, Counts, KeyFigure, Period


def unit_key(key: str, ctx: Context) -> str:
    """The catalog key of a text that names what is counted: ``<key>_victims`` for a per-victim source
    ("people killed"), else ``key`` ("incidents")."""
    return f"{key}_victims" if ctx.victims else key


def key_figures(counts: Counts, focus_name: str, ctx: Context) -> tuple[KeyFigure, ...]:
    """The three key figures: on the map, near the focus, and the change against the comparison period."""
    code, rule = ctx.lang, ctx.disclosure

    def shown(n: int) -> int | None:
        return rule.count(n).value

    def count(n: int) -> str:
        return rule.text(n, code)

    diff = counts.diff
    change_number: int | None = None
    signed = said = ""
    if not counts.covered:
        change_value = t("report.no_earlier", code)
    elif counts.too_few:
        change_value = t("report.too_few", code)
    else:
        sign = "+" if diff > 0 else "-" if diff < 0 else ""
        signed = f"{sign}{fmt_int(abs(diff), code)}"
        said = change_text(counts.change, code, series_break=ctx.nibrs_break)
        change_value = t("report.change_value", code, diff=signed, pct=said)
        change_number = diff
    compare = t(f"report.compare_short.{counts.compare_kind}", code)
    return (
        KeyFigure("on_map", t(unit_key("report.fig.total", ctx), code), count(counts.n_map), shown(counts.n_map)),
        KeyFigure(
            "within",
            t(unit_key("report.fig.within", ctx), code, distance=ctx.distance, place=focus_name),
            count(counts.n_near),
            shown(counts.n_near),
        ),
        KeyFigure(
            "change",
            t("report.fig.change", code, place=focus_name, compare=compare),
            change_value,
            change_number,
            short=signed,
            detail=said,
        ),
    )


def no_data_figures(figures: tuple[KeyFigure, ...], n_map: int, ctx: Context) -> tuple[KeyFigure, ...]:
    """The key figures of a focus outside the data's coverage: "No data" near it and for the change (the
    data say nothing there, which is not zero); the map's total too when nothing on the map is covered."""
    none = t("source.no_data", ctx.lang)
    blank = {"within", "change"} | ({"on_map"} if n_map == 0 else set())
    return tuple(KeyFigure(f.key, f.label, none, None) if f.key in blank else f for f in figures)


def no_data_summary(focus_name: str, area: str | None, ctx: Context) -> str:
    """The summary of a focus outside the data's coverage (``area``: the covered area's name, if known)."""
    if area:
        return t("report.summary.no_data_area", ctx.lang, place=focus_name, area=area, distance=ctx.distance)
    return t("report.summary.no_data", ctx.lang, place=focus_name, distance=ctx.distance)


def partial_caveat(focus_name: str, share: float, ctx: Context) -> str:
    """The caveat of a focus whose surroundings the data cover only in part (``share`` in 0..1)."""
    return t("report.caveat.partial", ctx.lang, share=fmt_share(share, ctx.lang), distance=ctx.distance,
             place=focus_name)  # fmt: skip


def _count_phrase(n: int, *, lang: str, rule: Disclosure, victims: bool = False) -> str:
    what = "victims" if victims else "incidents"
    if n == 0:
        return t(f"report.no_{what}", lang)
    if rule.count(n).hidden:
        return t(f"report.few_{what}", lang, n=rule.min_count)
    if n == 1:
        return t("report.one_victim" if victims else "report.one_incident", lang)
    return t(f"report.n_{what}", lang, n=fmt_int(n, lang))


def summary(
    counts: Counts, period: Period, focus_name: str, ctx: Context, cells: gpd.GeoDataFrame | None = None
) -> str:
    """The plain-language summary: the count near the focus, the change, and what the map shows (``cells``,
    the public map's: whether any square could be drawn)."""
    code = ctx.lang
    sentences = [
        t(
            "report.summary.count",
            code,
            start=fmt_date(period.start, code, style="long"),
            end=fmt_date(period.end, code, style="long"),
            count=_count_phrase(counts.n_near, lang=code, rule=ctx.disclosure, victims=ctx.victims),
            distance=ctx.distance,
            place=focus_name,
        )
    ]
    if counts.compare_kind == "year":
        compare = t("report.compare.year", code)
    else:
        compare = t("report.compare.previous", code, days=fmt_int(period.days, code))
    diff = counts.diff
    if not counts.covered:
        sentences.append(t("report.summary.no_earlier", code, compare=compare))
    elif counts.too_few:
        sentences.append(t("report.summary.too_few", code, compare=compare))
    elif diff > 0:
        sentences.append(t("report.summary.more", code, diff=fmt_int(diff, code), compare=compare))
    elif diff < 0:
        sentences.append(t("report.summary.fewer", code, diff=fmt_int(-diff, code), compare=compare))
    else:
        sentences.append(t("report.summary.same", code, compare=compare))
    if counts.covered and not counts.too_few:
        ch = counts.change
        high = "∞" if ch.high == float("inf") else fmt_pct(ch.high - 1, code)
        sentences.append(t("report.summary.interval", code, low=fmt_pct(ch.low - 1, code), high=high))
        if ch.straddles_break:
            sentences.append(t("report.summary.break", code, date=fmt_date(ctx.nibrs_break, code, style="long")))
    if ctx.mode == "public" and cells is not None and cells.attrs.get("whole"):
        sentences.append(t("report.withheld_map", code, n=ctx.min_count))
    elif ctx.mode == "public":
        sentences.append(t("report.summary.map", code, cell=fmt_int(ctx.cell_m, code)))
    else:
        sentences.append(t("report.summary.map_points", code))
    return " ".join(sentences)


def trend_words(
    trend: pd.DataFrame, freq: str, period: Period, focus_name: str, ctx: Context
) -> tuple[str, tuple[str, ...]]:
    """The trend chart's title and its notes: pale bars before the period, hidden bars, a partial last bar,
    the NIBRS break, and why the chart starts later than the period (the data start then, or the period is
    longer than a chart can show)."""
    code, brk = ctx.lang, ctx.nibrs_break
    title = t(f"report.trend.{freq}", code, distance=ctx.distance, place=focus_name)
    notes: list[str] = []
    if not len(trend):
        return title, ()
    shown_start = trend["period_start"].iloc[0].date()
    if period.start < shown_start:
        first = period.first or period.start
        if first.year >= shown_start.year and (freq == "year" or first.replace(day=1) >= shown_start):
            notes.append(t("report.trend.data_start", code, date=fmt_date(first, code)))
        else:
            notes.append(t("report.trend.cut", code, n=fmt_int(len(trend), code)))
    if not bool(trend["in_period"].iloc[0]):
        notes.append(t("report.trend.context", code))
    if bool(trend["suppressed"].any()):
        notes.append(t(unit_key("report.trend.suppressed", ctx), code, n=ctx.min_count))
    if "withheld" in trend and bool(trend["withheld"].any()):
        notes.append(t("report.trend.withheld", code))
    if bool(trend["partial"].iloc[-1]):
        notes.append(t("report.trend.partial", code, date=fmt_date(period.end, code)))
    if (trend["era"] == "break").any() or (trend["era"].nunique() > 1):
        notes.append(t("report.trend.break", code, date=fmt_date(brk, code)))
    return title, tuple(notes)


def trend_sentence(trend: pd.DataFrame, freq: str, ctx: Context) -> str | None:
    """What the chart says when it has no bar worth drawing: every count hidden, or none at all; None when
    there are bars to draw."""
    if not len(trend):
        return None
    shown = trend["count"].astype("Float64").fillna(0)
    if bool((shown > 0).any()):
        return None
    first, last = str(trend["period"].iloc[0]), str(trend["period"].iloc[-1])
    if bool(trend["suppressed"].any()):
        return t(unit_key("report.trend.all_hidden", ctx), ctx.lang, n=ctx.min_count, first=first, last=last)
    return t(unit_key(f"report.trend.all_zero_{freq}", ctx), ctx.lang, distance=ctx.distance, first=first, last=last)


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


def caveats(
    incidents: gpd.GeoDataFrame,
    period: Period,
    cells: gpd.GeoDataFrame | None,
    *,
    approximate: bool,
    ctx: Context,
) -> tuple[tuple[str, ...], str, bool, bool]:
    """``(caveats, attribution, synthetic, crosses_break)`` of the incident table the report is about."""
    code, brk = ctx.lang, ctx.nibrs_break
    synthetic = bool(incidents["synthetic"].fillna(False).astype(bool).any()) if "synthetic" in incidents else False
    crosses = period.start < brk <= period.end
    out: list[str] = []
    if synthetic:
        out.append(t("report.synthetic", code))
    if crosses:
        out.append(t("report.caveat.break", code, date=fmt_date(brk, code, style="long")))
    sources, victims = _sources(incidents, code)
    if victims:
        out.append(t("report.caveat.victims", code))
    out.append(t("report.caveat.reported", code))
    hidden = int(cells["suppressed"].sum()) if cells is not None else 0
    withheld = int(cells.attrs.get("withheld", 0)) if cells is not None else 0
    if hidden - withheld:
        out.append(
            t(unit_key("report.caveat.suppressed", ctx), code, n=fmt_int(hidden - withheld, code), min=ctx.min_count)
        )
    if withheld:
        out.append(t("report.caveat.withheld", code, n=fmt_int(withheld, code), min=ctx.min_count))
    if cells is not None and cells.attrs.get("whole"):
        out.append(t("report.caveat.whole", code, min=ctx.min_count))
    if approximate:
        out.append(t("report.caveat.approximate", code))
    attribution = t("report.sources", code, sources=sources) if sources else ""
    return tuple(out), attribution, synthetic, crosses


def title(counts: Counts, filters: Filters, focus_name: str, lang: str) -> str:
    """ "Homicides near <place>" when one category is asked for or shown, else "Reported incidents near <place>"."""
    rows = counts.period_rows
    cats = sorted(set(rows["category"].dropna().astype(str))) if "category" in rows else []
    if len(filters.categories) == 1:
        cats = list(filters.categories)
    if len(cats) != 1:
        return t("report.title_all", lang, place=focus_name)
    if f"report.title.{cats[0]}" in catalog(lang):
        return t(f"report.title.{cats[0]}", lang, place=focus_name)
    label = category_label(cats[0], lang)
    return t("report.title_category", lang, category=label[:1].upper() + label[1:], place=focus_name)


def mode_note(ctx: Context) -> str:
    """The footer line that says what the privacy mode shows."""
    if ctx.mode == "public":
        return t(
            unit_key("report.mode_note.public", ctx), ctx.lang, cell=fmt_int(ctx.cell_m, ctx.lang), n=ctx.min_count
        )
    return t("report.mode_note.internal", ctx.lang)
