"""The services registry and the City's service requests, unit by unit: the loader's accounting (every reason a row
is set aside), CSV (lat/lon, WKT, Windows-1252) and GeoJSON, detection and ingest into a store, the rule that the
demo's examples stand only beside the demo's synthetic incidents, distances near a place and along a route (measured
independently in EPSG:32611), seasons, the editor's changes, the Spanish texts, and the conditions' figures.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from geo.analysis import conditions
from geo.core.errors import AnalysisError, DataError
from geo.core.schema import REQUEST_DTYPES, SERVICE_COLUMNS, TZ
from geo.core.settings import Settings, SourceSettings
from geo.data import services as svc
from geo.data.ingest import ingest_file, write_layer
from geo.data.sources._accounting import LoadResult
from geo.data.sources.detect import detect_kind
from geo.data.sources.services import MAX_CHARS, check_services, load_services, looks_like

ROOT = Path(__file__).resolve().parents[1]
DEMO_SERVICES = ROOT / "data" / "demo" / "services.geojson"
DEMO_REQUESTS = ROOT / "data" / "demo" / "requests.parquet"
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32611", always_xy=True)
TO_LL = Transformer.from_crs("EPSG:32611", "EPSG:4326", always_xy=True)
LAT, LON = 33.98, -118.30
"""Near Harvard Park, South LA."""
HEADER = ["service_id", "kind", "name", "name_es", "contact", "hours", "hours_es", "season_from", "season_to", "url"]


def _row(sid: str, kind: str = "youth", **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "service_id": sid, "kind": kind, "name": f"Service {sid}", "name_es": "", "contact": "323-555-0100",
        "hours": "Mon-Fri 9-5", "hours_es": "", "season_from": "", "season_to": "", "url": "",
        "lat": str(LAT), "lon": str(LON),
    }  # fmt: skip
    base.update(kw)
    return base


def _east(metres: float, north: float = 0.0) -> shapely.Point:
    """The point ``metres`` east (and ``north``) of (LAT, LON), measured in EPSG:32611."""
    x, y = TO_UTM.transform(LON, LAT)
    return shapely.Point(*TO_LL.transform(x + metres, y + north))


def _round6(p: shapely.Point) -> shapely.Point:
    """``p`` to the editor's precision (6 decimals of a degree, about 0.1 m)."""
    return shapely.Point(round(p.x, 6), round(p.y, 6))


