"""The frames of the animation of a period (:mod:`geo.exports.animate`): the slide drawn once, recoloured per step.

What never changes is drawn once: the street lines and names, the focus and its ring, the title, the legend
(every class and the hidden grey), the source line, the synthetic-data banner and the scale strip. Each frame
then only recolours the squares (one :class:`~matplotlib.collections.PolyCollection`) and writes its period
(:class:`AnimationCanvas`). No frame holds a point.

The page is the slide's 19.2 x 10.8 inches (:mod:`geo.exports.sheet`) set at the dpi that gives the pixels
asked for, so 1920x1080 and 1280x720 show the same picture; every text is measured and set to fit its box
(:mod:`geo.exports.textfit`). The map is drawn in EPSG:32611 metres, north up, at true scale.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import to_rgba_array
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from geo.core.errors import AnalysisError
from geo.core.i18n import check_lang, fmt_date, fmt_int, t
from geo.core.projection import to_metric
from geo.exports.blocks import Entry, legend, stack, stacked_height
from geo.exports.draw import FOCUS, STREET_COLOUR
from geo.exports.focus import Focus
from geo.exports.mapdraw import Extent, LabelSpace, draw_scale_strip, fill_extent, halo, merged_streets, set_frame
from geo.exports.mapdraw import street_labels as write_street_names
from geo.exports.playback import Playback
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR
from geo.exports.sheet import SLIDE, WARN
from geo.exports.textfit import Box, Style, baseline_drop, fit, fit_all, line_height, put, text_width

PAGE_IN = (19.2, 10.8)
"""The slide's page, inches (16:9); the dpi gives the pixels."""
MARGIN_IN = 0.4
SLIDE_SIZE = (1920, 1080)
"""Pixels of a full-HD slide."""
SMALL_SIZE = (1280, 720)
"""Pixels of an HD slide."""
MIN_WIDTH = 320
"""The narrowest frame drawn, pixels (smaller, the words would be a pixel or two high)."""
MAP_SHARE = 0.64
"""Share of the body's width the map takes; the period and the legend take the rest."""
PERIOD = Style(48, 24, weight="bold", max_lines=2)
"""The period in words, at the top of the column beside the map."""
BAR_IN = 0.12
"""Height of the bar under the period that shows how far the animation has played, inches."""
TRACK = "#e3e3e3"
CELL_EDGE = "#ffffff"
MAP_BACKGROUND = "#fbfaf7"

KEY_COLOURS = ("#ffffff", MAP_BACKGROUND, SUPPRESSED_COLOUR, *LEVEL_COLOURS, TRACK, WARN, STREET_COLOUR, FOCUS,
               SLIDE.title.color, SLIDE.foot.color, "#000000")  # fmt: skip
"""The colours a frame is mostly made of (a GIF keeps them exactly, :mod:`geo.exports.animate`)."""

PixelBox = tuple[int, int, int, int]
"""``(left, top, right, bottom)`` pixels of a frame (rows counted from the top), right and bottom excluded."""


@dataclass
class _Moving:
    """The artists a frame changes or redraws, and what each frame sets them to."""

    cells: PolyCollection
    corners: np.ndarray | list[np.ndarray]  # every square in the map's frame, metres
    shown: list[np.ndarray]  # the squares drawn in each frame (those with an incident that step)
    faces: list[np.ndarray]  # their colours in that frame, RGBA
    above: list[Artist]  # the map's artists over the squares, redrawn after them
    period: list[Text]
    lines: list[tuple[str, ...]]  # the period's lines in each frame
    bar: Rectangle
    bar_w: float


