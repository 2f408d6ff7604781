"""Private helpers of :mod:`geo.analysis.riskterrain`: input checks, the study cells, the candidate variables
(one KD-tree per factor layer), spatial-block folds and the cross-validated lasso path. Not public API: import
the public names from :mod:`geo.analysis.riskterrain`.

Everything is measured in EPSG:32611 metres; inputs come in EPSG:4326.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
import statsmodels.api as sm
from numpy.typing import NDArray
from pyproj import CRS
from scipy.spatial import cKDTree
from shapely.geometry.base import BaseGeometry
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from geo.analysis.grid import SquareGrid, make_grid
from geo.analysis.study import RULE_GIVEN, StudyArea
from geo.core.errors import AnalysisError
from geo.core.projection import WGS84
from geo.core.validate import EDGE_TOL_M, metric_xy

PROXIMITY = "proximity"
DENSITY = "density"

N_ALPHAS = 25  # penalties on the lasso path below the smallest one that keeps no variable (glmnet uses 100)
ALPHA_MIN_RATIO = 1e-3  # the path runs from alpha_max down to alpha_max * this (glmnet: 1e-4 when n > p)
LASSO_MAX_SWEEPS = 300  # coordinate-descent sweeps per penalised fit (statsmodels' default of 50 can stop short)
LASSO_TOL = 1e-9  # a penalised fit has converged when no coefficient moves more than this in one sweep
SE_RULE = 1.0
"""The model kept is the smallest whose cross-validated deviance exceeds the smallest by at most this many standard
errors of that difference (the one-standard-error rule, Hastie, Tibshirani & Friedman 2009, section 7.10): the
smallest deviance is itself an estimate, and the simpler model it cannot tell apart is preferred. The differences
are paired by fold, because folds of blocks differ much in their own deviance, which would swamp the differences
between models."""
TIE_DEVIANCE = 1e-9  # deviances closer than this tie (proximity and density are one variable when counts are 0/1)
BLOCK_BANDS = 2.0  # side of a fold's spatial block, in widest bands: a factor point reaches at most two blocks
MIN_BLOCKS_PER_FOLD = 2  # blocks are halved until every fold can get this many (one odd block is not a fold)
OVERDISPERSION = 1.5
"""A Poisson fit whose Pearson chi2 / df is above this is refitted as a negative binomial: the variance is then at
least half as large again as the Poisson assumes, which widens honest intervals by sqrt(1.5), about 22 %, while the
ratio's own sampling error on a few hundred cells is about sqrt(2 / df), 0.07 at 400 cells."""
NB_MAX_ITER = 200  # Newton iterations of the negative binomial fit
LONLAT_LIMITS = (180.0, 90.0)  # an area whose bounds fit in these (degrees) was given in EPSG:4326 by mistake


# --- inputs -------------------------------------------------------------------------------------------------


def wgs84_points(layer: object, what: str, *, allow_empty: bool = False) -> NDArray[np.float64]:
    """The ``(n, 2)`` EPSG:32611 metres of a GeoDataFrame of points in EPSG:4326, or :class:`AnalysisError`."""
    if not isinstance(layer, gpd.GeoDataFrame):
        msg = f"{what} must be a GeoDataFrame of points in EPSG:4326, got {type(layer).__name__}"
        raise AnalysisError(msg)
    if layer.crs is None:
        msg = f"{what} has no CRS; expected points in EPSG:4326 (longitude, latitude)"
        raise AnalysisError(msg)
    if CRS.from_user_input(layer.crs) != CRS.from_user_input(WGS84):
        msg = f"{what} is in {layer.crs.to_string()}; expected EPSG:4326 (reproject it with .to_crs('EPSG:4326'))"
        raise AnalysisError(msg)
    if len(layer) == 0 and not allow_empty:
        msg = f"{what} has no points; expected at least one point in EPSG:4326 (leave the layer out instead)"
        raise AnalysisError(msg)
    missing = int((layer.geometry.isna() | layer.geometry.is_empty).sum())
    if missing:
        msg = f"{what} has {missing} rows with no location; expected a point in every row (drop those rows)"
        raise AnalysisError(msg)
    kinds = sorted(set(layer.geom_type))
    if len(layer) and kinds != ["Point"]:
        msg = f"{what} must hold points (a MultiPoint or a polygon has no one location), got {kinds}"
        raise AnalysisError(msg)
    return metric_xy(layer)


