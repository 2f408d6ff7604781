"""The PostGIS store against a real throwaway server: ingest, fetch, info, windows, faults, kill -9."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.core.errors import SafetyMapError, StoreError
from geo.core.settings import HttpSettings, Settings, SocrataSettings, SourceSettings
from geo.data.datasets import incidents_metadata, load_incidents
from geo.data.ingest import fetch_sources, ingest_file, read_quarantine, store_inventory
from geo.data.stores import Window, open_store
from geo.data.stores.postgis import CATALOG
from tests.pg_server import free_port
from tests.test_sources_http import fixture
from tests.test_store_kill import lapd

pytestmark = pytest.mark.postgis
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "incidents.parquet"
VOLATILE = ("ingested_at", "version", "quarantine", "output")


def stable(report: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in report.items() if k not in VOLATILE}


def sm_tables(pg_server, url: str) -> set[str]:
    db = url.rsplit("/", 1)[1]
    return {str(r[0]) for r in pg_server.sql(db, "SELECT tablename FROM pg_tables WHERE tablename LIKE 'sm\\_%'")}


def test_ingest_gives_the_same_layer_quarantine_and_report_as_the_parquet_store(tmp_path, pg_server, pg_url) -> None:
    assert store_inventory(pg_url) == []  # an empty database is an empty store; reading creates nothing
    assert pg_server.sql(pg_url.rsplit("/", 1)[1], "SELECT to_regclass(%s)", (CATALOG,)) == [(None,)]
    src = lapd(tmp_path / "lapd.csv", good=5, zero=2)
    on_disk = ingest_file(src, store_dir=tmp_path / "store")
    on_pg = ingest_file(src, store_dir=pg_url)
    assert stable(on_pg) == stable(on_disk)
    assert (on_pg["rows_in"], on_pg["rows_kept"], on_pg["dropped"]) == (7, 5, {"zero_coordinates": 2})
    name = on_disk["layer"]
    disk_store, pg_store = open_store(tmp_path / "store"), open_store(pg_url)
    assert_geodataframe_equal(pg_store.read(name), disk_store.read(name), check_index_type="equiv")
    pd.testing.assert_frame_equal(read_quarantine(pg_url, name), read_quarantine(tmp_path / "store", name))
    assert_geodataframe_equal(load_incidents(on_pg["output"]), load_incidents(on_disk["output"]))
    assert stable(dict(incidents_metadata(on_pg["output"]))) == stable(dict(incidents_metadata(on_disk["output"])))


def test_reingest_refuses_to_shrink_and_keeps_the_layer(tmp_path, pg_url) -> None:
    src = lapd(tmp_path / "lapd.csv", good=4, zero=0)
    first = ingest_file(src, store_dir=pg_url)
    lapd(src, good=2, zero=2)
    with pytest.raises(SafetyMapError, match="store is unchanged"):
        ingest_file(src, store_dir=pg_url)
    store = open_store(pg_url)
    assert store.version(first["layer"]) == first["version"]
    assert len(store.read(first["layer"])) == 4
    again = ingest_file(src, store_dir=pg_url, replace=True)
    assert len(store.read(first["layer"])) == 2
    assert store.version(first["layer"]) == again["version"] != first["version"]


def test_windows_are_answered_in_sql_with_the_same_rows_as_in_memory(pg_server, pg_url) -> None:
    demo = gpd.read_parquet(DEMO)
    store = open_store(pg_url)
    store.write("demo", demo, pd.DataFrame({"source_row": [], "reason": []}), {"layer": "demo", "rows_kept": len(demo)})
    day = demo["occurred_at"].dt.tz_convert("America/Los_Angeles").dt.date
    mid = sorted(day)[len(day) // 2]
    cx, cy = demo.geometry.x.median(), demo.geometry.y.median()
    windows = [
        Window(),
        Window(start=mid),
        Window(end=mid),
        Window(start=mid, end=mid + dt.timedelta(days=60), categories=("robbery", "homicide")),
        Window(categories=("assault_with_weapon",), bbox=(cx - 0.01, cy - 0.01, cx + 0.02, cy + 0.005)),
    ]
    for window in windows:
        got = store.read("demo", window=window)
        want = window.apply(demo)
        assert len(got) > 0, window
        assert got.index.tolist() == want.index.tolist(), window
        assert_geodataframe_equal(got, want, check_index_type="equiv")
        if window.start:  # independent check of the period on local dates
            assert (got["occurred_at"].dt.tz_convert("America/Los_Angeles").dt.date >= window.start).all()
    (table,) = sm_tables(pg_server, pg_url) - {t for t in sm_tables(pg_server, pg_url) if t.endswith("_q")}
    db = pg_url.rsplit("/", 1)[1]
    defs = [str(r[0]) for r in pg_server.sql(db, "SELECT indexdef FROM pg_indexes WHERE tablename = %s", (table,))]
    assert any("USING gist (geom)" in d for d in defs), defs
    assert any("(occurred_at)" in d for d in defs), defs
    plan = pg_server.sql(
        db, f"EXPLAIN SELECT * FROM {table} WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", (0, 0, 0.1, 0.1)
    )
    assert "Index" in " ".join(str(r[0]) for r in plan) or "Bitmap" in " ".join(str(r[0]) for r in plan)


def settings(store: Path, url: str) -> Settings:
    return Settings(
        sources=SourceSettings(
            store_dir=store,
            store=url,
            socrata=SocrataSettings(page_size=3),
            http=HttpSettings(timeout_s=5, retries=2, backoff_s=1.0),
        )
    )


def test_fetch_into_postgis_from_recorded_responses_and_a_failed_fetch_keeps_it(tmp_path, pg_url, fake_http) -> None:
    page = fixture("socrata_legacy_page.json")
    good, _ = fake_http([page, page[:1]])
    sleeps: list[float] = []
    (rep,) = fetch_sources(["legacy"], settings=settings(tmp_path, pg_url), session=good, sleep=sleeps.append)
    assert (rep["rows_in"], rep["rows_kept"]) == (4, 2)
    assert not list(tmp_path.iterdir())  # nothing written to the folder: the layer is on the server
    store = open_store(pg_url)
    rows = store.read("lapd_legacy_api")
    assert rows["incident_id"].tolist() == ["lapd:231204518", "lapd:231212345"]
    bad, _ = fake_http(lambda req: (500, "oops", {}))
    with pytest.raises(SafetyMapError, match="store is unchanged"):
        fetch_sources(["legacy"], settings=settings(tmp_path, pg_url), session=bad, sleep=sleeps.append)
    assert store.version("lapd_legacy_api") == rep["version"]
    assert_geodataframe_equal(store.read("lapd_legacy_api"), rows)


def cli(capsys, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m geo ARGS`` in this process (the CLI's own entry point); return code and output."""
    from geo.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out.out, out.err)


