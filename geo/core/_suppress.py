"""How :mod:`geo.core.disclosure` decides what to withhold: the reader's bounds, one group, a two-way table.

Counts are coded by status (:data:`SHOWN_CODE`, :data:`FEWER_CODE`, :data:`WITHHELD_CODE`, and
:data:`IN_WHOLE` for a count withheld with its whole line of a two-way table). Only the disclosure module
uses this; every output asks that module.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

SHOWN_CODE, FEWER_CODE, WITHHELD_CODE = 0, 1, 2
IN_WHOLE = 3
"""A count withheld with its whole line of a two-way table: any value from 0 (its pattern tells nothing)."""

Interval = tuple[float, float]


def bounds_of(codes: np.ndarray, values: np.ndarray, min_count: int) -> tuple[np.ndarray, np.ndarray]:
    """What a reader can tell of each count from its status: shown, 1..N-1, or N and more (withheld beside small
    counts: a reader who knows the rule knows it is not small), or anything from 0 (withheld with its line)."""
    fewer, shown = codes == FEWER_CODE, codes == SHOWN_CODE
    lo = np.where(shown, values, np.where(fewer, 1, np.where(codes == IN_WHOLE, 0, min_count)))
    hi = np.where(shown, values, np.where(fewer, min_count - 1, math.inf))
    return lo, hi


def consistent_values(lo: np.ndarray, hi: np.ndarray, lo_sum: float, hi_sum: float) -> np.ndarray:
    """For each hidden count with bounds ``lo..hi`` in a group whose sum lies in ``lo_sum..hi_sum``,
    the width of the range of values a reader can still give it (0 means pinned to one value).

    Shown counts enter with ``lo == hi``. Infinite upper bounds are allowed.
    """
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    sum_lo = float(lo.sum())
    low = np.maximum(lo, lo_sum - _others(hi, axis=0))
    high = np.minimum(hi, hi_sum - (sum_lo - lo))
    return np.asarray(high - low, dtype=float)


def _others(hi: np.ndarray, *, axis: int) -> np.ndarray:
    """For each entry, the sum of the other entries of its line along ``axis`` (inf when another one is)."""
    infinite = np.isinf(hi)
    n_inf = infinite.sum(axis=axis, keepdims=True)
    finite = np.where(infinite, 0.0, hi)
    rest = finite.sum(axis=axis, keepdims=True) - finite
    return np.where(n_inf - infinite > 0, math.inf, rest)


def secondary(
    values: np.ndarray, codes: np.ndarray, lo_sum: float, hi_sum: float, min_count: int
) -> tuple[np.ndarray, bool]:
    """Withhold the smallest shown count that keeps every hidden count to two possible values, else the whole
    breakdown (``True``).

    Withholding a count widens what the others may hold (its lower bound drops to ``min_count`` and its upper
    bound to none), the more so the larger it is, so the smallest that suffices is found by bisection over
    the counts sorted by size. With the total known, one count suffices whenever any set of them does
    (the one with the most room above ``min_count``), so no larger set is tried.
    """

    def safe(trial: np.ndarray) -> bool:
        hidden = trial != SHOWN_CODE
        if not hidden.any():
            return True
        lo, hi = bounds_of(trial, values, min_count)
        width = consistent_values(lo, hi, lo_sum, hi_sum)
        return bool((width[hidden] >= 1).all())

    def only(j: int) -> np.ndarray:
        trial = codes.copy()
        trial[candidates[j]] = WITHHELD_CODE
        return trial

    if safe(codes):
        return codes.copy(), False
    shown = [i for i in range(len(values)) if codes[i] == SHOWN_CODE and values[i] > 0]
    candidates = sorted(shown, key=lambda i: int(values[i]))  # smallest first; ties in order
    if not candidates or not safe(only(len(candidates) - 1)):
        return np.full(values.shape, WITHHELD_CODE), True
    low, high = -1, len(candidates) - 1  # withholding candidates[low] alone is not enough, candidates[high] is
    while high - low > 1:
        mid = (low + high) // 2
        if safe(only(mid)):
            high = mid
        else:
            low = mid
    return only(high), False


# --- a two-way table ---------------------------------------------------------------------------


def cross_codes(
    raw: np.ndarray, codes: np.ndarray, totals: tuple[Sequence[Interval], Sequence[Interval]], grand: Interval,
    min_count: int,
) -> np.ndarray:  # fmt: skip
    """The codes of a two-way table once no hidden count can be pinned from what is printed.

    Printed: the shown counts, the row totals and column totals as ``totals`` bounds them, the grand total.
    First every row and column is made safe on its own (:func:`secondary`, again until nothing changes);
    then a hidden count that no rectangle of hidden counts lets change (:func:`_pinned`; rows and columns
    together can pin what each alone leaves open) has the smallest shown count of its row or column
    withheld, or, when neither has one, its whole row, then its whole column. Withholding only grows, so
    this ends.
    """
    out = codes.copy()
    while True:
        _lines_safe(raw, out, totals, min_count)
        movable = [at for at in _pinned(raw, out, totals, grand, min_count) if _widen(raw, out, at)]
        if not movable:  # none pinned, or each only by printed totals over lines already withheld whole
            return out


def _lines_safe(raw: np.ndarray, out: np.ndarray, totals: tuple[Sequence[Interval], Sequence[Interval]],
                min_count: int) -> None:  # fmt: skip
    """Make every row and column safe within its own total, in place."""
    changed = True
    while changed:
        changed = False
        for axis, line_totals in enumerate(totals):
            lines, values = (out, raw) if axis == 0 else (out.T, raw.T)
            for i in range(lines.shape[0]):
                lo_sum, hi_sum = line_totals[i]
                if lo_sum != hi_sum and values[i].any():  # no breakdown of a hidden total
                    new = np.full(values[i].shape, IN_WHOLE)
                else:
                    new, whole = secondary(values[i], lines[i], lo_sum, hi_sum, min_count)
                    new = np.full(values[i].shape, IN_WHOLE) if whole else new
                if (new != lines[i]).any():
                    lines[i] = new  # a view of ``out``: the table changes in place
                    changed = True


def _pinned(raw: np.ndarray, codes: np.ndarray, totals: tuple[Sequence[Interval], Sequence[Interval]],
            grand: Interval, min_count: int) -> list[tuple[int, int]]:  # fmt: skip
    """The hidden counts (other than 0, which may be shown) that no swap of one between two rows and two columns
    can change.

    The table is taken with its margins, the totals entering negated (each row and each column of that table
    sums to 0): adding one at two opposite corners of a rectangle and taking one from the other two keeps every
    total, so when the four new values stay within what the reader knows of each, the reader cannot tell the
    true table from the changed one, and each corner keeps two values. A count with such a rectangle is safe.
    """
    lo, hi = (b.astype(float) for b in bounds_of(codes, raw, min_count))
    rows, cols = np.array(totals[0], dtype=float).reshape(-1, 2), np.array(totals[1], dtype=float).reshape(-1, 2)
    r, c = raw.shape
    value = np.zeros((r + 1, c + 1))
    low, high = np.zeros((r + 1, c + 1)), np.zeros((r + 1, c + 1))
    value[:r, :c], low[:r, :c], high[:r, :c] = raw, lo, hi
    value[:r, c], low[:r, c], high[:r, c] = -raw.sum(axis=1), -rows[:, 1], -rows[:, 0]
    value[r, :c], low[r, :c], high[r, :c] = -raw.sum(axis=0), -cols[:, 1], -cols[:, 0]
    value[r, c] = low[r, c] = high[r, c] = float(raw.sum())  # the grand total is printed
    up, down = value + 1 <= high, value - 1 >= low
    safe = (up & (_rectangles(up, down) > 0)) | (down & (_rectangles(down, up) > 0))
    hidden = (codes != SHOWN_CODE) & (raw > 0)
    return [(int(i), int(j)) for i, j in np.argwhere(hidden & ~safe[:r, :c])]


def _rectangles(first: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each entry (i, j), the rectangles (i, j), (i, l), (k, j), (k, l) with k != i and l != j where ``other``
    holds at (i, l) and (k, j) and ``first`` at (k, l) (the corner (i, j) itself is checked by the caller)."""
    f, o = first.astype(float), other.astype(float)
    both = f * o
    every = o @ (f.T @ o)  # sum over k and l of o[i, l] f[k, l] o[k, j] (columns by columns: small)
    return np.asarray(every - o * (both.sum(axis=0)[None, :] + both.sum(axis=1)[:, None]) + o * both, dtype=float)


def _widen(raw: np.ndarray, codes: np.ndarray, at: tuple[int, int]) -> bool:
    """Withhold the smallest shown count of the row or column of ``at``; with none, its whole row, else its whole
    column (in place). False when both are withheld whole already: nothing more to withhold for it."""
    i, j = at
    row = [(int(raw[i, k]), i, k) for k in range(raw.shape[1]) if codes[i, k] == SHOWN_CODE and raw[i, k] > 0]
    col = [(int(raw[k, j]), k, j) for k in range(raw.shape[0]) if codes[k, j] == SHOWN_CODE and raw[k, j] > 0]
    if row or col:
        _, r, c = min(row + col)
        codes[r, c] = WITHHELD_CODE
    elif (codes[i] != IN_WHOLE).any():
        codes[i] = IN_WHOLE
    elif (codes[:, j] != IN_WHOLE).any():
        codes[:, j] = IN_WHOLE
    else:
        return False
    return True
