"""The record of internal use: appended, never edited, read from a day on; the command line writes to it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import psycopg
import pytest

from geo.cli import main
from geo.core.access import Access
from geo.core.settings import Settings, use_config
from geo.data import audit
from geo.data.stores import open_store
from geo.data.stores.parquet import AUDIT_FILE

STAFF = Access("staff", "ana@lacity.org", "required", signed_in=True)


def _at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, tzinfo=dt.UTC)


def _entries() -> list[audit.AuditEntry]:
    first = audit.entry(STAFF, "internal_view", "map", data=["lapd-2024", ""], filters="place=Harvard+Park")
    return [
        audit.AuditEntry(**{**first.__dict__, "at": _at(1)}),
        audit.AuditEntry("bo@x.org", "admin", "workspace", "lapd-2024, parks", at=_at(3, 23)),
        audit.AuditEntry("ana@lacity.org", "staff", "internal_export", "present:pdf:es", at=_at(5)),
    ]


def _settings(store: Path | str) -> Settings:
    key = "store" if isinstance(store, str) else "store_dir"
    return Settings().model_copy(update={"sources": Settings().sources.model_copy(update={key: store})})


def test_an_entry_names_who_what_which_data_and_filters() -> None:
    row = _entries()[0].row()
    assert row == {
        "at": "2026-12-01T12:00:00+00:00",
        "who": "ana@lacity.org",
        "role": "staff",
        "action": "internal_view",
        "what": "map",
        "data": "lapd-2024",
        "filters": "place=Harvard+Park",
    }
    local = dt.datetime(2026, 12, 1, 4, 30, 15, 999, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    assert audit.AuditEntry("a", "b", "ingest", "x", at=local).row()["at"] == "2026-12-01T12:30:15+00:00"


def test_the_folder_record_is_appended_and_read_from_a_day_on(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "store")
    assert audit.read(settings) == []  # no record yet: nothing, not an error
    for item in _entries():
        audit.record(settings, item)
    rows = audit.read(settings)
    assert [r["action"] for r in rows] == ["internal_view", "workspace", "internal_export"]
    assert [r["action"] for r in audit.read(settings, since=dt.date(2026, 12, 3))] == ["workspace", "internal_export"]
    assert [r["action"] for r in audit.read(settings, since=dt.date(2026, 12, 4))] == ["internal_export"]
    assert audit.read(settings, since=dt.datetime(2026, 12, 3, 23, 0, 1)) == rows[2:]  # naive: UTC
    lines = (tmp_path / "store" / AUDIT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert json.loads(lines[1])["who"] == "bo@x.org"


def test_a_damaged_line_is_kept_as_a_row_saying_so(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    audit.record(settings, _entries()[0])
    with (tmp_path / AUDIT_FILE).open("a", encoding="utf-8") as f:
        f.write('{"at": "2026-12-02T\n[1, 2]\n')
    audit.record(settings, _entries()[2])
    rows = audit.read(settings, since=dt.date(2026, 12, 2))
    assert [r["action"] for r in rows] == ["unreadable", "unreadable", "internal_export"]
    assert "line 2" in rows[0]["what"]


def test_a_record_that_cannot_be_written_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(Exception, match="cannot append to the audit record"):
        audit.record(_settings(blocker / "store"), _entries()[0])


@pytest.mark.postgis
def test_the_postgis_record_is_appended_read_and_refuses_every_change(pg_url: str) -> None:
    settings = _settings(pg_url)
    assert audit.read(settings) == []
    for item in _entries():
        audit.record(settings, item)
    rows = audit.read(settings)
    assert [r["who"] for r in rows] == ["ana@lacity.org", "bo@x.org", "ana@lacity.org"]
    assert rows[0] == _entries()[0].row()
    assert [r["action"] for r in audit.read(settings, since=dt.date(2026, 12, 4))] == ["internal_export"]
    for statement in (
        "UPDATE safetymap_audit SET who = 'nobody'",
        "DELETE FROM safetymap_audit",
        "TRUNCATE safetymap_audit",
    ):
        with psycopg.connect(pg_url) as conn, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(statement)
    assert audit.read(settings) == rows
    # a second process creating the table at the same time finds it made
    open_store(pg_url).append_audit(_entries()[1].row())
    assert len(audit.read(settings)) == 4


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Path:
    store = tmp_path / "store"
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    use_config(None)
    return store


def _cli_rows(store: Path) -> list[dict[str, str]]:
    return open_store(store).audit()


def test_the_command_line_records_internal_output_and_nothing_else(
    cli_store: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["near", "--place", "Harvard Park", "--privacy", "public"]) == 0
    assert main(["near", "--place", "Harvard Park"]) == 0  # the demo's own default: nothing asked, nothing kept
    assert _cli_rows(cli_store) == []
    assert main(["near", "--place", "Harvard Park", "--privacy", "internal"]) == 0
    rows = _cli_rows(cli_store)
    assert [(r["action"], r["role"]) for r in rows] == [("internal_export", "admin")]
    assert rows[0]["who"].startswith("operator:")
    assert rows[0]["what"] == "python -m geo near --place 'Harvard Park' --privacy internal"
    assert rows[0]["data"].endswith("incidents.parquet")
    capsys.readouterr()
    assert main(["audit"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].split() == ["at", "who", "role", "action", "what", "data", "filters"]
    assert "internal_export" in printed[1]
    assert main(["audit", "--json", "--since", "2999-01-01"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_a_report_internal_by_the_settings_is_recorded(
    cli_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFETYMAP__PRIVACY__DEFAULT_MODE", "internal")
    use_config(None)
    out = tmp_path / "handout.html"
    period = ["--from", "2023-01-01", "--to", "2023-12-31"]
    assert main(["report", "--place", "Harvard Park", *period, "--out", str(out)]) == 0
    assert [r["action"] for r in _cli_rows(cli_store)] == ["internal_export"]


def test_a_command_whose_use_cannot_be_recorded_does_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(blocker / "store"))
    use_config(None)
    out = tmp_path / "near.json"
    assert main(["near", "--place", "Harvard Park", "--privacy", "internal", "--out", str(out)]) == 2
    assert "cannot append to the audit record" in capsys.readouterr().err
    assert not out.exists()


def test_workspace_changes_are_recorded_and_showing_it_is_not(cli_store: Path) -> None:
    assert main(["use", "--show"]) == 0
    assert _cli_rows(cli_store) == []
    assert main(["use", "--incidents", "demo"]) == 0
    assert [(r["action"], r["what"]) for r in _cli_rows(cli_store)] == [
        ("workspace", "python -m geo use --incidents demo")
    ]


def test_bad_since_is_one_clear_error(cli_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "--since", "last week"]) == 2
    assert "--since must be a date" in capsys.readouterr().err


@pytest.mark.app
def test_the_audit_page_lists_the_record_newest_first_in_the_page_language(cli_store: Path) -> None:
    from tests.test_app_pages import app

    settings = _settings(cli_store)
    for item in _entries():
        audit.record(settings, item.__class__(**{**item.__dict__, "at": dt.datetime.now(dt.UTC)}))
    at = app({"lang": "es"}).run()
    at.switch_page("app_pages/audit.py").run()
    assert not at.exception
    shown = at.dataframe[0].value
    assert list(shown.columns) == ["Cuándo (UTC)", "Quién", "Rol", "Qué se hizo", "Detalles", "Datos", "Filtros"]
    assert list(shown["Qué se hizo"]) == [
        "Exportación interna",
        "Cambio del espacio de trabajo del equipo",
        "Vista interna",
    ]
    assert list(shown["Rol"]) == ["personal", "administrador", "personal"]
    assert shown["Filtros"].iloc[2] == "place=Harvard Park"
    assert any("Filas: 3" in c.value for c in at.caption)


@pytest.mark.app
def test_without_sign_in_set_up_a_required_dashboard_serves_the_public_view_and_says_why(
    cli_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.core.i18n import t
    from tests.test_app_pages import app

    monkeypatch.setenv("SAFETYMAP__AUTH__MODE", "required")
    use_config(None)
    at = app({"view": "internal"}).run()
    assert not at.exception
    assert any(w.value == t("auth.not_configured", "en", who="anonymous") for w in at.sidebar.warning)
    assert [r for r in at.radio if r.label == t("view.mode", "en")] == []
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/audit.py")  # no such page for anyone but an admin
    at.switch_page("app_pages/data.py").run()
    assert [b for b in at.button if b.key == "d_team_default"] == []


@pytest.mark.parametrize(
    ("argv", "action"),
    [
        (["ingest", "parks.geojson"], "ingest"),
        (["use", "--places", ""], "workspace"),
        (["use", "--boundaries", "divisions"], "workspace"),
        (["use", "--show"], None),
        (["dosage", "--mode", "internal"], "internal_export"),
        (["dosage", "--mode", "public"], None),
        (["report", "--privacy", "internal"], "internal_export"),
        (["report"], None),  # the settings' default mode: public
        (["near", "--privacy", "internal"], "internal_export"),
        (["near"], None),
        (["info"], None),
    ],
)
def test_what_a_command_line_asks_for_that_the_record_keeps(argv: list[str], action: str | None) -> None:
    import argparse

    from geo.cli.audit import internal_request

    args = argparse.Namespace(command=argv[0], privacy=None)
    if argv[0] not in ("report", "near"):
        del args.privacy  # commands without a --privacy option
    for flag, value in zip(argv[1::2], argv[2::2], strict=False):
        setattr(args, flag.lstrip("-"), value)
    for key in ("incidents", "places", "boundaries"):
        if argv[0] == "use" and not hasattr(args, key):
            setattr(args, key, None)
    assert internal_request(args, Settings) == action


def test_a_command_without_privacy_under_an_internal_default_is_not_recorded_unless_it_is_a_report() -> None:
    import argparse

    from geo.cli.audit import internal_request

    internal = Settings().model_copy(
        update={"privacy": Settings().privacy.model_copy(update={"default_mode": "internal"})}
    )
    assert internal_request(argparse.Namespace(command="near", privacy=None), lambda: internal) is None
    assert internal_request(argparse.Namespace(command="report", privacy=None), lambda: internal) == "internal_export"


def test_the_command_line_records_into_the_store_of_its_config_file_and_records_ingests(
    tmp_path: Path, fresh_settings: None, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "team-store"
    config = tmp_path / "config.yaml"
    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    paths = "".join(f"  {k}: {demo / f}\n" for k, f in (("incidents", "incidents.parquet"),
                    ("places", "places.geojson"), ("streets", "streets.geojson")))  # fmt: skip
    config.write_text(f"sources:\n  store_dir: {store}\n{paths}", encoding="utf-8")
    parks = Path(__file__).resolve().parent / "fixtures" / "osm_parks_harvard.geojson"
    assert main(["--config", str(config), "ingest", str(parks)]) == 0
    assert main(["--config", str(config), "audit", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert [(r["action"], r["data"]) for r in rows] == [("ingest", str(parks))]


def test_keeping_or_deleting_stored_tracks_is_recorded_and_listing_them_is_not() -> None:
    import argparse

    from geo.cli.audit import internal_request

    def asks(**kw: object) -> str | None:
        return internal_request(argparse.Namespace(**kw), Settings)

    assert asks(command="tracks", action="delete") == "tracks"
    assert asks(command="tracks", action="list") is None
    assert asks(command="dosage", mode="public", keep=True) == "tracks"
    assert asks(command="dosage", mode="public", keep=False) is None
