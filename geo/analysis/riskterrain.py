"""Risk factors beside incidents, and a risk terrain model (Caplan and Kennedy).

Two questions about point layers of places (311 streetlight requests, alcohol outlets, bus stops...) and
incidents, both on a square grid of ``risk.cell_m`` cells over a study area (cells whose centre lies in the area;
every distance in EPSG:32611 metres, inputs in EPSG:4326):

:func:`near_far`
    Per factor layer, incidents per cell in cells whose centre is within ``risk.near_m`` of a point of the layer
    ("near") against the other study cells ("far"), their ratio and its exact 95 % interval. The interval is the
    exact conditional one: given all ``N`` incidents, those near are binomial with probability
    ``c_n RR / (c_n RR + c_f)`` (``c_n``, ``c_f`` the cells near and far), so the Clopper-Pearson interval of that
    probability maps onto the rate ratio (the exact conditional comparison of two Poisson rates; Breslow & Day,
    *Statistical Methods in Cancer Research* II, 1987). A ratio read from fewer than
    :data:`FEW_EVENTS` incidents on either side is flagged.

:func:`risk_terrain`
    A risk terrain model after Caplan & Kennedy (*Risk Terrain Modeling: Crime Prediction and Risk Reduction*,
    University of California Press, 2016) and their RTMDx software. Each factor becomes candidate variables per
    cell and band of ``risk.bands_m``: *proximity* (1 when the nearest point of the layer is within the band of the
    cell centre) and *density* (the number of its points within the band, standardised over the study cells); a
    KD-tree gives both. The candidate whose one-variable Poisson model fits best (smallest deviance) stands for the
    factor: its best operation and band, so at most one variable per factor. A lasso Poisson model over those
    (statsmodels ``GLM.fit_regularized``, elastic net with ``L1_wt=1``, unpenalised intercept, standardised
    columns; Tibshirani 1996) runs along a path of penalties from the one that keeps nothing down to a thousandth
    of it, and the order in which factors enter the path ranks them. The penalty, that is how many factors enter,
    is chosen by ``risk.folds``-fold cross-validation on the out-of-sample Poisson deviance of the unpenalised
    refit of the first factors to enter (the relaxed lasso, Meinshausen 2007, Comput Stat Data Anal 52:374, at
    phi = 0: the model judged is the model reported, where shrunken predictions let an unrelated factor in with a
    tiny coefficient), with the one-standard-error rule on the fold-paired differences (Hastie, Tibshirani &
    Friedman 2009, section 7.10) and at most ``risk.max_factors`` factors. Folds are square blocks of cells dealt
    out with ``risk.seed``, so neighbouring cells share a fold and their likeness does not leak between training
    and testing (Roberts et al. 2017, Ecography 40:913); the choice of operation and band, the path and the refit
    are redone inside each fold. A factor in the chosen model is KEPT; the others are DROPPED, with the reason. The
    kept variables are refitted without a penalty, as a Poisson GLM, or a negative binomial (NB2) model when the
    Poisson fit is overdispersed (:data:`OVERDISPERSION`). Each cell's relative risk value is
    ``RRV = exp(sum beta_k (x_k - x_k0))``, ``x_k0`` being the value of a cell with no point of the factor within
    the band (0 for proximity), so a cell with none of the kept factors around it has RRV 1.

    Unlike RTMDx, density here is a count within the band (RTMDx, as Caplan and Kennedy describe it, marks cells
    two standard deviations above the mean kernel density) and there is no stepwise BIC step after the lasso.

Limits, in plain words:

- These are associations, not causes: a factor kept is one where incidents were more (or less) common near it in
  this period; it may stand for something else that comes with it, and removing it need not change anything.
- A factor layer is only as complete as its source: 311 requests record where people called, not every broken
  light; a missing outlet counts as "not near".
- The result depends on the cells and bands chosen (the modifiable areal unit problem): another cell size or
  another set of bands can keep other factors.
- The model describes the period's events only; it forecasts another period only as far as places and factors
  stay the same.
- Intervals and p-values of the refitted model do not allow for the selection that came before them, so they are
  somewhat too narrow; cross-validation, not the p-value, decides what is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from geo.analysis._riskfactors import (
    BLOCK_BANDS,
    DENSITY,
    PROXIMITY,
    Candidate,
    Cells,
    PathChoice,
    Refit,
    alpha_max,
    block_folds,
    candidate_variables,
    check_area,
    cv_lasso,
    factor_candidates,
    factor_points,
    final_fit,
    lasso_poisson,
    study_cells,
    wgs84_points,
)
from geo.analysis._riskfactors import OVERDISPERSION as OVERDISPERSION
from geo.analysis.change import rate_ratio_interval as change_interval
from geo.analysis.grid import SquareGrid
from geo.core.disclosure import Disclosure, ShownCounts
from geo.core.errors import AnalysisError
from geo.core.settings import RiskSettings, get_settings
from geo.core.validate import check_bands, positive

LEVEL = 0.95  # the level of every interval
FEW_EVENTS = 5
"""A near/far ratio read from fewer incidents than this on either side is flagged: the exact 95 % interval of a
count of 4 runs from 1.09 to 10.24, a ninefold range, so one incident more or less moves the ratio by a quarter."""
KEPT = "kept"
DROPPED = "dropped"
UNBOUNDED_SE = 10.0  # a log relative risk with a larger standard error has no finite estimate (separation)
UNBOUNDED = (
    "kept, but no finite estimate: incidents are (nearly) absent on one side of it; read it as none, not a ratio"
)
NO_GAIN = "no gain in cross-validated deviance (not in the model chosen by cross-validation)"
NEAR_FAR_COLUMNS = [
    "factor", "points", "cells_near", "cells_far", "incidents_near", "incidents_far", "per_cell_near",
    "per_cell_far", "ratio", "ratio_low", "ratio_high", "readable", "reading",
]  # fmt: skip
FACTOR_COLUMNS = [
    "factor", "status", "reason", "points", "variable", "operation", "band_m", "scale", "coef", "se", "rr",
    "rr_low", "rr_high", "p_value",
]  # fmt: skip


def _z() -> float:
    return float(stats.norm.ppf(0.5 + LEVEL / 2))


def _settings(settings: RiskSettings | None) -> RiskSettings:
    s = get_settings().risk if settings is None else settings
    check_bands(s.bands_m, "risk.bands_m", "metres")
    positive(s.cell_m, "risk.cell_m", "metres")
    return s


def _inputs(
    incidents: object, factors: object, area: object, cell_m: float
) -> tuple[Cells, dict[str, NDArray[np.float64]]]:
    points = factor_points(factors)
    xy = wgs84_points(incidents, "incidents", allow_empty=True)
    return study_cells(check_area(area), xy, cell_m=cell_m), points


# --- near and far -------------------------------------------------------------------------------------------


def rate_ratio_interval(near: int, far: int, cells_near: int, cells_far: int) -> tuple[float, float, float]:
    """Ratio of incidents per cell near to far and its exact conditional 95 % interval (the one rule of
    :func:`geo.analysis.change.rate_ratio_interval`, with the cells as the exposure); NaN when there is no cell on a
    side or no incident."""
    if cells_near == 0 or cells_far == 0 or near + far == 0:
        return float("nan"), float("nan"), float("nan")
    exposure = cells_near / cells_far
    ratio = float("inf") if far == 0 else near / far / exposure
    low, high = change_interval(near, far, exposure=exposure, level=LEVEL)
    return ratio, low, high


def _reading(row: dict[str, Any], near_m: float) -> tuple[bool, str]:
    if row["cells_near"] == 0:
        return False, f"no study cell within {near_m:g} m of a point of this layer: nothing to compare"
    if row["cells_far"] == 0:
        return False, f"every study cell is within {near_m:g} m of a point of this layer: nothing to compare"
    near, far = row["incidents_near"], row["incidents_far"]
    if near < FEW_EVENTS or far < FEW_EVENTS:
        return False, f"too few incidents to read ({near} near, {far} far; fewer than {FEW_EVENTS} on a side)"
    return True, ""


def near_far(
    incidents: gpd.GeoDataFrame,
    factors: Mapping[str, gpd.GeoDataFrame],
    *,
    area: object,
    settings: RiskSettings | None = None,
) -> pd.DataFrame:
    """Incidents per cell near each factor layer against far from it.

    Parameters
    ----------
    incidents
        Points in EPSG:4326 (only the geometry is read).
    factors
        Factor name -> GeoDataFrame of points in EPSG:4326.
    area
        The study area, a shapely Polygon or MultiPolygon in EPSG:32611 metres: the study cells are the
        ``settings.cell_m`` cells whose centre lies in it.
    settings
        The ``risk`` settings section (default: the configured one); ``near_m`` (metres) is "near".

    Returns
    -------
    pandas.DataFrame
        One row per factor, in the order given: ``factor, points`` (of the layer), ``cells_near, cells_far``
        (study cells whose centre is within ``near_m`` of a point, and the others), ``incidents_near,
        incidents_far``, ``per_cell_near, per_cell_far`` (incidents per cell), ``ratio`` (near over far) with
        ``ratio_low, ratio_high`` (exact conditional 95 % interval; NaN with no cell on a side or no incident),
        ``readable`` and ``reading`` (why not, when a side has no cell or fewer than :data:`FEW_EVENTS` incidents).
    """
    s = _settings(settings)
    near_m = positive(s.near_m, "risk.near_m", "metres")
    cells, points = _inputs(incidents, factors, area, s.cell_m)
    rows = []
    for name, pts in points.items():
        near = candidate_variables(cells.xy, pts, [near_m])[0][:, 0]
        row: dict[str, Any] = {
            "factor": name, "points": len(pts), "cells_near": int(near.sum()), "cells_far": int((~near).sum()),
            "incidents_near": int(cells.events[near].sum()), "incidents_far": int(cells.events[~near].sum()),
        }  # fmt: skip
        with np.errstate(divide="ignore", invalid="ignore"):
            row["per_cell_near"] = row["incidents_near"] / row["cells_near"] if row["cells_near"] else float("nan")
            row["per_cell_far"] = row["incidents_far"] / row["cells_far"] if row["cells_far"] else float("nan")
        row["ratio"], row["ratio_low"], row["ratio_high"] = rate_ratio_interval(
            row["incidents_near"], row["incidents_far"], row["cells_near"], row["cells_far"]
        )
        row["readable"], row["reading"] = _reading(row, near_m)
        rows.append(row)
    out = pd.DataFrame(rows, columns=NEAR_FAR_COLUMNS)
    out.attrs.update({"near_m": near_m, "cell_m": s.cell_m, "n_cells": len(cells.ids), "outside": cells.outside})
    return out


RATE_COLUMNS = ("per_cell_near", "per_cell_far", "ratio", "ratio_low", "ratio_high")


def shown_near_far(table: pd.DataFrame, rule: Disclosure) -> tuple[pd.DataFrame, list[ShownCounts]]:
    """:func:`near_far` as a view may show it: each factor's pair of counts protected together (their sum is the
    incidents in the study area, printed beside them), and where either is hidden, the rates and the ratio withheld
    too (a rate or a ratio beside a shown count would give the hidden one back). The one rule for the page and
    the command line; returns the table with the rates withheld (NaN) and each row's pair."""
    pairs = [
        rule.counts([near, far]) for near, far in zip(table["incidents_near"], table["incidents_far"], strict=True)
    ]
    out = table.copy()
    hidden = np.array([bool(pair.hidden.any()) for pair in pairs], dtype=bool)
    for col in RATE_COLUMNS:
        out[col] = out[col].astype(float).where(~hidden)
    return out, pairs


