"""Risk factors beside incidents and the risk terrain model (:mod:`geo.analysis.riskterrain`).

Known answers on tiny synthetic data: scenes are built in EPSG:32611 metres (a 3 km square in South LA, near
33.99 N, -118.30 W, its corner on multiples of 150 m so the grid's cells are the scene's cells) and handed over in
EPSG:4326, as the dashboard does. Incidents are drawn per cell from a Poisson process whose rate is known, so the
model has a right answer to find. No network.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import statsmodels.api as sm
from geopandas.testing import assert_geodataframe_equal
from scipy import stats
from scipy.spatial import cKDTree

from geo.analysis.riskterrain import (
    FEW_EVENTS,
    RiskTerrain,
    alpha_max,
    candidate_variables,
    lasso_poisson,
    near_far,
    rate_ratio_interval,
    risk_terrain,
)
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC, WGS84, metric_to_lonlat
from geo.core.settings import RiskSettings

X0, Y0 = 379_950.0, 3_760_950.0  # EPSG:32611, multiples of 150 m
CELL = 150.0
SIDE = 3000.0  # 20 x 20 cells of 150 m
AREA = shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE)
RISK = RiskSettings()  # cell 150 m, bands 150/300/450 m, near 150 m, 30 events in 10 cells, 5 folds, seed 0
TRUE_RR = 3.0  # incidents per cell within 150 m of an A point, against elsewhere
TRUE_PER_POINT = 1.6  # incidents per cell multiply by this for each C point within 300 m
AB_SEEDS = (0, 1, 2, 3)


def lonlat(xy: np.ndarray) -> gpd.GeoDataFrame:
    """Points at metric coordinates ``(n, 2)``, given in EPSG:4326."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    lon, lat = metric_to_lonlat(xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame({"n": np.arange(len(xy))}, geometry=shapely.points(np.column_stack([lon, lat])), crs=WGS84)


def centres(n: int = int(SIDE / CELL)) -> np.ndarray:
    """Cell centres of the scene, in ``cell_id`` order (rows south to north)."""
    xs = X0 + (np.arange(n) + 0.5) * CELL
    gx, gy = np.meshgrid(xs, Y0 + (np.arange(n) + 0.5) * CELL)
    return np.column_stack([gx.ravel(), gy.ravel()])


def incidents_in_cells(counts: np.ndarray, rng: np.random.Generator, at: np.ndarray | None = None) -> np.ndarray:
    """``counts[i]`` incidents scattered inside cell ``i`` (metres), away from its edges."""
    at = centres() if at is None else at
    xy = np.repeat(at, counts, axis=0)
    return xy + rng.uniform(-CELL / 2 + 1, CELL / 2 - 1, size=xy.shape)


