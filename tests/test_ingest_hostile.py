"""Corrupt and hostile inputs give one clear error (or inert text) and never a partial store; the CLI contract."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon

from geo.cli import main
from geo.core.errors import DataError
from geo.core.schema import INCIDENT_COLUMNS, OPTIONAL_INCIDENT_DTYPES
from geo.core.settings import use_config
from geo.data.ingest import incidents_from_path, ingest_file, store_inventory
from tests.store_helpers import store_snapshot

HEADER = (
    "DR_NO,Date Rptd,DATE OCC,TIME OCC,AREA ,AREA NAME,Rpt Dist No,Part 1-2,Crm Cd,Crm Cd Desc,Mocodes,Vict Age,"
    "Vict Sex,Vict Descent,Premis Cd,Premis Desc,Weapon Used Cd,Weapon Desc,Status,Status Desc,Crm Cd 1,Crm Cd 2,"
    "Crm Cd 3,Crm Cd 4,LOCATION,Cross Street,LAT,LON\n"
)
GOOD = (
    "010304468,01/08/2020 00:00,01/08/2020 00:00,2230,03,Southwest,0377,2,624,"
    "BATTERY - SIMPLE ASSAULT,0444 0913,36,F,B,"
    '501,SINGLE FAMILY DWELLING,400,"STRONG-ARM (HANDS, FIST, FEET OR BODILY FORCE)",AO,Adult Other,624,,,,'
    "1100 W  39TH                         PL,,34.0141,-118.2978\n"
)
EVIL = '=HYPERLINK("http://evil.example","x")'


def lapd_file(path: Path, rows: int = 3) -> Path:
    body = "".join(GOOD.replace("010304468", f"0103{i:05d}") for i in range(rows))
    path.write_text(HEADER + body)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "is empty"),
        (b"\n\n  \n", "is empty"),
        (HEADER.encode(), "no data rows"),
        (b"a,b,c\n1,2,3\n", "cannot tell what kind"),
        (bytes(range(256)) * 64, "binary"),
        (b"just one column\nvalue\n", "1 column"),
    ],
)
def test_bad_files_give_one_clear_error(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    store = tmp_path / "store"
    with pytest.raises(DataError, match=match):
        ingest_file(path, store_dir=store)
    assert not store.exists() or list(store.iterdir()) == []


def test_corrupt_gzip_and_json(tmp_path: Path) -> None:
    gz = tmp_path / "crime.csv.gz"
    gz.write_bytes(gzip.compress((HEADER + GOOD).encode())[:40])
    with pytest.raises(DataError, match=r"cannot read|not|truncated|Compressed"):
        ingest_file(gz, store_dir=tmp_path / "s")
    js = tmp_path / "homicides.json"
    js.write_text('[{"case_number": "2017-1", "death_date": "2017-06-18T00:00:00.000Z", "latitude": 33.9, "long')
    with pytest.raises(DataError, match="not valid JSON"):
        ingest_file(js, store_dir=tmp_path / "s")


def test_fifty_megabyte_single_line(tmp_path: Path) -> None:
    path = tmp_path / "one_line.csv"
    with path.open("wb") as fh:
        chunk = b"A" * (1 << 20)
        for _ in range(50):
            fh.write(chunk)
    with pytest.raises(DataError, match="first line is longer"):
        ingest_file(path, store_dir=tmp_path / "s")


def test_failure_deep_in_the_file_leaves_the_previous_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    path = lapd_file(tmp_path / "crime.csv", rows=3)
    before = ingest_file(path, store_dir=store)
    snapshot = store_snapshot(store)
    with path.open("ab") as fh:
        fh.write(GOOD.encode() * 40_000)  # 10 MB of good rows: the first MiB sniffs as UTF-8
        fh.write(GOOD.encode().replace(b"Southwest", b"\xff\xfe"))  # then bytes that are not UTF-8
    with pytest.raises(DataError, match="not valid UTF-8"):
        ingest_file(path, store_dir=store)
    assert store_snapshot(store) == snapshot
    assert store_inventory(store)[0]["rows_kept"] == before["rows_kept"] == 3


def test_non_utf8_and_formula_strings_are_inert_text(tmp_path: Path) -> None:
    path = tmp_path / "crime.csv"
    body = GOOD.replace("1100 W  39TH", '"' + EVIL.replace('"', '""') + '"').replace("PL,,", "PEÑA,,", 1)
    path.write_bytes((HEADER + body).encode("cp1252"))
    rep = ingest_file(path, store_dir=tmp_path / "s")
    assert rep["encoding"] == "cp1252"
    gdf = incidents_from_path(rep["output"])
    assert gdf["address_block"].iloc[0].startswith(EVIL)
    assert gdf["address_block"].iloc[0].endswith("PEÑA")


def test_layer_without_crs_is_refused(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])])
    shp = tmp_path / "parks_nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(shp)  # a user's shapefile that lost its .prj
    assert not shp.with_suffix(".prj").exists()
    with pytest.raises(DataError, match="no CRS"):
        ingest_file(shp, store_dir=tmp_path / "s", kind="parks")


def test_invalid_polygons_are_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = Polygon([(-118.30, 33.98), (-118.29, 33.99), (-118.30, 33.99), (-118.29, 33.98), (-118.30, 33.98)])
    square = Polygon([(-118.31, 33.97), (-118.30, 33.97), (-118.30, 33.98), (-118.31, 33.98)])
    gdf = gpd.GeoDataFrame({"PARK_NAME": ["Bow", "Sq"], "OBJECTID": [1, 2]}, geometry=[bowtie, square], crs=4326)
    path = tmp_path / "parks.geojson"
    gdf.to_file(path, driver="GeoJSON")
    rep = ingest_file(path, store_dir=tmp_path / "s")
    assert (rep["kind"], rep["rows_kept"], rep["repaired_geometries"]) == ("parks", 2, 1)
    out = gpd.read_parquet(rep["output"])
    assert out.is_valid.all()
    assert out["place_id"].tolist() == ["park:1", "park:2"]


def test_places_file_is_not_incidents(tmp_path: Path) -> None:
    path = tmp_path / "stations.csv"
    path.write_text("X,Y,FID,DIVISION,LOCATION,PREC\n-118.28,33.93,1,SOUTHEAST,145 W. 108TH ST.,18\n")
    with pytest.raises(DataError, match="holds places"):
        incidents_from_path(path)


def test_cli_ingest_prints_one_json_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = lapd_file(tmp_path / "crime.csv", rows=2)
    code, out, err = run(capsys, "ingest", str(path), "--store", str(tmp_path / "s"))
    assert code == 0
    assert err == ""
    doc = json.loads(out)
    assert {k: doc[k] for k in ("kind", "rows_in", "rows_kept", "dropped")} == {
        "kind": "lapd_csv",
        "rows_in": 2,
        "rows_kept": 2,
        "dropped": {},
    }
    assert Path(doc["output"]).exists()
    assert list(incidents_from_path(doc["output"]).columns) == [*INCIDENT_COLUMNS, *OPTIONAL_INCIDENT_DTYPES]
    assert list(pd.read_parquet(doc["output"]).columns)[-2:] == ["area", "rpt_dist"]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["ingest", "{missing}"], "file not found"),
        (["ingest", "{bad}"], "cannot tell what kind"),
        (["ingest", "{good}", "--kind", "latimes_police_killings"], "not the LA Times police-killings CSV"),
        (["ingest", "{good}", "--kind", "nope"], "invalid choice"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], match: str
) -> None:
    good = lapd_file(tmp_path / "crime.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    paths = {"missing": tmp_path / "nope.csv", "bad": bad, "good": good}
    argv = [a.format(**paths) for a in args] + ["--store", str(tmp_path / "s")]
    if "--kind" in args and "nope" in args:
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
    else:
        code, out, err = run(capsys, *argv)
        assert code == 2
        assert out == ""
    assert err.count("\n") == 1
    assert match in err
    assert not (tmp_path / "s").exists()


def test_cli_info_lists_layers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    code, out, _ = run(capsys, "info", "--store", str(store))
    assert (code, json.loads(out)["layers"]) == (0, [])
    ingest_file(lapd_file(tmp_path / "crime.csv", rows=2), store_dir=store)
    code, out, _ = run(capsys, "info", "--store", str(store))
    (layer,) = json.loads(out)["layers"]
    assert (layer["rows_kept"], layer["date_from"], layer["date_to"]) == (2, "2020-01-08", "2020-01-08")
    assert layer["age_days"] is not None
    assert layer["source"] == "lapd_legacy_csv"


@pytest.fixture
def _reset_config() -> Iterator[None]:
    yield
    use_config(None)  # --config is process-wide; do not leak it into other tests


@pytest.mark.usefixtures("_reset_config")
def test_cli_fetch_offline_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"sources:\n  incidents: {demo / 'incidents.parquet'}\n  places: {demo / 'places.geojson'}\n"
        f"  streets: {demo / 'streets.geojson'}\n  store_dir: {tmp_path / 'store'}\n"
        "  socrata: {base_url: 'http://127.0.0.1:9/resource'}\n  http: {retries: 0, timeout_s: 2}\n"
    )
    code, out, err = run(capsys, "--config", str(cfg), "fetch", "legacy", "--quiet")
    assert code == 2
    assert out == ""
    assert "are you offline" in err
    assert "nothing was written" in err
    assert not (tmp_path / "store").exists()


# --- an ingest never loses a layer silently --------------------------------------------------

SWAPPED = GOOD.replace("34.0141,-118.2978", "-118.2978,34.0141")  # LAT and LON exchanged


def rows_file(path: Path, *, good: int = 0, swapped: int = 0) -> Path:
    rows = [GOOD.replace("010304468", f"0103{i:05d}") for i in range(good)]
    rows += [SWAPPED.replace("010304468", f"0107{i:05d}") for i in range(swapped)]
    path.write_text(HEADER + "".join(rows))
    return path


def test_reingest_that_drops_every_row_is_refused_and_keeps_the_layer(tmp_path: Path) -> None:
    store = tmp_path / "store"
    path = rows_file(tmp_path / "crime.csv", good=3)
    ingest_file(path, store_dir=store)
    before = store_snapshot(store)
    rows_file(path, swapped=3)  # the same export, saved with its coordinate columns swapped
    with pytest.raises(DataError, match=r"0 rows instead of 3") as info:
        ingest_file(path, store_dir=store)
    assert "look swapped" in str(info.value)
    assert "--replace" in str(info.value)
    assert store_snapshot(store) == before
    rep = ingest_file(path, store_dir=store, replace=True)  # asked for: written
    assert (rep["rows_kept"], rep["dropped"]) == (0, {"outside_la_county": 3})
    assert store_inventory(store)[0]["rows_kept"] == 0


def test_reingest_with_fewer_rows_needs_replace_in_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    path = rows_file(tmp_path / "crime.csv", good=4)
    assert run(capsys, "ingest", str(path), "--store", str(store))[0] == 0
    rows_file(path, good=2)
    code, out, err = run(capsys, "ingest", str(path), "--store", str(store))
    assert (code, out, err.count("\n")) == (2, "", 1)
    assert "2 rows instead of 4" in err
    assert store_inventory(store)[0]["rows_kept"] == 4
    code, out, _ = run(capsys, "ingest", str(path), "--store", str(store), "--replace")
    assert (code, json.loads(out)["rows_kept"]) == (0, 2)
    rows_file(path, good=6)  # growing needs nothing
    assert run(capsys, "ingest", str(path), "--store", str(store))[0] == 0


def test_a_first_ingest_that_keeps_nothing_is_refused(tmp_path: Path) -> None:
    path = rows_file(tmp_path / "crime.csv", swapped=2)
    with pytest.raises(DataError, match=r"none of the 2 rows .* can be kept .*look swapped.*nothing was written"):
        ingest_file(path, store_dir=tmp_path / "s")
    assert store_snapshot(tmp_path / "s") == {}


def test_two_files_with_the_same_name_never_share_a_layer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = rows_file(tmp_path / "a" / "crime.csv", good=2)
    second = lapd_file(tmp_path / "b" / "crime.csv", rows=5)
    ingest_file(first, store_dir=store)
    before = store_snapshot(store)
    code, _, err = run(capsys, "ingest", str(second), "--store", str(store))
    assert code == 2
    assert "a different file" in err
    assert "--name" in err
    assert "--replace" in err
    assert store_snapshot(store) == before
    code, out, _ = run(capsys, "ingest", str(second), "--store", str(store), "--name", "lapd_csv-crime_b")
    assert (code, json.loads(out)["layer"]) == (0, "lapd_csv-crime_b")
    assert {(x["name"], x["rows_kept"]) for x in store_inventory(store)} == {
        ("lapd_csv-crime", 2),
        ("lapd_csv-crime_b", 5),
    }
    # a byte-identical copy of the first file elsewhere is the same source, not another one
    copy = tmp_path / "crime.csv"
    copy.write_bytes(first.read_bytes())
    assert ingest_file(copy, store_dir=store)["rows_kept"] == 2


def test_swapped_columns_get_a_hint_even_when_the_ingest_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = rows_file(tmp_path / "crime.csv", good=3, swapped=2)
    code, out, err = run(capsys, "ingest", str(path), "--store", str(tmp_path / "s"))
    assert code == 0
    assert json.loads(out)["dropped"] == {"outside_la_county": 2}
    assert "2 of the rows dropped as outside LA County" in err
    assert "look swapped" in err
    assert store_inventory(tmp_path / "s")[0]["problems"] == []


def test_info_notices_a_layer_whose_parts_disagree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = tmp_path / "s"
    path = rows_file(tmp_path / "crime.csv", good=2)
    old = ingest_file(path, store_dir=store)
    rows_file(path, good=3, swapped=1)
    new = ingest_file(path, store_dir=store)
    assert run(capsys, "info", "--store", str(store))[0] == 0
    # new data beside the old quarantine: what a crash between two renames used to leave
    shutil.copyfile(old["quarantine"], new["quarantine"])
    code, out, err = run(capsys, "info", "--store", str(store))
    assert code == 1
    (layer,) = json.loads(out)["layers"]
    assert layer["problems"]
    assert layer["error"]
    assert err.startswith("problem: layer lapd_csv-crime:")
    assert "quarantine" in err


def test_layers_of_the_flat_layout_are_read_and_replaced_on_write(tmp_path: Path) -> None:
    store = tmp_path / "s"
    path = rows_file(tmp_path / "crime.csv", good=2)
    rep = ingest_file(path, store_dir=store)
    # the older layout: <layer>.parquet and <layer>.quarantine.parquet directly in the store
    flat = tmp_path / "flat"
    flat.mkdir()
    for key in ("output", "quarantine"):
        shutil.copyfile(rep[key], flat / Path(rep[key]).name)
    (layer,) = store_inventory(flat)
    assert (layer["name"], layer["rows_kept"], layer["problems"]) == ("lapd_csv-crime", 2, [])
    assert Path(layer["path"]) == flat / "lapd_csv-crime.parquet"
    ingest_file(path, store_dir=flat)
    assert sorted(p.name for p in flat.iterdir()) == ["lapd_csv-crime"]
    (layer,) = store_inventory(flat)
    assert layer["rows_kept"] == 2
    assert Path(layer["path"]).parent.parent == flat / "lapd_csv-crime"


def test_utf8_file_with_one_cp1252_row_is_one_clear_error(tmp_path: Path) -> None:
    rows = [GOOD.replace("010304468", f"0103{i:05d}").replace("PL,,", "PEÑA Í,,") for i in range(3)]
    path = tmp_path / "crime.csv"
    path.write_bytes(HEADER.encode() + "".join(rows[:2]).encode("utf-8") + rows[2].encode("cp1252"))
    with pytest.raises(DataError, match="mixes encodings"):
        ingest_file(path, store_dir=tmp_path / "s")
    assert store_snapshot(tmp_path / "s") == {}


def test_a_new_version_changes_the_store_folder_time(tmp_path: Path) -> None:
    store = tmp_path / "s"
    path = rows_file(tmp_path / "crime.csv", good=2)
    ingest_file(path, store_dir=store)
    os.utime(store, (1_000_000, 1_000_000))
    rows_file(path, good=3)
    ingest_file(path, store_dir=store)
    assert store.stat().st_mtime > 1_000_000  # the dashboard's inventory cache is keyed on it
