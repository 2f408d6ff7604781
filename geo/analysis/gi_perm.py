"""Conditional permutation inference for Gi* (binary weights including self), vectorised.

This is the conditional randomisation of Anselin (1995) as ``esda.G_Local`` computes it:
for each cell ``i`` its own value is held fixed and its ``k_i`` neighbours are replaced by
``k_i`` values drawn without replacement from the other ``n - 1`` cells. The pseudo p-value
is esda's ``p_sim`` ("directed"): with ``L`` the number of simulated local sums at or above
the observed one, ``p_sim = (min(L, P - L) + 1) / (P + 1)`` for ``P`` permutations. It is
one-sided in the direction of the observed value. esda counts ties with the simulations
*at or above* the observed value, so a cell at the lowest possible sum (an empty window on
sparse counts, where most simulations tie with it) gets the smallest ``p_sim`` although it is
not unusual at all. The two-sided p used for the 90/95/99 % classes counts ties on both
sides: ``p = min(1, 2 min(#{sim >= obs} + 1, #{sim <= obs} + 1) / (P + 1))``; without ties
it equals ``min(1, 2 p_sim)``.

Cost: as in esda, one set of ``max k`` random positions is drawn per permutation and shared
by every cell (shifted to skip the cell itself). Since ``x[pos + (pos >= i)] = x[pos] +
[i <= pos] (x[pos + 1] - x[pos])``, each permutation's sums for every cell are one shared
number plus a step function of ``i``, built with one cumulative sum along the cells: a few
passes over ``cells x permutations`` integers per distinct neighbour count (10k cells x 999
permutations in about half a second on an idle 2-core machine).

Monte Carlo error. With ``c = min(#{sim >= obs}, #{sim <= obs})`` of ``P`` permutations, the p used
estimates twice a binomial proportion: its standard error is ``2 sqrt(pi (1 - pi) / P)`` with
``pi = (c + 1) / (P + 1)`` (:func:`mc_error`), and :func:`mc_interval` gives the range in which the
p of unlimited permutations lies (twice the Clopper-Pearson interval of ``c / P``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from geo.core.errors import AnalysisError
from geo.core.i18n import t

MAX_PERMUTATIONS = 99_999
CHUNK_ELEMENTS = 2_000_000  # cells x permutations per chunk (keeps the work in cache)
CLASS_LEVELS: tuple[tuple[int, float], ...] = ((3, 0.01), (2, 0.05), (1, 0.10))
"""Gi* classes and their two-sided levels: 3 = 99 %, 2 = 95 %, 1 = 90 % (negative: cold)."""


def _draw_positions(n_others: int, k: int, permutations: int, rng: np.random.Generator) -> NDArray[np.int64]:
    """``(permutations, k)`` positions in ``0..n_others-1``, distinct within a row, random order.

    Floyd's algorithm vectorised over rows, then each row shuffled (Floyd's sets are uniform
    but their order is not, and a cell with fewer neighbours uses the first columns).
    """
    out = np.empty((permutations, k), dtype=np.int64)
    for s in range(k):
        j = n_others - k + s
        draw = rng.integers(0, j + 1, size=permutations)
        dup = (out[:, :s] == draw[:, None]).any(axis=1) if s else np.zeros(permutations, dtype=bool)
        out[:, s] = np.where(dup, j, draw)
    order = np.argsort(rng.random((permutations, k)), axis=1)
    return np.take_along_axis(out, order, axis=1)


def check_permutations(permutations: object) -> int:
    """An integer number of permutations in 1..99,999, or :class:`AnalysisError`."""
    if not isinstance(permutations, int | np.integer) or isinstance(permutations, bool):
        msg = f"permutations must be an integer 1..{MAX_PERMUTATIONS}, got {permutations!r}"
        raise AnalysisError(msg)
    if not 1 <= int(permutations) <= MAX_PERMUTATIONS:
        msg = f"permutations must be an integer 1..{MAX_PERMUTATIONS}, got {permutations!r}"
        raise AnalysisError(msg)
    return int(permutations)


def permutation_tails(
    values: NDArray[np.float64],
    neighbour_sum: NDArray[np.float64],
    cardinality: NDArray[np.int64],
    *,
    permutations: int,
    seed: int,
    stream: int = 0,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """How many of ``permutations`` simulated neighbour sums lie at or above / at or below the observed one.

    Parameters
    ----------
    values, neighbour_sum, cardinality
        As :func:`permutation_p`.
    permutations
        Number of permutations.
    seed, stream
        The generator: stream 0 is ``default_rng(seed)`` (the draws :func:`permutation_p` uses); stream ``s > 0``
        is ``default_rng([seed, s])``, independent of it, so further permutations add to a first run.

    Returns
    -------
    (larger, smaller)
        Counts per cell (both 0 for a cell with no neighbour).
    """
    perms = check_permutations(permutations)
    x = np.asarray(values, dtype=float).ravel()
    lag = np.asarray(neighbour_sum, dtype=float).ravel()
    card = np.asarray(cardinality, dtype=np.int64).ravel()
    n = x.size
    if not (lag.size == card.size == n):
        msg = f"values, neighbour_sum and cardinality must be equally long, got {n}, {lag.size}, {card.size}"
        raise AnalysisError(msg)
    larger = np.zeros(n, dtype=np.int64)
    smaller = np.zeros(n, dtype=np.int64)
    if n < 2 or card.max(initial=0) <= 0:
        return larger, smaller
    k_max = int(min(card.max(), n - 1))
    card = np.minimum(card, n - 1)
    rng = np.random.default_rng(seed if stream == 0 else [seed, stream])
    ids = _draw_positions(n - 1, k_max, perms, rng)
    integral = bool(np.all(x == np.round(x))) and float(np.abs(x).max(initial=0)) < 2**30
    dtype: type[np.number[Any]] = np.int64 if integral else np.float64
    xv: NDArray[Any] = x.astype(dtype)
    obs: NDArray[Any] = lag.astype(dtype)
    # x[pos + (pos >= i)] = x[pos] + [i <= pos] (x[pos + 1] - x[pos]): a part shared by every cell
    # and a step in i, summed for all cells at once with a cumulative sum along the cells.
    step_up: NDArray[Any] = np.append(np.diff(xv), 0).astype(dtype)
    rows = max(1, CHUNK_ELEMENTS // n)
    for k in np.unique(card[card > 0]):
        cells = np.flatnonzero(card == k)
        for lo in range(0, perms, rows):
            pos = ids[lo : lo + rows, : int(k)]
            r = np.arange(pos.shape[0])
            shared = xv[pos].sum(axis=1)
            steps: NDArray[Any] = np.zeros((pos.shape[0], n), dtype=dtype)
            steps[:, 0] = step_up[pos].sum(axis=1)
            for j in range(int(k)):  # positions are distinct within a row: plain assignment is exact
                steps[r, pos[:, j] + 1] -= step_up[pos[:, j]]
            sims = np.cumsum(steps, axis=1)[:, cells] + shared[:, None]
            larger[cells] += (sims >= obs[cells]).sum(axis=0)
            smaller[cells] += (sims <= obs[cells]).sum(axis=0)
    return larger, smaller


def tail_p(
    larger: NDArray[np.int64], smaller: NDArray[np.int64], cardinality: NDArray[np.int64], permutations: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """esda's ``p_sim`` and the two-sided p (ties on both sides) from the tail counts of ``permutations``."""
    perms = int(permutations)
    card = np.asarray(cardinality).ravel()
    low = (perms - larger) < larger
    folded = np.where(low, perms - larger, larger)
    p_sim = (folded + 1.0) / (perms + 1.0)
    p_two = np.minimum(1.0, 2.0 * (np.minimum(larger, smaller) + 1.0) / (perms + 1.0))
    return np.where(card > 0, p_sim, 1.0), np.where(card > 0, p_two, 1.0)


