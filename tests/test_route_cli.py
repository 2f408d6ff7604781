"""``python -m geo route`` on the demo bundle with no network, and its one-line errors."""

from __future__ import annotations

import json

import gpxpy
import pytest

from geo.cli import main
from tests.route_helpers import grid_graph

BASE = ["route", "--start", "18:00", "--date", "2025-05-02"]


pytestmark = pytest.mark.usefixtures("offline")  # no connection, no osmnx download (tests/conftest.py)


def run(capsys, *argv):
    code = main([*BASE, *map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_demo_network_route_with_outputs(capsys, tmp_path):
    gpx_path, card = tmp_path / "route.gpx", tmp_path / "route.png"
    code, out, err = run(capsys, "--place", "Harvard Park", "--budget-min", 90, "--network", "demo",
                         "--out", gpx_path, "--card", card, "--lang", "es")  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    for key in ("stops", "distance_m", "walk_min", "total_min", "weight_covered"):
        assert key in summary
    assert 1 <= len(summary["stops"]) <= 8
    assert summary["total_min"] <= 90
    assert summary["network_approximate"] is True
    assert summary["synthetic"] is True
    assert summary["place"] == "Harvard Park"
    assert summary["stops"][0]["arrive"].startswith("2025-05-02T18:")
    assert gpxpy.parse(gpx_path.read_text(encoding="utf-8")).waypoints[0].name == "Salida"
    assert card.read_bytes().startswith(b"\x89PNG")


def test_lat_lon_start_and_options(capsys):
    code, out, err = run(capsys, "--lat", 33.9481, "--lon", -118.2307, "--budget-min", 60, "--stops", 2,
                         "--dwell-min", 12, "--speed-mps", 1.0)  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert len(summary["stops"]) <= 2
    assert all(s["dwell_min"] == 12 for s in summary["stops"])
    assert summary["speed_mps"] == 1.0
    assert summary["total_min"] <= 60
    assert summary["place"] == "Jordan Downs"  # the smallest demo place around the start


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--place", "Harvard Park", "--budget-min", 10], "no stop fits the 10-minute budget"),
        (["--lat", 33.5, "--lon", -118.0, "--budget-min", 60], "off the walking network"),
        (["--lat", 33.95, "--budget-min", 60], "give both --lat and --lon"),
        (["--place", "Nowhere Park", "--budget-min", 60], "no place named 'Nowhere Park'"),
        (["--place", "Harvard Park", "--budget-min", 60, "--card", "x.svg"], "--card must end in .pdf or .png"),
        (["--place", "Harvard Park", "--budget-min", -5], "positive number of minutes"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert err.count("\n") == 1


def test_start_time_format(capsys):
    code = main(["route", "--place", "Harvard Park", "--budget-min", "60", "--start", "7pm"])
    err = capsys.readouterr().err
    assert code == 2
    assert "HH:MM" in err


def test_osm_network_offline_without_cache_is_a_clear_error(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    code, _, err = run(capsys, "--place", "Harvard Park", "--budget-min", 60, "--network", "osm")
    assert code == 2
    assert "could not fetch the OpenStreetMap walking network" in err
    assert "--network demo" in err


def test_osm_network_from_the_cache(capsys, tmp_path, monkeypatch):
    from geo.data.walknet import write_graphml

    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    g = grid_graph(12, 12, 100)  # around 33.98, -118.30
    g.graph["note"] = "OpenStreetMap walking network (test copy)"
    write_graphml(g, tmp_path / "walk" / "walk_33.9850_-118.2950_3000m.graphml")
    code, out, err = run(capsys, "--lat", 33.9845, "--lon", -118.2950, "--budget-min", 45, "--network", "osm")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["network_approximate"] is False
    assert "OpenStreetMap" in summary["network"]
