"""The report's headline counts against counts computed independently in the test.

Distances come from pyproj and shapely directly (geodesic for a point focus, EPSG:32611 planar for a
place outline), dates from pandas in America/Los_Angeles, rows from plain column comparisons: none of
the report's own helpers. A change to the ring, the map frame, the period, the comparison period or
the row filters inside the report fails here.
"""

from __future__ import annotations

import calendar
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo.core.filters import derived_columns
from geo.core.settings import Settings
from tests.report_helpers import (
    TO_UTM,
    between,
    demo_report,
    demo_tables,
    latimes_incidents,
    latimes_report,
    local_days,
    metres_from_outline,
    metres_from_point,
    near_bounds,
    place_utm,
    utm_xy,
)

RING_M = float(Settings().distances.rings_m[-1])
FRAME_EDGE_M = 1.0  # the ring is a 32-segment polygon: its bounds may fall short of the circle by ~0.1 m
PARK = "Harvard Park"
POINT = (33.98371, -118.30412)  # lat, lon (degrees), near Harvard Park


def assert_within(count: int, bounds: tuple[int, int], what: str) -> None:
    lo, hi = bounds
    assert lo <= count <= hi, f"{what}: the report says {count}, counted independently {lo}..{hi}"


def frame_bounds(inc, rows: np.ndarray, centre: tuple[float, float], half: float) -> tuple[int, int]:
    """(surely, possibly) inside the square frame of ``half`` metres around ``centre`` (EPSG:32611)."""
    x, y = utm_xy(inc)
    far = np.maximum(np.abs(x - centre[0]), np.abs(y - centre[1]))
    return int((rows & (far <= half - FRAME_EDGE_M)).sum()), int((rows & (far <= half + FRAME_EDGE_M)).sum())


def outline_frame(outline) -> tuple[tuple[float, float], float]:
    """The map frame of a place: a square around the ring, reaching one ring distance beyond it."""
    minx, miny, maxx, maxy = outline.bounds
    half = max(maxx - minx, maxy - miny) / 2 + RING_M + RING_M
    return ((minx + maxx) / 2, (miny + maxy) / 2), half


def check_place_report(r, inc, outline, *, start: str, end: str, previous: tuple[str, str]) -> None:
    dist = metres_from_outline(inc, outline)
    in_period = between(inc, start, end)
    assert r.ring_m == RING_M
    assert_within(r.counts["within"], near_bounds(dist, in_period, RING_M), "within the ring")
    assert_within(r.counts["previous"], near_bounds(dist, between(inc, *previous), RING_M), "comparison period")
    centre, half = outline_frame(outline)
    assert_within(r.counts["on_map"], frame_bounds(inc, in_period, centre, half), "on the map")


# --- the demo -------------------------------------------------------------------------------


def test_demo_place_counts_match_independent_counts():
    inc, places, _ = demo_tables()
    r = demo_report(privacy="internal")
    outline = place_utm(places, PARK)
    check_place_report(r, inc, outline, start="2023-06-01", end="2024-05-31", previous=("2022-06-01", "2023-05-31"))
    within, previous = r.counts["within"], r.counts["previous"]
    assert within >= 10  # enough to make the comparison, so the change figure is printed
    assert r.figures[1].number == within
    assert r.figures[0].number == r.counts["on_map"] == len(r.points)
    assert r.figures[2].number == within - previous
    assert f"there were {within} incidents within {RING_M:.0f} m of {PARK}" in r.summary


def test_demo_public_figures_match_independent_counts():
    inc, places, _ = demo_tables()
    r = demo_report()  # public
    dist = metres_from_outline(inc, place_utm(places, PARK))
    lo, hi = near_bounds(dist, between(inc, "2023-06-01", "2024-05-31"), RING_M)
    assert lo >= 3
    assert_within(r.figures[1].number, (lo, hi), "public figure within the ring")
    assert r.figures[1].value in {str(n) for n in range(lo, hi + 1)}


def test_demo_trend_matches_yearly_counts():
    inc, places, _ = demo_tables()
    r = demo_report(privacy="internal")
    dist = metres_from_outline(inc, place_utm(places, PARK))
    assert len(r.trend) >= 5
    for row in r.trend.itertuples():
        year = pd.Timestamp(row.period_start).year
        last = min(dt.date(year, 12, 31), dt.date(2024, 5, 31))
        rows = between(inc, f"{year}-01-01", last.isoformat())
        assert_within(int(row.count), near_bounds(dist, rows, RING_M), f"trend {year}")


def test_demo_point_focus_counts_by_geodesic_distance():
    inc, _, _ = demo_tables()
    lat, lon = POINT
    r = demo_report(place=None, lat=lat, lon=lon, privacy="internal", start="2016-01-01", end="2016-12-31")
    dist = metres_from_point(inc, lat, lon)
    assert_within(r.counts["within"], near_bounds(dist, between(inc, "2016-01-01", "2016-12-31"), RING_M), "point")
    assert_within(r.counts["previous"], near_bounds(dist, between(inc, "2015-01-01", "2015-12-31"), RING_M), "2015")
    assert r.counts["within"] >= 10
    centre = TO_UTM.transform(lon, lat)  # a point's frame: the ring, and one ring distance beyond it
    on_map = frame_bounds(inc, between(inc, "2016-01-01", "2016-12-31"), centre, 2 * RING_M)
    assert_within(r.counts["on_map"], on_map, "on the map around the point")


