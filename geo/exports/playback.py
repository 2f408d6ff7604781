"""Counts per grid square stepped through time: the frames of the Map page's playback and of the animation.

A period is cut into steps (months, quarters or years); every square of the map gets its count in each step.
The squares are those of the map's count layer (the same grid, aligned the same way), so a square's count on the
map is its row total here and a step's count on the trend is its column total. In the public view the whole
table is protected as a two-way table under both (:meth:`geo.core.disclosure.Disclosure.cross`): a square hidden
in one step cannot be recovered from the map's count of that square, nor from the trend's count of that step.

The classes are fixed across frames (one set of breaks from every shown count), so a colour means the same
number in every frame and the legend never changes while the period plays. No frame holds a point.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.grid import SquareGrid, make_grid
from geo.core.disclosure import FEWER, WITHHELD, Disclosure, Shown, ShownTable, Status
from geo.core.errors import AnalysisError
from geo.core.i18n import fmt_date, t
from geo.core.projection import WGS84
from geo.core.validate import metric_xy, positive
from geo.exports.privacy import class_breaks, class_labels, round_coords

Step = Literal["month", "quarter", "year"]
STEPS: tuple[Step, ...] = ("month", "quarter", "year")
MAX_FRAMES = 240
"""Frames at most (20 years of months): beyond, a coarser step is asked for."""
_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}


@dataclass(frozen=True)
class Frame:
    """One step of the period: its first and last day."""

    start: dt.date
    end: dt.date

    def label(self, step: Step, lang: str) -> str:
        """The step in words of ``lang`` ("March 2024", "Q1 2024", "2024"); a step cut by the period gives its days."""
        whole = _whole_step(self, step)
        if not whole:
            return f"{fmt_date(self.start, lang)} – {fmt_date(self.end, lang)}"
        if step == "year":
            return str(self.start.year)
        if step == "quarter":
            return t("playback.quarter", lang, q=(self.start.month - 1) // 3 + 1, year=self.start.year)
        return fmt_date(self.start, lang, style="LLLL y")


def _whole_step(frame: Frame, step: Step) -> bool:
    period = pd.Period(frame.start, freq=_FREQ[step])
    return frame.start == period.start_time.date() and frame.end == period.end_time.date()


def frames_of(start: dt.date, end: dt.date, step: Step) -> tuple[Frame, ...]:
    """The steps from ``start`` to ``end`` (both included), the first and last cut to the period."""
    if step not in STEPS:
        msg = f"unknown time step {step!r}: use one of {', '.join(STEPS)}"
        raise AnalysisError(msg)
    if end < start:
        msg = f"the period ends ({end}) before it starts ({start})"
        raise AnalysisError(msg)
    periods = pd.period_range(start, end, freq=_FREQ[step])
    if len(periods) > MAX_FRAMES:
        msg = f"{len(periods)} {step}s is more than {MAX_FRAMES} frames: choose a longer step or a shorter period"
        raise AnalysisError(msg)
    return tuple(Frame(max(start, p.start_time.date()), min(end, p.end_time.date())) for p in periods)


@dataclass(frozen=True)
class Playback:
    """The frames of a period: squares (rows) by steps (columns), as the view may show them.

    ``cells`` (EPSG:4326 polygons, ``cell_id``) are the squares with an incident in any step; ``table`` their
    counts per step (:meth:`Disclosure.cross`); ``levels`` the colour class of each (0 hidden, 1.. the classes
    of ``breaks``, -1 none that step); ``class_labels`` the legend's words for the classes.
    """

    frames: tuple[Frame, ...]
    step: Step
    cells: gpd.GeoDataFrame
    table: ShownTable
    levels: np.ndarray
    breaks: list[int]
    class_labels: list[str]
    grid: SquareGrid

    def labels(self, lang: str) -> list[str]:
        """Each frame's period in words."""
        return [frame.label(self.step, lang) for frame in self.frames]

    def texts(self, lang: str) -> np.ndarray:
        """Each square's count in each step, in words (``""`` where the square had none that step)."""
        status = self.table.status.to_numpy()
        values = self.table.values.to_numpy(dtype=float, na_value=np.nan)
        out = np.full(self.levels.shape, "", dtype=object)
        m = self.table.min_count
        hidden: tuple[Status, ...] = (FEWER, WITHHELD)
        for word in hidden:
            out[status == word] = Shown(None, word, m).text(lang)
        shown = (status == "shown") & (self.levels >= 0)
        for value in np.unique(values[shown]):  # a few distinct counts: each worded once
            out[shown & (values == value)] = Shown(int(value), "shown", m).text(lang)
        return out


def playback(
    incidents: gpd.GeoDataFrame,
    *,
    start: dt.date,
    end: dt.date,
    step: Step,
    cell_m: float,
    rule: Disclosure,
    lang: str = "en",
) -> Playback:
    """Count ``incidents`` (the view's, already filtered) per square and step from ``start`` to ``end``.

    The grid covers the incidents' extent exactly as the map's count layer does (``pad_cells=0``), so squares
    and their order are the map's.
    """
    cell = positive(cell_m, "cell_m", "metres")
    frames = frames_of(start, end, step)
    days = pd.to_datetime(incidents["occurred_at"]).dt.tz_localize(None).dt.normalize().to_numpy()
    edges = np.array([np.datetime64(f.start) for f in frames] + [np.datetime64(frames[-1].end + dt.timedelta(days=1))])
    which = np.searchsorted(edges, days.astype("datetime64[D]"), side="right") - 1
    inside = (which >= 0) & (which < len(frames))
    xy = metric_xy(incidents)
    if not len(xy):
        msg = "no incidents to step through: widen the filters"
        raise AnalysisError(msg)
    bounds = (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))
    grid = make_grid(cell_m=cell, bounds=bounds, pad_cells=0)
    row, col, ok = grid.locate(xy)
    cell_index = row * grid.nx + col
    keep = inside & ok
    n_cells = grid.nx * grid.ny
    flat = np.bincount(cell_index[keep] * len(frames) + which[keep], minlength=n_cells * len(frames))
    matrix = flat.reshape(n_cells, len(frames))
    ids = np.flatnonzero(matrix.sum(axis=1) > 0)
    matrix = matrix[ids]
    table = rule.cross(matrix)
    status = table.status.to_numpy()
    values = table.values.to_numpy()
    shown_values = np.array([int(v) for v in values.ravel() if not pd.isna(v)], dtype=float)
    breaks = class_breaks(shown_values, min_count=rule.min_count if rule.public else 1)
    levels = np.where(status == "shown", np.searchsorted(breaks, matrix, side="right"), 0)
    levels = np.where((matrix == 0) & (status == "shown"), -1, levels)  # a hidden zero is drawn as hidden
    above_zero = shown_values[shown_values > 0]
    max_count = int(above_zero.max()) if above_zero.size else rule.min_count + 1  # none shown: "3 or more"
    geoms = gpd.GeoSeries(grid.polygons_lonlat()[ids], crs=WGS84)
    cells = gpd.GeoDataFrame({"cell_id": ids.astype("int64")}, geometry=round_coords(geoms).to_numpy(), crs=WGS84)
    labels = class_labels(breaks, lang=lang, max_count=max_count)
    return Playback(frames, step, cells, table, levels.astype(int), breaks, labels, grid)
