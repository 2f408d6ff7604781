"""The meeting report's map drawn with matplotlib, for the handout and the slide (:mod:`geo.exports.sheet`).

The map is drawn in EPSG:32611 metres (north up, true scale), filling its box. Its words never cover one
another (:class:`geo.exports.mapdraw.LabelSpace`): first the notes for the meeting (:mod:`geo.exports.notemap`),
then the count of each grid square (set to fit its square), then the focus place's name (at its centre, or above
or below it, wrapped to the map), then the street names, above the squares with a white halo, wherever along
the street they fit. The scale bar and the north arrow sit in a strip under the map
(:func:`geo.exports.mapdraw.draw_scale_strip`), where no square can hide them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import shapely
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

from geo.core.i18n import fmt_int
from geo.core.projection import to_metric
from geo.data.coverage import NO_DATA
from geo.exports.inset import draw_inset
from geo.exports.mapdraw import LabelSpace, draw_scale_strip, halo, merged_streets, set_frame, street_labels
from geo.exports.model import Report
from geo.exports.notemap import draw_notes
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR
from geo.exports.textfit import Style, fit, text_width

POINT_COLOUR = "#D55E00"
STREET_COLOUR = "#8c8c8c"
HATCH = "////"
FOCUS = "#000000"
MESSAGE = "#333333"


@dataclass(frozen=True)
class MapType:
    """Type sizes of a printed map, points: cell counts, the focus name, street names, the strip, a message."""

    cell: float
    focus: float
    street: float
    strip: float
    message: float
    line: float
    """Width of the focus outline, points (the ring is 2/3 of it, streets 1/2)."""
    inset: float = 7.0
    """The locator inset's label, points."""
    note: float = 8.0
    """The words of a note for the meeting, points (:mod:`geo.exports.notemap`)."""


def draw_map(ax: Axes, strip: Axes, report: Report, *, sizes: MapType) -> list[int]:
    """The map of the report on ``ax`` (EPSG:32611 metres, filling the axes) and its scale strip on ``strip``.

    Returns the numbers of the notes on the map whose words found no free place on it (to be listed under it,
    :func:`geo.exports.notelist.note_lines`).
    """
    set_frame(ax, report.extent_m)
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    space = LabelSpace(ax, renderer)
    streets = to_metric(report.streets) if len(report.streets) else None
    if streets is not None:
        streets.plot(ax=ax, color=STREET_COLOUR, linewidth=sizes.line * 0.5, zorder=1)
    cells = report.cells
    points = report.points
    unplaced = _first_words(ax, space, report, sizes=sizes)  # the counts and names keep clear of these
    if cells is not None and len(cells):
        _draw_cells(ax, space, cells, report, sizes=sizes)
    if points is not None and len(points):
        pm = to_metric(points)
        ax.scatter(pm.geometry.x, pm.geometry.y, s=(sizes.cell * 1.1) ** 2, color=POINT_COLOUR, edgecolor="white",
                   linewidth=0.5, zorder=4)  # fmt: skip
    _draw_focus(ax, space, report, sizes=sizes)
    if streets is not None and "name" in streets.columns:
        x0, x1, y0, y1 = report.extent_m
        named = merged_streets(list(streets["name"]), list(streets.geometry), shapely.box(x0, y0, x1, y1))
        street_labels(space, named, fontsize=sizes.street, zorder=7)
    ax.set_xlabel("")  # geopandas names the axes after the CRS; a map needs no axis names
    ax.set_ylabel("")
    draw_scale_strip(
        strip,
        report.extent_m,
        label=lambda m: report.text("report.scale", n=fmt_int(m, report.lang)),
        north=report.text("report.north"),
        fontsize=sizes.strip,
        linewidth=sizes.strip * 0.45,
    )
    return unplaced


def _first_words(ax: Axes, space: LabelSpace, report: Report, *, sizes: MapType) -> list[int]:
    """The locator inset, the message of an empty map and the notes for the meeting, the first things kept in
    ``space``; the numbers of the notes whose words found no place."""
    cells, points = report.cells, report.points
    empty = (cells is not None and len(cells) == 0) or (points is not None and len(points) == 0)
    draw_inset(ax, space, report, fontsize=sizes.inset, avoid_top=empty)
    if empty:
        _message(ax, space, report, sizes=sizes)
    return draw_notes(ax, space, report, fontsize=sizes.note)


def notes_left_off(
    report: Report,
    *,
    figsize: tuple[float, float],
    dpi: float,
    rect: tuple[float, float, float, float],
    sizes: MapType,
) -> list[int]:
    """The numbers of the notes whose words :func:`draw_map` would leave off a map at ``rect`` (fractions of a
    figure of ``figsize`` inches at ``dpi``): the same placement, tried on a scratch figure holding only what the
    notes keep clear of (fast: no squares, streets or names, which are placed after the notes)."""
    if not report.notes:
        return []
    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)  # the renderer the words are measured with, as on the page
    ax = fig.add_axes(rect)
    set_frame(ax, report.extent_m)
    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    return _first_words(ax, LabelSpace(ax, renderer), report, sizes=sizes)


def _width_in(ax: Axes) -> float:
    """The axes' width on the page, inches."""
    fig = ax.get_figure(root=True)
    if not isinstance(fig, Figure):
        msg = "a map's axes must belong to a figure"
        raise TypeError(msg)
    return float(ax.get_position().width * fig.get_figwidth())


