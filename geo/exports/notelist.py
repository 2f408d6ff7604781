"""The report's notes for the meeting on its map: which fall inside the map's frame, and the lines under the map.

Every place export (slide, letter page, PDF handout, offline HTML map) numbers the notes of
:attr:`geo.exports.model.Report.notes` in their order (1, 2, ...). A note lies on the map when its point and, for
an arrow, its target lie inside the frame (:attr:`~geo.exports.model.Report.extent_m`, EPSG:32611 metres); any
other is listed under the map ("Note 3 is outside the map: ..."), as is a note whose words found no free place
on a printed map ("Note 2: ..."). The words are always the note's own, never translated.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

from geo.core.notes import Note
from geo.core.projection import lonlat_to_metric, metric_to_lonlat
from geo.exports.model import Report

HEAD_SHARE = 0.035
"""An arrow's head on the offline map: this share of the map's width long (at most a third of the arrow)."""
HEAD_ANGLE_DEG = 25.0
"""Half the opening of an arrow's head, degrees."""


@dataclass(frozen=True)
class MapNote:
    """A note with its number (from 1) and its points in EPSG:32611 metres (``to_xy``: an arrow's target)."""

    number: int
    note: Note
    xy: tuple[float, float]
    to_xy: tuple[float, float] | None


def map_notes(report: Report) -> tuple[list[MapNote], list[MapNote]]:
    """``(on the map, outside it)``: the report's notes, numbered, split by the map's frame."""
    x0, x1, y0, y1 = report.extent_m
    inside: list[MapNote] = []
    outside: list[MapNote] = []
    for number, note in enumerate(report.notes, start=1):
        lon, lat = zip(*note.points, strict=True)
        xs, ys = lonlat_to_metric(np.array(lon), np.array(lat))
        pts = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
        item = MapNote(number, note, pts[0], pts[1] if len(pts) > 1 else None)
        fits = all(x0 <= x <= x1 and y0 <= y <= y1 for x, y in pts)
        (inside if fits else outside).append(item)
    return inside, outside


def note_lines(report: Report, listed: Collection[int] = ()) -> list[str]:
    """The lines under the map, in the notes' order: each note outside the frame, then (by number) each of
    ``listed``, the notes on the map whose words are written under it instead of beside their marker."""
    inside, outside = map_notes(report)
    out = {m.number: report.text("notes.outside", n=m.number, text=m.note.text) for m in outside}
    out |= {m.number: report.text("notes.listed", n=m.number, text=m.note.text) for m in inside if m.number in listed}
    return [out[n] for n in sorted(out)]


def arrow_head(item: MapNote, extent: tuple[float, float, float, float]) -> list[tuple[float, float]]:
    """The two barbs and tip of an arrow's head, ``[barb, tip, barb]`` as ``(lat, lon)`` degrees; [] for a note
    that is not an arrow."""
    if item.to_xy is None:
        return []
    (ax, ay), (bx, by) = item.xy, item.to_xy
    length = math.hypot(bx - ax, by - ay)
    if length == 0:
        return []
    size = min((extent[1] - extent[0]) * HEAD_SHARE, length / 3)
    angle = math.atan2(ay - by, ax - bx)
    turn = math.radians(HEAD_ANGLE_DEG)
    xs = [bx + size * math.cos(angle + turn), bx, bx + size * math.cos(angle - turn)]
    ys = [by + size * math.sin(angle + turn), by, by + size * math.sin(angle - turn)]
    lon, lat = metric_to_lonlat(np.array(xs), np.array(ys))
    return [(round(float(a), 6), round(float(o), 6)) for a, o in zip(lat, lon, strict=True)]
