"""Gi* over a study area: esda on the masked grid, permutation p against esda, padding, sparseness."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from geo.analysis.emerging import emerging_hotspots, min_mk_p
from geo.analysis.gi_perm import cold_possible, permutation_p
from geo.analysis.gistar import TooFewEventsWarning, gi_star_grid, hotspots_grid
from geo.analysis.grid import SquareGrid
from geo.analysis.study import StudyArea, study_area
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC
from tests.analysis_helpers import ORIGIN, metric_points
from tests.conftest import shared_file

X0, Y0 = (np.ceil(v / 150.0) * 150.0 for v in ORIGIN)  # on the 150 m grid's lines


def _esda(values: np.ndarray, neighbours: dict[int, list[int]], permutations: int, seed: int):  # type: ignore[no-untyped-def]
    from esda.getisord import G_Local
    from libpysal.weights import W, fill_diagonal

    w = fill_diagonal(W(neighbours, silence_warnings=True), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return G_Local(values.astype(float), w, transform="B", star=True, permutations=permutations, seed=seed)


def _masked_neighbours(mask: np.ndarray) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Queen neighbours among the in-mask cells of a grid, numbered in row-major order."""
    ny, nx = mask.shape
    pos = -np.ones(mask.shape, dtype=int)
    pos[mask] = np.arange(mask.sum())
    out: dict[int, list[int]] = {}
    for r, c in zip(*np.nonzero(mask), strict=True):
        nb = []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                rr, cc = r + dr, c + dc
                if (dr or dc) and 0 <= rr < ny and 0 <= cc < nx and mask[rr, cc]:
                    nb.append(int(pos[rr, cc]))
        out[int(pos[r, c])] = nb
    return pos, out


def _l_shaped_mask(ny: int = 10, nx: int = 12) -> np.ndarray:
    mask = np.ones((ny, nx), dtype=bool)
    mask[6:, 7:] = False  # a notch: cells outside the study area
    return mask


def test_masked_gi_star_equals_esda_on_the_study_area_within_1e9() -> None:
    rng = np.random.default_rng(4)
    mask = _l_shaped_mask()
    counts = rng.poisson(1.2, size=mask.shape).astype(float)
    counts[2:4, 2:4] += 5
    _, nbrs = _masked_neighbours(mask)
    ref = _esda(counts[mask], nbrs, permutations=0, seed=0)
    ours = gi_star_grid(counts, mask=mask)
    np.testing.assert_allclose(ours[mask], ref.Zs, rtol=0, atol=1e-9)
    assert np.isnan(ours[~mask]).all()
    # the normal p: ours is two-sided, esda's p_norm one-sided
    from geo.analysis.gistar import p_values

    np.testing.assert_allclose(p_values(ours[mask]), 2 * ref.p_norm, rtol=0, atol=1e-9)


def test_permutation_p_has_the_distribution_of_esda_p_sim() -> None:
    rng = np.random.default_rng(8)
    mask = _l_shaped_mask()
    counts = rng.poisson(2.0, size=mask.shape).astype(float)
    counts[1:3, 8:10] += 4
    _, nbrs = _masked_neighbours(mask)
    x = counts[mask]
    perms = 9999
    ref = _esda(x, nbrs, permutations=perms, seed=11)
    card = np.array([len(nbrs[i]) for i in range(x.size)])
    lag = np.array([x[nbrs[i]].sum() for i in range(x.size)])
    p_sim, p_two = permutation_p(x, lag, card, permutations=perms, seed=3)
    # two independent Monte Carlo estimates of the same p: their difference is binomial noise
    p_mean = (p_sim + ref.p_sim) / 2
    se = np.sqrt(2 * p_mean * (1 - p_mean) / perms) + 1e-4
    zdiff = (p_sim - ref.p_sim) / se
    assert np.abs(zdiff).max() < 4.5
    assert abs(zdiff.mean()) < 3 / np.sqrt(x.size) * 1.5 + 0.3
    assert stats.ks_2samp(p_sim, ref.p_sim).pvalue > 0.01
    # the p used counts ties on both sides: never below the folded esda p doubled
    assert np.all(p_two >= np.minimum(1.0, 2 * p_sim) - 1e-12)


def test_permutation_p_is_seeded() -> None:
    x = np.arange(30, dtype=float) % 4
    card = np.full(30, 5)
    lag = np.full(30, 9.0)
    a = permutation_p(x, lag, card, permutations=999, seed=5)
    b = permutation_p(x, lag, card, permutations=999, seed=5)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(AnalysisError, match="permutations"):
        permutation_p(x, lag, card, permutations=0, seed=0)


def test_cold_spots_only_where_possible() -> None:
    # 90 % of cells empty: eight random neighbours are all empty with chance 0.9**8 = 0.43
    x = np.zeros(200)
    x[:20] = 3
    card = np.full(200, 8)
    assert not cold_possible(x, card, level=0.10, inference="permutation").any()
    dense = np.random.default_rng(1).poisson(6, 200).astype(float)
    assert cold_possible(dense, card, level=0.10, inference="permutation").any()


