"""Park polygons from the City of LA ArcGIS layer and OpenStreetMap (osmnx), from recorded answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest

from geo.core.errors import DataError, SourceError
from geo.core.settings import HttpSettings, Settings, SourceSettings
from geo.data.ingest import fetch_sources
from geo.data.sources import parks

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LARAP_URL = "https://services.example.com/arcgis/rest/services/LARAP_Parks_040220/FeatureServer/0"


def osm_answer() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(FIXTURES / "osm_parks_harvard.geojson")
    return gdf.set_index(["element", "id"])


def test_larap_layer_is_fetched_as_city_park_polygons(tmp_path: Path, fake_http: Any, no_sleep: list[float]) -> None:
    page = json.loads((FIXTURES / "arcgis_larap_parks_page1.geojson").read_text())
    session, adapter = fake_http([page])
    cfg = Settings(
        sources=SourceSettings(store_dir=tmp_path, arcgis_layers={"larap_parks": LARAP_URL}, http=HttpSettings())
    )
    rep = fetch_sources(["larap_parks"], settings=cfg, session=session, sleep=no_sleep.append)[0]
    assert len(adapter.requests) == 1
    assert (rep["kind"], rep["source"], rep["rows_kept"]) == ("parks", "larap", len(page["features"]))
    frame = gpd.read_parquet(rep["output"])
    assert frame["name"].tolist() == [f["properties"]["Name"] for f in page["features"]]
    assert set(frame.geom_type) == {"Polygon"}
    assert frame["place_id"].tolist() == [f"park:{f['properties']['Park_ID']}" for f in page["features"]]


def test_larap_features_from_a_recording() -> None:
    page = json.loads((FIXTURES / "arcgis_larap_parks_page1.geojson").read_text())
    result = parks.from_larap_features(page["features"], origin="recorded")
    assert (result.source, result.rows_kept) == ("larap", 3)
    with pytest.raises(SourceError, match="no features"):
        parks.from_larap_features([], origin="recorded")


def test_osm_parks_keep_polygons_only_with_osm_ids() -> None:
    calls: list[tuple[Any, ...]] = []

    def fake_features(center: tuple[float, float], *, tags: dict[str, Any], dist: float) -> gpd.GeoDataFrame:
        calls.append((center, tags, dist))
        return osm_answer()

    result = parks.fetch_osm_parks(33.984, -118.305, 1500, features_from_point=fake_features)
    assert calls == [((33.984, -118.305), {"leisure": "park"}, 1500)]
    answer = osm_answer().reset_index()
    areal = answer[answer.geom_type.isin(["Polygon", "MultiPolygon"])]
    assert result.rows_kept == len(areal)
    assert result.dropped == {"not_a_polygon": len(answer) - len(areal)}
    frame = result.frame
    assert frame["place_id"].tolist() == [
        f"park:osm-{e}-{i}" for e, i in zip(areal["element"], areal["id"], strict=True)
    ]
    assert frame["source"].unique().tolist() == ["osm"]
    assert frame["name"].tolist()[-1] == f"OSM park {areal['id'].iloc[-1]}"  # unnamed relation


def test_osm_failures_are_one_clear_error() -> None:
    def offline(*args: Any, **kwargs: Any) -> gpd.GeoDataFrame:
        raise ConnectionError("Overpass unreachable")

    with pytest.raises(SourceError, match="Overpass unreachable"):
        parks.fetch_osm_parks(33.98, -118.3, 500, features_from_point=offline)
    with pytest.raises(DataError, match="latitude"):
        parks.fetch_osm_parks(133.98, -118.3, 500, features_from_point=offline)
    with pytest.raises(DataError, match="osmnx features"):
        parks.from_osm_features(osm_answer().reset_index(drop=True), origin="x")


def test_cli_writes_the_osm_layer_and_keeps_an_existing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    import osmnx

    from geo.cli import main

    asked: list[tuple[Any, ...]] = []

    def recorded(center: tuple[float, float], *, tags: dict[str, Any], dist: float) -> gpd.GeoDataFrame:
        asked.append((center, dist))
        return osm_answer()

    monkeypatch.setattr(osmnx, "features_from_point", recorded)
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    assert main(["osm-parks", "--lat", "33.984", "--lon", "-118.305", "--dist", "800"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert asked == [((33.984, -118.305), 800.0)]
    assert (out["layer"], out["source"], out["rows_kept"]) == ("parks-osm", "osm", 3)
    assert gpd.read_parquet(out["output"])["place_id"].str.startswith("park:osm-").all()
    assert main(["osm-parks"]) == 2
    assert "--replace" in capsys.readouterr().err
    assert len(asked) == 1  # refused before asking OpenStreetMap again
