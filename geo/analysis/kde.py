"""Kernel density of incidents: linearly binned to a metric grid and smoothed with a Gaussian.

Points are **linearly binned** on a square grid in EPSG:32611 (each point's weight is shared
between the four nearest cell centres, bilinearly; Wand & Jones 1995, section D.2) and the
binned weights are smoothed with ``scipy.ndimage.gaussian_filter``: a close approximation of
the exact kernel sum (well within 5 % of the peak when the cell is at most half the
bandwidth), where snapping points to cell centres is not.

Bandwidth (one isotropic Gaussian standard deviation, metres), named in every result:

- ``normal_reference_2d`` (default): the normal reference rule for two dimensions on the
  pooled standard distance, ``h = SD * n ** (-1/6)`` with ``SD = sqrt((var_x + var_y) / 2)``
  (Silverman 1986, eq. 4.14 with d = 2). One bandwidth for both axes, so the kernel does
  not stretch with the shape of the data's area.
- ``likelihood_cv``: the bandwidth maximising the leave-one-out log likelihood over a
  log-spaced search (Silverman 1986, section 3.4.4).

Density is returned in **incidents per square kilometre per year**: ``n f(x, y) 1e6 / years``
where ``f`` is the estimated probability density per m^2 and ``years`` the length of the period
the person chose (its first to its last day, inclusive; :func:`period_years`), or, with no period
chosen, the span from the first to the last ``occurred_at``. The surface then integrates to the
events per year of that period.

A configured surface (:func:`configured_kde`, what the Map page and the command line draw) needs at
least ``analysis.kde_min_events`` events: below that no surface or contour is drawn, and a note says why
(a surface over a few points draws each of them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import contourpy
import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage

from geo.analysis.grid import SquareGrid, make_grid
from geo.analysis.study import StudyArea
from geo.analysis.study import study_area as _study_area
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC, WGS84
from geo.core.settings import AnalysisSettings, get_settings
from geo.core.validate import check_points, local_dates, metric_xy, positive

TRUNCATE_SD = 4.0  # kernel support, in bandwidths, on each side


BANDWIDTH_RULES = ("normal_reference_2d", "likelihood_cv")
CV_GRID = 25  # candidate bandwidths searched by likelihood cross-validation
CV_MAX_POINTS = 3000  # likelihood CV on a seeded subsample above this size


def _check_xy(xy: NDArray[np.float64]) -> NDArray[np.float64]:
    arr = np.asarray(xy, dtype=float)
    if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) < 2:
        msg = f"a bandwidth needs at least 2 points as an (n, 2) array of metres, got shape {arr.shape}"
        raise AnalysisError(msg)
    return arr


def standard_distance(xy: NDArray[np.float64]) -> float:
    """Pooled standard distance ``sqrt((var_x + var_y) / 2)`` in metres (sample variances)."""
    arr = _check_xy(xy)
    return float(np.sqrt((np.var(arr[:, 0], ddof=1) + np.var(arr[:, 1], ddof=1)) / 2.0))


def normal_reference_bandwidth(xy: NDArray[np.float64]) -> float:
    """2-D normal reference bandwidth ``SD * n^(-1/6)`` in metres (EPSG:32611 input)."""
    arr = _check_xy(xy)
    sd = standard_distance(arr)
    if sd <= 0:
        msg = "all points are in one place; the bandwidth rule gives 0 m, give bandwidth_m explicitly"
        raise AnalysisError(msg)
    return float(sd * len(arr) ** (-1.0 / 6.0))


def likelihood_cv_bandwidth(xy: NDArray[np.float64], *, seed: int) -> float:
    """Bandwidth (metres) maximising the leave-one-out log likelihood of an isotropic Gaussian KDE (a seeded
    subsample of :data:`CV_MAX_POINTS` points above that size)."""
    from scipy.spatial.distance import pdist, squareform

    arr = _check_xy(xy)
    if len(arr) > CV_MAX_POINTS:
        arr = arr[np.random.default_rng(seed).choice(len(arr), CV_MAX_POINTS, replace=False)]
    ref = normal_reference_bandwidth(arr)
    d2 = squareform(pdist(arr, "sqeuclidean"))
    np.fill_diagonal(d2, np.inf)
    best, best_ll = ref, -np.inf
    for h in ref * np.logspace(-1.3, 0.5, CV_GRID):
        dens = np.exp(-d2 / (2 * h * h)).sum(axis=1) / ((len(arr) - 1) * 2 * np.pi * h * h)
        ll = float(np.log(np.maximum(dens, 1e-300)).sum())
        if ll > best_ll:
            best, best_ll = float(h), ll
    return best


def rule_of_thumb_bandwidth(xy: NDArray[np.float64]) -> tuple[float, float]:
    """The default bandwidth as ``(h, h)`` metres (kept for callers of the former per-axis rule)."""
    h = normal_reference_bandwidth(xy)
    return h, h


def _linear_bin(grid: SquareGrid, xy: NDArray[np.float64]) -> NDArray[np.float64]:
    """Bilinear shares of each point on the four nearest cell centres, ``(ny, nx)``."""
    fx = (xy[:, 0] - grid.x0) / grid.cell_m - 0.5
    fy = (xy[:, 1] - grid.y0) / grid.cell_m - 0.5
    c0 = np.floor(fx).astype(np.int64)
    r0 = np.floor(fy).astype(np.int64)
    tx, ty = fx - c0, fy - r0
    out = np.zeros(grid.n_cells)
    for dr, dc, w in ((0, 0, (1 - tx) * (1 - ty)), (0, 1, tx * (1 - ty)), (1, 0, (1 - tx) * ty), (1, 1, tx * ty)):
        r, c = r0 + dr, c0 + dc
        ok = (r >= 0) & (r < grid.ny) & (c >= 0) & (c < grid.nx)
        out += np.bincount(r[ok] * grid.nx + c[ok], weights=w[ok], minlength=grid.n_cells)
    return out.reshape(grid.shape)


UNITS = "incidents per km² per year"


@dataclass(frozen=True)
class KDEResult:
    """A kernel density surface on a metric grid.

    Attributes
    ----------
    density
        ``(ny, nx)`` incidents per km^2 per year; row 0 is the southern row; 0 outside the
        study area.
    grid
        The :class:`geo.analysis.grid.SquareGrid` (EPSG:32611).
    bandwidth_m
        ``(h, h)`` in metres (one isotropic Gaussian standard deviation).
    n
        Number of events.
    rule
        ``"normal_reference_2d"``, ``"likelihood_cv"`` or ``"given"``.
    years
        Length of the period, years (the density is per year).
    xy
        The events (EPSG:32611 metres), for the share of incidents inside each contour.
    years_from
        Where ``years`` comes from: ``"period"`` (the period chosen), ``"events"`` (the span of the
        events, no period chosen) or ``"given"``.
    period
        First and last day of that period (ISO dates), when known.
    """

    density: NDArray[np.float64]
    grid: SquareGrid
    bandwidth_m: tuple[float, float]
    n: int
    rule: str
    crs: str = field(default=METRIC)
    years: float = 1.0
    xy: NDArray[np.float64] | None = None
    study_area: dict[str, Any] = field(default_factory=dict)
    years_from: str = "given"
    period: tuple[str, str] | None = None

    def to_gdf(self, *, min_density: float = 0.0) -> gpd.GeoDataFrame:
        """Grid cells (EPSG:4326) with ``density`` (incidents per km^2 per year) above ``min_density``."""
        keep = self.density > min_density
        return self.grid.to_gdf({"density": self.density}, keep=keep)

    def describe(self) -> dict[str, Any]:
        """Plain values for captions and JSON (metres, incidents per km^2 per year)."""
        return {
            "bandwidth_x_m": round(self.bandwidth_m[0], 1),
            "bandwidth_y_m": round(self.bandwidth_m[1], 1),
            "bandwidth_rule": self.rule,
            "cell_m": self.grid.cell_m,
            "n_events": self.n,
            "years": round(self.years, 3),
            "years_from": self.years_from,
            "period_start": self.period[0] if self.period else None,
            "period_end": self.period[1] if self.period else None,
            "units": UNITS,
            "max_density_per_km2_per_year": float(self.density.max()) if self.density.size else 0.0,
            **self.study_area,
        }


def _bandwidth(
    xy: NDArray[np.float64], bandwidth_m: float | tuple[float, float] | None, rule: str, seed: int
) -> tuple[tuple[float, float], str]:
    if bandwidth_m is None:
        if rule not in BANDWIDTH_RULES:
            msg = f"bandwidth rule must be one of {list(BANDWIDTH_RULES)}, got {rule!r}"
            raise AnalysisError(msg)
        h = normal_reference_bandwidth(xy) if rule == "normal_reference_2d" else likelihood_cv_bandwidth(xy, seed=seed)
        return (h, h), rule
    pair: tuple[Any, ...] = (
        (bandwidth_m, bandwidth_m) if isinstance(bandwidth_m, int | float | np.number) else tuple(bandwidth_m)
    )
    if len(pair) != 2:
        msg = f"bandwidth_m must be one number or (hx, hy) in metres, got {bandwidth_m!r}"
        raise AnalysisError(msg)
    return (positive(pair[0], "bandwidth_m", "metres"), positive(pair[1], "bandwidth_m", "metres")), "given"


def kde_from_xy(
    xy: NDArray[np.float64],
    *,
    analysis: AnalysisSettings | None = None,
    cell_m: float | None = None,
    bandwidth_m: float | tuple[float, float] | None = None,
    grid: SquareGrid | None = None,
    rule: str | None = None,
    years: float = 1.0,
    study_area: StudyArea | None = None,
) -> KDEResult:
    """Linearly binned Gaussian KDE of metric points.

    Parameters
    ----------
    xy
        ``(n, 2)`` coordinates in EPSG:32611 metres.
    analysis
        The ``analysis`` settings section (default: the configured one); ``cell_m`` and ``rule`` left as
        None take its ``kde_cell_m`` and ``kde_bandwidth_rule``, and likelihood cross-validation its ``seed``.
    cell_m
        Grid cell side, metres (ignored when ``grid`` is given); reduced to half the bandwidth
        when larger, so the binned surface stays within a few percent of the exact kernel sum.
    bandwidth_m
        Gaussian standard deviation in metres: one number, ``(hx, hy)``, or None for ``rule``.
    grid
        The output grid; by default the points' bounding box plus 4 bandwidths on each side.
    rule
        ``"normal_reference_2d"`` or ``"likelihood_cv"`` when ``bandwidth_m`` is None.
    years
        Length of the period in years; the density is per year.
    study_area
        Cells whose centre lies outside it get density 0 (absent from outputs).

    Returns
    -------
    KDEResult
        Density in incidents per km^2 per year.
    """
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        msg = f"xy must be an (n, 2) array of metres, got shape {xy.shape}"
        raise AnalysisError(msg)
    n = len(xy)
    if n == 0:
        msg = "cannot estimate a density from zero incidents; widen the filters"
        raise AnalysisError(msg)
    yrs = positive(years, "years", "years")
    a = get_settings().analysis if analysis is None else analysis
    h, rule_used = _bandwidth(xy, bandwidth_m, a.kde_bandwidth_rule if rule is None else rule, a.seed)
    if grid is None:
        cell = min(positive(a.kde_cell_m if cell_m is None else cell_m, "cell_m", "metres"), min(h) / 2.0)
        pad = int(np.ceil(TRUNCATE_SD * max(h) / cell)) + 1
        grid = make_grid(xy, cell_m=cell, pad_cells=pad)
    binned = _linear_bin(grid, xy)
    sigma = (h[1] / grid.cell_m, h[0] / grid.cell_m)  # (rows = y, cols = x)
    smooth = ndimage.gaussian_filter(binned, sigma=sigma, mode="constant", cval=0.0, truncate=TRUNCATE_SD)
    density = smooth / grid.area_m2 * 1e6 / yrs
    described: dict[str, Any] = {}
    if study_area is not None:
        density = np.where(study_area.cell_mask(grid), density, 0.0)
        described = study_area.describe()
    return KDEResult(
        density=density, grid=grid, bandwidth_m=(float(h[0]), float(h[1])), n=n, rule=rule_used, years=yrs, xy=xy,
        study_area=described,
    )  # fmt: skip


def period_years(
    incidents: gpd.GeoDataFrame, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[float, str, tuple[str, str] | None]:
    """The length in years of the period a density is per: ``(years, "period" | "events", (first, last day))``.

    With a period chosen (``start``..``end``, inclusive; a missing end taken from the events), its length in
    days over 365.25; with none, the span from the first to the last ``occurred_at`` (at least one day); with
    neither, one year.
    """
    days = local_dates(incidents) if "occurred_at" in incidents.columns and len(incidents) else None
    first = start if start is not None else (days.min().date() if days is not None else None)
    last = end if end is not None else (days.max().date() if days is not None else None)
    if first is None or last is None:
        return 1.0, "given", None
    if last < first:
        msg = f"the period ends ({last}) before it starts ({first})"
        raise AnalysisError(msg)
    span = (last - first).days + 1
    source = "period" if (start is not None or end is not None) else "events"
    return max(float(span), 1.0) / 365.25, source, (first.isoformat(), last.isoformat())


def kde(
    incidents: gpd.GeoDataFrame,
    *,
    analysis: AnalysisSettings | None = None,
    cell_m: float | None = None,
    bandwidth_m: float | tuple[float, float] | None = None,
    grid: SquareGrid | None = None,
    rule: str | None = None,
    years: float | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    study_area: object = None,
    coverage: object = None,
) -> KDEResult:
    """Kernel density of incidents (see :func:`kde_from_xy`); points in EPSG:4326 or EPSG:32611.

    The density is per year of the period ``start``..``end`` (inclusive) when one is chosen, else of the span
    of the events (:func:`period_years`); ``years`` overrides both. ``study_area``/``coverage`` (give one)
    limits the surface and the incidents to the area the data cover; without one, no cell is masked.
    """
    check_points(incidents)
    a = get_settings().analysis if analysis is None else analysis
    cell = a.kde_cell_m if cell_m is None else cell_m
    xy = metric_xy(incidents)
    if study_area is not None and coverage is not None:
        msg = "give study_area= or coverage=, not both (they are the same thing)"
        raise AnalysisError(msg)
    given = study_area if study_area is not None else coverage
    area = _study_area(given, xy=xy, buffer_m=cell) if given is not None else None
    if area is not None:
        xy = xy[area.contains_xy(xy)]
    span, source, period = period_years(incidents, start, end)
    if years is not None:
        span, source = float(years), "given"
    result = kde_from_xy(
        xy, analysis=a, cell_m=cell, bandwidth_m=bandwidth_m, grid=grid, rule=rule, years=span, study_area=area
    )
    return replace(result, years_from=source, period=period)


@dataclass(frozen=True)
class Heat:
    """A configured heat surface (:func:`configured_kde`), or why there is none.

    ``result`` is None when there are fewer events than ``min_events``; ``notes`` (message keys and their
    parameters) say why, and how long the period the density is per is.
    """

    result: KDEResult | None
    n_events: int
    min_events: int
    notes: tuple[dict[str, Any], ...] = ()

    def describe(self) -> dict[str, Any]:
        """Plain values for captions and JSON (as :meth:`KDEResult.describe`, or the count and the minimum)."""
        base = self.result.describe() if self.result is not None else {"n_events": self.n_events, "units": UNITS}
        return {**base, "min_events": self.min_events, "drawn": self.result is not None, "notes": list(self.notes)}


def configured_kde(
    incidents: gpd.GeoDataFrame,
    analysis: AnalysisSettings,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    cell_m: float | None = None,
    bandwidth_m: float | None = None,
    coverage: object = None,
) -> Heat:
    """The heat surface as configured (``analysis``: cell, bandwidth rule, minimum events, seed), per year of
    the period ``start``..``end`` the person chose: the one road the Map page and the command line share.

    With fewer than ``analysis.kde_min_events`` events (inside ``coverage`` when given) no surface is computed
    and a ``kde.too_few`` note says why.
    """
    check_points(incidents)
    n = len(incidents)
    if coverage is not None and n:
        cell = analysis.kde_cell_m if cell_m is None else cell_m
        xy = metric_xy(incidents)
        n = int(_study_area(coverage, xy=xy, buffer_m=cell).contains_xy(xy).sum())
    least = analysis.kde_min_events
    if n < least:
        return Heat(None, n, least, ({"key": "kde.too_few", "params": {"n": n, "min": least}},))
    result = kde(
        incidents, analysis=analysis, cell_m=cell_m, bandwidth_m=bandwidth_m, start=start, end=end, coverage=coverage
    )
    if result.period is None:
        return Heat(result, n, least)
    key = "kde.period_chosen" if result.years_from == "period" else "kde.period_events"
    first, last = result.period
    note = {"key": key, "params": {"start": first, "end": last, "years": round(result.years, 2)}}
    return Heat(result, n, least, (note,))


def mass_levels(density: NDArray[np.float64], fractions: Sequence[float]) -> list[float]:
    """Density thresholds whose super-level sets hold the given fractions of the total mass.

    ``fractions=(0.5,)`` gives the level of the smallest area holding half the density
    (a "50 % volume contour").
    """
    vals = np.sort(np.asarray(density, dtype=float).ravel())[::-1]
    total = vals.sum()
    if total <= 0:
        msg = "the density surface is empty; nothing to contour"
        raise AnalysisError(msg)
    cum = np.cumsum(vals) / total
    levels = []
    for f in fractions:
        if not 0 < f < 1:
            msg = f"mass fractions must lie strictly between 0 and 1, got {f}"
            raise AnalysisError(msg)
        pos = min(int(np.searchsorted(cum, f)), len(vals) - 1)
        levels.append(float(vals[pos]))
    return levels


def kde_contours(
    result: KDEResult,
    *,
    fractions: Sequence[float] = (0.5, 0.75, 0.9),
    levels: Sequence[float] | None = None,
) -> gpd.GeoDataFrame:
    """Filled contour polygons of a KDE surface, in EPSG:4326.

    Parameters
    ----------
    result
        A :class:`KDEResult`.
    fractions
        Share of the density mass inside each contour (0.5 = the core holding half of it);
        used when ``levels`` is None.
    levels
        Explicit density levels in incidents per km^2 per year.

    Returns
    -------
    geopandas.GeoDataFrame
        One (multi)polygon per level, from the lowest (largest area) to the highest:
        ``level`` (incidents per km^2 per year), ``mass`` (share of the density, or NaN),
        ``share_incidents`` (share of the incidents inside; label contours with this),
        ``area_km2`` and geometry in EPSG:4326. Polygons are nested: each holds the density at or above its level.
    """
    if levels is None:
        levs = mass_levels(result.density, fractions)
        masses: list[float] = list(fractions)
    else:
        levs = [float(v) for v in levels]
        masses = [float("nan")] * len(levs)
    xs, ys = result.grid.centres()
    gen = contourpy.contour_generator(xs, ys, result.density, fill_type=contourpy.FillType.OuterOffset)
    top = float(result.density.max()) * 1.0001 + 1e-12
    rows = []
    for level, mass in sorted(zip(levs, masses, strict=True), key=lambda lm: lm[0]):
        filled: Any = gen.filled(level, top)
        points, offsets = filled[0], filled[1]
        polys = []
        for pts, offs in zip(points, offsets, strict=True):
            rings = [pts[offs[i] : offs[i + 1]] for i in range(len(offs) - 1)]
            polys.append(shapely.Polygon(rings[0], rings[1:]))
        geom = shapely.make_valid(shapely.union_all(polys)) if polys else shapely.Polygon()
        rows.append({"level": level, "mass": mass, "geometry": geom})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC)
    gdf["area_km2"] = gdf.geometry.area / 1e6
    gdf["share_incidents"] = _shares(gdf.geometry.to_numpy(), result.xy)
    gdf = gdf[~gdf.geometry.is_empty].to_crs(WGS84).reset_index(drop=True)
    gdf.attrs.update(result.describe())
    return gdf[["level", "mass", "share_incidents", "area_km2", "geometry"]]


def _shares(geoms: NDArray[Any], xy: NDArray[np.float64] | None) -> NDArray[np.float64]:
    """Share of the incidents inside each contour polygon (NaN when the points are unknown)."""
    if xy is None or len(xy) == 0:
        return np.full(len(geoms), np.nan)
    pts = shapely.points(xy)
    out = []
    for g in geoms:
        shapely.prepare(g)
        out.append(float(shapely.covers(g, pts).mean()) if not g.is_empty else 0.0)
    return np.array(out)
