"""A population table keyed by an id plus a geometry file: mapping, the Census file's traps, row accounting, ingest."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.cli import main
from geo.core.errors import DataError
from geo.data.ingest import store_inventory
from geo.data.population import describe_population, ingest_population_table, stored_populations
from geo.data.sources.population_table import (
    GroupMap,
    TableSpec,
    group_name,
    join_population,
    load_population_table,
    parse_group,
    parse_key,
    read_geometry,
    read_table,
    spec_from_args,
)

# four tracts of 0.01 degree in a row, south of Harvard Park (lon, lat; NAD83 in the file like the shared one)
X0, Y0 = -118.33, 33.97
CSV = """GEOID10,total_pop,pct_black,pct_asian,med_gross_rent
06037000100,1000,20.0,30,1471 (USD)
06037000200,2000,50.5,0,$900
06037000300,500,10.0,5,
06037000400,0,,0,
,300,10.0,1,
06037000100,999,1.0,1,
06037000500,800,,12,
"""


def _tract(i: int) -> list[list[float]]:
    x = X0 + 0.01 * i
    return [[x, Y0], [x + 0.01, Y0], [x + 0.01, Y0 + 0.01], [x, Y0 + 0.01], [x, Y0]]


def _geojson(path: Path, ids: list[object], *, crs: str = "urn:ogc:def:crs:EPSG::4269") -> Path:
    features = [
        {"type": "Feature", "properties": {"GEOID": g}, "geometry": {"type": "Polygon", "coordinates": [_tract(i)]}}
        for i, g in enumerate(ids)
    ]
    body = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": crs}}, "features": features}
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    table = tmp_path / "tracts_data.csv"
    table.write_text(CSV, encoding="utf-8")
    geometry = _geojson(tmp_path / "tracts.geojson", ["06037000100", "06037000200", "06037000400", "06059000100",
                                                      "06037000500"])  # fmt: skip
    return table, geometry


SPEC = TableSpec("GEOID10", "GEOID", "total_pop", (GroupMap("descent_B", "pct_black", True),
                                                   GroupMap("descent_A", "pct_asian")), "ACS 2013-2017")  # fmt: skip


def test_mapping_options_are_parsed() -> None:
    assert parse_key("GEOID10=GEOID") == ("GEOID10", "GEOID")
    assert parse_key(" name ") == ("name", "name")
    assert parse_group("B=pct_black%") == GroupMap("descent_B", "pct_black", True)
    assert parse_group("A=pct_asian") == GroupMap("descent_A", "pct_asian", False)
    assert parse_group("descent_H=hisp %") == GroupMap("descent_H", "hisp", True)
    assert group_name("F") == "sex_F"
    assert group_name("18-24") == "age_18-24"
    with pytest.raises(DataError, match="unknown group 'Z'"):
        group_name("Z")
    with pytest.raises(DataError, match="CODE=COLUMN"):
        parse_group("pct_black")
    with pytest.raises(DataError, match="--key must be"):
        parse_key("=GEOID")
    with pytest.raises(DataError, match="--vintage"):
        spec_from_args(key="GEOID", total="t", groups=[], vintage=None)
    with pytest.raises(DataError, match="needs the total"):
        spec_from_args(key="GEOID", total=None, groups=["B=pct_black%"], vintage="ACS 2013-2017")
    with pytest.raises(DataError, match="mapped twice"):
        spec_from_args(key="GEOID", total="t", groups=["B=a", "descent_B=b"], vintage="ACS 2013-2017")


def test_a_census_like_table_joins_with_every_row_accounted_for(files: tuple[Path, Path]) -> None:
    table, geometry = files
    got = load_population_table(table, geometry, SPEC)
    frame = got.frame.set_index("key")
    # GEOIDs keep their leading zero; the text in med_gross_rent (not mapped) does not matter
    assert list(frame.index) == ["06037000100", "06037000200", "06037000400", "06037000500"]
    assert frame.loc["06037000100", "population"] == 1000
    assert frame.loc["06037000100", "descent_B"] == pytest.approx(200.0)  # 20 % of 1,000
    assert frame.loc["06037000200", "descent_B"] == pytest.approx(1010.0)  # 50.5 % of 2,000
    assert frame.loc["06037000100", "descent_A"] == 30  # a count stays a count
    # a total of 0: every group 0 (its shares are empty); a share missing under a total above 0: missing, not 0
    assert frame.loc["06037000400", ["population", "descent_B", "descent_A"]].tolist() == [0, 0, 0]
    assert np.isnan(frame.loc["06037000500", "descent_B"])
    assert got.notes["missing_groups"] == {"descent_B": 1}
    assert got.notes["zero_total"] == 1
    assert not frame["synthetic"].any()
    # every row of the table is kept or quarantined with its reason
    assert got.rows_in == 7
    assert got.rows_in == got.rows_kept + sum(got.dropped.values())
    assert got.dropped == {"duplicate_key": 1, "missing_key": 1, "no_geometry": 1}
    q = got.quarantine.set_index("source_row")
    assert q.loc[3, "reason"] == "no_geometry"
    assert q.loc[3, "GEOID10"] == "06037000300"
    assert q.loc[5, "reason"] == "missing_key"
    assert q.loc[6, "reason"] == "duplicate_key"
    assert q.loc[6, "total_pop"] == "999"
    # and every geometry without a row is counted, with an example
    assert got.notes["geometry"]["areas_without_row"] == 1
    assert got.notes["geometry"]["without_row_examples"] == ["06059000100"]
    assert got.notes["rows_without_geometry_examples"] == ["06037000300"]
    # the NAD83 member is read and the layer stored in EPSG:4326 (NAD83 and WGS84 agree here within 2 m)
    assert got.frame.crs.to_epsg() == 4326
    bounds = got.frame.set_index("key").loc[["06037000100"]].total_bounds
    assert bounds == pytest.approx([X0, Y0, X0 + 0.01, Y0 + 0.01], abs=2e-5)


def test_the_traps_of_the_teaching_file_are_refused_with_the_column_named(files: tuple[Path, Path]) -> None:
    table, geometry = files
    text = read_table(table)
    shapes, _ = read_geometry(geometry, "GEOID")
    asian_share = TableSpec("GEOID10", "GEOID", "total_pop", (GroupMap("descent_A", "pct_asian", True),), "v")
    frame = text.assign(pct_asian=["30", "0", "5", "0", "1", "1", "120"])
    with pytest.raises(DataError, match=r"values above 100 .*without '%' \(--group A=pct_asian\)"):
        join_population(frame, shapes, asian_share)
    rent = TableSpec("GEOID10", "GEOID", "total_pop", (GroupMap("descent_W", "med_gross_rent"),), "v")
    with pytest.raises(DataError, match=r"'med_gross_rent' .* not a number .*'1471 \(USD\)'"):
        join_population(text, shapes, rent)
    over = TableSpec("GEOID10", "GEOID", "pct_black", (GroupMap("descent_A", "pct_asian"),), "v")
    with pytest.raises(DataError, match="exceeds the total pct_black"):
        join_population(text, shapes, over)
    absent = TableSpec("GEOID10", "GEOID", "total", (), "v")
    with pytest.raises(DataError, match="no column 'total'"):
        join_population(text, shapes, absent)
    with pytest.raises(DataError, match="has no field 'GEOID10'"):
        read_geometry(geometry, "GEOID10")
    elsewhere = shapes.assign(key=["x1", "x2", "x3", "x4", "x5"])
    with pytest.raises(DataError, match=r"no key of .* matches a feature"):
        join_population(text, elsewhere, SPEC)


def test_numeric_ids_and_names_match_regardless_of_zeros_case_and_spacing(tmp_path: Path) -> None:
    shapes, _ = read_geometry(_geojson(tmp_path / "a.geojson", [6037000100, 6037000200]), "GEOID")
    text = pd.DataFrame({"GEOID10": ["06037000100", "06037000200"], "t": ["10", "20"]})
    got = join_population(text, shapes, TableSpec("GEOID10", "GEOID", "t", (), "v"))
    assert got.frame["key"].tolist() == ["06037000100", "06037000200"]
    named = _geojson(tmp_path / "b.geojson", ["Harvard Park", "Vermont  Square", "Harvard Park"])
    shapes, counts = read_geometry(named, "GEOID")
    text = pd.DataFrame({"hood": ["harvard park", "Vermont Square"], "black": ["4324.99", "1,200"]})
    got = join_population(text, shapes, TableSpec("hood", "GEOID", None, (GroupMap("descent_B", "black"),), "v"))
    by = got.frame.set_index("key")
    assert by.loc["harvard park", "descent_B"] == pytest.approx(4324.99)
    assert by.loc["Vermont Square", "descent_B"] == 1200
    assert got.notes["geometry"]["merged_features"] == 1  # two features of one name are one area
    assert shapely.area(by.loc["harvard park", "geometry"]) == pytest.approx(2 * 0.01 * 0.01)
    assert counts["features"] == 3


def test_an_invalid_polygon_is_repaired_and_counted(tmp_path: Path) -> None:
    bowtie = [[X0, Y0], [X0 + 0.01, Y0 + 0.01], [X0 + 0.01, Y0], [X0, Y0 + 0.01], [X0, Y0]]
    path = tmp_path / "bad.geojson"
    feature = {"type": "Feature", "properties": {"id": "a"}, "geometry": {"type": "Polygon", "coordinates": [bowtie]}}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    shapes, counts = read_geometry(path, "id")
    assert counts["repaired"] == 1
    assert shapes.geometry.is_valid.all()
    assert shapely.area(shapes.geometry.to_numpy())[0] == pytest.approx(0.01 * 0.01 / 2)


def test_ingest_writes_a_population_layer_and_refuses_to_lose_rows(files: tuple[Path, Path], tmp_path: Path) -> None:
    table, geometry = files
    store = tmp_path / "store"
    rep = ingest_population_table(table, geometry, SPEC, store_dir=store)
    assert rep["layer"] == "population-tracts_data"
    assert rep["vintage"] == "ACS 2013-2017"
    assert rep["residents"]["population"] == 3800
    layers = {e["name"]: e for e in store_inventory(store)}
    entry = layers["population-tracts_data"]
    assert entry["table"] == "population"
    assert entry["problems"] == []
    assert stored_populations(store) == {"population-tracts_data": entry["path"]}
    about = describe_population(entry["path"])
    assert (about.synthetic, about.vintage) == (False, "ACS 2013-2017")
    assert about.columns == ("population", "descent_B", "descent_A")
    stored = gpd.read_parquet(entry["path"])
    assert stored.crs.to_epsg() == 4326
    assert len(stored) == 4
    # the same file with fewer rows would shrink the layer: refused, the store unchanged
    table.write_text("\n".join(CSV.splitlines()[:3]) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="would leave layer 'population-tracts_data' with 2 rows instead of 4"):
        ingest_population_table(table, geometry, SPEC, store_dir=store)
    assert len(gpd.read_parquet(stored_populations(store)["population-tracts_data"])) == 4
    ingest_population_table(table, geometry, SPEC, store_dir=store, replace=True)
    assert len(gpd.read_parquet(stored_populations(store)["population-tracts_data"])) == 2


def test_ingest_command(files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table, geometry = files
    store = str(tmp_path / "store")
    argv = ["ingest", str(table), "--geometry", str(geometry), "--key", "GEOID10=GEOID", "--total", "total_pop",
            "--group", "B=pct_black%", "--group", "A=pct_asian", "--vintage", "ACS 2013-2017",
            "--store", store]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert (out["kind"], out["vintage"], out["rows_in"], out["rows_kept"]) == ("population", "ACS 2013-2017", 7, 4)
    assert out["geometry"]["areas_without_row"] == 1
    assert "1 rows of the table have no geometry in tracts.geojson (e.g. 06037000300)" in captured.err
    assert "1 areas of tracts.geojson have no row in the table (e.g. 06059000100)" in captured.err
    assert "1 areas have no value for descent_B" in captured.err
    for bad, match in (
        (["--total", "total_pop"], "give its areas with --geometry"),
        (["--geometry", str(geometry), "--key", "GEOID10=GEOID", "--total", "total_pop"], "--vintage"),
        (["--geometry", str(geometry), "--total", "total_pop", "--vintage", "v"], "needs --key"),
        (["--geometry", str(geometry), "--kind", "parks", "--key", "GEOID", "--vintage", "v"], "do not go together"),
    ):
        assert main(["ingest", str(table), "--store", store, *bad]) == 2
        assert match in capsys.readouterr().err


def test_a_json_table_keyed_by_name(tmp_path: Path) -> None:
    records = [
        {"neighborhood": "Harvard Park", "black": 4324.99404686, "black_homicides": 7.0, "2016_rate": 16.18},
        {"neighborhood": "L.A. County Jail", "black": 5000.0, "black_homicides": 0.0, "2016_rate": 0.0},
    ]
    table = tmp_path / "by_hood.json"
    table.write_text(json.dumps(records), encoding="utf-8")
    text = read_table(table)
    assert text.loc[0, "black"] == "4324.99404686"  # read as written, not rounded
    geometry = _geojson(tmp_path / "hoods.geojson", ["Harvard Park", "Vermont Square"], crs="EPSG:4326")
    spec = spec_from_args(key="neighborhood=GEOID", total=None, groups=["B=black"], vintage="LA Times 2016")
    got = load_population_table(table, geometry, spec)
    assert got.frame["descent_B"].tolist() == [4324.99404686]
    assert "population" not in got.frame.columns  # no total was mapped: the layer counts Black residents only
    assert got.dropped == {"no_geometry": 1}
    assert got.quarantine["neighborhood"].tolist() == ["L.A. County Jail"]
    assert got.notes["geometry"]["without_row_examples"] == ["Vermont Square"]
    bad = tmp_path / "bad.json"
    bad.write_text('{"not": "records"', encoding="utf-8")
    with pytest.raises(DataError, match=r"cannot read population table .*bad\.json \(a CSV or a JSON array"):
        read_table(bad)
