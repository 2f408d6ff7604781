"""Filters: grouping rules, masks, the URL round trip and bad query parameters."""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from geo.core.errors import DataError
from geo.core.filters import (
    AGE_BAND_KEYS,
    DESCENTS,
    SEXES,
    WEAPON_GROUPS,
    Filters,
    age_band,
    apply,
    descent_group,
    weapon_group,
)
from geo.core.schema import TZ

ROWS = [
    # occurred (local), time_known, category, weapon, age, sex, descent
    ("2016-06-03 21:30", True, "homicide", "HAND GUN", 19, "M", "B"),
    ("2016-06-04 02:10", True, "robbery", "STRONG-ARM (HANDS, FIST, FEET OR BODILY FORCE)", 34, "F", "H"),
    ("2017-01-09 12:00", True, "assault_with_weapon", "KNIFE WITH BLADE 6INCHES OR LESS", None, "X", "K"),
    ("2017-03-01 00:00", False, "homicide", None, 52, None, None),
    ("2015-06-03 22:00", True, "homicide", "UNKNOWN WEAPON/OTHER WEAPON", 16, "H", "W"),
]


@pytest.fixture
def incidents() -> gpd.GeoDataFrame:
    df = pd.DataFrame(
        ROWS, columns=["t", "time_known", "category", "weapon", "victim_age", "victim_sex", "victim_descent"]
    )
    df["occurred_at"] = pd.to_datetime(df.pop("t")).dt.tz_localize(TZ)
    df["victim_age"] = df["victim_age"].astype("Int64")
    for c in ("category", "weapon", "victim_sex", "victim_descent"):
        df[c] = df[c].astype("string")
    return gpd.GeoDataFrame(df, geometry=[shapely.Point(-118.3, 33.98)] * len(df), crs="EPSG:4326")


def ids(gdf: gpd.GeoDataFrame) -> list[int]:
    return list(gdf.index)


def test_grouping_rules() -> None:
    assert weapon_group("HAND GUN") == "firearm"
    assert weapon_group("SEMI-AUTOMATIC PISTOL") == "firearm"
    assert weapon_group("KNIFE WITH BLADE 6INCHES OR LESS") == "knife"
    assert weapon_group("STRONG-ARM (HANDS, FIST, FEET OR BODILY FORCE)") == "bodily_force"
    assert weapon_group("UNKNOWN WEAPON/OTHER WEAPON") == "unknown"
    assert weapon_group(pd.NA) == "unknown"
    assert weapon_group("VEHICLE") == "other"
    assert descent_group("K") == "A"
    assert descent_group(None) == "X"
    assert age_band(17) == "0-17"
    assert age_band(18) == "18-24"
    assert age_band(50) == "50+"
    assert age_band(pd.NA) == "unknown"


def test_each_filter_selects_what_it_should(incidents: gpd.GeoDataFrame) -> None:
    assert ids(apply(incidents, Filters())) == [0, 1, 2, 3, 4]
    assert ids(apply(incidents, Filters(start=dt.date(2016, 6, 4), end=dt.date(2017, 1, 9)))) == [1, 2]
    assert ids(apply(incidents, Filters(categories=("homicide",)))) == [0, 3, 4]
    assert ids(apply(incidents, Filters(weapons=("unknown",)))) == [3, 4]
    assert ids(apply(incidents, Filters(age_bands=("unknown", "0-17")))) == [2, 4]
    assert ids(apply(incidents, Filters(sexes=("X",)))) == [2, 3, 4]
    assert ids(apply(incidents, Filters(descents=("A",)))) == [2]
    assert ids(apply(incidents, Filters(weekdays=(4,)))) == [0]  # Friday 3 June 2016


def test_hours_wrap_past_midnight_and_skip_unknown_times(incidents: gpd.GeoDataFrame) -> None:
    assert ids(apply(incidents, Filters(hours=(21, 2)))) == [0, 1, 4]
    assert ids(apply(incidents, Filters(hours=(0, 12)))) == [1, 2]


