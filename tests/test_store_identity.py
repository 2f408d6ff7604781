"""A source file set has one identity, and a layer cannot take the store's own names (issue: bad files)."""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.core.errors import DataError
from geo.core.settings import get_settings
from geo.core.store import source_sha256
from geo.data.ingest import check_layer_name, ingest_file, store_files


def _parks(folder: Path, names: list[str]) -> Path:
    folder.mkdir(parents=True)
    polys = [box(-118.31 + i * 0.01, 33.98, -118.305 + i * 0.01, 33.985) for i in range(len(names))]
    path = folder / "parks.shp"
    gpd.GeoDataFrame({"name": names}, geometry=polys, crs="EPSG:4326").to_file(path)
    return path


def test_a_shapefile_is_all_its_parts(tmp_path: Path) -> None:
    one = _parks(tmp_path / "a", ["Harvard Park", "South Park"])
    other = _parks(tmp_path / "b", ["Jordan Downs", "Nickerson Gardens"])
    shutil.copy(one, other)  # the same .shp bytes beside another .dbf
    assert one.read_bytes() == other.read_bytes()
    assert source_sha256(one) != source_sha256(other)
    assert source_sha256(one) == source_sha256(one)
    plain = tmp_path / "x.csv"
    plain.write_text("a\n1\n", encoding="utf-8")
    assert len(source_sha256(plain)) == 64


def test_the_same_shp_with_another_dbf_does_not_replace_the_layer(tmp_path: Path) -> None:
    store = tmp_path / "store"
    one = _parks(tmp_path / "a", ["Harvard Park", "South Park"])
    other = _parks(tmp_path / "b", ["Jordan Downs", "Nickerson Gardens"])
    shutil.copy(one, other)
    ingest_file(one, store_dir=store, kind="parks", name="parks")
    with pytest.raises(DataError, match="a different file"):
        ingest_file(other, store_dir=store, kind="parks", name="parks")


@pytest.mark.parametrize("name", ["workspace.json", "tracks", "walk", "layers.json"])
def test_a_layer_cannot_take_the_stores_own_names(name: str, tmp_path: Path, fresh_settings: None) -> None:
    assert name.endswith(".json") or name in store_files(get_settings())
    with pytest.raises(DataError, match="store's own files"):
        check_layer_name(name)
    path = _parks(tmp_path / "a", ["Harvard Park"])
    with pytest.raises(DataError, match="store's own files"):
        ingest_file(path, store_dir=tmp_path / "store", kind="parks", name=name)
    assert not (tmp_path / "store" / name).exists()
    assert check_layer_name("parks-city") == "parks-city"