def factor_points(factors: object) -> dict[str, NDArray[np.float64]]:
    """Each factor layer's points in EPSG:32611 metres, checked, in the order given."""
    if not isinstance(factors, Mapping):
        msg = (
            f"factors must be a mapping of name to a GeoDataFrame of points in EPSG:4326, got {type(factors).__name__}"
        )
        raise AnalysisError(msg)
    if len(factors) == 0:
        msg = "no factors: expected at least one factor layer ({name: GeoDataFrame of points in EPSG:4326}), got none"
        raise AnalysisError(msg)
    out: dict[str, NDArray[np.float64]] = {}
    for name, layer in factors.items():
        if not isinstance(name, str) or not name.strip():
            msg = f"factor names must be non-empty text, got {name!r}"
            raise AnalysisError(msg)
        out[name] = wgs84_points(layer, f"factor {name!r}")
    return out


def check_area(area: object) -> BaseGeometry:
    """The study area as a valid polygonal shapely geometry in EPSG:32611 metres, or :class:`AnalysisError`."""
    geom = area.geometry if isinstance(area, StudyArea) else area
    if not isinstance(geom, BaseGeometry):
        msg = f"area must be a shapely Polygon or MultiPolygon in EPSG:32611 metres, got {type(area).__name__}"
        raise AnalysisError(msg)
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon") or geom.area <= 0:
        what = "an empty geometry" if geom.is_empty else f"a {geom.geom_type} of {geom.area:g} m²"
        msg = f"area must be a Polygon or MultiPolygon with some area, in EPSG:32611 metres; got {what}"
        raise AnalysisError(msg)
    minx, miny, maxx, maxy = geom.bounds
    lon_max, lat_max = LONLAT_LIMITS
    if max(abs(minx), abs(maxx)) <= lon_max and max(abs(miny), abs(maxy)) <= lat_max:
        bounds = ", ".join(f"{v:g}" for v in geom.bounds)
        msg = f"area looks like longitude/latitude degrees (bounds {bounds}); expected EPSG:32611 metres"
        raise AnalysisError(msg)
    return geom if geom.is_valid else shapely.make_valid(geom)


# --- cells and variables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cells:
    """The study cells of a square grid: centre inside the area (EPSG:32611 metres)."""

    grid: SquareGrid
    mask: NDArray[np.bool_]  # (ny, nx): study cells
    ids: NDArray[np.int64]  # cell_id of each study cell, ascending
    xy: NDArray[np.float64]  # (n, 2) cell centres, metres
    events: NDArray[np.int64]  # incidents in each study cell
    outside: int  # incidents in no study cell


