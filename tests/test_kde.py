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


def test_normal_reference_bandwidth_is_2d_on_the_pooled_standard_distance() -> None:
    xy = _sample()
    hx, hy = rule_of_thumb_bandwidth(xy)
    n = len(xy)
    sd = np.sqrt((np.var(xy[:, 0], ddof=1) + np.var(xy[:, 1], ddof=1)) / 2)
    # Silverman (1986) eq. 4.14: h = A(K) sigma n^(-1/(d+4)), A = (4/(d+2))^(1/(d+4)) = 1 for d = 2
    expected = (4 / (2 + 2)) ** (1 / 6) * sd * n ** (-1 / 6)
    assert hx == hy == pytest.approx(expected)
    with pytest.raises(AnalysisError, match="at least 2 points"):
        rule_of_thumb_bandwidth(xy[:1])
    with pytest.raises(AnalysisError, match="one place"):
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
    assert info["bandwidth_rule"] == "normal_reference_2d"
    assert info["units"] == "incidents per km² per year"
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
    assert gdf.attrs["bandwidth_rule"] == "normal_reference_2d"
    with pytest.raises(AnalysisError, match="strictly between"):
        kde_contours(res, fractions=(1.5,))


def _exact_kernel_sum(xy: np.ndarray, gx: np.ndarray, gy: np.ndarray, h: float, years: float) -> np.ndarray:
    """The exact isotropic Gaussian kernel sum at grid points, incidents per km^2 per year."""
    out = np.zeros(gx.size)
    px, py = gx.ravel(), gy.ravel()
    for x, y in xy:
        out += np.exp(-((px - x) ** 2 + (py - y) ** 2) / (2 * h * h))
    return (out / (2 * np.pi * h * h) * 1e6 / years).reshape(gx.shape)


def _check_against_exact(xy: np.ndarray, *, cell_m: float, h: float | None = None, years: float = 1.0) -> None:
    res = kde_from_xy(xy, cell_m=cell_m, bandwidth_m=h, years=years)
    xs, ys = res.grid.centres()
    gx, gy = np.meshgrid(xs, ys)
    exact = _exact_kernel_sum(xy, gx, gy, res.bandwidth_m[0], years)
    r = np.corrcoef(exact.ravel(), res.density.ravel())[0, 1]
    assert r >= 0.99
    assert np.abs(exact - res.density).max() <= 0.05 * exact.max()


def test_linear_binning_matches_the_exact_kernel_sum() -> None:
    rng = np.random.default_rng(12)
    # points off the cell centres, a bandwidth of two cells: snapping to centres would miss by ~40 %
    xy = np.column_stack([X0 + rng.uniform(0, 600, 40), Y0 + rng.uniform(0, 600, 40)])
    _check_against_exact(xy, cell_m=50.0, h=100.0, years=2.0)
    # a cell larger than half the bandwidth is reduced, so coarse requests stay accurate
    res = kde_from_xy(xy, cell_m=200.0, bandwidth_m=100.0)
    assert res.grid.cell_m <= 50.0


def test_contours_are_labelled_by_the_share_of_incidents_inside() -> None:
    xy = _sample(200)
    res = kde_from_xy(xy, cell_m=40.0)
    cont = kde_contours(res, fractions=(0.5, 0.9))
    import shapely

    from geo.core.projection import METRIC

    for _, row in cont.iterrows():
        poly = gpd_to_metric(row.geometry)
        inside = shapely.covers(poly, shapely.points(xy)).mean()
        assert row["share_incidents"] == pytest.approx(inside, abs=0.01)
    assert METRIC == "EPSG:32611"


def gpd_to_metric(geom: object) -> object:
    import geopandas as gpd

    return gpd.GeoSeries([geom], crs="EPSG:4326").to_crs("EPSG:32611").iloc[0]


def test_likelihood_cv_bandwidth_is_named_and_sensible() -> None:
    xy = _sample(150)
    res = kde_from_xy(xy, cell_m=50.0, rule="likelihood_cv")
    assert res.rule == "likelihood_cv"
    # tight clusters: the cross-validated bandwidth is below the normal reference one
    assert res.bandwidth_m[0] < rule_of_thumb_bandwidth(xy)[0] * 1.2
    with pytest.raises(AnalysisError, match="bandwidth rule"):
        kde_from_xy(xy, rule="silverman")


@pytest.mark.realdata
@pytest.mark.parametrize(
    "parts",
    [
        ("latimes", "harvard_park_homicides.json"),
        ("lapd_crime", "Crime_Data_from_2020_to_Present__sample1k_excel_resaved_OwenGeeAndre.csv"),
    ],
)
def test_kde_matches_the_exact_kernel_sum_on_real_samples(parts: tuple[str, str]) -> None:
    from geo.core.validate import metric_xy
    from geo.data.ingest import incidents_from_path
    from tests.conftest import shared_file

    inc = incidents_from_path(shared_file(*parts))
    xy = metric_xy(inc)
    if len(xy) > 400:
        xy = xy[np.random.default_rng(0).choice(len(xy), 400, replace=False)]
    h = rule_of_thumb_bandwidth(xy)[0]
    _check_against_exact(xy, cell_m=h / 2, h=None)


def test_kde_over_a_study_area_leaves_out_cells_and_incidents_outside() -> None:
    import geopandas as gpd
    import shapely

    from geo.core.projection import METRIC

    xy = _sample(120)
    box = shapely.box(X0 - 2000, Y0 - 2000, X0 + 600, Y0 + 2000)  # cuts the eastern cluster off
    inc = lonlat_points(xy)
    res = kde(inc, cell_m=50.0, bandwidth_m=150.0, coverage=gpd.GeoSeries([box], crs=METRIC), years=1.0)
    xs, ys = res.grid.centres()
    gx, gy = np.meshgrid(xs, ys)
    outside = ~shapely.covers(box, shapely.points(gx.ravel(), gy.ravel())).reshape(gx.shape)
    assert (res.density[outside] == 0).all()
    assert res.n == int(shapely.covers(box, shapely.points(xy)).sum())
    assert res.describe()["study_area_guess"] is False