def test_year_earlier_period() -> None:
    f = Filters(start=dt.date(2024, 2, 29), end=dt.date(2024, 12, 31))
    assert f.shifted_years(-1).start == dt.date(2023, 2, 28)
    assert f.shifted_years(-1).end == dt.date(2023, 12, 31)


def test_invalid_filters_are_refused() -> None:
    with pytest.raises(DataError, match="unknown categories"):
        Filters(categories=("arson",))
    with pytest.raises(DataError, match="after the end date"):
        Filters(start=dt.date(2020, 1, 2), end=dt.date(2020, 1, 1))
    with pytest.raises(DataError, match="hours"):
        Filters(hours=(0, 24))


def test_bad_query_parameters_are_reported_and_ignored() -> None:
    f, problems = Filters.from_query({"from": "2020-13-01", "cat": "homicide,arson", "sex": "F", "hours": "x"})
    assert f == Filters(sexes=("F",))
    assert len(problems) == 3
    assert any(p.startswith("from=") for p in problems)
    f, problems = Filters.from_query({"from": "2021-01-01", "to": "2020-01-01"})
    assert f == Filters()
    assert problems == ["the start date 2021-01-01 is after the end date 2020-01-01"]


dates = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2030, 12, 31))


@st.composite
def filters(draw: st.DrawFn) -> Filters:
    start, end = draw(st.none() | dates), draw(st.none() | dates)
    if start and end and start > end:
        start, end = end, start
    rings = tuple(sorted(set(draw(st.lists(st.integers(1, 2000), max_size=4)))))

    def subset(pool: tuple) -> tuple:
        return tuple(v for v in pool if draw(st.booleans()))

    return Filters(
        start=start,
        end=end,
        categories=subset(("homicide", "robbery", "shots_fired")),
        weapons=subset(WEAPON_GROUPS),
        age_bands=subset(AGE_BAND_KEYS),
        sexes=subset(SEXES),
        descents=subset(DESCENTS),
        hours=(draw(st.integers(0, 23)), draw(st.integers(0, 23))),
        weekdays=subset(tuple(range(7))),
        place=draw(st.none() | st.sampled_from(["Harvard Park", "Jordan Downs", "Ted Watkins Memorial Park"])),
        rings_m=tuple(float(r) for r in rings),
    )


@given(filters())
def test_url_round_trip_is_exact(f: Filters) -> None:
    back, problems = Filters.from_query(f.to_query())
    assert problems == []
    assert back == f


def test_year_zero_dates_from_a_link_are_refused_before_any_arithmetic() -> None:
    f, problems = Filters.from_query({"from": "0001-01-01", "to": "0001-12-31"})
    assert (f.start, f.end) == (None, None)
    assert len(problems) == 2
    assert all("1900-01-01" in p and "2100-12-31" in p for p in problems)
    assert f.shifted_years(-1) == f  # the year-earlier comparison of the Map and Present pages
    f, problems = Filters.from_query({"from": "1900-01-01", "to": "2100-12-31"})
    assert problems == []
    assert f.shifted_years(-1).start == dt.date(1899, 1, 1)


def test_shifting_past_the_calendar_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="out of range"):
        Filters(start=dt.date(1, 3, 1)).shifted_years(-1)


@pytest.mark.parametrize("key", ["place", "from", "to", "cat", "rings"])
def test_huge_values_are_refused_with_a_short_message(key: str) -> None:
    raw = ("2020-01-01" if key in ("from", "to") else "Harvard Park") * 10_000  # over 100 KB
    f, problems = Filters.from_query({key: raw, "sex": "F"})
    assert f == Filters(sexes=("F",))
    (problem,) = problems
    assert problem.startswith(f"{key}=")
    assert "too long" in problem
    assert len(problem) < 120


