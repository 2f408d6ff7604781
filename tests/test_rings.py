"""Border rings and the place ranking, on hand-built geometry in EPSG:32611."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis.rings import assign_rings, band_labels, distance_to_place, rank_places, ring_counts, ring_summary
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC
from geo.data.coverage import Coverage
from tests.analysis_helpers import ORIGIN, lonlat_points, metric_points, square

X0, Y0 = ORIGIN
PARK = gpd.GeoSeries([square(X0, Y0, 100.0)], crs=METRIC)  # 100 m x 100 m


def _pts(offsets: list[tuple[float, float]], **kw: object) -> gpd.GeoDataFrame:
    return metric_points([(X0 + dx, Y0 + dy) for dx, dy in offsets], **kw)  # type: ignore[arg-type]


def test_band_labels() -> None:
    assert band_labels((75, 150, 400)) == ["inside", "0-75", "75-150", "150-400"]
    assert band_labels((50.5,)) == ["inside", "0-50.5"]


def test_points_on_edges_go_to_documented_side() -> None:
    inc = _pts(
        [
            (50, 50),  # inside
            (100, 50),  # on the boundary -> inside
            (0, 0),  # on a corner -> inside
            (100.5, 50),  # 0.5 m out -> 0-75
            (175, 50),  # exactly 75 m -> 0-75 (outer edge closed)
            (175.5, 50),  # -> 75-150
            (50, 250),  # exactly 150 m north -> 75-150
            (500, 50),  # exactly 400 m -> 150-400
            (500.01, 50),  # just beyond -> missing
            (-400, 50),  # exactly 400 m west -> 150-400
            (100 + 300 / np.sqrt(2) * np.sqrt(2), 50),  # 400 m after float noise -> 150-400
        ]
    )
    bands = assign_rings(inc, PARK, rings_m=(75, 150, 400))
    expected = ["inside", "inside", "inside", "0-75", "0-75", "75-150", "75-150", "150-400", None, "150-400", "150-400"]
    got = [None if pd.isna(b) else b for b in bands]
    assert got == expected
    assert bands.index.equals(inc.index)


def test_distance_to_place_zero_inside() -> None:
    inc = _pts([(50, 50), (130, 100), (100, 140)])
    d = distance_to_place(inc, PARK)
    np.testing.assert_allclose(d.to_numpy(), [0.0, 30.0, 40.0])


def test_point_place_measures_from_point_and_has_no_inside() -> None:
    place = gpd.GeoSeries([shapely.Point(X0, Y0)], crs=METRIC)
    inc = _pts([(0, 0), (75, 0), (0, 75.5), (0, 150), (300, 400)])
    bands = assign_rings(inc, place, rings_m=(75, 150, 400))
    assert list(bands.astype(object).where(bands.notna(), None)) == ["0-75", "0-75", "75-150", "75-150", None]
    summary = ring_summary(inc, place, rings_m=(75, 150, 400))
    assert summary.inside == 0
    assert summary.point_place is True
    # 500 m away (3-4-5 triangle) is beyond 400 m
    assert summary.total_within == 4


def test_ring_summary_shape_and_total() -> None:
    inc = _pts([(50, 50), (120, 50), (120, 60), (300, 50), (800, 50)])
    summary = ring_summary(inc, PARK, rings_m=(75, 150, 400))
    assert summary.inside == 1
    assert summary.to_dict()["rings"] == [
        {"from_m": 0.0, "to_m": 75.0, "count": 2},
        {"from_m": 75.0, "to_m": 150.0, "count": 0},
        {"from_m": 150.0, "to_m": 400.0, "count": 1},
    ]
    assert summary.total_within == 4


def test_ring_counts_by_year_and_category_zero_filled() -> None:
    inc = _pts(
        [(50, 50), (120, 50), (120, 50), (300, 50)],
        dates=["2015-03-01", "2015-07-01", "2016-01-01", "2016-12-31"],
        categories=["robbery", "homicide", "robbery", "robbery"],
    )
    table = ring_counts(inc, PARK, rings_m=(75, 150), by=["year", "category"])
    assert list(table.columns) == ["year", "category", "band", "from_m", "to_m", "count"]
    assert table["count"].sum() == 3  # 300 m is beyond 150 m
    row = table[(table["year"] == 2015) & (table["category"] == "homicide") & (table["band"] == "0-75")]
    assert int(row["count"].iloc[0]) == 1
    # every band appears for each (year, category) seen
    assert len(table) == 3 * table[["year", "category"]].drop_duplicates().shape[0]


def test_ring_counts_lonlat_input_matches_metric() -> None:
    xy = np.array([(X0 + 50, Y0 + 50), (X0 + 140, Y0 + 50), (X0 + 220, Y0 + 50), (X0 + 390, Y0 + 50)])
    a = ring_counts(metric_points(xy), PARK, rings_m=(75, 150, 400))
    b = ring_counts(lonlat_points(xy), PARK.to_crs("EPSG:4326"), rings_m=(75, 150, 400))
    assert a["count"].tolist() == b["count"].tolist() == [1, 1, 1, 1]


def test_bad_rings_and_inputs() -> None:
    inc = _pts([(50, 50)])
    with pytest.raises(AnalysisError, match="increase strictly"):
        assign_rings(inc, PARK, rings_m=(150, 75))
    with pytest.raises(AnalysisError, match="positive"):
        assign_rings(inc, PARK, rings_m=(-5, 75))
    with pytest.raises(AnalysisError, match="GeoDataFrame"):
        assign_rings(pd.DataFrame({"a": [1]}), PARK, rings_m=(75, 150, 400))  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="no CRS"):
        assign_rings(inc.set_crs(None, allow_override=True), PARK, rings_m=(75, 150, 400))
    with pytest.raises(AnalysisError, match="cannot group by"):
        ring_counts(inc, PARK, rings_m=(75, 150, 400), by=["nope"])


def test_rank_places_per_km_and_year() -> None:
    places = gpd.GeoDataFrame(
        {
            "place_id": ["a", "b", "c"],
            "name": ["Small Park", "Big Park", "Point Park"],
            "kind": ["park", "park", "park"],
        },
        geometry=[square(X0, Y0, 100), square(X0 + 2000, Y0, 200), shapely.Point(X0 + 5000, Y0)],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    inc = _pts(
        [(50, 50), (150, 50), (250.0, 50), (2100, 100), (2100, -140), (5000, 100)],
        dates=["2014-01-01", "2014-06-01", "2015-01-01", "2016-01-01", "2017-01-01", "2017-12-31"],
    )
    table = rank_places(inc, places, within_m=150, years=2.0)
    assert table.crs == "EPSG:4326"
    by_name = table.set_index("name")
    # Small: inside, 50 m, 150 m (edge, inclusive) -> 3 over 0.4 km border
    assert by_name.loc["Small Park", "count"] == 3
    assert by_name.loc["Small Park", "per_km_year"] == pytest.approx(3 / 2 / 0.4, rel=1e-6)
    assert by_name.loc["Big Park", "count"] == 2
    assert by_name.loc["Big Park", "border_km"] == pytest.approx(0.8, rel=1e-6)
    assert by_name.loc["Point Park", "count"] == 1
    assert np.isnan(by_name.loc["Point Park", "per_km_year"])
    assert table["name"].tolist() == ["Small Park", "Big Park", "Point Park"]
    assert table["rank"].tolist() == [1, 2, 3]
    with pytest.raises(AnalysisError, match="no places of kind"):
        rank_places(inc, places, within_m=150, kind="housing")


def test_ring_polygons_match_the_bands_they_draw() -> None:
    import math

    import shapely

    from geo.analysis.rings import ring_polygons
    from geo.core.projection import METRIC, metric_to_lonlat

    # a 200 m x 100 m rectangle in metres, expressed in EPSG:4326
    x0, y0 = 380_000.0, 3_760_000.0
    xs, ys = metric_to_lonlat(np.array([x0, x0 + 200, x0 + 200, x0]), np.array([y0, y0, y0 + 100, y0 + 100]))
    rect = shapely.Polygon(zip(xs, ys, strict=True))
    bands = ring_polygons(rect, rings_m=(50, 100))
    assert list(bands["band"]) == ["inside", "0-50", "50-100"]
    area = bands.to_crs(METRIC).area.to_numpy()
    assert area[0] == pytest.approx(20_000, rel=1e-3)
    # buffer area of a rectangle: A + P d + pi d^2 (minus the previous band)
    assert area[1] == pytest.approx(600 * 50 + math.pi * 50**2, rel=2e-3)
    assert area[2] == pytest.approx(600 * 50 + math.pi * (100**2 - 50**2), rel=2e-3)
    point_bands = ring_polygons(shapely.Point(-118.3, 33.98), rings_m=(75,))
    assert list(point_bands["band"]) == ["0-75"]
    assert point_bands.to_crs(METRIC).area.iloc[0] == pytest.approx(math.pi * 75**2, rel=2e-3)


def _coverage_of(*shapes: shapely.Geometry, date_from: str | None = None, date_to: str | None = None) -> Coverage:
    area = gpd.GeoSeries([shapely.union_all(list(shapes))], crs=METRIC).to_crs("EPSG:4326").iloc[0]
    return Coverage(area, "points_hull", guess=True, date_from=date_from, date_to=date_to)


def test_rank_places_outside_the_coverage_are_no_data_not_zero() -> None:
    places = gpd.GeoDataFrame(
        {"place_id": ["a", "b", "c"], "name": ["Covered", "Edge", "Outside"], "kind": ["park"] * 3},
        geometry=[square(X0, Y0, 100), square(X0 + 1000, Y0, 100), square(X0 + 5000, Y0, 100)],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    inc = _pts([(50, 50), (1050, 50), (1050, 60)], dates=["2014-01-01", "2014-06-01", "2015-01-01"])
    # covers "Covered" with 500 m to spare and the western half of "Edge"
    cov = _coverage_of(square(X0 - 500, Y0 - 500, 1550))
    table = rank_places(inc, places, within_m=150, years=1.0, coverage=cov).set_index("name")
    assert table.loc["Covered", "coverage"] == "covered"
    assert table.loc["Edge", "coverage"] == "partial"
    assert table.loc["Outside", "coverage"] == "no_data"
    assert pd.isna(table.loc["Outside", "count"])
    assert pd.isna(table.loc["Outside", "rank"])
    assert np.isnan(table.loc["Outside", "per_year"])
    assert table.loc["Edge", "count"] == 2  # partial keeps its counts, flagged
    assert table.index[-1] == "Outside"
    # share of the "Edge" square grown by 150 m that lies west of the coverage's east edge (x = X0 + 1050)
    grown = square(X0 + 1000, Y0, 100).buffer(150, quad_segs=16)
    inside = grown.intersection(square(X0 - 500, Y0 - 500, 1550)).area / grown.area
    assert table.loc["Edge", "coverage_share"] == pytest.approx(inside, rel=1e-3)
    plain = rank_places(inc, places, within_m=150, years=1.0)
    assert "coverage" not in plain.columns
    assert plain.set_index("name").loc["Outside", "count"] == 0


def test_ring_summary_without_data_has_no_counts() -> None:
    inc = _pts([(50, 50)])
    cov = _coverage_of(square(X0 - 1000, Y0 - 1000, 2000))
    inside = ring_summary(inc, gpd.GeoSeries([square(X0, Y0, 100)], crs=METRIC), rings_m=(75, 150, 400), coverage=cov)
    assert inside.coverage == "covered"
    assert inside.inside == 1
    far = ring_summary(
        inc, gpd.GeoSeries([shapely.Point(X0 + 9000, Y0)], crs=METRIC), rings_m=(75, 150, 400), coverage=cov
    )
    assert far.coverage == "no_data"
    assert far.total_within is None
    assert [r.count for r in far.rings] == [None, None, None]


def test_rank_rates_are_per_year_of_the_incidents_span() -> None:
    """Two incidents a year apart (366 days inclusive) near one place: 2 / (366 / 365.25) per year."""
    place = gpd.GeoDataFrame(
        {"place_id": ["p"], "name": ["Park"], "kind": ["park"]},
        geometry=[square(ORIGIN[0], ORIGIN[1], 100)],
        crs=METRIC,
    ).to_crs("EPSG:4326")
    pts = metric_points(np.array([[ORIGIN[0] + 50, ORIGIN[1] + 50]] * 2))
    pts["occurred_at"] = pd.to_datetime(["2016-01-01 12:00", "2016-12-31 12:00"]).tz_localize("America/Los_Angeles")
    ranked = rank_places(pts, place, within_m=10)
    assert ranked["count"].iloc[0] == 2
    assert ranked["per_year"].iloc[0] == pytest.approx(2 / (366 / 365.25))
    given = rank_places(pts, place, within_m=10, years=2.0)
    assert given["per_year"].iloc[0] == pytest.approx(1.0)
