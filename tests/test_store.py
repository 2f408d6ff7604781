"""Atomic writes, layers published whole (versions and one pointer) and clear read errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.core.errors import DataError
from geo.core.store import (
    CURRENT,
    MANIFEST,
    atomic_path,
    check_version,
    current_version,
    new_version,
    read_geoparquet,
    read_metadata,
    write_geoparquet,
    write_text_atomic,
)
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


def _layers() -> dict[str, gpd.GeoDataFrame]:
    import numpy as np

    rng = np.random.default_rng(5)
    n = 1_000
    frame = pd.DataFrame({"id": [f"i{k}" for k in range(n)], "n": rng.integers(0, 9, n)})
    frame["name"] = pd.array([None if k % 7 == 0 else f"n{k}" for k in range(n)], dtype="string")
    frame["when"] = pd.Timestamp("2020-01-01", tz="America/Los_Angeles") + pd.to_timedelta(rng.integers(0, 9e5, n), "s")
    xy = rng.uniform((-118.4, 33.9), (-118.2, 34.1), (n, 2))
    points = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:4326")
    areas = points.iloc[:50].assign(geometry=shapely.buffer(points.geometry.iloc[:50].to_numpy(), 0.001))
    gaps = points.iloc[:50].copy()
    gaps.loc[gaps.index[3], "geometry"] = None
    return {"points": small(), "many points": points, "polygons": areas, "a missing point": gaps}


@pytest.mark.parametrize("layer", ["points", "many points", "polygons", "a missing point"])
def test_geoparquet_with_metadata_is_the_file_geopandas_writes(layer: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    gdf = _layers()[layer]
    ours = write_geoparquet(gdf, tmp_path / "ours.parquet", metadata={"rows": 2})
    theirs = tmp_path / "theirs.parquet"
    gdf.to_parquet(theirs, index=False, compression="zstd")
    mine, ref = pq.read_table(ours), pq.read_table(theirs)
    assert mine.equals(ref)  # same columns, types and values
    meta_mine, meta_ref = dict(mine.schema.metadata), dict(ref.schema.metadata)
    assert meta_mine.pop(b"safetymap") == b'{"rows": 2}'
    assert meta_mine == meta_ref  # geopandas' "geo" and pandas metadata, unchanged
    assert pq.ParquetFile(ours).metadata.row_group(0).column(0).compression == "ZSTD"
    pd.testing.assert_frame_equal(read_geoparquet(ours), gpd.read_parquet(theirs))


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


# --- versioned layer folders ---------------------------------------------------------------


def publish(layer: Path, **files: str) -> Path:
    with new_version(layer) as staged:
        for name, text in files.items():
            (staged.folder / name).write_text(text)
    return staged.final


def test_a_version_is_published_whole_and_readers_follow_the_pointer(tmp_path: Path) -> None:
    layer = tmp_path / "roads"
    assert current_version(layer) is None
    first = publish(layer, a="1", b="1")
    assert current_version(layer) == first
    assert (layer / CURRENT).read_text().strip() == first.name
    assert check_version(first) == []
    manifest = json.loads((first / MANIFEST).read_text())
    assert set(manifest["files"]) == {"a", "b"}
    assert manifest["files"]["a"]["sha256"] == hashlib.sha256(b"1").hexdigest()
    second = publish(layer, a="2", b="2")
    assert current_version(layer) == second
    assert (second / "a").read_text() == (second / "b").read_text() == "2"


def test_a_failed_write_publishes_nothing_and_leaves_no_temp(tmp_path: Path) -> None:
    layer = tmp_path / "roads"
    first = publish(layer, a="1")

    def interrupted() -> None:
        with new_version(layer) as staged:
            (staged.folder / "a").write_text("half")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        interrupted()
    assert current_version(layer) == first
    assert sorted(p.name for p in layer.iterdir()) == sorted([".lock", CURRENT, first.name])


def test_the_next_write_removes_what_a_killed_one_left(tmp_path: Path) -> None:
    layer = tmp_path / "roads"
    v1 = publish(layer, a="1")
    v2 = publish(layer, a="2")
    # what a kill leaves: a half-written temp folder, a temp pointer, an unpublished version
    (layer / ".tmp-deadbeef").mkdir()
    (layer / ".tmp-deadbeef" / "a").write_text("half")
    (layer / ".CURRENT.x1y2.tmp").write_text("v")
    orphan = layer / "v20260101T000000000000Z-0badc0de"
    orphan.mkdir()
    assert current_version(layer) == v2
    v3 = publish(layer, a="3")
    # the new version and the one it replaced stay (a reader may have just resolved it)
    assert sorted(p.name for p in layer.iterdir()) == sorted([".lock", CURRENT, v2.name, v3.name])
    assert not v1.exists()


def test_check_version_notices_changed_and_missing_files(tmp_path: Path) -> None:
    v = publish(tmp_path / "roads", a="1", b="22")
    (v / "a").write_text("9")
    assert check_version(v, hashes=False) == []  # same size: only the hash tells
    assert check_version(v) == [f"a in version {v.name} has changed since it was written"]
    (v / "b").unlink()
    assert f"b is missing from version {v.name}" in check_version(v)
    (v / MANIFEST).unlink()
    assert "manifest" in check_version(v)[0]


def test_a_damaged_pointer_is_a_clear_error_and_the_next_write_repairs_it(tmp_path: Path) -> None:
    layer = tmp_path / "roads"
    publish(layer, a="1")
    (layer / CURRENT).write_text("../../etc")
    with pytest.raises(DataError, match="damaged"):
        current_version(layer)
    v = publish(layer, a="2")
    assert current_version(layer) == v
