"""A change between two counts, stated with its uncertainty: the one rule every "x% vs. ..." follows.

Two counts of rare events move by chance: 3 -> 8 reads "+167%", and 1 -> 1 "0%", whatever happened. Each
change is therefore given with an **exact 95% interval for the ratio of the two Poisson rates**: conditional
on the total ``n = now + before``, ``now`` is binomial with ``p = R e / (1 + R e)`` (``R`` the rate ratio,
``e = exposure_now / exposure_before``), so a Clopper-Pearson interval for ``p`` gives one for ``R`` (the
"exact conditional" interval; Fay 2010). Below ``small_count`` in either period the counts are given, not a
percentage. A change whose two periods fall on either side of a break in the series (LAPD's move to NIBRS on
2024-03-07, ``analysis.nibrs_break``) is marked: the counts were made two ways.

Whether a count may be shown at all is :mod:`geo.core.disclosure`'s rule; a caller asks it first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scipy.stats import beta

from geo.core.errors import AnalysisError
from geo.core.i18n import fmt_date, fmt_int, fmt_pct, t

Period = tuple[dt.date | None, dt.date | None]


def rate_ratio_interval(now: int, before: int, *, exposure: float = 1.0, level: float = 0.95) -> tuple[float, float]:
    """Exact conditional interval for the rate ratio ``(now / exposure_now) / (before / exposure_before)``.

    ``exposure`` is ``exposure_now / exposure_before`` (1 for two periods of equal length). The upper bound is
    ``inf`` when ``before`` is 0, the lower 0 when ``now`` is 0.
    """
    if now < 0 or before < 0:
        msg = f"counts must be whole numbers >= 0, got {now} and {before}"
        raise AnalysisError(msg)
    if not exposure > 0 or not 0 < level < 1:
        msg = f"exposure must be > 0 and level in (0, 1), got {exposure} and {level}"
        raise AnalysisError(msg)
    n, tail = now + before, (1 - level) / 2
    if n == 0:
        return 0.0, float("inf")
    p_low = 0.0 if now == 0 else float(beta.ppf(tail, now, before + 1))
    p_high = 1.0 if before == 0 else float(beta.ppf(1 - tail, now + 1, before))
    low = p_low / (1 - p_low) / exposure
    high = float("inf") if p_high >= 1 else p_high / (1 - p_high) / exposure
    return low, high


def straddles(now: Period, before: Period, series_break: dt.date | None) -> bool:
    """Whether the two periods fall on either side of ``series_break`` (or one of them spans it)."""
    if series_break is None:
        return False
    days = [d for d in (*now, *before) if d is not None]
    return bool(days) and min(days) < series_break <= max(days)


@dataclass(frozen=True)
class CountChange:
    """``now`` against ``before``: the rate ratio's exact interval, whether a percentage may be stated (both counts
    at least ``small_count``), and whether the two periods straddle a break in the series."""

    now: int
    before: int
    low: float
    high: float
    stated: bool
    straddles_break: bool

    @property
    def pct(self) -> float | None:
        """The relative change, only when it is stated (and ``before`` is not 0)."""
        return (self.now - self.before) / self.before if self.stated and self.before else None


def count_change(
    now: int,
    before: int,
    *,
    small_count: int,
    periods: tuple[Period, Period] | None = None,
    series_break: dt.date | None = None,
    exposure: float = 1.0,
) -> CountChange:
    """The change from ``before`` to ``now`` with its 95% interval (:func:`rate_ratio_interval`).

    ``small_count`` is ``analysis.small_count``; ``periods`` the (start, end) of the two periods, checked
    against ``series_break`` (``analysis.nibrs_break``).
    """
    low, high = rate_ratio_interval(now, before, exposure=exposure)
    split = periods is not None and straddles(periods[0], periods[1], series_break)
    stated = min(now, before) >= small_count
    return CountChange(int(now), int(before), low, high, stated, split)


def change_text(change: CountChange, lang: str, *, series_break: dt.date | None = None) -> str:
    """The change in words: ``+167% (95%: +10% to +600%)``, or the two counts when too few to state a percentage
    (``3 -> 8, too few to state a change``), with the break in the series said when the periods straddle it."""
    if change.pct is not None:
        high = "∞" if change.high == float("inf") else fmt_pct(change.high - 1, lang)
        text = t("change.pct", lang, pct=fmt_pct(change.pct, lang), low=fmt_pct(change.low - 1, lang), high=high)
    else:
        text = t("change.counts", lang, before=fmt_int(change.before, lang), now=fmt_int(change.now, lang))
    if change.straddles_break and series_break is not None:
        text += " · " + t("change.break", lang, date=fmt_date(series_break, lang))
    return text
