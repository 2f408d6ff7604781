"""The meeting report's model: what every renderer draws, and the check a renderer runs first.

:class:`Report` holds everything a handout, a slide or an offline HTML map shows, already
translated and made safe for its privacy mode (:mod:`geo.exports.privacy`). It is built by
:func:`geo.exports.report.build_report` and drawn by :mod:`geo.exports.render`. Geometry is kept
in EPSG:4326; distances and the map frame are metres (EPSG:32611); dates are local calendar
dates (America/Los_Angeles), inclusive.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.change import CountChange
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.i18n import fmt_int, t
from geo.core.notes import Note, check_notes
from geo.core.settings import Settings
from geo.exports.privacy import Mode, check_public_cells

Size = Literal["slide", "letter"]
SIZES: dict[str, tuple[int, int]] = {"slide": (1920, 1080), "letter": (1275, 1650)}
"""Pixel sizes of the PNG exports: a 16:9 slide, and US Letter (8.5 x 11 in) at 150 dpi."""
FORMATS = ("pdf", "png", "html")
"""File formats of the exports, by file suffix."""

MAX_TREND_YEARS = 10
"""Years a yearly trend shows before the end of a short report period, for context."""
MAX_TREND_BARS = 30
"""The most bars a trend draws: a longer report period is charted over its last years, and the chart says so."""
MIN_YEARLY_SPAN_DAYS = 3 * 365
"""With less history than this the trend is monthly."""
POINT_NAME_DECIMALS = 3
"""A --lat/--lon focus is printed with this many decimals (about 100 m), never finer."""


@dataclass(frozen=True)
class KeyFigure:
    """One of the three key figures: a label and the value as printed (``number`` is None when hidden)."""

    key: str
    label: str
    value: str
    number: int | None
    short: str = ""
    """The value's headline when ``value`` is long (the signed change, "+40"); printed large, ``detail`` under it."""
    detail: str = ""
    """The rest of a long value, printed smaller under ``short`` (the percentage, its interval, the break)."""


@dataclass(frozen=True, eq=False)
class Report:
    """Everything an export shows, already translated and made safe for its privacy mode.

    Geometry is EPSG:4326; ``extent_m`` is the map frame ``(x0, x1, y0, y1)`` in EPSG:32611
    metres. In public mode ``points`` is None and ``cells`` holds only the columns of
    :data:`geo.exports.privacy.PUBLIC_CELL_COLUMNS`; in internal mode ``cells`` is None.
    """

    lang: str
    privacy: Mode
    title: str
    period_start: dt.date
    period_end: dt.date
    period_text: str
    data_as_of: dt.date
    data_as_of_text: str
    focus_name: str
    focus: gpd.GeoDataFrame
    ring_m: float
    ring: gpd.GeoDataFrame
    extent_m: tuple[float, float, float, float]
    figures: tuple[KeyFigure, ...]
    summary: str
    trend: pd.DataFrame
    trend_title: str
    trend_notes: tuple[str, ...]
    cells: gpd.GeoDataFrame | None
    points: gpd.GeoDataFrame | None
    streets: gpd.GeoDataFrame
    legend: tuple[tuple[str, str, str], ...]
    legend_title: str
    caveats: tuple[str, ...]
    attribution: str
    synthetic: bool
    crosses_break: bool
    mode_label: str
    mode_note: str
    cell_m: float
    min_count: int
    made_text: str
    counts: dict[str, Any] = field(default_factory=dict)
    coverage: str | None = None
    """How much of the ring around the focus the data cover (:data:`geo.data.coverage.STATUSES`), or None
    when the coverage is not known (no coverage given)."""
    unit: str = "incidents"
    """What one row counts (:func:`geo.data.labels.layer_unit`): ``incidents``, or ``victims`` (people killed)."""
    trend_sentence: str | None = None
    """What the trend says instead of bars when it has none worth drawing (every count hidden, or none)."""
    area: gpd.GeoDataFrame | None = None
    """The wider area the map's frame lies in (:func:`geo.exports.inset.wider_area`, EPSG:4326), drawn small in a
    corner of the printed map; None: no locator inset."""
    residents: tuple[str, ...] = ()
    """What residents near the focus said in the community assessment (:func:`geo.survey.summary.residents_say`),
    printed under "Residents say"; empty: no block."""
    form_url: str | None = None
    """The assessment's web form (``survey.form_url``): printed with its QR code, inviting residents to answer."""
    services: tuple[str, ...] = ()
    """Help and services near the focus (:func:`geo.exports.helpnear.with_services`), one line each, printed under
    ``services_title`` on the handout (letter page and PDF) and the offline map; the slide, projected at meetings,
    leaves them to the handout. Empty: no block."""
    services_title: str = ""
    notes: tuple[Note, ...] = ()
    """Notes for the meeting (:class:`geo.core.notes.Note`), drawn on the map of every place export in their own
    words and numbered in their order; a note outside the map's frame is listed under it. Checked and kept in
    their one form (:func:`geo.core.notes.check_notes`) whenever a Report is made: a bad note raises DataError."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "notes", check_notes(self.notes))

    def with_notes(self, notes: Iterable[Note]) -> Report:
        """This report with ``notes`` (replacing any it had), checked (:func:`geo.core.notes.check_notes`)."""
        return dataclasses.replace(self, notes=tuple(notes))

    def text(self, key: str, /, **params: object) -> str:
        """A catalog string in the report's language."""
        return t(key, self.lang, **params)

    def trend_heading(self) -> str:
        """The trend's title with its notes in brackets, as every renderer prints it."""
        return self.trend_title + (f" ({'; '.join(self.trend_notes)})" if self.trend_notes else "")

    def summary_dict(self) -> dict[str, Any]:
        """Plain values for a JSON summary (the CLI prints it); no exact small count in public mode."""
        cells = self.cells
        return {
            "lang": self.lang,
            "privacy": self.privacy,
            "title": self.title,
            "from": self.period_start.isoformat(),
            "to": self.period_end.isoformat(),
            "data_as_of": self.data_as_of.isoformat(),
            "focus": self.focus_name,
            "ring_m": self.ring_m,
            "cell_m": self.cell_m if self.privacy == "public" else None,
            "cells": len(cells) if cells is not None else None,
            "suppressed": int(cells["suppressed"].sum()) if cells is not None else None,
            "points": len(self.points) if self.points is not None else None,
            "figures": {f.key: f.value for f in self.figures},
            "synthetic": self.synthetic,
            "crosses_nibrs_break": self.crosses_break,
            "coverage": self.coverage,
            "notes": len(self.notes),
        }


