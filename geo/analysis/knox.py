"""Near-repeat analysis: the Knox test over distance and time bands (Ratcliffe's calculator).

Every pair of incidents is placed in one distance band (EPSG:32611 metres) and one time
band (days between them). Bands are disjoint and closed on their upper edge:
``0-100`` holds ``0 <= d <= 100``, ``100-200`` holds ``100 < d <= 200``, and a last
band (``>400``, ``>30``) holds the rest. The expected count of each cell comes from Monte
Carlo permutations of the incidents' times over their locations (seeded); the p-value is
``(1 + #{perm >= observed}) / (permutations + 1)`` and the Knox ratio is observed / expected.

Cost: pairs closer than the last finite distance are found once with a k-d tree; the
column totals over all pairs do not change when times are permuted (they are the same set
of time differences), so the far band is obtained by subtraction, never from all n^2 pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.core.errors import AnalysisError
from geo.core.validate import EDGE_TOL_M, band_label, check_bands, check_points, day_numbers, metric_xy

MAX_PERMUTATIONS = 99_999


def _labels(edges: Sequence[float]) -> list[str]:
    lows = (0.0, *edges[:-1])
    last = edges[-1]
    tail = f">{int(last) if float(last).is_integer() else last:g}"
    return [*(band_label(a, b) for a, b in zip(lows, edges, strict=True)), tail]


def _band(values: NDArray[np.float64], edges: NDArray[np.float64], tol: float) -> NDArray[np.int64]:
    return np.searchsorted(edges, values - tol, side="left").astype(np.int64)


def _time_totals(t: NDArray[np.float64], edges: NDArray[np.float64]) -> NDArray[np.int64]:
    """Number of pairs (all distances) in each time band, from sorted times: O(n log n)."""
    ts = np.sort(t)
    n = len(ts)
    within = np.zeros(len(edges), dtype=np.int64)
    for k, e in enumerate(edges):
        # pairs i<j with ts[j] - ts[i] <= e (+ tolerance)
        j = np.searchsorted(ts, ts + e + 1e-9, side="right")
        within[k] = int((j - np.arange(n) - 1).sum())
    total = n * (n - 1) // 2
    cum = np.concatenate([within, [total]])
    return np.diff(np.concatenate([[0], cum]))


def knox_test(
    xy: NDArray[np.float64],
    t_days: NDArray[np.float64],
    *,
    space_bands_m: Sequence[float] = (100, 200, 400),
    time_bands_days: Sequence[float] = (7, 14, 30),
    permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """Knox near-repeat test on metric points and times.

    Parameters
    ----------
    xy
        ``(n, 2)`` coordinates in EPSG:32611 metres.
    t_days
        Time of each incident in days (any origin; fractions allowed).
    space_bands_m
        Upper edges of the distance bands, metres, strictly increasing.
    time_bands_days
        Upper edges of the time bands, days, strictly increasing.
    permutations
        Monte Carlo permutations of the times (1..99,999).
    seed
        Seed of the permutation generator (results are reproducible).

    Returns
    -------
    pandas.DataFrame
        One row per (distance band, time band) including the open last bands:
        ``space_band, time_band, space_from_m, space_to_m, time_from_days, time_to_days,
        observed, expected, ratio, p_value``. ``attrs`` holds ``n``, ``pairs``,
        ``permutations`` and ``seed``.
    """
    xy = np.asarray(xy, dtype=float)
    t = np.asarray(t_days, dtype=float).ravel()
    if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) != len(t):
        msg = f"xy must be (n, 2) metres and t_days n values, got {xy.shape} and {t.shape}"
        raise AnalysisError(msg)
    if not np.isfinite(t).all() or not np.isfinite(xy).all():
        msg = "coordinates and times must be finite (drop incidents with no location or date)"
        raise AnalysisError(msg)
    n = len(t)
    if n < 3:
        msg = f"the Knox test needs at least 3 incidents, got {n}"
        raise AnalysisError(msg)
    s_edges = np.asarray(check_bands(space_bands_m, "space_bands_m", "metres"))
    t_edges = np.asarray(check_bands(time_bands_days, "time_bands_days", "days"))
    if not isinstance(permutations, int | np.integer) or not 1 <= permutations <= MAX_PERMUTATIONS:
        msg = f"permutations must be an integer 1..{MAX_PERMUTATIONS}, got {permutations!r}"
        raise AnalysisError(msg)
    ns, nt = len(s_edges) + 1, len(t_edges) + 1

    pairs = cKDTree(xy).query_pairs(r=float(s_edges[-1]) + EDGE_TOL_M, output_type="ndarray")
    i, j = (pairs[:, 0], pairs[:, 1]) if len(pairs) else (np.empty(0, int), np.empty(0, int))
    dist = np.hypot(*(xy[i] - xy[j]).T) if len(i) else np.empty(0)
    s_band = _band(dist, s_edges, EDGE_TOL_M)
    near = s_band < len(s_edges)
    i, j, s_band = i[near], j[near], s_band[near]
    col_totals = _time_totals(t, t_edges)

    def table(times: NDArray[np.float64]) -> NDArray[np.int64]:
        tb = _band(np.abs(times[i] - times[j]), t_edges, 1e-9)
        close = np.bincount(s_band * nt + tb, minlength=(ns - 1) * nt).reshape(ns - 1, nt)
        return np.vstack([close, col_totals - close.sum(axis=0)])

    observed = table(t)
    rng = np.random.default_rng(seed)
    total_perm = np.zeros_like(observed, dtype=float)
    at_least = np.zeros_like(observed, dtype=np.int64)
    for _ in range(int(permutations)):
        sim = table(t[rng.permutation(n)])
        total_perm += sim
        at_least += sim >= observed
    expected = total_perm / permutations
    p = (1 + at_least) / (permutations + 1)

    s_labels, t_labels = _labels(list(s_edges)), _labels(list(t_edges))
    s_lo = np.concatenate([[0.0], s_edges])
    s_hi = np.concatenate([s_edges, [np.inf]])
    t_lo = np.concatenate([[0.0], t_edges])
    t_hi = np.concatenate([t_edges, [np.inf]])
    rows = []
    for a in range(ns):
        for b in range(nt):
            obs = int(observed[a, b])
            exp = float(expected[a, b])
            rows.append(
                {
                    "space_band": s_labels[a],
                    "time_band": t_labels[b],
                    "space_from_m": float(s_lo[a]),
                    "space_to_m": float(s_hi[a]),
                    "time_from_days": float(t_lo[b]),
                    "time_to_days": float(t_hi[b]),
                    "observed": obs,
                    "expected": exp,
                    "ratio": obs / exp if exp > 0 else float("nan"),
                    "p_value": float(p[a, b]),
                }
            )
    out = pd.DataFrame(rows)
    out.attrs.update(n=n, pairs=n * (n - 1) // 2, permutations=int(permutations), seed=seed)
    return out


def near_repeat(
    incidents: gpd.GeoDataFrame,
    *,
    space_bands_m: Sequence[float] = (100, 200, 400),
    time_bands_days: Sequence[float] = (7, 14, 30),
    permutations: int = 999,
    seed: int = 0,
) -> pd.DataFrame:
    """:func:`knox_test` on an incident table (times from ``occurred_at``, local days)."""
    check_points(incidents, need_time=True)
    return knox_test(
        metric_xy(incidents),
        day_numbers(incidents),
        space_bands_m=space_bands_m,
        time_bands_days=time_bands_days,
        permutations=permutations,
        seed=seed,
    )


def knox_matrix(table: pd.DataFrame, value: str = "ratio") -> pd.DataFrame:
    """The Knox table as a matrix: distance bands as rows, time bands as columns."""
    if value not in table.columns:
        msg = f"no column {value!r} in the Knox table"
        raise AnalysisError(msg)
    rows = list(dict.fromkeys(table["space_band"]))
    cols = list(dict.fromkeys(table["time_band"]))
    return table.pivot(index="space_band", columns="time_band", values=value).loc[rows, cols]