def permutation_p(
    values: NDArray[np.float64],
    neighbour_sum: NDArray[np.float64],
    cardinality: NDArray[np.int64],
    *,
    permutations: int,
    seed: int,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """esda's ``p_sim`` and the two-sided p (ties on both sides) for Gi*, by conditional permutation.

    Parameters
    ----------
    values
        The ``n`` cell values (counts) of the study area.
    neighbour_sum
        Observed sum of each cell's neighbours, **excluding** the cell itself.
    cardinality
        Number of neighbours of each cell, excluding itself.
    permutations
        Number of permutations (esda's default is 999).
    seed
        Seed of the generator (results are reproducible).

    Returns
    -------
    (p_sim, p_two)
        esda's ``p_sim`` per cell and the two-sided p used for classes; both 1.0 for a cell
        with no neighbour.
    """
    larger, smaller = permutation_tails(
        values, neighbour_sum, cardinality, permutations=permutations, seed=seed
    )  # fmt: skip
    return tail_p(larger, smaller, np.asarray(cardinality), permutations)


def mc_error(larger: NDArray[np.int64], smaller: NDArray[np.int64], permutations: int) -> NDArray[np.float64]:
    """Monte Carlo standard error of the two-sided permutation p: ``2 sqrt(pi (1 - pi) / P)``, ``pi = (c+1)/(P+1)``."""
    perms = int(permutations)
    pi = np.minimum(np.minimum(larger, smaller) + 1.0, perms / 2.0 + 0.5) / (perms + 1.0)
    return np.asarray(2.0 * np.sqrt(pi * (1.0 - pi) / perms), dtype=float)


def mc_interval(
    larger: NDArray[np.int64], smaller: NDArray[np.int64], permutations: int, *, confidence: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Where the two-sided p of unlimited permutations lies, from ``permutations`` of them.

    Twice the Clopper-Pearson interval (at ``confidence``) of the tail proportion ``c / P``; a cell no simulation
    reached (``c = 0``) may have any p down to 0, which is how a decision at the smallest p a run can give,
    ``2 / (P + 1)``, shows as open. The p of another run lies in the interval as well, up to its own error.
    """
    perms = int(permutations)
    c = np.minimum(larger, smaller).astype(float)
    tail = (1.0 - float(confidence)) / 2.0
    lo_pi = np.where(c > 0, stats.beta.ppf(tail, np.maximum(c, 1.0), perms - c + 1.0), 0.0)
    hi_pi = np.where(c < perms, stats.beta.ppf(1.0 - tail, c + 1.0, np.maximum(perms - c, 1.0)), 1.0)
    return np.minimum(1.0, 2.0 * lo_pi), np.minimum(1.0, 2.0 * hi_pi)


def cold_possible(
    values: NDArray[np.float64],
    cardinality: NDArray[np.int64],
    *,
    level: float,
    inference: str,
    z_of_minimum: NDArray[np.float64] | None = None,
) -> NDArray[np.bool_]:
    """Whether each cell could be a cold spot at two-sided ``level`` at all.

    With permutation inference, the lowest local sum a cell can show is its own value plus
    ``k_i`` copies of the smallest value; the chance that ``k_i`` random draws all hit the
    smallest value (hypergeometric) bounds ``p_sim`` from below, so a cell is a possible cold
    spot only when that chance is at most ``level / 2``. With normal inference the bound is
    the z-score of that lowest local sum (``z_of_minimum``) against the normal quantile.
    """
    x = np.asarray(values, dtype=float).ravel()
    card = np.asarray(cardinality, dtype=np.int64).ravel()
    if inference == "normal":
        if z_of_minimum is None:
            msg = "normal inference needs the z-score of each cell's lowest local sum"
            raise AnalysisError(msg)
        return np.asarray(np.abs(z_of_minimum) >= stats.norm.isf(level / 2), dtype=bool)
    n = x.size
    lowest = x.min(initial=0.0)
    n_low = int((x == lowest).sum())
    c0 = n_low - (x == lowest).astype(np.int64)  # others at the lowest value
    prob = np.ones(n)
    for j in range(int(card.max(initial=0))):
        use = card > j
        prob[use] *= np.clip(c0[use] - j, 0, None) / max(n - 1 - j, 1)
    return np.asarray(prob <= level / 2, dtype=bool) & (card > 0)


class TooFewEventsWarning(UserWarning):
    """There are too few events (or too few per cell) for the grid to say anything reliable."""


@dataclass(frozen=True)
class Sparseness:
    """The sparseness rule applied to one map: events, cells and whether cells were classed."""

    n_events: int
    n_cells: int
    min_events: int
    min_events_per_cell: float

    @property
    def per_cell(self) -> float:
        """Events per cell of the study area."""
        return self.n_events / self.n_cells if self.n_cells else 0.0

    @property
    def testable(self) -> bool:
        """True when the rule allows classing cells."""
        return self.n_events >= self.min_events and self.per_cell >= self.min_events_per_cell

    def params(self) -> dict[str, Any]:
        """Parameters of the warning message (``gi.sparse``)."""
        return {
            "n": self.n_events,
            "cells": self.n_cells,
            "per_cell": round(self.per_cell, 2),
            "min_events": self.min_events,
            "min_per_cell": self.min_events_per_cell,
        }

    def message(self, lang: str = "en") -> str | None:
        """The warning in ``lang`` (None when the rule is met)."""
        return None if self.testable else t("gi.sparse", lang, **self.params())


def permutations_needed(
    n_cells: int,
    requested: int,
    *,
    strictest: float = 0.01,
    max_work: int,
    max_permutations: int,
) -> int:
    """Permutations to use: at least ``requested``, raised so that one cell can pass BH at 99 %.

    The smallest two-sided permutation p is ``2 / (P + 1)``; Benjamini-Hochberg at 0.01 over
    ``m`` cells accepts a single cell only when its p is at most ``0.01 / m``, which needs
    ``P >= 200 m - 1``. The count is capped at ``max_permutations`` and so that ``cells x P`` stays under
    ``max_work`` (then ``attrs["resolution_limited"]`` says a lone cell cannot reach 99 %).
    """
    need = int(np.ceil(2.0 * n_cells / strictest)) - 1
    return int(min(max(requested, need), permutation_cap(n_cells, requested, max_work, max_permutations)))


def permutation_cap(n_cells: int, requested: int, max_work: int, max_permutations: int) -> int:
    """The most permutations a map of ``n_cells`` may run: ``max_permutations`` and ``max_work`` (cells x
    permutations) allowing, never fewer than ``requested``."""
    return int(max(requested, min(max_work // max(n_cells, 1), max_permutations, MAX_PERMUTATIONS)))


def p_values(z: NDArray[Any]) -> NDArray[np.float64]:
    """Two-sided normal p-values for z-scores."""
    return np.asarray(2.0 * stats.norm.sf(np.abs(np.asarray(z, dtype=float))), dtype=float)


def bh_fdr(p: NDArray[Any], *, alpha: float) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
    """Benjamini-Hochberg false-discovery-rate control.

    Parameters
    ----------
    p
        p-values (any shape; NaN counts as not significant).
    alpha
        The false discovery rate, 0 < alpha < 1.

    Returns
    -------
    (reject, q)
        ``reject`` is True where the null is rejected: every p-value at or below the largest
        ``p_(k)`` with ``p_(k) <= k alpha / m``; ``q`` are the adjusted p-values
        (``min_{j>=k} m p_(j) / j``, capped at 1). Both have the shape of ``p``.
    """
    if not 0 < alpha < 1:
        msg = f"alpha must lie strictly between 0 and 1, got {alpha}"
        raise AnalysisError(msg)
    arr = np.asarray(p, dtype=float)
    flat = arr.ravel()
    ok = np.isfinite(flat)
    pv = flat[ok]
    m = pv.size
    q_flat = np.full(flat.shape, np.nan)
    reject_flat = np.zeros(flat.shape, dtype=bool)
    if m:
        order = np.argsort(pv, kind="stable")
        ranked = pv[order]
        k = np.arange(1, m + 1)
        below = ranked <= k * alpha / m
        cutoff = ranked[np.nonzero(below)[0].max()] if below.any() else -np.inf
        q_sorted = np.minimum.accumulate((ranked * m / k)[::-1])[::-1]
        q = np.empty(m)
        q[order] = np.minimum(q_sorted, 1.0)
        q_flat[ok] = q
        reject_flat[ok] = pv <= cutoff
    return reject_flat.reshape(arr.shape), q_flat.reshape(arr.shape)


def gi_classes(z: NDArray[Any], p: NDArray[Any], *, fdr: bool = True) -> NDArray[np.int8]:
    """Confidence classes -3..3 (99/95/90 % hot or cold, 0 = not significant).

    With ``fdr=True`` a cell is in class 3 when Benjamini-Hochberg at 0.01 rejects it,
    2 at 0.05, 1 at 0.10; otherwise the raw p-value is compared with each level.
    """
    z = np.asarray(z, dtype=float)
    p = np.asarray(p, dtype=float)
    cls = np.zeros(z.shape, dtype=np.int8)
    for level, a in reversed(CLASS_LEVELS):
        sig = bh_fdr(p, alpha=a)[0] if fdr else (p <= a)
        cls[sig] = level
    return np.where(z < 0, -cls, cls).astype(np.int8)


def few_events_message(
    n_events: int, *, min_events: int, n_cells: int | None = None, min_events_per_cell: float = 0.0, lang: str = "en"
) -> str | None:
    """The sparseness warning text (None when there are enough events and events per cell)."""
    rule = Sparseness(n_events, int(n_cells or 0), min_events, min_events_per_cell if n_cells else 0.0)
    return rule.message(lang)


def warn_sparse(rule: Sparseness) -> str | None:
    text = rule.message("en")
    if text:
        warnings.warn(text, TooFewEventsWarning, stacklevel=3)
    return text


__all__ = [
    "CLASS_LEVELS",
    "MAX_PERMUTATIONS",
    "Sparseness",
    "TooFewEventsWarning",
    "bh_fdr",
    "check_permutations",
    "cold_possible",
    "few_events_message",
    "gi_classes",
    "mc_error",
    "mc_interval",
    "p_values",
    "permutation_cap",
    "permutation_p",
    "permutation_tails",
    "tail_p",
]
