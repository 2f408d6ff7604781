"""Rates per resident: interpolation (against tobler), hand-checked rates, small-number rules, smoothing."""

from __future__ import annotations

import datetime as dt
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis.areal import area_interpolate
from geo.analysis.rates import (
    border_zone,
    empirical_bayes,
    period_years,
    pooled_filters,
    population_columns,
    reliability,
    ring_zones,
    rows,
    zone_population,
    zone_rates,
)
from geo.core.errors import AnalysisError
from geo.core.filters import Filters
from geo.core.projection import METRIC
from geo.core.settings import RateSettings
from tests.analysis_helpers import ORIGIN, metric_points, square

X0, Y0 = ORIGIN
RULES = RateSettings()


def _block_groups() -> gpd.GeoDataFrame:
    """Four 1 km block groups in a 2 x 2 grid, with populations, margins and a missing value."""
    return gpd.GeoDataFrame(
        {
            "geoid": ["a", "b", "c", "d"],
            "population": [1000.0, 2000.0, 3000.0, np.nan],
            "population_moe": [100.0, 300.0, 200.0, np.nan],
            "descent_B": [400.0, 100.0, 0.0, 50.0],
        },
        geometry=[
            square(X0, Y0, 1000),
            square(X0 + 1000, Y0, 1000),
            square(X0, Y0 + 1000, 1000),
            square(X0 + 1000, Y0 + 1000, 1000),
        ],
        crs=METRIC,
    )


def _targets() -> gpd.GeoDataFrame:
    tri = shapely.Polygon([(X0 + 200, Y0 + 200), (X0 + 1800, Y0 + 300), (X0 + 900, Y0 + 1700)])
    return gpd.GeoDataFrame(
        {"name": ["left", "tri", "outside"]},
        geometry=[shapely.box(X0 - 500, Y0, X0 + 500, Y0 + 2000), tri, square(X0 + 5000, Y0, 100)],
        crs=METRIC,
    ).to_crs("EPSG:4326")


def test_interpolation_equals_tobler() -> None:
    tobler = pytest.importorskip("tobler")
    source, targets = _block_groups(), _targets()
    got = area_interpolate(source, targets, columns=["population", "descent_B"], moe_columns=["population_moe", None])
    filled = source.assign(population=source["population"].fillna(0))
    ref = tobler.area_weighted.area_interpolate(
        filled, targets.to_crs(METRIC), extensive_variables=["population", "descent_B"], allocate_total=False
    )
    # tobler keeps its table of overlap areas in float32: agreement to about 1e-7
    np.testing.assert_allclose(got["population"].to_numpy(), ref["population"].to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(got["descent_B"].to_numpy(), ref["descent_B"].to_numpy(), rtol=1e-6)
    # the left box: half of a and half of c, the other half of the box has no block group
    assert got.loc[0, "population"] == pytest.approx(500 + 1500)
    assert got.loc[0, "population_moe"] == pytest.approx(np.hypot(50, 100))
    assert got.loc[0, "coverage"] == pytest.approx(0.5)
    assert got.loc[2, "population"] == 0
    assert got.loc[2, "coverage"] == 0


def test_coverage_leaves_out_block_groups_without_data() -> None:
    source = _block_groups()
    whole = gpd.GeoDataFrame({"k": ["all"]}, geometry=[square(X0, Y0, 2000)], crs=METRIC)
    got = area_interpolate(source, whole, columns=["population"])
    assert got.loc[0, "population"] == pytest.approx(6000)
    assert got.loc[0, "coverage"] == pytest.approx(0.75)  # block group d has no population


def _tiny() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, pd.DataFrame]:
    zones = gpd.GeoDataFrame(
        {"hood": ["North", "South"]}, geometry=[square(X0, Y0 + 1000, 1000), square(X0, Y0, 1000)], crs=METRIC
    )
    xy = [(X0 + 100 + 10 * i, Y0 + 1500) for i in range(6)] + [(X0 + 500, Y0 + 500)] * 2 + [(X0 + 9000, Y0)]
    table = pd.DataFrame({"hood": ["North", "South"], "population": [20_000, 5_000]})
    return metric_points(xy), zones, table


