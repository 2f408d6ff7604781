"""Private matplotlib helpers shared by the printed maps (route card, meeting handouts).

Maps are drawn in EPSG:32611 (metres) so a scale bar is a straight segment of a round number
of metres and north is up. ``extent`` is always ``(x0, x1, y0, y1)`` in metres, the axes limits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrow

NICE_LENGTHS_M: tuple[float, ...] = (50, 100, 200, 250, 500, 1000, 2000, 5000)

Extent = tuple[float, float, float, float]


def nice_length(span_m: float, *, fraction: float = 0.2) -> float:
    """The largest round length (metres) no longer than ``fraction`` of ``span_m`` (at least 50 m)."""
    target = span_m * fraction
    return max(v for v in NICE_LENGTHS_M if v <= max(target, NICE_LENGTHS_M[0]))


def draw_scale_bar(
    ax: Axes,
    extent: Extent,
    *,
    label: Callable[[float], str],
    fontsize: float = 7,
    linewidth: float = 3,
    margin: float = 0.05,
    zorder: int = 8,
) -> float:
    """A black scale bar in the lower-right corner; return its length in metres.

    Parameters
    ----------
    ax
        Axes drawn in metres (EPSG:32611), limits ``extent``.
    extent
        ``(x0, x1, y0, y1)`` in metres.
    label
        Text for a length in metres (``lambda m: f"{m:g} m"``), in the map's language.
    fontsize, linewidth
        Points.
    margin
        Distance from the frame's edges as a fraction of its width/height.
    """
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    length = nice_length(w)
    bx, by = x1 - w * margin - length, y0 + h * margin
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=linewidth, solid_capstyle="butt", zorder=zorder)
    ax.text(bx + length / 2, by + h * 0.015, label(length), ha="center", va="bottom", fontsize=fontsize, zorder=zorder)
    return length


def draw_north_arrow(
    ax: Axes, extent: Extent, *, fontsize: float = 9, margin: float = 0.05, zorder: int = 8, letter: str = "N"
) -> None:
    """A north arrow with its letter in the upper-right corner of a north-up metric map."""
    x0, x1, y0, y1 = extent
    w, h = x1 - x0, y1 - y0
    ax.add_patch(
        FancyArrow(
            x1 - w * margin,
            y1 - h * 0.16,
            0,
            h * 0.08,
            width=w * 0.006,
            head_width=w * 0.025,
            head_length=h * 0.03,
            color="black",
            zorder=zorder,
        )
    )
    ax.text(x1 - w * margin, y1 - h * 0.045, letter, ha="center", va="bottom", fontsize=fontsize, fontweight="bold")


def street_label(ax: Axes, x: float, y: float, name: str, *, dx: float, dy: float, fontsize: float) -> None:
    """Write a street name at ``(x, y)`` (metres) along the direction ``(dx, dy)``, never upside down."""
    angle = float(np.degrees(np.arctan2(dy, dx)))
    angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
    ax.text(
        x, y, name, fontsize=fontsize, color="#6b6b6b", rotation=angle, rotation_mode="anchor",
        ha="center", va="center", zorder=2, clip_on=True,
    )  # fmt: skip
