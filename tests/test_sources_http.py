"""Socrata and ArcGIS through a fake HTTP layer: paging, retries, timeouts, 500s, truncated JSON (no network)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests

from geo.core.errors import DataError, SourceError
from geo.core.schema import TZ
from geo.core.settings import HttpSettings, Settings, SocrataSettings, SourceSettings
from geo.data.ingest import fetch_sources, store_inventory
from geo.data.sources import arcgis, socrata
from geo.data.sources._http import Client
from tests.store_helpers import store_snapshot

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAYER_URL = "https://services.example.com/arcgis/rest/services/LAPD_Division/FeatureServer/0"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def settings(store: Path, *, page_size: int = 3, token: str | None = None) -> Settings:
    return Settings(
        sources=SourceSettings(
            store_dir=store,
            socrata=SocrataSettings(page_size=page_size, app_token=token),
            arcgis_layers={"divisions": LAYER_URL},
            http=HttpSettings(timeout_s=5, retries=2, backoff_s=1.0),
        )
    )


def params(req: requests.PreparedRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(req.url or "").query).items()}


def test_legacy_paging_stops_at_short_page_and_sends_soql(tmp_path, fake_http, no_sleep) -> None:
    page = fixture("socrata_legacy_page.json")
    session, adapter = fake_http([page, page[:1]])  # full page of 3, then a short last page
    # second page repeats the first row: a duplicate id across pages is accounted for too
    out = fetch_sources(
        ["legacy"],
        settings=settings(tmp_path, token="secret"),
        session=session,
        sleep=no_sleep.append,
        since="2023-01-01",
    )
    assert len(adapter.requests) == 2
    first = params(adapter.requests[0])
    assert first["$limit"] == "3"
    assert first["$offset"] == "0"
    assert params(adapter.requests[1])["$offset"] == "3"
    assert first["$order"] == "dr_no"
    assert "crm_cd in('110', '113'" in first["$where"]
    assert "date_occ >= '2023-01-01T00:00:00'" in first["$where"]
    assert adapter.requests[0].headers["X-App-Token"] == "secret"
    rep = out[0]
    assert (rep["rows_in"], rep["rows_kept"]) == (4, 2)
    assert rep["dropped"] == {"duplicate_id": 1, "zero_coordinates": 1}
    assert rep["series_break"] == "2024-03-07"
    gdf = pd.read_parquet(rep["output"])
    assert gdf["incident_id"].tolist() == ["lapd:231204518", "lapd:231212345"]
    assert gdf["area"].tolist() == ["12", "12"]
    assert gdf["address_block"].iloc[0] == "6200 S WESTERN AV"
    assert pd.Timestamp(gdf["occurred_at"].iloc[0]) == pd.Timestamp("2023-02-01 21:45", tz=TZ)
    assert pd.isna(gdf["victim_age"].iloc[1])
    assert no_sleep == []


def test_nibrs_dedupes_by_caseno_keeping_the_homicide(tmp_path, fake_http, no_sleep) -> None:
    session, _ = fake_http([fixture("socrata_nibrs_page.json")])
    rep = fetch_sources(["nibrs"], settings=settings(tmp_path, page_size=10), session=session, sleep=no_sleep.append)[0]
    assert rep["dropped"] == {"duplicate_id": 1, "date_out_of_range": 1}
    gdf = pd.read_parquet(rep["output"])
    assert gdf["incident_id"].tolist() == ["nibrs:240100001", "nibrs:240100002"]
    assert gdf["category"].tolist() == ["homicide", "robbery"]
    assert gdf["offense_code"].iloc[0] == "09A"
    inv = store_inventory(tmp_path)
    assert inv[0]["series_break"] == "2024-03-07"
    assert inv[0]["source"] == "lapd_nibrs_api"


def test_retries_with_backoff_then_succeeds(tmp_path, fake_http, no_sleep) -> None:
    page = fixture("socrata_legacy_page.json")[:2]
    replies = [requests.Timeout("slow"), (503, "busy", {}), (429, "", {"Retry-After": "7"}), page]
    session, adapter = fake_http(replies)
    s = settings(tmp_path)
    s = s.model_copy(update={"sources": s.sources.model_copy(update={"http": HttpSettings(retries=3, backoff_s=0.5)})})
    rep = fetch_sources(["legacy"], settings=s, session=session, sleep=no_sleep.append)[0]
    assert rep["rows_kept"] == 2
    assert len(adapter.requests) == 4
    assert no_sleep == [0.5, 1.0, 7.0]


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        (requests.Timeout("slow"), "no answer within 5 s after 3 attempt"),
        (requests.ConnectionError("offline"), "are you offline"),
        ((500, "oops", {}), "HTTP 500 after 3 attempt"),
        (b'[{"dr_no": "231204518", "date_occ": "2023-02', "not valid JSON"),
        ({"error": True, "message": "Unrecognized function"}, "refused the query"),
    ],
)
def test_failed_fetch_leaves_the_previous_store_intact(tmp_path, fake_http, no_sleep, reply, match) -> None:
    good, _ = fake_http([fixture("socrata_legacy_page.json")[:2]])
    before = fetch_sources(["legacy"], settings=settings(tmp_path), session=good, sleep=no_sleep.append)[0]
    data_before = Path(before["output"]).read_bytes()
    files_before = store_snapshot(tmp_path)
    bad, _ = fake_http(lambda req: reply)
    with pytest.raises((SourceError, DataError), match=match) as info:
        fetch_sources(["legacy"], settings=settings(tmp_path), session=bad, sleep=no_sleep.append)
    assert "store is unchanged" in str(info.value)
    assert Path(before["output"]).read_bytes() == data_before
    assert store_snapshot(tmp_path) == files_before


def test_first_fetch_offline_writes_nothing(tmp_path, fake_http, no_sleep) -> None:
    bad, _ = fake_http(lambda req: requests.ConnectionError("no route"))
    with pytest.raises(SourceError, match="nothing was written"):
        fetch_sources(None, settings=settings(tmp_path), session=bad, sleep=no_sleep.append)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_client_does_not_retry_a_404(fake_http, no_sleep) -> None:
    session, adapter = fake_http([(404, "no such dataset", {})])
    client = Client(http=HttpSettings(retries=3), session=session, sleep=no_sleep.append)
    with pytest.raises(SourceError, match="HTTP 404"):
        client.get_json("https://data.example/resource/x.json")
    assert len(adapter.requests) == 1


def test_where_clause_quotes_and_dates() -> None:
    w = socrata.where_clause(
        code_field="crm_cd",
        codes=["110", "x'y"],
        date_field="date_occ",
        since=dt.date(2020, 1, 1),
        until=dt.date(2020, 12, 31),
    )
    assert w == "crm_cd in('110', 'x''y') AND date_occ >= '2020-01-01T00:00:00' AND date_occ < '2021-01-01T00:00:00'"


def test_arcgis_pages_with_result_offset_and_repairs(tmp_path, fake_http, no_sleep) -> None:
    session, adapter = fake_http([fixture("arcgis_divisions_page1.geojson"), fixture("arcgis_divisions_page2.geojson")])
    rep = fetch_sources(["divisions"], settings=settings(tmp_path), session=session, sleep=no_sleep.append)[0]
    assert [params(r)["resultOffset"] for r in adapter.requests] == ["0", "2"]
    assert params(adapter.requests[0])["f"] == "geojson"
    assert adapter.requests[0].url.startswith(LAYER_URL + "/query?")
    assert (rep["kind"], rep["rows_in"], rep["rows_kept"], rep["repaired_geometries"]) == ("divisions", 3, 3, 1)
    gdf = pd.read_parquet(rep["output"])
    assert gdf["zone_key"].tolist() == ["12", "18", "3"]
    assert gdf["name"].tolist() == ["77th Street", "Southeast", "Southwest"]


def test_arcgis_error_object_and_truncated_page(fake_http, no_sleep) -> None:
    session, _ = fake_http([{"error": {"code": 400, "message": "Invalid query parameters"}}])
    client = Client(http=HttpSettings(retries=0), session=session, sleep=no_sleep.append)
    with pytest.raises(SourceError, match="ArcGIS error 400"):
        arcgis.fetch_layer(client, LAYER_URL, name="divisions")
    session, _ = fake_http([fixture("arcgis_divisions_page1.geojson"), b'{"type": "FeatureCollection", "feat'])
    client = Client(http=HttpSettings(retries=0), session=session, sleep=no_sleep.append)
    with pytest.raises(SourceError, match="not valid JSON"):
        arcgis.fetch_layer(client, LAYER_URL, name="divisions")


def test_unknown_source_is_refused(tmp_path) -> None:
    with pytest.raises(DataError, match="unknown source"):
        fetch_sources(["crimes"], settings=settings(tmp_path))