def test_demo_row_filters_are_applied_as_counted_independently():
    inc, places, _ = demo_tables()
    fields = {"categories": ("robbery", "assault_with_weapon"), "sexes": ("M",), "hours": (18, 23)}
    r = demo_report(privacy="internal", fields=fields, start="2018-01-01", end="2019-12-31")
    hour = pd.to_datetime(inc["occurred_at"]).dt.tz_convert("America/Los_Angeles").dt.hour
    rows = (
        inc["category"].isin(["robbery", "assault_with_weapon"]).to_numpy(dtype=bool)
        & (inc["victim_sex"].fillna("").str.strip().str.upper() == "M").to_numpy(dtype=bool)
        & ((hour >= 18) & (hour <= 23)).to_numpy(dtype=bool)
        & inc["time_known"].to_numpy(dtype=bool)
    )
    dist = metres_from_outline(inc, place_utm(places, PARK))
    near = near_bounds(dist, rows & between(inc, "2018-01-01", "2019-12-31"), RING_M)
    assert_within(r.counts["within"], near, "filtered rows within the ring")
    everyone = demo_report(privacy="internal", start="2018-01-01", end="2019-12-31")
    assert r.counts["within"] < everyone.counts["within"]  # the filter did select fewer rows
    previous = near_bounds(dist, rows & between(inc, "2016-01-01", "2017-12-31"), RING_M)
    assert_within(r.counts["previous"], previous, "filtered rows in the previous two years")
    # the derived columns a page caches give the same rows
    cached = demo_report(privacy="internal", fields=fields, start="2018-01-01", end="2019-12-31",
                         derived=derived_columns(inc))  # fmt: skip
    assert cached.counts == r.counts


def test_a_one_day_period_counts_the_incidents_of_that_day():
    inc, places, _ = demo_tables()
    dist = metres_from_outline(inc, place_utm(places, PARK))
    inside = dist <= RING_M - 1
    day = local_days(inc)[inside & between(inc, "2019-01-01", "2019-12-31")].max().date().isoformat()
    r = demo_report(privacy="internal", start=day, end=day)
    near = near_bounds(dist, between(inc, day, day), RING_M)
    assert near[0] >= 1
    assert_within(r.counts["within"], near, f"within the ring on {day}")


def test_ring_distance_follows_the_filters_rings():
    inc, places, _ = demo_tables()
    r = demo_report(privacy="internal", fields={"rings_m": (75.0, 150.0, 250.0)})
    assert r.ring_m == 250.0
    dist = metres_from_outline(inc, place_utm(places, PARK))
    near = near_bounds(dist, between(inc, "2023-06-01", "2024-05-31"), 250.0)
    assert_within(r.counts["within"], near, "within 250 m")
    assert "within 250 m of Harvard Park" in r.summary


def test_default_period_ends_with_the_data_not_with_the_selected_rows():
    inc, _, _ = demo_tables()
    latest = local_days(inc).max().date()
    homicides = inc[inc["category"] == "homicide"]
    assert local_days(homicides).max().date() < latest  # the demo's last homicide is before its last incident
    r = demo_report(start=None, end=None, fields={"categories": ("homicide",)}, privacy="internal")
    assert r.period_end == latest
    assert r.data_as_of == latest
    assert r.period_start == dt.date(latest.year - 1, latest.month, latest.day) + dt.timedelta(days=1)
    assert r.title == "Homicides near Harvard Park"  # one category asked for, named in the title
    public = demo_report(start=None, end=None, fields={"categories": ("homicide",)})  # whole months
    assert public.period_end == dt.date(latest.year, latest.month, calendar.monthrange(latest.year, latest.month)[1])
    assert public.period_start == r.period_start.replace(day=1)


# --- the LA Times file (real data) ----------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("start", "end", "previous"),
    [
        ("2007-01-01", "2016-12-31", ("1997-01-01", "2006-12-31")),
        ("2016-01-01", "2016-12-31", ("2015-01-01", "2015-12-31")),
    ],
)
def test_latimes_place_counts_match_independent_counts(start, end, previous):
    inc = latimes_incidents()
    _, places, _ = demo_tables()
    r = latimes_report(privacy="internal", start=start, end=end)
    check_place_report(r, inc, place_utm(places, PARK), start=start, end=end, previous=previous)
    assert r.counts["within"] >= 1


@pytest.mark.realdata
def test_latimes_point_counts_by_geodesic_distance():
    inc = latimes_incidents()
    lat, lon = POINT
    r = latimes_report(place=None, lat=lat, lon=lon, privacy="internal")
    dist = metres_from_point(inc, lat, lon)
    near = near_bounds(dist, between(inc, "2000-01-01", "2017-06-30"), RING_M)
    assert_within(r.counts["within"], near, "LA Times victims within the ring of the point")
    assert near[0] >= 10
