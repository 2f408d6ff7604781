"""Near-repeat analysis: the Knox test over distance and time bands (Ratcliffe's calculator).

Every pair of incidents is placed in one distance band (EPSG:32611 metres) and one time
band (days between them). Bands are disjoint and closed on their upper edge:
``0-100`` holds ``0 <= d <= 100``, ``100-200`` holds ``100 < d <= 200``, and a last
band (``>400``, ``>30``) holds the rest. With ``same_location_m > 0`` the first distance band
is split: ``same`` holds pairs at most ``same_location_m`` apart (one address, one block
centroid), so that geocoding to the same point does not pass for a near repeat.

Null hypothesis: times are exchangeable over locations **within strata** (by default the
incident's area, when the table has one, and the calendar month), so an uneven spread of
records over months and areas (an export's first rows, say) is not read as space-time
clustering. Expected counts are **exact** under that null: a pair inside one stratum takes a
random pair of that stratum's times; a pair across two strata one random time from each.
Without strata this is Knox's row total x column total / pairs. p-values come from seeded
Monte Carlo permutations within strata, ``(1 + #{perm >= observed}) / (permutations + 1)``,
one per cell: with many cells some reach 0.05 by chance (``attrs["multiple_testing"]``).
The Knox ratio is observed / expected.

Duplicates: :func:`near_repeat` counts once the records that share a case number, or lie at
the same place (within ``same_location_m``) within ``dedupe_minutes`` of each other (one
event recorded as several crimes, or several victims of one event).

Cost: pairs closer than the last finite distance are found once with a k-d tree; the
column totals over all pairs do not change when times are permuted (they are the same set
of time differences), so the far band is obtained by subtraction, never from all n^2 pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from geo.core.errors import AnalysisError
from geo.core.validate import EDGE_TOL_M, band_label, check_bands, check_points, day_numbers, local_dates, metric_xy

MAX_PERMUTATIONS = 99_999
SAME_LABEL = "same"
CASE_COLUMNS = ("case_number", "dr_no", "case_id")


def dedupe_events(
    xy: NDArray[np.float64],
    t_days: NDArray[np.float64],
    *,
    case_ids: NDArray[Any] | None = None,
    same_location_m: float,
    minutes: float,
) -> NDArray[np.bool_]:
    """Mask of the records to keep: one per case number, and one per place-and-hour cluster.

    Two records are the same event when they share a case id, or lie within
    ``same_location_m`` metres and ``minutes`` of each other; of each group the earliest
    record (then the first in table order) is kept.
    """
    n = len(t_days)
    parent = np.arange(n)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = int(parent[a])
        return a

    links: list[tuple[int, int]] = []
    if case_ids is not None:
        ids = pd.Series(np.asarray(case_ids, dtype=object)).astype("string")
        for _, idx in ids[ids.notna() & (ids != "")].groupby(ids).indices.items():
            links.extend((int(idx[0]), int(k)) for k in idx[1:])
    if minutes > 0 and n > 1:
        pairs = cKDTree(xy).query_pairs(r=max(same_location_m, 0.0) + EDGE_TOL_M, output_type="ndarray")
        if len(pairs):
            close = np.abs(t_days[pairs[:, 0]] - t_days[pairs[:, 1]]) <= minutes / 1440.0 + 1e-9
            links.extend((int(a), int(b)) for a, b in pairs[close])
    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(n)])
    order = np.lexsort((np.arange(n), t_days, roots))
    keep = np.zeros(n, dtype=bool)
    first = np.unique(roots[order], return_index=True)[1]
    keep[order[first]] = True
    return keep


def _stratum_codes(strata: NDArray[Any] | None, n: int) -> NDArray[np.int64]:
    if strata is None:
        return np.zeros(n, dtype=np.int64)
    arr = np.asarray(strata, dtype=object)
    if len(arr) != n:
        msg = f"strata must have one label per incident ({n}), got {len(arr)}"
        raise AnalysisError(msg)
    return np.asarray(pd.factorize(pd.Series(arr).astype("string").fillna("<NA>"))[0].astype(np.int64), dtype=np.int64)


def _band_dist(
    a: NDArray[np.float64], b: NDArray[np.float64] | None, edges: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Share of time pairs in each band: within ``a`` (b None) or one from ``a`` and one from ``b``."""
    if b is None:
        m = len(a)
        totals = _time_totals(a, edges).astype(float)
        return totals / (m * (m - 1) / 2)
    bs = np.sort(b)
    cum = [
        float((np.searchsorted(bs, a + e + 1e-9, side="right") - np.searchsorted(bs, a - e - 1e-9, side="left")).sum())
        for e in edges
    ]
    within = np.diff(np.concatenate([[0.0], cum, [float(len(a) * len(b))]]))
    return within / (len(a) * len(b))


