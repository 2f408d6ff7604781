"""Monthly/yearly series, zero-filling and the legacy/NIBRS break."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from geo.analysis.trends import place_series, time_series, zone_series
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC
from geo.data.coverage import Coverage
from tests.analysis_helpers import ORIGIN, metric_points, square

X0, Y0 = ORIGIN


def _inc() -> gpd.GeoDataFrame:
    dates = ["2024-01-15", "2024-01-31", "2024-03-06", "2024-03-07", "2024-04-01", "2024-06-30"]
    xy = [(X0 + 10, Y0 + 10)] * 3 + [(X0 + 500, Y0 + 10)] * 3
    return metric_points(xy, dates=dates, categories=["robbery", "homicide"] * 3)


def test_monthly_series_zero_filled_with_break() -> None:
    ts = time_series(_inc(), freq="month")
    assert ts["period"].tolist() == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert ts["count"].tolist() == [2, 0, 2, 1, 0, 1]
    assert ts["era"].tolist() == ["legacy", "legacy", "break", "nibrs", "nibrs", "nibrs"]
    assert ts.attrs["nibrs_break"] == "2024-03-07"


def test_yearly_series_with_explicit_span_and_split() -> None:
    ts = time_series(_inc(), freq="year", start="2022-01-01", end="2024-12-31")
    assert ts["period"].tolist() == ["2022", "2023", "2024"]
    assert ts["count"].tolist() == [0, 0, 6]
    assert ts["era"].tolist() == ["legacy", "legacy", "break"]
    split = time_series(_inc(), freq="year", by="category", start="2023-01-01")
    assert set(split["category"]) == {"robbery", "homicide"}
    assert split.groupby("category")["count"].sum().to_dict() == {"homicide": 3, "robbery": 3}


def test_place_and_zone_series() -> None:
    park = gpd.GeoSeries([square(X0, Y0, 100)], crs=METRIC)
    ps = place_series(_inc(), park, within_m=100, freq="month")
    assert ps["count"].sum() == 3  # the three at 500 m are too far
    assert len(ps) == 6  # the span of all incidents, not only the near ones
    zones = gpd.GeoDataFrame(
        {"name": ["A", "B"]}, geometry=[square(X0, Y0, 100), square(X0 + 450, Y0, 100)], crs=METRIC
    )
    zs = zone_series(_inc(), zones, freq="year")
    assert zs.groupby("zone")["count"].sum().to_dict() == {"A": 3, "B": 3}


def test_bad_input() -> None:
    with pytest.raises(AnalysisError, match="freq must be"):
        time_series(_inc(), freq="week")
    with pytest.raises(AnalysisError, match="is after end"):
        time_series(_inc(), start="2025-01-01", end="2024-01-01")
    with pytest.raises(AnalysisError, match="cannot split"):
        time_series(_inc(), by="nope")


def test_series_outside_the_coverage_are_no_data() -> None:
    area = gpd.GeoSeries([square(X0 - 1000, Y0 - 1000, 1800)], crs=METRIC).to_crs("EPSG:4326").iloc[0]
    cov = Coverage(area, "points_hull", guess=True, date_from="2024-02-10", date_to="2024-05-31")
    park = gpd.GeoSeries([square(X0, Y0, 100)], crs=METRIC)
    ps = place_series(_inc(), park, within_m=100, freq="month", coverage=cov)
    assert ps.attrs["coverage"] == "covered"
    # January lies wholly before the first covered day and June after the last: no data, not 0
    assert ps["count"].isna().tolist() == [True, False, False, False, False, True]
    assert ps["count"].dropna().tolist() == [0, 1, 0, 0]
    far = gpd.GeoSeries([square(X0 + 5000, Y0, 100)], crs=METRIC)
    gone = place_series(_inc(), far, within_m=100, freq="month", coverage=cov)
    assert gone.attrs["coverage"] == "no_data"
    assert gone["count"].isna().all()
    zones = gpd.GeoDataFrame(
        {"name": ["A", "B"]}, geometry=[square(X0, Y0, 100), square(X0 + 5000, Y0, 100)], crs=METRIC
    ).to_crs("EPSG:4326")
    zs = zone_series(_inc(), zones, freq="year", coverage=cov)
    by_zone = zs.set_index("zone")
    assert by_zone.loc["B", "coverage"] == "no_data"
    assert pd.isna(by_zone.loc["B", "count"])
    assert by_zone.loc["A", "count"] == 3
