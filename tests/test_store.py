"""Atomic writes and clear read errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.core.errors import DataError
from geo.core.store import atomic_path, read_geoparquet, read_metadata, write_geoparquet, write_text_atomic
from geo.data.datasets import load_incidents, load_places, place_by_name


def small() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"a": [1, 2]}, geometry=[shapely.Point(0, 0), shapely.Point(1, 1)], crs="EPSG:4326")


def test_failed_write_leaves_previous_file_intact(tmp_path: Path) -> None:
    dest = tmp_path / "x.txt"
    write_text_atomic(dest, "old")

    def interrupted() -> None:
        with atomic_path(dest) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        interrupted()
    assert dest.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_geoparquet_round_trip_with_metadata(tmp_path: Path) -> None:
    dest = write_geoparquet(small(), tmp_path / "s.parquet", metadata={"source": "test", "rows": 2})
    assert read_metadata(dest) == {"rows": 2, "source": "test"}
    back = read_geoparquet(dest)
    assert back.crs.to_epsg() == 4326
    assert list(back["a"]) == [1, 2]


def test_write_without_crs_is_refused(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)])
    with pytest.raises(DataError, match="no CRS"):
        write_geoparquet(gdf, tmp_path / "n.parquet")
    assert not (tmp_path / "n.parquet").exists()


def test_corrupt_geoparquet_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match=r"cannot read GeoParquet file .*bad\.parquet"):
        read_geoparquet(bad)
    with pytest.raises(DataError, match="not a readable GeoParquet"):
        read_metadata(bad)


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"file not found: .*gone\.parquet"):
        load_incidents(tmp_path / "gone.parquet")
    with pytest.raises(DataError, match="is a folder"):
        load_places(tmp_path)


def test_wrong_table_kind_is_refused(tmp_path: Path) -> None:
    path = write_geoparquet(small(), tmp_path / "s.parquet")
    with pytest.raises(DataError, match="not an incident table"):
        load_incidents(path)


def test_place_lookup_suggests_close_names() -> None:
    places = load_places(Path(__file__).resolve().parents[1] / "data" / "demo" / "places.geojson")
    assert len(place_by_name(places, "harvard park")) == 1
    with pytest.raises(DataError, match=r"did you mean.*Harvard Park"):
        place_by_name(places, "Harvard")
