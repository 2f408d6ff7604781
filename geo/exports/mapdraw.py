"""Matplotlib helpers shared by the printed maps (route card, meeting handouts): frames, scale strip, labels.

Maps are drawn in EPSG:32611 (metres) so a scale bar is a straight segment of a round number of metres
and north is up. ``extent`` is always ``(x0, x1, y0, y1)`` in metres, the axes limits.

Labels on a map never cover one another: :class:`LabelSpace` keeps the boxes of what is already written
(measured with the figure's renderer) and a label that would overlap one, or leave the map, is tried
elsewhere along its street or left out. Street names are written above the data with a white halo
(:mod:`matplotlib.patheffects`), dark enough to read at arm's length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.patches import FancyArrow
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry

NICE_LENGTHS_M: tuple[float, ...] = (50, 100, 200, 250, 500, 1000, 2000, 5000)
LABEL_TRIES: tuple[float, ...] = (0.5, 0.38, 0.62, 0.26, 0.74, 0.15, 0.85)
"""Where along a street its name is tried, as fractions of its length, best first."""
STREET_TEXT = "#2b2b2b"
"""Street names: near black on a white halo (12:1 on the map's background)."""
HALO = "white"
LABEL_PAD_PX = 1.5
"""Room kept around each label, pixels of the figure's renderer."""

Extent = tuple[float, float, float, float]


def nice_length(span_m: float, *, fraction: float = 0.2) -> float:
    """The largest round length (metres) no longer than ``fraction`` of ``span_m`` (at least 50 m)."""
    target = span_m * fraction
    return max(v for v in NICE_LENGTHS_M if v <= max(target, NICE_LENGTHS_M[0]))


def fill_extent(extent: Extent, width: float, height: float) -> Extent:
    """``extent`` (metres) widened on its short side so it has the shape of a ``width`` x ``height`` box
    (inches): a map drawn at true scale fills its box."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    want = width / height if height > 0 else 1.0
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if w / h < want:
        w = h * want
    else:
        h = w / want
    return (cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2)


def set_frame(ax: Axes, extent: Extent, *, background: str = "#fbfaf7") -> None:
    """Axes limits at ``extent`` (metres) at true scale, no ticks, a thin frame."""
    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_facecolor(background)


def draw_scale_strip(
    ax: Axes, extent: Extent, *, label: Callable[[float], str], north: str, fontsize: float, linewidth: float
) -> float:
    """The scale bar (left) and north arrow (right) in a strip under the map; return the bar's length, metres.

    ``ax`` spans the map's width and shares its x scale (``extent[0]..extent[1]`` metres), so the bar is
    true to scale; nothing on the map can cover it.
    """
    x0, x1, _, _ = extent
    w = x1 - x0
    ax.set_xlim(x0, x1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    length = nice_length(w)
    ax.plot([x0, x0 + length], [0.5, 0.5], color="black", linewidth=linewidth, solid_capstyle="butt")
    ax.text(x0 + length + w * 0.015, 0.5, label(length), ha="left", va="center", fontsize=fontsize, parse_math=False)
    ax.add_patch(
        FancyArrow(
            x1 - w * 0.012, 0.12, 0, 0.52, width=w * 0.004, head_width=w * 0.016, head_length=0.3,
            color="black", length_includes_head=True,
        )
    )  # fmt: skip
    ax.text(x1 - w * 0.03, 0.5, north, ha="right", va="center", fontsize=fontsize, fontweight="bold", parse_math=False)
    return length


def draw_north_arrow(
    ax: Axes, extent: Extent, *, fontsize: float = 9, margin: float = 0.05, zorder: int = 8, letter: str = "N"
) -> None:
    """A north arrow with its letter in the upper-right corner of a north-up metric map."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    ax.add_patch(
        FancyArrow(
            x1 - w * margin, y1 - h * 0.16, 0, h * 0.08, width=w * 0.006, head_width=w * 0.025, head_length=h * 0.03,
            color="black", zorder=zorder,
        )
    )  # fmt: skip
    ax.text(x1 - w * margin, y1 - h * 0.045, letter, ha="center", va="bottom", fontsize=fontsize, fontweight="bold")


def halo(width: float) -> list[patheffects.AbstractPathEffect]:
    """A white outline ``width`` points wide under a text, then the text."""
    return [patheffects.withStroke(linewidth=width, foreground=HALO)]


