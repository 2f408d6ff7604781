"""Emerging and persistent hot spots: Gi* per period on one grid, then Mann-Kendall per cell.

With ``n`` periods the smallest two-sided Mann-Kendall p is reached by a strictly monotone
series: 0.296 for 3 periods, 0.089 for 4, 0.027 for 5. Below 5 periods a trend can never be
significant at 0.05, so "intensifying" and "diminishing" are impossible; the map refuses
fewer than ``min_periods`` periods (5 by default) with a message saying so.

A cell is classed only with at least ``emerging_min_count`` events over all the periods (one homicide in
fifteen years is not a "new" hot spot), and the trends of the cells classed are one family of tests:
a trend is significant when Benjamini-Hochberg over those cells rejects it (``trend_q <= alpha``). When
the sparseness rule is not met no cell is classed at all, and the warning says so; the warning never
says "no cell is classed" beside classed cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray
from scipy import stats

from geo.analysis.gi_perm import Sparseness
from geo.analysis.gistar import bh_fdr, check_alpha, gi_star_grid, grid_sums, p_values, warn_sparse
from geo.analysis.grid import SquareGrid, make_grid
from geo.analysis.study import study_area as _study_area
from geo.core.errors import AnalysisError
from geo.core.settings import AnalysisSettings, get_settings
from geo.core.validate import check_points, local_dates, metric_xy

MIN_PERIODS = 5


def mann_kendall(series: NDArray[Any]) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Mann-Kendall trend test on each row of ``series`` (rows = cells, columns = periods in order).

    Same statistic as ``pymannkendall.original_test`` (tie-corrected variance, continuity
    correction), vectorised over rows.

    Returns
    -------
    (s, z, p)
        The S statistic, its z-score and the two-sided p-value, one per row. Rows with no
        variance (all ties) get z = 0, p = 1.
    """
    x = np.asarray(series, dtype=float)
    if x.ndim == 1:
        x = x[None, :]
    rows, n = x.shape
    if n < 3:
        msg = f"Mann-Kendall needs at least 3 periods, got {n}"
        raise AnalysisError(msg)
    s = np.zeros(rows)
    for k in range(n - 1):
        s += np.sign(x[:, k + 1 :] - x[:, [k]]).sum(axis=1)
    # ties: sum over tied groups of t(t-1)(2t+5), vectorised through run lengths of sorted rows
    srt = np.sort(x, axis=1)
    starts = np.ones_like(srt, dtype=bool)
    starts[:, 1:] = srt[:, 1:] != srt[:, :-1]
    run_id = np.cumsum(starts.ravel()) - 1
    t = np.bincount(run_id).astype(float)
    run_row = np.repeat(np.arange(rows), n)[starts.ravel()]
    ties = np.bincount(run_row, weights=t * (t - 1) * (2 * t + 5), minlength=rows)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0.0))
    z = np.where(var > 0, z, 0.0)
    p = 2.0 * stats.norm.sf(np.abs(z))
    return s, z, p


EMERGING_CATEGORIES = (
    "new",
    "consecutive",
    "intensifying",
    "persistent",
    "diminishing",
    "sporadic",
    "historical",
    "no pattern",
)


def classify_trajectory(hot: NDArray[np.bool_], trend_z: float, trend_p: float, *, alpha: float) -> str:
    """The emerging-hot-spot category of one cell from its per-period hot flags and its trend.

    Categories (after the Esri/space-time-cube definitions, simplified): ``new`` (hot only
    in the last period), ``consecutive`` (one run of hot periods ending in the last, never
    hot before, under 90 % of periods), ``intensifying`` / ``persistent`` / ``diminishing``
    (hot in at least 90 % of periods including the last, with a significant rising / no /
    falling Mann-Kendall trend: ``trend_p <= alpha``, ``trend_p`` being the corrected p),
    ``sporadic`` (hot in the last period, on and off before),
    ``historical`` (hot in at least 90 % of periods but not the last), ``no pattern``.
    """
    n = hot.size
    share = hot.sum() / n
    last = bool(hot[-1])
    if not hot.any():
        return "no pattern"
    if share >= 0.9:
        if not last:
            return "historical"
        if trend_p <= alpha:
            return "intensifying" if trend_z > 0 else "diminishing"
        return "persistent"
    if not last:
        return "no pattern"
    if hot.sum() == 1:
        return "new"
    first = int(np.argmax(hot))
    if hot[first:].all():
        return "consecutive"
    return "sporadic"


def min_mk_p(n_periods: int) -> float:
    """The smallest two-sided Mann-Kendall p any series of ``n_periods`` values can reach."""
    n = int(n_periods)
    s = n * (n - 1) / 2
    var = n * (n - 1) * (2 * n + 5) / 18.0
    return float(2 * stats.norm.sf((s - 1) / np.sqrt(var)))


