"""Survey statistics: Wilson and Newcombe intervals against statsmodels, Kish's n by hand, raking against ipfn."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from ipfn.ipfn import ipfn  # the package's module of the same name holds the class
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from geo.core.errors import DataError
from geo.survey.scores import Change, RakeResult, Share, change, kish_n, rake, share, wilson

LEVELS = (0.95, 0.80)


def _wilson_by_roots(k: float, n: float, level: float) -> tuple[float, float]:
    """Wilson's interval as the two roots of (p - π)^2 = z^2 π (1 - π) / n, i.e. (n + z²)π² - (2k + z²)π + k²/n = 0."""
    z = stats.norm.ppf(1 - (1 - level) / 2)
    a, b, c = n + z * z, -(2 * k + z * z), k * k / n
    roots = np.roots([a, b, c]).real
    return float(roots.min()), float(roots.max())


def _answers(k: int, n: int) -> np.ndarray:
    return np.concatenate([np.ones(k), np.zeros(n - k)])


# --- Wilson -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("n", [1, 2, 5, 10, 37, 250])
def test_wilson_equals_statsmodels_over_a_grid(n: int, level: float) -> None:
    for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
        want = proportion_confint(k, n, alpha=1 - level, method="wilson")
        got = wilson(k, n, level=level)
        assert got == pytest.approx(want, abs=1e-12), (k, n, level)
        assert 0.0 <= got[0] <= k / n <= got[1] <= 1.0


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("k", "n"), [(2.5, 7.3), (0.3, 1.7), (11.2, 40.9), (3.9, 4.0), (0.1, 0.25)])
def test_wilson_with_effective_counts_equals_the_quadratic_roots(k: float, n: float, level: float) -> None:
    assert wilson(k, n, level=level) == pytest.approx(_wilson_by_roots(k, n, level), abs=1e-12)


def test_wilson_ends_and_empty() -> None:
    low, high = wilson(0, 4.5)
    assert low == 0.0
    assert high == pytest.approx(_wilson_by_roots(0, 4.5, 0.95)[1], abs=1e-12)
    low, high = wilson(4.5, 4.5)
    assert high == 1.0
    assert low == pytest.approx(_wilson_by_roots(4.5, 4.5, 0.95)[0], abs=1e-12)
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_wilson_is_wider_at_a_higher_level() -> None:
    narrow, wide = wilson(7, 20, level=0.8), wilson(7, 20, level=0.99)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


@pytest.mark.parametrize(("k", "n"), [(-1, 5), (6, 5), (0.5, 0.4), (float("nan"), 3), (1, float("inf"))])
def test_wilson_refuses_impossible_counts(k: float, n: float) -> None:
    with pytest.raises(DataError):
        wilson(k, n)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, float("nan"), "high"])
def test_a_level_outside_zero_one_is_refused(level: object) -> None:
    with pytest.raises(DataError, match="level"):
        wilson(3, 10, level=level)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="level"):
        share([1, 0, 1], level=level)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="level"):
        share([None], level=level)  # type: ignore[arg-type]


# --- Kish -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "want"),
    [
        ([1, 1, 1, 1], 4.0),
        ([2.5] * 7, 7.0),
        ([1, 2, 3], 36 / 14),
        ([2, 2, 0], 2.0),
        ([5], 1.0),
        ([1, 1, 1, 1, 4], 64 / 20),
        ([], 0.0),
        ([0, 0], 0.0),
    ],
)
def test_kish_n_known_values(weights: list[float], want: float) -> None:
    assert kish_n(weights) == pytest.approx(want, rel=1e-12)
    assert kish_n(np.asarray(weights, dtype=float) * 13.0) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("weights", [[1, -0.5, 2], [1, float("nan")], [float("inf")]])
def test_kish_n_refuses_negative_and_non_finite_weights(weights: list[float]) -> None:
    with pytest.raises(DataError):
        kish_n(weights)


# --- share ------------------------------------------------------------------------------------------------------


