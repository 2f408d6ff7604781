"""Gi* inference whose classes do not depend on the seed: Monte Carlo permutations, their error, and what settles them.

A permutation p is a Monte Carlo estimate: another seed gives another p, and a class decided by a p within its
Monte Carlo error of a Benjamini-Hochberg threshold changes with the seed (a whole group of cells at once where
they tie, as at the smallest p a run can give, ``2 / (P + 1)``). So, per map:

1. the permutations are run (:func:`geo.analysis.gi_perm.permutations_needed`), and each cell's p gets its
   Monte Carlo error and interval (:func:`geo.analysis.gi_perm.mc_interval`, at ``gi_mc_confidence``);
2. a cell is **settled** when its class (and its ``significant`` flag) is the same with every p of the map
   at the low or at the high end of its interval (Benjamini-Hochberg is monotone in the p-values, so these
   two ends bound every run);
3. when a cell is not settled, the permutations are raised for every cell up to the configured cap
   (``gi_max_permutations`` and ``gi_max_permutation_work`` cells x permutations);
4. a cell still not settled gets the p its permutations estimate, computed exactly (:func:`exact_permutation_p`:
   the conditional permutation distribution enumerated, what unlimited permutations give), until every cell is
   settled; where that distribution is too large to enumerate, the normal p is used for the whole map instead.

The result says what was done (``notes``: message keys and their parameters, worded by :func:`note_text`), including
when the permutations alone could not reach significance at all (Benjamini-Hochberg would need more cells at the
smallest p than there are).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from geo.analysis.gi_perm import (
    CLASS_LEVELS,
    bh_fdr,
    cold_possible,
    gi_classes,
    mc_error,
    mc_interval,
    p_values,
    permutation_cap,
    permutation_tails,
    permutations_needed,
    tail_p,
)
from geo.core.i18n import fmt_date, fmt_int, fmt_num, t
from geo.core.settings_sections import AnalysisLimits

EXACT_MAX_WORK = 400_000_000
"""Largest exact enumeration (distinct values x neighbours x neighbours x (neighbours x largest value)): about 1 s."""


# --- the exact conditional permutation distribution -------------------------------------------------------------


def _subset_sums(values: NDArray[np.int64], k_max: int) -> NDArray[np.float64]:
    """``A[j, s]``: how many ``j``-subsets of the multiset ``values`` sum to ``s`` (``j <= k_max``)."""
    vals, counts = np.unique(values, return_counts=True)
    top = int(k_max * int(vals.max(initial=0)))
    table = np.zeros((k_max + 1, top + 1))
    table[0, 0] = 1.0
    for v, n in zip(vals.tolist(), counts.tolist(), strict=True):
        new = table.copy()
        for take in range(1, min(int(n), k_max) + 1):
            shift = take * int(v)
            if shift > top:
                break
            new[take:, shift:] += float(special.comb(int(n), take)) * table[:-take, : top + 1 - shift]
        table = new
    return table


def _without(table: NDArray[np.float64], value: int) -> NDArray[np.float64]:
    """The subset-sum table of the multiset with one copy of ``value`` taken out (polynomial division)."""
    out = np.empty_like(table)
    out[0] = table[0]
    width = table.shape[1]
    for j in range(1, table.shape[0]):
        out[j] = table[j]
        if value < width:
            out[j, value:] -= out[j - 1, : width - value]
    return np.clip(out, 0.0, None)


def exact_work(values: NDArray[Any], cardinality: NDArray[Any]) -> float:
    """The size of the exact enumeration for these cells (inf when the values are not whole counts)."""
    x = np.asarray(values, dtype=float)
    if x.size == 0:
        return 0.0
    if not bool(np.all(x == np.round(x))) or float(x.min()) < 0:
        return math.inf
    k = int(np.asarray(cardinality).max(initial=0))
    return float(np.unique(x).size) * k * (k + 1) * (k * float(x.max()) + 1)


def exact_permutation_p(
    values: NDArray[Any], neighbour_sum: NDArray[Any], cardinality: NDArray[Any]
) -> NDArray[np.float64] | None:
    """The two-sided conditional-permutation p of every cell, exactly: the limit of the Monte Carlo p.

    Under the null a cell keeps its value and its ``k`` neighbours are ``k`` of the other ``n - 1`` values drawn
    without replacement; the distribution of their sum is counted exactly from the value counts (the subset sums
    of the multiset, one cell's own value taken out) and ``p = min(1, 2 min(P(S >= obs), P(S <= obs)))``, ties
    on both sides as :func:`geo.analysis.gi_perm.permutation_p`.

    Returns
    -------
    numpy.ndarray or None
        One p per cell (1.0 for a cell with no neighbour); None when the values are not whole counts or the
        enumeration would exceed :data:`EXACT_MAX_WORK`.
    """
    x = np.asarray(values, dtype=float).ravel()
    card = np.minimum(np.asarray(cardinality, dtype=np.int64).ravel(), max(x.size - 1, 0))
    lag = np.rint(np.asarray(neighbour_sum, dtype=float).ravel()).astype(np.int64)
    k_max = int(card.max(initial=0))
    if exact_work(x, card) > EXACT_MAX_WORK or (k_max and not np.isfinite(float(special.comb(x.size, k_max)))):
        return None
    p = np.ones(x.size)
    if k_max == 0:
        return p
    ints = x.astype(np.int64)
    table = _subset_sums(ints, k_max)
    for value in np.unique(ints[card > 0]).tolist():
        others = _without(table, int(value))
        for k in np.unique(card[(ints == value) & (card > 0)]).tolist():
            dist = others[k] / float(special.comb(x.size - 1, k))
            at_least = np.cumsum(dist[::-1])[::-1]  # the small tail summed from its end
            at_most = np.cumsum(dist)
            cells = np.flatnonzero((ints == value) & (card == k))
            obs = np.clip(lag[cells], 0, dist.size - 1)
            upper = np.where(lag[cells] < dist.size, at_least[obs], 0.0)
            p[cells] = np.minimum(1.0, 2.0 * np.minimum(upper, at_most[obs]))
    return p


# --- settling the classes ---------------------------------------------------------------------------------------


@dataclass
class _Decision:
    """Classes of a map from one vector of p-values (and the cells that may be cold)."""

    z: NDArray[np.float64]
    possible: NDArray[np.bool_]
    alpha: float
    fdr: bool

    def classes(self, p: NDArray[np.float64]) -> tuple[NDArray[np.int8], NDArray[np.bool_]]:
        cls = gi_classes(self.z, p, fdr=self.fdr)
        cls = np.where((cls < 0) & ~self.possible, 0, cls).astype(np.int8)
        sig = bh_fdr(p, alpha=self.alpha)[0] if self.fdr else np.asarray(p <= self.alpha)
        return cls, sig

    def unsettled(self, low: NDArray[np.float64], high: NDArray[np.float64]) -> NDArray[np.bool_]:
        (c_lo, s_lo), (c_hi, s_hi) = self.classes(low), self.classes(high)
        return np.asarray((c_lo != c_hi) | (s_lo != s_hi), dtype=bool)


@dataclass
class Inference:
    """Columns of the cells of a study area and what the inference did (see the module docstring)."""

    columns: dict[str, NDArray[Any]]
    inference: str
    permutations: int
    notes: list[dict[str, Any]] = field(default_factory=list)
    exact_cells: int = 0
    unsettled_cells: int = 0


def _unreachable(p: NDArray[np.float64], decision: _Decision, permutations: int) -> dict[str, Any] | None:
    """The note when the permutations alone class no cell because of the smallest p they can give."""
    if not decision.fdr or (decision.classes(p)[0] != 0).any():
        return None
    floor = 2.0 / (permutations + 1)
    found = int((p <= floor * (1 + 1e-9)).sum())
    need = math.ceil(floor * p.size / CLASS_LEVELS[-1][1] - 1e-9)
    if found == 0 or need <= found:
        return None
    params = {"permutations": permutations, "cells": int(p.size), "floor": floor, "need": need, "found": found}
    return {"key": "gi.unreachable", "params": params}


def permutation_inference(
    x: NDArray[np.float64],
    local_sum: NDArray[np.float64],
    w_sum: NDArray[np.float64],
    z: NDArray[np.float64],
    *,
    z_of_minimum: NDArray[np.float64],
    alpha: float,
    fdr: bool,
    permutations: int,
    seed: int,
    testable: bool,
    limits: AnalysisLimits,
) -> Inference:
    """Permutation p-values of Gi* whose classes are settled (module docstring).

    ``z`` are the Gi* z-scores and ``z_of_minimum`` the z of each cell's lowest possible local sum (for the cold
    classes of the normal p, should it be used).
    """
    m = x.size
    lag = local_sum - x
    card = np.rint(w_sum - 1).astype(np.int64)
    work, most = limits.gi_max_permutation_work, limits.gi_max_permutations
    perms = permutations_needed(m, permutations, strictest=CLASS_LEVELS[0][1], max_work=work, max_permutations=most)
    larger, smaller = permutation_tails(x, lag, card, permutations=perms, seed=seed)
    possible = cold_possible(x, card, level=CLASS_LEVELS[-1][1], inference="permutation")
    decision = _Decision(z, possible, alpha, fdr)

    def unsettled_now() -> NDArray[np.bool_]:
        low, high = mc_interval(larger, smaller, perms, confidence=limits.gi_mc_confidence)
        return decision.unsettled(low, high) if testable else np.zeros(m, dtype=bool)

    unsettled = unsettled_now()
    cap = permutation_cap(m, permutations, work, most)
    if unsettled.any() and perms < cap:  # raise the permutations, adding an independent run to the first
        more_l, more_s = permutation_tails(x, lag, card, permutations=cap - perms, seed=seed, stream=1)
        larger, smaller, perms = larger + more_l, smaller + more_s, cap
        unsettled = unsettled_now()
    p_sim, p = tail_p(larger, smaller, card, perms)
    p_se = mc_error(larger, smaller, perms)
    notes: list[dict[str, Any]] = []
    reach = _unreachable(p, decision, perms) if testable else None
    if reach:
        notes.append(reach)
    exact = np.zeros(m, dtype=bool)
    used = "permutation"
    n_unsettled = int(unsettled.sum())
    if n_unsettled:
        exact_p = exact_permutation_p(x, lag, card)
        low, high = mc_interval(larger, smaller, perms, confidence=limits.gi_mc_confidence)
        if exact_p is None:
            used, p, p_se = "normal", p_values(z), np.full(m, np.nan)
            level = CLASS_LEVELS[-1][1]
            possible = cold_possible(x, card, level=level, inference="normal", z_of_minimum=z_of_minimum)
            notes.append({"key": "gi.fallback_normal", "params": {"n": n_unsettled, "permutations": perms}})
        else:
            while unsettled.any():  # each round settles at least the cells it makes exact
                exact |= unsettled
                low, high = np.where(exact, exact_p, low), np.where(exact, exact_p, high)
                unsettled = decision.unsettled(low, high) & ~exact
            p = np.where(exact, exact_p, p)
            p_se = np.where(exact, 0.0, p_se)
            params = {"n": int(exact.sum()), "unsettled": n_unsettled, "permutations": perms}
            notes.append({"key": "gi.exact", "params": params})
    cols = {"p_sim": p_sim, "p": p, "p_mc_se": p_se, "p_exact": exact, "cold_possible": possible}
    return Inference(
        cols, used, perms, notes=notes, exact_cells=int(exact.sum()), unsettled_cells=n_unsettled
    )  # fmt: skip


# --- wording ----------------------------------------------------------------------------------------------------


def _floor_text(value: float, lang: str) -> str:
    digits = max(2, math.ceil(-math.log10(value)) + 1) if value > 0 else 2
    return fmt_num(value, lang, digits=digits)


def note_text(note: dict[str, Any], lang: str) -> str:
    """One note of a statistic (``{"key", "params"}``: Gi*, heat, emerging) in ``lang``, numbers in its format:
    whole numbers grouped, ``floor`` (a p) to two significant digits, other decimals to two places, ``start`` and
    ``end`` (ISO dates) as the language writes dates."""
    params: dict[str, Any] = {}
    for name, value in dict(note.get("params", {})).items():
        if name == "floor":
            params[name] = _floor_text(float(value), lang)
        elif name in ("start", "end") and isinstance(value, str):
            params[name] = fmt_date(dt.date.fromisoformat(value), lang)
        elif isinstance(value, int | np.integer) and not isinstance(value, bool):
            params[name] = fmt_int(int(value), lang)
        elif isinstance(value, float | np.floating):
            params[name] = fmt_num(float(value), lang, digits=2)
        else:
            params[name] = value
    return t(str(note["key"]), lang, **params)


__all__ = ["EXACT_MAX_WORK", "Inference", "exact_permutation_p", "exact_work", "note_text", "permutation_inference"]