def _registry(rows: list[dict[str, object]], geoms: list[object]) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows).drop(columns=["lat", "lon"], errors="ignore")
    return check_services(gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326"), origin="test").frame


# --- the loader: every row accounted for, each reason -------------------------------------------------------


BAD_ROWS = {
    "missing_id": _row(""),
    "unknown_kind": _row("k", kind="barbecue"),
    "missing_name": _row("n", name=""),
    "missing_contact": _row("c", contact=""),
    "bad_season": _row("s", season_from="6-25", season_to="08-15"),
    "bad_url": _row("u", url="javascript:alert(1)"),
    "too_long": _row("l", hours="x" * 201),
    "no_geometry": _row("g", lat="", lon=""),
    "outside_la_county": _row("o", lat="40.7", lon="-74.0"),
    "duplicate_id": _row("good"),
}


def test_every_row_is_kept_or_set_aside_with_its_reason() -> None:
    rows = [_row("good"), *BAD_ROWS.values(), _row("half-season", season_from="06-25")]
    result = check_services(pd.DataFrame(rows), origin="test.csv")
    assert result.rows_in == len(rows) == result.rows_kept + sum(result.dropped.values())
    assert list(result.frame["service_id"]) == ["good"]
    assert result.dropped == {**dict.fromkeys(BAD_ROWS, 1), "bad_season": 2}
    q = result.quarantine
    assert list(q.columns[:2]) == ["source_row", "reason"]
    assert len(q) == len(rows) - 1
    # each bad row is quarantined under its own reason, at its own row number (1-based)
    by_row = dict(zip(q["source_row"].astype(int), q["reason"], strict=True))
    for n, reason in enumerate(BAD_ROWS, start=2):
        assert by_row[n] == reason, (n, reason)
    assert by_row[len(rows)] == "bad_season", "a season needs both ends"
    assert list(result.frame.columns) == list(SERVICE_COLUMNS)
    assert result.frame.crs.to_epsg() == 4326


def test_a_route_must_be_a_line_and_lines_to_call_need_no_place() -> None:
    frame = pd.DataFrame(
        [
            _row("route-ok", kind="safe_passage", lat="", lon="", wkt=f"LINESTRING ({LON} {LAT}, {LON + 0.01} {LAT})"),
            _row("route-point", kind="safe_passage", lat="", lon="", wkt=f"POINT ({LON} {LAT})"),
            _row("988", kind="crisis_line", lat="", lon="", wkt=""),
            _row("calvcb", kind="compensation", lat="", lon="", wkt=""),
            _row("broken", lat="", lon="", wkt="POLYGON ((nonsense"),
            _row("label", kind="Park programme", wkt=""),
        ]
    )
    result = check_services(frame, origin="t")
    assert list(result.frame["service_id"]) == ["route-ok", "988", "calvcb", "label"]
    kinds = dict(zip(result.frame["service_id"], result.frame["kind"], strict=True))
    assert kinds["label"] == "park_programme", "the label people read is stored as the kind"
    assert result.frame.geometry.iloc[1] is None
    assert dict(zip(result.quarantine["service_id"], result.quarantine["reason"], strict=True)) == {
        "route-point": "bad_geometry",
        "broken": "bad_geometry",
    }


def test_every_kind_may_be_given_as_its_label() -> None:
    from geo.core.i18n import t
    from geo.core.schema import SERVICE_KINDS

    line = f"LINESTRING ({LON} {LAT}, {LON + 0.01} {LAT})"
    rows = [_row(k, kind=t(f"services.kind.{k}", "en"), lat="", lon="", wkt=line) for k in SERVICE_KINDS]
    result = check_services(pd.DataFrame(rows), origin="t")
    assert result.dropped == {}
    assert list(result.frame["kind"]) == list(SERVICE_KINDS)


def _write_csv(path: Path, rows: list[dict[str, object]], *, encoding: str = "utf-8") -> Path:
    pd.DataFrame(rows).to_csv(path, index=False, encoding=encoding)
    return path


def test_csv_with_lat_lon_and_wkt(tmp_path: Path) -> None:
    rows = [
        _row("pt"),
        {**_row("area", kind="intervention", lat="", lon=""),
         "wkt": f"POLYGON (({LON} {LAT}, {LON + 0.01} {LAT}, {LON + 0.01} {LAT + 0.01}, {LON} {LAT}))"},
        _row("bad-lat", lat="north", lon="-118.3"),
    ]  # fmt: skip
    result = load_services(_write_csv(tmp_path / "reg.csv", rows))
    assert result.rows_in == 3
    assert list(result.frame["service_id"]) == ["pt", "area"]
    assert result.frame.geometry.iloc[0].equals(shapely.Point(LON, LAT))
    assert result.frame.geometry.iloc[1].geom_type == "Polygon"
    assert result.dropped == {"bad_geometry": 1}
    assert not result.frame["sample"].any()


def test_a_windows_1252_csv_keeps_its_accents(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "reg.csv", [_row("es", name_es="Programa de verano en el parque", hours_es="Lun–Vie")],
                      encoding="cp1252")  # fmt: skip
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    path.write_bytes(raw.replace(b"Programa", "Programación".encode("cp1252")))
    result = load_services(path)
    assert result.frame["name_es"].iloc[0].startswith("Programación")
    assert result.frame["hours_es"].iloc[0] == "Lun–Vie"


def test_geojson_registry_and_a_csv_that_is_not_one(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(
        pd.DataFrame([_row("a"), _row("b", kind="nope")]).drop(columns=["lat", "lon"]),
        geometry=[_east(100), _east(200)],
        crs="EPSG:4326",
    ).to_crs("EPSG:32611")  # a GeoJSON reprojected on read: the loader returns EPSG:4326
    path = tmp_path / "reg.geojson"
    gdf.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    result = load_services(path)
    assert list(result.frame["service_id"]) == ["a"]
    assert result.dropped == {"unknown_kind": 1}
    assert result.frame.geometry.iloc[0].distance(_east(100)) < 1e-7
    projected = check_services(gdf, origin="t").frame
    assert projected.crs.to_epsg() == 4326
    assert projected.geometry.iloc[0].distance(_east(100)) < 1e-7, "a projected frame is brought back to degrees"
    other = _write_csv(tmp_path / "x.csv", [{"id": "1", "name": "n"}])
    with pytest.raises(DataError, match="not a services registry"):
        load_services(other)
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match="header but no services"):
        load_services(empty)


def test_looks_like_needs_an_id_a_kind_a_name_and_a_contact() -> None:
    assert looks_like({"serviceid", "kind", "name", "contact"})
    assert looks_like({"id", "kind", "name", "contact", "lat", "lon"})
    assert not looks_like({"serviceid", "kind", "name"})
    assert not looks_like({"kind", "name", "contact"})


def test_detect_kind_and_ingest_write_the_configured_layer(tmp_path: Path) -> None:
    csv = _write_csv(tmp_path / "partnership.csv", [_row("a"), _row("b", kind="crisis_line", lat="", lon="")])
    geojson = tmp_path / "partnership.geojson"
    gpd.GeoDataFrame(pd.DataFrame([_row("c")]).drop(columns=["lat", "lon"]), geometry=[_east(0)],
                     crs="EPSG:4326").to_file(geojson, driver="GeoJSON")  # fmt: skip
    assert detect_kind(csv) == "services"
    assert detect_kind(geojson) == "services"
    store = tmp_path / "store"
    report = ingest_file(csv, store_dir=store)
    assert report["layer"] == "services"
    assert report["table"] == "services"
    assert report["rows_kept"] == 2
    shown = svc.registry(store, "services", DEMO_SERVICES, beside_synthetic=True)
    assert shown.demo is False, "the store's registry, not the demo's examples"
    assert sorted(shown.frame["service_id"]) == ["a", "b"]
    assert "services" in shown.origin
    real = svc.registry(store, "services", DEMO_SERVICES, beside_synthetic=False)
    assert sorted(real.frame["service_id"]) == ["a", "b"], "a real registry is shown beside real incidents"


# --- no demo beside real data ---------------------------------------------------------------------------------


def test_the_demo_registry_only_beside_synthetic_incidents(tmp_path: Path) -> None:
    store = tmp_path / "store"
    shown = svc.registry(store, "services", DEMO_SERVICES, beside_synthetic=True)
    assert shown.demo is True
    assert "988" in set(shown.frame["service_id"])
    with pytest.raises(svc.NothingToShow, match="shown only beside the demo's synthetic incidents") as refused:
        svc.registry(store, "services", DEMO_SERVICES, beside_synthetic=False)
    assert refused.value.demo_refused is True
    with pytest.raises(svc.NothingToShow, match="no services are registered") as none:
        svc.registry(store, "services", None, beside_synthetic=True)
    assert none.value.demo_refused is False


def _requests(n: int = 3, *, synthetic: bool = False) -> gpd.GeoDataFrame:
    created = pd.Series(pd.date_range("2024-03-01 08:00", periods=n, freq="D", tz=TZ))
    frame = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(n)],
            "source": "myla311_csv",
            "created_at": created,
            "closed_at": created + pd.Timedelta(days=2),
            "request_type": "Graffiti Removal",
            "condition": "graffiti",
            "status": "closed",
            "address": "1 Main St",
            "synthetic": synthetic,
        }
    ).astype(dict(REQUEST_DTYPES))
    return gpd.GeoDataFrame(frame, geometry=[_east(50.0 * i) for i in range(n)], crs="EPSG:4326")