def _clustered(rng: np.random.Generator, n_bg: int = 150, n_hot: int = 60) -> np.ndarray:
    bg = np.column_stack([X0 + rng.uniform(0, 1500, n_bg), Y0 + rng.uniform(0, 1500, n_bg)])
    hot = np.column_stack([X0 + 675 + rng.normal(0, 15, n_hot), Y0 + 675 + rng.normal(0, 15, n_hot)])
    return np.vstack([bg, hot])


def test_padding_the_grid_outside_the_study_area_changes_no_result() -> None:
    rng = np.random.default_rng(2)
    inc = metric_points(_clustered(rng))
    area = shapely.box(X0, Y0, X0 + 1500, Y0 + 1500)
    import geopandas as gpd

    cov = gpd.GeoSeries([area], crs=METRIC)
    tight = hotspots_grid(inc, cell_m=150, coverage=cov, keep_all=True, seed=4)
    padded_grid = SquareGrid(X0 - 20 * 150, Y0 - 20 * 150, 150.0, 10 + 40, 10 + 40)
    padded = hotspots_grid(inc, grid=padded_grid, coverage=cov, keep_all=True, seed=4)
    assert len(tight) == len(padded) == 100
    cols = ["count", "gi_z", "p_norm", "p_sim", "p", "q", "gi_class"]
    a = tight.sort_values(["row", "col"])[cols].reset_index(drop=True)
    b = padded.sort_values(["row", "col"])[cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert tight.attrs["study_area_guess"] is False
    # without the study area, the padded grid would count its empty cells as observed zeros
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        naive = hotspots_grid(
            inc,
            grid=padded_grid,
            coverage=gpd.GeoSeries([shapely.box(*padded_grid_bounds(padded_grid))], crs=METRIC),
            keep_all=True,
            inference="normal",
        )
    assert len(naive) > len(tight)


def padded_grid_bounds(grid: SquareGrid) -> tuple[float, float, float, float]:
    return (grid.x0, grid.y0, grid.x0 + grid.nx * grid.cell_m, grid.y0 + grid.ny * grid.cell_m)


def test_incidents_outside_the_study_area_are_absent() -> None:
    rng = np.random.default_rng(3)
    xy = _clustered(rng)
    far = np.array([[X0 + 5000, Y0 + 5000]] * 10)
    inc = metric_points(np.vstack([xy, far]))
    import geopandas as gpd

    cov = gpd.GeoSeries([shapely.box(X0, Y0, X0 + 1500, Y0 + 1500)], crs=METRIC)
    gdf = hotspots_grid(inc, cell_m=150, coverage=cov, inference="normal")
    assert gdf.attrs["outside"] == 10
    assert gdf["count"].sum() == len(xy)
    assert gdf.attrs["n_cells"] == 100
    with pytest.raises(AnalysisError, match="not both"):
        hotspots_grid(inc, coverage=cov, study_area=cov)


def test_study_area_fallback_is_a_flagged_hull() -> None:
    xy = np.array([[X0, Y0], [X0 + 1000, Y0], [X0, Y0 + 1000]])
    area = study_area(None, xy=xy, buffer_m=150)
    assert isinstance(area, StudyArea)
    assert area.guess is True
    hull_area = 0.5 * 1000 * 1000
    assert area.geometry.area > hull_area
    assert area.geometry.contains(shapely.Point(X0 - 100, Y0 - 100)) is False or area.geometry.area < 2e6
    with pytest.raises(AnalysisError, match="zero incidents"):
        study_area(None, xy=np.empty((0, 2)), buffer_m=150)


def test_sparse_rule_counts_events_per_cell() -> None:
    rng = np.random.default_rng(6)
    # 40 events (above min_events) spread over a 6 km square: about 0.03 events per 150 m cell
    xy = np.column_stack([X0 + rng.uniform(0, 6000, 40), Y0 + rng.uniform(0, 6000, 40)])
    with pytest.warns(TooFewEventsWarning, match="per cell"):
        gdf = hotspots_grid(metric_points(xy), cell_m=150, min_events=30, min_events_per_cell=0.1, inference="normal")
    assert gdf.attrs["tested"] is False
    assert gdf.attrs["events_per_cell"] < 0.1
    assert (gdf["gi_class"] == 0).all()
    from geo.core.i18n import t

    es = t(gdf.attrs["warning_key"], "es", **gdf.attrs["warning_params"])
    assert "por celda" in es


def test_emerging_refuses_fewer_than_five_periods() -> None:
    dates = [f"{y}-06-01" for y in (2016, 2017, 2018, 2019) for _ in range(20)]
    inc = metric_points([(X0 + i % 7 * 40, Y0 + i % 5 * 40) for i in range(80)], dates=dates)
    with pytest.raises(AnalysisError, match=r"0\.089"):
        emerging_hotspots(inc)
    # the smallest Mann-Kendall p of a strictly rising series, from the definition
    for n, expected in ((3, 0.296), (4, 0.089)):
        assert min_mk_p(n) == pytest.approx(expected, abs=5e-4)
    assert min_mk_p(5) < 0.05


@pytest.mark.realdata
def test_la_times_homicides_never_yield_a_class_the_rule_forbids() -> None:
    from geo.data.ingest import incidents_from_path

    inc = incidents_from_path(shared_file("latimes", "harvard_park_homicides.json"))
    years = inc["occurred_at"].dt.year
    min_events, min_per_cell = 30, 0.1
    seen_tested = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        cutoffs = sorted(years.unique())
        for cell in (150.0, 300.0):
            for last in (cutoffs[len(cutoffs) // 4], cutoffs[len(cutoffs) // 2], cutoffs[-1]):
                part = inc[(years <= last).to_numpy()]
                if len(part) < 3:
                    continue
                gdf = hotspots_grid(
                    part, cell_m=cell, min_events=min_events, min_events_per_cell=min_per_cell, permutations=999, seed=0
                )
                n, cells = len(part), gdf.attrs["n_cells"]
                allowed = n >= min_events and n / cells >= min_per_cell
                seen_tested |= allowed
                if not allowed:
                    assert (gdf["gi_class"] == 0).all(), (cell, last)
                assert not ((gdf["gi_class"] == 3).any() and not allowed)
                assert (gdf["gi_class"] < 0).sum() == 0 or gdf.attrs["cold_possible"]
    assert seen_tested


def test_focus_study_area_is_cut_to_the_coverage() -> None:
    import geopandas as gpd

    from geo.analysis.study import study_area_around

    place = gpd.GeoSeries([shapely.Point(X0, Y0)], crs=METRIC)
    cov = gpd.GeoSeries([shapely.box(X0, Y0 - 5000, X0 + 5000, Y0 + 5000)], crs=METRIC)  # east half only
    area = study_area_around(place, buffer_m=1000, coverage=cov)
    assert area.rule == "focus"
    assert area.guess is False
    assert area.geometry.area == pytest.approx(np.pi * 1000**2 / 2, rel=0.01)
    far = gpd.GeoSeries([shapely.box(X0 + 9e4, Y0, X0 + 9.1e4, Y0 + 1e3)], crs=METRIC)
    with pytest.raises(AnalysisError, match="no area"):
        study_area_around(place, buffer_m=1000, coverage=far)


def test_h3_hot_spots_over_a_study_area() -> None:
    import geopandas as gpd
    import h3

    from geo.analysis.gistar import hotspots_h3

    rng = np.random.default_rng(2)
    inc = metric_points(_clustered(rng))
    box = shapely.box(X0, Y0, X0 + 1500, Y0 + 1500)
    cov = gpd.GeoSeries([box], crs=METRIC)
    gdf = hotspots_h3(inc, resolution=10, coverage=cov, inference="normal")
    centres = gpd.GeoSeries(
        [shapely.Point(lng, lat) for lat, lng in (h3.cell_to_latlng(c) for c in gdf["h3"])], crs="EPSG:4326"
    ).to_crs(METRIC)
    assert box.buffer(1.0).contains(centres).all()
    assert gdf["count"].sum() + gdf.attrs["outside"] == len(inc)
    assert gdf.attrs["study_area_guess"] is False


def test_square_counts_over_a_study_area() -> None:
    import geopandas as gpd

    from geo.analysis.grid import square_counts

    rng = np.random.default_rng(5)
    xy = np.column_stack([X0 + rng.uniform(-600, 1500, 200), Y0 + rng.uniform(0, 1500, 200)])
    box = shapely.box(X0, Y0, X0 + 1500, Y0 + 1500)
    cells = square_counts(metric_points(xy), cell_m=150, coverage=gpd.GeoSeries([box], crs=METRIC), keep_empty=True)
    assert len(cells) == 100
    inside = int(((xy[:, 0] >= X0) & (xy[:, 0] < X0 + 1500)).sum())  # cells are aligned with the box
    assert cells["count"].sum() == inside
    assert cells.attrs["outside"] == 200 - inside


def test_a_layer_coverage_object_keeps_its_guess_flag() -> None:
    from dataclasses import dataclass

    from geo.core.projection import metric_to_lonlat

    @dataclass(frozen=True)
    class LayerCoverage:  # the shape of geo.data.coverage.Coverage: EPSG:4326 geometry and a guess flag
        geometry: shapely.Polygon
        guess: bool

    lon, lat = metric_to_lonlat(np.array([X0, X0 + 1500]), np.array([Y0, Y0 + 1500]))
    cov = LayerCoverage(shapely.box(lon[0], lat[0], lon[1], lat[1]), guess=True)
    area = study_area(cov, buffer_m=150)
    assert area.guess is True
    assert area.rule == "given"
    assert area.geometry.area == pytest.approx(1500 * 1500, rel=0.01)