def test_rates_hand_checked_on_a_tiny_fixture() -> None:
    inc, zones, table = _tiny()
    out = zone_rates(inc, zones, table, key="hood", years=2.0, rules=RULES, per=100_000)
    by = out.set_index("zone")
    # North: 6 incidents over 2 years among 20,000 residents = 15 per 100,000 per year
    assert by.loc["North", "count"] == 6
    assert by.loc["North", "rate"] == pytest.approx(15.0)
    assert by.loc["North", "flag"] == ""
    # South: 2 over 2 years among 5,000 = 20 per 100,000; small population and small count
    assert by.loc["South", "rate"] == pytest.approx(20.0)
    assert by.loc["South", "flag"] == "small_population,small_count"
    assert out["zone"].tolist() == ["South", "North"]  # highest rate first
    assert out.attrs["outside"] == 1
    assert out.attrs["total"]["rate"] == pytest.approx(8 / 2 / 25_000 * 100_000)
    per_1000 = zone_rates(inc, zones, table, key="hood", years=2.0, rules=RULES, per=1000).set_index("zone")
    assert per_1000.loc["North", "rate"] == pytest.approx(0.15)
    json_rows = rows(out)
    assert set(json_rows[0]) >= {"zone", "count", "population", "rate", "flag"}
    assert json_rows[1]["rate"] == 15.0
    assert json_rows[1]["flag"] is None


def test_suppression_and_flags_at_the_thresholds() -> None:
    zones = gpd.GeoDataFrame(
        {"z": ["at", "below", "empty"]},
        geometry=[square(X0, Y0, 100), square(X0 + 200, Y0, 100), square(X0 + 400, Y0, 100)],
        crs=METRIC,
    )
    xy = [(X0 + 50, Y0 + 50)] * 3 + [(X0 + 250, Y0 + 50)] * 2 + [(X0 + 450, Y0 + 50)]
    rules = RateSettings(min_population=10_000, min_count=3)
    table = pd.DataFrame({"z": ["at", "below", "empty"], "population": [10_000, 9_999, 0]})
    out = zone_rates(metric_points(xy), zones, table, key="z", years=1.0, rules=rules).set_index("zone")
    assert out.loc["at", "flag"] == ""  # exactly at both thresholds: not flagged
    assert out.loc["below", "flag"] == "small_population,small_count"
    assert out.loc["empty", "flag"] == "no_population,small_count"
    assert np.isnan(out.loc["empty", "rate"])
    hidden = zone_rates(metric_points(xy), zones, table, key="z", years=1.0, rules=rules, suppress=True)
    hidden = hidden.set_index("zone")
    assert hidden.loc["at", "rate"] == pytest.approx(3 / 10_000 * 100_000)
    assert np.isnan(hidden.loc["below", "rate"])
    assert bool(hidden.loc["below", "suppressed"])
    assert not bool(hidden.loc["at", "suppressed"])


def test_cv_and_reliability_tiers() -> None:
    cv = np.array([0.1199, 0.12, 0.40, 0.4001, np.nan])
    assert reliability(cv, (0.12, 0.40)) == ["high", "medium", "medium", "low", None]
    zones = gpd.GeoDataFrame({"z": ["a"]}, geometry=[square(X0, Y0, 100)], crs=METRIC)
    table = pd.DataFrame({"z": ["a"], "population": [1000.0], "population_moe": [329.0]})
    out = zone_rates(metric_points([(X0 + 5, Y0 + 5)]), zones, table, key="z", years=1.0, rules=RULES)
    assert out.loc[0, "cv"] == pytest.approx(329 / 1.645 / 1000)
    assert out.loc[0, "reliability"] == "medium"


def test_empirical_bayes_equals_esda() -> None:
    smoothing = pytest.importorskip("esda.smoothing")
    e = np.array([0, 3, 40, 1, 25, 4, 30], dtype=float)
    b = np.array([900, 4000, 12000, 800, 30000, 9000, 5000], dtype=float)
    ref = smoothing.Empirical_Bayes(e, b).r.ravel()
    np.testing.assert_allclose(empirical_bayes(e, b), ref, rtol=1e-12)
    # no spread beyond chance: every zone gets the overall rate
    flat = empirical_bayes(np.array([1.0, 1.0]), np.array([1000.0, 1000.0]))
    np.testing.assert_allclose(flat, [1e-3, 1e-3])
    assert np.isnan(empirical_bayes(np.array([1.0, 0.0]), np.array([10.0, 0.0]))[1])


