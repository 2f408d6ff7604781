"""The meeting report drawn with matplotlib (slide PNG, letter PNG, PDF handout), for geo.exports.render.

Maps are drawn in EPSG:32611 metres (north up, true scale) with the shared scale bar and north
arrow of :mod:`geo.exports.mapdraw`. Two layouts: ``slide`` (16:9, 1920x1080 px, type large enough for
the back of a room) and ``letter`` (8.5 x 11 in, the one-page handout, also the PDF).
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from geo.core.i18n import fmt_int
from geo.core.projection import to_metric
from geo.data.coverage import NO_DATA
from geo.exports.mapdraw import draw_north_arrow, draw_scale_bar, street_label
from geo.exports.model import Report
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR

_RC: dict[str, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "DejaVu Sans", "svg.fonttype": "none"}
LAYOUTS: dict[str, dict[str, Any]] = {
    "slide": {"inches": (19.2, 10.8), "dpi": 100, "scale": 2.0},
    "letter": {"inches": (8.5, 11.0), "dpi": 150, "scale": 1.0},
}
BAR = "#0072B2"
BAR_OTHER = "#a6bddb"
WARN = "#B00000"
POINT_COLOUR = "#D55E00"
STREET_COLOUR = "#9a9a9a"
HATCH = "////"
FOCUS = "#000000"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def _legend_handles(report: Report, width: int) -> list[Any]:
    """The legend's entries, each label wrapped to ``width`` characters (a long place name stays in its column)."""
    handles: list[Any] = []
    for kind, colour, text in report.legend:
        label = _wrap(text, width)
        if kind == "cell":
            handles.append(Patch(facecolor=colour, edgecolor="white", label=label))
        elif kind == "suppressed":
            handles.append(Patch(facecolor=colour, edgecolor="#777777", hatch=HATCH, label=label))
        elif kind == "point":
            handles.append(
                Line2D([], [], marker="o", linestyle="", markerfacecolor=colour, markeredgecolor="white", label=label)
            )
        elif kind == "ring":
            handles.append(Line2D([], [], color=colour, linestyle="--", linewidth=1.5, label=label))
        else:
            handles.append(Line2D([], [], color=colour, linewidth=1.2, label=label))
    return handles


def draw_map(ax: Axes, report: Report, *, scale: float) -> None:
    """The map of the report in EPSG:32611 metres on ``ax`` (cells or points, place, ring, streets)."""
    ax.set_facecolor("#fbfaf7")
    if len(report.streets):
        _draw_streets(ax, report, scale=scale)
    cells = report.cells
    if cells is not None and len(cells):
        _draw_cells(ax, cells, report.lang, scale=scale)
    points = report.points
    if points is not None and len(points):
        pm = to_metric(points)
        ax.scatter(
            pm.geometry.x,
            pm.geometry.y,
            s=14 * scale**2,
            color=POINT_COLOUR,
            edgecolor="white",
            linewidth=0.5,
            zorder=4,
        )
    no_data = (cells is not None and len(cells) == 0) or (points is not None and len(points) == 0)
    if no_data:
        ax.text(  # above the focus, whose name is written at the centre
            0.5,
            0.9,
            textwrap.fill(report.text(_empty_map_key(report), n=report.min_count), width=48),
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9 * scale,
            color="#555555",
            zorder=6,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        )
    _draw_focus(ax, report, scale=scale)
    _draw_frame(ax, report, scale=scale)


def _draw_streets(ax: Axes, report: Report, *, scale: float) -> None:
    """The streets, each named along itself at its midpoint when that is inside the map's frame."""
    x0, x1, y0, y1 = report.extent_m
    st = to_metric(report.streets)
    st.plot(ax=ax, color=STREET_COLOUR, linewidth=0.8 * scale, zorder=1)
    if "name" not in st.columns:
        return
    for name, geom in zip(st["name"], st.geometry, strict=True):
        if not isinstance(name, str) or geom.is_empty:
            continue
        p = geom.interpolate(0.5, normalized=True)
        if not (x0 < p.x < x1 and y0 < p.y < y1):
            continue
        a = geom.interpolate(max(0.0, geom.project(p) - 20))
        b = geom.interpolate(geom.project(p) + 20)
        street_label(ax, p.x, p.y, name, dx=b.x - a.x, dy=b.y - a.y, fontsize=5.5 * scale)