def _points_per_metre(ax: Axes, report: Report) -> float:
    """How many points of the page one metre of the map takes."""
    x0, x1, _, _ = report.extent_m
    width_in = _width_in(ax)
    return width_in * 72 / (x1 - x0)


def _draw_cells(ax: Axes, space: LabelSpace, cells: gpd.GeoDataFrame, report: Report, *, sizes: MapType) -> None:
    """The grid cells: hidden ones hatched grey, the others coloured by level and labelled with their count,
    the count set to fit its square (left out where even the smallest type would not)."""
    cm = to_metric(cells)
    hidden = cm[cm["suppressed"].astype(bool)]
    shown = cm[~cm["suppressed"].astype(bool)]
    if len(hidden):
        hidden.plot(ax=ax, facecolor=SUPPRESSED_COLOUR, edgecolor="#777777", hatch=HATCH, linewidth=0.3, alpha=0.75,
                    zorder=3)  # fmt: skip
    if not len(shown):
        return
    colours = [LEVEL_COLOURS[int(v) - 1] for v in shown["level"]]
    shown.plot(ax=ax, color=colours, edgecolor="white", linewidth=sizes.line * 0.25, alpha=0.9, zorder=3)
    room_pt = report.cell_m * _points_per_metre(ax, report) * 0.8
    for geom, n, level in zip(shown.geometry, shown["count"], shown["level"], strict=True):
        label = fmt_int(int(n), report.lang)
        size = min(sizes.cell, room_pt / 1.2)
        while size > 3.5 and text_width(label, size, "bold") * 72 > room_pt:
            size -= 0.5
        if size <= 3.5:
            continue  # too small a square to hold its number: its colour and the legend tell the class
        c = geom.centroid
        colour = "white" if int(level) >= 3 else "black"
        text = ax.text(c.x, c.y, label, ha="center", va="center", fontsize=size, fontweight="bold", color=colour,
                       zorder=4, clip_on=True, parse_math=False)  # fmt: skip
        space.place(text)  # left out under the locator inset


def _message(ax: Axes, space: LabelSpace, report: Report, *, sizes: MapType) -> None:
    """Why the map holds no square or point, across its top."""
    width_in = _width_in(ax)
    fitted = fit(report.text(_empty_map_key(report), n=report.min_count), width_in * 0.8, 1.0,
                 Style(sizes.message, sizes.message * 0.7, max_lines=3))  # fmt: skip
    text = ax.text(0.5, 0.93, "\n".join(fitted.lines), transform=ax.transAxes, ha="center", va="top",
                   fontsize=fitted.size, color=MESSAGE, zorder=6, linespacing=1.25, parse_math=False,
                   bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})  # fmt: skip
    space.take(text)


def _draw_focus(ax: Axes, space: LabelSpace, report: Report, *, sizes: MapType) -> None:
    """The focus (outline, or a star for a point), its ring dashed, and its name where it covers no other word."""
    focus = to_metric(report.focus)
    geom = focus.geometry.iloc[0]
    if geom.area > 0:
        focus.plot(ax=ax, facecolor="none", edgecolor=FOCUS, linewidth=sizes.line, zorder=5)
    else:
        ax.scatter([geom.x], [geom.y], marker="*", s=(sizes.focus * 1.6) ** 2, color="black", zorder=5)
    to_metric(report.ring).plot(ax=ax, facecolor="none", edgecolor=FOCUS, linestyle="--",
                                linewidth=sizes.line * 2 / 3, zorder=5)  # fmt: skip
    _focus_name(ax, space, report, geom, sizes=sizes)


def _focus_name(ax: Axes, space: LabelSpace, report: Report, geom: shapely.Geometry, *, sizes: MapType) -> None:
    """The focus name at the first free place of: its centre, above it, below it; a smaller size if none is."""
    width_in = _width_in(ax)
    centre = geom.representative_point() if geom.area > 0 else geom
    _, y0, _, y1 = geom.bounds
    gap = (report.extent_m[3] - report.extent_m[2]) * 0.015
    spots = [(centre.x, centre.y, "center"), (centre.x, y1 + gap, "bottom"), (centre.x, y0 - gap, "top")]
    size = sizes.focus
    while size >= sizes.focus * 0.65:
        fitted = fit(report.focus_name, width_in * 0.6, 2.0, Style(size, size, weight="bold", max_lines=4))
        if fitted.cut and size - 1.0 >= sizes.focus * 0.65:
            size -= 1.0
            continue  # a smaller type before a shortened name
        for x, y, va in spots:
            text = _focus_text(ax, x, y, "\n".join(fitted.lines), size=fitted.size, va=va)
            if space.place(text):
                return
        size -= 1.0


def _focus_text(ax: Axes, x: float, y: float, text: str, *, size: float, va: str) -> Text:
    return ax.text(x, y, text, ha="center", va=va, fontsize=size, fontweight="bold", zorder=6, linespacing=1.25,
                   multialignment="center", clip_on=True, parse_math=False, path_effects=halo(size * 0.5))  # fmt: skip


def _empty_map_key(report: Report) -> str:
    """Why a map holds no cell or point: no data, cells withheld (too few to draw any without giving a small
    count away), or no incident."""
    if report.coverage == NO_DATA:
        return "report.no_data_map"
    if report.cells is not None and report.cells.attrs.get("whole"):
        return "report.withheld_map"
    return "report.no_incidents_map"
