"""The locator inset of the printed map: where the handout's map lies in South Los Angeles.

The wider area (:func:`wider_area`) is the outline of a boundary layer when one is given (LAPD divisions, the City
boundary), else the rectangle the data's incidents span (the middle 98% of their coordinates, so a stray point far
away does not stretch it); it always holds the map's frame. :func:`draw_inset` draws it small in the corner of the
map that covers the least of the ring, with the map's frame as a rectangle on it and a short label ("South Los
Angeles"); the corner is kept in the map's :class:`geo.exports.mapdraw.LabelSpace`, so no other word of the map is
written under it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox
from shapely.geometry.base import BaseGeometry

from geo.core.projection import METRIC, WGS84, to_metric
from geo.exports.mapdraw import Extent, LabelSpace, fill_extent
from geo.exports.model import Report
from geo.exports.textfit import Style, fit

INSET_SHARE = 0.25
"""The inset's side, as a share of the map's side."""
INSET_MARGIN = 0.015
"""Room between the inset and the map's edge, as a share of the map's side."""
MIN_FRAME_SHARE = 0.07
"""The frame is drawn at least this share of the inset's side (a map frame in a far wider area stays visible)."""
AREA_PAD = 0.06
"""Room around the wider area inside the inset, as a share of its longer side."""
QUANTILE = 0.01
"""The data's rectangle leaves out this share of the incidents at each side (stray points far away)."""
MIN_AREA_M = 10_000.0
"""Without a boundary layer the wider area is at least this wide and tall, metres (about South LA's width), so a
layer of one neighbourhood still shows its map as a small part of a wider area."""
AREA_COLOUR = "#e9e6df"
AREA_EDGE = "#6b6b6b"
FRAME_COLOUR = "#B00000"
CORNERS: tuple[tuple[float, float], ...] = ((0.0, 1.0), (1.0, 1.0), (0.0, 0.0), (1.0, 0.0))
"""Where the inset may go, as (x, y) axes fractions of its far corner: top left, top right, bottom left, right."""