def test_share_unweighted_is_the_wilson_interval_of_the_count() -> None:
    got = share(_answers(13, 40))
    low, high = proportion_confint(13, 40, alpha=0.05, method="wilson")
    assert got.estimate == pytest.approx(13 / 40, abs=1e-15)
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-12)
    assert (got.respondents, got.n_eff, got.weighted) == (40, 40.0, False)


def test_share_with_equal_weights_equals_unweighted() -> None:
    rng = np.random.default_rng(7)
    yes = rng.integers(0, 2, 53).astype(float)
    yes[rng.choice(53, 9, replace=False)] = np.nan
    plain = share(yes, level=0.9)
    weighted = share(yes, weights=np.full(53, 3.7), level=0.9)
    assert (weighted.estimate, weighted.low, weighted.high) == (plain.estimate, plain.low, plain.high)
    assert weighted.respondents == plain.respondents == 44
    assert weighted.n_eff == plain.n_eff == 44.0
    assert weighted.weighted
    assert not plain.weighted


def test_share_weighted_small_example_by_hand() -> None:
    yes = np.array([1, 0, 1, np.nan, 0, 1])
    w = np.array([2.0, 1.0, 1.0, 5.0, 4.0, 0.5])
    got = share(yes, weights=w)
    answered = ~np.isnan(yes)
    wa, ya = w[answered], yes[answered]
    estimate = float(np.sum(wa * ya) / np.sum(wa))  # (2 + 1 + 0.5) / 8.5
    n_eff = float(np.sum(wa) ** 2 / np.sum(wa**2))  # 8.5² / 22.25
    low, high = _wilson_by_roots(estimate * n_eff, n_eff, 0.95)
    assert got.estimate == pytest.approx(3.5 / 8.5, rel=1e-12)
    assert got.estimate == pytest.approx(estimate, rel=1e-12)
    assert got.n_eff == pytest.approx(n_eff, rel=1e-12)
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-12)
    assert got.respondents == 5
    # the weighted interval is wider than one on the raw count of the same share (the design effect)
    raw = wilson(got.estimate * 5, 5)
    assert got.high - got.low > raw[1] - raw[0]


def test_share_does_not_depend_on_the_scale_of_the_weights_or_on_non_answerers_weights() -> None:
    yes = [1, 0, 1, None, 0, 1]
    w = np.array([2.0, 1.0, 1.0, 5.0, 4.0, 0.5])
    base = share(yes, weights=w)
    scaled = share(yes, weights=w * 1000)
    other = share(yes, weights=np.where(np.arange(6) == 3, 99.0, w))
    for s in (scaled, other):
        assert (s.estimate, s.low, s.high, s.n_eff) == pytest.approx(
            (base.estimate, base.low, base.high, base.n_eff), rel=1e-12
        )


def test_share_leaves_out_missing_answers_of_every_kind() -> None:
    with_missing = share([True, False, None, np.nan, True, pd.NA, 1, 0.0])
    answered_only = share([1, 0, 1, 1, 0])
    assert with_missing == answered_only
    assert with_missing.respondents == 5
    assert with_missing.estimate == pytest.approx(3 / 5)
    nullable = share(pd.array([True, pd.NA, False, True], dtype="boolean"))
    assert nullable == share([1, 0, 1])


def test_share_with_no_answers_is_nan() -> None:
    for got in (share([None, np.nan]), share([]), share([np.nan, 1.0], weights=[1.0, 0.0])):
        assert math.isnan(got.estimate)
        assert math.isnan(got.low)
        assert math.isnan(got.high)
    assert share([None, np.nan]).respondents == 0
    assert share([np.nan, 1.0], weights=[1.0, 0.0]).respondents == 1


@pytest.mark.parametrize("yes", [[1, 2, 0], ["yes", "no"], [0.5]])
def test_share_refuses_answers_that_are_not_yes_or_no(yes: list[object]) -> None:
    with pytest.raises(DataError, match="yes/no"):
        share(yes)


def test_share_refuses_bad_weights() -> None:
    with pytest.raises(DataError, match="negative"):
        share([1, 0, 1], weights=[1.0, -1.0, 1.0])
    with pytest.raises(DataError, match="one weight a respondent"):
        share([1, 0, 1], weights=[1.0, 1.0])