def test_info_lists_the_postgis_layers_and_flags_a_damaged_one(tmp_path, pg_server, pg_url, capsys) -> None:
    src = lapd(tmp_path / "lapd.csv", good=3, zero=1)
    rep = ingest_file(src, store_dir=pg_url)
    out = cli(capsys, "info", "--store", pg_url)
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert listed["store"] == pg_url
    (layer,) = listed["layers"]
    assert (layer["name"], layer["rows_kept"], layer["dropped"], layer["error"]) == (
        rep["layer"],
        3,
        {"zero_coordinates": 1},
        None,
    )
    assert store_inventory(pg_url)[0]["version"] == rep["version"]
    db = pg_url.rsplit("/", 1)[1]
    (table,) = {t for t in sm_tables(pg_server, pg_url) if not t.endswith("_q")}
    pg_server.sql(db, f"DELETE FROM {table} WHERE _row = 0")
    broken = cli(capsys, "info", "--store", pg_url)
    assert broken.returncode == 1
    assert "holds 2 rows but its report says 3" in broken.stderr


def test_wrong_url_refused_connection_and_missing_extension_are_one_clear_message(pg_server, capsys) -> None:
    cases = [
        ("postgresql://someone@127.0.0.1/db?nosuchoption=1", "not a valid postgresql:// URL"),
        ("postgresql://someone@127.0.0.1:notaport/db", "cannot connect to the PostGIS store .*port"),
        (f"postgresql://someone:secret@127.0.0.1:{free_port()}/db", "cannot connect to the PostGIS store"),
        (pg_server.url("no_such_db"), "cannot connect to the PostGIS store"),
        (pg_server.create_db("plain_pg", postgis=False), "has no PostGIS extension"),
    ]
    for url, message in cases:
        with pytest.raises(StoreError, match=message) as info:
            store_inventory(url)
        assert "secret" not in str(info.value)
        assert "\n" not in str(info.value)
    out = cli(capsys, "info", "--store", cases[2][0])
    assert out.returncode != 0
    assert "cannot connect to the PostGIS store" in out.stderr
    assert "Traceback" not in out.stderr
    assert "secret" not in out.stderr