class AnimationCanvas:
    """An animation's figure with its fixed parts drawn, rendering one frame after another (RGB arrays).

    Agg draws the figure once without the squares, the period and what lies over the squares, and keeps that
    picture; the map's words and lines over the squares are drawn once more, alone on a transparent picture.
    A frame restores the kept picture, draws the recoloured squares, the period and its bar, and lays the
    words and lines over the squares (only the few pixels they cover).
    """

    def __init__(self, fig: Figure, moving: _Moving, regions: dict[str, PixelBox]) -> None:
        self.figure = fig
        self._moving = moving
        canvas = fig.canvas
        axes = moving.cells.axes
        if not isinstance(canvas, FigureCanvasAgg) or not isinstance(axes, Axes):
            msg = "an animation is drawn on an Agg canvas, its squares on the map's axes"
            raise TypeError(msg)
        self.map_axes: Axes = axes
        """The map (EPSG:32611 metres)."""
        self._agg = cast(Any, canvas)  # matplotlib's Agg canvas: its methods carry no types
        for artist in (moving.cells, *moving.above, *moving.period, moving.bar):
            artist.set_animated(True)  # left out of the kept picture, drawn by each frame
        self._agg.draw()
        self._background = self._agg.copy_from_bbox(fig.bbox)
        self._over = _overlay(self._agg, moving.above)
        box = axes.get_window_extent(self._agg.get_renderer())
        height = canvas.get_width_height()[1]
        self.regions = regions | {
            "map": (math.floor(box.x0), height - math.ceil(box.y1), math.ceil(box.x1), height - math.floor(box.y0))
        }
        """Pixel boxes of the parts of a frame: ``map`` (the map's axes), ``strip`` (scale bar and north arrow),
        ``period`` (the period's words and bar), ``legend``, ``header`` (title, period, banner), ``footer``."""

    def __len__(self) -> int:
        return len(self._moving.lines)

    def frame(self, k: int) -> np.ndarray:
        """Frame ``k`` (0-based) as an RGB array of ``uint8``, height x width x 3."""
        m = self._moving
        if not 0 <= k < len(self):
            msg = f"frame {k} does not exist: the animation has {len(self)} frames"
            raise AnalysisError(msg)
        self._agg.restore_region(self._background)
        squares: Any = m.cells  # arrays of corners and colours, which matplotlib takes and its types do not say
        corners = m.corners
        shown = m.shown[k]  # only the squares with an incident in this step are drawn
        squares.set_verts(corners[shown] if isinstance(corners, np.ndarray) else [corners[i] for i in shown])
        squares.set_facecolor(m.faces[k])
        lines = m.lines[k]
        for i, text in enumerate(m.period):
            text.set_text(lines[i] if i < len(lines) else "")
        m.bar.set_width(m.bar_w * (k + 1) / len(self))
        for artist in (m.cells, *m.period, m.bar):
            self.figure.draw_artist(artist)
        rgb = np.asarray(self._agg.buffer_rgba())[:, :, :3].copy()
        where, colour, keep = self._over
        flat = rgb.reshape(-1, 3)
        flat[where] = (flat[where] * keep + colour + 0.5).astype(np.uint8)
        return rgb

    def frames(self) -> Iterator[np.ndarray]:
        """Every frame in order."""
        for k in range(len(self)):
            yield self.frame(k)