# --- change -----------------------------------------------------------------------------------------------------

PAIRS = [(12, 40, 20, 45), (0, 10, 3, 12), (5, 5, 2, 9), (0, 1, 1, 1), (7, 100, 7, 100), (30, 60, 10, 25), (3, 3, 0, 4)]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize(("k1", "n1", "k2", "n2"), PAIRS)
def test_change_equals_statsmodels_newcombe(k1: int, n1: int, k2: int, n2: int, level: float) -> None:
    earlier, later = share(_answers(k1, n1), level=level), share(_answers(k2, n2), level=level)
    got = change(earlier, later)
    # statsmodels gives the interval of p1 - p2: put the later sample first for later - earlier
    low, high = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=1 - level)
    assert got.estimate == pytest.approx(k2 / n2 - k1 / n1, abs=1e-12)
    assert (got.low, got.high) == pytest.approx((low, high), abs=1e-12)
    assert got.low <= got.estimate <= got.high
    assert (got.earlier, got.later) == (earlier, later)


def test_change_sign_is_later_minus_earlier() -> None:
    got = change(share(_answers(10, 50)), share(_answers(40, 50)))
    assert got.estimate == pytest.approx(0.6)
    assert got.low > 0
    reverse = change(share(_answers(40, 50)), share(_answers(10, 50)))
    assert (reverse.low, reverse.high) == pytest.approx((-got.high, -got.low), abs=1e-12)


def test_change_is_nan_when_a_side_has_no_respondents() -> None:
    empty, some = share([None, np.nan]), share([1, 0, 1])
    for got in (change(empty, some), change(some, empty)):
        assert isinstance(got, Change)
        assert math.isnan(got.estimate)
        assert math.isnan(got.low)
        assert math.isnan(got.high)


# --- raking -----------------------------------------------------------------------------------------------------


def _weighted_shares(sample: pd.DataFrame, weights: np.ndarray, column: str) -> pd.Series:
    answered = sample[column].notna()
    totals = pd.Series(weights[answered.to_numpy()], index=sample.index[answered]).groupby(sample[column]).sum()
    return totals / totals.sum()


def _target_shares(margin: dict[str, float]) -> pd.Series:
    s = pd.Series(margin, dtype=float)
    return s / s.sum()


def test_rake_one_variable_weights_are_population_share_over_sample_share() -> None:
    sample = pd.DataFrame({"age": ["18-34"] * 2 + ["35-64"] * 5 + ["65+"] * 3})
    margins = {"age": {"18-34": 3000, "35-64": 5000, "65+": 2000}}
    got = rake(sample, margins)
    population = {"18-34": 0.3, "35-64": 0.5, "65+": 0.2}
    in_sample = {"18-34": 0.2, "35-64": 0.5, "65+": 0.3}
    want = np.array([population[c] / in_sample[c] for c in sample["age"]])
    np.testing.assert_allclose(got.weights, want, rtol=1e-12)
    assert isinstance(got, RakeResult)
    assert (got.converged, got.iterations, got.variables, got.notes) == (True, 1, ("age",), ())
    assert got.weights.sum() == pytest.approx(len(sample))
    assert got.design_effect == pytest.approx(len(want) * np.sum(want**2) / np.sum(want) ** 2, rel=1e-12)
    with pytest.raises(ValueError, match="read-only"):
        got.weights[0] = 2.0


def _two_variable_sample() -> pd.DataFrame:
    """200 respondents whose age and area are associated (the young in the north), so raking needs several sweeps."""
    rng = np.random.default_rng(2024)
    age = rng.choice(["18-34", "35-64", "65+"], 200, p=[0.25, 0.45, 0.30])
    north = np.where(age == "18-34", 0.6, 0.25)
    area = np.where(rng.random(200) < north, "north", rng.choice(["south", "east", "west"], 200))
    return pd.DataFrame({"age": age, "area": area})


MARGINS = {
    "age": {"18-34": 4000.0, "35-64": 4500.0, "65+": 1500.0},
    "area": {"north": 2000.0, "south": 3500.0, "east": 2500.0, "west": 2000.0},
}


