"""The statistics of residents' survey answers: shares with score intervals, their change, and raking weights.

Shares. A yes/no question's share is the weighted proportion of yes among those who answered it
(``sum(w * yes) / sum(w)``); a missing answer (NaN, None, "don't know") is left out of both sums, and
``respondents`` counts the people who did answer. The interval is the Wilson score interval
(:func:`wilson`, Wilson 1927): the proportions ``π`` whose score test ``|p - π| / sqrt(π (1 - π) / n)``
does not reject at ``level``. Unlike the normal (Wald) interval it stays inside [0, 1], is not empty at
0 or n yes, and keeps near its nominal coverage for small samples, which is what a neighbourhood
survey has. Weighted data enter it through Kish's effective sample size (:func:`kish_n`,
``n_eff = (sum w)^2 / sum w^2``, Kish 1965): the interval is Wilson's for ``k = estimate * n_eff`` of
``n_eff``, which is the plain Wilson interval when every weight is equal, and wider the more the weights
vary (the design effect of weighting, ``n / n_eff``).

Change. The difference ``later - earlier`` of two shares from independent samples has Newcombe's hybrid
score interval (Newcombe 1998, method 10; :func:`change`), built from the two Wilson intervals
``(l1, u1)`` around ``p1`` (earlier) and ``(l2, u2)`` around ``p2`` (later), ``d = p2 - p1``::

    low  = d - sqrt((p2 - l2)^2 + (u1 - p1)^2)
    high = d + sqrt((u2 - p2)^2 + (p1 - l1)^2)

It is what ``statsmodels.stats.proportion.confint_proportions_2indep(method="newcomb")`` gives (that one
for ``p1 - p2``). Both shares should be at the same level; the interval is at theirs.

Raking (:func:`rake`). Weights are fitted by iterative proportional fitting (Deming and Stephan 1940),
as survey offices weight a sample to population margins: each sweep takes the raking variables in turn
and multiplies the weight of every respondent in a category by ``target / current`` for that category,
until every weighted margin is within ``tol`` (relative) of its target. The rules for real answers:

* a respondent who did not answer a variable is left out of that variable's step (their weight is
  unchanged in it), and that variable's margin is scaled to the answering respondents' current weight
  total, so the step keeps the total weight and the non-answerers' share of it;
* categories of a margin that no respondent is in are dropped, and that margin is re-scaled over the
  categories present (a note names them);
* a respondent in a category with no population (a margin of 0, or a category the margin lacks) cannot
  be weighted to it: :class:`~geo.core.errors.DataError` names the variable and the category;
* a variable nobody answered is skipped, with a note;
* the final weights are scaled to sum to the number of respondents (mean 1), and not converging within
  ``max_iter`` sweeps is reported (``converged`` False, a note), not raised.

Everything here is pure: no Streamlit, no files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from geo.core.errors import DataError

__all__ = ["Change", "RakeResult", "Share", "change", "kish_n", "rake", "share", "wilson"]

NAN = float("nan")
Answers: TypeAlias = ArrayLike | Sequence[object]
"""One answer a respondent: an array, a Series or a list of True/False, 1/0, and NaN/None/NA for no answer."""


def _z(level: float) -> float:
    """The two-sided normal quantile for ``level``; a level outside (0, 1) is refused."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        value = NAN
    if not 0 < value < 1:
        raise DataError(f"the confidence level must be between 0 and 1 (exclusive), not {level!r}")
    return float(stats.norm.ppf(0.5 + value / 2))


