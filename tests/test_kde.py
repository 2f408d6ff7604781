"""Binned Gaussian KDE against scipy's gaussian_kde, the bandwidth rule and the contours."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import gaussian_kde

from geo.analysis.kde import kde, kde_contours, kde_from_xy, mass_levels, rule_of_thumb_bandwidth
from geo.core.errors import AnalysisError
from tests.analysis_helpers import ORIGIN, lonlat_points

X0, Y0 = ORIGIN


def _sample(n: int = 300, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = np.column_stack([rng.normal(X0, 400, n), rng.normal(Y0, 250, n)])
    b = np.column_stack([rng.normal(X0 + 1200, 120, n // 2), rng.normal(Y0 + 600, 120, n // 2)])
    return np.vstack([a, b])


def test_rule_of_thumb_bandwidth_formula() -> None:
    xy = _sample()
    hx, hy = rule_of_thumb_bandwidth(xy)
    for h, v in ((hx, xy[:, 0]), (hy, xy[:, 1])):
        iqr = np.subtract(*np.percentile(v, [75, 25]))
        expected = 1.06 * min(np.std(v, ddof=1), iqr / 1.34) * len(v) ** (-0.2)
        assert h == pytest.approx(expected)
    with pytest.raises(AnalysisError, match="at least 2 points"):
        rule_of_thumb_bandwidth(xy[:1])
    with pytest.raises(AnalysisError, match="one coordinate"):
        rule_of_thumb_bandwidth(np.full((5, 2), 3.0))


def test_kde_correlates_with_scipy_gaussian_kde() -> None:
    # two clusters side by side along x, so the sample covariance is (almost) diagonal and
    # scipy's full-covariance kernel matches a per-axis bandwidth
    rng = np.random.default_rng(1)
    xy = np.vstack(
        [
            np.column_stack([rng.normal(X0, 300, 150), rng.normal(Y0, 200, 150)]),
            np.column_stack([rng.normal(X0 + 1200, 150, 100), rng.normal(Y0, 150, 100)]),
        ]
    )
    factor = 0.35
    ref_kde = gaussian_kde(xy.T, bw_method=factor)
    # gaussian_kde's kernel covariance is factor^2 * data covariance; use its diagonal
    hx, hy = np.sqrt(np.diag(ref_kde.covariance))
    res = kde_from_xy(xy, cell_m=25.0, bandwidth_m=(hx, hy))
    xs, ys = res.grid.centres()
    gx, gy = np.meshgrid(xs, ys)
    ref = ref_kde(np.vstack([gx.ravel(), gy.ravel()])) * len(xy) * 1e6  # events per km^2
    r = np.corrcoef(ref, res.density.ravel())[0, 1]
    assert r >= 0.99
    # total mass is conserved (events), within the truncated kernel
    assert res.density.sum() * res.grid.area_m2 / 1e6 == pytest.approx(len(xy), rel=1e-3)


def test_kde_on_incidents_states_bandwidth() -> None:
    xy = _sample(100)
    res = kde(lonlat_points(xy), cell_m=50.0)
    info = res.describe()
    assert info["bandwidth_rule"] == "rule of thumb"
    assert info["n_events"] == 150
    assert info["bandwidth_x_m"] > 0
    given = kde(lonlat_points(xy), cell_m=50.0, bandwidth_m=200.0)
    assert given.bandwidth_m == (200.0, 200.0)
    assert given.rule == "given"
    cells = given.to_gdf(min_density=1.0)
    assert cells.crs == "EPSG:4326"
    assert (cells["density"] > 1.0).all()


def test_kde_rejects_bad_input() -> None:
    with pytest.raises(AnalysisError, match="zero incidents"):
        kde_from_xy(np.empty((0, 2)))
    with pytest.raises(AnalysisError, match="positive"):
        kde_from_xy(_sample(10), bandwidth_m=-3)
    with pytest.raises(AnalysisError, match=r"\(n, 2\)"):
        kde_from_xy(np.ones(4))


def test_contours_hold_their_mass_and_nest() -> None:
    res = kde_from_xy(_sample(), cell_m=25.0)
    levels = mass_levels(res.density, (0.5, 0.9))
    for lev, frac in zip(levels, (0.5, 0.9), strict=True):
        share = res.density[res.density >= lev].sum() / res.density.sum()
        assert share == pytest.approx(frac, abs=0.01)
    gdf = kde_contours(res, fractions=(0.5, 0.75, 0.9))
    assert gdf.crs == "EPSG:4326"
    assert list(gdf["mass"]) == [0.9, 0.75, 0.5]  # lowest level (largest area) first
    assert gdf["area_km2"].is_monotonic_decreasing
    metric = gdf.to_crs("EPSG:32611")
    assert metric.geometry.iloc[0].buffer(1.0).contains(metric.geometry.iloc[2])
    assert gdf.attrs["bandwidth_rule"] == "rule of thumb"
    with pytest.raises(AnalysisError, match="strictly between"):
        kde_contours(res, fractions=(1.5,))
