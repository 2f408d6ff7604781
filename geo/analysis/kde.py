"""Kernel density of incidents: binned to a metric grid and smoothed with a Gaussian.

Points are binned on a square grid in EPSG:32611 and the counts are smoothed with
``scipy.ndimage.gaussian_filter`` (sigma = bandwidth / cell size, per axis), which is the
binned approximation of a Gaussian kernel density with a diagonal bandwidth. The bandwidth
is stated with every result. Default rule, per axis in metres (DESIGN.md section 5):

    h = 1.06 * min(sd, IQR / 1.34) * n ** (-1/5)

Density is returned in **events per square kilometre** (the expected count per km^2),
i.e. ``n * f(x, y) * 1e6`` where ``f`` is the estimated probability density per m^2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import contourpy
import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import ndimage

from geo.analysis.grid import SquareGrid, make_grid
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC, WGS84
from geo.core.validate import check_points, metric_xy, positive

TRUNCATE_SD = 4.0  # kernel support, in bandwidths, on each side


def rule_of_thumb_bandwidth(xy: NDArray[np.float64]) -> tuple[float, float]:
    """Per-axis bandwidth ``1.06 * min(sd, IQR/1.34) * n^(-1/5)`` in metres.

    Parameters
    ----------
    xy
        ``(n, 2)`` coordinates in EPSG:32611 metres.

    Returns
    -------
    (hx, hy)
        Metres. An axis whose IQR is zero falls back to its standard deviation.

    Raises
    ------
    AnalysisError
        Fewer than 2 points, or all points in one place.
    """
    xy = np.asarray(xy, dtype=float)
    n = len(xy)
    if n < 2:
        msg = f"a bandwidth needs at least 2 points, got {n}; give bandwidth_m explicitly"
        raise AnalysisError(msg)
    out = []
    for axis in (0, 1):
        v = xy[:, axis]
        sd = float(np.std(v, ddof=1))
        q75, q25 = np.percentile(v, [75, 25])
        iqr = float(q75 - q25) / 1.34
        spread = min(sd, iqr) if iqr > 0 else sd
        if spread <= 0:
            msg = "all points share one coordinate; the bandwidth rule gives 0 m, give bandwidth_m explicitly"
            raise AnalysisError(msg)
        out.append(1.06 * spread * n ** (-0.2))
    return out[0], out[1]


@dataclass(frozen=True)
class KDEResult:
    """A kernel density surface on a metric grid.

    Attributes
    ----------
    density
        ``(ny, nx)`` events per km^2; row 0 is the southern row.
    grid
        The :class:`geo.analysis.grid.SquareGrid` (EPSG:32611).
    bandwidth_m
        ``(hx, hy)`` in metres.
    n
        Number of events.
    rule
        ``"rule of thumb"`` or ``"given"``.
    """

    density: NDArray[np.float64]
    grid: SquareGrid
    bandwidth_m: tuple[float, float]
    n: int
    rule: str
    crs: str = field(default=METRIC)

    def to_gdf(self, *, min_density: float = 0.0) -> gpd.GeoDataFrame:
        """Grid cells (EPSG:4326) with ``density`` (events per km^2) above ``min_density``."""
        keep = self.density > min_density
        return self.grid.to_gdf({"density": self.density}, keep=keep)

    def describe(self) -> dict[str, Any]:
        """Plain values for captions and JSON (metres, events per km^2)."""
        return {
            "bandwidth_x_m": round(self.bandwidth_m[0], 1),
            "bandwidth_y_m": round(self.bandwidth_m[1], 1),
            "bandwidth_rule": self.rule,
            "cell_m": self.grid.cell_m,
            "n_events": self.n,
            "max_density_per_km2": float(self.density.max()) if self.density.size else 0.0,
        }


def kde_from_xy(
    xy: NDArray[np.float64],
    *,
    cell_m: float = 50.0,
    bandwidth_m: float | tuple[float, float] | None = None,
    grid: SquareGrid | None = None,
) -> KDEResult:
    """Binned Gaussian KDE of metric points.

    Parameters
    ----------
    xy
        ``(n, 2)`` coordinates in EPSG:32611 metres.
    cell_m
        Grid cell side, metres (ignored when ``grid`` is given).
    bandwidth_m
        Gaussian standard deviation in metres: one number for both axes, ``(hx, hy)``, or
        None for the rule of thumb.
    grid
        The output grid; by default the points' bounding box plus the kernel's reach
        (4 bandwidths) on each side.

    Returns
    -------
    KDEResult
        Density in events per km^2. Points outside a given grid still count in ``n`` (the
        density is of all events), but their mass falls outside the surface.
    """
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        msg = f"xy must be an (n, 2) array of metres, got shape {xy.shape}"
        raise AnalysisError(msg)
    n = len(xy)
    if n == 0:
        msg = "cannot estimate a density from zero incidents; widen the filters"
        raise AnalysisError(msg)
    if bandwidth_m is None:
        h = rule_of_thumb_bandwidth(xy)
        rule = "rule of thumb"
    else:
        pair: tuple[Any, ...] = (
            (bandwidth_m, bandwidth_m) if isinstance(bandwidth_m, int | float | np.number) else tuple(bandwidth_m)
        )
        if len(pair) != 2:
            msg = f"bandwidth_m must be one number or (hx, hy) in metres, got {bandwidth_m!r}"
            raise AnalysisError(msg)
        h = (positive(pair[0], "bandwidth_m", "metres"), positive(pair[1], "bandwidth_m", "metres"))
        rule = "given"
    if grid is None:
        cell = positive(cell_m, "cell_m", "metres")
        pad = int(np.ceil(TRUNCATE_SD * max(h) / cell))
        grid = make_grid(xy, cell_m=cell, pad_cells=pad)
    counts = grid.counts(xy).astype(float)
    sigma = (h[1] / grid.cell_m, h[0] / grid.cell_m)  # (rows = y, cols = x)
    smooth = ndimage.gaussian_filter(counts, sigma=sigma, mode="constant", cval=0.0, truncate=TRUNCATE_SD)
    density = smooth / grid.area_m2 * 1e6  # events per km^2
    return KDEResult(density=density, grid=grid, bandwidth_m=(float(h[0]), float(h[1])), n=n, rule=rule)


def kde(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float = 50.0,
    bandwidth_m: float | tuple[float, float] | None = None,
    grid: SquareGrid | None = None,
) -> KDEResult:
    """Kernel density of incidents (see :func:`kde_from_xy`); points in EPSG:4326 or EPSG:32611."""
    check_points(incidents)
    return kde_from_xy(metric_xy(incidents), cell_m=cell_m, bandwidth_m=bandwidth_m, grid=grid)


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
        Explicit density levels in events per km^2.

    Returns
    -------
    geopandas.GeoDataFrame
        One (multi)polygon per level, from the lowest (largest area) to the highest:
        ``level`` (events per km^2), ``mass`` (fraction or NaN), ``area_km2`` and geometry
        in EPSG:4326. Polygons are nested: each holds the density at or above its level.
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
    gdf = gdf[~gdf.geometry.is_empty].to_crs(WGS84).reset_index(drop=True)
    gdf.attrs.update(result.describe())
    return gdf[["level", "mass", "area_km2", "geometry"]]