# --- the risk terrain model ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskTerrain:
    """A fitted risk terrain model (:func:`risk_terrain`).

    Attributes
    ----------
    model
        ``"Poisson"`` or ``"negative binomial (NB2)"``, the unpenalised refit of the kept variables.
    factors
        One row per factor, in the order given: ``factor, status`` (``"kept"``/``"dropped"``), ``reason`` (why
        dropped, or a caution on a kept factor whose coefficient has no finite estimate), ``points`` (of the
        layer), ``variable`` (column name in ``cells``), ``operation`` (``"proximity"``/``"density"``), ``band_m``
        (metres), ``scale`` (1 for proximity; for density the standard deviation of the count over the study cells,
        points: the coefficient is per that many points, ``exp(coef / scale)`` per point), ``coef``, ``se``, ``rr``
        (relative risk ``exp(coef)``), ``rr_low, rr_high`` (95 % Wald interval), ``p_value``.
    cells
        Study cells in EPSG:4326: ``cell_id`` (``row * nx + col`` of ``grid``), ``events``, ``rrv`` (relative risk
        value, 1 = a cell with none of the kept factors) and one column per kept variable (0/1 or the standardised
        count), with the cell squares.
    n_events, n_cells, n_event_cells
        Incidents in the study cells, study cells, and study cells with an incident.
    cv_deviance, cv_deviance_null
        Out-of-sample Poisson deviance (summed over the cells) of the model chosen by cross-validation and of the
        intercept-only model.
    alpha
        The penalty chosen: where the last kept factor enters the lasso path (``inf``: no factor kept).
    dispersion
        Pearson chi2 / df of the Poisson refit (above :data:`OVERDISPERSION`: negative binomial).
    nb_alpha
        The negative binomial's dispersion alpha (variance ``mu + alpha mu^2``); NaN for a Poisson model.
    intercept
        The refit's intercept (log incidents per cell with every kept variable at 0).
    cv_path
        One row per model size along the path: ``n_factors``, ``added`` (the factor that enters), ``alpha`` (where
        it enters), ``cv_deviance`` and ``cv_se`` (standard error of its difference from the smallest, paired by
        fold).
    grid
        The square grid (EPSG:32611).
    settings
        The ``risk`` settings used.
    notes
        Plain sentences about the fit (incidents outside the study cells, fold blocks, convergence...).
    """

    model: str
    factors: pd.DataFrame
    cells: gpd.GeoDataFrame
    n_events: int
    n_cells: int
    n_event_cells: int
    cv_deviance: float
    cv_deviance_null: float
    alpha: float
    dispersion: float
    nb_alpha: float
    intercept: float
    cv_path: pd.DataFrame
    grid: SquareGrid
    settings: RiskSettings
    notes: tuple[str, ...] = field(default=())

    @property
    def kept(self) -> list[str]:
        """Names of the kept factors."""
        return self.factors.loc[self.factors["status"] == KEPT, "factor"].tolist()

    @property
    def dropped(self) -> list[str]:
        """Names of the dropped factors."""
        return self.factors.loc[self.factors["status"] == DROPPED, "factor"].tolist()

    def describe(self) -> dict[str, Any]:
        """Plain values for captions and JSON."""
        return {
            "model": self.model, "n_events": self.n_events, "n_cells": self.n_cells,
            "n_event_cells": self.n_event_cells, "cell_m": self.settings.cell_m,
            "bands_m": list(self.settings.bands_m), "folds": self.settings.folds, "seed": self.settings.seed,
            "cv_deviance": round(self.cv_deviance, 3), "cv_deviance_null": round(self.cv_deviance_null, 3),
            "dispersion": round(self.dispersion, 3), "kept": self.kept, "dropped": self.dropped,
            "notes": list(self.notes),
        }  # fmt: skip


