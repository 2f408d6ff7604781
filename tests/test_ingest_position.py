"""Coordinates that cannot be where their CRS says are refused before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.core.errors import DataError
from geo.data.ingest import ingest_file

PARK_LONLAT = box(-118.3067, 33.9833, -118.3025, 33.9846)  # Jackie Tatum/Harvard Recreation Center


def test_a_shapefile_in_feet_with_a_wgs84_prj_is_refused(tmp_path: Path) -> None:
    feet = gpd.GeoDataFrame({"name": ["Harvard Park"]}, geometry=[PARK_LONLAT], crs=4326).to_crs(2229)
    lying = feet.set_crs(4326, allow_override=True)  # the feet, under a WGS 84 .prj
    path = tmp_path / "parks.shp"
    lying.to_file(path)
    with pytest.raises(DataError, match="look like feet or metres"):
        ingest_file(path, store_dir=tmp_path / "store", kind="parks")
    assert not (tmp_path / "store").exists() or not any((tmp_path / "store").iterdir())


def test_a_geojson_with_latitude_and_longitude_swapped_is_refused(tmp_path: Path) -> None:
    x0, y0, x1, y1 = PARK_LONLAT.bounds
    ring = [[y0, x0], [y0, x1], [y1, x1], [y1, x0], [y0, x0]]  # (lat, lon) pairs where (lon, lat) belong
    polygon = {"type": "Polygon", "coordinates": [ring]}
    feature = {"type": "Feature", "properties": {"name": "Harvard Park"}, "geometry": polygon}
    doc = {"type": "FeatureCollection", "features": [feature]}
    path = tmp_path / "parks.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(DataError, match="latitude and longitude look swapped"):
        ingest_file(path, store_dir=tmp_path / "store", kind="parks")


def test_a_layer_far_from_los_angeles_is_refused_and_a_true_one_kept(tmp_path: Path) -> None:
    far = gpd.GeoDataFrame({"name": ["Central Park"]}, geometry=[box(-73.98, 40.76, -73.95, 40.80)], crs=4326)
    far.to_file(tmp_path / "ny.geojson")
    with pytest.raises(DataError, match="nowhere near Los Angeles"):
        ingest_file(tmp_path / "ny.geojson", store_dir=tmp_path / "store", kind="parks")
    true = gpd.GeoDataFrame({"name": ["Harvard Park"]}, geometry=[PARK_LONLAT], crs=4326).to_crs(2229)
    true.to_file(tmp_path / "feet.shp")  # US feet with their own .prj: reprojected and kept
    assert ingest_file(tmp_path / "feet.shp", store_dir=tmp_path / "store", kind="parks")["rows_kept"] == 1


@pytest.mark.parametrize(("folder", "source"), [("la_city_rap_boundaries", "file:parks.shp"),
                                                 ("lapd_divisions_latimes", "latimes_boundaries")])  # fmt: skip
def test_a_shapefile_is_named_by_its_source_not_by_having_a_prj(folder: str, source: str, tmp_path: Path) -> None:
    from geo.data.sources.places import load_vector

    (tmp_path / folder).mkdir()
    path = tmp_path / folder / "parks.shp"
    gpd.GeoDataFrame({"name": ["Harvard Park"]}, geometry=[PARK_LONLAT], crs=4326).to_file(path)
    assert set(load_vector(path, kind="parks").frame["source"]) == {source}


def test_3d_polygons_are_stored_flat(tmp_path: Path) -> None:
    from shapely import force_3d

    gdf = gpd.GeoDataFrame({"name": ["Harvard Park"]}, geometry=[force_3d(PARK_LONLAT, 12.5)], crs=4326)
    gdf.to_file(tmp_path / "parks3d.geojson")
    rep = ingest_file(tmp_path / "parks3d.geojson", store_dir=tmp_path / "store", kind="parks")
    stored = gpd.read_parquet(rep["output"])
    assert not stored.geometry.has_z.any()
    assert stored.geometry.iloc[0].equals(PARK_LONLAT)
