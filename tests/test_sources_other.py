"""NIBRS CSV, LA Times and place loaders on small hand-made files in the real shapes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from geo.core.errors import DataError
from geo.core.schema import TZ
from geo.data.sources.detect import detect_kind, load

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_nibrs_csv_export_is_detected_and_deduplicated(tmp_path: Path) -> None:
    rows = json.loads((FIXTURES / "socrata_nibrs_page.json").read_text())
    fields = sorted(set().union(*rows))
    path = tmp_path / "nibrs.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    assert detect_kind(path) == "nibrs_csv"
    res = load(path)
    assert (res.rows_in, res.rows_kept, res.dropped) == (4, 2, {"duplicate_id": 1, "date_out_of_range": 1})
    first = res.frame.iloc[0]
    assert (first["incident_id"], first["category"], first["source"]) == (
        "nibrs:240100001",
        "homicide",
        "lapd_nibrs_csv",
    )
    assert first["occurred_at"] == pd.Timestamp("2024-03-09 23:10", tz=TZ)
    assert first["address_block"] == "6200 S Western Ave"


def test_latimes_homicide_records(tmp_path: Path) -> None:
    recs = [
        {"case_number": "2016-1", "slug": "a-b", "first_name": "Ann", "middle_name": None, "last_name": "Bee",
         "death_date": "2016-12-31T00:00:00.000Z", "death_year": 2016, "age": 0.0, "race": "Latino",
         "gender": "female", "image": None, "longitude": -118.30, "latitude": 33.98},
        {"case_number": "2016-2", "slug": "c-d", "first_name": "Cy", "middle_name": None, "last_name": "Dee",
         "death_date": "2016-05-01T00:00:00.000Z", "death_year": 2016, "age": 41.0, "race": "black",
         "gender": "male", "image": None, "longitude": None, "latitude": None},
    ]  # fmt: skip
    path = tmp_path / "homicides.json"
    path.write_text(json.dumps(recs))
    res = load(path)
    assert (res.rows_kept, res.dropped) == (1, {"no_coordinates": 1})
    row = res.frame.iloc[0]
    assert row["occurred_at"] == pd.Timestamp("2016-12-31", tz=TZ)  # the local date, not UTC midnight
    assert (row["victim_sex"], row["victim_descent"]) == ("F", "H")
    assert pd.isna(row["victim_age"])
    assert "Dee" not in res.quarantine.to_csv()


def test_police_killings_address_is_cut_to_the_hundred_block(tmp_path: Path) -> None:
    path = tmp_path / "los-angeles-police-killings.csv"
    path.write_text(
        "coroners_case_number,slug,death_date,first,middle,last,age,race,gender,cause,address,neighborhood,x,y\n"
        "2016-09184,r-j,2016-12-18,R,D,J,23,black,male,gunshot,6048 South Western Avenue,Harvard Park,-118.309,33.984\n"
    )
    res = load(path)
    row = res.frame.iloc[0]
    assert row["address_block"] == "6000 South Western Avenue"
    assert row["incident_id"] == "latimes:2016-09184"
    assert row["weapon"] == "gunshot"


def test_points_csv_lng_lat_order_and_embedded_newline(tmp_path: Path) -> None:
    path = tmp_path / "parks.csv"
    path.write_text(
        "id,name,lng,lat\n28621,Jackie Tatum/Harvard Recreation Center,-118.304584027625,33.9839398119076\n"
        '5,"Santa Monica Mountains National Recreation Area\n",-118.70,34.10\n'
        "6,Far Away Park,-122.4,37.7\n7,No Place,,\n"
    )
    res = load(path)
    assert res.kind == "parks"
    assert (res.rows_in, res.rows_kept, res.dropped) == (4, 2, {"outside_la_county": 1, "no_geometry": 1})
    harvard = res.frame.iloc[0]
    assert harvard["place_id"] == "park:28621"
    assert (round(harvard.geometry.x, 5), round(harvard.geometry.y, 5)) == (-118.30458, 33.98394)
    assert res.frame.iloc[1]["name"] == "Santa Monica Mountains National Recreation Area"


def test_geojson_in_a_json_file_and_projected_crs(tmp_path: Path) -> None:
    sq = Polygon([(-118.31, 33.97), (-118.30, 33.97), (-118.30, 33.98), (-118.31, 33.98)])
    gdf = gpd.GeoDataFrame({"REPDIST": [1233]}, geometry=[sq], crs=4326).to_crs(2229)
    path = tmp_path / "rd.json"
    path.write_text(gdf.to_json())
    gdf.to_file(tmp_path / "rd.gpkg")
    res = load(tmp_path / "rd.gpkg")
    assert res.kind == "reporting_districts"
    assert res.frame.crs == "EPSG:4326"
    assert res.frame.iloc[0]["zone_key"] == "1233"
    assert abs(res.frame.geometry.iloc[0].bounds[0] - -118.31) < 1e-6


def test_undetectable_layer_asks_for_kind(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"foo": [1]}, geometry=[Point(-118.3, 33.98)], crs=4326)
    path = tmp_path / "thing.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(DataError, match="pass --kind"):
        detect_kind(path)
