"""Every real file in ../shared/data that is a source kind loads, with exact row accounting (SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.core.errors import DataError
from geo.core.schema import INCIDENT_COLUMNS, OPTIONAL_INCIDENT_DTYPES, TZ, validate_incidents
from geo.data.ingest import incidents_from_path, ingest_file, read_quarantine, store_inventory
from geo.data.sources.detect import detect_kind, load

pytestmark = pytest.mark.realdata

LAPD = "lapd_crime/"
CASES = [
    # path, kind, rows_in, rows_kept, dropped
    (
        LAPD + "Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz",
        "lapd_csv",
        10_000,
        9_987,
        {"zero_coordinates": 13},
    ),
    (
        LAPD + "Crime_Data_from_2020_to_Present__sample6k_pratiksha1821.csv.gz",
        "lapd_csv",
        6_007,
        5_990,
        {"zero_coordinates": 17},
    ),
    (LAPD + "Crime_Data_from_2020_to_Present__sample1k_excel_resaved_OwenGeeAndre.csv", "lapd_csv", 1_000, 1_000, {}),
    (LAPD + "lapd_homicides_from_samples.csv", "lapd_csv", 13, 13, {}),
    ("latimes/harvard_park_homicides.json", "latimes_homicides", 64, 64, {}),
    ("latimes/los-angeles-police-killings.csv", "latimes_police_killings", 1_018, 951, {"no_coordinates": 67}),
    # one CPAD superunit id (29672) appears twice with two points: the second is quarantined
    ("parks/caliparks_cpad_superunit_points_la_area.csv", "parks", 3_134, 3_133, {"duplicate_id": 1}),
    ("public_housing/hud_public_housing_inspections_0321_los_angeles_county.csv", "housing", 28, 28, {}),
    (
        "public_housing/public_housing_physical_inspection_scores_0321.xlsx",
        "housing",
        6_524,
        28,
        {"outside_la_county": 6_496},
    ),
    ("boundaries/LAPD_Division_5922489107755548254.geojson", "divisions", 21, 21, {}),
    ("boundaries/LAPD_Police_Stations.csv", "stations", 21, 21, {}),
    ("boundaries/lapd_divisions_latimes/divisions.shp", "divisions", 21, 21, {}),
    ("boundaries/lapd_reporting_districts_latimes/reporting-districts.shp", "reporting_districts", 1_135, 1_135, {}),
    ("boundaries/lapd_bureaus_latimes/bureaus.shp", "bureaus", 4, 4, {}),
    ("boundaries/la_city_council_districts_2012_latimes/la-city-council.shp", "council_districts", 15, 15, {}),
    ("boundaries/la_neighborhoods_latimes_v6/neighborhoods.shp", "neighborhoods", 318, 270, {"outside_la_county": 48}),
    ("boundaries/la_city_neighborhoods_latimes_v3/neighborhoods.shp", "neighborhoods", 114, 114, {}),
]


@pytest.mark.parametrize(("rel", "kind", "rows_in", "kept", "dropped"), CASES, ids=[c[0] for c in CASES])
def test_every_source_file_loads_with_exact_accounting(
    shared_data: Path, rel: str, kind: str, rows_in: int, kept: int, dropped: dict[str, int]
) -> None:
    path = shared_data / rel
    assert detect_kind(path) == kind
    result = load(path)
    assert (result.rows_in, result.rows_kept, result.dropped) == (rows_in, kept, dropped)
    assert result.rows_in == result.rows_kept + sum(result.dropped.values())
    assert len(result.quarantine) == sum(dropped.values())
    assert str(result.frame.crs) == "EPSG:4326"
    if result.table == "incidents":
        validate_incidents(result.frame[list(INCIDENT_COLUMNS)])
        assert not ((result.frame["lat"] == 0) | (result.frame["lon"] == 0)).any()
    else:
        assert result.frame["place_id"].is_unique


@pytest.mark.parametrize(
    "rel",
    [
        "latimes/annual_totals.json",
        "latimes/black_homicide_rate_2016_by_hood.json",
        "boundaries/LAPD_Reporting_District.csv",
        "osm/trojanmap_usc_university_park_osm_nodes.csv",
    ],
)
def test_files_that_are_not_a_source_kind_are_refused_clearly(shared_data: Path, rel: str) -> None:
    with pytest.raises(DataError, match=r"(cannot tell|no geometry|OpenStreetMap)"):
        detect_kind(shared_data / rel)


def test_lapd_sample_details(shared_data: Path) -> None:
    res = load(shared_data / LAPD / "Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz")
    f = res.frame.set_index("incident_id")
    # DR_NO keeps its leading zero; padded LOCATION collapsed; AREA / Rpt Dist No without zeros
    row = f.loc["lapd:010304468"]
    assert row["address_block"] == "1100 W 39TH PL"
    assert (row["area"], row["rpt_dist"]) == ("3", "377")
    assert row["occurred_at"] == pd.Timestamp("2020-01-08 22:30", tz=TZ)
    # long date form + TIME OCC 0330
    assert f.loc["lapd:190101086", "occurred_at"] == pd.Timestamp("2020-01-01 03:30", tz=TZ)
    assert f.loc["lapd:200110444", "occurred_at"] == pd.Timestamp("2020-02-13 12:00", tz=TZ)
    assert pd.isna(f.loc["lapd:200110444", "victim_age"])  # Vict Age 0 = unknown
    assert (res.frame["category"] == "homicide").sum() == 6
    assert set(res.frame["victim_sex"].dropna()) == {"M", "F", "X", "H"}
    assert res.frame["victim_sex"].isna().sum() == 867
    assert res.frame["occurred_at"].dt.year.eq(2020).all()
    assert set(res.quarantine["reason"]) == {"zero_coordinates"}
    assert res.quarantine["LAT"].eq("0").all()


def test_stripped_zeros_and_excel_dates(shared_data: Path) -> None:
    res = load(shared_data / LAPD / "Crime_Data_from_2020_to_Present__sample6k_pratiksha1821.csv.gz")
    f = res.frame.set_index("incident_id")
    # '03/01/2020 0:00' + TIME OCC 2130, AREA '7', Rpt Dist No '784'
    assert f.loc["lapd:190326475", "occurred_at"] == pd.Timestamp("2020-03-01 21:30", tz=TZ)
    assert f.loc["lapd:190326475", "area"] == "7"
    assert (res.frame["category"] == "homicide").sum() == 7
    excel = load(shared_data / LAPD / "Crime_Data_from_2020_to_Present__sample1k_excel_resaved_OwenGeeAndre.csv")
    e = excel.frame.set_index("incident_id")
    assert e.loc["lapd:221115967", "occurred_at"] == pd.Timestamp("2022-11-05 17:30", tz=TZ)
    assert (excel.frame["category"] == "homicide").sum() == 3


def test_latimes_homicides_have_no_names_and_local_dates(shared_data: Path) -> None:
    res = load(shared_data / "latimes/harvard_park_homicides.json")
    f = res.frame
    assert f["incident_id"].str.startswith("latimes:").all()
    assert f.loc[f["incident_id"] == "latimes:2017-04514", "occurred_at"].iloc[0] == pd.Timestamp("2017-06-18", tz=TZ)
    assert not f["time_known"].any()
    years = f["occurred_at"].dt.year.value_counts()
    assert (years.get(2016), years.get(2017), years.get(2000)) == (8, 6, 3)
    text = f.drop(columns="geometry").astype(str).to_csv()
    assert "Lino" not in text
    assert "eddie" not in text.lower()
    assert not ({"first_name", "last_name", "slug", "image"} & set(res.quarantine.columns))


def test_ingest_store_roundtrip_and_idempotence(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / LAPD / "Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz"
    first = ingest_file(src, store_dir=tmp_path)
    second = ingest_file(src, store_dir=tmp_path)
    assert first["layer"] == second["layer"]
    assert Path(first["output"]).name == Path(second["output"]).name
    assert [p.name for p in tmp_path.iterdir()] == [first["layer"]]  # one layer folder
    inv = store_inventory(tmp_path)
    assert len(inv) == 1
    layer = inv[0]
    assert (layer["rows_in"], layer["rows_kept"], layer["dropped"]) == (10_000, 9_987, {"zero_coordinates": 13})
    assert (layer["date_from"], layer["date_to"]) == ("2020-01-01", "2020-12-31")
    assert layer["fetched_at"] == first["fetched_at"] == second["fetched_at"]
    inc = incidents_from_path(first["output"])
    assert list(inc.columns) == [*INCIDENT_COLUMNS, *OPTIONAL_INCIDENT_DTYPES]
    assert len(inc) == 9_987
    assert len(read_quarantine(tmp_path, layer["name"])) == 13
    raw = incidents_from_path(src)
    pd.testing.assert_frame_equal(
        pd.DataFrame(raw.drop(columns="geometry")), pd.DataFrame(inc.drop(columns="geometry"))
    )