@dataclass
class LabelSpace:
    """The boxes already written on a map (display pixels): a new label goes only where none is."""

    ax: Axes
    renderer: RendererBase
    taken: list[Bbox] = field(default_factory=list)

    def frame(self) -> Bbox:
        """The map's own box (display pixels)."""
        return self.ax.get_window_extent(self.renderer)

    def box(self, artist: Text) -> Bbox:
        """The artist's box with :data:`LABEL_PAD_PX` around it."""
        return artist.get_window_extent(self.renderer).expanded(1, 1).padded(LABEL_PAD_PX)

    def take(self, artist: Text) -> None:
        """Keep ``artist``'s place (something written that must stay where it is)."""
        self.taken.append(self.box(artist))

    def free(self, artist: Text) -> bool:
        """True when ``artist`` lies inside the map and clear of every kept box."""
        b = self.box(artist)
        f = self.frame()
        inside = b.x0 >= f.x0 and b.y0 >= f.y0 and b.x1 <= f.x1 and b.y1 <= f.y1
        return inside and not any(b.overlaps(t) for t in self.taken)

    def place(self, artist: Text) -> bool:
        """Keep ``artist`` where it is if that place is free, else remove it; True when kept."""
        if self.free(artist):
            self.take(artist)
            return True
        artist.remove()
        return False

    def data_box(self, artist: Text) -> BaseGeometry:
        """``artist``'s box in the map's data coordinates (metres), as a polygon."""
        b = artist.get_window_extent(self.renderer)
        (x0, y0), (x1, y1) = self.ax.transData.inverted().transform([(b.x0, b.y0), (b.x1, b.y1)])
        return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _angle(line: LineString, at: float) -> float:
    """The direction of ``line`` at ``at`` metres along it, degrees, turned so text never reads upside down."""
    a = line.interpolate(max(0.0, at - 20))
    b = line.interpolate(min(line.length, at + 20))
    angle = float(np.degrees(np.arctan2(b.y - a.y, b.x - a.x)))
    return angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle


def street_labels(
    space: LabelSpace,
    streets: Iterable[tuple[str, LineString]],
    *,
    fontsize: float,
    zorder: float,
    avoid: BaseGeometry | None = None,
) -> list[Text]:
    """Name each street once, along itself, where the name covers no other label (and, when it can, not
    ``avoid``, the route line); longest streets first. ``streets`` are ``(name, line)`` in metres."""
    written: list[Text] = []
    for name, line in sorted(streets, key=lambda s: -s[1].length):
        if line.is_empty or line.length <= 0:
            continue
        fallback: tuple[float, float] | None = None
        for frac in LABEL_TRIES:
            text = _street_text(space.ax, line, frac, name, fontsize=fontsize, zorder=zorder)
            if not space.free(text):
                text.remove()
                continue
            if avoid is not None and space.data_box(text).intersects(avoid):
                fallback = fallback or (frac, 0.0)
                text.remove()
                continue
            space.take(text)
            written.append(text)
            break
        else:
            if fallback is not None:
                text = _street_text(space.ax, line, fallback[0], name, fontsize=fontsize, zorder=zorder)
                space.take(text)
                written.append(text)
    return written


def _street_text(ax: Axes, line: LineString, frac: float, name: str, *, fontsize: float, zorder: float) -> Text:
    at = line.length * frac
    p = line.interpolate(at)
    return ax.text(
        p.x, p.y, name, fontsize=fontsize, color=STREET_TEXT, rotation=_angle(line, at), rotation_mode="anchor",
        ha="center", va="center", zorder=zorder, clip_on=True, parse_math=False, path_effects=halo(fontsize * 0.45),
    )  # fmt: skip


def merged_streets(
    names: Sequence[object], lines: Sequence[BaseGeometry], frame: BaseGeometry
) -> list[tuple[str, LineString]]:
    """One line per street name (its pieces inside ``frame`` merged; the longest piece kept), metres."""
    pieces: dict[str, list[BaseGeometry]] = {}
    for name, geom in zip(names, lines, strict=True):
        if isinstance(name, str) and name.strip() and geom is not None and not geom.is_empty:
            pieces.setdefault(name.strip(), []).append(geom)
    out = []
    for name, geoms in pieces.items():
        merged = shapely.line_merge(shapely.intersection(shapely.union_all(geoms), frame))
        parts = [g for g in getattr(merged, "geoms", [merged]) if isinstance(g, LineString) and not g.is_empty]
        if parts:
            out.append((name, max(parts, key=lambda g: g.length)))
    return out
