"""Gi*, Benjamini-Hochberg FDR, classes, Mann-Kendall and emerging hot spots."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pymannkendall
import pytest
from scipy import stats

from geo.analysis.emerging import classify_trajectory, emerging_hotspots, mann_kendall
from geo.analysis.gistar import (
    TooFewEventsWarning,
    bh_fdr,
    gi_classes,
    gi_star,
    gi_star_grid,
    grid_weights,
    hotspots_grid,
    hotspots_h3,
    p_values,
)
from geo.analysis.grid import SquareGrid, h3_neighbours, square_counts
from geo.core.errors import AnalysisError
from tests.analysis_helpers import ORIGIN, lonlat_points, metric_points

X0, Y0 = ORIGIN


def _esda_z(values: np.ndarray, neighbours: dict[int, list[int]]) -> np.ndarray:
    from esda.getisord import G_Local
    from libpysal.weights import W, fill_diagonal

    w = fill_diagonal(W(neighbours, silence_warnings=True), 1.0)
    g = G_Local(values.astype(float), w, transform="B", star=True, permutations=0)
    return np.asarray(g.Zs, dtype=float)


def test_gi_star_grid_equals_esda_within_1e9() -> None:
    from libpysal.weights import lat2W

    rng = np.random.default_rng(7)
    counts = rng.poisson(1.5, size=(12, 15))
    counts[4:7, 5:8] += 6  # a planted hot spot
    w = lat2W(12, 15, rook=False)  # queen contiguity, ids row-major (row * ncols + col)
    ref = _esda_z(counts.ravel(), {int(k): [int(v) for v in vs] for k, vs in w.neighbors.items()})
    ours = gi_star_grid(counts).ravel()
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-9)
    # the sparse form with explicit weights agrees too
    np.testing.assert_allclose(gi_star(counts.ravel(), grid_weights(12, 15)), ref, rtol=0, atol=1e-9)


def test_gi_star_h3_equals_esda_within_1e9() -> None:
    import h3

    centre = h3.latlng_to_cell(33.98394, -118.30458, 9)
    cells = sorted(h3.grid_disk(centre, 3))
    rng = np.random.default_rng(3)
    counts = rng.poisson(2.0, size=len(cells))
    wm = h3_neighbours(cells).tocoo()
    neighbours: dict[int, list[int]] = {i: [] for i in range(len(cells))}
    for i, j in zip(wm.row, wm.col, strict=True):
        if i != j:
            neighbours[int(i)].append(int(j))
    ref = _esda_z(counts, neighbours)
    np.testing.assert_allclose(gi_star(counts, h3_neighbours(cells)), ref, rtol=0, atol=1e-9)


def test_gi_star_constant_values_give_zero() -> None:
    assert np.all(gi_star_grid(np.ones((4, 4))) == 0)
    with pytest.raises(AnalysisError, match="2-D"):
        gi_star_grid(np.ones(5))
    with pytest.raises(AnalysisError, match="weights must be"):
        gi_star(np.ones(3), grid_weights(2, 2))


def test_bh_fdr_hand_worked_example() -> None:
    # m = 5, alpha = 0.05: thresholds k * 0.01 = .01 .02 .03 .04 .05 on the sorted p-values
    # sorted p: .004 (<= .01), .025 (> .02!), .027 (<= .03), .035 (<= .04), .6 (> .05)
    # the largest k passing is 4, so the four smallest are rejected (step-up: .025 too).
    # q = min over j >= k of m p_(j) / j: .02, .04375, .04375, .04375, .6
    p = np.array([0.035, 0.6, 0.004, 0.027, 0.025])
    reject, q = bh_fdr(p, alpha=0.05)
    assert reject.tolist() == [True, False, True, True, True]
    np.testing.assert_allclose(q, [0.04375, 0.6, 0.02, 0.04375, 0.04375])
    np.testing.assert_allclose(q, stats.false_discovery_control(p, method="bh"))
    # at 0.01 only .004 survives (.004 <= .002 fails... k=1 threshold .002): nothing
    assert not bh_fdr(p, alpha=0.01)[0].any()
    with pytest.raises(AnalysisError, match="alpha"):
        bh_fdr(p, alpha=1.5)


def test_bh_fdr_keeps_shape_and_nan() -> None:
    p = np.array([[0.001, np.nan], [0.5, 0.002]])
    reject, q = bh_fdr(p, alpha=0.05)
    assert reject.shape == (2, 2)
    assert reject.tolist() == [[True, False], [False, True]]
    assert np.isnan(q[0, 1])


def test_classes_and_signs() -> None:
    z = np.array([4.0, 2.2, 1.7, 0.3, -1.7, -2.2, -4.0])
    p = p_values(z)
    assert gi_classes(z, p, fdr=False).tolist() == [3, 2, 1, 0, -1, -2, -3]
    # with FDR the marginal ones drop: 7 tests
    fdr = gi_classes(z, p, fdr=True)
    assert fdr[0] == 3
    assert fdr[-1] == -3
    assert fdr[3] == 0
    assert np.all(np.abs(fdr) <= np.abs(gi_classes(z, p, fdr=False)))


def _cluster(cx: float, cy: float, n: int, rng: np.random.Generator, spread: float = 20.0) -> np.ndarray:
    return np.column_stack([cx + rng.normal(0, spread, n), cy + rng.normal(0, spread, n)])


def test_hotspots_grid_finds_planted_cluster() -> None:
    rng = np.random.default_rng(11)
    background = np.column_stack([X0 + rng.uniform(0, 3000, 300), Y0 + rng.uniform(0, 3000, 300)])
    hot = _cluster(X0 + 1575, Y0 + 1575, 120, rng)
    inc = lonlat_points(np.vstack([background, hot]))
    gdf = hotspots_grid(inc, cell_m=150, alpha=0.05, inference="normal")
    assert gdf.crs == "EPSG:4326"
    assert {"cell_id", "count", "gi_z", "p", "q", "significant", "gi_class", "label"} <= set(gdf.columns)
    top = gdf.loc[gdf["gi_z"].idxmax()]
    assert top["gi_class"] == 3
    assert gdf.attrs["inference"] == "normal"
    assert gdf.attrs["study_area_guess"] is True
    perm = hotspots_grid(inc, cell_m=150, alpha=0.05, permutations=999, seed=1)
    # conditional permutation: only the cluster's own cell is extreme, and with this many cells a lone cell
    # cannot reach 99 % after FDR within the permutation budget (the result says so); its class, left open by
    # the Monte Carlo error, is settled by its exact permutation p, which does reach 99 %
    top_perm = perm.loc[perm["gi_z"].idxmax()]
    assert top_perm["gi_class"] == 3
    assert bool(top_perm["p_exact"])
    assert top_perm["p_mc_se"] == 0
    assert perm.attrs["resolution_limited"] is True
    assert [n["key"] for n in perm.attrs["notes"]] == ["gi.exact"]
    assert perm.attrs["permutations"] > 999
    assert top.geometry.contains(inc.geometry.iloc[-1]) or top.geometry.distance(inc.geometry.iloc[-1]) < 0.003
    assert gdf.attrs["warning"] is None
    assert gdf["count"].sum() == 420


def test_hotspots_warn_when_too_few_events() -> None:
    inc = metric_points([(X0, Y0), (X0 + 500, Y0), (X0, Y0 + 500), (X0 + 10, Y0 + 10), (X0 + 800, Y0 + 800)])
    with pytest.warns(TooFewEventsWarning, match="5 events over"):
        gdf = hotspots_grid(inc, cell_m=150, min_events=30)
    assert "5 events over" in gdf.attrs["warning"]
    assert gdf.attrs["tested"] is False
    assert (gdf["gi_class"] == 0).all()


def test_hotspots_h3() -> None:
    rng = np.random.default_rng(5)
    background = np.column_stack([X0 + rng.uniform(-2000, 2000, 200), Y0 + rng.uniform(-2000, 2000, 200)])
    pts = np.vstack([_cluster(X0, Y0, 150, rng, 200.0), background])
    gdf = hotspots_h3(lonlat_points(pts), resolution=9, inference="normal")
    assert gdf.crs == "EPSG:4326"
    assert gdf["count"].sum() == 350
    assert gdf.loc[gdf["count"].idxmax(), "gi_class"] == 3
    assert (gdf["gi_class"] == 3).sum() < 0.2 * len(gdf)
    with pytest.raises(AnalysisError, match="H3 resolution"):
        hotspots_h3(lonlat_points(pts), resolution=20)


def test_square_counts_edges_go_east_north() -> None:
    grid = SquareGrid(X0, Y0, 100.0, 3, 2)
    inc = metric_points([(X0 + 100, Y0 + 0), (X0 + 99.999, Y0 + 100), (X0 + 300, Y0)])  # last is outside
    gdf = square_counts(inc, cell_m=grid.cell_m, grid=grid, keep_empty=True)
    assert gdf["count"].tolist() == [0, 1, 0, 1, 0, 0]
    assert gdf.geometry.is_valid.all()


def test_mann_kendall_matches_pymannkendall() -> None:
    rng = np.random.default_rng(2)
    rows = np.vstack(
        [
            rng.integers(0, 4, size=(20, 12)),  # many ties
            rng.normal(size=(5, 12)) + np.arange(12) * 0.3,  # trends
            np.full((1, 12), 2.0),  # constant
        ]
    )
    s, z, p = mann_kendall(rows)
    for i, row in enumerate(rows):
        ref = pymannkendall.original_test(row)
        assert s[i] == pytest.approx(ref.s)
        assert z[i] == pytest.approx(ref.z, abs=1e-12)
        assert p[i] == pytest.approx(ref.p, abs=1e-12)


def test_classify_trajectory() -> None:
    t = np.array
    assert classify_trajectory(t([0, 0, 0, 0, 1], dtype=bool), 0.0, 1.0, alpha=0.05) == "new"
    assert classify_trajectory(t([0, 0, 1, 1, 1], dtype=bool), 2.0, 0.1, alpha=0.05) == "consecutive"
    assert classify_trajectory(t([1] * 10, dtype=bool), 0.5, 0.6, alpha=0.05) == "persistent"
    assert classify_trajectory(t([1] * 10, dtype=bool), 3.0, 0.001, alpha=0.05) == "intensifying"
    assert classify_trajectory(t([1] * 10, dtype=bool), -3.0, 0.001, alpha=0.05) == "diminishing"
    assert classify_trajectory(t([1, 0, 1, 0, 1], dtype=bool), 0.0, 1.0, alpha=0.05) == "sporadic"
    assert classify_trajectory(t([1] * 9 + [0] * 1, dtype=bool), 0.0, 1.0, alpha=0.05) == "historical"
    assert classify_trajectory(t([0] * 5, dtype=bool), 0.0, 1.0, alpha=0.05) == "no pattern"


def test_emerging_hotspots_persistent_and_new() -> None:
    rng = np.random.default_rng(9)
    xy, dates = [], []
    for year in range(2010, 2020):
        bg = np.column_stack([X0 + rng.uniform(0, 3000, 60), Y0 + rng.uniform(0, 3000, 60)])
        parts = [bg, _cluster(X0 + 775, Y0 + 775, 25, rng)]
        if year == 2019:
            parts.append(_cluster(X0 + 2275, Y0 + 2275, 25, rng))
        pts = np.vstack(parts)
        xy.append(pts)
        dates += [f"{year}-06-15"] * len(pts)
    inc = metric_points(np.vstack(xy), dates=dates)
    gdf = emerging_hotspots(inc, cell_m=150)
    assert gdf.attrs["years"] == list(range(2010, 2020))
    assert "z_2015" in gdf.columns

    def cat_at(x: float, y: float) -> str:
        grid = gdf.attrs["grid"]
        row, col, _ = grid.locate(np.array([[x, y]]))
        return str(gdf.loc[gdf["cell_id"] == row[0] * grid.nx + col[0], "category"].iloc[0])

    assert cat_at(X0 + 775, Y0 + 775) == "persistent"
    assert cat_at(X0 + 2275, Y0 + 2275) == "new"
    assert (gdf["category"] == "no pattern").mean() > 0.8


def test_emerging_needs_five_years() -> None:
    inc = metric_points([(X0, Y0)] * 40, dates=pd.date_range("2016-01-01", periods=40, freq="D").strftime("%Y-%m-%d"))
    with pytest.raises(AnalysisError, match="at least 5 years"):
        emerging_hotspots(inc)