def _overlay(canvas: Any, artists: list[Artist]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``artists`` drawn alone on a transparent picture: the pixels they cover (flat indices), their colour
    times their opacity and what they leave of the picture under them (1 - opacity)."""
    renderer = canvas.get_renderer()
    renderer.clear()
    for artist in artists:
        artist.draw(renderer)
    rgba = np.asarray(canvas.buffer_rgba()).reshape(-1, 4)
    where = np.flatnonzero(rgba[:, 3])
    alpha = rgba[where, 3:4].astype(np.float32) / 255
    return where, rgba[where, :3].astype(np.float32) * alpha, 1 - alpha


def check_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` (pixels) if it is a 16:9 frame at least :data:`MIN_WIDTH` pixels wide, else raise
    :class:`AnalysisError`."""
    ok = isinstance(size, tuple) and len(size) == 2 and all(isinstance(v, int) for v in size)
    if not ok or size[0] < MIN_WIDTH or size[0] * 9 != size[1] * 16:
        msg = (f"size must be 16:9 pixels (width, height), at least {MIN_WIDTH} wide, e.g. {SLIDE_SIZE} or "
               f"{SMALL_SIZE}, got {size!r}")  # fmt: skip
        raise AnalysisError(msg)
    return size


def animation_canvas(
    playback: Playback,
    *,
    lang: str,
    title: str,
    source_line: str,
    streets: gpd.GeoDataFrame | None = None,
    focus: Focus | None = None,
    size: tuple[int, int] = SLIDE_SIZE,
    synthetic: bool = False,
) -> AnimationCanvas:
    """The animation's figure with its fixed parts drawn, ready to render its frames
    (the arguments are :func:`geo.exports.animate.animation_frames`')."""
    if not isinstance(playback, Playback):
        msg = f"playback must be a geo.exports.playback.Playback, got {type(playback).__name__}"
        raise AnalysisError(msg)
    code = check_lang(lang)
    width, height = check_size(size)
    fig = Figure(figsize=PAGE_IN, dpi=width / PAGE_IN[0])
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    if fig.canvas.get_width_height() != (width, height):
        msg = f"the figure came out {fig.canvas.get_width_height()} pixels, not {size}"
        raise AnalysisError(msg)
    w_in, h_in = PAGE_IN
    page = Box(MARGIN_IN, MARGIN_IN, w_in - 2 * MARGIN_IN, h_in - 2 * MARGIN_IN)
    body = _header(fig, page, (title, _subtitle(playback, code)), synthetic=synthetic, lang=code)
    body = _footer(fig, body, source_line)
    map_col, side = body.take_left(body.w * MAP_SHARE, gap=0.45)
    strip_h = SLIDE.map.strip * 2.0 / 72
    strip_box, map_box = map_col.take_bottom(strip_h)
    ax = fig.add_axes(map_box.fraction(fig))
    extent = fill_extent(_base_extent(playback, focus), map_box.w, map_box.h)
    set_frame(ax, extent, background=MAP_BACKGROUND)
    cells, corners, shown, faces = _cells(ax, playback, extent)
    above = _context(ax, streets, focus, extent)
    strip_ax = fig.add_axes(strip_box.fraction(fig))
    draw_scale_strip(strip_ax, extent, label=lambda m: t("report.scale", code, n=fmt_int(m, code)),
                     north=t("report.north", code), fontsize=SLIDE.map.strip,
                     linewidth=SLIDE.map.strip * 0.45)  # fmt: skip
    period_box, legend_box = side.take_top(line_height(PERIOD.size) * 2 + BAR_IN * 2, gap=0.35)
    period, lines, bar, bar_w = _period(fig, period_box, playback.labels(code))
    legend(fig, legend_box, t("report.legend.title", code, cell=fmt_int(playback.grid.cell_m, code)),
           _entries(playback, streets, focus, code), SLIDE.legend)  # fmt: skip
    moving = _Moving(cells, corners, shown, faces, above, period, lines, bar, bar_w)
    regions = {
        "header": _pixels(fig, Box(page.x, body.top, page.w, page.top - body.top)),
        "footer": _pixels(fig, Box(page.x, page.y, page.w, body.y - page.y)),
        "strip": _pixels(fig, strip_box),
        "period": _pixels(fig, period_box),
        "legend": _pixels(fig, legend_box),
    }
    return AnimationCanvas(fig, moving, regions)


# --- the fixed parts ----------------------------------------------------------------------------


def _subtitle(pb: Playback, lang: str) -> str:
    first, last = pb.frames[0].start, pb.frames[-1].end
    period = t("report.period", lang, start=fmt_date(first, lang), end=fmt_date(last, lang))
    return f"{t(f'playback.step.{pb.step}', lang)}  ·  {period}"


def _header(fig: Figure, page: Box, words: tuple[str, str], *, synthetic: bool, lang: str) -> Box:
    """The title, the line under it and the synthetic-data banner from the top of ``page``; the rest."""
    title, subtitle = words
    head = fit(title, page.w, page.h * 0.2, SLIDE.title)
    put(fig, head, page.x, page.top, page.w)
    rest = page.take_top(head.height, gap=SLIDE.meta.size * 0.3 / 72)[1]
    meta = fit(subtitle, page.w, page.h * 0.1, SLIDE.meta)
    put(fig, meta, rest.x, rest.top, rest.w)
    rest = rest.take_top(meta.height, gap=SLIDE.meta.size * 0.5 / 72)[1]
    if synthetic:
        pad = SLIDE.banner.size * 0.35 / 72
        banner = fit(t("report.synthetic", lang).upper(), page.w - 2 * pad, page.h * 0.1, SLIDE.banner)
        widest = max(text_width(line, banner.size, banner.style.weight) for line in banner.lines)
        h = banner.height + 2 * pad
        fig.add_artist(Rectangle((rest.x, rest.top - h), min(page.w, widest + 2 * pad), h,
                                 transform=fig.dpi_scale_trans, facecolor=WARN, edgecolor="none"))  # fmt: skip
        put(fig, banner, rest.x + pad, rest.top - pad, page.w - 2 * pad)
        rest = rest.take_top(h, gap=SLIDE.meta.size * 0.6 / 72)[1]
    return rest


def _footer(fig: Figure, page: Box, text: str) -> Box:
    """The source line at the bottom of ``page`` (at most 0.6 inch); the rest above it."""
    style = SLIDE.foot
    gap = style.size * 0.15 / 72
    fitted = fit_all([text] if text else [], page.w, 0.6, style, gap=gap)
    foot, rest = page.take_bottom(stacked_height(fitted, gap), gap=style.size * 0.8 / 72)
    stack(fig, fitted, foot, gap=gap)
    return rest


def _base_extent(pb: Playback, focus: Focus | None) -> Extent:
    """The map's frame before it takes its box's shape: the focus's, else the squares' with one square around."""
    if focus is not None:
        return focus.extent_m
    if not len(pb.cells):
        msg = "the playback has no square to draw"
        raise AnalysisError(msg)
    x0, y0, x1, y1 = to_metric(pb.cells).total_bounds
    pad = pb.grid.cell_m
    return (float(x0) - pad, float(x1) + pad, float(y0) - pad, float(y1) + pad)


def _cells(ax: Axes, pb: Playback, extent: Extent) -> tuple[PolyCollection, np.ndarray | list[np.ndarray],
                                                             list[np.ndarray], list[np.ndarray]]:  # fmt: skip
    """The squares in the map's frame as one collection; each frame's squares (those with an incident in its
    step: hidden grey, or the colour of their class) and their colours."""
    x0, x1, y0, y1 = extent
    geoms = to_metric(pb.cells).geometry.to_numpy()
    seen = shapely.intersects(geoms, shapely.box(x0, y0, x1, y1))
    verts = [np.asarray(g.exterior.coords)[:-1, :2] for g in geoms[seen]]
    corners = np.stack(verts) if verts and all(len(v) == 4 for v in verts) else verts  # an array draws faster
    levels = np.asarray(pb.levels)[seen]  # -1 none that step, 0 hidden, 1.. the classes
    palette = to_rgba_array([SUPPRESSED_COLOUR, *LEVEL_COLOURS])
    cells = PolyCollection(verts, closed=True, linewidths=SLIDE.map.line * 0.25, edgecolors=CELL_EDGE, zorder=3,
                           antialiaseds=True)  # fmt: skip
    ax.add_collection(cells, autolim=False)
    shown = [np.flatnonzero(levels[:, k] >= 0) for k in range(levels.shape[1])]
    return cells, corners, shown, [palette[levels[i, k]] for k, i in enumerate(shown)]


def _segments(streets: gpd.GeoDataFrame, extent: Extent) -> list[np.ndarray]:
    """The street lines inside ``extent`` as coordinate arrays, metres."""
    x0, x1, y0, y1 = extent
    clipped = shapely.clip_by_rect(to_metric(streets).geometry.to_numpy(), x0, y0, x1, y1)
    parts = shapely.get_parts(clipped[~shapely.is_empty(clipped)])
    lines = parts[shapely.get_type_id(parts) == shapely.GeometryType.LINESTRING]
    return [np.asarray(shapely.get_coordinates(line)) for line in lines]


def _context(ax: Axes, streets: gpd.GeoDataFrame | None, focus: Focus | None, extent: Extent) -> list[Artist]:
    """The street lines, the focus with its ring and name, then the street names: what lies over the squares."""
    before = set(ax.get_children())
    space = LabelSpace(ax, ax.figure.canvas.get_renderer())  # type: ignore[attr-defined]
    if streets is not None and len(streets):
        lines = LineCollection(_segments(streets, extent), colors=STREET_COLOUR, linewidths=SLIDE.map.line * 0.35,
                               alpha=0.85, zorder=4)  # fmt: skip
        ax.add_collection(lines, autolim=False)
    if focus is not None:
        _focus(ax, space, focus)
    if streets is not None and len(streets) and "name" in streets.columns:
        x0, x1, y0, y1 = extent
        sm = to_metric(streets)
        named = merged_streets(list(sm["name"]), list(sm.geometry), shapely.box(x0, y0, x1, y1))
        write_street_names(space, named, fontsize=SLIDE.map.street, zorder=7)
    added = [a for a in ax.get_children() if a not in before]
    return sorted(added, key=lambda a: a.get_zorder())


def _focus(ax: Axes, space: LabelSpace, focus: Focus) -> None:
    """The focus's outline (a star for a point), its ring dashed, and its name where no other word is."""
    size = SLIDE.map
    geom = to_metric(focus.shape).geometry.iloc[0]
    if geom.area > 0:
        for ring in shapely.get_parts(geom.boundary):
            xy = shapely.get_coordinates(ring)
            ax.plot(xy[:, 0], xy[:, 1], color=FOCUS, linewidth=size.line, zorder=5, solid_capstyle="round")
    else:
        ax.scatter([geom.x], [geom.y], marker="*", s=(size.focus * 1.6) ** 2, color=FOCUS, zorder=5)
    for ring in shapely.get_parts(to_metric(focus.ring).geometry.iloc[0].boundary):
        xy = shapely.get_coordinates(ring)
        ax.plot(xy[:, 0], xy[:, 1], color=FOCUS, linestyle="--", linewidth=size.line * 2 / 3, zorder=5)
    width_in = ax.get_position().width * PAGE_IN[0]
    centre = geom.representative_point() if geom.area > 0 else geom
    _, gy0, _, gy1 = geom.bounds
    gap = (ax.get_ylim()[1] - ax.get_ylim()[0]) * 0.015
    fitted = fit(focus.name, width_in * 0.5, 2.0, Style(size.focus, size.focus * 0.65, weight="bold", max_lines=3))
    for y, va in ((centre.y, "center"), (gy1 + gap, "bottom"), (gy0 - gap, "top")):
        text = ax.text(centre.x, y, "\n".join(fitted.lines), ha="center", va=va, fontsize=fitted.size,
                       fontweight="bold", zorder=6, linespacing=1.25, multialignment="center", clip_on=True,
                       parse_math=False, path_effects=halo(fitted.size * 0.5))  # fmt: skip
        if space.place(text):
            return


def _period(fig: Figure, box: Box, labels: list[str]) -> tuple[list[Text], list[tuple[str, ...]], Rectangle, float]:
    """The period's lines (set at one size for every frame, the largest at which each fits ``box``) and the bar
    under them; what each frame writes."""
    text_h = box.h - BAR_IN * 2
    size = min(fit(label, box.w, text_h, PERIOD).size for label in labels)
    style = PERIOD.at(size)
    lines = [fit(label, box.w, text_h, style).lines for label in labels]
    texts = [
        fig.text(box.x, box.top - i * line_height(size) - baseline_drop(size), "", transform=fig.dpi_scale_trans,
                 fontsize=size, fontweight=style.weight, color=style.color, va="baseline", parse_math=False)
        for i in range(max(len(ls) for ls in lines))
    ]  # fmt: skip
    track = Rectangle((box.x, box.y), box.w, BAR_IN, transform=fig.dpi_scale_trans, facecolor=TRACK, edgecolor="none")
    bar = Rectangle((box.x, box.y), 0.0, BAR_IN, transform=fig.dpi_scale_trans, facecolor=LEVEL_COLOURS[-1],
                    edgecolor="none")  # fmt: skip
    fig.add_artist(track)
    fig.add_artist(bar)
    return texts, lines, bar, box.w


def _entries(pb: Playback, streets: gpd.GeoDataFrame | None, focus: Focus | None, lang: str) -> list[Entry]:
    """The legend: every class of the period, the hidden grey, the focus's ring, the streets."""
    entries = [Entry("cell", LEVEL_COLOURS[i], label) for i, label in enumerate(pb.class_labels)]
    if (np.asarray(pb.levels) == 0).any():
        entries.append(Entry("cell", SUPPRESSED_COLOUR, t("playback.hidden", lang)))
    if focus is not None:
        distance = fmt_int(focus.ring_m, lang)
        entries.append(Entry("ring", FOCUS, t("report.legend.ring", lang, distance=distance, place=focus.name)))
    if streets is not None and len(streets):
        entries.append(Entry("line", STREET_COLOUR, t("report.legend.streets", lang)))
    return entries


def _pixels(fig: Figure, box: Box) -> PixelBox:
    """``box`` (inches from the page's lower left) as pixels of a frame, rows from the top."""
    dpi = fig.dpi
    height = round(PAGE_IN[1] * dpi)
    return (math.floor(box.x * dpi), height - math.ceil(box.top * dpi), math.ceil(box.right * dpi),
            height - math.floor(box.y * dpi))  # fmt: skip
