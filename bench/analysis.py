"""Benchmark of the analysis engine against the naive way (DESIGN.md section 8).

Run: ``python bench/analysis.py [--n 1000000] [--seed 0]``. Prints, for each operation,
the time of the fast path, the time of the naive way on the same data in the same run
(timed on a subset and extrapolated linearly where the full run would take minutes; each
line says so), their ratio and the target. Synthetic data (seeded) over a 30 km square of
South LA; nothing is read from the network.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.analysis.gistar import gi_star_grid
from geo.analysis.grid import SquareGrid
from geo.analysis.kde import kde_from_xy
from geo.analysis.rings import rank_places
from geo.analysis.zones import zone_index
from geo.core.projection import METRIC, WGS84, metric_to_lonlat, points_metric
from geo.core.schema import INCIDENT_DTYPES, TZ, coerce_incidents
from geo.core.store import write_geoparquet
from geo.data.datasets import load_incidents

X0, Y0, SIDE = 370_000.0, 3_750_000.0, 30_000.0
ORIGIN_XY = np.array([X0, Y0])
ROWS: list[dict[str, Any]] = []


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def report(name: str, fast: float, naive: float | None, target: str, note: str = "", ok: bool | None = None) -> None:
    ratio = naive / fast if naive else None
    ROWS.append({"operation": name, "fast_s": fast, "naive_s": naive, "ratio": ratio, "target": target})
    r = f"{ratio:,.0f}x" if ratio else "-"
    n = f"{naive:,.2f} s" if naive else "-"
    flag = "" if ok is None else ("  OK" if ok else "  MISSED")
    print(f"{name:<46} {fast * 1000:>9.1f} ms   naive {n:>14}   ratio {r:>9}   target {target}{flag}")
    if note:
        print(f"{'':<46} {note}")


def synthetic_xy(n: int, rng: np.random.Generator) -> np.ndarray:
    """Half background, half in 40 clusters laid out on a grid (so x and y stay uncorrelated)."""
    bg = rng.uniform(0, SIDE, size=(n // 2, 2))
    centres = np.array([(i, j) for i in range(8) for j in range(5)], dtype=float) * [SIDE / 8, SIDE / 5] + [
        SIDE / 16,
        SIDE / 10,
    ]
    pick = rng.integers(0, len(centres), size=n - n // 2)
    cl = centres[pick] + rng.normal(0, 300, size=(len(pick), 2))
    xy = np.clip(np.vstack([bg, cl]), 0, SIDE - 1e-6)
    return np.asarray(xy + ORIGIN_XY)


def incident_frame(xy: np.ndarray, rng: np.random.Generator) -> gpd.GeoDataFrame:
    n = len(xy)
    lon, lat = metric_to_lonlat(xy[:, 0], xy[:, 1])
    when = pd.Timestamp("2010-01-01", tz=TZ) + pd.to_timedelta(rng.integers(0, 15 * 365 * 1440, n), unit="min")
    cats = np.array(["homicide", "assault_with_weapon", "robbery", "shots_fired"])[rng.integers(0, 4, n)]

    def empty(dtype: str) -> pd.Series:
        if dtype == "bool":
            return pd.Series(np.zeros(n, dtype=bool))
        if dtype.startswith("datetime"):
            return pd.Series(pd.NaT, index=range(n), dtype=dtype)
        return pd.Series([None] * n, dtype=dtype)

    df = pd.DataFrame({c: empty(t) for c, t in INCIDENT_DTYPES.items()})
    df["incident_id"] = pd.array([f"bench-{i:07d}" for i in range(n)], dtype="string")
    df["source"] = "synthetic bench"
    df["occurred_at"] = when
    df["time_known"] = True
    df["category"] = cats
    df["lat"] = lat
    df["lon"] = lon
    df["synthetic"] = True
    gdf = gpd.GeoDataFrame(df, geometry=shapely.points(np.column_stack([lon, lat])), crs=WGS84)
    return coerce_incidents(gdf)


def bench_zones(inc: gpd.GeoDataFrame, rng: np.random.Generator) -> None:
    seeds = shapely.multipoints(rng.uniform(0, SIDE, size=(500, 2)) + ORIGIN_XY)
    extent = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
    cells = shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=extent))
    cells = shapely.intersection(cells, extent)
    zones = gpd.GeoDataFrame({"name": [f"z{i}" for i in range(len(cells))]}, geometry=cells, crs=METRIC).to_crs(WGS84)
    fast, idx = timed(lambda: zone_index(inc, zones))
    counts = np.bincount(idx[idx >= 0], minlength=len(zones))
    pts = inc.geometry.values
    sub = 25

    def naive() -> np.ndarray:
        out = np.zeros(sub, dtype=np.int64)
        for k, poly in enumerate(zones.geometry.values[:sub]):
            out[k] = int(shapely.covers(poly, pts).sum())
        return out

    t_naive, naive_counts = timed(naive, repeat=1)
    assert (naive_counts == counts[:sub]).all(), "naive and fast zone counts differ"
    naive_full = t_naive * len(zones) / sub
    report(
        f"count points in {len(zones)} polygons ({len(inc):,} pts)",
        fast,
        naive_full,
        "<= 1.5 s, >= 20x",
        f"naive = shapely.covers per polygon, timed on {sub} polygons and scaled to {len(zones)}; counts agree",
        ok=fast <= 1.5 and naive_full / fast >= 20,
    )


def bench_parks(inc_metric: gpd.GeoDataFrame, xy: np.ndarray, rng: np.random.Generator) -> None:
    n_parks = 200
    centres = rng.uniform(500, SIDE - 500, size=(n_parks, 2)) + ORIGIN_XY
    parks = [
        shapely.Polygon(shapely.get_coordinates(shapely.Point(c).buffer(rng.uniform(60, 250), quad_segs=8)))
        for c in centres
    ]
    places = gpd.GeoDataFrame(
        {"place_id": [f"p{i}" for i in range(n_parks)], "name": [f"Park {i}" for i in range(n_parks)], "kind": "park"},
        geometry=parks,
        crs=METRIC,
    ).to_crs(WGS84)
    fast, table = timed(lambda: rank_places(inc_metric, places, within_m=150.0, years=15.0))
    fast_sj, joined = timed(
        lambda: gpd.sjoin(inc_metric[["geometry"]], places.to_crs(METRIC), predicate="dwithin", distance=150.0),
        repeat=1,
    )
    pts = shapely.points(xy)
    sub = 10

    def naive() -> list[int]:
        return [int((shapely.distance(p, pts) <= 150.0).sum()) for p in places.to_crs(METRIC).geometry.values[:sub]]

    t_naive, naive_counts = timed(naive, repeat=1)
    by_id = table.set_index("place_id")["count"]
    assert naive_counts == [int(by_id[f"p{i}"]) for i in range(sub)], "naive and fast park counts differ"
    assert len(joined) == int(table["count"].sum())
    naive_full = t_naive * n_parks / sub
    report(
        f"points within 150 m of {n_parks} park borders",
        fast,
        naive_full,
        "<= 2 s, >= 100x",
        f"rank_places (STRtree dwithin, metric input); geopandas sjoin dwithin {fast_sj:.2f} s; "
        f"naive = distance to every point per park, {sub} parks scaled to {n_parks}; counts agree",
        ok=fast <= 2.0 and naive_full / fast >= 100,
    )


def bench_kde(xy: np.ndarray, rng: np.random.Generator) -> None:
    from scipy.stats import gaussian_kde

    cell = SIDE / 250
    grid = SquareGrid(X0, Y0, cell, 250, 250)
    h = 250.0
    fast, _ = timed(lambda: kde_from_xy(xy, bandwidth_m=h, grid=grid))
    # correlation with gaussian_kde on a sample, same bandwidth (kernel covariance diag(h^2))
    sample = xy[rng.choice(len(xy), 3000, replace=False)]
    ref = gaussian_kde(sample.T, bw_method=h / float(np.std(sample[:, 0], ddof=1)))
    xs, ys = grid.centres()
    gx, gy = np.meshgrid(xs, ys)
    h_ref = (float(np.sqrt(ref.covariance[0, 0])), float(np.sqrt(ref.covariance[1, 1])))
    ours_sample = kde_from_xy(sample, bandwidth_m=h_ref, grid=grid)
    t0 = time.perf_counter()
    ref_vals = ref(np.vstack([gx.ravel(), gy.ravel()]))
    t_sample = time.perf_counter() - t0
    corr = float(np.corrcoef(ref_vals, ours_sample.density.ravel())[0, 1])
    # naive: gaussian_kde with all points at a few grid points, scaled to 62,500 points
    full = gaussian_kde(xy.T, bw_method=0.05)
    n_eval = 20
    t0 = time.perf_counter()
    full(np.vstack([gx.ravel()[:n_eval], gy.ravel()[:n_eval]]))
    naive_full = (time.perf_counter() - t0) * grid.n_cells / n_eval
    report(
        f"KDE {len(xy):,} pts on 250x250 grid",
        fast,
        naive_full,
        "<= 0.5 s, corr >= 0.99, >= 1000x",
        f"binned + gaussian_filter on metric coordinates (projection not included); corr with gaussian_kde "
        f"on a 3,000-point sample = {corr:.4f} ({t_sample:.1f} s); naive = gaussian_kde on all points at "
        f"{n_eval} grid points, scaled to {grid.n_cells:,}",
        ok=fast <= 0.5 and corr >= 0.99 and naive_full / fast >= 1000,
    )


def bench_gistar(rng: np.random.Generator) -> None:
    from esda.getisord import G_Local
    from libpysal.weights import fill_diagonal, lat2W

    counts = rng.poisson(3.0, size=(100, 100))
    fast, z = timed(lambda: gi_star_grid(counts), repeat=20)
    w = fill_diagonal(lat2W(100, 100, rook=False), 1.0)
    y = counts.ravel().astype(float)
    G_Local(y[:100], fill_diagonal(lat2W(10, 10, rook=False), 1.0), transform="B", star=True, permutations=0)
    t_esda, g = timed(lambda: G_Local(y, w, transform="B", star=True, permutations=0), repeat=1)
    diff = float(np.abs(z.ravel() - g.Zs).max())
    report(
        "Gi* on 10k cells (100x100, queen + self)",
        fast,
        t_esda,
        "<= 50 ms, = esda within 1e-9",
        f"esda G_Local(star=True, transform='B', permutations=0) on prebuilt weights; max |z diff| = {diff:.1e}",
        ok=fast <= 0.05 and diff <= 1e-9,
    )


def bench_gistar_permutations(rng: np.random.Generator) -> None:
    from esda.getisord import G_Local
    from libpysal.weights import fill_diagonal, lat2W
    from scipy import ndimage

    from geo.analysis.gi_perm import permutation_p

    counts = rng.poisson(0.5, size=(100, 100)).astype(float)
    window = np.ones((3, 3))
    lag = (ndimage.correlate(counts, window, mode="constant") - counts).ravel()
    card = (ndimage.correlate(np.ones_like(counts), window, mode="constant") - 1).ravel().astype(np.int64)
    fast, _ = timed(lambda: permutation_p(counts.ravel(), lag, card, permutations=999, seed=0), repeat=3)
    # esda's numba path on the same cells (first call compiles: warm it on a small grid)
    small = counts[:10, :10].ravel()
    G_Local(small, fill_diagonal(lat2W(10, 10, rook=False), 1.0), transform="B", star=True, permutations=99, seed=0)
    w = fill_diagonal(lat2W(100, 100, rook=False), 1.0)
    t_esda, _ = timed(
        lambda: G_Local(counts.ravel(), w, transform="B", star=True, permutations=999, seed=0, keep_simulations=False),
        repeat=1,
    )
    report(
        "Gi* permutation p, 10k cells x 999 permutations",
        fast,
        t_esda,
        "<= 1 s",
        "conditional permutation (esda p_sim semantics), NumPy; naive = esda G_Local(permutations=999), numba",
        ok=fast <= 1.0,
    )


def bench_parquet(inc: gpd.GeoDataFrame) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "incidents.parquet"
        write_geoparquet(inc, path)
        size_mb = path.stat().st_size / 1e6
        fast, back = timed(lambda: load_incidents(path), repeat=3)
        assert len(back) == len(inc)
        t_raw, _ = timed(lambda: gpd.read_parquet(path), repeat=3)
    report(
        f"GeoParquet read of {len(inc):,} incidents",
        fast,
        None,
        "<= 1.5 s",
        f"geo.data.datasets.load_incidents (read + schema coercion); bare gpd.read_parquet {t_raw:.2f} s; "
        f"file {size_mb:.0f} MB",
        ok=fast <= 1.5,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000, help="number of synthetic incidents")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    xy = synthetic_xy(args.n, rng)
    inc = incident_frame(xy, rng)
    inc_metric = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=METRIC)
    print(f"{args.n:,} synthetic incidents built in {time.perf_counter() - t0:.1f} s (seed {args.seed})")
    t_proj, _ = timed(lambda: points_metric(inc))
    print(f"(projection of {args.n:,} points to EPSG:32611 with the cached transformer: {t_proj * 1000:.0f} ms)\n")
    bench_zones(inc, rng)
    bench_parks(inc_metric, xy, rng)
    bench_kde(xy, rng)
    bench_gistar(rng)
    bench_gistar_permutations(rng)
    bench_parquet(inc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
