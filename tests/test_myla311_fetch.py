"""MyLA311 requests from the Socrata API through the fake HTTP layer: paging, SoQL, one dataset per year, failures
that leave the store as it was, and ``python -m geo fetch requests`` (no network).

The recorded pages (tests/fixtures/myla311_socrata_page*.json) are real-shaped: the API's lower-case field names,
ISO dates with milliseconds, coordinates as text and ``location`` as a GeoJSON point; fields the City left empty are
absent, as Socrata sends them. SR numbers and addresses are invented.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests

from geo.cli import main
from geo.core.errors import DataError, SourceError
from geo.core.schema import REQUEST_COLUMNS
from geo.core.settings import HttpSettings, ServiceSettings, Settings, SocrataSettings, SourceSettings
from geo.data import ingest
from geo.data.ingest import fetch_sources, read_quarantine, store_inventory
from geo.data.sources import myla311
from geo.data.sources._http import Client
from tests.store_helpers import store_snapshot

pytestmark = pytest.mark.usefixtures("offline")

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
BASE_URL = "https://data.example.org/resource"
D2024, D2025 = "rq24-aaaa", "rq25-bbbb"
LEGACY = "2nrs-mtv8"


def page(n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((FIXTURES / f"myla311_socrata_page{n}.json").read_text())
    return rows


def settings(store: Path, *, page_size: int = 3, datasets: dict[int, str] | None = None) -> Settings:
    return Settings(
        sources=SourceSettings(
            store_dir=store,
            socrata=SocrataSettings(base_url=BASE_URL, page_size=page_size),
            arcgis_layers={},
            http=HttpSettings(timeout_s=5, retries=2, backoff_s=1.0),
        ),
        services=ServiceSettings(requests_datasets={2024: D2024} if datasets is None else datasets),
    )


def params(req: requests.PreparedRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(req.url or "").query).items()}


def dataset_of(req: requests.PreparedRequest) -> str:
    return urlsplit(req.url or "").path.rsplit("/", 1)[-1].removesuffix(".json")


def fetch(
    store: Path,
    session: requests.Session,
    sleeps: list[float],
    *,
    cfg: Settings | None = None,
    since: str | None = "2024-01-01",
    until: dt.date = dt.date(2024, 1, 31),
) -> dict[str, Any]:
    """``fetch_sources(["requests"])`` through ``session``; the one report."""
    cfg = cfg or settings(store)
    (rep,) = fetch_sources(["requests"], settings=cfg, session=session, sleep=sleeps.append, since=since, until=until)
    return rep


def test_pages_until_a_short_page_and_sends_the_soql(tmp_path, fake_http, no_sleep) -> None:
    session, adapter = fake_http([page(1), page(2)])  # a full page of 3, then a short one of 2
    rep = fetch(tmp_path, session, no_sleep)
    assert len(adapter.requests) == 2
    first, second = (params(r) for r in adapter.requests)
    assert adapter.requests[0].url.startswith(f"{BASE_URL}/{D2024}.json?")
    assert (first["$limit"], first["$offset"], second["$offset"]) == ("3", "0", "3")
    assert first["$order"] == second["$order"] == "srnumber"
    assert first["$where"] == "createddate >= '2024-01-01T00:00:00' AND createddate < '2024-02-01T00:00:00'"
    assert second["$where"] == first["$where"]
    assert no_sleep == []
    # 5 rows: one with no coordinates at all, one repeated across the pages (the first is kept)
    assert (rep["layer"], rep["kind"], rep["table"], rep["source"]) == (
        "myla311_api",
        "myla311_api",
        "requests",
        "myla311_api",
    )
    assert (rep["rows_in"], rep["rows_kept"]) == (5, 3)
    assert rep["dropped"] == {"duplicate_id": 1, "no_coordinates": 1}
    assert (rep["date_from"], rep["date_to"]) == ("2024-01-15", "2024-01-17")
    assert rep["datasets"] == [D2024]
    assert rep["url_or_file"].startswith(f"{BASE_URL}/{D2024}.json?$where=createddate >= '2024-01-01T00:00:00'")
    gdf = pd.read_parquet(rep["output"])
    assert list(gdf.columns) == list(REQUEST_COLUMNS)
    assert gdf["request_id"].tolist() == ["la311:1-9900000101", "la311:1-9900000102", "la311:1-9900000104"]
    assert gdf["condition"].tolist() == ["streetlight", "dumping", "encampment"]
    assert gdf["status"].tolist() == ["closed", "open", "open"]  # Pending is open
    assert gdf["source"].unique().tolist() == ["myla311_api"]
    created = gdf["created_at"]
    assert str(created.dt.tz) == "America/Los_Angeles"
    assert created.dt.strftime("%Y-%m-%d %H:%M").tolist() == [
        "2024-01-15 10:23",
        "2024-01-15 11:48",
        "2024-01-17 16:31",
    ]
    assert gdf["closed_at"].iloc[0].strftime("%Y-%m-%d %H:%M") == "2024-01-22 14:02"
    assert gdf["closed_at"].iloc[1:].isna().all()  # no closeddate sent: still open
    assert gdf["address"].iloc[2] == "HARBOR EXAMPLE FWY AT 62ND ST, 90047"
    q = read_quarantine(tmp_path, "myla311_api")
    assert q[["source_row", "reason", "srnumber"]].values.tolist() == [
        [3, "no_coordinates", "1-9900000103"],
        [5, "duplicate_id", "1-9900000101"],
    ]
    assert q["address"].iloc[0] == "5900 S PLACEHOLDER BLVD, 90044"
    (inv,) = store_inventory(tmp_path)
    assert (inv["name"], inv["table"], inv["rows_kept"], inv["problems"]) == ("myla311_api", "requests", 3, [])


def test_api_coordinates_come_from_the_text_fields_not_the_geojson_point() -> None:
    rows = page(1)[:2]
    rows[1]["latitude"], rows[1]["longitude"] = "33.9701", "-118.2901"  # the point still says otherwise
    result = myla311.load_records(copy.deepcopy(rows), origin="recorded")
    gdf = result.frame
    assert gdf.geometry.x.tolist() == pytest.approx([-118.3071930018, -118.2901], abs=1e-9)
    assert gdf.geometry.y.tolist() == pytest.approx([33.9841207713, 33.9701], abs=1e-9)
    # a "(lat, lon)" text location (the CSV form) still fills in missing columns
    text = {**rows[0], "srnumber": "1-9900000199", "location": "(33.9812, -118.2807)"}
    del text["latitude"], text["longitude"]
    again = myla311.load_records([text], origin="recorded")
    assert (again.frame.geometry.x.iloc[0], again.frame.geometry.y.iloc[0]) == pytest.approx((-118.2807, 33.9812))


def test_an_api_row_with_only_its_geojson_point_is_placed_there() -> None:
    row = copy.deepcopy(page(2)[0])
    del row["latitude"], row["longitude"]
    result = myla311.load_records([row], origin="recorded")
    assert result.rows_kept == 1
    assert (result.frame.geometry.x.iloc[0], result.frame.geometry.y.iloc[0]) == pytest.approx(
        (-118.2806771505, 33.9812330468)
    )


def test_a_dropped_api_row_keeps_its_location_in_the_quarantine() -> None:
    row = copy.deepcopy(page(1)[0])
    row["latitude"], row["longitude"] = "0", "0"
    result = myla311.load_records([row], origin="recorded")
    assert result.dropped == {"zero_coordinates": 1}
    q = result.quarantine
    assert "location" in q.columns
    assert "-118.3071930018" in q["location"].iloc[0]


def test_api_rows_lacking_a_required_field_are_refused() -> None:
    rows = copy.deepcopy(page(1))
    for r in rows:
        del r["requesttype"]
    with pytest.raises(DataError, match=r"recorded: the API rows lack fields \['requesttype'\]"):
        myla311.load_records(rows, origin="recorded")


def test_one_dataset_per_year_across_a_year_boundary(tmp_path, fake_http, no_sleep) -> None:
    def rows_for(dataset: str) -> list[dict[str, Any]]:
        template = page(1)[0]
        day = {D2024: ["2024-12-30T21:04:51.000", "2024-12-31T23:58:10.000"], D2025: ["2025-01-02T08:00:03.000"]}
        return [
            {**template, "srnumber": f"1-99{dataset[2:4]}00000{i}", "createddate": d}
            for i, d in enumerate(day[dataset])
        ]

    session, adapter = fake_http(lambda req: rows_for(dataset_of(req)))
    s = settings(tmp_path, datasets={2023: "rq23-zzzz", 2024: D2024, 2025: D2025})
    rep = fetch(tmp_path, session, no_sleep, cfg=s, since="2024-12-30", until=dt.date(2025, 1, 2))
    assert [dataset_of(r) for r in adapter.requests] == [D2024, D2025]  # 2023 is not asked
    wheres = [params(r)["$where"] for r in adapter.requests]
    assert wheres == [
        "createddate >= '2024-12-30T00:00:00' AND createddate < '2025-01-01T00:00:00'",
        "createddate >= '2025-01-01T00:00:00' AND createddate < '2025-01-03T00:00:00'",
    ]
    assert all(params(r)["$offset"] == "0" for r in adapter.requests)  # each a short first page
    assert (rep["rows_in"], rep["rows_kept"], rep["dropped"]) == (3, 3, {})
    assert rep["datasets"] == [D2024, D2025]
    assert (rep["date_from"], rep["date_to"]) == ("2024-12-30", "2025-01-02")
    assert f"{D2024}.json?$where=" in rep["url_or_file"]
    assert f"{D2025}.json?$where=" in rep["url_or_file"]
    gdf = pd.read_parquet(rep["output"])
    assert gdf["created_at"].dt.year.tolist() == [2024, 2024, 2025]


def test_a_request_in_two_years_datasets_is_kept_once(fake_http, no_sleep) -> None:
    row = page(1)[0]
    session, _ = fake_http(lambda req: [row])
    client = Client(http=HttpSettings(retries=0), session=session, sleep=no_sleep.append)
    result = myla311.fetch_requests(
        client,
        base_url=BASE_URL + "/",
        datasets={2024: D2024, 2025: D2025},
        page_size=10,
        since=dt.date(2024, 12, 31),
        until=dt.date(2025, 1, 1),
    )
    assert (result.rows_in, result.rows_kept, result.dropped) == (2, 1, {"duplicate_id": 1})


def test_a_year_with_no_dataset_is_refused_before_any_request(tmp_path, fake_http, no_sleep) -> None:
    session, adapter = fake_http([])
    s = settings(tmp_path, datasets={2024: D2024})
    with pytest.raises(
        DataError, match=r"no MyLA311 dataset is configured for 2025 \(services\.requests_datasets"
    ) as e:
        fetch(tmp_path, session, no_sleep, cfg=s, since="2024-12-01", until=dt.date(2025, 2, 1))
    assert f"2024: {D2024}" in str(e.value)
    assert "nothing was written" in str(e.value)
    assert adapter.requests == []
    assert store_snapshot(tmp_path) == {}
    with pytest.raises(DataError, match=r"2020, 2021"):
        myla311.datasets_for({2024: D2024}, dt.date(2020, 6, 1), dt.date(2024, 1, 1))
    with pytest.raises(DataError, match=r"ends .* before it starts"):
        myla311.datasets_for({2024: D2024}, dt.date(2024, 6, 1), dt.date(2024, 1, 1))


def test_the_default_period_is_requests_days_before_the_end(tmp_path, fake_http, no_sleep) -> None:
    session, adapter = fake_http(lambda req: [])
    s = settings(tmp_path, datasets={2023: "rq23-zzzz", 2024: D2024})
    s = s.model_copy(update={"services": s.services.model_copy(update={"requests_days": 30})})
    rep = fetch(tmp_path, session, no_sleep, cfg=s, since=None, until=dt.date(2024, 1, 10))
    assert [dataset_of(r) for r in adapter.requests] == ["rq23-zzzz", D2024]
    assert params(adapter.requests[0])["$where"].startswith("createddate >= '2023-12-11T00:00:00'")
    assert params(adapter.requests[1])["$where"].endswith("createddate < '2024-01-11T00:00:00'")
    assert (rep["rows_in"], rep["rows_kept"], rep["date_from"]) == (0, 0, None)


FAILURES = [
    ((500, "Internal Server Error", {}), SourceError, "HTTP 500 after 3 attempt"),
    (requests.Timeout("slow"), SourceError, "no answer within 5 s after 3 attempt"),
    ({"error": True, "message": "No such column: createddate"}, SourceError, "refused the query: No such column"),
    ({"code": "query.soql.no-such-column"}, SourceError, "expected a JSON list of rows, got dict"),
    (b'[{"srnumber": "1-9900000101", "createddate": "2024-01', SourceError, "not valid JSON"),
    ([{"srnumber": "1-9900000105", "createddate": "2024-01-20T09:00:00.000"}], DataError, "lack fields"),
]


@pytest.mark.parametrize(("reply", "error", "match"), FAILURES, ids=[f[2].split()[0] for f in FAILURES])
def test_a_failed_fetch_keeps_the_previous_layer(tmp_path, fake_http, no_sleep, reply, error, match) -> None:
    good, _ = fake_http([page(1), page(2)])
    before = fetch(tmp_path, good, no_sleep)
    files = store_snapshot(tmp_path)
    bad, _ = fake_http(lambda req: reply)
    with pytest.raises(error, match=match) as e:
        fetch(tmp_path, bad, no_sleep)
    assert "the store is unchanged (layer myla311_api from" in str(e.value)
    assert store_snapshot(tmp_path) == files
    (inv,) = store_inventory(tmp_path)
    assert (inv["version"], inv["rows_kept"]) == (before["version"], 3)


def test_a_failure_on_the_second_page_or_dataset_writes_nothing(tmp_path, fake_http, no_sleep) -> None:
    session, adapter = fake_http([page(1), (503, "busy", {}), (503, "busy", {}), (503, "busy", {})])
    with pytest.raises(SourceError, match=rf"{D2024}: HTTP 503 after 3 attempt.*nothing was written"):
        fetch(tmp_path, session, no_sleep)
    assert no_sleep == [1.0, 2.0]
    assert len(adapter.requests) == 4
    assert store_snapshot(tmp_path) == {}

    def route(req: requests.PreparedRequest) -> Any:
        return page(2)[:1] if dataset_of(req) == D2024 else requests.ConnectionError("down")

    session, _ = fake_http(route)
    s = settings(tmp_path, datasets={2024: D2024, 2025: D2025})
    with pytest.raises(SourceError, match=rf"{D2025}: cannot connect"):
        fetch(tmp_path, session, no_sleep, cfg=s, since="2024-12-01", until=dt.date(2025, 1, 5))
    assert store_snapshot(tmp_path) == {}


def test_requests_failing_beside_another_source_writes_neither(tmp_path, fake_http, no_sleep) -> None:
    legacy = json.loads((FIXTURES / "socrata_legacy_page.json").read_text())[:2]
    session, adapter = fake_http(lambda req: legacy if dataset_of(req) == LEGACY else (500, "oops", {}))
    with pytest.raises(SourceError, match="HTTP 500"):
        fetch_sources(
            ["legacy", "requests"],
            settings=settings(tmp_path),
            session=session,
            sleep=no_sleep.append,
            since="2024-01-01",
            until=dt.date(2024, 1, 31),
        )
    assert dataset_of(adapter.requests[0]) == LEGACY
    assert store_snapshot(tmp_path) == {}


def test_an_empty_answer_does_not_replace_a_layer(tmp_path, fake_http, no_sleep) -> None:
    good, _ = fake_http([page(1), page(2)])
    fetch(tmp_path, good, no_sleep)
    files = store_snapshot(tmp_path)
    empty, _ = fake_http(lambda req: [])
    with pytest.raises(SourceError, match="requests: the source returned no rows; the store is unchanged"):
        fetch(tmp_path, empty, no_sleep)
    assert store_snapshot(tmp_path) == files


# --- python -m geo fetch requests --------------------------------------------------------------------------------


def write_config(tmp_path: Path, *, datasets: str, data_to: str) -> Path:
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        f"sources:\n  incidents: {ROOT}/data/demo/incidents.parquet\n  places: {ROOT}/data/demo/places.geojson\n"
        f"  streets: {ROOT}/data/demo/streets.geojson\n  store_dir: {tmp_path / 'store'}\n"
        f"  socrata: {{base_url: '{BASE_URL}', page_size: 3}}\n  http: {{retries: 0, timeout_s: 2}}\n"
        f"analysis:\n  data_to: {data_to}\nservices:\n  requests_datasets: {datasets}\n"
    )
    return cfg


@pytest.fixture
def cli_session(
    fake_http: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> Callable[[Any], tuple[requests.Session, Any]]:
    """Make ``fetch_sources`` (as the CLI calls it, with no session) use a fake session."""

    def use(replies: Any) -> tuple[requests.Session, Any]:
        session, adapter = fake_http(replies)
        monkeypatch.setattr(ingest, "make_session", lambda http, app_token=None: session)
        return session, adapter

    return use


@pytest.mark.usefixtures("fresh_settings")
def test_cli_fetch_requests(tmp_path: Path, cli_session, capsys: pytest.CaptureFixture[str]) -> None:
    _, adapter = cli_session([page(1), page(2)])
    cfg = write_config(tmp_path, datasets=f"{{2024: {D2024}}}", data_to="2024-01-31")
    assert main(["--config", str(cfg), "fetch", "requests", "--since", "2024-01-10", "--quiet"]) == 0
    out, err = capsys.readouterr()
    (rep,) = json.loads(out)
    assert err == ""
    assert (rep["layer"], rep["kind"], rep["rows_in"], rep["rows_kept"]) == ("myla311_api", "myla311_api", 5, 3)
    assert (rep["date_from"], rep["date_to"]) == ("2024-01-15", "2024-01-17")
    assert params(adapter.requests[0])["$where"] == (
        "createddate >= '2024-01-10T00:00:00' AND createddate < '2024-02-01T00:00:00'"
    )
    assert main(["--config", str(cfg), "info"]) == 0
    (layer,) = json.loads(capsys.readouterr().out)["layers"]
    assert (layer["name"], layer["table"], layer["rows_kept"]) == ("myla311_api", "requests", 3)


@pytest.mark.usefixtures("fresh_settings")
def test_cli_fetch_requests_for_an_unconfigured_year(
    tmp_path: Path, cli_session, capsys: pytest.CaptureFixture[str]
) -> None:
    _, adapter = cli_session([])
    cfg = write_config(tmp_path, datasets=f"{{2024: {D2024}}}", data_to="2026-03-01")
    assert main(["--config", str(cfg), "fetch", "requests", "--since", "2025-11-01", "--quiet"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "no MyLA311 dataset is configured for 2025, 2026" in err
    assert "services.requests_datasets" in err
    assert adapter.requests == []
    assert not (tmp_path / "store").exists()
