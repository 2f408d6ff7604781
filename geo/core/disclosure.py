"""What a count may show: the one owner of the small-count rule (DESIGN.md section 7).

Every page, table, chart, text alternative, CSV, tooltip, legend, export and command-line output that
prints a count of incidents or people asks this module what to print. It is the only module that
compares a count with ``privacy.min_count``.

The rule, in the public view (``public=True``; the internal view shows every count as it is):

- **Primary protection.** A count from 1 to ``min_count - 1`` is "fewer than N"
  (:data:`FEWER`); zero and counts of at least ``min_count`` are shown.
- **Secondary protection.** Counts are shown in groups that add up to a total printed beside
  them or elsewhere (the cells of a map and the incidents in view, the months of a series and
  its period, the zones of a rate table and their combined rate). Every group is protected as if
  its total were printed: a hidden count must stay consistent with at least two values once the
  total and the shown counts are known. Where it would not, the smallest shown count that
  suffices is withheld too (:data:`WITHHELD`, "withheld"), as statistical offices do; where
  none can keep them apart, the whole breakdown is withheld and only its total is shown.
- A total is protected like any count (primary); the breakdown of a hidden total is withheld whole
  (two counts under a total of "fewer than 3" would each be 1). A table with a total per row protects the
  row totals as a group of the grand total, then each row within what its total shows.

Results are typed (:class:`Shown`, :class:`ShownCounts`, :class:`ShownTable`); words come from the
message catalog only when a caller asks for a language.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from geo.core._suppress import (
    FEWER_CODE,
    SHOWN_CODE,
    WITHHELD_CODE,
    bounds_of,
    cross_codes,
    secondary,
)
from geo.core._suppress import consistent_values as consistent_values
from geo.core.filters import Filters
from geo.core.i18n import fmt_int, t

Status = Literal["shown", "fewer", "withheld"]
SHOWN: Status = "shown"
FEWER: Status = "fewer"
WITHHELD: Status = "withheld"

Period = Literal["day", "month"]


class _PrivacySettings(Protocol):
    min_count: int
    public_period: Period


_CODE = {SHOWN: SHOWN_CODE, FEWER: FEWER_CODE, WITHHELD: WITHHELD_CODE}
_STATUS: tuple[Status, ...] = (SHOWN, FEWER, WITHHELD)


@dataclass(frozen=True, slots=True)
class Shown:
    """One count as it may be shown: ``value`` is None unless ``status`` is ``"shown"``."""

    value: int | None
    status: Status
    min_count: int
    whole: bool = False
    """Withheld with the whole breakdown it belongs to (it may be 0)."""

    @property
    def hidden(self) -> bool:
        """True when the number itself may not be printed."""
        return self.status != SHOWN

    def text(self, lang: str) -> str:
        """The count in words of ``lang``: the number, "fewer than N" or "withheld"."""
        if self.status == FEWER:
            return t("privacy.fewer_than", lang, n=self.min_count)
        if self.status == WITHHELD or self.value is None:
            return t("privacy.withheld", lang)
        return fmt_int(self.value, lang)

    def plain(self) -> int | str:
        """The count for a JSON or CSV value: the number, or its words in English ("fewer than 3")."""
        return self.value if self.status == SHOWN and self.value is not None else self.text("en")

    def bounds(self) -> tuple[int, float]:
        """What a reader can tell of the true count from this: ``(lowest, highest)`` (highest may be inf)."""
        if self.whole and self.status == WITHHELD:
            return 0, math.inf
        if self.status == SHOWN and self.value is not None:
            return self.value, float(self.value)
        lo, hi = bounds_of(np.array([_CODE[self.status]]), np.zeros(1), self.min_count)
        return int(lo[0]), float(hi[0])


@dataclass(frozen=True, slots=True)
class ShownCounts:
    """A group of counts as they may be shown, in the order given, with their total.

    ``status`` holds one code per count (0 shown, 1 fewer, 2 withheld); ``whole`` is True when the
    whole breakdown is withheld (only the total may be shown).
    """

    values: tuple[int | None, ...]
    status: tuple[Status, ...]
    total: Shown
    min_count: int
    whole: bool = False

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> Shown:
        return Shown(self.values[i], self.status[i], self.min_count, self.whole)

    def __iter__(self) -> Iterator[Shown]:
        return (self[i] for i in range(len(self)))

    @property
    def hidden(self) -> np.ndarray:
        """Boolean mask of the counts whose number may not be printed."""
        return np.array([s != SHOWN for s in self.status], dtype=bool)

    @property
    def withheld(self) -> int:
        """How many counts are withheld to protect others (not small themselves)."""
        return sum(s == WITHHELD for s in self.status)

    @property
    def fewer(self) -> int:
        """How many counts read "fewer than N"."""
        return sum(s == FEWER for s in self.status)

    def array(self) -> pd.arrays.IntegerArray:
        """The shown numbers as pandas ``Int64``, missing where hidden (for charts and CSV)."""
        return pd.array(list(self.values), dtype="Int64")

    def texts(self, lang: str) -> list[str]:
        """Each count in words of ``lang``."""
        return [s.text(lang) for s in self]


@dataclass(frozen=True, slots=True)
class ShownTable:
    """A table of counts as it may be shown (same index and columns as the counts given)."""

    values: pd.DataFrame
    """``Int64`` numbers, missing where hidden."""
    status: pd.DataFrame
    """One of ``"shown"``, ``"fewer"``, ``"withheld"`` per cell."""
    row_totals: ShownCounts | None
    """The rows' totals (with ``row_totals=True``), protected as a group of the grand total."""
    total: Shown
    min_count: int

    @property
    def hidden(self) -> pd.DataFrame:
        """Boolean frame: True where the number may not be printed."""
        return self.status != SHOWN

    def texts(self, lang: str) -> pd.DataFrame:
        """The table in words of ``lang`` (numbers, "fewer than N", "withheld")."""
        out = pd.DataFrame(index=self.values.index, columns=self.values.columns, dtype=object)
        for col in self.values.columns:
            values, status = self.values[col].tolist(), self.status[col].tolist()
            out[col] = [
                Shown(None if pd.isna(values[i]) else int(values[i]), status[i], self.min_count).text(lang)
                for i in range(len(values))
            ]
        return out


