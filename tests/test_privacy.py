"""Public aggregation for exports (geo.exports.privacy): cells only, small counts suppressed, no fine coordinates."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC, lonlat_to_metric
from geo.exports.privacy import (
    PUBLIC_CELL_COLUMNS,
    check_mode,
    check_public_cells,
    class_breaks,
    internal_points,
    public_cells,
)

CELL = 150.0


def metric_points(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    ts = pd.Timestamp("2016-05-01 12:00", tz="America/Los_Angeles")
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"r{i}" for i in range(len(xy))],
            "category": "homicide",
            "occurred_at": [ts] * len(xy),
            "address_block": "6200 S HALLDALE AVE",
        },
        geometry=[shapely.Point(x, y) for x, y in xy],
        crs=METRIC,
    )


# cell (0,0) of a grid aligned at x=370050, y=3760050: 5 points; next cell east: 2; far cell: 1
BASE_X, BASE_Y = 370_050.0, 3_760_050.0
XY = [(BASE_X + 10 + i, BASE_Y + 20 + i) for i in range(5)]
XY += [(BASE_X + CELL + 30, BASE_Y + 40), (BASE_X + CELL + 60, BASE_Y + 70)]
XY += [(BASE_X + 4 * CELL + 5, BASE_Y + 3 * CELL + 5)]


def test_small_cells_are_suppressed_and_keep_no_count() -> None:
    cells = public_cells(metric_points(XY), cell_m=CELL, min_count=3, lang="en")
    assert list(cells.columns) == list(PUBLIC_CELL_COLUMNS)
    assert len(cells) == 3
    shown = cells[~cells["suppressed"]]
    assert shown["count"].tolist() == [5]
    hidden = cells[cells["suppressed"]]
    assert len(hidden) == 2
    assert hidden["count"].isna().all()
    assert set(hidden["label"]) == {"fewer than 3"}
    assert (hidden["level"] == 0).all()
    assert cells.attrs["suppressed"] == 2
    check_public_cells(cells, min_count=3)
    # the exact small numbers 1 and 2 appear nowhere in the cell table's values
    values = {str(v) for col in ("count", "label") for v in cells[col].dropna()}
    assert not values & {"1", "2"}


def test_spanish_labels() -> None:
    cells = public_cells(metric_points(XY), cell_m=CELL, min_count=3, lang="es")
    assert set(cells.loc[cells["suppressed"], "label"]) == {"menos de 3"}
    assert Disclosure(3, public=True).text(2, "es") == "menos de 3"
    assert Disclosure(3, public=False).text(2, "es") == "2"
    assert Disclosure(3, public=True).text(0, "en") == "0"


def test_cell_corners_are_grid_nodes() -> None:
    cells = public_cells(metric_points(XY), cell_m=CELL, min_count=3)
    coords = shapely.get_coordinates(cells.geometry.to_numpy())
    x, y = lonlat_to_metric(coords[:, 0], coords[:, 1])
    for v in (x, y):
        off = np.abs(v / CELL - np.round(v / CELL)) * CELL
        assert off.max() < 0.5, "a cell corner is not on the metric grid (to 0.5 m)"


def test_bounds_limit_the_counted_incidents() -> None:
    bounds = (BASE_X, BASE_Y, BASE_X + 2 * CELL - 1, BASE_Y + CELL - 1)
    cells = public_cells(metric_points(XY), cell_m=CELL, min_count=3, bounds=bounds)
    assert len(cells) == 2


def test_guard_rejects_unsafe_tables() -> None:
    cells = public_cells(metric_points(XY), cell_m=CELL, min_count=3)
    with pytest.raises(AnalysisError, match="may identify"):
        check_public_cells(cells.assign(address_block="x"), min_count=3)
    leaked = cells.copy()
    leaked["count"] = pd.array([5, 1, 2], dtype="Int64")
    with pytest.raises(AnalysisError, match="exact count below 3"):
        check_public_cells(leaked, min_count=3)


def test_breaks_and_modes() -> None:
    assert class_breaks(np.array([1, 2]), min_count=3) == [3]
    b = class_breaks(np.array([3, 4, 5, 9, 10, 20, 40]), min_count=3)
    assert b[0] == 3
    assert all(x < y for x, y in itertools.pairwise(b))
    with pytest.raises(AnalysisError, match="privacy mode"):
        check_mode("open")


def test_internal_points_keep_only_safe_columns() -> None:
    pts = internal_points(metric_points(XY))
    assert list(pts.columns) == ["incident_id", "date", "category", "geometry"]
    assert pts.crs == "EPSG:4326"