def emerging_hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    analysis: AnalysisSettings | None = None,
    cell_m: float | None = None,
    alpha: float | None = None,
    periods: Sequence[int] | None = None,
    min_events: int | None = None,
    min_count: int | None = None,
    grid: SquareGrid | None = None,
    study_area: object = None,
    coverage: object = None,
    min_periods: int = MIN_PERIODS,
    min_events_per_cell: float = 0.0,
) -> gpd.GeoDataFrame:
    """Persistent and emerging hot spots: Gi* per year on one grid + Mann-Kendall per cell.

    Parameters
    ----------
    incidents
        Point GeoDataFrame with ``occurred_at``.
    analysis
        The ``analysis`` settings section (default: the configured one); options left as None take their
        value from it (``grid_cell_m``, ``fdr_alpha``, ``min_events``, ``emerging_min_count``).
    cell_m
        Cell side in metres (EPSG:32611).
    alpha
        Level for "hot" in each year (Benjamini-Hochberg over the cells, z > 0) and for the trends
        (Benjamini-Hochberg over the cells classed).
    periods
        Years to use (default: every year from the first to the last incident, inclusive).
    min_events, min_events_per_cell
        The sparseness rule (:class:`~geo.analysis.gistar.TooFewEventsWarning`): when a year on average has
        fewer events, or fewer per cell, no cell is classed and ``attrs["warning"]`` says so.
    min_count
        Fewest events over all the periods for a cell to be classed.
    grid
        The grid (default: aligned cells over the study area).
    study_area, coverage
        The area the data cover (give one; see :func:`geo.analysis.gistar.hotspots_grid`).
    min_periods
        Fewer periods are refused (at least 5: below that no trend can reach p <= 0.05).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, cells of the study area with at least one incident: ``cell_id, row, col,
        count, tested, years_hot, hot_last, trend_z, trend_p, trend_q, trend_s, category`` plus one
        ``z_<year>`` column per year (``tested``: the cell had enough events to be classed; ``trend_q``:
        the Benjamini-Hochberg adjusted p of its trend among the cells tested). ``attrs`` holds ``years``,
        ``min_count``, ``classed`` (cells with a category other than "no pattern"), ``warning`` (None
        unless no cell could be classed) and ``notes`` (message keys and parameters).
    """
    check_points(incidents, need_time=True)
    a = get_settings().analysis if analysis is None else analysis
    alpha = check_alpha(a.fdr_alpha if alpha is None else alpha)
    least = int(a.emerging_min_count if min_count is None else min_count)
    xy = metric_xy(incidents)
    years_of = local_dates(incidents).dt.year.to_numpy()
    if periods is None:
        if len(years_of) == 0:
            msg = "cannot map emerging hot spots from zero incidents; widen the filters"
            raise AnalysisError(msg)
        periods = list(range(int(years_of.min()), int(years_of.max()) + 1))
    periods = [int(y) for y in periods]
    need = max(int(min_periods), MIN_PERIODS)
    if len(periods) < need:
        msg = (
            f"emerging hot spots need at least {need} years, got {len(periods)} ({periods}): with "
            f"{len(periods)} periods the smallest possible Mann-Kendall p is "
            f"{min_mk_p(max(len(periods), 2)):.3f}, so no trend could be significant; widen the dates"
        )
        raise AnalysisError(msg)
    cell = grid.cell_m if grid is not None else float(a.grid_cell_m if cell_m is None else cell_m)
    if study_area is not None and coverage is not None:
        msg = "give study_area= or coverage=, not both (they are the same thing)"
        raise AnalysisError(msg)
    area = _study_area(study_area if study_area is not None else coverage, xy=xy, buffer_m=cell)
    grid = grid or make_grid(cell_m=cell, bounds=area.bounds, pad_cells=0)
    mask = area.cell_mask(grid)
    row, col, ok = grid.locate(xy)
    inside = ok.copy()
    inside[ok] = mask[row[ok], col[ok]]
    xy, years_of = xy[inside], years_of[inside]
    n_in = int(mask.sum())
    rule = Sparseness(len(xy) // len(periods), n_in, a.min_events if min_events is None else min_events,
                      min_events_per_cell)  # fmt: skip
    warning = warn_sparse(rule)
    zs = np.zeros((len(periods), n_in))
    hot = np.zeros((len(periods), n_in), dtype=bool)
    total = np.zeros(n_in, dtype=np.int64)
    for i, year in enumerate(periods):
        counts = grid.counts(xy[years_of == year])
        total += grid_sums(counts, mask)[0].astype(np.int64)
        z = np.nan_to_num(gi_star_grid(counts, mask=mask)[mask])
        zs[i] = z
        hot[i] = bh_fdr(p_values(z), alpha=alpha)[0] & (z > 0)
    s, tz, tp = mann_kendall(zs.T)
    tested = (total >= least) & rule.testable
    tq = np.full(n_in, np.nan)
    if tested.any():
        tq[tested] = bh_fdr(tp[tested], alpha=alpha)[1]
    cats = np.full(n_in, "no pattern", dtype=object)
    for j in np.flatnonzero(tested):
        cats[j] = classify_trajectory(hot[:, j], tz[j], tq[j], alpha=alpha)
    inner: dict[str, NDArray[Any]] = {
        "count": total,
        "tested": tested,
        "years_hot": hot.sum(axis=0),
        "hot_last": hot[-1],
        "trend_z": tz,
        "trend_p": tp,
        "trend_q": tq,
        "trend_s": s,
        "category": cats,
    }
    for i, year in enumerate(periods):
        inner[f"z_{year}"] = zs[i]
    flat = mask.ravel()
    cols: dict[str, NDArray[Any]] = {}
    for name, values in inner.items():
        arr = np.zeros(grid.n_cells, dtype=values.dtype) if values.dtype != float else np.full(grid.n_cells, np.nan)
        arr[flat] = values
        cols[name] = arr
    keep = flat & (cols["count"] > 0)
    gdf = grid.to_gdf(cols, keep=keep)
    few = int(((total > 0) & (total < least)).sum()) if rule.testable else 0
    notes = [{"key": "emerging.min_count", "params": {"n": few, "min": least}}] if few else []
    gdf.attrs.update(
        grid=grid, years=periods, alpha=alpha, min_count=least, classed=int((cats != "no pattern").sum()),
        warning=warning, warning_key=None if rule.testable else "gi.sparse", warning_params=rule.params(),
        notes=notes, **area.describe(),
    )  # fmt: skip
    return gdf
