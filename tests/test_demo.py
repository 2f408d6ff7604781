"""The embedded demo bundle: deterministic, canonical, synthetic, and shaped like the real problem."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.cli.demo import write_demo as write_bundle
from geo.core.categories import CATEGORIES, LAPD_CODE_CATEGORY
from geo.core.projection import METRIC
from geo.core.schema import INCIDENT_COLUMNS, OPTIONAL_INCIDENT_DTYPES, PLACE_COLUMNS, validate_incidents
from geo.data.datasets import load_incidents, load_places, load_streets
from geo.data.demo_places import DEVELOPMENTS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def incidents() -> gpd.GeoDataFrame:
    return load_incidents(DEMO / "incidents.parquet")


@pytest.fixture(scope="module")
def places() -> gpd.GeoDataFrame:
    return load_places(DEMO / "places.geojson")


def test_generator_is_deterministic_and_matches_committed_bundle(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    write_bundle(a)
    write_bundle(b)
    for name in ("incidents.parquet", "places.geojson", "streets.geojson", "walk.graphml", "manifest.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert_geodataframe_equal(gpd.read_parquet(a / "survey.parquet"), gpd.read_parquet(b / "survey.parquet"))
    assert_geodataframe_equal(gpd.read_parquet(a / "survey.parquet"), gpd.read_parquet(DEMO / "survey.parquet"))
    # The committed text files are exactly what the generator writes; the parquet holds the same table.
    for name in ("places.geojson", "streets.geojson", "walk.graphml", "manifest.json"):
        assert (a / name).read_bytes() == (DEMO / name).read_bytes(), f"data/demo/{name} is stale: run make demo"
    assert_geodataframe_equal(load_incidents(a / "incidents.parquet"), load_incidents(DEMO / "incidents.parquet"))


def test_a_different_seed_gives_different_incidents(tmp_path: Path) -> None:
    write_bundle(tmp_path, seed=1)
    other = load_incidents(tmp_path / "incidents.parquet")
    assert not other[["lat", "lon"]].equals(load_incidents(DEMO / "incidents.parquet")[["lat", "lon"]])


def test_incidents_follow_the_canonical_schema(incidents: gpd.GeoDataFrame) -> None:
    validate_incidents(incidents)
    assert tuple(incidents.columns) == (*INCIDENT_COLUMNS, *OPTIONAL_INCIDENT_DTYPES)
    assert incidents.crs.to_epsg() == 4326
    assert str(incidents["occurred_at"].dt.tz) == "America/Los_Angeles"
    assert (incidents.geometry.x.round(5) == incidents["lon"]).all()
    assert (incidents.geometry.y.round(5) == incidents["lat"]).all()
    assert set(incidents["category"]) <= set(CATEGORIES)
    codes_ok = [
        LAPD_CODE_CATEGORY[c] == cat for c, cat in zip(incidents["offense_code"], incidents["category"], strict=True)
    ]
    assert all(codes_ok)


def test_every_incident_is_synthetic_and_nameless(incidents: gpd.GeoDataFrame) -> None:
    assert incidents["synthetic"].all()
    assert (incidents["source"] == "synthetic demo").all()
    assert incidents["incident_id"].str.fullmatch(r"demo-\d{6}").all()
    assert not {"name", "first_name", "last_name", "victim_name"} & set(incidents.columns)


def test_a_few_thousand_rows_from_2010_to_2024(incidents: gpd.GeoDataFrame) -> None:
    assert 2_000 <= len(incidents) <= 8_000
    years = incidents["occurred_at"].dt.year
    assert years.min() == 2010
    assert years.max() == 2024
    assert (incidents["category"] == "homicide").sum() >= 100


def test_real_data_quirks_are_present(incidents: gpd.GeoDataFrame) -> None:
    assert incidents["victim_age"].isna().mean() > 0.03
    assert (incidents["weapon"] == "UNKNOWN WEAPON/OTHER WEAPON").sum() > 50
    assert incidents["weapon"].isna().sum() > 0
    assert (~incidents["time_known"]).sum() > 0
    assert incidents["victim_sex"].isna().sum() > 0


def test_harvard_park_border_cluster_peaks_in_2016_2017(incidents: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> None:
    park = places[(places["name"] == "Harvard Park") & (places["kind"] == "park")].to_crs(METRIC).geometry.iloc[0]
    pts = incidents.to_crs(METRIC)
    near = pts[pts.distance(park) <= 150]
    per_year = near["occurred_at"].dt.year.value_counts().reindex(range(2010, 2025), fill_value=0)
    assert per_year.idxmax() in (2016, 2017)
    assert per_year[[2016, 2017]].mean() > 2 * per_year[[2010, 2011, 2012]].mean()
    homicides_2016 = near[(near["category"] == "homicide") & (near["occurred_at"].dt.year == 2016)]
    assert len(homicides_2016) >= 4


def test_watts_developments_decline_after_csp(incidents: gpd.GeoDataFrame, places: gpd.GeoDataFrame) -> None:
    watts = [d.name for d in DEVELOPMENTS if d.watts]
    area = places[places["name"].isin(watts) & (places["kind"] == "housing")].to_crs(METRIC).union_all().buffer(150)
    pts = incidents.to_crs(METRIC)
    inside = pts[shapely.contains(area, pts.geometry.to_numpy())]
    years = inside["occurred_at"].dt.year
    before = (years <= 2010).sum()
    after = ((years >= 2015) & (years <= 2019)).sum() / 5
    assert after < 0.5 * before


def test_evening_and_weekend_patterns(incidents: gpd.GeoDataFrame) -> None:
    known = incidents[incidents["time_known"]]
    hours = known["occurred_at"].dt.hour
    assert ((hours >= 19) | (hours <= 1)).mean() > ((hours >= 5) & (hours <= 11)).mean()
    weekday = incidents["occurred_at"].dt.day_of_week
    assert (weekday >= 5).mean() > 2 / 7


def test_places_are_approximate_and_complete(places: gpd.GeoDataFrame) -> None:
    assert tuple(places.columns[: len(PLACE_COLUMNS)]) == PLACE_COLUMNS
    assert places["approximate"].all()
    assert places.crs.to_epsg() == 4326
    assert places.is_valid.all()
    parks = places[places["kind"] == "park"]
    assert "Harvard Park" in set(parks["name"])
    assert len(parks) >= 9
    housing = set(places.loc[places["kind"] == "housing", "name"])
    assert {d.name for d in DEVELOPMENTS} == housing
    assert (places[places["kind"] == "housing"].geom_type == "Polygon").all()
    assert (places["kind"] == "csp_site").sum() == len(housing) + 1


def test_harvard_park_polygon_holds_the_rec_center_and_skate_plaza(places: gpd.GeoDataFrame) -> None:
    park = places[places["name"] == "Harvard Park"].geometry.iloc[0]
    assert park.contains(shapely.Point(-118.30458, 33.98394))
    assert park.contains(shapely.Point(-118.30222, 33.98457))


def test_context_streets_are_named_lines() -> None:
    streets = load_streets(DEMO / "streets.geojson")
    names = set(streets["name"])
    for required in ("Western Ave", "Normandie Ave", "Vermont Ave", "Slauson Ave", "Gage Ave", "Florence Ave",
                     "Manchester Ave", "Century Blvd", "103rd St"):  # fmt: skip
        assert required in names
    assert (streets.geom_type == "LineString").all()


def test_housing_polygons_surround_the_hud_points(places: gpd.GeoDataFrame) -> None:
    hud = {"Jordan Downs": (33.948128, -118.230659), "Nickerson Gardens": (33.930359, -118.250616),
           "Imperial Courts": (33.931314, -118.234854), "Ramona Gardens": (34.086933, -118.192442),
           "Pueblo del Rio": (33.994802, -118.242194)}  # fmt: skip
    for name, (lat, lon) in hud.items():
        geom = places[(places["name"] == name) & (places["kind"] == "housing")].geometry.iloc[0]
        assert geom.contains(shapely.Point(lon, lat)), name
    assert np.isfinite(pd.to_numeric(places.bounds.stack())).all()