def test_the_demo_requests_only_beside_synthetic_incidents_and_the_store_layer_beside_real(tmp_path: Path) -> None:
    store = tmp_path / "store"
    shown = svc.requests_layer(store, DEMO_REQUESTS, beside_synthetic=True)
    assert shown.demo is True
    assert bool(shown.frame["synthetic"].all())
    with pytest.raises(svc.NothingToShow, match="shown only beside") as refused:
        svc.requests_layer(store, DEMO_REQUESTS, beside_synthetic=False)
    assert refused.value.demo_refused is True
    frame = _requests(3)
    result = LoadResult(kind="myla311", table="requests", source="myla311_csv", origin="t.csv", frame=frame,
                        quarantine=pd.DataFrame({"source_row": [], "reason": []}), rows_in=3, dropped={})  # fmt: skip
    write_layer(result, store, name="myla311-2024", fetched_at=dt.datetime(2024, 4, 1, tzinfo=dt.UTC))
    newer = _requests(5)
    write_layer(dataclass_replace(result, frame=newer, rows_in=5), store, name="myla311-2025",
                fetched_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC))  # fmt: skip
    real = svc.requests_layer(store, DEMO_REQUESTS, beside_synthetic=False)
    assert real.demo is False
    assert len(real.frame) == 5, "the most recently fetched requests layer"
    assert "myla311-2025" in real.origin
    assert not bool(real.frame["synthetic"].any())


