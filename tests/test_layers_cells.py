"""Grid cells sent compactly (layers.cells): the same corners, classes and labels as the cells, escaped, small."""

from __future__ import annotations

import json
import re
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.analysis.grid import square_counts
from geo.core.i18n import fmt_int
from geo.data.datasets import load_incidents
from layers.cells import shade_cells
from layers.hotspots import COUNT_COLOURS, count_layer

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def drawn(group: folium.FeatureGroup) -> tuple[list[list[float]], list[str], str]:
    """The cells, labels and page of a layer, read back from the rendered page as the browser gets them."""
    m = folium.Map(tiles=None)
    group.add_to(m)
    page = m.get_root().render()
    found = re.search(r"var cells = (\[.*?\]);\s*var labels = (\[.*?\]);", page, re.S)
    assert found, "no compact cells on the page"
    return json.loads(found.group(1)), json.loads(found.group(2)), page


@pytest.fixture(scope="module")
def cells() -> gpd.GeoDataFrame:
    grid = square_counts(load_incidents(DEMO / "incidents.parquet"), cell_m=150)
    return grid[grid["count"] > 0].reset_index(drop=True)


def test_every_cell_is_drawn_with_its_corners_class_and_count(cells: gpd.GeoDataFrame) -> None:
    group, rows = count_layer(cells, lang="en", name="Grid")
    got, labels, page = drawn(group)
    assert len(got) == len(cells) > 50
    assert "geo_json" not in page  # no GeoJSON copy of the same cells
    corners = shapely.get_coordinates(shapely.get_exterior_ring(cells.geometry.to_numpy()))
    first = np.round(corners[:4, ::-1], 5)  # the first cell's four corners, (lat, lon)
    assert np.allclose(np.asarray(got[0][2:]).reshape(-1, 2), first)
    for row, count in zip(got, cells["count"], strict=True):
        assert labels[row[1]] == fmt_int(int(count), "en")
        assert len(row) == 2 + 8  # four corners, the closing one left out
    classes = [row[0] for row in got]
    assert set(classes) <= set(range(len(COUNT_COLOURS)))
    busiest = int(np.argmax(cells["count"].to_numpy()))
    assert classes[busiest] == max(classes)  # the busiest cell is in the top class
    assert len(rows) >= 2  # the legend names the classes


def test_labels_are_escaped_and_the_payload_is_small(cells: gpd.GeoDataFrame) -> None:
    group = folium.FeatureGroup(name="x")
    hostile = ["<img src=x onerror=alert(1)>"] * len(cells)
    shade_cells(group, cells, [1] * len(cells), hostile, fills=COUNT_COLOURS, alias="Count <b>")
    got, labels, page = drawn(group)
    assert labels == ["&lt;img src=x onerror=alert(1)&gt;"]
    assert "<img src=x" not in page
    alias = re.search(r'var alias = ("(?:[^"\\]|\\.)*");', page)
    assert alias
    assert json.loads(alias.group(1)) == "Count &lt;b&gt;"
    per_cell = len(json.dumps(got)) / len(got)
    assert per_cell < 120, per_cell  # a GeoJSON polygon with its style map takes about 240


def test_cells_with_holes_are_drawn_as_geojson(cells: gpd.GeoDataFrame) -> None:
    ring = cells.geometry.iloc[0]
    hole = ring.centroid.buffer(1e-4).exterior.coords
    holed = gpd.GeoDataFrame(geometry=[shapely.Polygon(ring.exterior.coords, [hole])], crs=4326)
    group = folium.FeatureGroup(name="x")
    shade_cells(group, holed, [0], ["5"], fills=COUNT_COLOURS, alias="Count")
    m = folium.Map(tiles=None)
    group.add_to(m)
    page = m.get_root().render()
    assert "geo_json" in page
    assert "var cells" not in page
    with pytest.raises(ValueError, match="EPSG:4326"):
        shade_cells(group, holed.to_crs(32611), [0], ["5"], fills=COUNT_COLOURS, alias="Count")