def _exact_expected(
    t: NDArray[np.float64], codes: NDArray[np.int64], i: NDArray[Any], j: NDArray[Any], s_band: NDArray[np.int64],
    ns: int, t_edges: NDArray[np.float64], col_totals: NDArray[np.int64],
) -> NDArray[np.float64]:  # fmt: skip
    nt = len(t_edges) + 1
    near = np.zeros((ns - 1, nt))
    groups = [t[codes == k] for k in range(int(codes.max(initial=0)) + 1)]
    lo, hi = np.minimum(codes[i], codes[j]), np.maximum(codes[i], codes[j])
    key = (lo * (codes.max(initial=0) + 1) + hi) * (ns - 1) + s_band
    uniq, count = np.unique(key, return_counts=True)
    cache: dict[tuple[int, int], NDArray[np.float64]] = {}
    k_strata = int(codes.max(initial=0)) + 1
    for u, c in zip(uniq, count, strict=True):
        band = int(u % (ns - 1))
        pair = int(u // (ns - 1))
        a, b = pair // k_strata, pair % k_strata
        if (a, b) not in cache:
            cache[(a, b)] = _band_dist(groups[a], None if a == b else groups[b], t_edges)
        near[band] += c * cache[(a, b)]
    return np.vstack([near, col_totals - near.sum(axis=0)])


def _permuter(codes: NDArray[np.int64], rng: np.random.Generator) -> Any:
    base = np.argsort(codes, kind="stable")

    def perm() -> NDArray[np.int64]:
        order = np.argsort(codes + rng.random(codes.size))
        out = np.empty(codes.size, dtype=np.int64)
        out[base] = order
        return out

    return perm


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
    permutations: int,
    seed: int,
    same_location_m: float = 0.0,
    strata: NDArray[Any] | None = None,
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
    same_location_m
        When positive, a separate first band ``same`` for pairs at most this far apart (metres).
    strata
        One label per incident; times are permuted only within a label (default: one stratum).

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
    same = float(same_location_m)
    if same < 0 or (same > 0 and same >= s_edges[0]):
        msg = f"same_location_m must be 0 (off) or below the first band edge {s_edges[0]:g} m, got {same_location_m}"
        raise AnalysisError(msg)
    if same > 0:
        s_edges = np.concatenate([[same], s_edges])
    codes = _stratum_codes(strata, n)
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
    draw = _permuter(codes, rng)
    at_least = np.zeros_like(observed, dtype=np.int64)
    for _ in range(int(permutations)):
        at_least += table(t[draw()]) >= observed
    expected = _exact_expected(t, codes, i, j, s_band, ns, t_edges, col_totals)
    p = (1 + at_least) / (permutations + 1)

    s_labels, t_labels = _labels(list(s_edges)), _labels(list(t_edges))
    if same > 0:
        s_labels[0] = SAME_LABEL
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
    cells = ns * nt
    out.attrs.update(
        n=n, pairs=n * (n - 1) // 2, permutations=int(permutations), seed=seed, strata=int(codes.max(initial=0)) + 1,
        same_location_m=same,
        multiple_testing={"key": "knox.multiple_testing", "cells": cells, "expected": round(0.05 * cells, 1)},
    )  # fmt: skip
    return out


def strata_used(incidents: gpd.GeoDataFrame, by: str) -> str:
    """The strata :func:`default_strata` makes of ``by``: ``area_month`` only where the table carries its source's
    area code (LAPD ``AREA``, the NIBRS area; :data:`geo.core.schema.OPTIONAL_INCIDENT_DTYPES`), else ``month``."""
    if by not in ("area_month", "month", "none"):
        msg = f"strata must be 'area_month', 'month' or 'none', got {by!r}"
        raise AnalysisError(msg)
    if by == "area_month" and ("area" not in incidents.columns or not incidents["area"].notna().any()):
        return "month"
    return by


def default_strata(incidents: gpd.GeoDataFrame, by: str) -> NDArray[Any] | None:
    """Stratum labels of :func:`strata_used`: the source's area code and the local month, the month, or none."""
    used = strata_used(incidents, by)
    if used == "none":
        return None
    month = local_dates(incidents).dt.strftime("%Y-%m").to_numpy(dtype=object)
    if used == "area_month":
        area = incidents["area"].astype("string").fillna("").to_numpy(dtype=object)
        return np.array([f"{a}|{m}" for a, m in zip(area, month, strict=True)], dtype=object)
    return np.asarray(month, dtype=object)


def near_repeat(
    incidents: gpd.GeoDataFrame,
    *,
    space_bands_m: Sequence[float] = (100, 200, 400),
    time_bands_days: Sequence[float] = (7, 14, 30),
    permutations: int,
    seed: int,
    same_location_m: float,
    dedupe_minutes: float,
    strata: str = "area_month",
) -> pd.DataFrame:
    """:func:`knox_test` on an incident table (times from ``occurred_at``, local days).

    Duplicate records are counted once (:func:`dedupe_events`; ``attrs["deduplicated"]``
    says how many were dropped) and times are permuted within :func:`default_strata`.
    """
    check_points(incidents, need_time=True)
    xy = metric_xy(incidents)
    t = day_numbers(incidents)
    case_col = next((c for c in CASE_COLUMNS if c in incidents.columns), None)
    keep = dedupe_events(
        xy, t, case_ids=None if case_col is None else incidents[case_col].to_numpy(),
        same_location_m=same_location_m, minutes=dedupe_minutes,
    )  # fmt: skip
    labels = default_strata(incidents, strata)
    out = knox_test(
        xy[keep],
        t[keep],
        space_bands_m=space_bands_m,
        time_bands_days=time_bands_days,
        permutations=permutations,
        seed=seed,
        same_location_m=same_location_m,
        strata=None if labels is None else labels[keep],
    )
    used = strata_used(incidents, strata)
    out.attrs.update(
        deduplicated=int((~keep).sum()), dedupe_minutes=dedupe_minutes, strata_rule=used, strata_asked=strata
    )
    return out


def knox_matrix(table: pd.DataFrame, value: str = "ratio") -> pd.DataFrame:
    """The Knox table as a matrix: distance bands as rows, time bands as columns."""
    if value not in table.columns:
        msg = f"no column {value!r} in the Knox table"
        raise AnalysisError(msg)
    rows = list(dict.fromkeys(table["space_band"]))
    cols = list(dict.fromkeys(table["time_band"]))
    return table.pivot(index="space_band", columns="time_band", values=value).loc[rows, cols]