def dataclass_replace(result: LoadResult, **kw: object) -> LoadResult:
    import dataclasses

    return dataclasses.replace(result, **kw)  # type: ignore[arg-type]


# --- near a place, along a route ------------------------------------------------------------------------------


@pytest.fixture
def placed() -> gpd.GeoDataFrame:
    rows = [_row(s) for s in ("e500", "e100", "e2000", "w300")] + [_row("988", kind="crisis_line")]
    return _registry(rows, [_east(500), _east(100), _east(2000), _east(-300), None])


def test_nearby_is_nearest_first_within_the_distance_then_the_lines_to_call(placed: gpd.GeoDataFrame) -> None:
    near = svc.nearby(placed, _east(0), within_m=1000, limit=10)
    assert list(near["service_id"]) == ["e100", "w300", "e500", "988"]
    assert near["distance_m"].iloc[:3].tolist() == pytest.approx([100, 300, 500], abs=1.0)
    assert np.isnan(near["distance_m"].iloc[3])
    two = svc.nearby(placed, _east(0), within_m=5000, limit=2)
    assert list(two["service_id"]) == ["e100", "w300", "988"], "the limit counts places, lines to call come anyway"
    with pytest.raises(DataError, match="within_m must be > 0"):
        svc.nearby(placed, _east(0), within_m=0, limit=1)


def test_a_park_programme_without_a_place_is_set_aside() -> None:
    frame = gpd.GeoDataFrame(pd.DataFrame([_row("park", kind="park_programme")]).drop(columns=["lat", "lon"]),
                             geometry=[None], crs="EPSG:4326")  # fmt: skip
    result = check_services(frame, origin="t")
    assert result.dropped == {"no_geometry": 1}


def test_along_orders_by_the_route_and_keeps_only_those_close(placed: gpd.GeoDataFrame) -> None:
    route = shapely.LineString([_east(-1000), _east(3000)])
    rows = [_row(s) for s in ("at2500", "at1200", "far", "at200")]
    reg = _registry(rows, [_east(1500, 150), _east(200, -100), _east(800, 400), _east(-800, 50)])
    got = svc.along(reg, route, within_m=200)
    assert list(got["service_id"]) == ["at200", "at1200", "at2500"]
    assert got["along_m"].tolist() == pytest.approx([200, 1200, 2500], abs=2.0)
    assert got["distance_m"].tolist() == pytest.approx([50, 100, 150], abs=1.0)
    backwards = svc.along(reg, shapely.LineString([_east(3000), _east(-1000)]), within_m=200)
    assert list(backwards["service_id"]) == ["at2500", "at1200", "at200"]


# --- seasons --------------------------------------------------------------------------------------------------


