"""``python -m geo dosage`` and ``python -m geo tracks``, and the dosage map layer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import pytest

from geo.cli import main
from geo.core.settings import DosageSettings, get_settings
from geo.data.tracks import read_gpx
from geo.exports.gpx import write_gpx
from geo.patrol.dosage import measure_dosage, stops_from_route
from tests.dosage_helpers import PERSONAL, scripted_walk, to_gpx
from tests.route_helpers import small_route

DOSAGE = get_settings().dosage


@pytest.fixture(scope="module")
def route():
    return small_route()[0]


@pytest.fixture
def files(route, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings) -> dict[str, Path]:
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path / "store"))
    plan = stops_from_route(route)
    walk = scripted_walk(route, plan)
    out = {"plan": write_gpx(route, tmp_path / "plan.gpx"), "walk": tmp_path / "walk.gpx"}
    out["walk"].write_text(to_gpx(walk.points, personal=True), encoding="utf-8")
    out["far"] = tmp_path / "far.gpx"
    out["far"].write_text(to_gpx([(la + 0.3, lo, t) for la, lo, t in walk.points[:50]]), encoding="utf-8")
    out["notime"] = tmp_path / "notime.gpx"
    out["notime"].write_text(to_gpx([(la, lo, None) for la, lo, _ in walk.points[:50]]), encoding="utf-8")
    out["broken"] = tmp_path / "broken.gpx"
    out["broken"].write_text("<gpx><trk><trkseg><trkpt lat='1'", encoding="utf-8")
    return out


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, dict | None, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else None, captured.err


def test_dosage_command_against_the_planners_gpx(files, route, capsys):
    code, out, err = run(capsys, "dosage", files["walk"], files["walk"], files["far"], "--plan", files["plan"])
    assert code == 0, err
    expected = measure_dosage(
        [read_gpx(files["walk"], naive_time_zone=DOSAGE.naive_time_zone, max_mb=DOSAGE.max_file_mb)],
        stops_from_route(route),
        params=DosageSettings(),
    ).stops
    assert [s["minutes"] for s in out["stops"]] == [round(m, 1) for m in expected["minutes"]]
    assert [s["visits"] for s in out["stops"]] == list(expected["visits"])
    assert out["unvisited"] == ["stop-03", "stop-04"]
    assert out["order"]["budget_min"] == pytest.approx(route.total_min, abs=0.1)
    assert [t["far_from_every_stop"] for t in out["tracks"]] == [False, False, True]
    assert "warning: Track 3 never comes closer than" in err
    assert "it adds no time at any stop" in err
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", out["stops"][0]["first_visit"])  # public: whole days
    assert out["weekly"]["rows"]
    assert not any(v in json.dumps(out) for v in PERSONAL.values())
    assert "walk.gpx" not in json.dumps(out)


def test_bad_tracks_are_refused_with_one_line(files, capsys):
    code, out, err = run(capsys, "dosage", files["notime"], "--plan", files["plan"])
    assert (code, out) == (2, None)
    assert "notime.gpx: none of its 50 track points has a time" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(capsys, "dosage", files["broken"], "--plan", files["plan"])
    assert code == 2
    assert "broken.gpx: not a readable GPX file" in err
    code, _, err = run(capsys, "dosage", files["walk"])
    assert code == 2
    assert "--plan ROUTE.gpx or --stops FILE" in err


def test_kept_tracks_are_stored_locally_and_deleted_with_one_command(files, tmp_path, capsys):
    code, out, _ = run(capsys, "dosage", files["walk"], "--plan", files["plan"], "--keep")
    assert code == 0
    folder = tmp_path / "store" / "tracks"
    assert Path(out["stored_in"]) == folder
    assert len(list(folder.glob("*.parquet"))) == 1
    code, again, _ = run(capsys, "dosage", "--stored", "--plan", files["plan"])
    assert code == 0
    assert again["stops"] == out["stops"]
    _, listed, _ = run(capsys, "tracks", "list")
    assert [t["points"] for t in listed["tracks"]] == [out["tracks"][0]["kept"]]
    code, deleted, _ = run(capsys, "tracks", "delete", "--all")
    assert (code, deleted["deleted"]) == (0, 1)
    assert list(folder.glob("*.parquet")) == []


def test_dosage_layer_draws_circles_of_the_radius_with_escaped_tooltips(files, route):
    from layers.dosage import dosage_layers

    plan = stops_from_route(route)
    plan.stops.loc[0, ["label", "order"]] = ["<script>x</script>", 0]  # an unordered stop is named by its label
    report = measure_dosage(
        [read_gpx(files["walk"], naive_time_zone=DOSAGE.naive_time_zone, max_mb=DOSAGE.max_file_mb)],
        plan,
        params=DosageSettings(),
    )
    ((group, rows),) = dosage_layers(report, lang="es")

    m = folium.Map()
    group.add_to(m)
    html = m.get_root().render()
    assert html.count("L.circle(") == len(plan.stops)
    assert f'"radius": {DosageSettings().radius_m}' in html
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "dosage-none" in html
    assert "dosage-met" in html or "dosage-short" in html
    assert {label for label, _ in rows} >= {"Parada (25 m): sin visita"}


def test_dosage_against_a_stops_file(files, route, tmp_path, capsys):
    import pandas as pd

    stops = tmp_path / "hot.csv"
    pd.DataFrame({"lat": route.stops.geometry.y, "lon": route.stops.geometry.x}).to_csv(stops, index=False)
    code, out, err = run(capsys, "dosage", files["walk"], "--stops", stops, "--mode", "internal")
    assert code == 0, err
    assert [s["visits"] for s in out["stops"]] == [1, 2, 0, 0]
    assert out["stops"][0]["planned_min"] is None
    assert out["order"]["planned"] is None
    assert "T" in out["stops"][0]["first_visit"]


def test_one_hidden_layer_per_week(files, route):
    from geo.patrol.dosage import weekly_dosage
    from layers.dosage import dosage_layers

    report = measure_dosage(
        [read_gpx(files["walk"], naive_time_zone=DOSAGE.naive_time_zone, max_mb=DOSAGE.max_file_mb)],
        stops_from_route(route),
        params=DosageSettings(),
    )
    weekly = weekly_dosage(report, None, incident_radius_m=150, min_count=3)
    layers = dosage_layers(report, lang="en", weekly=weekly, planned_path=route.path)
    names = [g.layer_name for g, _ in layers]
    weeks = sorted(weekly["week"].unique())
    assert names == ["Planned route", "Patrol dosage", *[f"Week of {w}" for w in weeks]]
    assert [g.show for g, _ in layers] == [True, True, *[False] * len(weeks)]
    m = folium.Map()
    for g, _ in layers:
        g.add_to(m)
    html = m.get_root().render()
    assert html.count("L.circle(") == len(route.stops) * (1 + len(weeks))
    first_week = weekly[weekly["week"] == weeks[0]].sort_values("order")
    assert f"Stop 1, week of {weeks[0]}: {round(first_week['minutes'].iloc[0])} min in 1 visit(s)" in html
