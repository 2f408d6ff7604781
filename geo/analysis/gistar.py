"""Getis-Ord Gi* hot spots with Benjamini-Hochberg FDR, and emerging/persistent hot spots.

Gi* is computed in closed form with binary weights that include the cell itself
(DESIGN.md section 5), which is what ``esda.G_Local(y, w, transform="B", star=True)`` computes:

    z_i = (sum_j w_ij x_j - xbar W_i) / (s * sqrt((n W_i - W_i^2) / (n - 1)))

with ``W_i = sum_j w_ij``, ``xbar`` the mean and ``s`` the population standard deviation of
the ``n`` cell values. On a square grid the neighbours are the 3x3 window (queen contiguity
plus self), summed by convolution in O(cells); on H3 they are the cell and its six
neighbours (a sparse matrix). p-values are two-sided normal.

Confidence classes follow the usual hot-spot reading: +3/-3 = hot/cold at 99 %, +-2 at 95 %,
+-1 at 90 %, 0 = not significant. With ``fdr=True`` (the default) each level is tested
with the Benjamini-Hochberg procedure at that level, so a class means "significant after
correcting for testing every cell".
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import ndimage, sparse, stats

from geo.analysis.grid import SquareGrid, h3_cells, h3_neighbours, h3_polygons, h3_study_cells, make_grid
from geo.core.errors import AnalysisError
from geo.core.projection import WGS84
from geo.core.validate import check_points, local_dates, metric_xy

CLASS_LEVELS: tuple[tuple[int, float], ...] = ((3, 0.01), (2, 0.05), (1, 0.10))
CLASS_LABELS = {
    3: "hot spot, 99% confidence",
    2: "hot spot, 95% confidence",
    1: "hot spot, 90% confidence",
    0: "not significant",
    -1: "cold spot, 90% confidence",
    -2: "cold spot, 95% confidence",
    -3: "cold spot, 99% confidence",
}


class TooFewEventsWarning(UserWarning):
    """There are too few events for the grid to say anything reliable."""


def few_events_message(n_events: int, *, min_events: int, n_cells: int | None = None) -> str | None:
    """The warning text when ``n_events < min_events`` (None when there are enough)."""
    if n_events >= min_events:
        return None
    cells = f" spread over {n_cells:,} cells" if n_cells else ""
    return (
        f"only {n_events} events{cells}; at least {min_events} are needed for a reliable hot-spot map, "
        "so treat any pattern as chance"
    )


def _warn_few(n_events: int, *, min_events: int, n_cells: int | None = None) -> str | None:
    text = few_events_message(n_events, min_events=min_events, n_cells=n_cells)
    if text:
        warnings.warn(text, TooFewEventsWarning, stacklevel=3)
    return text


# --- statistics -------------------------------------------------------------------------------


def _gi_from_sums(
    local_sum: NDArray[np.float64], w_sum: NDArray[np.float64], x: NDArray[np.float64]
) -> NDArray[np.float64]:
    n = x.size
    if n < 2:
        msg = f"Gi* needs at least 2 cells, got {n}"
        raise AnalysisError(msg)
    xbar = x.mean()
    s = np.sqrt((x * x).mean() - xbar * xbar)
    if not np.isfinite(s) or s <= 0:
        return np.zeros_like(local_sum, dtype=float)
    den = s * np.sqrt(np.clip(n * w_sum - w_sum * w_sum, 0.0, None) / (n - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (local_sum - xbar * w_sum) / den
    return np.where(den > 0, z, 0.0)


def gi_star(values: NDArray[Any], weights: sparse.spmatrix | sparse.sparray) -> NDArray[np.float64]:
    """Gi* z-scores for cell values and a binary weights matrix that includes self.

    Parameters
    ----------
    values
        One value (count) per cell, length ``n``.
    weights
        ``(n, n)`` sparse binary matrix with ones on the diagonal (self) and for neighbours.

    Returns
    -------
    numpy.ndarray
        z-scores, length ``n``. All-equal values give zeros.
    """
    x = np.asarray(values, dtype=float).ravel()
    w = sparse.csr_matrix(weights, dtype=float)
    if w.shape != (x.size, x.size):
        msg = f"weights must be {x.size}x{x.size} for {x.size} values, got {w.shape}"
        raise AnalysisError(msg)
    local_sum = np.asarray(w @ x).ravel()
    w_sum = np.asarray(w.sum(axis=1)).ravel()
    return _gi_from_sums(local_sum, w_sum, x)


_WINDOW = np.ones((3, 3), dtype=float)


def gi_star_grid(counts: NDArray[Any]) -> NDArray[np.float64]:
    """Gi* z-scores on a square grid: queen neighbours plus self (3x3 window), O(cells).

    Parameters
    ----------
    counts
        ``(ny, nx)`` cell values; every cell of the array is part of the study area.

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` z-scores. Edge cells have fewer neighbours (no wrap-around).
    """
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2:
        msg = f"counts must be a 2-D (rows, cols) array, got shape {x.shape}"
        raise AnalysisError(msg)
    local_sum = ndimage.correlate(x, _WINDOW, mode="constant", cval=0.0)
    w_sum = ndimage.correlate(np.ones_like(x), _WINDOW, mode="constant", cval=0.0)
    return _gi_from_sums(local_sum, w_sum, x)


def grid_weights(ny: int, nx: int) -> sparse.csr_matrix:
    """The binary queen-plus-self weights of a ``(ny, nx)`` grid as a sparse matrix (row-major cells)."""
    rr, cc = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    rows, cols = [], []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            r2, c2 = rr + dy, cc + dx
            ok = (r2 >= 0) & (r2 < ny) & (c2 >= 0) & (c2 < nx)
            rows.append((rr * nx + cc)[ok])
            cols.append((r2 * nx + c2)[ok])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    return sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(ny * nx, ny * nx))


def p_values(z: NDArray[Any]) -> NDArray[np.float64]:
    """Two-sided normal p-values for z-scores."""
    return np.asarray(2.0 * stats.norm.sf(np.abs(np.asarray(z, dtype=float))), dtype=float)


def bh_fdr(p: NDArray[Any], *, alpha: float = 0.05) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
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


# --- maps -------------------------------------------------------------------------------------


def _check_alpha(alpha: float) -> float:
    if not 0 < float(alpha) < 1:
        msg = f"alpha must lie strictly between 0 and 1, got {alpha}"
        raise AnalysisError(msg)
    return float(alpha)


def _columns(z: NDArray[Any], *, alpha: float, fdr: bool) -> dict[str, NDArray[Any]]:
    p = p_values(z)
    reject, q = bh_fdr(p, alpha=alpha)
    sig = reject if fdr else p <= alpha
    cls = gi_classes(z, p, fdr=fdr)
    return {"gi_z": z, "p": p, "q": q, "significant": sig, "gi_class": cls}


def _label(cls: NDArray[Any]) -> NDArray[Any]:
    return np.array([CLASS_LABELS[int(c)] for c in np.asarray(cls).ravel()], dtype=object)


def hotspots_grid(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float = 150.0,
    alpha: float = 0.05,
    fdr: bool = True,
    grid: SquareGrid | None = None,
    min_events: int = 30,
    keep_all: bool = False,
) -> gpd.GeoDataFrame:
    """Gi* hot and cold spots on a square grid of ``cell_m`` metres (EPSG:32611).

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326 or EPSG:32611).
    cell_m
        Cell side in metres; ignored when ``grid`` is given.
    alpha
        False discovery rate for the ``significant`` column.
    fdr
        Correct for multiple testing (Benjamini-Hochberg); False uses raw p-values.
    grid
        The study area; by default the incidents' bounding box plus one cell on each side.
    min_events
        Below this many incidents a :class:`TooFewEventsWarning` is issued (and kept in
        ``attrs["warning"]``).
    keep_all
        Return every cell; by default only cells with an incident or a non-zero class.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 cells: ``cell_id, row, col, count, gi_z, p, q, significant, gi_class,
        label``; ``attrs`` holds ``grid``, ``n_events``, ``alpha``, ``fdr``, ``warning``.
    """
    check_points(incidents)
    alpha = _check_alpha(alpha)
    xy = metric_xy(incidents)
    grid = grid or make_grid(xy, cell_m=cell_m)
    counts = grid.counts(xy)
    warning = _warn_few(int(counts.sum()), min_events=min_events, n_cells=grid.n_cells)
    z = gi_star_grid(counts)
    cols = {"count": counts, **_columns(z, alpha=alpha, fdr=fdr)}
    keep = None if keep_all else (counts > 0) | (cols["gi_class"] != 0)
    gdf = grid.to_gdf(cols, keep=keep)
    gdf["label"] = _label(gdf["gi_class"].to_numpy())
    gdf.attrs.update(grid=grid, n_events=int(counts.sum()), alpha=alpha, fdr=fdr, warning=warning)
    return gdf


def hotspots_h3(
    incidents: gpd.GeoDataFrame,
    *,
    resolution: int = 9,
    alpha: float = 0.05,
    fdr: bool = True,
    min_events: int = 30,
) -> gpd.GeoDataFrame:
    """Gi* on H3 hexagons (cell + its six neighbours), over the occupied cells plus one ring.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 hexagons: ``h3, count, gi_z, p, q, significant, gi_class, label``.
    """
    check_points(incidents)
    alpha = _check_alpha(alpha)
    per_incident = h3_cells(incidents, resolution=resolution)
    if per_incident.size == 0:
        msg = "cannot map hot spots from zero incidents; widen the filters"
        raise AnalysisError(msg)
    cells = h3_study_cells(per_incident, rings=1)
    index = {c: i for i, c in enumerate(cells)}
    counts = np.bincount([index[c] for c in per_incident], minlength=len(cells)).astype(np.int64)
    warning = _warn_few(int(counts.sum()), min_events=min_events, n_cells=len(cells))
    z = gi_star(counts, h3_neighbours(cells))
    gdf = gpd.GeoDataFrame(
        {"h3": cells, "count": counts, **_columns(z, alpha=alpha, fdr=fdr)}, geometry=h3_polygons(cells), crs=WGS84
    )
    gdf["label"] = _label(gdf["gi_class"].to_numpy())
    gdf.attrs.update(n_events=int(counts.sum()), alpha=alpha, fdr=fdr, warning=warning, resolution=resolution)
    return gdf


# --- Mann-Kendall and emerging hot spots ------------------------------------------------------


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


def classify_trajectory(hot: NDArray[np.bool_], trend_z: float, trend_p: float, *, alpha: float = 0.05) -> str:
    """The emerging-hot-spot category of one cell from its per-period hot flags and its trend.

    Categories (after the Esri/space-time-cube definitions, simplified): ``new`` (hot only
    in the last period), ``consecutive`` (one run of hot periods ending in the last, never
    hot before, under 90 % of periods), ``intensifying`` / ``persistent`` / ``diminishing``
    (hot in at least 90 % of periods including the last, with a significant rising / no /
    falling Mann-Kendall trend), ``sporadic`` (hot in the last period, on and off before),
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


def emerging_hotspots(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float = 150.0,
    alpha: float = 0.05,
    periods: Sequence[int] | None = None,
    min_events: int = 30,
    grid: SquareGrid | None = None,
) -> gpd.GeoDataFrame:
    """Persistent and emerging hot spots: Gi* per year on one grid + Mann-Kendall per cell.

    Parameters
    ----------
    incidents
        Point GeoDataFrame with ``occurred_at``.
    cell_m
        Cell side in metres (EPSG:32611).
    alpha
        Level for "hot" in each year (Benjamini-Hochberg, z > 0) and for the trend test.
    periods
        Years to use (default: every year from the first to the last incident, inclusive).
    min_events
        Warn (:class:`TooFewEventsWarning`) when a year on average has fewer events.
    grid
        Study area (default: bounding box of all incidents plus one cell).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, cells with at least one incident: ``cell_id, row, col, count,
        years_hot, hot_last, trend_z, trend_p, trend_s, category`` plus one ``z_<year>``
        column per year; ``attrs["years"]`` lists the years.
    """
    check_points(incidents, need_time=True)
    alpha = _check_alpha(alpha)
    xy = metric_xy(incidents)
    years_of = local_dates(incidents).dt.year.to_numpy()
    if periods is None:
        if len(years_of) == 0:
            msg = "cannot map emerging hot spots from zero incidents; widen the filters"
            raise AnalysisError(msg)
        periods = list(range(int(years_of.min()), int(years_of.max()) + 1))
    periods = [int(y) for y in periods]
    if len(periods) < 3:
        msg = f"emerging hot spots need at least 3 years, got {periods}"
        raise AnalysisError(msg)
    grid = grid or make_grid(xy, cell_m=cell_m)
    warning = _warn_few(len(xy) // len(periods), min_events=min_events, n_cells=grid.n_cells)
    zs = np.empty((len(periods), grid.n_cells))
    hot = np.zeros((len(periods), grid.n_cells), dtype=bool)
    total = np.zeros(grid.n_cells, dtype=np.int64)
    for i, year in enumerate(periods):
        counts = grid.counts(xy[years_of == year])
        total += counts.ravel()
        z = gi_star_grid(counts).ravel()
        zs[i] = z
        hot[i] = bh_fdr(p_values(z), alpha=alpha)[0] & (z > 0)
    s, tz, tp = mann_kendall(zs.T)
    keep = total > 0
    cats = np.full(grid.n_cells, "no pattern", dtype=object)
    for j in np.nonzero(keep)[0]:
        cats[j] = classify_trajectory(hot[:, j], tz[j], tp[j], alpha=alpha)
    cols: dict[str, NDArray[Any]] = {
        "count": total,
        "years_hot": hot.sum(axis=0),
        "hot_last": hot[-1],
        "trend_z": tz,
        "trend_p": tp,
        "trend_s": s,
        "category": cats,
    }
    for i, year in enumerate(periods):
        cols[f"z_{year}"] = zs[i]
    gdf = grid.to_gdf(cols, keep=keep)
    gdf.attrs.update(grid=grid, years=periods, alpha=alpha, warning=warning)
    return gdf


def summarise_classes(gdf: pd.DataFrame, column: str = "gi_class") -> dict[str, int]:
    """Counts of cells per class label (for CLI summaries)."""
    return {CLASS_LABELS[int(k)]: int(v) for k, v in gdf[column].value_counts().sort_index(ascending=False).items()}