def test_in_season_includes_both_ends_and_wraps_the_new_year() -> None:
    frame = pd.DataFrame({"season_from": ["", "06-25", "11-15"], "season_to": ["", "08-15", "02-15"]})

    def on(day: str) -> list[bool]:
        return svc.in_season(frame, dt.date.fromisoformat(day)).tolist()

    assert on("2024-06-24") == [True, False, False]
    assert on("2024-06-25") == [True, True, False]
    assert on("2024-08-15") == [True, True, False]
    assert on("2024-08-16") == [True, False, False]
    assert on("2024-11-15") == [True, False, True]
    assert on("2024-12-31") == [True, False, True]
    assert on("2025-01-01") == [True, False, True]
    assert on("2025-02-15") == [True, False, True]
    assert on("2025-02-16") == [True, False, False]


# --- the editor: changes and edits ------------------------------------------------------------------------------


@pytest.fixture
def before() -> gpd.GeoDataFrame:
    area = shapely.Polygon([(LON, LAT), (LON + 0.01, LAT), (LON + 0.01, LAT + 0.01)])
    rows = [_row("park", kind="park_programme"), _row("area", kind="intervention"), _row("gone"),
            _row("988", kind="crisis_line")]  # fmt: skip
    return _registry(rows, [_round6(_east(100)), area, _round6(_east(300)), None])


def test_editor_rows_give_points_lat_lon_and_keep_areas_and_lines_empty(before: gpd.GeoDataFrame) -> None:
    rows = svc.editor_rows(before)
    assert rows.loc[0, "lat"] == pytest.approx(_east(100).y, abs=1e-6)
    assert rows.loc[0, "lon"] == pytest.approx(_east(100).x, abs=1e-6)
    assert pd.isna(rows.loc[1, "lat"])
    assert pd.isna(rows.loc[3, "lon"])
    after, aside = svc.edited(before, rows)
    assert aside.empty
    assert svc.changes(before, after) == [], "the editor's rows read back as the registry, unchanged"


def test_edited_and_changes(before: gpd.GeoDataFrame) -> None:
    rows = svc.editor_rows(before)
    rows.loc[0, "hours"] = "Sat 10-2"
    rows = rows[rows["service_id"] != "gone"]
    added = {**{c: "" for c in rows.columns}, "service_id": "new", "kind": "school", "name": "New school",
             "contact": "213-555-0199", "lat": _east(700).y, "lon": _east(700).x}  # fmt: skip
    rows = pd.concat([rows, pd.DataFrame([added])], ignore_index=True)
    after, aside = svc.edited(before, rows)
    assert aside.empty
    assert list(after["service_id"]) == ["park", "area", "988", "new"]
    area = after.set_index("service_id").geometry["area"]
    assert area.equals(before.set_index("service_id").geometry["area"]), "an area keeps its polygon"
    assert after.set_index("service_id").geometry["new"].distance(_east(700)) < 1e-6
    made = {(c.action, c.service_id): c for c in svc.changes(before, after)}
    assert set(made) == {("changed", "park"), ("removed", "gone"), ("added", "new")}
    assert made[("changed", "park")].fields == (("hours", "Mon-Fri 9-5", "Sat 10-2"),)
    as_json = json.loads(json.dumps([c.as_dict() for c in made.values()]))
    assert {"action": "changed", "service_id": "park", "fields": [["hours", "Mon-Fri 9-5", "Sat 10-2"]]} in as_json


def test_a_bad_edit_is_set_aside_with_its_reason_and_nothing_is_lost(before: gpd.GeoDataFrame) -> None:
    rows = svc.editor_rows(before)
    rows.loc[0, "season_from"] = "June"
    rows.loc[0, "season_to"] = "08-15"
    after, aside = svc.edited(before, rows)
    assert len(after) + len(aside) == len(rows)
    assert list(aside["reason"]) == ["bad_season"]
    assert list(aside["service_id"]) == ["park"]
    assert list(aside["source_row"]) == [1]
    assert list(after["service_id"]) == ["area", "gone", "988"]