def test_refused_values_are_quoted_short_and_clean() -> None:
    _, problems = Filters.from_query({"cat": "x" * 400 + "\x1b[2J"})
    (problem,) = problems
    assert "\x1b" not in problem
    assert len(problem) < 300
    _, problems = Filters.from_query({"place": "Harvard\nPark"})
    assert problems
    assert "control characters" in problems[0]


def test_filters_from_links_stay_hashable_cache_keys() -> None:
    a, _ = Filters.from_query({"place": "Harvard Park", "from": "2016-01-01", "cat": "homicide"})
    b, _ = Filters.from_query({"cat": "homicide", "from": "2016-01-01", "place": "Harvard Park"})
    assert hash(a) == hash(b)
    assert {a: 1}[b] == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.place = "x"  # type: ignore[misc]


# --- each filter narrows the others, and the edges are inclusive ------------------------------------------------

PERIOD_2016 = {"start": dt.date(2016, 1, 1), "end": dt.date(2016, 12, 31)}


@pytest.mark.parametrize(
    "field",
    [
        {"categories": ("homicide",)},
        {"weapons": ("firearm", "unknown")},
        {"age_bands": ("18-24", "0-17")},
        {"sexes": ("M", "X")},
        {"descents": ("B", "W")},
        {"weekdays": (4, 2)},
        {"hours": (21, 23)},
    ],
    ids=lambda f: next(iter(f)),
)
def test_a_filter_keeps_the_period(incidents: gpd.GeoDataFrame, field: dict[str, object]) -> None:
    """Row 4 (2015) matches every one of these filters; with the 2016 period it must stay out."""
    alone = ids(apply(incidents, Filters(**field)))  # type: ignore[arg-type]
    assert 4 in alone
    both = ids(apply(incidents, Filters(**PERIOD_2016, **field)))  # type: ignore[arg-type]
    assert 4 not in both
    assert set(both) <= set(alone)
    assert both  # row 0 (2016-06-03 21:30, homicide, hand gun, 19, M, B, a Friday) matches them all


def test_hours_are_inclusive_at_both_edges(incidents: gpd.GeoDataFrame) -> None:
    assert ids(apply(incidents, Filters(hours=(21, 21)))) == [0]  # 21:30 is in hour 21
    assert ids(apply(incidents, Filters(hours=(22, 22)))) == [4]
    assert ids(apply(incidents, Filters(hours=(2, 2)))) == [1]
    assert ids(apply(incidents, Filters(hours=(22, 2)))) == [1, 4]  # across midnight, both edges in
    assert ids(apply(incidents, Filters(hours=(3, 21)))) == [0, 2]


@pytest.mark.parametrize(("age", "band"), [(0, "0-17"), (17, "0-17"), (18, "18-24"), (24, "18-24"), (49, "35-49"),
                                           (50, "50+"), (200, "50+")])  # fmt: skip
def test_age_bands_are_inclusive_at_both_edges(age: int, band: str) -> None:
    from geo.core.filters import derived_columns

    frame = pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(["2016-01-01 10:00"]).tz_localize(TZ),
            "victim_age": pd.array([age], dtype="Int64"),
            "weapon": pd.array([None], dtype="string"),
            "victim_sex": pd.array([None], dtype="string"),
            "victim_descent": pd.array([None], dtype="string"),
        }
    )
    assert derived_columns(frame)["age_band"].iloc[0] == band


@pytest.mark.parametrize("raw", ["inf", "nan", "1e400", "1e308", "1e9", "1e-300", "-0", "75,inf", "0"])
def test_ring_distances_outside_1_m_to_20_km_or_not_finite_are_refused(raw: str) -> None:
    f, problems = Filters.from_query({"rings": raw})
    assert f.rings_m == ()
    assert len(problems) == 1
    assert problems[0].startswith("rings=")
    with pytest.raises(DataError):
        Filters(rings_m=tuple(float(v) for v in raw.split(",")))


def test_ring_distances_at_the_bounds_are_kept() -> None:
    assert Filters.from_query({"rings": "1,20000"})[0].rings_m == (1.0, 20000.0)
