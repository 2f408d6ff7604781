"""The strip under the route card's map: the scale bar, the legend (route, start, stop) and the north arrow.

The strip shares the map's width and x scale (metres), so the bar is true to scale. The legend sits on the
scale bar's line when it fits between the bar and the arrow, else on a line of its own under them.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from geo.exports.mapdraw import Extent, draw_scale_strip
from geo.exports.routemap import ROUTE_COLOUR, START_COLOUR, STOP_COLOUR
from geo.exports.textfit import Box, Style, fit, line_height, put, text_width
from geo.patrol import text as rt

TEXT = Style(8, 6.5, max_lines=1)
SWATCH_IN = 0.3
GAP_IN = 0.18
ROW_IN = 0.26
NORTH_IN = 0.45
"""Room the north arrow and its letter take at the right end, inches."""


def _items(lang: str) -> list[tuple[str, str]]:
    return [("route", rt.t(lang, "legend_route")), ("start", rt.t(lang, "legend_start")),
            ("stop", rt.t(lang, "legend_stop"))]  # fmt: skip


def _legend_rows(lang: str, width: float, size: float) -> list[list[tuple[str, str, float]]]:
    """The legend's entries in rows no wider than ``width`` (each entry with its width, inches)."""
    rows: list[list[tuple[str, str, float]]] = [[]]
    used = 0.0
    for kind, label in _items(lang):
        w = SWATCH_IN + text_width(label, size) + GAP_IN
        if rows[-1] and used + w > width:
            rows.append([])
            used = 0.0
        rows[-1].append((kind, label, w))
        used += w
    return rows


def _bar_width(lang: str, width: float) -> float:
    """What the scale bar and its label take at the left, inches (the bar is at most a fifth of the map)."""
    return width * 0.2 + width * 0.015 + text_width(rt.t(lang, "scale", n="1,000"), TEXT.size) + 0.3


def _beside(lang: str, width: float) -> bool:
    """True when the legend fits on the scale bar's line, between the bar and the north arrow."""
    return len(_legend_rows(lang, width - _bar_width(lang, width) - NORTH_IN, TEXT.size)) == 1


def strip_height(lang: str, width: float) -> float:
    """The strip's height: one line when the legend fits beside the scale bar, else the bar's line and the
    legend's lines under it."""
    if _beside(lang, width):
        return ROW_IN
    return ROW_IN * (1 + len(_legend_rows(lang, width, TEXT.size)))


def draw_strip(fig: Figure, box: Box, extent: Extent, lang: str) -> None:
    """The scale bar and north arrow on the strip's top line, the legend beside them or under them."""
    bar_row = Box(box.x, box.top - ROW_IN, box.w, ROW_IN)
    ax = fig.add_axes(bar_row.fraction(fig))
    draw_scale_strip(ax, extent, label=lambda m: rt.t(lang, "scale", n=rt.number(m, lang)), north="N",
                     fontsize=TEXT.size, linewidth=3)  # fmt: skip
    if _beside(lang, box.w):
        start = box.x + _bar_width(lang, box.w)
        rows = _legend_rows(lang, box.right - NORTH_IN - start, TEXT.size)
        _legend(fig, rows, x=start, top=bar_row.top)
    else:
        _legend(fig, _legend_rows(lang, box.w, TEXT.size), x=box.x, top=bar_row.y)


def _legend(fig: Figure, rows: list[list[tuple[str, str, float]]], *, x: float, top: float) -> None:
    """The legend's entries, row under row from ``top``; each a sign and its label."""
    tr = fig.dpi_scale_trans
    size = TEXT.size
    for i, row in enumerate(rows):
        cy = top - ROW_IN * (i + 0.5)
        left = x
        for kind, label, w in row:
            if kind == "route":
                fig.add_artist(Line2D([left, left + SWATCH_IN * 0.8], [cy, cy], transform=tr, color=ROUTE_COLOUR,
                                      linewidth=3))  # fmt: skip
            else:
                marker, colour = ("*", START_COLOUR) if kind == "start" else ("o", STOP_COLOUR)
                fig.add_artist(Line2D([left + SWATCH_IN * 0.4], [cy], transform=tr, marker=marker,
                                      markersize=size * 1.4, color=colour, linestyle="",
                                      markeredgecolor="black" if kind == "start" else "white"))  # fmt: skip
            put(fig, fit(label, w - SWATCH_IN, ROW_IN, TEXT.at(size)), left + SWATCH_IN, cy + line_height(size) / 2, w)
            left += w
