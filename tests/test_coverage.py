"""Coverage of an incident layer, and how places are judged against it (small frames)."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from geo.core.errors import DataError
from geo.data.coverage import COVERED, NO_DATA, PARTIAL, Coverage, coverage_from, place_coverage, source_area

GEOD = Geod(ellps="WGS84")
HOOD = box(-118.31, 33.975, -118.295, 33.99)


def points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs="EPSG:4326")


def test_source_area_from_the_latimes_file_name() -> None:
    meta = {"source": "latimes_homicides", "url_or_file": "/d/latimes/harvard_park_homicides.json"}
    assert source_area(meta) == "Harvard Park"
    assert source_area({**meta, "url_or_file": "homicides.json"}) is None
    assert source_area({"source": "lapd_legacy_csv", "url_or_file": "harvard_park_homicides.json"}) is None


def test_rules_in_order() -> None:
    inc = points([(-118.30, 33.98), (-118.305, 33.985), (-118.299, 33.981)])
    divisions = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[box(-119, 33, -118.3, 35), box(-118.3, 33, -118, 35)])
    divisions = divisions.set_crs(4326)
    lapd = coverage_from({"source": "lapd_legacy_csv", "date_from": "2020-01-01"}, inc, divisions=("divs", divisions))
    assert (lapd.method, lapd.from_layer, lapd.guess, lapd.date_from) == ("lapd_divisions", "divs", False, "2020-01-01")
    assert lapd.geometry.equals(box(-119, 33, -118, 35)) or abs(lapd.geometry.area - 2.0) < 1e-9
    hoods = gpd.GeoDataFrame({"name": ["Watts", "Harvard Park"]}, geometry=[box(0, 0, 1, 1), HOOD], crs=4326)
    meta = {"source": "latimes_homicides", "url_or_file": "harvard_park_homicides.json"}
    hp = coverage_from(meta, inc, neighborhoods=[("hoods", hoods)])
    assert (hp.method, hp.area_name, hp.geometry.equals(HOOD)) == ("latimes_neighborhood", "Harvard Park", True)
    guess = coverage_from({"source": "latimes_police_killings"}, inc, divisions=("divs", divisions))
    assert guess.method == "points_hull"
    assert guess.guess
    assert all(guess.geometry.covers(p) for p in inc.geometry)
    with pytest.raises(DataError, match="empty"):
        coverage_from({"source": "x"}, inc.iloc[:0])


def test_places_covered_partly_covered_or_no_data() -> None:
    cov = coverage_from(
        {"source": "latimes_homicides", "url_or_file": "harvard_park_homicides.json"},
        points([(-118.3, 33.98)]),
        neighborhoods=[("h", gpd.GeoDataFrame({"name": ["Harvard Park"]}, geometry=[HOOD], crs=4326))],
    )
    places = points([(-118.3025, 33.9825), (-118.2955, 33.9825), (-118.23, 33.948)])
    judged = place_coverage(places, cov, within_m=100, min_share=0.95)
    assert judged["coverage"].tolist() == [COVERED, PARTIAL, NO_DATA]
    assert judged["coverage_share"].iloc[0] == pytest.approx(1.0)
    # the second point lies d metres inside the east edge: the part of its 100 m disc beyond the edge
    # is a circular segment of area r^2 acos(d/r) - d sqrt(r^2 - d^2)
    _, _, d = GEOD.inv(-118.2955, 33.9825, -118.295, 33.9825)
    r = 100.0
    segment = r**2 * math.acos(d / r) - d * math.sqrt(r**2 - d**2)
    assert judged["coverage_share"].iloc[1] == pytest.approx(1 - segment / (math.pi * r**2), abs=0.005)
    assert judged["coverage_share"].iloc[2] == 0
    with pytest.raises(DataError, match="min_share"):
        place_coverage(places, cov, within_m=100, min_share=0)


def test_a_place_outside_the_area_whose_surroundings_reach_in_is_partly_covered() -> None:
    """A park just across the city limit: its 400 m ring reaches into the covered area, whose incidents there are
    real counts; "no data" is for a place none of whose surroundings is covered."""
    area = Coverage(geometry=box(-118.3000, 33.90, -118.20, 34.10), method="points_hull", guess=True)
    outside_near = points([(-118.3020, 33.9839)])  # about 185 m west of the edge
    judged = place_coverage(outside_near, area, within_m=400, min_share=0.5).iloc[0]
    assert judged["coverage"] == PARTIAL
    assert 0 < judged["coverage_share"] < 0.5
    farther = place_coverage(outside_near, area, within_m=100, min_share=0.5).iloc[0]  # 100 m does not reach
    assert farther["coverage"] == NO_DATA
    assert farther["coverage_share"] == 0