def study_cells(area: BaseGeometry, incident_xy: NDArray[np.float64], *, cell_m: float) -> Cells:
    """The ``cell_m`` cells whose centre lies in ``area`` and the incidents counted in each."""
    grid = make_grid(cell_m=cell_m, bounds=area.bounds, pad_cells=0)
    mask = StudyArea(area, guess=False, rule=RULE_GIVEN).cell_mask(grid)
    if not mask.any():
        msg = f"the area ({area.area:,.0f} m²) holds no centre of a {cell_m:g} m cell; expected a larger area"
        raise AnalysisError(msg)
    ids = np.flatnonzero(mask.ravel()).astype(np.int64)
    xs, ys = grid.centres()
    xy = np.column_stack([xs[ids % grid.nx], ys[ids // grid.nx]])
    events = grid.counts(incident_xy).ravel()[ids]
    return Cells(grid, mask, ids, xy, events, len(incident_xy) - int(events.sum()))


def candidate_variables(
    cell_xy: NDArray[np.float64], factor_xy: NDArray[np.float64], bands_m: Sequence[float]
) -> tuple[NDArray[np.bool_], NDArray[np.int64]]:
    """Proximity and density of one factor layer at each cell centre, with a KD-tree.

    Parameters
    ----------
    cell_xy
        ``(n, 2)`` cell centres, EPSG:32611 metres.
    factor_xy
        ``(m, 2)`` factor points, EPSG:32611 metres.
    bands_m
        Distances, metres.

    Returns
    -------
    proximity, density
        ``(n, len(bands_m))`` each: whether the nearest factor point is within the band of the centre, and how
        many factor points are (a point on the band's edge counts as within).
    """
    bands = np.asarray(bands_m, dtype=float)
    tree = cKDTree(factor_xy)
    nearest, _ = tree.query(cell_xy, k=1, distance_upper_bound=float(bands.max()) + 2 * EDGE_TOL_M)
    proximity = nearest[:, None] <= bands[None, :] + EDGE_TOL_M
    counts = [tree.query_ball_point(cell_xy, r=float(b) + EDGE_TOL_M, return_length=True) for b in bands]
    return proximity, np.column_stack(counts).astype(np.int64)


@dataclass(frozen=True)
class Candidate:
    """One candidate variable of a factor: its operation, its band and its value in each study cell.

    ``values`` are on the model's scale (0/1 for proximity; the count standardised over the study cells for
    density); ``scale`` is 1 for proximity and the count's standard deviation (points) for density; ``base`` is the
    value of a cell with no factor point within the band (0, or ``-mean / sd``).
    """

    factor: str
    operation: str
    band_m: float
    values: NDArray[np.float64]
    scale: float
    base: float

    @property
    def name(self) -> str:
        """Column name, e.g. ``streetlights_proximity_150m``."""
        return f"{self.factor}_{self.operation}_{self.band_m:g}m"


def factor_candidates(
    name: str, cell_xy: NDArray[np.float64], factor_xy: NDArray[np.float64], bands_m: Sequence[float]
) -> tuple[list[Candidate], str]:
    """The candidate variables of a factor that vary over the study cells, and why there are none when so."""
    proximity, density = candidate_variables(cell_xy, factor_xy, bands_m)
    out: list[Candidate] = []
    for j, band in enumerate(bands_m):
        near = proximity[:, j].astype(float)
        if near.std() > 0:
            out.append(Candidate(name, PROXIMITY, float(band), near, 1.0, 0.0))
        count = density[:, j].astype(float)
        sd = float(count.std())
        if sd > 0:
            mean = float(count.mean())
            out.append(Candidate(name, DENSITY, float(band), (count - mean) / sd, sd, -mean / sd))
    if out:
        return out, ""
    if not proximity.any():
        return out, f"never present in the study area (no point within {max(bands_m):g} m of a study cell)"
    return out, "present around every study cell alike (no contrast between cells at any band)"


# --- folds --------------------------------------------------------------------------------------------------


def block_folds(cells: Cells, *, folds: int, seed: int, block_m: float) -> tuple[NDArray[np.int64], float]:
    """The fold of each study cell, by square blocks of cells shuffled with ``seed``; and the block side (metres).

    Blocks start ``block_m`` wide and are halved until there are ``MIN_BLOCKS_PER_FOLD`` blocks a fold (down to
    one cell a block); blocks are dealt to the folds in a seeded random order.
    """
    grid = cells.grid
    rows, cols = cells.ids // grid.nx, cells.ids % grid.nx
    side = max(1, int(np.ceil(block_m / grid.cell_m - EDGE_TOL_M)))
    while True:
        block = (rows // side) * (grid.nx // side + 1) + cols // side
        _, inverse = np.unique(block, return_inverse=True)
        n_blocks = int(inverse.max()) + 1
        if n_blocks >= folds * MIN_BLOCKS_PER_FOLD or side == 1:
            break
        side = max(1, side // 2)
    if n_blocks < folds:
        msg = f"{len(cells.ids)} study cells make only {n_blocks} blocks; {folds}-fold cross-validation needs {folds}"
        raise AnalysisError(msg)
    order = np.random.default_rng(seed).permutation(n_blocks)
    fold_of_block = np.empty(n_blocks, dtype=np.int64)
    fold_of_block[order] = np.arange(n_blocks) % folds
    return fold_of_block[inverse], side * grid.cell_m


# --- the penalised Poisson path -----------------------------------------------------------------------------


def lasso_poisson(
    x: NDArray[np.float64], y: NDArray[np.float64], *, alpha: float, start: NDArray[np.float64] | None = None
) -> tuple[NDArray[np.float64], bool]:
    """A lasso Poisson fit with statsmodels (``GLM.fit_regularized``, elastic net with ``L1_wt=1``).

    Minimises ``-loglike / n + alpha * sum |beta_j|`` over the slopes; the intercept (added first) is not
    penalised. Returns the ``1 + x.shape[1]`` coefficients and whether coordinate descent converged.
    """
    y = np.asarray(y, dtype=float)
    if np.isinf(alpha) or x.shape[1] == 0:
        return np.r_[np.log(y.mean()), np.zeros(x.shape[1])], True
    exog = np.column_stack([np.ones(len(y)), x])
    weights = np.r_[0.0, np.full(x.shape[1], float(alpha))]
    model = sm.GLM(y, exog, family=sm.families.Poisson())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported through the flag returned
        fit = model.fit_regularized(
            method="elastic_net", L1_wt=1.0, alpha=weights, start_params=start,
            maxiter=LASSO_MAX_SWEEPS, cnvrg_tol=LASSO_TOL,
        )  # fmt: skip
    return np.asarray(fit.params, dtype=float), bool(getattr(fit, "converged", True))


def alpha_max(z: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """The smallest penalty at which the lasso keeps no slope: ``max_j |z_j' (y - mean y)| / n``."""
    if z.shape[1] == 0:
        return 0.0
    return float(np.abs(z.T @ (y - y.mean())).max() / len(y))


def poisson_deviance(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    """Poisson deviance ``2 sum(y log(y / mu) - (y - mu))`` (``y log y = 0`` at ``y = 0``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2.0 * np.sum(term - (y - mu)))


def best_columns(groups: Sequence[Sequence[Candidate]], y: NDArray[np.float64], rows: NDArray[np.bool_]) -> list[int]:
    """Each factor's best candidate on ``rows``: the smallest deviance of a one-variable Poisson GLM (ties to the
    earlier: proximity before density, narrower bands first); -1 when none varies on ``rows``."""
    yr = y[rows]
    out = []
    for group in groups:
        best, best_dev = -1, np.inf
        for j, cand in enumerate(group):
            v = cand.values[rows]
            if v.std() > 0:
                params, _ = poisson_refit(v[:, None], yr)
                d = poisson_deviance(yr, np.exp(params[0] + v * params[1]))
                if d < best_dev - TIE_DEVIANCE:
                    best, best_dev = j, d
        out.append(best)
    return out


def design(
    groups: Sequence[Sequence[Candidate]], picks: Sequence[int], rows: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], list[int]]:
    """The picked columns standardised on ``rows`` (all cells), and the factors they belong to."""
    cols, owners = [], []
    for f, (group, j) in enumerate(zip(groups, picks, strict=True)):
        if j >= 0:
            v = group[j].values
            cols.append((v - v[rows].mean()) / v[rows].std())
            owners.append(f)
    z = np.column_stack(cols) if cols else np.empty((len(rows), 0))
    return z, owners


def poisson_refit(z: NDArray[np.float64], y: NDArray[np.float64]) -> tuple[NDArray[np.float64], bool]:
    """Unpenalised Poisson GLM of ``y`` on ``z`` with an intercept (first); and whether it fitted without a warning
    (perfect separation, iteration limit, overflow: the fit is kept, the caller notes it)."""
    exog = np.column_stack([np.ones(len(y)), z])
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        params = sm.GLM(y, exog, family=sm.families.Poisson()).fit().params
    return np.asarray(params, dtype=float), not caught


@dataclass(frozen=True)
class Path:
    """A lasso path over one variable per factor: the factors in the order they enter it, and the penalty at
    which each enters (the largest on the grid where its coefficient is not 0)."""

    order: list[int]
    entry: list[float]
    failed: int


def entry_order(z: NDArray[np.float64], y: NDArray[np.float64], owners: Sequence[int]) -> Path:
    """The lasso path of ``y`` on standardised ``z`` (one column per factor ``owners``), from ``alpha_max`` down
    to ``alpha_max * ALPHA_MIN_RATIO`` on ``N_ALPHAS`` log-spaced penalties with warm starts."""
    top = alpha_max(z, y)
    alphas = top * np.logspace(0.0, np.log10(ALPHA_MIN_RATIO), N_ALPHAS) if top > 0 else np.empty(0)
    first: dict[int, tuple[int, float]] = {}
    start: NDArray[np.float64] | None = None
    failed = 0
    for i, a in enumerate(alphas):
        params, ok = lasso_poisson(z, y, alpha=float(a), start=start)
        start, failed = params, failed + (not ok)
        for j in np.flatnonzero(params[1:]):
            first.setdefault(int(j), (i, -abs(float(params[1 + j]))))
        if len(first) == z.shape[1]:
            break  # every factor has entered: the rest of the path changes no order
    ranked = sorted(first, key=lambda j: (*first[j], j))
    return Path([owners[j] for j in ranked], [float(alphas[first[j][0]]) for j in ranked], failed)


@dataclass(frozen=True)
class PathChoice:
    """How many of the factors, in the order they enter the lasso path, cross-validation keeps.

    ``cv[m]``/``se[m]``: out-of-sample Poisson deviance (summed over all cells) of the unpenalised refit of the first
    ``m`` factors to enter each fold's path, and the standard error of its difference from the smallest (paired by
    fold). ``chosen``: the ``m`` kept (at most ``max_factors``); ``free``: the ``m`` without that cap; ``path``: the
    full-data path; ``picks``: each factor's best candidate on all cells (-1: none); ``failed``: fits that did not
    converge cleanly.
    """

    cv: NDArray[np.float64]
    se: NDArray[np.float64]
    chosen: int
    free: int
    path: Path
    picks: list[int]
    failed: int


def _within_rule(dev: NDArray[np.float64], sizes: int) -> tuple[int, NDArray[np.float64]]:
    """The smallest model among the first ``sizes`` whose deviance exceeds the smallest by at most ``SE_RULE``
    standard errors of that difference (paired by fold); and those standard errors."""
    cv = dev[:, :sizes].sum(axis=0)
    best = int(np.argmin(cv))
    se = np.sqrt(len(dev)) * (dev[:, :sizes] - dev[:, [best]]).std(axis=0, ddof=1)
    return int(np.flatnonzero(cv - cv[best] <= SE_RULE * se)[0]), se


def _fold_deviances(
    groups: Sequence[Sequence[Candidate]], y: NDArray[np.float64], train: NDArray[np.bool_], sizes: int
) -> tuple[NDArray[np.float64], int]:
    """Held-out deviance of the refit of the first ``m`` factors to enter the training cells' path, ``m < sizes``
    (a path with fewer factors repeats its last model)."""
    z, owners = design(groups, best_columns(groups, y, train), train)
    path = entry_order(z[train], y[train], owners)
    out = np.zeros(sizes)
    failed = path.failed
    for m in range(sizes):
        cols = [owners.index(f) for f in path.order[:m]]
        params, ok = poisson_refit(z[train][:, cols], y[train])
        with np.errstate(over="ignore"):
            mu = np.exp(params[0] + z[~train][:, cols] @ params[1:])
        out[m] = poisson_deviance(y[~train], mu)
        failed += not ok
    return out, failed


def cv_lasso(
    groups: Sequence[Sequence[Candidate]], y: NDArray[np.float64], fold: NDArray[np.int64], *, max_factors: int
) -> PathChoice:
    """The factors' lasso path on all cells, and how many of them k-fold cross-validation keeps.

    The whole procedure (best candidate per factor, standardisation, path, refit) is repeated on each fold's
    training cells, so the held-out deviance covers the choice of operation, band and order too.
    """
    everywhere = np.ones(len(y), dtype=bool)
    picks = best_columns(groups, y, everywhere)
    z_all, owners = design(groups, picks, everywhere)
    path = entry_order(z_all, y, owners)
    sizes = len(owners) + 1
    folds = int(fold.max()) + 1
    dev = np.zeros((folds, sizes))
    failed = path.failed
    for k in range(folds):
        train = fold != k
        if y[train].sum() == 0:
            msg = f"every incident lies in fold {k + 1} of {folds}: too concentrated to cross-validate"
            raise AnalysisError(msg)
        dev[k], bad = _fold_deviances(groups, y, train, sizes)
        failed += bad
    free, se = _within_rule(dev, sizes)
    chosen, _ = _within_rule(dev, min(sizes, max_factors + 1))
    return PathChoice(dev.sum(axis=0), se, chosen, free, path, picks, failed)


@dataclass(frozen=True)
class Refit:
    """The unpenalised fit of the kept variables: its name, coefficients (intercept first), standard errors,
    p-values, the Poisson fit's Pearson chi2/df, the NB2 dispersion alpha (NaN for Poisson) and notes."""

    name: str
    params: NDArray[np.float64]
    bse: NDArray[np.float64]
    pvalues: NDArray[np.float64]
    dispersion: float
    nb_alpha: float
    notes: tuple[str, ...]


def final_fit(x: NDArray[np.float64], y: NDArray[np.float64]) -> Refit:
    """Unpenalised Poisson GLM of ``y`` on ``x`` (with an intercept), or NB2 when it is overdispersed; warnings of
    the fits become notes."""
    exog = np.column_stack([np.ones(len(y)), x])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pois = sm.GLM(y, exog, family=sm.families.Poisson()).fit()
        dispersion = float(pois.pearson_chi2 / pois.df_resid) if pois.df_resid > 0 else float("nan")
        if not dispersion > OVERDISPERSION:
            fit, name, notes, nb_alpha = pois, "Poisson", [], float("nan")
        else:
            fit = sm.NegativeBinomial(y, exog, loglike_method="nb2").fit(disp=0, maxiter=NB_MAX_ITER)
            name, nb_alpha = "negative binomial (NB2)", float(fit.params[-1])
            notes = [
                f"Poisson fit overdispersed (Pearson chi2/df {dispersion:.2f} > {OVERDISPERSION}): refitted as a "
                f"negative binomial (NB2), dispersion alpha {nb_alpha:.3f}"
            ]
    notes += [f"the final fit warned: {w.message}" for w in caught]
    k = exog.shape[1]  # the NB2 fit's last parameter is its dispersion alpha
    params, bse, pvalues = (np.asarray(v, dtype=float)[:k] for v in (fit.params, fit.bse, fit.pvalues))
    return Refit(name, params, bse, pvalues, dispersion, nb_alpha, tuple(notes))