def random_points(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform([X0, Y0], [X0 + SIDE, Y0 + SIDE], size=(n, 2))


@cache
def ab_scene(seed: int) -> tuple[RiskTerrain, np.ndarray, np.ndarray]:
    """Factor A triples the rate within 150 m of its points; factor B does nothing. The fit, the counts, A near."""
    rng = np.random.default_rng(seed)
    a, b = random_points(rng, 20), random_points(rng, 20)
    near_a = cKDTree(a).query(centres())[0] <= 150.0
    counts = rng.poisson(1.0 * np.where(near_a, TRUE_RR, 1.0))
    inc = lonlat(incidents_in_cells(counts, rng))
    return risk_terrain(inc, {"A": lonlat(a), "B": lonlat(b)}, area=AREA, settings=RISK), counts, near_a


@cache
def density_scene(seed: int) -> tuple[RiskTerrain, np.ndarray]:
    """The rate multiplies by 1.6 for each C point within 300 m of the cell centre; D does nothing. The fit and
    the number of C points within 300 m of each cell centre."""
    rng = np.random.default_rng(seed)
    c, d = random_points(rng, 40), random_points(rng, 15)
    within = cKDTree(c).query_ball_point(centres(), r=300.0, return_length=True)
    counts = rng.poisson(0.6 * TRUE_PER_POINT**within)
    inc = lonlat(incidents_in_cells(counts, rng))
    return risk_terrain(inc, {"C": lonlat(c), "D": lonlat(d)}, area=AREA, settings=RISK), within


def row(result: RiskTerrain, factor: str) -> pd.Series:
    return result.factors.set_index("factor").loc[factor]


# --- the risk terrain model: known answers ---------------------------------------------------------------------


@pytest.mark.parametrize("seed", AB_SEEDS)
def test_keeps_the_factor_that_triples_the_rate_and_drops_the_independent_one(seed: int) -> None:
    result, counts, near_a = ab_scene(seed)
    a, b = row(result, "A"), row(result, "B")
    assert (a["status"], b["status"]) == ("kept", "dropped"), result.factors
    assert a["variable"].startswith("A_")
    assert a["band_m"] == 150.0
    assert b["reason"].startswith("no gain in cross-validated deviance")
    assert np.isnan(b["coef"])
    assert b["variable"] == ""
    assert result.kept == ["A"]
    assert result.dropped == ["B"]
    assert result.model == "Poisson"
    assert result.dispersion < 1.5
    assert result.cv_deviance < result.cv_deviance_null
    # the cells: every cell of the scene, its events as drawn, RRV exp(beta) where A's variable is 1 and 1 elsewhere
    cells = result.cells
    assert cells.crs == WGS84
    assert list(cells.columns) == ["cell_id", "events", "rrv", a["variable"], "geometry"]
    assert (result.n_cells, result.n_events) == (400, int(counts.sum()))
    np.testing.assert_array_equal(cells["events"].to_numpy(), counts)
    if a["operation"] == "proximity":
        np.testing.assert_array_equal(cells[a["variable"]].to_numpy() == 1, near_a)
        np.testing.assert_allclose(cells["rrv"].to_numpy(), np.where(near_a, a["rr"], 1.0))


def test_the_relative_risk_interval_of_a_holds_the_true_three() -> None:
    # each interval is a 95 % interval: all four seeds might not cover by chance alone (P(>= 3 of 4) = 0.986)
    covers = []
    for seed in AB_SEEDS:
        a = row(ab_scene(seed)[0], "A")
        assert a["operation"] == "proximity", f"seed {seed}: A entered as {a['variable']}"
        assert a["rr_low"] < a["rr"] < a["rr_high"]
        np.testing.assert_allclose(
            [a["rr_low"], a["rr_high"]], np.exp(a["coef"] + np.array([-1, 1]) * 1.96 * a["se"]), rtol=1e-3
        )
        covers.append(a["rr_low"] <= TRUE_RR <= a["rr_high"])
    assert sum(covers) >= 3, covers


def test_a_density_effect_is_recovered_per_point() -> None:
    for seed in (0, 1):
        result, within = density_scene(seed)
        c, d = row(result, "C"), row(result, "D")
        assert (c["status"], d["status"]) == ("kept", "dropped"), result.factors
        assert (c["operation"], c["band_m"]) == ("density", 300.0)
        assert c["scale"] > 0.5  # the standard deviation of the count of C points within 300 m
        per_point = np.exp((c["coef"] + np.array([-1.96, 0.0, 1.96]) * c["se"]) / c["scale"])
        assert per_point[0] <= TRUE_PER_POINT <= per_point[2], per_point
        # RRV measures from a cell with no C point within 300 m: (estimated RR per point) ** (points within 300 m)
        np.testing.assert_allclose(result.cells["rrv"].to_numpy(), per_point[1] ** within, rtol=1e-9)
        assert (within == 0).any()
        assert (within >= 3).any()


def test_a_layer_away_from_the_area_is_dropped_as_never_present() -> None:
    rng = np.random.default_rng(5)
    inc = lonlat(incidents_in_cells(rng.poisson(np.full(400, 1.0)), rng))
    far = lonlat(np.array([[X0 + SIDE + 5_000.0, Y0], [X0 - 5_000.0, Y0 - 5_000.0]]))
    out = risk_terrain(inc, {"far": far}, area=AREA, settings=RISK)
    assert out.factors["status"].tolist() == ["dropped"]
    assert out.factors["reason"].iloc[0].startswith("never present in the study area")
    assert out.kept == []
    assert np.all(out.cells["rrv"] == 1.0)
    assert np.isinf(out.alpha)


def test_a_factor_with_no_incident_near_it_is_flagged_not_given_a_number() -> None:
    rng = np.random.default_rng(6)
    s = random_points(rng, 12)
    near = cKDTree(s).query(centres())[0] <= 150.0
    counts = rng.poisson(np.where(near, 0.0, 1.0))  # nothing ever happens near S
    out = risk_terrain(lonlat(incidents_in_cells(counts, rng)), {"S": lonlat(s)}, area=AREA, settings=RISK)
    flagged = row(out, "S")
    assert flagged["status"] == "kept"
    assert flagged["reason"].startswith("kept, but no finite estimate")
    assert flagged["rr"] < 1e-6
    assert flagged["rr_high"] > 1e6
    assert any(n.startswith("factor 'S': kept, but no finite estimate") for n in out.notes)


def test_overdispersed_counts_are_fitted_as_negative_binomial() -> None:
    rng = np.random.default_rng(3)
    a = random_points(rng, 20)
    near = cKDTree(a).query(centres())[0] <= 150.0
    counts = rng.poisson(np.where(near, TRUE_RR, 1.0) * rng.gamma(0.5, 2.0, size=400))  # NB2, alpha 2
    out = risk_terrain(lonlat(incidents_in_cells(counts, rng)), {"A": lonlat(a)}, area=AREA, settings=RISK)
    assert out.model == "negative binomial (NB2)"
    assert out.dispersion > 1.5
    assert 1.0 < out.nb_alpha < 3.5  # drawn with alpha 2
    kept = [v for v in out.factors["variable"] if v]
    poisson = sm.GLM(
        counts, sm.add_constant(out.cells[kept].to_numpy(float), has_constant="add"), family=sm.families.Poisson()
    ).fit()
    assert out.dispersion == pytest.approx(poisson.pearson_chi2 / poisson.df_resid)
    calm, _, _ = ab_scene(0)
    assert np.isnan(calm.nb_alpha)


def test_max_factors_keeps_those_that_enter_first() -> None:
    rng = np.random.default_rng(11)
    a, c = random_points(rng, 20), random_points(rng, 40)
    near_a = cKDTree(a).query(centres())[0] <= 150.0
    within_c = cKDTree(c).query_ball_point(centres(), r=300.0, return_length=True)
    counts = rng.poisson(0.6 * np.where(near_a, TRUE_RR, 1.0) * TRUE_PER_POINT**within_c)
    inc, layers = lonlat(incidents_in_cells(counts, rng)), {"A": lonlat(a), "C": lonlat(c)}
    both = risk_terrain(inc, layers, area=AREA, settings=RISK)
    assert sorted(both.kept) == ["A", "C"]
    one = risk_terrain(inc, layers, area=AREA, settings=RISK.model_copy(update={"max_factors": 1}))
    first = both.cv_path["added"].iloc[1]
    assert one.kept == [first]
    other = row(one, "C" if first == "A" else "A")
    assert other["status"] == "dropped"
    assert "max_factors (1)" in other["reason"]


def test_same_seed_same_model_other_seed_other_folds() -> None:
    rng = np.random.default_rng(2)
    a, b = random_points(rng, 20), random_points(rng, 20)
    counts = rng.poisson(np.where(cKDTree(a).query(centres())[0] <= 150.0, TRUE_RR, 1.0))
    inc, layers = lonlat(incidents_in_cells(counts, rng)), {"A": lonlat(a), "B": lonlat(b)}
    one = risk_terrain(inc, layers, area=AREA, settings=RISK)
    two = risk_terrain(inc, layers, area=AREA, settings=RISK)
    pd.testing.assert_frame_equal(one.factors, two.factors)
    pd.testing.assert_frame_equal(one.cv_path, two.cv_path)
    assert_geodataframe_equal(one.cells, two.cells)
    assert one.notes == two.notes
    other = risk_terrain(inc, layers, area=AREA, settings=RISK.model_copy(update={"seed": 7}))
    assert not np.allclose(one.cv_path["cv_deviance"], other.cv_path["cv_deviance"])


# --- refusals and bad inputs ---------------------------------------------------------------------------------


def test_refuses_too_few_incidents_naming_the_numbers() -> None:
    counts = np.zeros(400, dtype=int)
    counts[[0, 25, 50, 75, 100, 125, 150]] = [2, 2, 2, 2, 2, 1, 1]
    inc = lonlat(incidents_in_cells(counts, np.random.default_rng(0)))
    factors = {"A": lonlat(random_points(np.random.default_rng(1), 5))}
    expected = "12 incidents in 7 cells; the risk terrain model needs at least 30 incidents in at least 10 cells"
    with pytest.raises(AnalysisError, match=f"^{expected}$"):
        risk_terrain(inc, factors, area=AREA, settings=RISK)


def test_refuses_too_few_cells_with_an_incident() -> None:
    counts = np.zeros(400, dtype=int)
    counts[[3, 60, 130, 222, 399]] = 8
    inc = lonlat(incidents_in_cells(counts, np.random.default_rng(0)))
    factors = {"A": lonlat(random_points(np.random.default_rng(1), 5))}
    with pytest.raises(AnalysisError, match=r"^40 incidents in 5 cells; .* at least 30 incidents in at least 10 cells"):
        risk_terrain(inc, factors, area=AREA, settings=RISK)
    looser = RISK.model_copy(update={"min_event_cells": 5, "min_events": 40})
    # the top row is outside this area, and the 8 incidents of cell 399 with it
    expected = "32 incidents in 4 cells; the risk terrain model needs at least 40 incidents in at least 5 cells"
    with pytest.raises(AnalysisError, match=f"^{expected}$"):
        risk_terrain(inc, factors, area=shapely.box(X0, Y0, X0 + SIDE, Y0 + SIDE - CELL), settings=looser)


def test_exactly_the_minimum_is_enough() -> None:
    counts = np.zeros(400, dtype=int)
    counts[[0, 47, 94, 141, 188, 235, 282, 329, 376, 399]] = 3  # 30 incidents in 10 cells
    inc = lonlat(incidents_in_cells(counts, np.random.default_rng(0)))
    out = risk_terrain(inc, {"A": lonlat(random_points(np.random.default_rng(1), 5))}, area=AREA, settings=RISK)
    assert (out.n_events, out.n_event_cells, out.n_cells) == (30, 10, 400)


def _points(n: int = 5) -> gpd.GeoDataFrame:
    return lonlat(random_points(np.random.default_rng(4), n))


BAD_FACTORS = {
    "no factors": ({}, r"no factors: expected at least one factor layer"),
    "not a mapping": ([("A", None)], r"factors must be a mapping of name to a GeoDataFrame .* got list"),
    "empty layer": ({"A": _points().iloc[:0]}, r"factor 'A' has no points; expected at least one point in EPSG:4326"),
    "metric layer": ({"A": _points().to_crs(METRIC)}, r"factor 'A' is in EPSG:32611; expected EPSG:4326"),
    "no crs": ({"A": _points().set_crs(None, allow_override=True)}, r"factor 'A' has no CRS; expected points in"),
    "polygons": (
        {"A": gpd.GeoDataFrame(geometry=_points().to_crs(METRIC).buffer(20).to_crs(WGS84))},
        r"factor 'A' must hold points .* got \['Polygon'\]",
    ),
    "not a frame": ({"A": np.zeros((3, 2))}, r"factor 'A' must be a GeoDataFrame of points in EPSG:4326, got ndarray"),
}


@pytest.mark.parametrize("case", sorted(BAD_FACTORS))
@pytest.mark.parametrize("fn", [risk_terrain, near_far])
def test_bad_factor_layers_are_refused_saying_what_was_expected(fn: object, case: str) -> None:
    factors, message = BAD_FACTORS[case]
    inc = lonlat(incidents_in_cells(np.ones(400, dtype=int), np.random.default_rng(0)))
    with pytest.raises(AnalysisError, match=message):
        fn(inc, factors, area=AREA, settings=RISK)  # type: ignore[operator]


BAD_AREAS = {
    "degrees": (shapely.box(-118.31, 33.98, -118.28, 34.01), r"area looks like longitude/latitude degrees"),
    "empty": (shapely.Polygon(), r"area must be a Polygon or MultiPolygon with some area.*got an empty geometry"),
    "a line": (shapely.LineString([(X0, Y0), (X0 + 900, Y0)]), r"got a LineString of 0 m²"),
    "not a geometry": ((X0, Y0, X0 + 900, Y0 + 900), r"area must be a shapely Polygon or MultiPolygon .* got tuple"),
    "smaller than a cell": (shapely.box(X0 + 80, Y0 + 80, X0 + 140, Y0 + 140), r"holds no centre of a 150 m cell"),
}


@pytest.mark.parametrize("case", sorted(BAD_AREAS))
def test_bad_areas_are_refused(case: str) -> None:
    area, message = BAD_AREAS[case]
    inc = lonlat(incidents_in_cells(np.ones(400, dtype=int), np.random.default_rng(0)))
    with pytest.raises(AnalysisError, match=message):
        near_far(inc, {"A": _points()}, area=area, settings=RISK)


def test_incidents_must_be_points_in_wgs84() -> None:
    inc = lonlat(incidents_in_cells(np.ones(400, dtype=int), np.random.default_rng(0)))
    with pytest.raises(AnalysisError, match=r"^incidents is in EPSG:32611; expected EPSG:4326"):
        risk_terrain(inc.to_crs(METRIC), {"A": _points()}, area=AREA, settings=RISK)
    with pytest.raises(AnalysisError, match=r"^incidents must be a GeoDataFrame of points in EPSG:4326, got DataFrame"):
        risk_terrain(pd.DataFrame(inc), {"A": _points()}, area=AREA, settings=RISK)  # type: ignore[arg-type]


# --- near and far --------------------------------------------------------------------------------------------

SMALL = shapely.box(X0, Y0, X0 + 4 * CELL, Y0 + 4 * CELL)  # 4 x 4 cells


def test_near_far_counts_by_hand() -> None:
    # one point on the corner shared by cells (0,0), (0,1), (1,0), (1,1): their centres are 106 m away, the next 237 m
    corner = lonlat(np.array([[X0 + CELL, Y0 + CELL]]))
    away = lonlat(np.array([[X0 + 5_000.0, Y0 + 5_000.0]]))
    few = lonlat(
        np.array([[X0 + 3.7 * CELL, Y0 + 3.7 * CELL]])
    )  # 42 m from the centre of cell (3,3), 180 m+ from others
    counts = np.zeros(16, dtype=int)
    counts[[0, 1, 4, 5]] = 2  # 8 incidents in the 4 near cells
    counts[[2, 3, 8, 12, 14, 15]] = 1  # 6 in 6 of the 12 far cells
    inc = lonlat(incidents_in_cells(counts, np.random.default_rng(0), at=centres(4)))
    table = near_far(inc, {"corner": corner, "away": away, "few": few}, area=SMALL, settings=RISK).set_index("factor")

    c = table.loc["corner"]
    assert (c["points"], c["cells_near"], c["cells_far"], c["incidents_near"], c["incidents_far"]) == (1, 4, 12, 8, 6)
    assert (c["per_cell_near"], c["per_cell_far"], c["ratio"]) == (2.0, 0.5, 4.0)
    ci = stats.binomtest(8, 14).proportion_ci(confidence_level=0.95, method="exact")
    expected = [p / (1 - p) * 12 / 4 for p in (ci.low, ci.high)]
    np.testing.assert_allclose([c["ratio_low"], c["ratio_high"]], expected, rtol=1e-9)
    assert c["readable"]
    assert c["reading"] == ""

    a = table.loc["away"]
    assert (a["cells_near"], a["cells_far"], a["incidents_near"], a["incidents_far"]) == (0, 16, 0, 14)
    assert np.isnan(a["per_cell_near"])
    assert np.isnan(a["ratio"])
    assert np.isnan(a["ratio_low"])
    assert not a["readable"]
    assert a["reading"].startswith("no study cell within 150 m")

    f = table.loc["few"]
    assert (f["cells_near"], f["incidents_near"], f["incidents_far"]) == (1, 1, 13)
    assert f["ratio"] == pytest.approx(1 / (13 / 15))
    assert not f["readable"]
    assert f"fewer than {FEW_EVENTS}" in f["reading"]


def test_near_far_when_every_cell_is_near() -> None:
    everywhere = lonlat(centres(4))
    inc = lonlat(incidents_in_cells(np.ones(16, dtype=int), np.random.default_rng(0), at=centres(4)))
    t = near_far(inc, {"all": everywhere}, area=SMALL, settings=RISK).iloc[0]
    assert (t["cells_near"], t["cells_far"], t["incidents_near"]) == (16, 0, 16)
    assert np.isnan(t["ratio"])
    assert t["reading"].startswith("every study cell is within 150 m")


def test_rate_ratio_interval_edges() -> None:
    ratio, low, high = rate_ratio_interval(0, 10, 5, 5)
    assert (ratio, low) == (0.0, 0.0)
    assert 0 < high < np.inf
    ratio, low, high = rate_ratio_interval(10, 0, 5, 5)
    assert ratio == np.inf
    assert high == np.inf
    assert 0 < low < np.inf
    assert all(np.isnan(rate_ratio_interval(0, 0, 5, 5)))


# --- the pieces ----------------------------------------------------------------------------------------------


def test_candidate_variables_match_a_brute_force_count() -> None:
    rng = np.random.default_rng(8)
    cells = rng.integers(0, 2000, size=(300, 2)).astype(float)
    scattered = rng.integers(0, 2000, size=(80, 2)).astype(float)
    scattered = scattered[np.hypot(*(scattered - cells[0]).T) > 500.0]  # none near the first cell...
    pts = np.vstack([scattered, cells[0] + np.array([300.0, 0.0])])  # ...but one exactly 300 m east of it
    bands = (150.0, 300.0, 450.0)
    proximity, density = candidate_variables(cells, pts, bands)
    d = np.hypot(cells[:, None, 0] - pts[None, :, 0], cells[:, None, 1] - pts[None, :, 1])
    for j, band in enumerate(bands):
        np.testing.assert_array_equal(density[:, j], (d <= band).sum(axis=1))
        np.testing.assert_array_equal(proximity[:, j], d.min(axis=1) <= band)
    assert proximity[0].tolist() == [False, True, True]  # the band's edge counts as within
    assert density[0].tolist() == [0, 1, 1]
    assert density[:, 2].max() > 1  # the counts are counts, not flags


def test_the_penalised_fit_is_statsmodels_and_matches_the_unpenalised_at_zero() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 3))
    y = rng.poisson(np.exp(0.2 + 0.5 * x[:, 0] - 0.3 * x[:, 1])).astype(float)
    params, converged = lasso_poisson(x, y, alpha=0.0)
    reference = sm.GLM(y, sm.add_constant(x), family=sm.families.Poisson()).fit().params
    assert converged
    np.testing.assert_allclose(params, reference, atol=1e-4)
    # at the smallest penalty that keeps nothing, every slope is 0 and the intercept is log(mean y)
    top = alpha_max(x, y)
    none, _ = lasso_poisson(x, y, alpha=top * 1.001)
    assert np.all(none[1:] == 0)
    assert none[0] == pytest.approx(np.log(y.mean()), abs=1e-6)
    some, _ = lasso_poisson(x, y, alpha=top * 0.9)
    assert np.flatnonzero(some[1:]).tolist() == [0]  # the strongest slope enters first
    assert 0 < some[1] < reference[1]  # shrunk toward 0


