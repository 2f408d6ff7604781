"""Getis-Ord Gi* hot spots over a study area, with permutation or normal inference and BH FDR.

Gi* is computed in closed form with binary weights that include the cell itself
(DESIGN.md section 5), which is what ``esda.G_Local(y, w, transform="B", star=True)`` computes:

    z_i = (sum_j w_ij x_j - xbar W_i) / (s * sqrt((n W_i - W_i^2) / (n - 1)))

with ``W_i = sum_j w_ij``, ``xbar`` the mean and ``s`` the population standard deviation of
the ``n`` cells **of the study area** (:mod:`geo.analysis.study`): cells outside it are absent,
not zero, and are neither neighbours nor tests. On a square grid the neighbours are the 3x3
window (queen contiguity plus self) inside the study area, summed by convolution; on H3 the
cell and its six neighbours.

Inference. ``p_norm`` is the two-sided normal p of z (twice esda's one-sided ``p_norm``); it
is anti-conservative on sparse counts. ``p_sim`` is esda's conditional-permutation pseudo p
(:mod:`geo.analysis.gi_perm`, seeded); the p used by default is the two-sided permutation p
with ties counted on both sides (``min(1, 2 p_sim)`` when there are no ties), with its Monte Carlo
error; a cell whose class that error leaves open gets more permutations, then its exact
permutation p, so the classes do not depend on the seed (:mod:`geo.analysis.gi_infer`).
Classes: +3/-3 = hot/cold at 99 %, +-2 at 95 %, +-1 at 90 %, 0 = not significant; with
``fdr=True`` each level is a Benjamini-Hochberg test of the p used at that level over every
cell of the study area.

Sparseness rule: cells are classed only when there are at least ``min_events`` events **and**
at least ``min_events_per_cell`` events per cell of the study area on average; otherwise the
result carries z and p but every class is 0 and a :class:`TooFewEventsWarning` says why.
A cold class is offered only for cells where a cold spot is possible at all
(:func:`geo.analysis.gi_perm.cold_possible`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import ndimage, sparse

from geo.analysis.gi_infer import note_text, permutation_inference
from geo.analysis.gi_perm import (
    CLASS_LEVELS,
    Sparseness,
    TooFewEventsWarning,
    bh_fdr,
    check_permutations,
    cold_possible,
    few_events_message,
    gi_classes,
    p_values,
    warn_sparse,
)
from geo.analysis.grid import SquareGrid, h3_area_cells, h3_cells, h3_neighbours, h3_polygons, make_grid
from geo.analysis.study import StudyArea
from geo.analysis.study import study_area as _study_area
from geo.core.errors import AnalysisError
from geo.core.projection import WGS84
from geo.core.settings import AnalysisSettings, get_settings
from geo.core.validate import check_points, metric_xy

CLASS_LABELS = {
    3: "hot spot, 99% confidence",
    2: "hot spot, 95% confidence",
    1: "hot spot, 90% confidence",
    0: "not significant",
    -1: "cold spot, 90% confidence",
    -2: "cold spot, 95% confidence",
    -3: "cold spot, 99% confidence",
}


INFERENCES = ("permutation", "normal")


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


def _window(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(ndimage.correlate(x, _WINDOW, mode="constant", cval=0.0), dtype=float)


def grid_sums(
    counts: NDArray[Any], mask: NDArray[np.bool_] | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """Values, local sums and weight sums (self included) of the in-area cells, and the mask."""
    x = np.asarray(counts, dtype=float)
    if x.ndim != 2:
        msg = f"counts must be a 2-D (rows, cols) array, got shape {x.shape}"
        raise AnalysisError(msg)
    inside = np.ones(x.shape, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if inside.shape != x.shape:
        msg = f"mask must have the shape of counts {x.shape}, got {inside.shape}"
        raise AnalysisError(msg)
    xm = np.where(inside, x, 0.0)
    local_sum = _window(xm)[inside]
    w_sum = _window(inside.astype(float))[inside]
    return x[inside], local_sum, w_sum, inside


def gi_star_grid(counts: NDArray[Any], *, mask: NDArray[np.bool_] | None = None) -> NDArray[np.float64]:
    """Gi* z-scores on a square grid: queen neighbours plus self (3x3 window), O(cells).

    Parameters
    ----------
    counts
        ``(ny, nx)`` cell values.
    mask
        ``(ny, nx)`` cells of the study area (default: every cell). Cells outside are
        absent: neither tested nor neighbours, and not part of the mean and spread.

    Returns
    -------
    numpy.ndarray
        ``(ny, nx)`` z-scores, NaN outside the study area. Edge cells have fewer neighbours.
    """
    x, local_sum, w_sum, inside = grid_sums(counts, mask)
    out = np.full(inside.shape, np.nan)
    out[inside] = _gi_from_sums(local_sum, w_sum, x)
    return out


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


# --- maps -------------------------------------------------------------------------------------


def check_alpha(alpha: float) -> float:
    if not 0 < float(alpha) < 1:
        msg = f"alpha must lie strictly between 0 and 1, got {alpha}"
        raise AnalysisError(msg)
    return float(alpha)


def _check_inference(inference: str) -> str:
    if inference not in INFERENCES:
        msg = f"inference must be one of {list(INFERENCES)}, got {inference!r}"
        raise AnalysisError(msg)
    return inference


def _infer(
    x: NDArray[np.float64],
    local_sum: NDArray[np.float64],
    w_sum: NDArray[np.float64],
    *,
    fdr: bool,
    testable: bool,
    analysis: AnalysisSettings,
) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
    """Columns for the ``n`` cells of the study area (z, p-values, the p used, classes) and what the inference did."""
    z = _gi_from_sums(local_sum, w_sum, x)
    p_norm = p_values(z)
    card = np.rint(w_sum - 1).astype(np.int64)
    z_min = _gi_from_sums(w_sum * (x.min(initial=0.0) if x.size else 0.0), w_sum, x)
    alpha, inference = analysis.fdr_alpha, analysis.gi_inference
    done: dict[str, Any] = {"inference": inference, "permutations": 0, "notes": [], "exact_cells": 0}
    if inference == "permutation":
        run = permutation_inference(
            x, local_sum, w_sum, z, z_of_minimum=z_min, alpha=alpha, fdr=fdr, permutations=analysis.gi_permutations,
            seed=analysis.seed, testable=testable, limits=analysis,
        )  # fmt: skip
        cols = run.columns
        done = {"inference": run.inference, "permutations": run.permutations, "notes": run.notes}
        done |= {"exact_cells": run.exact_cells, "unsettled_cells": run.unsettled_cells}
    else:
        possible = cold_possible(x, card, level=CLASS_LEVELS[-1][1], inference=inference, z_of_minimum=z_min)
        nan = np.full(x.size, np.nan)
        cols = {"p_sim": nan, "p": p_norm, "p_mc_se": nan, "p_exact": np.zeros(x.size, dtype=bool)}
        cols["cold_possible"] = possible
    p, possible = cols["p"], cols["cold_possible"]
    reject, q = bh_fdr(p, alpha=alpha)
    sig = reject if fdr else p <= alpha
    cls = gi_classes(z, p, fdr=fdr)
    cls = np.where((cls < 0) & ~possible, 0, cls).astype(np.int8)
    if not testable:
        sig = np.zeros(x.size, dtype=bool)
        cls = np.zeros(x.size, dtype=np.int8)
    out = {"gi_z": z, "p_norm": p_norm, "p_sim": cols["p_sim"], "p": p, "p_mc_se": cols["p_mc_se"]}
    out |= {"p_exact": cols["p_exact"], "q": q, "significant": sig, "gi_class": cls, "cold_possible": possible}
    return out, done


def _label(cls: NDArray[Any]) -> NDArray[Any]:
    return np.array([CLASS_LABELS[int(c)] for c in np.asarray(cls).ravel()], dtype=object)


def _coverage(study_area_: object, coverage: object) -> object:
    if study_area_ is not None and coverage is not None:
        msg = "give study_area= or coverage=, not both (they are the same thing)"
        raise AnalysisError(msg)
    return study_area_ if study_area_ is not None else coverage


def _options(
    analysis: AnalysisSettings | None, alpha: float | None, inference: str | None, permutations: int | None,
    seed: int | None, min_events: int | None, min_events_per_cell: float | None,
) -> AnalysisSettings:  # fmt: skip
    """The ``analysis`` section (default: the configured one) with the options given in place of its values."""
    a = get_settings().analysis if analysis is None else analysis
    given = {
        "fdr_alpha": alpha, "gi_inference": inference, "gi_permutations": permutations, "seed": seed,
        "min_events": min_events, "min_events_per_cell": min_events_per_cell,
    }  # fmt: skip
    a = a.model_copy(update={k: v for k, v in given.items() if v is not None})
    check_alpha(a.fdr_alpha)
    _check_inference(a.gi_inference)
    check_permutations(a.gi_permutations)
    return a


def _attrs(
    area: StudyArea, rule: Sparseness, done: dict[str, Any], a: AnalysisSettings, *, fdr: bool, cold: bool,
    outside: int,
) -> dict[str, Any]:  # fmt: skip
    perms = int(done["permutations"])
    used = str(done["inference"])
    notes = list(done["notes"])
    return {
        "n_events": rule.n_events,
        "n_cells": rule.n_cells,
        "events_per_cell": rule.per_cell,
        "alpha": a.fdr_alpha,
        "fdr": fdr,
        "inference": used,
        "inference_requested": a.gi_inference,
        "permutations": perms,
        "p_floor": 2.0 / (perms + 1) if used == "permutation" else 0.0,
        "resolution_limited": used == "permutation" and 2.0 / (perms + 1) > CLASS_LEVELS[0][1] / max(rule.n_cells, 1),
        "mc_confidence": a.gi_mc_confidence if a.gi_inference == "permutation" else None,
        "exact_cells": int(done.get("exact_cells", 0)),
        "unsettled_cells": int(done.get("unsettled_cells", 0)),
        "notes": notes,
        "notes_text": [note_text(n, "en") for n in notes],
        "seed": a.seed,
        "tested": rule.testable,
        "warning": rule.message("en"),
        "warning_key": None if rule.testable else "gi.sparse",
        "warning_params": rule.params(),
        "cold_possible": cold,
        "outside": outside,
        "study_area": area,
        **area.describe(),
    }


def hotspots_grid(
    incidents: gpd.GeoDataFrame,
    *,
    analysis: AnalysisSettings | None = None,
    cell_m: float | None = None,
    alpha: float | None = None,
    fdr: bool = True,
    grid: SquareGrid | None = None,
    min_events: int | None = None,
    keep_all: bool = False,
    study_area: object = None,
    coverage: object = None,
    inference: str | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    min_events_per_cell: float | None = None,
) -> gpd.GeoDataFrame:
    """Gi* hot and cold spots on a square grid of ``cell_m`` metres (EPSG:32611) over a study area.

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326 or EPSG:32611).
    analysis
        The ``analysis`` settings section (default: the configured one). Every option left as None below takes
        its value from it (``grid_cell_m``, ``fdr_alpha``, ``min_events``, ``gi_inference``, ``gi_permutations``,
        ``seed``, ``min_events_per_cell``), and so do the limits that keep the classes independent of the seed
        (:mod:`geo.analysis.gi_infer`: the cap on permutations and on cells x permutations, the confidence of
        each p's Monte Carlo interval).
    cell_m
        Cell side in metres; ignored when ``grid`` is given.
    alpha
        False discovery rate for the ``significant`` column.
    fdr
        Correct for multiple testing (Benjamini-Hochberg); False uses raw p-values.
    grid
        The grid (default: aligned cells over the study area); cells whose centre lies
        outside the study area are absent whatever the grid.
    min_events, min_events_per_cell
        The sparseness rule: below either, a :class:`TooFewEventsWarning` is issued (kept in
        ``attrs["warning"]``) and no cell is classed.
    keep_all
        Return every cell of the study area; by default only cells with an incident or a class.
    study_area, coverage
        The area the data cover (same meaning; give one): a shapely geometry in EPSG:4326,
        a GeoSeries/GeoDataFrame or a :class:`~geo.analysis.study.StudyArea`. Default: the
        convex hull of the incidents buffered by one cell, flagged as a guess.
    inference
        ``"permutation"`` (conditional permutation, esda's ``p_sim``; the default) or ``"normal"``.
    permutations, seed
        Smallest number of permutations (raised so that the 99 % level is reachable after FDR,
        :func:`~geo.analysis.gi_perm.permutations_needed`) and the generator seed.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 cells: ``cell_id, row, col, count, gi_z, p_norm, p_sim, p, p_mc_se, p_exact, q,
        significant, gi_class, cold_possible, label``; ``p`` is the p used, ``p_mc_se`` its Monte Carlo
        standard error (0 where ``p_exact``: the exact permutation p; NaN for the normal p). ``attrs`` holds
        ``grid``, ``n_events``, ``n_cells``, ``inference`` (the one used) and ``inference_requested``,
        ``permutations``, ``p_floor``, ``resolution_limited``, ``exact_cells``, ``notes`` (what the inference
        did, as message keys and parameters; ``notes_text`` in English), ``tested``, ``warning``
        (``warning_key``/``warning_params`` to word it), ``cold_possible``, ``outside`` (incidents outside
        the study area) and the study area.
    """
    check_points(incidents)
    a = _options(analysis, alpha, inference, permutations, seed, min_events, min_events_per_cell)
    xy = metric_xy(incidents)
    cell = grid.cell_m if grid is not None else float(a.grid_cell_m if cell_m is None else cell_m)
    area = _study_area(_coverage(study_area, coverage), xy=xy, buffer_m=cell)
    grid = grid or make_grid(cell_m=cell, bounds=area.bounds, pad_cells=0)
    mask = area.cell_mask(grid)
    counts = np.where(mask, grid.counts(xy), 0)
    x, local_sum, w_sum, _ = grid_sums(counts, mask)
    if x.size < 2:
        msg = f"the study area holds {x.size} cell(s) of {cell:g} m; Gi* needs at least 2 (use smaller cells)"
        raise AnalysisError(msg)
    rule = Sparseness(int(x.sum()), int(x.size), a.min_events, a.min_events_per_cell)
    warn_sparse(rule)
    cols, done = _infer(x, local_sum, w_sum, fdr=fdr, testable=rule.testable, analysis=a)
    full: dict[str, NDArray[Any]] = {"count": counts.ravel()}
    flat_mask = mask.ravel()
    for name, values in cols.items():
        arr = np.zeros(grid.n_cells, dtype=values.dtype) if values.dtype != float else np.full(grid.n_cells, np.nan)
        arr[flat_mask] = values
        full[name] = arr
    keep = flat_mask & (keep_all | (full["count"] > 0) | (full["gi_class"] != 0))
    gdf = grid.to_gdf(full, keep=keep)
    gdf["label"] = _label(gdf["gi_class"].to_numpy())
    gdf.attrs.update(
        grid=grid,
        **_attrs(
            area, rule, done, a, fdr=fdr, cold=bool(cols["cold_possible"].any()), outside=len(xy) - int(counts.sum())
        ),
    )  # fmt: skip
    return gdf


def hotspots_h3(
    incidents: gpd.GeoDataFrame,
    *,
    resolution: int = 9,
    analysis: AnalysisSettings | None = None,
    alpha: float | None = None,
    fdr: bool = True,
    min_events: int | None = None,
    study_area: object = None,
    coverage: object = None,
    inference: str | None = None,
    permutations: int | None = None,
    seed: int | None = None,
    min_events_per_cell: float | None = None,
) -> gpd.GeoDataFrame:
    """Gi* on H3 hexagons (cell + its six neighbours) over the study area (see :func:`hotspots_grid`).

    A hexagon belongs to the study area when its centre lies in it (H3's own polygon fill).
    The default study area is the hull of the incidents buffered by one hexagon's edge-to-edge
    width (a guess).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326 hexagons: ``h3`` and the columns and ``attrs`` of :func:`hotspots_grid`.
    """
    import h3

    check_points(incidents)
    a = _options(analysis, alpha, inference, permutations, seed, min_events, min_events_per_cell)
    per_incident = h3_cells(incidents, resolution=resolution)
    if per_incident.size == 0:
        msg = "cannot map hot spots from zero incidents; widen the filters"
        raise AnalysisError(msg)
    xy = metric_xy(incidents)
    width = 2.0 * float(h3.average_hexagon_edge_length(resolution, unit="m"))
    area = _study_area(_coverage(study_area, coverage), xy=xy, buffer_m=width)
    cells = h3_area_cells(area.geometry, resolution=resolution)
    index = {c: i for i, c in enumerate(cells)}
    pos = np.array([index.get(c, -1) for c in per_incident], dtype=np.int64)
    counts = np.bincount(pos[pos >= 0], minlength=len(cells)).astype(float)
    if len(cells) < 2:
        msg = f"the study area holds {len(cells)} hexagon(s) at resolution {resolution}; use a finer one"
        raise AnalysisError(msg)
    w = h3_neighbours(cells)
    rule = Sparseness(int(counts.sum()), len(cells), a.min_events, a.min_events_per_cell)
    warn_sparse(rule)
    local_sum, w_sum = np.asarray(w @ counts).ravel(), np.asarray(w.sum(axis=1)).ravel()
    cols, done = _infer(counts, local_sum, w_sum, fdr=fdr, testable=rule.testable, analysis=a)
    gdf = gpd.GeoDataFrame(
        {"h3": cells, "count": counts.astype(np.int64), **cols}, geometry=h3_polygons(cells), crs=WGS84
    )
    gdf["label"] = _label(gdf["gi_class"].to_numpy())
    gdf.attrs.update(
        resolution=resolution,
        **_attrs(area, rule, done, a, fdr=fdr, cold=bool(cols["cold_possible"].any()), outside=int((pos < 0).sum())),
    )  # fmt: skip
    return gdf


def summarise_classes(gdf: pd.DataFrame, column: str = "gi_class") -> dict[str, int]:
    """Counts of cells per class label (for CLI summaries)."""
    classes, counts = np.unique(np.asarray(gdf[column], dtype=np.int64), return_counts=True)
    return {CLASS_LABELS[int(k)]: int(v) for k, v in zip(classes[::-1], counts[::-1], strict=True)}


__all__ = [
    "CLASS_LABELS",
    "CLASS_LEVELS",
    "INFERENCES",
    "Sparseness",
    "TooFewEventsWarning",
    "bh_fdr",
    "check_alpha",
    "few_events_message",
    "gi_classes",
    "gi_star",
    "gi_star_grid",
    "grid_sums",
    "grid_weights",
    "hotspots_grid",
    "hotspots_h3",
    "p_values",
    "summarise_classes",
    "warn_sparse",
]
