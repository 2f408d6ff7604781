"""The demo bundle's synthetic population and rate zones: deterministic, clearly synthetic, consistent."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from geo.data.demo import POPULATION_NOTE, RATE_ZONES_NOTE, build_population, build_rate_zones, geojson_text
from geo.data.sources.census import GROUP_COLUMNS

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def test_population_files_are_byte_identical_to_the_committed_ones() -> None:
    pop = geojson_text(build_population(), name="population", note=POPULATION_NOTE)
    zones = geojson_text(build_rate_zones(), name="rate_zones", note=RATE_ZONES_NOTE)
    assert pop == (DEMO / "population.geojson").read_text(encoding="utf-8"), "run python -m geo demo"
    assert zones == (DEMO / "rate_zones.geojson").read_text(encoding="utf-8"), "run python -m geo demo"


@pytest.fixture(scope="module")
def population() -> gpd.GeoDataFrame:
    return gpd.read_file(DEMO / "population.geojson")


def test_population_is_synthetic_with_census_columns(population: gpd.GeoDataFrame) -> None:
    assert population["synthetic"].all()
    assert (population["source"] == "synthetic demo population").all()
    for col in GROUP_COLUMNS:
        assert col in population.columns
        assert f"{col}_moe" in population.columns
    for prefix in ("descent_", "sex_", "age_"):
        parts = [c for c in GROUP_COLUMNS if c.startswith(prefix)]
        assert (population[parts].sum(axis=1) == population["population"]).all(), prefix


def test_rate_zones_cover_the_demo_incidents(population: gpd.GeoDataFrame) -> None:
    zones = gpd.read_file(DEMO / "rate_zones.geojson")
    inc = gpd.read_parquet(DEMO / "incidents.parquet")
    inside = gpd.sjoin(inc, zones, predicate="within")
    assert len(inside) / len(inc) > 0.95
    assert zones["name"].is_unique