def test_an_untouched_full_precision_point_is_not_changed_by_the_editor() -> None:
    before = _registry([_row("precise")], [_east(123.456)])
    after, aside = svc.edited(before, svc.editor_rows(before))
    assert aside.empty
    assert svc.changes(before, after) == []


def test_moving_a_point_is_a_changed_geometry(before: gpd.GeoDataFrame) -> None:
    rows = svc.editor_rows(before)
    rows.loc[2, "lat"], rows.loc[2, "lon"] = _east(900).y, _east(900).x
    after, _ = svc.edited(before, rows)
    (change,) = svc.changes(before, after)
    assert (change.action, change.service_id) == ("changed", "gone")
    assert [f[0] for f in change.fields] == ["geometry"]
    assert change.fields[0][1].startswith("POINT")
    assert change.fields[0][2].startswith("POINT")


# --- what a person reads --------------------------------------------------------------------------------------


def test_described_in_spanish_falls_back_to_english() -> None:
    reg = _registry(
        [
            _row("both", kind="park_programme", name="Summer Night Lights", name_es="Luces de Verano",
                 hours="Wed-Sat 7-11 pm", hours_es="mié a sáb 7-11 pm", season_from="06-25", season_to="08-15"),
            _row("en-only", name="Youth soccer", name_es="", hours="Sat 9-12", hours_es="  "),
        ],
        [_east(0), _east(10)],
    )  # fmt: skip
    es = svc.described(reg, "es")
    assert es["title"].tolist() == ["Luces de Verano", "Youth soccer"]
    assert es["hours"].tolist() == ["mié a sáb 7-11 pm", "Sat 9-12"]
    assert es["kind_label"].iloc[1] != "Youth programme"
    assert es["season"].iloc[1] == ""
    assert "25" in es["season"].iloc[0]
    assert "15" in es["season"].iloc[0]
    en = svc.described(reg, "en")
    assert en["title"].tolist() == ["Summer Night Lights", "Youth soccer"]
    assert en["kind_label"].tolist() == ["Park programme", "Youth programme"]
    assert en["season"].iloc[0] == "25 Jun to 15 Aug"


# --- conditions -----------------------------------------------------------------------------------------------


def _ts(text: str | None) -> pd.Timestamp:
    return pd.Timestamp(text, tz=TZ) if text else pd.NaT


@pytest.fixture
def requests() -> gpd.GeoDataFrame:
    rows = [
        # condition, status, created, closed, metres east
        ("graffiti", "closed", "2024-03-01 09:00", "2024-03-04 09:00", 0),  # 3 days
        ("graffiti", "closed", "2024-03-02 00:00", "2024-03-03 00:00", 10),  # 1 day
        ("graffiti", "open", "2024-03-31 23:30", None, 20),
        ("streetlight", "cancelled", "2024-04-01 00:10", "2024-04-02 00:10", 1000),  # no days to close
        ("streetlight", "closed", "2024-04-05 12:00", "2024-04-15 12:00", 1010),  # 10 days
        ("dumping", "referred", "2024-02-29 23:59", None, 3000),
    ]
    frame = pd.DataFrame(
        {
            "request_id": [f"r{i}" for i in range(len(rows))],
            "source": "test",
            "created_at": [_ts(r[2]) for r in rows],
            "closed_at": [_ts(r[3]) for r in rows],
            "request_type": "x",
            "condition": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "address": "",
            "synthetic": False,
        }
    ).astype(dict(REQUEST_DTYPES))
    return gpd.GeoDataFrame(frame, geometry=[_east(r[4]) for r in rows], crs="EPSG:4326")


def test_days_to_close_only_for_closed_requests(requests: gpd.GeoDataFrame) -> None:
    days = conditions.days_to_close(requests)
    assert days.iloc[0] == pytest.approx(3.0)
    assert days.iloc[1] == pytest.approx(1.0)
    assert days.iloc[[2, 3, 5]].isna().all(), "open, cancelled and referred requests have no days to close"