def test_a_hidden_pair_takes_its_rates_and_ratio_with_it() -> None:
    """The one rule the page and the command line print near/far by: a pair protected together, its rates and ratio
    withheld with it (incidents per cell beside the cells would give a hidden count back)."""
    import math

    import pandas as pd

    from geo.analysis.riskterrain import RATE_COLUMNS, shown_near_far
    from geo.core.disclosure import Disclosure

    table = pd.DataFrame(
        {
            "factor": ["streetlight", "dumping"],
            "incidents_near": [2, 30],
            "incidents_far": [20, 40],
            "cells_near": [10, 12],
            "cells_far": [50, 48],
            "per_cell_near": [0.2, 2.5],
            "per_cell_far": [0.4, 0.83],
            "ratio": [0.5, 3.0],
            "ratio_low": [0.1, 1.8],
            "ratio_high": [2.1, 4.9],
        }
    )
    public, pairs = shown_near_far(table, Disclosure(3, public=True, period="month"))
    assert pairs[0].hidden.all()  # 2 beside 20 under their sum of 22: both hidden
    assert all(math.isnan(public.loc[0, col]) for col in RATE_COLUMNS)
    assert [public.loc[1, col] for col in RATE_COLUMNS] == [table.loc[1, col] for col in RATE_COLUMNS]
    assert [p.plain() for p in pairs[1]] == [30, 40]
    internal, shown = shown_near_far(table, Disclosure(3, public=False, period="month"))
    assert internal[list(RATE_COLUMNS)].equals(table[list(RATE_COLUMNS)].astype(float))
    assert [p.plain() for p in shown[0]] == [2, 20]
    assert table.loc[0, "ratio"] == 0.5  # the caller's table is left as it was