def check_report(report: object) -> Report:
    """Return ``report`` if it is a :class:`Report` safe for its privacy mode, else raise.

    A public report must carry grid cells (and pass :func:`geo.exports.privacy.check_public_cells`)
    and no points. Every renderer calls this before drawing.

    Raises
    ------
    AnalysisError
        Not a Report, or a public report that shows points or an exact small count.
    """
    if not isinstance(report, Report):
        msg = f"expected a Report from build_report, got {type(report).__name__}"
        raise AnalysisError(msg)
    if report.privacy == "public":
        if report.points is not None or report.cells is None:
            msg = "a public report must carry cells and no points"
            raise AnalysisError(msg)
        check_public_cells(report.cells, min_count=report.min_count)
    return report


# --- the steps of building a report -----------------------------------------------------------


def shift_year(d: dt.date, years: int) -> dt.date:
    """``d`` moved by whole ``years`` (29 February becomes 28 February)."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def comparison_period(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date, str]:
    """The period a report compares with: a year earlier for periods up to a year, else the one before.

    Returns ``(start, end, kind)`` with ``kind`` ``"year"`` or ``"previous"`` (inclusive dates).
    """
    days = (end - start).days + 1
    if days <= 366:
        return shift_year(start, -1), shift_year(end, -1), "year"
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1), "previous"


@dataclass(frozen=True)
class Context:
    """What every step of a report needs: language, privacy mode and the settings it reads.

    ``cell_m`` (public grid cell) and ``ring_m`` (the ring around the focus) are metres, EPSG:32611.
    """

    lang: str
    mode: Mode
    cfg: Settings
    min_count: int
    cell_m: float
    ring_m: float
    nibrs_break: dt.date
    unit: str = "incidents"
    """What one row counts: ``incidents``, or ``victims`` for per-victim sources (people killed)."""

    @property
    def victims(self) -> bool:
        """True when the rows count people killed (a per-victim source), not incidents."""
        return self.unit == "victims"

    @property
    def disclosure(self) -> Disclosure:
        """The small-count rule of this report's mode (public: "fewer than N" and what protects it)."""
        return Disclosure(self.min_count, public=self.mode == "public", period=self.cfg.privacy.public_period)

    @property
    def distance(self) -> str:
        """The ring distance as printed in the report's language."""
        return fmt_int(self.ring_m, self.lang)


@dataclass(frozen=True)
class Period:
    """The report period and the span of the data (inclusive local dates; None with no data)."""

    start: dt.date
    end: dt.date
    first: dt.date | None
    latest: dt.date | None

    @property
    def days(self) -> int:
        """Length of the period in days, both ends included."""
        return (self.end - self.start).days + 1


@dataclass(frozen=True, eq=False)
class Counts:
    """The headline counts, and the rows they were counted on (EPSG:4326 points).

    ``n_map``: selected incidents in the period inside the map frame; ``n_near``: in the period
    within ``ring_m`` of the focus; ``n_prev``: the same in the comparison period of kind
    ``compare_kind`` (see :func:`comparison_period`). ``covered`` says the data reach back to the
    start of the comparison period; ``change`` is the change with its interval
    (:func:`geo.analysis.change.count_change`); ``shown`` that the view may show both counts.
    """

    n_map: int
    n_near: int
    n_prev: int
    compare_kind: str
    covered: bool
    change: CountChange
    shown: bool
    period_rows: gpd.GeoDataFrame
    on_map: np.ndarray
    near_all: gpd.GeoDataFrame

    @property
    def too_few(self) -> bool:
        """The two counts are too small to compare (or the view may not show them)."""
        return not (self.shown and self.change.stated)

    @property
    def diff(self) -> int:
        """Incidents near the focus in the period minus those in the comparison period."""
        return self.n_near - self.n_prev
