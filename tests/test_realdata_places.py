"""Real extracts end to end at the geo level: true categories, real places, the data's own coverage.

Everything is ingested from ../shared/data into a temporary store (skipped with the reason when
the folder is absent); expected figures are computed here independently (pyproj geodesic
distances, offense codes listed in this file).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod

from geo.analysis.rings import rank_places, ring_summary
from geo.analysis.trends import place_series
from geo.core.categories import violent_mask
from geo.data.aliases import csp_sites, merge_places
from geo.data.coverage import NO_DATA, find_coverage
from geo.data.datasets import incidents_metadata, load_incidents, load_places, place_by_name
from geo.data.ingest import ingest_file, layer_paths, store_inventory
from geo.data.labels import layer_titles, place_labels, source_line
from geo.data.sources import lapd, parks
from tests.conftest import SHARED_DATA

pytestmark = pytest.mark.realdata

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_10K = "lapd_crime/Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz"
SAMPLES = (
    SAMPLE_10K,
    "lapd_crime/Crime_Data_from_2020_to_Present__sample6k_pratiksha1821.csv.gz",
    "lapd_crime/Crime_Data_from_2020_to_Present__sample1k_excel_resaved_OwenGeeAndre.csv",
)
FILES = {
    "latimes": "latimes/harvard_park_homicides.json",
    "cpad": "parks/caliparks_cpad_superunit_points_la_area.csv",
    "hoods": "boundaries/la_city_neighborhoods_latimes_v3/neighborhoods.shp",
    "hud": "public_housing/hud_public_housing_inspections_0321_los_angeles_county.csv",
    "lapd": SAMPLE_10K,
    "divisions": "boundaries/LAPD_Division_5922489107755548254.geojson",
    "latimes_divisions": "boundaries/lapd_divisions_latimes/divisions.shp",
}
# LAPD/FBI Part 1 violent offenses by Crm Cd: homicide, rape, robbery, aggravated assault.
PART1_VIOLENT = {"110", "113", "121", "122", "815", "820", "821", "210", "220", "230", "231", "235", "236"}
PART1_VIOLENT |= {"250", "251", "761", "926"}
NOT_VIOLENT_WORDS = ["THEFT", "BURGLARY", "STOLEN", "FRAUD", "BUNCO", "SHOPLIFT", "EMBEZZLE", "FORGERY"]
NOT_VIOLENT_WORDS += ["PICKPOCKET", "PURSE SNATCH", "DWOC", "COUNTERFEIT", "DOCUMENT WORTHLESS", "TILL TAP"]
HARVARD_CPAD = (33.9839398119076, -118.304584027625)  # SOURCES.md: CPAD id 28621, lat/lon
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see shared/data/SOURCES.md)")
    folder = tmp_path_factory.mktemp("store")
    layers = {key: ingest_file(SHARED_DATA / rel, store_dir=folder)["layer"] for key, rel in FILES.items()}
    return {"dir": folder, "layers": layers}


def _layer(store: dict[str, Any], key: str) -> Path:
    return layer_paths(store["dir"], store["layers"][key])[0]


def _raw(rel: str) -> pd.DataFrame:
    raw = pd.read_csv(SHARED_DATA / rel, dtype=str, keep_default_na=False)
    raw.columns = [c.strip() for c in raw.columns]
    raw = raw[~((pd.to_numeric(raw["LAT"]) == 0) & (pd.to_numeric(raw["LON"]) == 0))]
    return raw.assign(incident_id="lapd:" + raw["DR_NO"].str.zfill(9), code=raw["Crm Cd"].str.lstrip("0"))


def test_sample_violent_count_equals_part1_violent_rows() -> None:
    if not (SHARED_DATA / SAMPLE_10K).exists():
        pytest.skip(f"real-data file not available: {SHARED_DATA / SAMPLE_10K}")
    raw = _raw(SAMPLE_10K)
    expected = raw[raw["code"].isin(PART1_VIOLENT)]
    assert (expected["Part 1-2"] == "1").all()  # LAPD's own Part 1 flag agrees with the code list
    frame = lapd.load_csv(SHARED_DATA / SAMPLE_10K).frame
    violent = frame[violent_mask(frame).to_numpy()]
    assert len(violent) == len(expected)
    assert set(violent["incident_id"]) == set(expected["incident_id"])


@pytest.mark.parametrize("rel", SAMPLES)
def test_no_theft_burglary_vehicle_or_fraud_code_is_violent(rel: str) -> None:
    if not (SHARED_DATA / rel).exists():
        pytest.skip(f"real-data file not available: {SHARED_DATA / rel}")
    raw = _raw(rel)
    desc = raw["Crm Cd Desc"].str.upper()
    property_like = raw[desc.str.contains("|".join(NOT_VIOLENT_WORDS)) | (desc == "ARSON")]
    assert len(property_like) > 0
    frame = lapd.load_csv(SHARED_DATA / rel).frame.set_index("incident_id")
    kept = frame.loc[frame.index.intersection(property_like["incident_id"])]
    assert len(kept) == len(property_like)
    assert not violent_mask(kept.reset_index()).any()
    assert (kept["category"] == "property").all()


def test_layers_say_what_a_row_counts(store: dict[str, Any]) -> None:
    assert incidents_metadata(_layer(store, "latimes"))["unit"] == "victims"
    assert incidents_metadata(_layer(store, "lapd"))["unit"] == "incidents"


def _geodesic_bands(incidents: gpd.GeoDataFrame, lat: float, lon: float) -> dict[str, int]:
    n = len(incidents)
    _, _, dist = GEOD.inv(np.full(n, lon), np.full(n, lat), incidents["lon"].to_numpy(), incidents["lat"].to_numpy())
    return {
        "0-75": int((dist <= 75).sum()),
        "75-150": int(((dist > 75) & (dist <= 150)).sum()),
        "150-400": int(((dist > 150) & (dist <= 400)).sum()),
    }


def test_harvard_park_on_latimes_with_cpad_parks(store: dict[str, Any]) -> None:
    incidents = load_incidents(_layer(store, "latimes"))
    cpad = load_places(_layer(store, "cpad"))
    park = place_by_name(cpad, "Harvard Park")  # through the alias table
    assert park["name"].tolist() == ["Jackie Tatum/Harvard Recreation Center"]
    point = park.geometry.iloc[0]
    assert (round(point.y, 6), round(point.x, 6)) == (round(HARVARD_CPAD[0], 6), round(HARVARD_CPAD[1], 6))
    coverage = find_coverage(incidents_metadata(_layer(store, "latimes")), incidents, store_dir=store["dir"])
    assert (coverage.method, coverage.area_name, coverage.guess) == ("latimes_neighborhood", "Harvard Park", False)
    got = ring_summary(incidents, park, rings_m=(75, 150, 400), coverage=coverage)
    expected = _geodesic_bands(incidents, point.y, point.x)
    assert got.point_place
    assert got.inside == 0
    assert {f"{r.from_m:g}-{r.to_m:g}": r.count for r in got.rings} == expected
    assert got.total_within == sum(expected.values()) == 16  # issue 11: 16 against the real point
    assert got.coverage == "covered"


def test_place_outside_the_latimes_coverage_is_no_data(store: dict[str, Any]) -> None:
    incidents = load_incidents(_layer(store, "latimes"))
    cpad = load_places(_layer(store, "cpad"))
    coverage = find_coverage(incidents_metadata(_layer(store, "latimes")), incidents, store_dir=store["dir"])
    jordan = place_by_name(cpad, "Jordan Downs Recreation Center")
    summary = ring_summary(incidents, jordan, rings_m=(75, 150, 400), coverage=coverage)
    assert summary.coverage == NO_DATA
    assert summary.total_within is None
    assert all(r.count is None for r in summary.rings)
    chosen = pd.concat([jordan, place_by_name(cpad, "Harvard Park")])
    ranked = rank_places(incidents, chosen, within_m=400, coverage=coverage).set_index("name")
    assert pd.isna(ranked.loc["Jordan Downs Recreation Center", "count"])
    assert pd.isna(ranked.loc["Jordan Downs Recreation Center", "rank"])
    assert ranked.loc["Jackie Tatum/Harvard Recreation Center", "count"] == 16
    series = place_series(incidents, jordan, within_m=400, freq="year", coverage=coverage)
    assert series["count"].isna().all()
    assert series.attrs["coverage"] == NO_DATA


def test_lapd_coverage_is_the_city_from_the_division_layer(store: dict[str, Any]) -> None:
    incidents = load_incidents(_layer(store, "lapd"))
    coverage = find_coverage(incidents_metadata(_layer(store, "lapd")), incidents, store_dir=store["dir"])
    assert coverage.method == "lapd_divisions"
    assert coverage.from_layer == store["layers"]["divisions"]
    cpad = load_places(_layer(store, "cpad"))
    chosen = pd.concat([place_by_name(cpad, "Harvard Park"), place_by_name(cpad, "Jordan Downs Recreation Center")])
    ranked = rank_places(incidents, chosen, within_m=150, coverage=coverage)
    assert set(ranked["coverage"]) == {"covered"}


def test_hud_names_map_to_csp_developments(store: dict[str, Any]) -> None:
    hud = load_places(_layer(store, "hud"))
    sites = csp_sites(hud)
    assert sorted(sites["name"]) == sorted(
        [
            "Avalon Gardens / Gonzaque Village",
            "Imperial Courts",
            "Jordan Downs",
            "Nickerson Gardens",
            "Pueblo del Rio",
            "Ramona Gardens",
        ]
    )
    assert set(sites["kind"]) == {"csp_site"}
    ramona = place_by_name(hud, "Ramona Gardens")
    assert ramona["name"].str.upper().tolist() == ["RAMONA/ROSE"]


def test_city_park_polygon_wins_over_the_cpad_point(store: dict[str, Any]) -> None:
    larap = json.loads((FIXTURES / "arcgis_larap_parks_page1.geojson").read_text())["features"]
    polygons = parks.from_larap_features(larap, origin="fixture").frame
    cpad = load_places(_layer(store, "cpad"))
    merged = merge_places([cpad, polygons], match_m=250)
    park = place_by_name(merged, "Harvard Park")
    assert len(park) == 1
    assert park.geometry.iloc[0].geom_type == "Polygon"
    assert "park:28621" in park["matched_ids"].iloc[0]
    assert "park:28621" not in set(merged["place_id"])
    absorbed = merged["matched_ids"].str.split().str.len().sum()
    assert absorbed == 3  # the fixture's three City parks each have their CPAD point
    assert len(merged) == len(cpad) + len(polygons) - absorbed


def test_repeated_names_get_labels_that_tell_them_apart(store: dict[str, Any]) -> None:
    cpad = load_places(_layer(store, "cpad"))
    hoods = load_places(_layer(store, "hoods"))
    labels = place_labels(cpad, "en", areas=hoods)
    south = labels[cpad["name"] == "South Park"]
    assert len(south) >= 3
    assert south.is_unique
    assert all(s.startswith("South Park (Park, ") for s in south)
    with pytest.raises(Exception, match="ambiguous"):
        place_by_name(cpad, "South Park", labels=labels)
    one = place_by_name(cpad, south.iloc[0], labels=labels)
    assert len(one) == 1
    assert labels.groupby(cpad["place_id"].to_numpy()).nunique().max() == 1
    assert labels.drop_duplicates().size == cpad["place_id"].nunique()


def test_titles_are_readable_and_unique(store: dict[str, Any]) -> None:
    inventory = store_inventory(store["dir"])
    for lang in ("en", "es"):
        titles = layer_titles(inventory, lang)
        assert len(set(titles.values())) == len(titles)
        assert not any(name in title for name, title in titles.items())
    en = layer_titles(inventory, "en")
    assert en[store["layers"]["lapd"]] == "LAPD crime 2020-present (sample)"
    assert en[store["layers"]["cpad"]] == "Parks - CPAD"


def test_source_line_names_the_latimes_and_its_coverage(store: dict[str, Any]) -> None:
    incidents = load_incidents(_layer(store, "latimes"))
    meta = incidents_metadata(_layer(store, "latimes"))
    coverage = find_coverage(meta, incidents, store_dir=store["dir"])
    raw = json.loads((SHARED_DATA / FILES["latimes"]).read_text())
    first = min(pd.Timestamp(r["death_date"][:10]) for r in raw)
    en = source_line(meta, "en", coverage=coverage)
    es = source_line(meta, "es", coverage=coverage)
    assert "Los Angeles Times Homicide Report" in en
    assert f"{len(raw)} people killed" in en
    assert f"{first:%b} {first.day}, {first.year}" in en
    assert "Harvard Park" in en
    assert f"{len(raw)} personas muertas" in es
    assert "Fuente:" in es
    assert "Harvard Park" in es