def wilson(k: float, n: float, *, level: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval ``(low, high)`` for ``k`` successes of ``n`` at ``level``.

    ``k`` and ``n`` may be non-integer (effective counts of weighted data). ``n == 0`` gives
    ``(nan, nan)``; the bounds are clamped to [0, 1]. ``k < 0``, ``k > n`` or a level outside (0, 1)
    raise :class:`~geo.core.errors.DataError`.
    """
    z = _z(level)
    k, n = float(k), float(n)
    if not (math.isfinite(k) and math.isfinite(n)):
        raise DataError(f"a Wilson interval needs finite counts, not k={k!r}, n={n!r}")
    if k < 0 or k > n:
        raise DataError(f"a Wilson interval needs 0 <= k <= n, not k={k!r}, n={n!r}")
    if n == 0:
        return NAN, NAN
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if k == 0 else max(0.0, centre - half)  # exactly 0 and 1 at the ends (rounding can miss them)
    high = 1.0 if k == n else min(1.0, centre + half)
    return low, high


def _weights(weights: ArrayLike, what: str = "weights") -> NDArray[np.float64]:
    """``weights`` as a 1-D float array; non-finite or negative weights are refused."""
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be numbers: {exc}") from exc
    if w.ndim != 1:
        w = w.reshape(-1)
    if not np.isfinite(w).all():
        raise DataError(f"{what} must be finite numbers (no NaN or infinity)")
    if (w < 0).any():
        raise DataError(f"{what} cannot be negative (the smallest is {float(w.min())!r})")
    return w


def kish_n(weights: ArrayLike) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 for no weights or all-zero weights).

    Negative or non-finite weights raise :class:`~geo.core.errors.DataError`.
    """
    w = _weights(weights)
    squares = float(np.sum(w * w))
    if w.size == 0 or squares == 0:
        return 0.0
    total = float(np.sum(w))
    return total * total / squares


@dataclass(frozen=True)
class Share:
    """A share (fraction 0..1) of those who answered, with its Wilson interval and how many answered.

    ``respondents`` is the unweighted number who answered; ``n_eff`` Kish's effective sample size of their
    weights (``respondents`` when unweighted); ``weighted`` whether weights were given.
    """

    estimate: float
    low: float
    high: float
    respondents: int
    n_eff: float
    weighted: bool


def _answers(yes: Answers) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Which answers were given (NaN/None/NA are not) and the given ones as 0.0/1.0."""
    arr = np.asarray(yes, dtype=object)
    if arr.ndim != 1:
        raise DataError(f"answers must be a 1-D sequence, not of shape {arr.shape}")
    values = pd.Series(arr, dtype=object)
    answered = values.notna().to_numpy(dtype=bool)
    try:
        given = values[answered].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"answers must be yes/no (True/False or 1/0) or missing: {exc}") from exc
    if not np.isin(given, (0.0, 1.0)).all():
        odd = sorted({float(v) for v in given if v not in (0.0, 1.0)})[:3]
        raise DataError(f"answers must be yes/no (True/False or 1/0) or missing, not {odd}")
    return answered, given


def share(yes: Answers, *, weights: ArrayLike | None = None, level: float = 0.95) -> Share:
    """The (weighted) share of yes among those who answered, with its Wilson interval on Kish's n.

    ``yes`` holds one answer a respondent: True/1, False/0, or NaN/None for no answer (left out).
    ``weights`` (one a respondent, non-negative) make it ``sum(w * yes) / sum(w)`` over those who
    answered, with the interval of :func:`wilson` for ``k = estimate * n_eff`` of ``n_eff`` (Kish's
    effective size of the answering weights); equal weights give the unweighted share and interval.
    No answers (or answering weights all zero) give nan estimate and interval.
    """
    _z(level)  # refuse a bad level even when nobody answered
    answered, given = _answers(yes)
    respondents = int(answered.sum())
    if weights is None:
        w = np.ones(respondents)
    else:
        all_w = _weights(weights)
        if all_w.size != answered.size:
            raise DataError(f"{all_w.size} weights for {answered.size} answers: give one weight a respondent")
        w = all_w[answered]
    total = float(w.sum())
    if respondents == 0 or total == 0:
        return Share(NAN, NAN, NAN, respondents, 0.0, weights is not None)
    if np.all(w == w[0]):  # equal weights: exactly the unweighted share
        estimate, n_eff = float(given.mean()), float(respondents)
    else:
        estimate, n_eff = float(np.dot(w, given)) / total, kish_n(w)
    k = min(max(estimate * n_eff, 0.0), n_eff)
    low, high = wilson(k, n_eff, level=level)
    return Share(estimate, low, high, respondents, n_eff, weights is not None)


@dataclass(frozen=True)
class Change:
    """The difference ``later - earlier`` of two shares, with Newcombe's hybrid score interval."""

    estimate: float
    low: float
    high: float
    earlier: Share
    later: Share


def change(earlier: Share, later: Share) -> Change:
    """Newcombe's hybrid score interval (1998, method 10) for ``later.estimate - earlier.estimate``.

    Built from the two shares' Wilson intervals (take both at one level); nan when either side has
    no respondents.
    """
    p1, l1, u1 = earlier.estimate, earlier.low, earlier.high
    p2, l2, u2 = later.estimate, later.low, later.high
    values = (p1, l1, u1, p2, l2, u2)
    if earlier.respondents == 0 or later.respondents == 0 or not all(math.isfinite(v) for v in values):
        return Change(NAN, NAN, NAN, earlier, later)
    d = p2 - p1
    low = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return Change(d, low, high, earlier, later)


@dataclass(frozen=True, eq=False)
class RakeResult:
    """Raking weights (one a respondent, mean 1, read-only) and how the fit went.

    ``variables`` are the raking variables used (in order), ``notes`` plain-English remarks (categories
    dropped, variables skipped, no convergence), ``design_effect`` Kish's ``n / n_eff`` of the weights.
    """

    weights: NDArray[np.float64]
    converged: bool
    iterations: int
    variables: tuple[str, ...]
    notes: tuple[str, ...]
    design_effect: float


@dataclass(frozen=True)
class _Variable:
    """One raking variable: who answered it, their category codes, and each category's target share."""

    name: str
    answered: NDArray[np.bool_]
    codes: NDArray[np.intp]
    targets: NDArray[np.float64]


def _margin_counts(name: str, margin: Mapping[Any, float]) -> dict[Any, float]:
    """The margin as plain floats; negative or non-finite counts are refused."""
    counts: dict[Any, float] = {}
    for category, count in margin.items():
        try:
            value = float(count)
        except (TypeError, ValueError) as exc:
            raise DataError(f"the population margin of '{name}' for {category!r} is not a number: {count!r}") from exc
        if not math.isfinite(value) or value < 0:
            raise DataError(f"the population margin of '{name}' for {category!r} must be a count >= 0, not {count!r}")
        counts[category] = value
    return counts


def _variable(sample: pd.DataFrame, name: str, margin: Mapping[Any, float]) -> tuple[_Variable | None, list[str]]:
    """Prepare one raking variable: codes of the answering respondents and the targets of the categories present.

    Returns ``None`` (with a note) for a variable nobody answered.
    """
    if name not in sample.columns:
        raise DataError(f"the sample has no column '{name}' to rake on (it has {', '.join(map(str, sample.columns))})")
    counts = _margin_counts(name, margin)
    column = sample[name]
    answered = column.notna().to_numpy(dtype=bool)
    if not answered.any():
        return None, [f"Nobody answered '{name}', so it was not used for raking."]
    codes_answered, uniques = pd.factorize(column[answered], sort=False)
    present = list(uniques)
    targets = np.empty(len(present))
    for i, category in enumerate(present):
        population = counts.get(category, 0.0)
        if population <= 0:
            why = "0 people" if category in counts else "no entry"
            raise DataError(
                f"respondents answered '{name}' = {category!r}, but the population margin of '{name}' has {why} "
                f"for {category!r}: give it a population or recode those answers"
            )
        targets[i] = population
    seen = set(present)
    missing = [c for c, v in counts.items() if v > 0 and c not in seen]
    notes = []
    if missing:
        listed = ", ".join(repr(c) for c in missing)
        notes.append(
            f"No respondent is in {listed} of '{name}': dropped, and the margin of '{name}' re-scaled over the "
            "categories present."
        )
    codes = np.full(answered.size, -1, dtype=np.intp)
    codes[answered] = codes_answered
    return _Variable(name, answered, codes, targets / targets.sum()), notes


def _sweep(w: NDArray[np.float64], variables: list[_Variable]) -> None:
    """One pass of iterative proportional fitting over ``variables``, in place."""
    for var in variables:
        codes = var.codes[var.answered]
        current = np.bincount(codes, weights=w[var.answered], minlength=var.targets.size)
        factor = var.targets * current.sum() / current
        w[var.answered] *= factor[codes]


def _gap(w: NDArray[np.float64], variables: list[_Variable]) -> float:
    """The largest relative gap ``|current / target - 1|`` of any category of any variable."""
    worst = 0.0
    for var in variables:
        current = np.bincount(var.codes[var.answered], weights=w[var.answered], minlength=var.targets.size)
        wanted = var.targets * current.sum()
        worst = max(worst, float(np.max(np.abs(current / wanted - 1))))
    return worst


def rake(
    sample: pd.DataFrame,
    margins: Mapping[str, Mapping[Any, float]],
    *,
    base: ArrayLike | None = None,
    max_iter: int = 100,
    tol: float = 1e-8,
) -> RakeResult:
    """Raking weights (iterative proportional fitting) that make the sample's weighted margins match ``margins``.

    ``sample`` has one column a raking variable, of category labels (NaN: not answered);
    ``margins[variable][category]`` is that category's population (any scale: each margin is used as
    shares). ``base`` are starting (design) weights, positive, one a respondent (default all 1).

    Rules: a respondent who did not answer a variable keeps their weight in that variable's step, whose
    margin is scaled to the answering respondents' current weight total; margin categories that no
    respondent is in are dropped and the margin re-scaled over those present (a note names them); a
    respondent in a category with no population (0 or absent from the margin) raises
    :class:`~geo.core.errors.DataError` naming the variable and category; a variable nobody answered is
    skipped with a note. Sweeps stop when every weighted margin is within ``tol`` (relative) of its
    target, or after ``max_iter`` sweeps (then ``converged`` is False, with a note). The final weights
    sum to the number of respondents.
    """
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 0:
        raise DataError(f"max_iter must be a whole number >= 0, not {max_iter!r}")
    if isinstance(tol, bool) or not (isinstance(tol, int | float) and math.isfinite(tol) and tol >= 0):
        raise DataError(f"tol must be a number >= 0, not {tol!r}")
    n = len(sample)
    if n == 0:
        raise DataError("the sample has no respondents to weight")
    w = np.ones(n) if base is None else _weights(base, "base weights").copy()
    if w.size != n:
        raise DataError(f"{w.size} base weights for {n} respondents: give one weight a respondent")
    if (w <= 0).any():
        raise DataError("base weights must be positive: a respondent of weight 0 cannot be raked")
    variables: list[_Variable] = []
    notes: list[str] = []
    for name, margin in margins.items():
        var, var_notes = _variable(sample, name, margin)
        notes.extend(var_notes)
        if var is not None:
            variables.append(var)
    iterations = 0
    gap = _gap(w, variables)
    while gap > tol and iterations < max_iter:
        _sweep(w, variables)
        iterations += 1
        gap = _gap(w, variables)
    converged = gap <= tol
    if not converged:
        notes.append(
            f"Raking did not converge within {max_iter} iterations: a weighted margin is still {gap:.2%} "
            "off its target."
        )
    w *= n / w.sum()
    w.setflags(write=False)
    return RakeResult(w, converged, iterations, tuple(v.name for v in variables), tuple(notes), n / kish_n(w))