def test_a_server_lost_mid_ingest_is_one_message_and_the_old_layer_stays(tmp_path, pg_server, pg_url, monkeypatch):
    src = lapd(tmp_path / "lapd.csv", good=3, zero=0)
    first = ingest_file(src, store_dir=pg_url)
    tables = sm_tables(pg_server, pg_url)
    lapd(src, good=5, zero=0)
    from geo.data.stores import postgis

    real = postgis.PostgisStore._create
    db = pg_url.rsplit("/", 1)[1]

    def cut(self, cur, table, frame, *, geometry):  # the connection dies while the rows are copied
        real(self, cur, table, frame, geometry=geometry)
        pg_server.sql(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'safetymap'")

    monkeypatch.setattr(postgis.PostgisStore, "_create", cut)
    with pytest.raises(StoreError, match="failed") as info:
        ingest_file(src, store_dir=pg_url)
    assert "nothing was changed" in str(info.value)
    monkeypatch.undo()
    store = open_store(pg_url)
    assert store.version(first["layer"]) == first["version"]
    assert len(store.read(first["layer"])) == 3
    assert sm_tables(pg_server, pg_url) == tables


KILL_CHILD = r"""
import sys, time
from pathlib import Path

from geo.data.ingest import ingest_file
from geo.data.stores import postgis

real = postgis.PostgisStore._create

def pause(self, cur, table, frame, *, geometry):
    real(self, cur, table, frame, geometry=geometry)
    print("paused", flush=True)  # inside the transaction: new table filled, catalog not yet switched
    time.sleep(300)

postgis.PostgisStore._create = pause
ingest_file(Path(sys.argv[1]), store_dir=sys.argv[2])
"""


def test_kill_9_in_the_middle_of_an_ingest_leaves_the_previous_layer(tmp_path, pg_server, pg_url) -> None:
    src = lapd(tmp_path / "lapd.csv", good=3, zero=0)
    first = ingest_file(src, store_dir=pg_url)
    before = open_store(pg_url).read(first["layer"])
    tables = sm_tables(pg_server, pg_url)
    lapd(src, good=6, zero=0)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, str(src), pg_url], stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "paused"
        assert len(sm_tables(pg_server, pg_url)) == len(tables)  # the new table is not visible to others yet
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()
    db = pg_url.rsplit("/", 1)[1]
    deadline = time.monotonic() + 20  # the server rolls back when it sees the client gone
    while pg_server.sql(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'safetymap'")[0][0]:
        assert time.monotonic() < deadline, "the killed ingest's session did not end"
        time.sleep(0.1)
    store = open_store(pg_url)
    assert store.version(first["layer"]) == first["version"]
    assert_geodataframe_equal(store.read(first["layer"]), before)
    assert sm_tables(pg_server, pg_url) == tables
    assert [r[0] for r in pg_server.sql(db, f"SELECT name FROM {CATALOG}")] == [first["layer"]]
    after = ingest_file(src, store_dir=pg_url)  # the layer's lock was released with the dead session
    assert len(store.read(first["layer"])) == 6
    assert after["version"] != first["version"]


def test_readers_see_the_old_layer_or_the_new_one_while_it_is_rewritten(pg_url) -> None:
    import threading

    demo = gpd.read_parquet(DEMO)
    store = open_store(pg_url)
    empty = pd.DataFrame({"source_row": pd.Series([], dtype="int64")})
    sizes = (len(demo), len(demo) // 2)
    store.write("busy", demo, empty, {"rows_kept": sizes[0]})
    seen: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def reader() -> None:
        while not done.is_set():
            try:
                seen.append(len(store.read("busy", window=Window(categories=("robbery",)))))
            except BaseException as exc:  # noqa: BLE001 - any failure of a reader is the finding
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(6):
            store.write("busy", demo.iloc[: sizes[i % 2 == 0]], empty, {"rows_kept": sizes[i % 2 == 0]})
    finally:
        done.set()
        thread.join(timeout=60)
    assert not errors, errors
    robbery = {int((demo.iloc[:n]["category"] == "robbery").sum()) for n in sizes}
    assert seen
    assert set(seen) <= robbery


def test_the_workspace_chooses_and_loads_layers_of_the_postgis_store(tmp_path, pg_url) -> None:
    from geo.core.errors import DataError
    from geo.data.workspace import choose, incident_meta, incident_path

    src = lapd(tmp_path / "lapd.csv", good=4, zero=1)
    rep = ingest_file(src, store_dir=pg_url)
    s = settings(tmp_path / "local", pg_url)
    chosen = choose(s, incidents=rep["layer"])  # checked against the server's inventory
    assert (tmp_path / "local" / s.workspace.file).exists()  # the choice itself stays on this computer
    assert len(load_incidents(incident_path(chosen, s))) == 4
    assert incident_meta(chosen, s)["rows_kept"] == 4
    with pytest.raises(DataError, match="not an incident layer"):
        choose(s, incidents="no-such-layer")


def test_without_the_server_binaries_the_tests_skip_with_the_reason_or_fail_in_ci(monkeypatch) -> None:
    from _pytest.outcomes import Failed, Skipped

    from tests import pg_server

    monkeypatch.setattr(pg_server, "BIN_DIRS", "/nonexistent/postgresql/*/bin")
    monkeypatch.setattr(pg_server.shutil, "which", lambda name: None)
    monkeypatch.delenv("SAFETYMAP_REQUIRE_POSTGIS", raising=False)
    with pytest.raises(Skipped, match="initdb, pg_ctl"):
        next(pg_server.start_server())
    monkeypatch.setenv("SAFETYMAP_REQUIRE_POSTGIS", "1")
    with pytest.raises(Failed, match="SAFETYMAP_REQUIRE_POSTGIS=1"):
        next(pg_server.start_server())


def test_pages_judge_coverage_by_the_postgis_stores_boundary_layers(tmp_path, pg_url, monkeypatch, fresh_settings):
    """On a PostGIS store the division layer is on the server: an LAPD layer's coverage is the city from it,
    not a hull guessed from the points because the local folder holds no boundaries."""
    from geo.core.settings import use_config
    from geo.data.workspace import Workspace, incident_path
    from ui.data import coverage_for, file_key

    rep = ingest_file(lapd(tmp_path / "lapd.csv", good=4, zero=0), store_dir=pg_url)
    ingest_file(ROOT / "tests" / "fixtures" / "arcgis_divisions_page1.geojson", store_dir=pg_url)
    local = tmp_path / "local"
    local.mkdir()
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE", pg_url)
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(local))
    use_config(None)
    layer = incident_path(Workspace(incidents=rep["layer"]), settings(local, pg_url))
    cov = coverage_for(file_key(layer), local)
    assert cov is not None
    assert cov.method == "lapd_divisions"
    assert not cov.guess
