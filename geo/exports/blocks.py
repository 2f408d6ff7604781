"""Blocks of a printed page, each in its own box: the legend, the key figures, a list of notes.

Each block measures its words (:mod:`geo.exports.textfit`) and sets them at the largest size that fits
its box; what it draws never leaves the box.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from geo.exports.model import KeyFigure
from geo.exports.textfit import Box, Fitted, Style, fit, line_height, put, wrap

HATCH = "////"
VALUE_COLOUR = "#0072B2"
SMALLEST = 0.5
"""Key figures stacked in a short box are set down to this share of their size (then their words shrink)."""
LONG_VALUE = 12
"""A key figure's value longer than this many characters is words, set smaller than a number."""


@dataclass(frozen=True)
class Entry:
    """One line of a legend: what it shows (``cell``, ``suppressed``, ``point``, ``ring``, ``line``...), its
    colour and its label."""

    kind: str
    colour: str
    label: str


@dataclass(frozen=True)
class _LegendLayout:
    head: Fitted
    labels: list[Fitted]
    size: float

    @property
    def swatch(self) -> float:
        return self.size * 2.2 / 72

    @property
    def gap(self) -> float:
        return self.size * 0.6 / 72

    @property
    def space(self) -> float:
        return self.size * 0.3 / 72

    @property
    def height(self) -> float:
        return self.head.height + self.space + stacked_height(self.labels, self.space)


def _legend_layout(title: str, entries: Sequence[Entry], width: float, height: float, style: Style) -> _LegendLayout:
    """The legend's words at the largest size (one for all) whose height fits ``height`` inches."""
    size = style.size
    while True:
        swatch, gap = size * 2.2 / 72, size * 0.6 / 72
        head = fit(title, width, 10.0, style.at(size, weight="bold"))
        labels = [Fitted(tuple(wrap(e.label, width - swatch - gap, size)), size, style.at(size)) for e in entries]
        layout = _LegendLayout(head, labels, size)
        if layout.height <= height + 1e-9 or size - 0.5 < style.min_size:
            return layout
        size -= 0.5


def legend_height(title: str, entries: Sequence[Entry], width: float, style: Style) -> float:
    """The height a legend takes at its preferred size, inches."""
    return _legend_layout(title, entries, width, 1e9, style).height


def legend(fig: Figure, box: Box, title: str, entries: Sequence[Entry], style: Style) -> float:
    """A legend in ``box``: a bold title, then each entry's swatch and its wrapped label; one type size
    for all, the largest that fits. Returns the height used, inches."""
    lay = _legend_layout(title, entries, box.w, box.h, style)
    put(fig, lay.head, box.x, box.top, box.w)
    y = box.top - lay.head.height - lay.space
    for entry, fitted in zip(entries, lay.labels, strict=True):
        if y - fitted.height < box.y - 1e-9:
            break  # at the smallest size the box is still too short: what does not fit is left out
        _swatch(fig, entry, x=box.x, top=y, w=lay.swatch, h=line_height(fitted.size))
        put(fig, fitted, box.x + lay.swatch + lay.gap, y, box.w - lay.swatch - lay.gap)
        y -= fitted.height + lay.space
    return box.top - y - lay.space


def _swatch(fig: Figure, entry: Entry, *, x: float, top: float, w: float, h: float) -> None:
    """The entry's sign in a ``w`` x ``h`` inch cell whose top left is ``(x, top)``."""
    tr = fig.dpi_scale_trans
    cy = top - h / 2
    if entry.kind in ("cell", "suppressed"):
        hidden = entry.kind == "suppressed"
        fig.add_artist(Rectangle((x, cy - h * 0.35), w * 0.8, h * 0.7, transform=tr, facecolor=entry.colour,
                                 edgecolor="#777777" if hidden else "white", hatch=HATCH if hidden else None,
                                 linewidth=0.5))  # fmt: skip
    elif entry.kind in ("point", "stop", "start"):
        fig.add_artist(Circle((x + w * 0.4, cy), h * 0.3, transform=tr, facecolor=entry.colour, edgecolor="white"))
    else:
        dash: Literal["--", "-"] = "--" if entry.kind == "ring" else "-"
        width = 1.5 if entry.kind in ("ring", "route") else 1.0
        fig.add_artist(Line2D([x, x + w * 0.8], [cy, cy], transform=tr, color=entry.colour, linestyle=dash,
                              linewidth=width * h * 72 / 12))  # fmt: skip


