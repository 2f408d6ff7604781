"""The services registry and the City's service requests on the team's PostGIS store: ingested, read back the same
as from the store folder (a line to call with no place, a route, an area; request times to the second), edited and
saved as a new version, with the no-demo-beside-real-data rule."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geo.core.settings import Settings, SourceSettings
from geo.data import services as svc
from geo.data.ingest import ingest_file, write_layer
from geo.data.sources import LoadResult
from geo.data.stores import open_store

pytestmark = pytest.mark.postgis
ROOT = Path(__file__).resolve().parents[1]
DEMO_SERVICES = ROOT / "data" / "demo" / "services.geojson"
DEMO_REQUESTS = ROOT / "data" / "demo" / "requests.parquet"


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for col in a.columns:
        if col == "geometry":
            assert [g is None or g.is_empty for g in a.geometry] == [g is None or g.is_empty for g in b.geometry]
            pairs = [(x, y) for x, y in zip(a.geometry, b.geometry, strict=True) if x is not None and not x.is_empty]
            assert all(x.equals_exact(y, 1e-7) for x, y in pairs)
        else:
            pd.testing.assert_series_equal(a[col].reset_index(drop=True), b[col].reset_index(drop=True),
                                           check_names=False)  # fmt: skip


def test_the_registry_on_postgis_reads_back_as_on_disk_and_an_edit_is_a_new_version(
    pg_url: str, tmp_path: Path
) -> None:
    on_pg = ingest_file(DEMO_SERVICES, store_dir=pg_url, name="services")
    on_disk = ingest_file(DEMO_SERVICES, store_dir=tmp_path / "store", name="services")
    assert on_pg["rows_kept"] == on_disk["rows_kept"] == 7
    pg = svc.registry(pg_url, "services", None, beside_synthetic=False)
    disk = svc.registry(tmp_path / "store", "services", None, beside_synthetic=False)
    _same(pg.frame, disk.frame)
    assert pg.demo is True  # the example entries stay examples wherever they are kept
    assert sorted(pg.frame.geometry.geom_type.fillna("none").unique()) == ["LineString", "Point", "Polygon", "none"]
    rows = svc.editor_rows(pg.frame)
    rows.loc[rows["service_id"] == "988", "hours"] = "Every hour of every day"
    after, set_aside = svc.edited(pg.frame, rows)
    assert set_aside.empty
    before_version = open_store(pg_url).report("services")["version"]
    svc.save_registry(Settings(sources=SourceSettings(store=pg_url)), after, origin="test")
    again = svc.registry(pg_url, "services", None, beside_synthetic=False)
    assert open_store(pg_url).report("services")["version"] != before_version
    assert again.frame.set_index("service_id").loc["988", "hours"] == "Every hour of every day"
    assert [c.action for c in svc.changes(pg.frame, again.frame)] == ["changed"]


def test_real_requests_on_postgis_keep_their_seconds_and_stand_beside_real_data(pg_url: str) -> None:
    real = gpd.read_parquet(DEMO_REQUESTS).assign(synthetic=False).head(50)
    real["created_at"] = real["created_at"] + pd.to_timedelta(range(50), unit="s")
    result = LoadResult(kind="myla311", table="requests", source="myla311_csv", origin="t.csv", frame=real,
                        quarantine=pd.DataFrame({"source_row": pd.array([], dtype="Int64"), "reason": []}),
                        rows_in=50, dropped={})  # fmt: skip
    write_layer(result, pg_url, name="myla311-test")
    shown = svc.requests_layer(pg_url, DEMO_REQUESTS, beside_synthetic=False)
    assert shown.demo is False
    assert len(shown.frame) == 50
    pd.testing.assert_series_equal(shown.frame["created_at"].reset_index(drop=True),
                                   real["created_at"].reset_index(drop=True), check_names=False)  # fmt: skip
    assert shown.frame["closed_at"].isna().sum() == real["closed_at"].isna().sum()
