"""The statistics on the real extracts in ../shared/data, checked against esda, statsmodels and pointpats."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import stats

from geo.analysis.gistar import TooFewEventsWarning, hotspots_grid
from geo.analysis.knox import knox_matrix, knox_test
from geo.core.settings import get_settings
from geo.core.validate import day_numbers, metric_xy
from tests.conftest import shared_file

pytestmark = pytest.mark.realdata
ANALYSIS = get_settings().analysis


def _homicides() -> gpd.GeoDataFrame:
    from geo.data.ingest import incidents_from_path

    return incidents_from_path(shared_file("latimes", "harvard_park_homicides.json"))


def _grid_neighbours(cells: gpd.GeoDataFrame) -> dict[int, list[int]]:
    pos = {(int(r), int(c)): i for i, (r, c) in enumerate(zip(cells["row"], cells["col"], strict=True))}
    out: dict[int, list[int]] = {}
    for (r, c), i in pos.items():
        out[i] = [
            pos[(r + dr, c + dc)] for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr or dc) and (r + dr, c + dc) in pos
        ]
    return out


def test_gi_star_on_the_la_times_homicides_equals_esda() -> None:
    from esda.getisord import G_Local
    from libpysal.weights import W, fill_diagonal
    from statsmodels.stats.multitest import multipletests

    inc = _homicides()
    cells = hotspots_grid(inc, cell_m=150, keep_all=True, permutations=999, seed=0)
    assert cells.attrs["study_area_guess"] is True
    assert cells["count"].sum() + cells.attrs["outside"] == len(inc)
    w = fill_diagonal(W(_grid_neighbours(cells), silence_warnings=True), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = G_Local(cells["count"].to_numpy(float), w, transform="B", star=True, permutations=9999, seed=1)
    np.testing.assert_allclose(cells["gi_z"], ref.Zs, rtol=0, atol=1e-9)
    np.testing.assert_allclose(cells["p_norm"], 2 * ref.p_norm, rtol=0, atol=1e-9)
    # permutation p: same distribution as esda's p_sim (independent draws)
    assert stats.ks_2samp(cells["p_sim"], ref.p_sim).pvalue > 0.01
    # Benjamini-Hochberg on the p used, as statsmodels computes it
    reject, q, _, _ = multipletests(cells["p"], alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose(cells["q"], q, rtol=0, atol=1e-12)
    assert cells.attrs["tested"] is True
    np.testing.assert_array_equal(cells["significant"].to_numpy(bool), reject)


def test_lapd_sample_over_the_city_leaves_out_cells_outside_every_division() -> None:
    from geo.data.ingest import incidents_from_path

    inc = incidents_from_path(shared_file("lapd_crime", "Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz"))
    divisions = gpd.read_file(shared_file("boundaries", "LAPD_Division_5922489107755548254.geojson"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        city = hotspots_grid(inc, cell_m=300, coverage=divisions, inference="normal", keep_all=True)
        hull = hotspots_grid(inc, cell_m=300, inference="normal", keep_all=True)
    # every returned cell's centre lies in the city, computed here with geopandas
    union = shapely.union_all(divisions.to_crs("EPSG:32611").geometry.to_numpy())
    centres = city.to_crs("EPSG:32611").geometry.centroid
    assert union.buffer(1.0).contains(centres).all()
    assert city.attrs["n_cells"] < hull.attrs["n_cells"]
    assert (city["gi_class"] == 3).sum() <= (hull["gi_class"] == 3).sum()


def test_knox_on_the_la_times_homicides_equals_pointpats() -> None:
    from pointpats.spacetime import Knox

    inc = _homicides()
    xy, t = metric_xy(inc), day_numbers(inc)
    table = knox_test(xy, t, space_bands_m=(400,), time_bands_days=(60,), permutations=9, seed=ANALYSIS.seed)
    ref = Knox(xy, t[:, None], delta=400, tau=60, permutations=0)
    np.testing.assert_array_equal(knox_matrix(table, "observed").to_numpy(), ref.observed)
    np.testing.assert_allclose(knox_matrix(table, "expected").to_numpy(), ref.expected, rtol=0, atol=1e-9)


def test_wdd_with_displacement_on_the_la_times_homicides_counted_independently() -> None:
    from geo.analysis.evaluate import evaluate_program
    from geo.core.projection import METRIC

    inc = _homicides()
    xy = metric_xy(inc)
    cx, cy = np.median(xy, axis=0)
    treated = shapely.box(cx - 300, cy - 300, cx + 300, cy + 300)
    control = shapely.box(cx + 1200, cy - 300, cx + 1800, cy + 300)
    res = evaluate_program(
        inc, gpd.GeoSeries([treated], crs=METRIC), gpd.GeoSeries([control], crs=METRIC), start="2010-01-01",
        months=60, buffer_m=400, min_events=1, small_count=ANALYSIS.small_count,
    )  # fmt: skip
    # the four areas and two periods, built and counted here
    d = treated.buffer(400, quad_segs=16).difference(treated)
    c = control.difference(treated.union(d))
    e = c.buffer(400, quad_segs=16).difference(shapely.union_all([treated, d, c]))
    day = inc["occurred_at"].dt.tz_localize(None).dt.normalize()
    before = ((day >= "2005-01-01") & (day < "2010-01-01")).to_numpy()
    after = ((day >= "2010-01-01") & (day < "2015-01-01")).to_numpy()
    pts = shapely.points(xy)
    n = {
        f"{k}{p}": int((shapely.covers(g, pts) & m).sum())
        for k, g in (("T", treated), ("D", d), ("C", c), ("E", e))
        for p, m in (("b", before), ("a", after))
    }
    assert res.counts == n
    assert sum(n.values()) > 0
    assert res.parts is not None
    local = (n["Ta"] - n["Tb"]) - (n["Ca"] - n["Cb"])
    disp = (n["Da"] - n["Db"]) - (n["Ea"] - n["Eb"])
    assert res.parts.local.estimate == local
    assert res.parts.displacement.estimate == disp
    assert res.parts.total.se == pytest.approx(np.sqrt(sum(n.values())))
    out = res.to_dict()
    assert out["treated_before"] == n["Tb"]
    assert out["control_buffer_after"] == n["Ea"]
    # homicides in a few blocks: every area is a small count, and the result says so
    assert out["warnings"]