def _refuse_sparse(cells: Cells, s: RiskSettings) -> None:
    n_events, n_cells = int(cells.events.sum()), int((cells.events > 0).sum())
    if n_events < s.min_events or n_cells < s.min_event_cells:
        msg = (
            f"{n_events} incidents in {n_cells} cells; the risk terrain model needs at least {s.min_events} "
            f"incidents in at least {s.min_event_cells} cells"
        )
        raise AnalysisError(msg)


def _factor_table(
    names: list[str],
    points: dict[str, NDArray[np.float64]],
    reasons: dict[str, str],
    kept: list[Candidate],
    fit: Refit,
) -> pd.DataFrame:
    z = _z()
    rows = []
    by_factor = {c.factor: (k, c) for k, c in enumerate(kept)}
    for name in names:
        row: dict[str, Any] = dict.fromkeys(FACTOR_COLUMNS, float("nan"))
        row.update(factor=name, points=len(points[name]), status=DROPPED, reason=reasons.get(name, NO_GAIN))
        row.update(variable="", operation="")
        if name in by_factor:
            k, c = by_factor[name]
            b, se = float(fit.params[k + 1]), float(fit.bse[k + 1])
            row.update(status=KEPT, reason="", variable=c.name, operation=c.operation, band_m=c.band_m)
            row.update(scale=c.scale, coef=b, se=se, p_value=float(fit.pvalues[k + 1]))
            with np.errstate(over="ignore"):
                row.update(rr=np.exp(b), rr_low=np.exp(b - z * se), rr_high=np.exp(b + z * se))
            row["reason"] = "" if se < UNBOUNDED_SE else UNBOUNDED
        rows.append(row)
    return pd.DataFrame(rows, columns=FACTOR_COLUMNS)