def test_rake_two_variables_matches_the_margins_and_ipfn() -> None:
    sample = _two_variable_sample()
    got = rake(sample, MARGINS, tol=1e-12, max_iter=500)
    assert got.converged
    assert got.iterations > 1
    assert got.variables == ("age", "area")
    for column, margin in MARGINS.items():
        want = _target_shares(margin)
        have = _weighted_shares(sample, got.weights, column).reindex(want.index)
        np.testing.assert_allclose(have.to_numpy(), want.to_numpy(), atol=1e-6)
    # ipfn rakes the sample's cell table (age x area) to the same margins (population scale)
    ages, areas = list(MARGINS["age"]), list(MARGINS["area"])
    cells = pd.crosstab(sample["age"], sample["area"]).reindex(index=ages, columns=areas).to_numpy(dtype=float)
    assert (cells > 0).all()
    aggregates = [np.array(list(MARGINS["age"].values())), np.array(list(MARGINS["area"].values()))]
    fitted = ipfn(cells.copy(), aggregates, [[0], [1]], convergence_rate=1e-13, max_iteration=2000, rate_tolerance=0)
    reference = fitted.iteration()
    population = sum(MARGINS["age"].values())
    cell_weights = pd.Series(got.weights).groupby([sample["age"], sample["area"]]).sum().unstack()
    ours = cell_weights.reindex(index=ages, columns=areas).to_numpy() * population / len(sample)
    np.testing.assert_allclose(ours, reference, rtol=1e-6)
    # everyone in one cell carries one weight
    spread = pd.Series(got.weights).groupby([sample["age"], sample["area"]]).agg(np.ptp)
    assert spread.max() < 1e-12


def test_rake_leaves_non_answerers_out_of_a_step() -> None:
    sample = pd.DataFrame({"tenure": ["own", "own", "own", "rent", None, np.nan, "rent", "own"]})
    got = rake(sample, {"tenure": {"own": 40, "rent": 60}})
    answered = sample["tenure"].notna().to_numpy()
    # the answering respondents share their own weight total (6) as the margin says; the others keep weight 1
    n_ans, counts = 6, {"own": 4, "rent": 2}
    share_of = {"own": 0.4, "rent": 0.6}
    want = np.array([share_of[c] * n_ans / counts[c] if isinstance(c, str) else 1.0 for c in sample["tenure"]])
    np.testing.assert_allclose(got.weights, want, rtol=1e-12)
    np.testing.assert_allclose(got.weights[~answered], 1.0, rtol=1e-12)
    assert got.notes == ()


def test_rake_with_missing_answers_on_two_variables_matches_each_margin_among_its_answerers() -> None:
    sample = _two_variable_sample()
    rng = np.random.default_rng(5)
    sample.loc[rng.choice(200, 30, replace=False), "area"] = np.nan
    sample.loc[rng.choice(200, 10, replace=False), "age"] = None
    got = rake(sample, MARGINS, tol=1e-12, max_iter=500)
    assert got.converged
    for column, margin in MARGINS.items():
        want = _target_shares(margin)
        have = _weighted_shares(sample, got.weights, column).reindex(want.index)
        np.testing.assert_allclose(have.to_numpy(), want.to_numpy(), atol=1e-6)
    assert got.weights.sum() == pytest.approx(200)
    # answering neither variable: untouched by every step, so all such respondents share one weight
    neither = sample["age"].isna() & sample["area"].isna()
    if neither.sum() > 1:
        assert np.ptp(got.weights[neither.to_numpy()]) < 1e-12


def test_rake_drops_a_category_nobody_is_in_with_a_note() -> None:
    sample = _two_variable_sample()
    with_absent = {"age": {**MARGINS["age"], "under 18": 2500.0}, "area": MARGINS["area"]}
    got = rake(sample, with_absent, tol=1e-12, max_iter=500)
    plain = rake(sample, MARGINS, tol=1e-12, max_iter=500)
    np.testing.assert_allclose(got.weights, plain.weights, rtol=1e-12)
    assert len(got.notes) == 1
    assert "'under 18'" in got.notes[0]
    assert "'age'" in got.notes[0]
    assert plain.notes == ()


