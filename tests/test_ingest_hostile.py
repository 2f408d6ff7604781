"""Corrupt and hostile inputs give one clear error (or inert text) and never a partial store; the CLI contract."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon

from geo.cli import main
from geo.core.errors import DataError
from geo.core.schema import INCIDENT_COLUMNS
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
    assert list(incidents_from_path(doc["output"]).columns) == list(INCIDENT_COLUMNS)
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