def _candidates(
    cells: Cells, points: dict[str, NDArray[np.float64]], bands: tuple[float, ...]
) -> tuple[list[str], list[list[Candidate]], dict[str, str]]:
    """Factors with at least one varying candidate variable, their candidates, and why the others have none."""
    names, groups, reasons = [], [], {}
    for name, pts in points.items():
        group, why = factor_candidates(name, cells.xy, pts, bands)
        if group:
            names.append(name)
            groups.append(group)
        else:
            reasons[name] = why
    return names, groups, reasons


def _chosen(choice: PathChoice, names: list[str], groups: list[list[Candidate]], s: RiskSettings) -> tuple[
    list[Candidate], dict[str, str]
]:  # fmt: skip
    order = choice.path.order
    kept = [groups[f][choice.picks[f]] for f in order[: choice.chosen]]
    reasons = {
        names[f]: f"more than max_factors ({s.max_factors}) factors gain; kept those that entered the lasso path first"
        for f in order[choice.chosen : choice.free]
    }
    return kept, reasons


def _path_table(choice: PathChoice, names: list[str]) -> pd.DataFrame:
    order, entry = choice.path.order, choice.path.entry
    rows = []
    for m, (cv, se) in enumerate(zip(choice.cv, choice.se, strict=True)):
        entered = 0 < m <= len(order)
        rows.append({
            "n_factors": m, "added": names[order[m - 1]] if entered else "",
            "alpha": float("inf") if m == 0 else (entry[m - 1] if entered else float("nan")),
            "cv_deviance": float(cv), "cv_se": float(se),
        })  # fmt: skip
    return pd.DataFrame(rows)


