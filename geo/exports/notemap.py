"""The report's notes for the meeting drawn on a printed map (matplotlib, EPSG:32611 metres), for
:mod:`geo.exports.draw`.

Each note on the map (:func:`geo.exports.notelist.map_notes`) gets a numbered marker at its point and, for an
arrow, an arrow from the marker to its target (``annotate`` with ``arrowprops``). Its words go in a white box with
a white halo beside the marker: tried on each side of it (an arrow's box first on the side away from its target),
from the preferred type size down to :data:`SMALLEST`, wrapped to :data:`WIDTH_SHARE` of the map's width
(:func:`geo.exports.textfit.fit`). A box is kept only where it lies inside the map and clear of every word
already written (:class:`geo.exports.mapdraw.LabelSpace`: the locator inset, a message, the other notes); the
notes are written before the squares' counts, the focus name and the street names, which then keep clear of
them. A note whose whole words fit nowhere keeps its marker and is listed under the map instead
(:func:`geo.exports.notelist.note_lines`). Words are drawn as written: never parsed as maths (``$x$`` stays
``$x$``), and a character the map's font lacks is shown as U+FFFD.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

from geo.exports.mapdraw import LABEL_PAD_PX, LabelSpace
from geo.exports.model import Report
from geo.exports.notelist import MapNote, map_notes
from geo.exports.textfit import FONT, LINE, STEP_PT, Fitted, Style, fit

INK = "#1a1a1a"
"""Markers, arrows and the boxes' edges: near black."""
WIDTH_SHARE = 0.38
"""A note's words are wrapped to this share of the map's width."""
MAX_LINES = 4
SMALLEST = 0.75
"""The smallest type a note is set in, as a share of its preferred size."""
GAP_PT = 3.0
"""Between a marker and its note's box, points."""
MISSING = "\ufffd"
PAD_EM = 0.35
"""The room inside a note's box around its words, ems."""
_HA = {1: "left", 0: "center", -1: "right"}
_VA = {1: "bottom", 0: "center", -1: "top"}
ZORDER = 11


@lru_cache(maxsize=1)
def _charmap() -> frozenset[int]:
    return frozenset(get_font(findfont(FontProperties(family=FONT))).get_charmap())


def drawable(text: str) -> str:
    """``text`` with each character the map's font (DejaVu Sans) has no glyph for shown as U+FFFD."""
    glyphs = _charmap()
    return "".join(ch if ord(ch) in glyphs or ch.isspace() else MISSING for ch in text)


def draw_notes(ax: Axes, space: LabelSpace, report: Report, *, fontsize: float) -> list[int]:
    """Draw the notes inside the map's frame on ``ax``; return the numbers of those whose words are not on the
    map (written under it instead)."""
    inside, _ = map_notes(report)
    if not inside:
        return []
    radius = fontsize * 0.95  # the marker's radius, points
    marks = {item.number: _marker(ax, space, item, fontsize=fontsize) for item in inside}
    for item in inside:
        if item.to_xy is not None:
            ax.annotate("", xy=item.to_xy, xytext=marks[item.number], zorder=ZORDER - 1, annotation_clip=False,
                        arrowprops={"arrowstyle": "-|>,head_length=0.6,head_width=0.35", "color": INK,
                                    "lw": fontsize * 0.18, "shrinkA": radius, "shrinkB": 1,
                                    "mutation_scale": fontsize * 1.6})  # fmt: skip
    width_in = _width_in(ax) * WIDTH_SHARE
    return [
        item.number for item in inside if not _words(ax, space, item, marks[item.number], fontsize, width_in, radius)
    ]


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        msg = "a map's axes must belong to a figure"
        raise TypeError(msg)
    return fig


def _width_in(ax: Axes) -> float:
    """The map's width on the page, inches."""
    return float(ax.get_position().width * _figure(ax).get_figwidth())


def _pixels(ax: Axes, points: float) -> float:
    """``points`` as display pixels of the map's figure."""
    return points * float(_figure(ax).dpi) / 72


def _extent(text: Annotation, space: LabelSpace) -> Bbox:
    """The box drawn around ``text`` (its patch), display pixels, with the labels' padding."""
    words = text.get_window_extent(space.renderer)  # an annotation finds its place here
    text.update_bbox_position_size(space.renderer)
    patch = text.get_bbox_patch()
    whole = patch.get_window_extent(space.renderer) if patch is not None else words
    return whole.padded(LABEL_PAD_PX)


def _free(box: Bbox, space: LabelSpace) -> bool:
    f = space.frame()
    inside = box.x0 >= f.x0 and box.y0 >= f.y0 and box.x1 <= f.x1 and box.y1 <= f.y1
    return inside and not any(box.overlaps(t) for t in space.taken)


def _around(step: float) -> Iterator[tuple[float, float]]:
    """Offsets (display pixels) a marker is tried at: its own point, then rings of 6 and 12 places ``step`` apart."""
    yield 0.0, 0.0
    for ring, count in ((1, 6), (2, 12)):
        for k in range(count):
            angle = 2 * math.pi * k / count + math.pi / 2
            yield ring * step * math.cos(angle), ring * step * math.sin(angle)


