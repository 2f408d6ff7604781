"""Benchmark of the risk terrain model (geo/analysis/riskterrain.py) against the naive way.

Run: ``python bench/bench_riskterrain.py [--side-m 9000] [--points 1000] [--seed 0]``. Prints, on the same
synthetic data in the same run:

- building the candidate variables (proximity and density at every band, for every factor layer) with one KD-tree
  per layer, against a naive loop over the cells that measures every factor point from each cell (numpy over the
  points), and against a pure-Python double loop over cells and points (timed on a subset of cells and scaled up;
  the line says so); the three must agree;
- the whole fit (:func:`risk_terrain`: cells, candidates, the lasso path cross-validated on 5 folds, the refit).

Synthetic, seeded, nothing read from the network: a square of ``--side-m`` metres in South LA (EPSG:32611) cut into
150 m cells, three factor layers of ``--points`` points each (one raises the rate near it, one with the count of
its points within 300 m, one does nothing) and incidents drawn per cell from that rate.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.analysis.riskterrain import candidate_variables, risk_terrain
from geo.core.projection import WGS84, metric_to_lonlat
from geo.core.settings import RiskSettings

X0, Y0 = 370_050.0, 3_750_000.0  # EPSG:32611, multiples of 150 m
RISK = RiskSettings()  # 150 m cells, bands 150/300/450 m, 5 folds, seed 0
PY_SUBSET = 200  # cells timed in the pure-Python double loop (scaled to all cells)


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def lonlat(xy: np.ndarray) -> gpd.GeoDataFrame:
    lon, lat = metric_to_lonlat(xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame(geometry=shapely.points(np.column_stack([lon, lat])), crs=WGS84)


def scene(side: float, n_points: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Cell centres, three factor layers and per-cell incident counts (all metres, EPSG:32611)."""
    n = int(side // RISK.cell_m)
    xs = X0 + (np.arange(n) + 0.5) * RISK.cell_m
    gx, gy = np.meshgrid(xs, Y0 + (np.arange(n) + 0.5) * RISK.cell_m)
    centres = np.column_stack([gx.ravel(), gy.ravel()])
    layers = {name: rng.uniform([X0, Y0], [X0 + side, Y0 + side], size=(n_points, 2)) for name in ("A", "C", "B")}
    near_a = cKDTree(layers["A"]).query(centres)[0] <= 150.0
    within_c = cKDTree(layers["C"]).query_ball_point(centres, r=300.0, return_length=True)
    counts = rng.poisson(0.3 * np.where(near_a, 3.0, 1.0) * 1.3**within_c)
    return centres, layers, counts


def kdtree_way(centres: np.ndarray, layers: dict[str, np.ndarray], bands: tuple[float, ...]) -> list[Any]:
    return [candidate_variables(centres, pts, bands) for pts in layers.values()]


def numpy_loop(centres: np.ndarray, layers: dict[str, np.ndarray], bands: tuple[float, ...]) -> list[Any]:
    """Per cell, the distance to every factor point (numpy over the points), then each band."""
    band = np.asarray(bands)
    out = []
    for pts in layers.values():
        proximity = np.zeros((len(centres), len(bands)), dtype=bool)
        density = np.zeros((len(centres), len(bands)), dtype=np.int64)
        for i, (x, y) in enumerate(centres):
            d = np.hypot(pts[:, 0] - x, pts[:, 1] - y)
            proximity[i] = d.min() <= band
            density[i] = (d[:, None] <= band).sum(axis=0)
        out.append((proximity, density))
    return out


def python_loop(centres: np.ndarray, layers: dict[str, np.ndarray], bands: tuple[float, ...]) -> list[Any]:
    """Per cell and per factor point, one distance at a time (no numpy)."""
    out = []
    for pts in layers.values():
        plist = pts.tolist()
        rows = []
        for x, y in centres.tolist():
            nearest, counts = float("inf"), [0] * len(bands)
            for px, py in plist:
                d = ((px - x) ** 2 + (py - y) ** 2) ** 0.5
                nearest = min(nearest, d)
                for j, b in enumerate(bands):
                    counts[j] += d <= b
            rows.append(([nearest <= b for b in bands], counts))
        out.append(rows)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--side-m", type=float, default=9000.0, help="side of the square study area, metres")
    parser.add_argument("--points", type=int, default=1000, help="points in each of the three factor layers")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    centres, layers, counts = scene(args.side_m, args.points, rng)
    bands = tuple(float(b) for b in RISK.bands_m)
    n_pts = sum(len(p) for p in layers.values())
    print(f"{len(centres):,} cells of {RISK.cell_m:g} m, {n_pts:,} factor points in 3 layers, bands {bands} m")

    fast, tree = timed(lambda: kdtree_way(centres, layers, bands))
    slow, loop = timed(lambda: numpy_loop(centres, layers, bands), repeat=1)
    for (p1, d1), (p2, d2) in zip(tree, loop, strict=True):
        assert (p1 == p2).all(), "the KD-tree and the per-cell loop disagree (proximity)"
        assert (d1 == d2).all(), "the KD-tree and the per-cell loop disagree (density)"
    sub = centres[:PY_SUBSET]
    t_py, py = timed(lambda: python_loop(sub, layers, bands), repeat=1)
    for (p1, d1), rows in zip(tree, py, strict=True):
        assert [r[0] for r in rows] == p1[:PY_SUBSET].tolist(), "the pure-Python loop disagrees (proximity)"
        assert [r[1] for r in rows] == d1[:PY_SUBSET].tolist(), "the pure-Python loop disagrees (density)"
    py_full = t_py * len(centres) / PY_SUBSET
    print(f"candidate variables, KD-tree                {fast * 1000:>10.1f} ms")
    print(f"  naive: per-cell loop, numpy over points   {slow * 1000:>10.1f} ms   ratio {slow / fast:>7.1f}x   (agree)")
    print(
        f"  naive: pure-Python double loop            {py_full * 1000:>10.1f} ms   ratio {py_full / fast:>7.1f}x   "
        f"(timed on {PY_SUBSET} cells, scaled to {len(centres):,}; agree)"
    )

    xy = np.repeat(centres, counts, axis=0) + rng.uniform(-74.0, 74.0, size=(int(counts.sum()), 2))
    incidents = lonlat(xy)
    factors = {name: lonlat(pts) for name, pts in layers.items()}
    area = shapely.box(X0, Y0, X0 + args.side_m, Y0 + args.side_m)
    t_fit, result = timed(lambda: risk_terrain(incidents, factors, area=area, settings=RISK), repeat=1)
    kept = ", ".join(
        f"{v} (RR {rr:.2f})" for v, rr in result.factors.loc[result.factors.status == "kept", ["variable", "rr"]].values
    )
    print(f"whole fit (risk_terrain), {len(incidents):,} incidents  {t_fit:>10.2f} s    model {result.model}")
    print(f"  kept: {kept or 'none'}; dropped: {', '.join(result.dropped) or 'none'}")
    print("  truth: A triples the rate within 150 m, C multiplies it by 1.3 a point within 300 m, B does nothing")
    print(
        f"  cross-validated deviance {result.cv_deviance:,.1f} against {result.cv_deviance_null:,.1f} intercept only; "
        f"{result.n_event_cells:,} of {result.n_cells:,} cells with an incident"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
