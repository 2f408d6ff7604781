"""The handout's change against the comparison period follows the change rule (geo/analysis/change.py)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest

from geo.analysis.change import count_change
from geo.core.filters import Filters
from geo.core.settings import get_settings
from geo.exports.model import Counts, Period
from geo.exports.report import _context
from geo.exports.wording import key_figures, summary

NOW = Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31), dt.date(2015, 1, 1), dt.date(2024, 12, 31))
LAST_YEAR = ((NOW.start, NOW.end), (dt.date(2023, 3, 1), dt.date(2023, 3, 31)))


def _counts(n_near: int, n_prev: int, *, periods: tuple = LAST_YEAR, privacy: str = "internal") -> tuple:
    ctx = _context(Filters(), lang="en", privacy=privacy, settings=get_settings())
    change = count_change(
        n_near, n_prev, small_count=ctx.cfg.analysis.small_count, periods=periods, series_break=ctx.nibrs_break
    )
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    counts = Counts(
        n_map=n_near, n_near=n_near, n_prev=n_prev, compare_kind="year", covered=True, change=change,
        shown=ctx.disclosure.enough(n_near, n_prev), period_rows=empty, on_map=np.zeros(0, bool), near_all=empty,
    )  # fmt: skip
    return counts, ctx


def _change(counts: Counts, ctx: object) -> str:
    return next(f.value for f in key_figures(counts, "Harvard Park", ctx) if f.key == "change")  # type: ignore[arg-type]


def test_three_against_eight_is_not_a_percentage() -> None:
    counts, ctx = _counts(8, 3)
    assert _change(counts, ctx) == "too few to compare"
    assert "%" not in summary(counts, NOW, "Harvard Park", ctx)


def test_a_stated_change_carries_its_interval_and_the_break() -> None:
    counts, ctx = _counts(90, 50)
    value = _change(counts, ctx)
    assert value.startswith("+40: +80% (95% interval +26% to +160%)")
    assert "recording system" in value  # March 2024 against March 2023: across 2024-03-07
    words = summary(counts, NOW, "Harvard Park", ctx)
    assert "between +26% and +160% (95% interval)" in words
    assert "LAPD changed how it records crime on March 7, 2024" in words


def test_no_break_mark_when_both_periods_are_on_one_side() -> None:
    periods = ((dt.date(2016, 3, 1), dt.date(2016, 3, 31)), (dt.date(2015, 3, 1), dt.date(2015, 3, 31)))
    counts, ctx = _counts(90, 50, periods=periods)
    assert "recording system" not in _change(counts, ctx)
    assert "LAPD changed" not in summary(counts, NOW, "Harvard Park", ctx)


@pytest.mark.parametrize(("n_near", "n_prev"), [(2, 40), (40, 1)])
def test_a_hidden_count_states_no_change_in_public(n_near: int, n_prev: int) -> None:
    counts, ctx = _counts(n_near, n_prev, privacy="public")
    assert _change(counts, ctx) == "too few to compare"