def test_rake_skips_a_variable_nobody_answered_with_a_note() -> None:
    sample = pd.DataFrame({"age": ["a", "b", "b", "b"], "income": [np.nan] * 4})
    got = rake(sample, {"age": {"a": 1, "b": 1}, "income": {"low": 5, "high": 5}})
    assert got.variables == ("age",)
    assert any("income" in note for note in got.notes)
    np.testing.assert_allclose(got.weights, [2.0, 2 / 3, 2 / 3, 2 / 3], rtol=1e-12)


@pytest.mark.parametrize(
    "margin",
    [{"own": 50.0, "rent": 0.0}, {"own": 50.0}],
    ids=["zero population", "absent from the margin"],
)
def test_rake_refuses_a_respondent_in_a_category_without_population(margin: dict[str, float]) -> None:
    sample = pd.DataFrame({"tenure": ["own", "rent", "own"]})
    with pytest.raises(DataError, match=r"'tenure'.*'rent'"):
        rake(sample, {"tenure": margin})


def test_rake_that_runs_out_of_iterations_says_so() -> None:
    sample = _two_variable_sample()
    got = rake(sample, MARGINS, max_iter=1)
    assert not got.converged
    assert got.iterations == 1
    assert any("did not converge" in note for note in got.notes)
    assert got.weights.sum() == pytest.approx(200)
    none = rake(sample, MARGINS, max_iter=0)
    assert (none.converged, none.iterations) == (False, 0)
    np.testing.assert_allclose(none.weights, 1.0)


def test_rake_keeps_the_base_weights_within_a_category() -> None:
    sample = pd.DataFrame({"sex": ["f", "f", "m", "m", "m"]})
    base = np.array([1.0, 3.0, 2.0, 2.0, 4.0])
    got = rake(sample, {"sex": {"f": 1, "m": 1}}, base=base)
    assert got.weights[1] / got.weights[0] == pytest.approx(3.0)
    assert got.weights[4] / got.weights[2] == pytest.approx(2.0)
    have = _weighted_shares(sample, got.weights, "sex")
    np.testing.assert_allclose(have.to_numpy(), [0.5, 0.5], rtol=1e-12)
    assert got.weights.sum() == pytest.approx(5)


def test_rake_matches_numeric_category_labels() -> None:
    sample = pd.DataFrame({"ward": [1, 2, 2, np.nan]})  # float column because of the NaN
    got = rake(sample, {"ward": {1: 30, 2: 30}})
    np.testing.assert_allclose(got.weights, [1.5, 0.75, 0.75, 1.0], rtol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"margins": {"age": {"a": 1, "b": 1}, "zone": {"x": 1}}}, "no column 'zone'"),
        ({"margins": {"age": {"a": 1, "b": -2}}}, ">= 0"),
        ({"margins": {"age": {"a": 1, "b": 1}}, "base": [1.0, 0.0, 1.0]}, "positive"),
        ({"margins": {"age": {"a": 1, "b": 1}}, "base": [1.0, 1.0]}, "3 respondents"),
        ({"margins": {"age": {"a": 1, "b": 1}}, "max_iter": -1}, "max_iter"),
        ({"margins": {"age": {"a": 1, "b": 1}}, "tol": float("nan")}, "tol"),
    ],
)
def test_rake_refuses_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    sample = pd.DataFrame({"age": ["a", "b", "b"]})
    with pytest.raises(DataError, match=match):
        rake(sample, **kwargs)  # type: ignore[arg-type]


def test_share_of_raked_weights() -> None:
    """The pieces together: a share weighted by raking moves towards the population's mix."""
    sample = pd.DataFrame({"age": ["young"] * 8 + ["old"] * 2})
    feels_safe = np.r_[np.zeros(8), np.ones(2)]  # only the old feel safe
    got = rake(sample, {"age": {"young": 50, "old": 50}})
    weighted = share(feels_safe, weights=got.weights)
    assert weighted.estimate == pytest.approx(0.5)
    assert weighted.n_eff == pytest.approx(kish_n(got.weights))
    assert isinstance(weighted, Share)
    assert weighted.weighted
