"""The one small-count rule (geo.core.disclosure): primary and secondary protection, tables, periods and rings.

The property tests play a reader who knows the rule: every vector of counts that the rule would show the
same way is a candidate, and each hidden count must keep at least two candidate values.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.core.disclosure import FEWER, SHOWN, WITHHELD, Disclosure, Shown, ShownCounts, consistent_values
from geo.core.filters import Filters
from geo.core.i18n import fmt_int

PUBLIC = Disclosure(3, public=True, period="month")
INTERNAL = Disclosure(3, public=False, period="month")


# --- one count -------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "status", "value"), [(0, SHOWN, 0), (1, FEWER, None), (2, FEWER, None), (3, SHOWN, 3)])
def test_one_count_public(n: int, status: str, value: int | None) -> None:
    shown = PUBLIC.count(n)
    assert (shown.status, shown.value) == (status, value)
    assert shown.hidden is (status != SHOWN)


def test_one_count_words_in_both_languages() -> None:
    assert PUBLIC.text(2, "en") == "fewer than 3"
    assert PUBLIC.text(2, "es") == "menos de 3"
    assert PUBLIC.text(3, "en") == "3"
    assert PUBLIC.text(1234, "es") == fmt_int(1234, "es")
    assert Shown(None, WITHHELD, 3).text("en") == "withheld"
    assert Shown(None, WITHHELD, 3).text("es") == "reservado"


def test_the_internal_view_shows_every_count() -> None:
    assert INTERNAL.count(1) == Shown(1, SHOWN, 3)
    group = INTERNAL.counts([1, 2, 5])
    assert group.values == (1, 2, 5)
    assert not group.hidden.any()
    assert INTERNAL.restrict(Filters(start=dt.date(2016, 6, 18), end=dt.date(2016, 6, 18)), rings_m=(75,)).start == (
        dt.date(2016, 6, 18)
    )


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_min_count_must_be_a_whole_number_of_at_least_one(bad: object) -> None:
    with pytest.raises(ValueError, match="min_count must be a whole number"):
        Disclosure(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 1.5, float("nan"), float("inf")])
def test_a_count_must_be_a_whole_number(bad: float) -> None:
    with pytest.raises(ValueError, match="a count must be a whole number"):
        PUBLIC.count(bad)


def test_change_needs_both_counts_shown() -> None:
    assert PUBLIC.comparable(6, 3)
    assert not PUBLIC.comparable(6, 2)  # 2 would come back from the percentage
    assert not PUBLIC.comparable(2, 6)
    assert PUBLIC.comparable(3, 0)  # none is shown as 0: "0 -> 3" gives nothing away
    assert INTERNAL.comparable(2, 1)


# --- groups ----------------------------------------------------------------------------------


def test_a_single_hidden_count_beside_its_total_is_protected_by_a_second() -> None:
    group = PUBLIC.counts([1, 4, 9])  # the total 14 minus 4 and 9 would give the 1 back
    assert group.status == (FEWER, WITHHELD, SHOWN)
    assert group.values == (None, None, 9)
    assert group.total == Shown(14, SHOWN, 3)


def test_hidden_counts_that_add_up_to_their_number_are_protected() -> None:
    # the page read "8" beside one cell of 3 and five hidden cells: each hidden cell was 1
    group = PUBLIC.counts([3, 1, 1, 1, 1, 1])
    assert group.whole
    assert set(group.status) == {WITHHELD}
    assert group.total.value == 8


def test_hidden_counts_that_can_differ_stay_as_they_are() -> None:
    group = PUBLIC.counts([1, 2, 5])  # hidden sum 3 over two cells: (1, 2) or (2, 1)
    assert group.status == (FEWER, FEWER, SHOWN)
    assert group.texts("en") == ["fewer than 3", "fewer than 3", "5"]
    assert list(group.array()) == [pd.NA, pd.NA, 5]


def test_a_small_total_is_hidden_and_so_is_its_breakdown() -> None:
    group = PUBLIC.counts([0, 2, 0])  # the shown zeros would place the 2
    assert group.total.status == FEWER
    assert group.whole
    assert group.status == (WITHHELD, WITHHELD, WITHHELD)
    assert PUBLIC.counts([0, 0]).status == (SHOWN, SHOWN)


def test_the_smallest_shown_count_is_withheld_first() -> None:
    group = PUBLIC.counts([1, 9, 5, 7])
    assert group.status == (FEWER, SHOWN, WITHHELD, SHOWN)
    assert group.withheld == 1
    assert group.fewer == 1


def test_consistent_values_widths() -> None:
    # two hidden cells in 1..2 with a known sum of 2: both pinned to 1
    width = consistent_values(np.array([1, 1]), np.array([2, 2]), 2, 2)
    assert list(width) == [0, 0]
    width = consistent_values(np.array([1, 1]), np.array([2, 2]), 3, 3)
    assert list(width) == [1, 1]
    width = consistent_values(np.array([1, 3]), np.array([2, np.inf]), 5, 5)
    assert list(width) == [1, 1]
    width = consistent_values(np.array([3, 3]), np.array([np.inf, np.inf]), 7, 7)
    assert list(width) == [1, 1]


# --- tables ----------------------------------------------------------------------------------


def test_a_table_with_row_totals_protects_each_row_and_the_totals() -> None:
    counts = pd.DataFrame({"inside": [1, 0, 4], "75 m": [2, 3, 0], "150 m": [2, 0, 5]}, index=[2015, 2016, 2017])
    table = PUBLIC.table(counts, row_totals=True)
    assert table.total.value == 17
    assert table.row_totals is not None
    assert [s.value for s in table.row_totals] == [5, 3, 9]
    # 2015: 1 + 2 + 2 = 5 shown: (1,2,2), (2,1,2), (2,2,1) all fit
    assert list(table.status.loc[2015]) == [FEWER, FEWER, FEWER]
    assert list(table.values.loc[2016]) == [0, 3, 0]
    assert table.texts("es").loc[2015, "inside"] == "menos de 3"


def test_a_row_whose_total_is_small_with_two_counts_is_withheld() -> None:
    counts = pd.DataFrame({"a": [1, 5], "b": [1, 5]})  # row 0: total "fewer than 3" with two cells: both 1
    table = PUBLIC.table(counts, row_totals=True)
    assert set(table.status.loc[0]) == {WITHHELD}


def test_a_table_without_row_totals_is_one_group() -> None:
    counts = pd.DataFrame({"mon": [1, 0], "tue": [0, 4]})
    table = PUBLIC.table(counts)
    assert table.row_totals is None
    assert table.total.value == 5
    assert table.hidden.to_numpy().sum() == 2  # the 1, and the 4 withheld beside it


# --- periods and rings -----------------------------------------------------------------------


def test_public_periods_are_whole_months() -> None:
    f = Filters(start=dt.date(2017, 6, 18), end=dt.date(2017, 6, 18))
    g = PUBLIC.restrict(f, rings_m=(75, 150, 400))
    assert (g.start, g.end) == (dt.date(2017, 6, 1), dt.date(2017, 6, 30))
    leap = PUBLIC.restrict(Filters(start=dt.date(2016, 2, 1), end=dt.date(2016, 2, 3)), rings_m=(75,))
    assert leap.end == dt.date(2016, 2, 29)
    whole = Filters(start=dt.date(2016, 1, 1), end=dt.date(2016, 12, 31))
    assert PUBLIC.restrict(whole, rings_m=(75,)) is whole
    by_day = Disclosure(3, public=True, period="day")
    assert by_day.restrict(f, rings_m=(75,)).start == dt.date(2017, 6, 18)


def test_a_public_rule_without_its_period_refuses_to_guess_the_dates() -> None:
    counts_only = Disclosure(3, public=True)  # enough to show counts, not to move dates
    assert counts_only.text(2, "en") == "fewer than 3"
    with pytest.raises(ValueError, match="public_period"):
        counts_only.dates(dt.date(2017, 6, 18), dt.date(2017, 6, 18))
    assert Disclosure(3, public=False).dates(dt.date(2017, 6, 18), None) == (dt.date(2017, 6, 18), None)


def test_public_rings_come_from_the_configured_set() -> None:
    f = Filters(rings_m=(75.0, 151.0, 400.0))
    assert PUBLIC.restrict(f, rings_m=(75, 150, 400)).rings_m == (75.0, 400.0)
    assert PUBLIC.restrict(Filters(rings_m=(151.0,)), rings_m=(75, 150, 400)).rings_m == ()
    assert INTERNAL.restrict(f, rings_m=(75, 150, 400)).rings_m == (75.0, 151.0, 400.0)


# --- a reader who adds and subtracts what is shown ------------------------------------------
# The audit statistical offices make of a suppressed table: every vector of counts that agrees with each
# shown number, each label ("fewer than N": 1..N-1; "withheld" beside small counts: N or more; a breakdown
# withheld whole: any count) and each total or margin shown is a candidate; a hidden count must keep two values.


def _fits(x: tuple[int, ...], group: ShownCounts, m: int) -> bool:
    for v, s, shown in zip(x, group.status, group.values, strict=True):
        if s == SHOWN and v != shown:
            return False
        if s == FEWER and not 1 <= v <= m - 1:
            return False
        if s == WITHHELD and not group.whole and v < m:
            return False
    lo, hi = group.total.bounds()
    return lo <= sum(x) <= hi


def _candidates(known: list[int | None], top: int, fits: object) -> list[tuple[int, ...]]:
    """Every vector with the shown numbers in place and 0..top at each hidden one that ``fits``."""
    free = [i for i, v in enumerate(known) if v is None]
    out = []
    for guess in itertools.product(range(top + 1), repeat=len(free)):
        x = list(known)
        for i, g in zip(free, guess, strict=True):
            x[i] = g
        if fits(tuple(x)):  # type: ignore[operator]
            out.append(tuple(x))  # type: ignore[arg-type]
    return out


@settings(max_examples=80, deadline=None)
@given(counts=st.lists(st.integers(0, 6), min_size=1, max_size=5), min_count=st.sampled_from([3, 4, 5]))
def test_a_hidden_count_keeps_two_values_beside_its_total(counts: list[int], min_count: int) -> None:
    group = Disclosure(min_count, public=True).counts(counts)
    cands = _candidates(list(group.values), 9, lambda x: _fits(x, group, min_count))
    assert tuple(counts) in cands
    for i in np.flatnonzero(group.hidden):
        assert len({c[i] for c in cands}) >= 2, (counts, i)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 6), min_size=2, max_size=4),
    pop=st.lists(st.integers(500, 5000), min_size=4, max_size=4),
)
def test_rates_never_give_back_a_hidden_count(counts: list[int], pop: list[int]) -> None:
    """Rates shown beside counts give back no more than the counts: a zone's rate only where its count is shown,
    the combined rate only where the total is (rate x residents is the count)."""
    pops = pop[: len(counts)]
    group = PUBLIC.counts(counts)
    rates = [None if s.hidden else (s.value or 0) / p * 10_000 for s, p in zip(group, pops, strict=True)]
    combined = None if group.total.hidden else (group.total.value or 0) / sum(pops) * 10_000
    for i, r in enumerate(rates):
        assert (r is None) == bool(group.hidden[i])
        if r is not None:
            assert round(r * pops[i] / 10_000) == counts[i]
    if combined is not None:
        assert round(combined * sum(pops) / 10_000) == sum(counts)
    cands = _candidates(list(group.values), 9, lambda x: _fits(x, group, 3))
    for i in np.flatnonzero(group.hidden):
        assert len({c[i] for c in cands}) >= 2, (counts, i)


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(0, 4), min_size=6, max_size=6))
def test_a_table_with_margins_keeps_two_values_for_each_hidden_cell(counts: list[int]) -> None:
    grid = np.array(counts).reshape(2, 3)
    tab = PUBLIC.table(pd.DataFrame(grid), row_totals=True)
    rows = tab.row_totals
    assert rows is not None
    assert tab.total == rows.total

    def fits(x: tuple[int, ...]) -> bool:
        cand = np.array(x).reshape(2, 3)
        if not _fits(tuple(int(v) for v in cand.sum(axis=1)), rows, 3):
            return False
        for r in range(2):
            row = ShownCounts(
                tuple(None if pd.isna(v) else int(v) for v in tab.values.iloc[r]),
                tuple(tab.status.iloc[r]),
                rows[r],
                3,
                whole=bool((tab.status.iloc[r] == WITHHELD).all()),
            )
            if not _fits(tuple(int(v) for v in cand[r]), row, 3):
                return False
        return True

    cands = _candidates([None if pd.isna(v) else int(v) for v in tab.values.to_numpy().ravel()], 5, fits)
    assert tuple(counts) in cands
    for i in np.flatnonzero(tab.hidden.to_numpy().ravel()):
        assert len({c[i] for c in cands}) >= 2, (counts, i)


# --- edges the rule must keep (each of these once let a changed rule pass) -------------------


def test_a_threshold_of_one_hides_nothing() -> None:
    rule = Disclosure(1, public=True)
    assert rule.count(1) == Shown(1, SHOWN, 1)
    assert rule.counts([1, 1]).status == (SHOWN, SHOWN)


def test_shown_words_and_bounds_follow_the_status() -> None:
    assert Shown(None, SHOWN, 3).text("en") == "withheld"  # a shown count with no number is not printed
    assert Shown(5, SHOWN, 3, whole=True).bounds() == (5, 5.0)
    assert Shown(None, WITHHELD, 3, whole=True).bounds() == (0, np.inf)
    assert Shown(None, WITHHELD, 3).bounds() == (3, np.inf)
    assert Shown(None, FEWER, 4).bounds() == (1, 3.0)
    assert Shown(7, SHOWN, 3).plain() == 7
    assert Shown(None, FEWER, 3).plain() == "fewer than 3"


def test_a_change_to_zero_may_be_stated() -> None:
    assert PUBLIC.comparable(0, 5)


def test_whole_is_said_only_when_the_breakdown_is_withheld() -> None:
    assert PUBLIC.counts([1, 2, 5]).whole is False
    assert PUBLIC.counts([1, 4, 9]).whole is False
    assert PUBLIC.counts([3, 1, 1, 1, 1, 1]).whole is True


def test_the_internal_view_keeps_its_total_and_threshold() -> None:
    group = INTERNAL.counts([1, 2])
    assert group.total == Shown(3, SHOWN, 3)
    assert group.min_count == 3
    assert group[0] == Shown(1, SHOWN, 3)
    assert str(group.array().dtype) == "Int64"
    hidden_total = PUBLIC.counts([0, 1])
    assert hidden_total.min_count == 3
    assert hidden_total.total == Shown(None, FEWER, 3)


def test_a_hidden_total_from_above_withholds_the_breakdown() -> None:
    above = Shown(None, WITHHELD, 3)
    assert PUBLIC.counts([1, 2, 5], total=above).whole
    assert PUBLIC.counts([1, 2, 5]).status == (FEWER, FEWER, SHOWN)  # under its own total of 8


def test_rows_are_protected_under_the_total_their_row_shows() -> None:
    counts = pd.DataFrame({"a": [1, 1, 10], "b": [0, 2, 5], "c": [0, 5, 5]})  # row totals 1, 8, 20 under 29
    table = PUBLIC.table(counts, row_totals=True)
    assert table.row_totals is not None
    assert table.row_totals.status == (FEWER, WITHHELD, SHOWN)
    assert set(table.status.iloc[1]) == {WITHHELD}  # under a withheld total; under its own 8 it would show the 5
    assert list(table.values.iloc[2]) == [10, 5, 5]
    assert table.texts("en").iloc[2, 0] == "10"
    assert str(table.values.dtypes.iloc[0]) == "Int64"


def test_a_missing_count_in_a_table_is_zero() -> None:
    counts = pd.DataFrame({"mon": [np.nan, 5.0], "tue": [4.0, 0.0]})
    table = PUBLIC.table(counts)
    assert table.values.iloc[0, 0] == 0
    assert table.values.iloc[1, 1] == 0
    assert table.texts("en").iloc[1, 0] == "5"


def test_consistent_values_with_one_unbounded_count() -> None:
    width = consistent_values(np.array([1, 3]), np.array([2, np.inf]), 6, 6)
    assert list(width) == [1, 1]  # the withheld count lies in 4..5, the small one in 1..2


def test_the_rule_comes_from_the_settings() -> None:
    from geo.core.settings import Settings

    s = Settings()
    rule = Disclosure.from_settings(s.privacy, public=True)
    assert rule == Disclosure(s.privacy.min_count, public=True, period=s.privacy.public_period)
    by_day = Disclosure.from_settings(s.privacy.model_copy(update={"public_period": "day"}), public=True)
    assert by_day.period == "day"
    assert Disclosure.from_settings(s.privacy, public=False).public is False


def test_enough_means_every_count_reaches_the_threshold() -> None:
    assert PUBLIC.enough(3, 4)
    assert not PUBLIC.enough(3, 2)
    assert not PUBLIC.enough(0)
    assert INTERNAL.enough() is True


def test_a_column_is_protected_by_group() -> None:
    frame = pd.DataFrame(
        {"place": ["A", "A", "A", "B", "B"], "month": [1, 2, 3, 1, 2], "count": [1, 2, 5, 4, np.nan]},
        index=[10, 11, 12, 13, 14],
    )
    out = PUBLIC.column(frame, lang="es", by="place")
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert list(out["status"]) == [FEWER, FEWER, SHOWN, SHOWN, SHOWN]
    assert list(out["label"]) == ["menos de 3", "menos de 3", "5", "4", "0"]
    assert str(out["count"].dtype) == "Int64"
    assert list(out["count"].fillna(-1)) == [-1, -1, 5, 4, 0]
    assert list(frame["count"].fillna(-1)) == [1, 2, 5, 4, -1]  # the input is left as it was
    together = PUBLIC.column(frame, lang="en")  # one group: the 1 and 2 beside 5 and 4 under 12
    assert list(together["status"]) == [FEWER, FEWER, SHOWN, SHOWN, SHOWN]
    other = PUBLIC.column(frame.rename(columns={"count": "n"}), lang="en", column="n")
    assert list(other["label"]) == list(together["label"])


def test_groups_of_a_column_are_protected_apart() -> None:
    frame = pd.DataFrame({"place": ["A", "A", "B", "B", None], "count": [1, 5, 4, 6, 2]})
    apart = PUBLIC.column(frame, lang="en", by="place")
    assert list(apart["status"]) == [FEWER, WITHHELD, SHOWN, SHOWN, WITHHELD]  # A beside its 6; the lone 2 whole
    together = PUBLIC.column(frame, lang="en")
    assert list(together["status"]) == [FEWER, SHOWN, SHOWN, SHOWN, FEWER]  # 1 and 2 beside 15: two values each


def test_plain_values_are_numbers_or_words() -> None:
    from geo.core.disclosure import plain_values

    shown = PUBLIC.column(pd.DataFrame({"count": [1, 2, 7, 0]}), lang="en")
    assert plain_values(shown) == ["fewer than 3", "fewer than 3", 7, 0]
    no_data = pd.DataFrame({"n": [pd.NA, 4], "label": ["", "4"]})
    assert plain_values(no_data, "n") == [None, 4]


def test_one_large_count_is_withheld_rather_than_many_small_ones() -> None:
    # the 1 beside a total of 16: neither 3 helps (3 or more leaves it pinned), the 9 alone does
    assert PUBLIC.counts([1, 3, 3, 9]).status == (FEWER, SHOWN, SHOWN, WITHHELD)
    many = PUBLIC.counts([1] * 50 + [3] * 49 + [9])
    assert many.withheld == 1
    assert many.status[-1] == WITHHELD
    assert PUBLIC.counts([2, 2, 3, 3]).status == (FEWER, FEWER, WITHHELD, SHOWN)  # the first of equal counts