def _notes(cells: Cells, choice: PathChoice, block_m: float, s: RiskSettings) -> list[str]:
    notes = []
    if cells.outside:
        notes.append(f"{cells.outside} incidents lie outside the study cells and are not counted")
    notes.append(
        f"{s.folds}-fold cross-validation by blocks of {block_m:g} m x {block_m:g} m (seed {s.seed}); "
        f"{choice.chosen} of {len(choice.picks)} factor layers with a contrast kept by the one-standard-error rule"
    )
    if choice.failed:
        notes.append(f"{choice.failed} fits on the path or in the folds did not converge cleanly")
    return notes


def risk_terrain(
    incidents: gpd.GeoDataFrame,
    factors: Mapping[str, gpd.GeoDataFrame],
    *,
    area: object,
    settings: RiskSettings | None = None,
) -> RiskTerrain:
    """Fit a risk terrain model of the incidents on the factor layers (method and limits: module docstring).

    Parameters
    ----------
    incidents
        Points in EPSG:4326 (only the geometry is read).
    factors
        Factor name -> GeoDataFrame of points in EPSG:4326 (points outside the area count for cells near them).
    area
        The study area, a shapely Polygon or MultiPolygon in EPSG:32611 metres: the study cells are the
        ``settings.cell_m`` cells whose centre lies in it.
    settings
        The ``risk`` settings section (default: the configured one): ``cell_m``, ``bands_m`` (metres),
        ``min_events``, ``min_event_cells``, ``folds``, ``seed``, ``max_factors``.

    Returns
    -------
    RiskTerrain
        The same for the same inputs and seed.

    Raises
    ------
    AnalysisError
        Bad inputs (no factors, an empty layer, not points, not EPSG:4326, an empty area), or fewer than
        ``min_events`` incidents or ``min_event_cells`` cells with an incident in the study cells.
    """
    s = _settings(settings)
    cells, points = _inputs(incidents, factors, area, s.cell_m)
    _refuse_sparse(cells, s)
    y = cells.events.astype(float)
    bands = tuple(float(b) for b in s.bands_m)
    names, groups, reasons = _candidates(cells, points, bands)
    fold, block_m = block_folds(cells, folds=s.folds, seed=s.seed, block_m=max(bands) * BLOCK_BANDS)
    choice = cv_lasso(groups, y, fold, max_factors=s.max_factors)
    kept, capped = _chosen(choice, names, groups, s)
    reasons.update(capped)
    x = np.column_stack([c.values for c in kept]) if kept else np.empty((len(y), 0))
    fit = final_fit(x, y)
    shift = np.array([c.base for c in kept])
    rrv = np.exp((x - shift) @ fit.params[1:]) if kept else np.ones(len(y))
    columns: dict[str, NDArray[Any]] = {"events": cells.events, "rrv": rrv} | {c.name: c.values for c in kept}
    flat = {k: _spread(cells, v) for k, v in columns.items()}
    gdf = cells.grid.to_gdf(flat, keep=cells.mask)[["cell_id", *columns, "geometry"]]
    path = _path_table(choice, names)
    table = _factor_table(list(points), points, reasons, kept, fit)
    cautions = [f"factor {f!r}: {r}" for f, r in zip(table["factor"], table["reason"], strict=True) if r == UNBOUNDED]
    return RiskTerrain(
        model=fit.name, factors=table, cells=gdf,
        n_events=int(y.sum()), n_cells=len(y), n_event_cells=int((y > 0).sum()),
        cv_deviance=float(choice.cv[choice.chosen]), cv_deviance_null=float(choice.cv[0]),
        alpha=float(path["alpha"].iloc[choice.chosen]), dispersion=fit.dispersion, nb_alpha=fit.nb_alpha,
        intercept=float(fit.params[0]),
        cv_path=path, grid=cells.grid, settings=s, notes=(*_notes(cells, choice, block_m, s), *fit.notes, *cautions),
    )  # fmt: skip


def _spread(cells: Cells, values: NDArray[Any]) -> NDArray[Any]:
    """Study-cell values onto every cell of the grid (0 elsewhere), ``cell_id`` order."""
    out = np.zeros(cells.grid.n_cells, dtype=np.asarray(values).dtype)
    out[cells.ids] = values
    return out


__all__ = [
    "DENSITY",
    "FEW_EVENTS",
    "OVERDISPERSION",
    "PROXIMITY",
    "RiskTerrain",
    "alpha_max",
    "candidate_variables",
    "lasso_poisson",
    "near_far",
    "rate_ratio_interval",
    "risk_terrain",
]