def wider_area(
    incidents: gpd.GeoDataFrame, extent_m: Extent, boundaries: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """The wider area around a map's frame ``extent_m`` (metres), EPSG:4326: the outlines of ``boundaries`` when
    given and not empty, else the rectangle of the incidents (or only the frame when there is none), at least
    :data:`MIN_AREA_M` each way; the frame is always inside it."""
    x0, x1, y0, y1 = extent_m
    frame = shapely.box(x0, y0, x1, y1)
    if boundaries is not None and len(boundaries):
        shapes = [g for g in to_metric(boundaries).geometry if g is not None and not g.is_empty and g.area > 0]
        if shapes:
            geoms = [*shapes, frame] if not shapely.union_all(shapes).covers(frame) else shapes
            return gpd.GeoDataFrame(geometry=geoms, crs=METRIC).to_crs(WGS84)
    box = frame
    if len(incidents):
        pts = to_metric(incidents).geometry
        xs, ys = np.asarray(pts.x, dtype=float), np.asarray(pts.y, dtype=float)
        ok = np.isfinite(xs) & np.isfinite(ys)
        if ok.any():
            lo_x, hi_x = np.quantile(xs[ok], [QUANTILE, 1 - QUANTILE])
            lo_y, hi_y = np.quantile(ys[ok], [QUANTILE, 1 - QUANTILE])
            box = shapely.box(min(lo_x, x0), min(lo_y, y0), max(hi_x, x1), max(hi_y, y1))
    bx0, by0, bx1, by1 = box.bounds
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    half_w, half_h = max(bx1 - bx0, MIN_AREA_M) / 2, max(by1 - by0, MIN_AREA_M) / 2
    box = shapely.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    return gpd.GeoDataFrame(geometry=[box], crs=METRIC).to_crs(WGS84)


def inset_corner(report: Report, *, avoid_top: bool = False) -> tuple[float, float, float, float]:
    """The inset's box ``(x, y, w, h)`` in the map's axes fractions: the corner that covers the least of the
    ring, the squares and the points (first of :data:`CORNERS` when equal); a bottom corner when ``avoid_top``
    (a message across the top)."""
    x0, x1, y0, y1 = report.extent_m
    w, h = x1 - x0, y1 - y0
    drawn = list(to_metric(report.ring).geometry)
    for layer in (report.cells, report.points):
        if layer is not None and len(layer):
            drawn += [g.buffer(report.cell_m / 2) if g.area == 0 else g for g in to_metric(layer).geometry]
    ring: BaseGeometry = shapely.union_all(drawn)
    side = INSET_SHARE
    best: tuple[float, tuple[float, float, float, float]] | None = None
    for cx, cy in CORNERS:
        if avoid_top and cy == 1.0:
            continue
        fx = INSET_MARGIN if cx == 0.0 else 1 - INSET_MARGIN - side
        fy = INSET_MARGIN if cy == 0.0 else 1 - INSET_MARGIN - side
        rect = shapely.box(x0 + fx * w, y0 + fy * h, x0 + (fx + side) * w, y0 + (fy + side) * h)
        covered = rect.intersection(ring).area
        if best is None or covered < best[0] - 1e-6:
            best = (covered, (fx, fy, side, side))
    assert best is not None
    return best[1]


def draw_inset(ax: Axes, space: LabelSpace, report: Report, *, fontsize: float, avoid_top: bool = False) -> Axes | None:
    """The locator inset in a corner of the map ``ax``: the wider area, the map's frame on it, the label; its box
    kept in ``space``. None when the report has no wider area."""
    if report.area is None or not len(report.area):
        return None
    fx, fy, fw, fh = inset_corner(report, avoid_top=avoid_top)
    inset = ax.inset_axes((fx, fy, fw, fh), zorder=9)
    inset.set_gid("locator")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_facecolor("white")
    for spine in inset.spines.values():
        spine.set_edgecolor("#444444")
        spine.set_linewidth(0.6)
    whole = space.frame()
    side_in = whole.width * fw / ax.get_figure(root=True).dpi  # type: ignore[union-attr]
    label = fit(report.text("report.inset_area"), side_in * 0.86, 1.0, Style(fontsize, fontsize * 0.6, max_lines=2))
    label_share = (label.height + 0.05) / side_in
    area = to_metric(report.area)
    ax0, ay0, ax1, ay1 = area.total_bounds
    pad = max(ax1 - ax0, ay1 - ay0) * AREA_PAD
    lo = (ax0 - pad, ax1 + pad, ay0 - pad, ay1 + pad)
    extent = fill_extent(lo, 1.0, 1.0 - label_share)
    top = extent[2] + (extent[3] - extent[2]) / (1.0 - label_share)
    inset.set_xlim(extent[0], extent[1])
    inset.set_ylim(extent[2], top)
    inset.set_aspect("equal", adjustable="datalim")
    area.plot(ax=inset, facecolor=AREA_COLOUR, edgecolor=AREA_EDGE, linewidth=0.6, gid="locator-area")
    inset.set_xlabel("")  # geopandas names the axes after the CRS
    inset.set_ylabel("")
    _frame(inset, report.extent_m, extent[1] - extent[0])
    # no halo on the label: a halo makes the PDF draw it as paths, not text
    inset.text(0.5, 0.985, "\n".join(label.lines), transform=inset.transAxes, ha="center", va="top",
               fontsize=label.size, fontweight="bold", color="#222222", linespacing=1.3, multialignment="center",
               parse_math=False, gid="locator-label")  # fmt: skip
    x, y = whole.x0 + fx * whole.width, whole.y0 + fy * whole.height
    space.taken.append(Bbox.from_bounds(x, y, fw * whole.width, fh * whole.height).padded(2.0))
    return inset


def _frame(inset: Axes, extent_m: Extent, span: float) -> None:
    """The map's frame on the inset: its rectangle, at least :data:`MIN_FRAME_SHARE` of the inset across."""
    x0, x1, y0, y1 = extent_m
    least = span * MIN_FRAME_SHARE
    w, h = max(x1 - x0, least), max(y1 - y0, least)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    inset.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, facecolor="none", edgecolor=FRAME_COLOUR, linewidth=1.4,
                              zorder=3, gid="locator-frame"))  # fmt: skip