def test_summary_counts_open_and_median_days(requests: gpd.GeoDataFrame) -> None:
    got = conditions.summary(requests).set_index("condition")
    assert got.loc["graffiti", ["requests", "open", "closed"]].tolist() == [3, 1, 2]
    assert got.loc["graffiti", "median_days"] == pytest.approx(2.0)
    assert got.loc["streetlight", ["requests", "open", "closed"]].tolist() == [2, 0, 1]
    assert got.loc["streetlight", "median_days"] == pytest.approx(10.0)
    assert got.loc["dumping", "requests"] == 1
    assert np.isnan(got.loc["dumping", "median_days"])
    assert got["requests"].sum() == len(requests)


def test_cells_count_every_request_once(requests: gpd.GeoDataFrame) -> None:
    got = conditions.cells(requests, cell_m=250)
    assert got["count"].sum() == len(requests)
    assert got.crs.to_epsg() == 4326
    by_count = got.sort_values("count", ascending=False).reset_index(drop=True)
    assert by_count["count"].tolist() == [3, 2, 1]
    assert by_count.loc[0, "n_graffiti"] == 3
    assert by_count.loc[0, "open"] == 1
    assert by_count.loc[0, "median_days"] == pytest.approx(2.0)
    assert by_count.loc[1, "n_streetlight"] == 2
    assert conditions.cells(requests.iloc[:0], cell_m=250).empty