def test_zone_rates_from_population_polygons_and_victim_group() -> None:
    source = _block_groups()
    zones = gpd.GeoDataFrame({"name": ["south half"]}, geometry=[shapely.box(X0, Y0, X0 + 2000, Y0 + 500)], crs=METRIC)
    inc = metric_points([(X0 + 100, Y0 + 100)] * 4)
    out = zone_rates(inc, zones, source, key="name", columns=("descent_B",), years=1.0, rules=RULES, per=1000)
    # half of block groups a (400) and b (100) are in the zone: 250 Black residents
    assert out.loc[0, "population"] == pytest.approx(250)
    assert out.loc[0, "rate"] == pytest.approx(4 / 250 * 1000)
    assert out.loc[0, "coverage"] == pytest.approx(1.0)


def test_population_columns_follow_the_victim_filters() -> None:
    assert population_columns(Filters()) == ("population",)
    assert population_columns(Filters(descents=("B", "H"))) == ("descent_B", "descent_H")
    assert population_columns(Filters(sexes=("F",))) == ("sex_F",)
    assert population_columns(Filters(age_bands=("18-24",))) == ("age_18-24",)
    with pytest.raises(AnalysisError, match="one kind"):
        population_columns(Filters(descents=("B",), sexes=("M",)))
    with pytest.raises(AnalysisError, match="unknown"):
        population_columns(Filters(descents=("X",)))


def test_period_and_pooling() -> None:
    first, last = dt.date(2010, 1, 1), dt.date(2019, 12, 31)
    assert period_years(Filters(), first=first, last=last) == 10.0  # ten calendar years, leap days and all
    f = Filters(start=dt.date(2016, 1, 1), end=dt.date(2016, 12, 31))
    assert period_years(f, first=first, last=last) == 1.0  # 2016 has 366 days and is one year (the LA Times' rate)
    half = Filters(start=dt.date(2016, 7, 1), end=dt.date(2017, 6, 30))
    assert period_years(half, first=first, last=last) == pytest.approx(184 / 366 + 181 / 365)
    one_day = Filters(start=dt.date(2015, 3, 1), end=dt.date(2015, 3, 1))
    assert period_years(one_day, first=first, last=last) == pytest.approx(1 / 365)
    pooled = pooled_filters(f, years=3, last=last)
    assert (pooled.start, pooled.end) == (dt.date(2014, 1, 1), dt.date(2016, 12, 31))
    with pytest.raises(AnalysisError, match="no day"):
        period_years(Filters(start=dt.date(2021, 1, 1)), first=first, last=last)


def test_table_population_errors() -> None:
    _, zones, table = _tiny()
    with pytest.raises(AnalysisError, match="key column"):
        zone_population(zones, table.rename(columns={"hood": "x"}), key="hood")
    with pytest.raises(AnalysisError, match="more than once"):
        zone_population(zones, pd.concat([table, table]), key="hood")
    with pytest.raises(AnalysisError, match="no column 'descent_B'"):
        zone_population(zones, table, key="hood", columns=("descent_B",))
    unmatched = zone_population(zones, table.iloc[:1], key="hood")
    assert unmatched.loc["South", "coverage"] == 0


def test_ring_and_border_zones() -> None:
    park = gpd.GeoDataFrame({"name": ["p"]}, geometry=[square(X0, Y0, 200)], crs=METRIC)
    rings = ring_zones(park, rings_m=(75, 150))
    assert rings["zone"].tolist() == ["inside", "0-75", "75-150"]
    border = border_zone(park, within_m=150).to_crs(METRIC)
    outer = square(X0, Y0, 200).buffer(150, quad_segs=16).area
    assert border.area.iloc[0] == pytest.approx(outer - 200 * 200, rel=1e-3)


@pytest.mark.parametrize(
    ("rates", "match"),
    [
        ({"per": 500}, "per_choices"),
        ({"cv_tiers": [0.4, 0.12]}, "cv_tiers"),
        ({"scheme": "magic"}, "rates.scheme"),
    ],
)
def test_bad_rate_settings_are_refused(tmp_path, rates, match) -> None:
    from geo.core.errors import ConfigError
    from geo.core.settings import PROJECT_ROOT, load_settings

    files = {"incidents": "incidents.parquet", "places": "places.geojson", "streets": "streets.geojson"}
    body = {"sources": {k: str(PROJECT_ROOT / "data" / "demo" / name) for k, name in files.items()}, "rates": rates}
    cfg = tmp_path / "c.yaml"
    cfg.write_text(json.dumps(body))
    with pytest.raises(ConfigError, match=match):
        load_settings(cfg, environ={})