def key_figures(
    fig: Figure, box: Box, figures: Sequence[KeyFigure], *, value: Style, label: Style, across: bool
) -> float:
    """The key figures in ``box``, one under the other or side by side (``across``): the value large (on one
    line when it can be), its label under it; one scale for all three, the largest that fits. Returns the
    height used, inches."""
    v, lab = _figure_styles(box, figures, value=value, label=label, across=across)
    if across:
        cols = box.columns(len(figures), gap=value.size * 0.6 / 72)
        return max(_key_figure(fig, f, b, value=v, label=lab) for f, b in zip(figures, cols, strict=True))
    gap = value.size * 0.45 / 72
    top = box.top
    for f in figures:
        h = figure_height(f, box.w, value=v, label=lab)
        top -= _key_figure(fig, f, Box(box.x, top - h, box.w, h), value=v, label=lab) + gap
    return box.top - top - gap


def figures_height(box: Box, figures: Sequence[KeyFigure], *, value: Style, label: Style, across: bool) -> float:
    """The height the key figures take in ``box``'s width at their preferred sizes, inches."""
    if across:
        cols = box.columns(len(figures), gap=value.size * 0.6 / 72)
        return max(figure_height(f, b.w, value=value, label=label) for f, b in zip(figures, cols, strict=True))
    gap = value.size * 0.45 / 72
    return sum(figure_height(f, box.w, value=value, label=label) for f in figures) + gap * (len(figures) - 1)


def _figure_styles(
    box: Box, figures: Sequence[KeyFigure], *, value: Style, label: Style, across: bool
) -> tuple[Style, Style]:
    """The value and label styles at the one scale (1 down to :data:`SMALLEST`) at which the figures fit."""
    factor = 1.0
    while True:
        v, lab = _scaled(value, factor), _scaled(label, factor)
        if figures_height(box, figures, value=v, label=lab, across=across) <= box.h or factor <= SMALLEST:
            return v, lab
        factor -= 0.05


def _scaled(style: Style, factor: float) -> Style:
    """``style`` set ``factor`` times its size (never under its smallest size)."""
    return replace(style, size=max(style.min_size, style.size * factor))


def _value_style(f: KeyFigure, value: Style) -> Style:
    if len(f.short or f.value) > LONG_VALUE:  # words ("no earlier data"), not a number: smaller than a figure
        return replace(value, size=value.size * 0.62, min_size=min(value.min_size, value.size * 0.62))
    return value


def figure_height(f: KeyFigure, width: float, *, value: Style, label: Style) -> float:
    """The height one key figure takes at its preferred sizes, inches."""
    v = fit(f.short or f.value, width, 10.0, _value_style(f, value))
    pad = label.size * 0.25 / 72
    detail = fit(f.detail, width, 10.0, replace(label, max_lines=5)).height + pad if f.short and f.detail else 0.0
    return v.height + pad + detail + fit(f.label, width, 10.0, label).height


def _key_figure(fig: Figure, f: KeyFigure, box: Box, *, value: Style, label: Style) -> float:
    """One key figure at the top of ``box``: its value, then its label; the height used, inches."""
    v = fit(f.short or f.value, box.w, box.h, _value_style(f, value))
    put(fig, v, box.x, box.top, box.w, color=VALUE_COLOUR)
    pad = label.size * 0.25 / 72
    top = box.top - v.height - pad
    if f.short and f.detail:  # "+40" large, "+80% (95% interval ...)" under it, in the room the label leaves
        room = top - box.y - fit(f.label, box.w, top - box.y, label).height - pad
        detail = fit(f.detail, box.w, room, replace(label, color=VALUE_COLOUR, max_lines=5))
        put(fig, detail, box.x, top, box.w)
        top -= detail.height + pad
    lab = fit(f.label, box.w, top - box.y, label)
    put(fig, lab, box.x, top, box.w)
    return box.top - top + lab.height


def stack(fig: Figure, fitted: Sequence[Fitted], box: Box, *, gap: float) -> float:
    """Write texts one under the other from the top of ``box``, ``gap`` inches apart; the height used."""
    y = box.top
    for f in fitted:
        put(fig, f, box.x, y, box.w)
        y -= f.height + gap
    return stacked_height(fitted, gap)


def stacked_height(fitted: Sequence[Fitted], gap: float) -> float:
    """Height of texts set one under the other, ``gap`` inches apart."""
    return sum(f.height for f in fitted) + gap * max(0, len(fitted) - 1)