def test_in_period_has_inclusive_ends_in_los_angeles_time(requests: gpd.GeoDataFrame) -> None:
    got = conditions.in_period(requests, dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert list(got["request_id"]) == ["r0", "r1", "r2"], "23:30 on the last day counts; 23:59 the day before not"
    assert len(conditions.in_period(requests, None, dt.date(2024, 2, 29))) == 1
    assert len(conditions.in_period(requests, dt.date(2024, 4, 1), None)) == 2
    assert len(conditions.in_period(requests, None, None)) == len(requests)


def test_within_and_points_of(requests: gpd.GeoDataFrame) -> None:
    area = _east(0).buffer(0.002)
    assert list(conditions.within(requests, area)["request_id"]) == ["r0", "r1", "r2"]
    with pytest.raises(AnalysisError, match="the area is empty"):
        conditions.within(requests, shapely.Polygon())
    assert list(conditions.points_of(requests, "streetlight")["request_id"]) == ["r3", "r4"]
    with pytest.raises(AnalysisError, match="unknown condition 'potholes'"):
        conditions.points_of(requests, "potholes")


def test_an_edit_of_the_demo_registry_keeps_its_examples_marked() -> None:
    before = svc.registry(Path("/nonexistent-store"), "services", DEMO_SERVICES, beside_synthetic=True).frame
    assert before["sample"].any()
    after, _ = svc.edited(before, svc.editor_rows(before))
    assert after["sample"].tolist() == before["sample"].tolist()


def test_requests_follow_the_incidents_span_when_no_period_is_chosen() -> None:
    from geo.analysis.conditions import span_of

    when = pd.to_datetime(["2017-03-02 23:30", "2017-06-18 01:00"]).tz_localize("America/Los_Angeles")
    incidents = pd.DataFrame({"occurred_at": when})
    assert span_of(None, None, incidents) == (dt.date(2017, 3, 2), dt.date(2017, 6, 18))
    assert span_of(dt.date(2017, 1, 1), None, incidents) == (dt.date(2017, 1, 1), dt.date(2017, 6, 18))
    assert span_of(None, dt.date(2017, 5, 1), incidents) == (dt.date(2017, 3, 2), dt.date(2017, 5, 1))
    assert span_of(None, None, incidents.iloc[:0]) == (None, None)  # no incident, no period: every request


def test_a_request_closed_within_the_day_counts_its_fraction_and_one_closed_at_once_zero() -> None:
    frame = _requests(3)
    frame["closed_at"] = frame["created_at"] + pd.to_timedelta([0, 12, -1], unit="h")
    days = conditions.days_to_close(frame)
    assert days.iloc[0] == 0.0  # closed the minute it was made: 0 days, not "no time to close"
    assert days.iloc[1] == pytest.approx(0.5)
    assert pd.isna(days.iloc[2])  # a close before the creation has no time to close


def test_a_season_of_one_day_and_a_registry_without_seasons() -> None:
    frame = pd.DataFrame({"season_from": ["07-04", None, pd.NA], "season_to": ["07-04", None, pd.NA]})
    assert svc.in_season(frame, dt.date(2026, 7, 4)).tolist() == [True, True, True]
    assert svc.in_season(frame, dt.date(2026, 7, 5)).tolist() == [False, True, True]


def test_nearby_takes_one_and_a_metre_and_refuses_none(placed: gpd.GeoDataFrame) -> None:
    one = svc.nearby(placed, _east(0.0), within_m=1.0, limit=1)
    assert one["distance_m"].notna().sum() <= 1
    with pytest.raises(DataError, match="limit >= 1"):
        svc.nearby(placed, _east(0.0), within_m=100.0, limit=0)
    with pytest.raises(DataError, match="within_m must be > 0"):
        svc.nearby(placed, _east(0.0), within_m=0.0, limit=3)


def test_a_stored_registry_with_example_entries_says_so(tmp_path: Path) -> None:
    store = tmp_path / "store"
    examples = svc.registry(store, "services", DEMO_SERVICES, beside_synthetic=True).frame
    svc.save_registry(
        Settings(sources=SourceSettings(store_dir=store)), examples, origin="test"
    )  # an admin saved the demo's examples as the registry: they stay examples, and are said to be
    shown = svc.registry(store, "services", DEMO_SERVICES, beside_synthetic=False)
    assert shown.demo is True
    own = examples.assign(sample=False)
    svc.save_registry(Settings(sources=SourceSettings(store_dir=store)), own, origin="test")
    assert svc.registry(store, "services", DEMO_SERVICES, beside_synthetic=False).demo is False


def test_the_requests_layer_is_the_newest_requests_layer_not_the_newest_layer(tmp_path: Path) -> None:
    store = tmp_path / "store"
    frame = _requests(3)
    result = LoadResult(kind="myla311", table="requests", source="myla311_csv", origin="t.csv", frame=frame,
                        quarantine=pd.DataFrame({"source_row": [], "reason": []}), rows_in=3, dropped={})  # fmt: skip
    write_layer(result, store, name="myla311-2024", fetched_at=dt.datetime(2024, 4, 1, tzinfo=dt.UTC))
    ingest_file(DEMO_SERVICES, store_dir=store, name="services")  # a later layer of another table
    shown = svc.requests_layer(store, DEMO_REQUESTS, beside_synthetic=False)
    assert "myla311-2024" in shown.origin
    assert len(shown.frame) == 3


def test_a_field_of_the_longest_length_is_kept_and_a_route_may_have_several_lines() -> None:
    longest = "x" * MAX_CHARS
    route = shapely.MultiLineString([[(LON, LAT), (LON + 0.01, LAT)], [(LON, LAT + 0.01), (LON + 0.01, LAT + 0.01)]])
    frame = pd.DataFrame([_row("a", name=longest), _row("b", kind="safe_passage"), _row("c", name=longest + "x")])
    geoms = [_east(0.0), route, _east(10.0)]
    result = check_services(gpd.GeoDataFrame(frame.drop(columns=["lat", "lon"]), geometry=geoms, crs="EPSG:4326"),
                            origin="test")  # fmt: skip
    assert result.frame["service_id"].tolist() == ["a", "b"]
    assert result.dropped == {"too_long": 1}


def test_a_file_that_marks_its_example_entries_keeps_them_marked(tmp_path: Path) -> None:
    rows = [_row("a", sample="true"), _row("b", sample=""), _row("c", sample="no")]
    result = load_services(_write_csv(tmp_path / "registry.csv", rows))
    assert result.frame.set_index("service_id")["sample"].to_dict() == {"a": True, "b": False, "c": False}
    assert load_services(DEMO_SERVICES).frame["sample"].sum() == 5  # the demo's local entries, not its two lines
