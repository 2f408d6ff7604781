"""Archives are read or refused with one line: a zipped shapefile ingests, a zipped CSV says what to do."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.cli import main
from geo.core.errors import DataError
from geo.data.ingest import ingest_file


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_a_zipped_shapefile_is_read_in_place(tmp_path: Path) -> None:
    shp = tmp_path / "parks.shp"
    gdf = gpd.GeoDataFrame({"name": ["Harvard Park"]}, geometry=[box(-118.307, 33.983, -118.302, 33.985)], crs=4326)
    gdf.to_file(shp)
    parts = {p.name: p.read_bytes() for p in tmp_path.glob("parks.*")}
    rep = ingest_file(_zip(tmp_path / "parks.zip", parts), store_dir=tmp_path / "store", kind="parks")
    assert rep["rows_kept"] == 1


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"lapd.csv": b"DR_NO,AREA\n1,2\n"}, "holds lapd.csv, not a zipped shapefile"),
        ({"a.geojson": b"{}", "b.geojson": b"{}"}, "holds 2 layers"),
        ({}, "holds nothing"),
    ],
)
@pytest.mark.parametrize("kind", [None, "parks"])
def test_any_other_archive_is_refused_in_one_line(
    files: dict[str, bytes], said: str, kind: str | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _zip(tmp_path / "x.zip", files)
    with pytest.raises(DataError, match=said):
        ingest_file(path, store_dir=tmp_path / "store", kind=kind)
    argv = ["ingest", str(path), "--store", str(tmp_path / "store"), *(["--kind", kind] if kind else [])]
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert said in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_file_that_is_not_a_zip_says_so(tmp_path: Path) -> None:
    path = tmp_path / "broken.zip"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(DataError, match=r"not a readable \.zip archive"):
        ingest_file(path, store_dir=tmp_path / "store")