@dataclass(frozen=True, slots=True)
class Disclosure:
    """The small-count rule of one view: ``public`` applies it, internal shows every count.

    Build it with :meth:`from_settings` so that the threshold comes from ``privacy.min_count``.
    """

    min_count: int
    public: bool = True
    period: Period | None = None
    """The public view's smallest period (``privacy.public_period``): ``"month"`` takes whole calendar months,
    ``"day"`` any day; None for a rule that only shows counts (its :meth:`dates` refuses to guess)."""

    def __post_init__(self) -> None:
        if isinstance(self.min_count, bool) or not isinstance(self.min_count, int | np.integer) or self.min_count < 1:
            msg = f"min_count must be a whole number >= 1, got {self.min_count!r}"
            raise ValueError(msg)

    @classmethod
    def from_settings(cls, privacy: _PrivacySettings, *, public: bool) -> Disclosure:
        """The rule of ``settings.privacy`` for a public or internal view."""
        return cls(int(privacy.min_count), public=public, period=privacy.public_period)

    # --- one count -------------------------------------------------------------------------

    def small(self, counts: object) -> np.ndarray:
        """Boolean mask of the counts that read "fewer than N" (always False in the internal view)."""
        arr = np.asarray(counts, dtype=float)
        if not self.public:
            return np.zeros(arr.shape, dtype=bool)
        return (arr > 0) & (arr < self.min_count)

    def count(self, n: float) -> Shown:
        """One count on its own (primary protection only)."""
        value = _whole(n)
        if bool(self.small(value)):
            return Shown(None, FEWER, self.min_count)
        return Shown(value, SHOWN, self.min_count)

    def text(self, n: float, lang: str) -> str:
        """One count in words of ``lang``."""
        return self.count(n).text(lang)

    def enough(self, *counts: float) -> bool:
        """True when every count reaches ``min_count``: enough to read a change into (either view)."""
        return all(_whole(n) >= self.min_count for n in counts)

    def comparable(self, n: float, before: float) -> bool:
        """Whether a change from ``before`` to ``n`` may be stated: both counts shown (a percentage or a difference
        beside a shown count would give a hidden one back). How it is stated is :mod:`geo.analysis.change`'s."""
        return not (self.count(n).hidden or self.count(before).hidden)

    # --- what a public view may ask for ---------------------------------------------------------

    def restrict(self, f: Filters, *, rings_m: Sequence[float]) -> Filters:
        """The filters a public view may use: whole calendar months and the configured rings.

        Two periods one day apart, or two rings a metre apart, would give one person away by
        subtraction; the internal view (and ``period: day``) keeps the dates as asked.
        """
        if not self.public:
            return f
        changes: dict[str, object] = {}
        start, end = self.dates(f.start, f.end)
        if (start, end) != (f.start, f.end):
            changes.update(start=start, end=end)
        rings = self.rings(f.rings_m, rings_m)
        if rings != f.rings_m:
            changes["rings_m"] = rings
        return f.replace(**changes) if changes else f

    def rings(self, asked: Sequence[float], allowed: Sequence[float]) -> tuple[float, ...]:
        """The ring distances a public view may use: those of ``asked`` in the configured set ``allowed``
        (empty, meaning the configured ones, when none is); the internal view keeps ``asked``."""
        asked = tuple(asked)
        if not self.public:
            return asked
        configured = {float(r) for r in allowed}
        return tuple(r for r in asked if float(r) in configured)

    def dates(self, start: dt.date | None, end: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
        """A period as a public view may use it: from the first of its first month to the last of its last
        (with ``period: month``); unchanged in the internal view."""
        if self.public and self.period is None:
            msg = "a public view's dates need its period (privacy.public_period): build the rule with from_settings"
            raise ValueError(msg)
        if not self.public or self.period != "month":
            return start, end
        if start is not None:
            start = start.replace(day=1)
        if end is not None:
            end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
        return start, end

    # --- groups ----------------------------------------------------------------------------

    def counts(self, counts: Sequence[float] | np.ndarray | pd.Series, *, total: Shown | None = None) -> ShownCounts:
        """A group of counts that add up to a total that may be printed beside them.

        ``total`` is how that total is shown when it comes from a group above (a row total of a
        table); by default the group's own sum, protected like any count.
        """
        values = np.array([_whole(v) for v in np.asarray(counts, dtype=float).ravel()], dtype=np.int64)
        own = self.count(int(values.sum()))
        shown_total = own if total is None else total
        if not self.public:
            return ShownCounts(tuple(int(v) for v in values), (SHOWN,) * len(values), own, self.min_count)
        if shown_total.hidden and values.any():  # no breakdown of a hidden total: its pattern would tell
            return ShownCounts((None,) * len(values), (WITHHELD,) * len(values), own, self.min_count, True)
        codes = np.where(self.small(values), _CODE[FEWER], _CODE[SHOWN])
        lo_sum, hi_sum = shown_total.bounds()
        codes, whole = secondary(values, codes, lo_sum, hi_sum, self.min_count)
        out_values = tuple(int(values[i]) if codes[i] == _CODE[SHOWN] else None for i in range(len(values)))
        return ShownCounts(out_values, tuple(_STATUS[c] for c in codes), own, self.min_count, whole)

    def column(self, frame: pd.DataFrame, *, lang: str, by: str | None = None, column: str = "count") -> pd.DataFrame:
        """``frame`` with ``column`` as it may be shown: one group per value of ``by`` (all rows without it).

        ``column`` becomes ``Int64``, missing where hidden; ``label`` holds its words in ``lang`` and
        ``status`` the status of each row.
        """
        counts = frame[column].fillna(0).to_numpy(dtype=float)
        groups = frame.groupby(by, sort=False, dropna=False).indices.values() if by else [np.arange(len(frame))]
        values: list[int | None] = [None] * len(frame)
        labels, status = [""] * len(frame), [SHOWN] * len(frame)
        for positions in groups:
            shown = self.counts(counts[positions])
            for j, row in enumerate(positions):
                values[row], labels[row], status[row] = shown.values[j], shown[j].text(lang), shown.status[j]
        out = frame.copy()
        out[column] = pd.array(values, dtype="Int64")
        out["label"] = labels
        out["status"] = status
        return out

    def table(self, counts: pd.DataFrame, *, row_totals: bool = False) -> ShownTable:
        """A table of counts: one group of the grand total, or (``row_totals``) rows under their totals.

        With ``row_totals`` the totals of the rows are protected as a group of the grand total, and
        each row as a group of what its total shows.
        """
        frame = counts.fillna(0)
        raw = frame.to_numpy(dtype=float)
        values = np.empty(raw.shape, dtype=object)
        status = np.empty(raw.shape, dtype=object)
        totals: ShownCounts | None = None
        if row_totals:
            totals = self.counts(raw.sum(axis=1))
            grand = totals.total
            for i in range(raw.shape[0]):
                row = self.counts(raw[i], total=totals[i])
                values[i] = row.values
                status[i] = row.status
        else:
            flat = self.counts(raw.ravel())
            grand = flat.total
            if raw.size:
                values[:] = np.array(flat.values, dtype=object).reshape(raw.shape)
                status[:] = np.array(flat.status, dtype=object).reshape(raw.shape)
        shown = pd.DataFrame(values, index=frame.index, columns=frame.columns).astype("Int64")
        return ShownTable(
            shown, pd.DataFrame(status, index=frame.index, columns=frame.columns), totals, grand, self.min_count
        )

    def cross(self, counts: np.ndarray) -> ShownTable:
        """A two-way table whose row totals, column totals and grand total may all be printed elsewhere (the cells
        of a map by period: each cell's count on the map, each period's count on the trend).

        The row totals and the column totals are each protected as a group of the grand total; then every row
        and every column is protected within what its total shows, again and again until no line withholds
        anything more (withholding only ever grows, so this ends). ``totals`` holds the row totals.
        """
        raw = np.array([[_whole(v) for v in row] for row in np.asarray(counts, dtype=float)], dtype=np.int64)
        raw = raw.reshape(np.asarray(counts).shape)
        rows, cols = self.counts(raw.sum(axis=1)), self.counts(raw.sum(axis=0))
        codes = np.where(self.small(raw), _CODE[FEWER], _CODE[SHOWN])
        if self.public:
            lines = ([r.bounds() for r in rows], [c.bounds() for c in cols])
            codes = cross_codes(raw, codes, lines, rows.total.bounds(), self.min_count)
        values = np.where(codes == _CODE[SHOWN], raw, 0).astype(object)
        values[codes != _CODE[SHOWN]] = None
        status = np.array([_STATUS[min(c, WITHHELD_CODE)] for c in codes.ravel()], dtype=object)
        status = status.reshape(raw.shape)
        return ShownTable(pd.DataFrame(values).astype("Int64"), pd.DataFrame(status), rows, rows.total, self.min_count)


def plain_values(frame: pd.DataFrame, column: str = "count") -> list[int | str | None]:
    """A :meth:`Disclosure.column` result's counts for JSON: each shown count as a number, else its ``label``
    ("fewer than 3", "withheld"), else None (a row with no count, such as "no data")."""
    values, labels = frame[column].tolist(), frame["label"].tolist()
    return [int(values[i]) if not pd.isna(values[i]) else (labels[i] or None) for i in range(len(values))]


def _whole(n: float) -> int:
    value = float(n)
    if not math.isfinite(value) or value < 0 or value != int(value):
        msg = f"a count must be a whole number >= 0, got {n!r}"
        raise ValueError(msg)
    return int(value)
