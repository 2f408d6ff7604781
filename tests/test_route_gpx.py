"""GPX 1.1 export of a patrol route (geo.exports.gpx), parsed back with gpxpy."""

from __future__ import annotations

import itertools

import gpxpy
import pytest

from geo.core.errors import ConfigError
from geo.exports.gpx import route_gpx, write_gpx
from tests.route_helpers import small_route


@pytest.fixture(scope="module")
def route():
    return small_route()[0]


def test_gpx_parses_back_as_version_1_1(route, tmp_path):
    path = write_gpx(route, tmp_path / "route.gpx")
    text = path.read_text(encoding="utf-8")
    assert 'xmlns="http://www.topografix.com/GPX/1/1"' in text
    assert 'version="1.1"' in text
    gpx = gpxpy.parse(text)
    assert gpx.version == "1.1"
    assert len(gpx.tracks) == 1
    assert len(gpx.tracks[0].segments) == 1
    assert len(gpx.waypoints) == len(route.stops) + 1


def test_track_times_strictly_increase_and_the_loop_closes(route):
    gpx = gpxpy.parse(route_gpx(route))
    pts = gpx.tracks[0].segments[0].points
    times = [p.time for p in pts]
    assert all(t is not None and t.utcoffset().total_seconds() == 0 for t in times)
    assert all(a < b for a, b in itertools.pairwise(times))
    first, last = pts[0], pts[-1]
    assert (first.latitude, first.longitude) == pytest.approx((last.latitude, last.longitude), abs=1e-7)
    assert (times[-1] - times[0]).total_seconds() == pytest.approx(route.total_min * 60, abs=0.01)
    assert times[0] == route.start_time
    # the track is the route: its length is the walked distance
    assert gpx.tracks[0].length_2d() == pytest.approx(route.distance_m, rel=0.01)


def test_waypoints_carry_stop_times(route):
    gpx = gpxpy.parse(route_gpx(route))
    stops = gpx.waypoints[1:]
    assert [w.name for w in stops] == [f"Stop {k}" for k in route.stops["order"]]
    assert [w.time for w in stops] == list(route.stops["arrive"])
    assert "stay 15 min" in stops[0].description
    assert gpx.waypoints[0].name == "Start"
    assert "SYNTHETIC" in gpx.description


def test_spanish_gpx(route):
    gpx = gpxpy.parse(route_gpx(route, lang="es"))
    assert gpx.waypoints[0].name == "Salida"
    assert gpx.waypoints[1].name == "Parada 1"
    assert "permanezca 15 min" in gpx.waypoints[1].description
    assert gpx.name.startswith("Ruta de patrullaje a pie")


def test_bad_language(route):
    with pytest.raises(ConfigError, match="unsupported language"):
        route_gpx(route, lang="fr")