def _marker(ax: Axes, space: LabelSpace, item: MapNote, *, fontsize: float) -> tuple[float, float]:
    """The note's number in a dark disc at its point, or (when another marker or word is there) as near to it as
    is free, with a dot at the point and a leader to it; its place kept. Returns where it is, metres."""
    origin = ax.transData.transform(item.xy)
    probe = _marker_text(ax, item, item.xy, fontsize=fontsize)
    measured = _extent(probe, space)
    probe.remove()
    step = _pixels(ax, fontsize * 2.0)
    dx, dy = next(
        ((dx, dy) for dx, dy in _around(step) if _free(measured.translated(dx, dy), space)), (0.0, 0.0)
    )  # nowhere free: at its own point whatever lies there
    xy = tuple(float(v) for v in ax.transData.inverted().transform((origin[0] + dx, origin[1] + dy)))
    space.taken.append(_extent(_marker_text(ax, item, (xy[0], xy[1]), fontsize=fontsize), space))
    if (dx, dy) != (0.0, 0.0):
        ax.plot([item.xy[0], xy[0]], [item.xy[1], xy[1]], color=INK, linewidth=fontsize * 0.1, zorder=ZORDER)
        ax.plot([item.xy[0]], [item.xy[1]], "o", color=INK, markersize=fontsize * 0.35, zorder=ZORDER)
    return xy[0], xy[1]


def _marker_text(ax: Axes, item: MapNote, xy: tuple[float, float], *, fontsize: float) -> Annotation:
    return ax.annotate(str(item.number), xy=xy, ha="center", va="center", fontsize=fontsize * 0.85,
                       fontweight="bold", color="white", zorder=ZORDER + 1, parse_math=False, annotation_clip=False,
                       gid=f"note-marker-{item.number}",
                       bbox={"boxstyle": "circle,pad=0.3", "facecolor": INK, "edgecolor": "white",
                             "linewidth": 1.0})  # fmt: skip


def _sides(item: MapNote) -> list[tuple[float, float]]:
    """Directions to try a note's box in (unit steps), best first: for an arrow, away from its target."""
    sides = [(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0), (1.0, 1.0), (1.0, -1.0), (-1.0, 1.0), (-1.0, -1.0)]
    if item.to_xy is None:
        return sides
    dx, dy = item.to_xy[0] - item.xy[0], item.to_xy[1] - item.xy[1]
    return sorted(sides, key=lambda s: (s[0] * dx + s[1] * dy) / math.hypot(*s))


def _fits(text: str, width_in: float, fontsize: float) -> Iterator[Fitted]:
    """The note's words set whole (never cut), from ``fontsize`` down to :data:`SMALLEST` of it."""
    size = fontsize
    while size >= fontsize * SMALLEST - 1e-9:
        fitted = fit(text, width_in, MAX_LINES * LINE * size / 72, Style(size, size, max_lines=MAX_LINES))
        if not fitted.cut:
            yield fitted
        size -= STEP_PT


def _note_text(ax: Axes, fitted: Fitted, mark: tuple[float, float], side: tuple[float, float], reach: float,
               number: int) -> Annotation:  # fmt: skip
    """The note's words in their box, on ``side`` of the marker at ``mark`` (metres), ``reach`` points from it."""
    sx, sy = side
    scale = 0.75 if sx and sy else 1.0
    text = ax.annotate(
        "\n".join(fitted.lines), xy=mark, xytext=(sx * reach * scale, sy * reach * scale), textcoords="offset points",
        ha=_HA[int(sx)], va=_VA[int(sy)], multialignment="left", fontsize=fitted.size, color=INK, linespacing=LINE,
        zorder=ZORDER, parse_math=False, annotation_clip=False, gid=f"note-{number}",
        bbox={"boxstyle": f"round,pad={PAD_EM}", "facecolor": "white", "edgecolor": INK, "linewidth": 0.7},
    )  # fmt: skip
    patch = text.get_bbox_patch()
    if patch is not None:  # the halo: a white ring around the box, so it reads over the squares
        patch.set_path_effects([patheffects.withStroke(linewidth=3.0, foreground="white")])
    return text


def _spot(probe: Bbox, anchor: tuple[float, float], side: tuple[float, float], offset: float) -> Bbox:
    """Where the box ``probe`` (measured left- and bottom-aligned at ``anchor``) lies on ``side`` of it, ``offset``
    pixels away, without drawing it: display pixels."""
    sx, sy = side
    scale = 0.75 if sx and sy else 1.0
    x, y = anchor[0] + sx * offset * scale, anchor[1] + sy * offset * scale
    left, below = probe.x0 - anchor[0], probe.y0 - anchor[1]  # the box's padding beyond the words
    x0 = x + left if sx > 0 else x - probe.width - left if sx < 0 else x - probe.width / 2
    y0 = y + below if sy > 0 else y - probe.height - below if sy < 0 else y - probe.height / 2
    return Bbox.from_bounds(x0, y0, probe.width, probe.height)


def _words(
    ax: Axes,
    space: LabelSpace,
    item: MapNote,
    mark: tuple[float, float],
    fontsize: float,
    width_in: float,
    radius: float,
) -> bool:
    """The note's words in a box beside its marker (at ``mark``, metres) where they cover nothing; False when no
    place is free. Each size is measured once; each side is tried on the measured box before it is drawn."""
    anchor = tuple(ax.transData.transform(mark))
    for fitted in _fits(drawable(item.note.text), width_in, fontsize):
        reach = radius + GAP_PT + PAD_EM * fitted.size
        probe = _note_text(ax, fitted, mark, (0.0, 0.0), 0.0, item.number)
        probe.set_horizontalalignment("left")
        probe.set_verticalalignment("bottom")
        measured = _extent(probe, space)
        probe.remove()
        offset = _pixels(ax, reach)
        for side in _sides(item):
            if not _free(_spot(measured, (anchor[0], anchor[1]), side, offset), space):
                continue
            text = _note_text(ax, fitted, mark, side, reach, item.number)
            box = _extent(text, space)
            if _free(box, space):
                space.taken.append(box)
                return True
            text.remove()
    return False
