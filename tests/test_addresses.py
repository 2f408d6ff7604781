"""Address points: the City's export and plain address files loaded with every row accounted for, told apart from
other files by their header, ingested as a store layer; the demo's synthetic address points."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from geo.cli import main
from geo.core.errors import DataError
from geo.core.projection import WGS84
from geo.core.schema import ADDRESS_COLUMNS
from geo.data.demo_addresses import ADDRESS_SOURCE, build_addresses
from geo.data.ingest import ingest_file
from geo.data.search import build_index
from geo.data.sources.addresses import SOURCE_CITY, detect, load_addresses
from geo.data.stores import open_store
from geo.data.walknet import read_graphml
from tests.conftest import shared_file

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
LIMIT = 8
SAME_POINT_M = 30.0
CITY_HEADER = (
    "HSE_ID,PIN,PIND,HSE_NBR,HSE_FRAC_NBR,HSE_DIR_CD,STR_NM,STR_SFX_CD,STR_SFX_DIR_CD,UNIT_RANGE,ZIP_CD,"
    "X_COORD_NBR,Y_COORD_NBR,ASGN_STTS_IND,ENG_DIST,CNCL_DIST,LON,LAT"
)
CITY_ROWS = {  # HSE_ID -> (row, why it is set aside or "")
    "101": ("101,096B189 1015,096B189  1015,1535,,W,62ND,ST,,,90047,6460012.3,1780234.5,A,S,8,-118.30458,33.98394", ""),
    "102": ("102,096B189 1016,096B189  1016,1535,1/2,W,62ND,ST,,,90047,,,A,S,8,-118.30450,33.98390", ""),
    "103": ("103,,,,,W,62ND,ST,,,90047,,,A,S,8,-118.30458,33.98394", "missing_number"),
    "104": ("104,,,6050,,S,WESTERN,AVE,,,90047,,,A,S,8,,", "no_coordinates"),
    "105": ("105,,,388,,W,AVENUE 45,,,,90065,,,A,C,1,-118.21117,34.09968", ""),
    "106": ("106,,,01535,,W,62ND,ST,,,90047,,,A,S,8,-118.30460,33.98395", "duplicate_address"),
    "107": ("107,,,200,,N,SPRING,ST,,,90012,,,A,C,14,-122.4194,37.7749", "outside_la_county"),
    "108": ("108,,,300,,,,,,,90012,,,A,C,14,-118.24,34.05", "missing_street"),
    "109": ("109,,,100,,E,1ST,ST,,,90012,,,A,C,14,0,0", "zero_coordinates"),
    "110": ("110,,,6050,,S,WESTERN,AVE,,1-4,90044,,,A,S,8,-118.30898,33.98386", ""),
}


@pytest.fixture
def city_csv(tmp_path: Path) -> Path:
    path = tmp_path / "Addresses_in_the_City_of_Los_Angeles.csv"
    lines = [CITY_HEADER, *(row for row, _ in CITY_ROWS.values())]
    path.write_text("\n".join(lines[:6]) + "\n1,2,3\n" + "\n".join(lines[6:]) + "\n", encoding="utf-8")
    return path


def test_the_citys_export_is_read_with_every_row_accounted_for(city_csv: Path) -> None:
    result = load_addresses(city_csv)
    expected = {hid: why for hid, (_, why) in CITY_ROWS.items()}
    assert result.rows_in == len(CITY_ROWS) + 1, "the malformed line is a row in too"
    assert result.rows_in == result.rows_kept + sum(result.dropped.values())
    q = result.quarantine
    assert dict(zip(q["HSE_ID"].replace("", None).dropna(), q["reason"][q["HSE_ID"] != ""], strict=True)) == {
        h: w for h, w in expected.items() if w
    }
    assert q.loc[q["reason"] == "malformed_row", "raw_line"].tolist() == ["1,2,3"]
    frame = result.frame
    assert tuple(frame.columns) == ADDRESS_COLUMNS
    assert frame.crs.to_epsg() == 4326
    kept = [h for h, w in expected.items() if not w]
    assert frame["address_id"].tolist() == [f"lacity:{h}" for h in kept]
    assert frame["address"].tolist() == [
        "1535 W 62nd St",
        "1535 1/2 W 62nd St",
        "388 W Avenue 45",
        "6050 S Western Ave",
    ]
    assert set(frame["source"]) == {SOURCE_CITY}
    assert not frame["synthetic"].any()
    first = frame.iloc[0]
    assert (first.geometry.x, first.geometry.y, first["zip"]) == (-118.30458, 33.98394, "90047")


def test_a_plain_address_file_gives_its_number_street_and_zip(tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text(
        "address,lat,lon\n"
        '"1535 West 62nd Street, Los Angeles, CA 90047",33.98394,-118.30458\n'
        "6050 S WESTERN AVE #2,33.98386,-118.30898\n"
        "Harvard Park,33.98394,-118.30458\n"
        '"1535 W. 62ND ST., LOS ANGELES CA 90047",33.98395,-118.30459\n',
        encoding="utf-8",
    )
    result = load_addresses(path)
    assert result.frame[["number", "street", "zip"]].values.tolist() == [
        ["1535", "West 62nd Street", "90047"],
        ["6050", "S Western Ave", ""],
    ]
    assert result.quarantine["reason"].tolist() == ["missing_number", "duplicate_address"], "same number, street, ZIP"
    index = build_index(places=None, addresses=result.frame, same_point_m=SAME_POINT_M)
    assert index.find("1535 W 62nd St", limit=LIMIT)[0].label == "1535 West 62nd Street"


def test_a_geojson_of_points_needs_no_coordinate_columns(tmp_path: Path) -> None:
    path = tmp_path / "points.geojson"
    gpd.GeoDataFrame(
        {"address": ["1535 W 62nd St", "388 W Avenue 45"], "synthetic": ["true", "false"]},
        geometry=[Point(-118.30458, 33.98394), None],
        crs=WGS84,
    ).to_file(path, driver="GeoJSON")
    assert detect(path)
    result = load_addresses(path)
    assert result.frame["address"].tolist() == ["1535 W 62nd St"]
    assert result.frame["synthetic"].tolist() == [True]
    assert result.dropped == {"no_coordinates": 1}
    assert "wkt" in result.quarantine.columns


@pytest.mark.parametrize(
    ("header", "is_addresses"),
    [
        (CITY_HEADER, True),
        ("address,lat,lon", True),
        ("Full Address,Latitude,Longitude,Zip Code", True),
        ("address,city", False),  # no coordinates
        ("name,address,lat,lon", False),  # named places with their addresses
        (
            "INSPECTION_ID,DEVELOPMENT_ID,DEVELOPMENT_NAME,ADDRESS,CITY,ZIPCODE,LATITUDE,LONGITUDE",
            False,
        ),  # HUD developments
        (
            "SRNumber,CreatedDate,RequestType,Status,Address,Latitude,Longitude",
            False,
        ),  # MyLA311 requests
    ],
)
def test_address_files_are_told_apart_by_their_header(tmp_path: Path, header: str, is_addresses: bool) -> None:
    path = tmp_path / "file.csv"
    path.write_text(header + "\n" + ",".join("1" for _ in header.split(",")) + "\n", encoding="utf-8")
    assert detect(path) is is_addresses


def test_files_that_are_not_address_points_are_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("address,city\n1535 W 62nd St,Los Angeles\n", encoding="utf-8")
    with pytest.raises(DataError, match="not an address-point file"):
        load_addresses(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("address,lat,lon\n", encoding="utf-8")
    with pytest.raises(DataError, match="no address rows"):
        load_addresses(empty)


def test_ingest_detects_the_citys_export_and_writes_an_address_layer(
    city_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "store"
    assert main(["ingest", str(city_csv), "--store", str(store)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "addresses"
    assert out["rows_in"] == out["rows_kept"] + sum(out["dropped"].values())
    report = open_store(store).report(out["layer"])
    assert report is not None
    assert report["table"] == "addresses"
    assert len(open_store(store).read(out["layer"])) == out["rows_kept"]
    again = ingest_file(city_csv, store_dir=store)
    assert again["rows_kept"] == out["rows_kept"], "the same file again: the same layer"


@pytest.mark.realdata
def test_real_city_addresses_are_found_however_they_are_typed(tmp_path: Path) -> None:
    requests = pd.read_csv(shared_file("myla311", "MyLA311_Service_Request_Data_2017_Subset.csv.gz"), dtype=str)
    parts = requests[["HouseNumber", "Direction", "StreetName", "Suffix", "ZipCode", "Latitude", "Longitude"]].dropna()
    parts = parts[parts["HouseNumber"].str.strip() != ""]
    table = pd.DataFrame(
        {
            "address": parts["HouseNumber"]
            + " "
            + parts["Direction"]
            + " "
            + parts["StreetName"]
            + " "
            + parts["Suffix"],
            "zip": parts["ZipCode"],
            "lat": parts["Latitude"],
            "lon": parts["Longitude"],
        }
    )
    path = tmp_path / "city_addresses.csv"
    table.to_csv(path, index=False)
    result = load_addresses(path)
    assert result.rows_in == len(table) == result.rows_kept + sum(result.dropped.values())
    index = build_index(places=None, addresses=result.frame, same_point_m=SAME_POINT_M)
    row = result.frame[result.frame["street"] == "S Western Ave"].iloc[0]
    spelled = f"{row['number']} South Western Avenue, Los Angeles, CA {row['zip']}"
    best = index.find(spelled, limit=LIMIT)[0]
    assert (best.kind, best.label) == ("address", row["address"])
    assert (best.lon, best.lat) == pytest.approx((row.geometry.x, row.geometry.y))


# --- the demo's synthetic addresses ---------------------------------------------------------------------------


def test_the_demo_addresses_are_synthetic_small_and_what_the_generator_writes() -> None:
    path = DEMO / "addresses.parquet"
    assert path.stat().st_size < 200_000
    committed = gpd.read_parquet(path)
    assert tuple(committed.columns) == ADDRESS_COLUMNS
    assert committed["synthetic"].all()
    assert set(committed["source"]) == {ADDRESS_SOURCE}
    assert committed["address"].is_unique
    built = build_addresses(read_graphml(DEMO / "walk.graphml"))
    assert_geodataframe_equal(built, committed)
    manifest = json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["addresses"]["points"] == len(committed)


def test_demo_house_numbers_follow_the_grid() -> None:
    layer = gpd.read_parquet(DEMO / "addresses.parquet")
    sixty_second = layer[layer["street"] == "W 62nd St"]
    numbers = sixty_second["number"].astype(int).to_numpy()
    xs = sixty_second.geometry.x.to_numpy()
    assert (numbers[xs.argsort()][::-1] == sorted(numbers)).all(), "W numbers grow westwards"
    western = layer[layer["street"] == "S Western Ave"]
    ys = western.geometry.y.to_numpy()
    assert (western["number"].astype(int).to_numpy()[ys.argsort()][::-1] == sorted(western["number"].astype(int))).all()
    odd = sixty_second[sixty_second["number"].astype(int) % 2 == 1].geometry.y
    even = sixty_second[sixty_second["number"].astype(int) % 2 == 0].geometry.y
    assert odd.min() > even.max(), "odd numbers on one side of the street, even on the other"