def _draw_cells(ax: Axes, cells: gpd.GeoDataFrame, lang: str, *, scale: float) -> None:
    """The grid cells: suppressed ones hatched grey, the others coloured by level and labelled with their count."""
    cm = to_metric(cells)
    hidden = cm[cm["suppressed"].astype(bool)]
    shown = cm[~cm["suppressed"].astype(bool)]
    if len(hidden):
        hidden.plot(
            ax=ax,
            facecolor=SUPPRESSED_COLOUR,
            edgecolor="#777777",
            hatch=HATCH,
            linewidth=0.3,
            alpha=0.75,
            zorder=3,
        )
    if not len(shown):
        return
    colours = [LEVEL_COLOURS[int(v) - 1] for v in shown["level"]]
    shown.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.4 * scale, alpha=0.9, zorder=3)
    for geom, n, level in zip(shown.geometry, shown["count"], shown["level"], strict=True):
        c = geom.centroid
        ax.text(
            c.x,
            c.y,
            fmt_int(int(n), lang),
            ha="center",
            va="center",
            fontsize=6.5 * scale,
            color="white" if int(level) >= 3 else "black",
            fontweight="bold",
            zorder=4,
            clip_on=True,
        )


def _draw_focus(ax: Axes, report: Report, *, scale: float) -> None:
    """The focus (outline, or a star for a point), its ring dashed, and its name at its centre."""
    focus = to_metric(report.focus)
    geom = focus.geometry.iloc[0]
    if geom.area > 0:
        focus.plot(ax=ax, facecolor="none", edgecolor=FOCUS, linewidth=1.8 * scale, zorder=5)
    else:
        ax.scatter([geom.x], [geom.y], marker="*", s=120 * scale**2, color="black", zorder=5)
    to_metric(report.ring).plot(
        ax=ax, facecolor="none", edgecolor=FOCUS, linestyle="--", linewidth=1.2 * scale, zorder=5
    )
    c = geom.representative_point() if geom.area > 0 else geom
    ax.text(
        c.x,
        c.y,
        report.focus_name,
        ha="center",
        va="center",
        fontsize=8 * scale,
        fontweight="bold",
        zorder=6,
        bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5},
    )


def _draw_frame(ax: Axes, report: Report, *, scale: float) -> None:
    """The map's frame: its extent (metres) at true scale with no ticks, a scale bar and a north arrow."""
    x0, x1, y0, y1 = report.extent_m
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    extent = (x0, x1, y0, y1)
    draw_scale_bar(
        ax,
        extent,
        label=lambda m: report.text("report.scale", n=fmt_int(m, report.lang)),
        fontsize=7 * scale,
        linewidth=3 * scale,
    )
    draw_north_arrow(ax, extent, fontsize=9 * scale, letter=report.text("report.north"))


