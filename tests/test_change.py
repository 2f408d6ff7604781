"""Changes between two counts (geo/analysis/change.py): exact intervals, small counts, the NIBRS break."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from statsmodels.stats import rates

from geo.analysis.change import change_text, count_change, rate_ratio_interval, straddles
from geo.core.errors import AnalysisError

BREAK = dt.date(2024, 3, 7)


@given(st.integers(0, 60), st.integers(0, 60))
def test_the_interval_is_the_exact_binomial_one_on_the_share_of_the_total(now: int, before: int) -> None:
    low, high = rate_ratio_interval(now, before)
    if now + before == 0:
        assert (low, high) == (0.0, float("inf"))
        return
    ci = binomtest(now, now + before).proportion_ci(confidence_level=0.95, method="exact")
    assert low == pytest.approx(ci.low / (1 - ci.low), rel=1e-6, abs=1e-12)
    if before == 0:
        assert high == float("inf")
    else:
        assert high == pytest.approx(ci.high / (1 - ci.high), rel=1e-6)


@pytest.mark.parametrize(("now", "before"), [(8, 3), (3, 8), (40, 25), (1, 1)])
def test_each_bound_is_where_the_exact_conditional_test_just_rejects(now: int, before: int) -> None:
    low, high = rate_ratio_interval(now, before)
    at_low = rates.test_poisson_2indep(now, 1, before, 1, value=low, method="exact-cond", alternative="larger")
    at_high = rates.test_poisson_2indep(now, 1, before, 1, value=high, method="exact-cond", alternative="smaller")
    assert at_low.pvalue == pytest.approx(0.025, abs=1e-6)
    assert at_high.pvalue == pytest.approx(0.025, abs=1e-6)


def test_unequal_periods_scale_the_ratio() -> None:
    same = rate_ratio_interval(10, 10)
    twice_as_long = rate_ratio_interval(10, 10, exposure=2.0)
    assert twice_as_long == pytest.approx((same[0] / 2, same[1] / 2))
    with pytest.raises(AnalysisError):
        rate_ratio_interval(-1, 3)
    with pytest.raises(AnalysisError):
        rate_ratio_interval(1, 3, exposure=0)


def test_small_counts_give_counts_not_a_percentage() -> None:
    tiny = count_change(8, 3, small_count=10)  # the "+167%"
    assert tiny.pct is None
    assert not tiny.stated
    assert change_text(tiny, "en") == "3 → 8: too few to state a change"
    assert count_change(1, 1, small_count=10).pct is None  # "0%" from one against one
    big = count_change(90, 50, small_count=10)
    assert big.pct == pytest.approx(0.8)
    assert change_text(big, "en").startswith("+80% (95% interval +")
    assert change_text(big, "es").startswith("+80% (intervalo del 95%: de +")
    assert 1.0 < big.low < 1.8 < big.high


def test_a_change_across_the_nibrs_break_is_marked() -> None:
    before = (dt.date(2023, 3, 1), dt.date(2023, 3, 31))
    now = (dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert straddles(now, before, BREAK)
    assert not straddles(((dt.date(2024, 4, 1), dt.date(2024, 4, 30))), ((dt.date(2024, 3, 7), None)), BREAK)
    assert not straddles(now, before, None)
    change = count_change(40, 25, small_count=10, periods=(now, before), series_break=BREAK)
    assert change.straddles_break
    assert "recording system on" in change_text(change, "en", series_break=BREAK)
    plain = count_change(40, 25, small_count=10, periods=((dt.date(2016, 1, 1), None), (dt.date(2015, 1, 1), None)))
    assert not plain.straddles_break


@pytest.mark.app
@pytest.mark.parametrize(
    ("period", "said"),
    [
        ({"from": "2016-01-01", "to": "2016-12-31"}, "95% interval"),  # hundreds of incidents in the demo
        ({"from": "2016-06-18", "to": "2016-06-18", "cat": "homicide"}, "too few to state a change"),
    ],
)
def test_the_map_states_the_year_ago_change_with_its_uncertainty(period: dict, said: str, fresh_settings) -> None:  # type: ignore[no-untyped-def,type-arg]
    from tests.page_helpers import open_page

    at = open_page("map", {"lang": "en", **period})
    assert not at.exception, at.exception
    captions = [c.value for c in at.caption if "a year earlier" in c.value]
    assert captions, [c.value for c in at.caption]
    assert said in captions[0]
