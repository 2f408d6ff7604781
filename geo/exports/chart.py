"""The meeting report's trend chart in its own box, for the handout and the slide (:mod:`geo.exports.sheet`).

The box holds the chart's title and notes (measured and wrapped, :mod:`geo.exports.textfit`), then the
axes, placed so that their tick labels stay inside the box. Every period of the chart has a bar: the
report period dark, the years before it pale, a partial last period hatched, a period with none drawn as
0, a hidden one marked "<3" (or "—" where it is withheld beside a small count); the LAPD legacy/NIBRS break
is a dashed line. A chart with no bar worth drawing (every count hidden, or none) is a sentence instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from geo.exports.model import Report
from geo.exports.textfit import Box, Fitted, Style, fit, put, text_width

BAR = "#0072B2"
BAR_OTHER = "#a6bddb"
WARN = "#B00000"
MARK = "#444444"


@dataclass(frozen=True)
class ChartType:
    """Type sizes of a trend chart, points: title, notes, ticks and the marks on the bars."""

    title: float
    notes: float
    tick: float
    mark: float


def _title(report: Report, box: Box, sizes: ChartType) -> Fitted:
    return fit(
        report.trend_title, box.w, box.h * 0.3, Style(sizes.title, sizes.title * 0.75, weight="bold", max_lines=2)
    )


def _words(report: Report, box: Box, sizes: ChartType) -> Fitted | None:
    """What stands for the bars when there are none: the sentence, or the notes of a place with no data."""
    if report.trend_sentence:
        return fit(report.trend_sentence, box.w, box.h, Style(sizes.title, sizes.notes, max_lines=4))
    if not len(report.trend) and report.trend_notes:
        return fit("; ".join(report.trend_notes), box.w, box.h, Style(sizes.title, sizes.notes, max_lines=4))
    return None


def words_height(report: Report, width: float, sizes: ChartType) -> float | None:
    """The height a chart without bars takes (its title and sentence), inches; None for a chart with bars."""
    box = Box(0, 0, width, 10.0)
    words = _words(report, box, sizes)
    if words is None:
        return None
    return _title(report, Box(0, 0, width, 3.0), sizes).height + sizes.title / 144 + words.height


def draw_trend(fig: Figure, box: Box, report: Report, *, sizes: ChartType) -> None:
    """The trend of ``report`` in ``box`` (inches): title, notes, then the bars or the sentence that replaces them."""
    title = _title(report, box, sizes)
    put(fig, title, box.x, box.top, box.w)
    rest = Box(box.x, box.y, box.w, box.h - title.height)
    words = _words(report, Box(rest.x, rest.y, rest.w, rest.h - sizes.title / 144), sizes)
    if words is not None:  # no bar worth drawing: a sentence, not an empty axis
        put(fig, words, rest.x, rest.top - sizes.title / 144, rest.w)
        return
    if report.trend_notes:
        notes = fit("; ".join(report.trend_notes), box.w, rest.h * 0.3,
                    Style(sizes.notes, sizes.notes * 0.8, color=MARK, max_lines=3))  # fmt: skip
        put(fig, notes, rest.x, rest.top, rest.w)
        rest = Box(rest.x, rest.y, rest.w, rest.h - notes.height)
    axes_box = rest.take_top(rest.h - sizes.tick / 144)[0]
    ax = fig.add_axes(axes_box.fraction(fig))
    _bars(ax, report, sizes=sizes, width_in=axes_box.w)
    _fit_axes(fig, ax, axes_box)


def _bars(ax: Axes, report: Report, *, sizes: ChartType, width_in: float) -> None:
    tr = report.trend
    x = np.arange(len(tr))
    colours = [BAR if p else BAR_OTHER for p in tr["in_period"]]
    heights = tr["count"].astype("Float64").fillna(0).to_numpy(dtype=float)  # a hidden bar: none, marked
    bars = ax.bar(x, heights, color=colours, width=0.8)
    for bar, partial in zip(bars, tr["partial"], strict=True):
        if partial:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    top = max(1.0, float(heights.max()))
    ax.set_ylim(0, top * 1.18)
    ax.set_xlim(-0.6, len(tr) - 0.4)
    hidden = tr["suppressed"].to_numpy(dtype=bool)
    withheld = tr["withheld"].to_numpy(dtype=bool) if "withheld" in tr.columns else np.zeros(len(tr), dtype=bool)
    for xi, h, is_hidden, is_held in zip(x, heights, hidden, withheld, strict=True):
        if is_hidden:
            mark = "—" if is_held else f"<{report.min_count}"  # withheld beside a small count, or "fewer than N"
        elif h == 0:
            mark = "0"  # none that period: a zero, not a gap
        else:
            continue
        ax.text(
            float(xi), top * 0.02, mark, ha="center", va="bottom", fontsize=sizes.mark, color=MARK, parse_math=False
        )
    _ticks(ax, list(tr["period"]), x, sizes=sizes, width_in=width_in, freq=str(tr.attrs.get("freq", "year")))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    _break_line(ax, tr, top=top * 1.18, sizes=sizes)


def _ticks(ax: Axes, labels: list[str], x: np.ndarray, *, sizes: ChartType, width_in: float, freq: str) -> None:
    """Period labels under the bars, every n-th one so that none touches its neighbour (measured)."""
    widest = max(text_width(lbl, sizes.tick) for lbl in labels) if labels else 0.0
    per_bar = width_in / max(1, len(labels))
    step = max(1, int(np.ceil((widest + sizes.tick / 72) / per_bar)))
    shown = x[::-1][::step][::-1]  # counted back from the last period, which always has its label
    ax.set_xticks(shown)
    ax.set_xticklabels([labels[i] for i in shown], fontsize=sizes.tick)
    ax.tick_params(axis="y", labelsize=sizes.tick)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=4))
    if freq == "month" and step > 1:
        ax.set_xticks(x, minor=True)


def _break_line(ax: Axes, tr: pd.DataFrame, *, top: float, sizes: ChartType) -> None:
    """The LAPD legacy/NIBRS break as a dashed line where it falls in the chart, named at its top."""
    freq = tr.attrs.get("freq", "year")
    brk = pd.Timestamp(tr.attrs.get("nibrs_break", "2024-03-07"))
    starts = tr["period_start"]
    span = pd.DateOffset(years=1) if freq == "year" else pd.DateOffset(months=1)
    if not (starts.iloc[0] <= brk < starts.iloc[-1] + span):
        return
    i = int(np.searchsorted(starts.to_numpy(), brk.to_datetime64(), side="right")) - 1
    frac = (brk - starts.iloc[i]) / ((starts.iloc[i] + span) - starts.iloc[i])
    xb = i - 0.5 + float(frac)
    ax.axvline(xb, color=WARN, linestyle="--", linewidth=sizes.mark / 5)
    ha = "left" if xb < len(tr) * 0.75 else "right"
    ax.text(xb, top, " NIBRS " if ha == "left" else "NIBRS ", color=WARN, fontsize=sizes.mark, va="top", ha=ha)


def _fit_axes(fig: Figure, ax: Axes, box: Box) -> None:
    """Move the axes' edges in so that their tick labels lie inside ``box`` (inches)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    dpi = fig.dpi
    for _ in range(3):
        tight = ax.get_tightbbox(renderer)
        if tight is None:
            return
        pos = ax.get_position()
        fw, fh = fig.get_size_inches()
        left = max(0.0, box.x - tight.x0 / dpi)
        bottom = max(0.0, box.y - tight.y0 / dpi)
        right = max(0.0, tight.x1 / dpi - box.right)
        top = max(0.0, tight.y1 / dpi - box.top)
        if max(left, bottom, right, top) < 1e-3:
            return
        x0 = pos.x0 * fw + left
        y0 = pos.y0 * fh + bottom
        ax.set_position(
            ((x0) / fw, y0 / fh, (pos.width * fw - left - right) / fw, (pos.height * fh - bottom - top) / fh)
        )