def draw_trend(ax: Axes, report: Report, *, scale: float) -> None:
    """Bars of the focus-area series, report period dark, partial period hatched, NIBRS break dashed."""
    tr = report.trend
    if not len(tr):  # no data for the place (outside the coverage): its title says so, no axes of nothing
        ax.set_axis_off()
        _trend_title(ax, report, scale)
        return
    x = np.arange(len(tr))
    colours = [BAR if p else BAR_OTHER for p in tr["in_period"]]
    heights = tr["count"].astype("Float64").fillna(0).to_numpy(dtype=float)  # a hidden bar: none, marked
    bars = ax.bar(x, heights, color=colours, width=0.8)
    for bar, partial in zip(bars, tr["partial"], strict=True):
        if partial:
            bar.set_hatch("///")
            bar.set_edgecolor("white")
    if "suppressed" in tr.columns:
        withheld = tr["withheld"].to_numpy() if "withheld" in tr.columns else np.zeros(len(tr), dtype=bool)
        for xi, held in zip(x[tr["suppressed"].to_numpy()], withheld[tr["suppressed"].to_numpy()], strict=True):
            mark = "—" if held else f"<{report.min_count}"  # withheld beside a small count, or "fewer than N"
            ax.text(xi, 0, mark, ha="center", va="bottom", fontsize=6 * scale, color="#555")
    freq = tr.attrs.get("freq", "year")
    labels = list(tr["period"])
    step = max(1, len(labels) // (12 if scale > 1 else 10))
    ax.set_xticks(x[::step])
    ax.set_xticklabels(labels[::step], fontsize=6.5 * scale, rotation=0 if freq == "year" else 45)
    ax.tick_params(axis="y", labelsize=6.5 * scale)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    brk = pd.Timestamp(tr.attrs.get("nibrs_break", "2024-03-07"))
    starts = tr["period_start"]
    if len(tr) and starts.iloc[0] <= brk <= starts.iloc[-1] + pd.DateOffset(
        years=1 if freq == "year" else 0, months=1 if freq == "month" else 0
    ):
        i = int(np.searchsorted(starts.to_numpy(), brk.to_datetime64(), side="right")) - 1
        span = pd.DateOffset(years=1) if freq == "year" else pd.DateOffset(months=1)
        frac = (brk - starts.iloc[i]) / ((starts.iloc[i] + span) - starts.iloc[i])
        xb = i - 0.5 + float(frac)
        ax.axvline(xb, color=WARN, linestyle="--", linewidth=1.2 * scale)
        ax.text(xb, ax.get_ylim()[1], " NIBRS", color=WARN, fontsize=6.5 * scale, va="top", ha="left")
    _trend_title(ax, report, scale)


def _trend_title(ax: Axes, report: Report, scale: float) -> None:
    ax.set_title(_wrap(report.trend_heading(), 95 if scale == 1 else 70), fontsize=8 * scale, loc="left")


def _watermark(fig: Figure, report: Report, scale: float) -> None:
    if report.privacy != "internal":
        return
    fig.text(
        0.5,
        0.5,
        report.text("report.watermark").upper(),
        fontsize=(34 if scale == 1 else 30) * scale,
        color=WARN,
        alpha=0.16,
        rotation=30,
        ha="center",
        va="center",
        fontweight="bold",
        zorder=100,
    )


def _header(fig: Figure, report: Report, *, scale: float, width: int) -> float:
    """Title, period line, mode and synthetic banner; return the y where the body may start."""
    y = 0.975
    fig.text(0.04, y, _wrap(report.title, width), fontsize=18 * scale, fontweight="bold", va="top")
    y -= 0.045 if scale == 1 else 0.075
    line = (
        f"{report.period_text}  ·  {report.data_as_of_text}  ·  {report.text('report.privacy', mode=report.mode_label)}"
    )
    colour = WARN if report.privacy == "internal" else "#222222"
    fig.text(
        0.04,
        y,
        line,
        fontsize=10 * scale,
        va="top",
        color=colour,
        fontweight="bold" if report.privacy == "internal" else "normal",
    )
    y -= 0.022 if scale == 1 else 0.045
    if report.synthetic:
        fig.text(
            0.04,
            y,
            report.text("report.synthetic").upper(),
            fontsize=11 * scale,
            va="top",
            color="white",
            fontweight="bold",
            bbox={"facecolor": WARN, "edgecolor": "none", "pad": 3 * scale},
        )
        y -= 0.028 if scale == 1 else 0.055
    return y


def _big(value: str, size: float) -> float:
    """Font size of a key figure: smaller for long values ("-10 (-32%)", "too few to compare")."""
    if len(value) <= 6:
        return size
    if len(value) <= 11:
        return size * 0.72
    return size * 0.5


def _figures(fig: Figure, report: Report, *, x: float, y: float, dy: float, scale: float, width: int) -> None:
    for i, f in enumerate(report.figures):
        yy = y - i * dy
        big = _big(f.value, 22)
        fig.text(x, yy, f.value, fontsize=big * scale, fontweight="bold", va="top", color=BAR)
        fig.text(x, yy - dy * 0.42, _wrap(f.label, width), fontsize=8.5 * scale, va="top")


def _letter(report: Report) -> Figure:
    s = 1.0
    fig = Figure(figsize=LAYOUTS["letter"]["inches"], dpi=LAYOUTS["letter"]["dpi"])
    fig.patch.set_facecolor("white")
    top = _header(fig, report, scale=s, width=60)
    ax = fig.add_axes((0.04, top - 0.42, 0.58, 0.41))
    draw_map(ax, report, scale=s)
    fig.text(0.66, top - 0.005, report.text("report.key_figures"), fontsize=11, fontweight="bold", va="top")
    _figures(fig, report, x=0.66, y=top - 0.035, dy=0.085, scale=s, width=34)
    lax = fig.add_axes((0.65, top - 0.42, 0.32, 0.15))
    lax.axis("off")
    lax.legend(
        handles=_legend_handles(report, 40),
        loc="upper left",
        frameon=False,
        fontsize=7.5,
        title=_wrap(report.legend_title, 40),
        title_fontsize=8,
        alignment="left",
    )
    tax = fig.add_axes((0.07, top - 0.575, 0.90, 0.115))
    draw_trend(tax, report, scale=s)
    y = top - 0.605
    fig.text(0.04, y, report.text("report.summary_heading"), fontsize=11, fontweight="bold", va="top")
    summary = _wrap(report.summary, 100)
    fig.text(0.04, y - 0.02, summary, fontsize=9.5, va="top", linespacing=1.3)
    y -= 0.032 + 0.0165 * (summary.count("\n") + 1)
    fig.text(0.04, y, report.text("report.caveats_heading"), fontsize=9.5, fontweight="bold", va="top")
    y -= 0.018
    for c in report.caveats:
        wrapped = _wrap("• " + c, 120)
        fig.text(0.04, y, wrapped, fontsize=7.5, va="top", color="#222222")
        y -= 0.013 * (wrapped.count("\n") + 1) + 0.002
    foot = [report.mode_note, report.attribution, report.made_text]
    for line in (f for f in foot if f):
        wrapped = _wrap(line, 130)
        fig.text(0.04, y, wrapped, fontsize=6.8, va="top", color="#444444")
        y -= 0.012 * (wrapped.count("\n") + 1)
    _watermark(fig, report, s)
    return fig


def _slide(report: Report) -> Figure:
    s = 2.0
    fig = Figure(figsize=LAYOUTS["slide"]["inches"], dpi=LAYOUTS["slide"]["dpi"])
    fig.patch.set_facecolor("white")
    top = _header(fig, report, scale=s, width=75)
    ax = fig.add_axes((0.02, 0.06, 0.50, top - 0.08))
    draw_map(ax, report, scale=s * 0.85)
    xs = (0.54, 0.695, 0.85)
    for x, f in zip(xs, report.figures, strict=True):
        big = _big(f.value, 20)
        fig.text(x, top - 0.01, f.value, fontsize=big * s, fontweight="bold", va="top", color=BAR)
        fig.text(x, top - 0.11, _wrap(f.label, 22), fontsize=8 * s, va="top")
    tax = fig.add_axes((0.56, 0.36, 0.41, top - 0.64))
    draw_trend(tax, report, scale=s * 0.8)
    lax = fig.add_axes((0.54, 0.06, 0.20, 0.24))
    lax.axis("off")
    lax.legend(
        handles=_legend_handles(report, 26),
        loc="upper left",
        frameon=False,
        fontsize=7 * s,
        title=_wrap(report.legend_title, 28),
        title_fontsize=7.5 * s,
        alignment="left",
    )
    y = 0.30
    for c in report.caveats[:4]:
        wrapped = _wrap("• " + c, 48)
        fig.text(0.745, y, wrapped, fontsize=6 * s, va="top", color="#222222")
        y -= 0.021 * (wrapped.count("\n") + 1) + 0.006
    foot = " · ".join(f for f in (report.mode_note, report.attribution) if f)
    fig.text(0.02, 0.012, _wrap(foot, 200), fontsize=5.5 * s, va="bottom", color="#444444")
    _watermark(fig, report, s)
    return fig


def figure(report: Report, *, size: str) -> Figure:
    """The report as a matplotlib Figure in the ``"slide"`` or ``"letter"`` layout."""
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        return _slide(report) if size == "slide" else _letter(report)


def figure_bytes(report: Report, *, size: str, fmt: str) -> bytes:
    """PNG or PDF bytes of the report; PNGs are exactly the size of :data:`geo.exports.model.SIZES`."""
    fig = figure(report, size=size)
    buf = io.BytesIO()
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        metadata: dict[str, Any] | None = None
        if fmt == "pdf":
            metadata = {"Title": report.title, "Creator": "south-la-safety-map", "CreationDate": None}
        fig.savefig(buf, format=fmt, dpi=LAYOUTS[size]["dpi"], metadata=metadata)
    return buf.getvalue()


def _empty_map_key(report: Report) -> str:
    """Why a map holds no cell or point: no data, cells withheld (too few to draw any without giving a small
    count away), or no incident."""
    if report.coverage == NO_DATA:
        return "report.no_data_map"
    if report.cells is not None and report.cells.attrs.get("whole"):
        return "report.withheld_map"
    return "report.no_incidents_map"
