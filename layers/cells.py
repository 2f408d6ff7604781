"""Grid cells shaded by class, sent compactly: the count grid, the aggregated incidents and the public grid.

A folium ``GeoJson`` layer writes about 240 bytes a cell (a GeoJSON polygon with its closing
corner, the properties, and a style map listing every feature's id): 1.3 MB for the 5,000 cells of
a million incidents, sent again on every rerun. :class:`CellShades` writes each cell's corners, its
class and the index of its label (about 90 bytes) and draws the same polygons with the map's canvas
renderer, each with a tooltip "Count: 12".
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from layers._escape import esc
from layers._geojson import COORD_DIGITS, feature_collection


class CellShades(MacroElement):
    """Cells as ``[class, label index, lat, lon, lat, lon, ...]`` rows (corners without the closing one)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var cells = {{ this.cells|tojson }};
            var labels = {{ this.labels|tojson }};
            var fills = {{ this.fills|tojson }};
            var style = {{ this.style|tojson }};
            var alias = {{ this.alias|tojson }};
            var group = {{ this._parent.get_name() }};
            for (var i = 0; i < cells.length; i++) {
                var c = cells[i], ring = [];
                for (var j = 2; j < c.length; j += 2) { ring.push([c[j], c[j + 1]]); }
                var shade = Object.assign({}, style, {fillColor: fills[Math.min(c[0], fills.length - 1)]});
                L.polygon(ring, shade).bindTooltip(alias + ": " + labels[c[1]], {sticky: true}).addTo(group);
            }
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        cells: list[list[float]],
        labels: list[str],
        *,
        fills: Sequence[str],
        alias: str,
        style: dict[str, object],
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "CellShades"
        self.cells = cells
        self.labels = labels
        self.fills = list(fills)
        self.alias = alias
        self.style = style


def _simple_polygons(geoms: np.ndarray) -> bool:
    return bool((shapely.get_type_id(geoms) == 3).all() and (shapely.get_num_interior_rings(geoms) == 0).all())


def shade_cells(
    group: folium.FeatureGroup,
    cells: gpd.GeoDataFrame,
    classes: Sequence[int],
    labels: Sequence[str],
    *,
    fills: Sequence[str],
    alias: str,
    outline: str = "#7a5a00",
    fill_opacity: float = 0.65,
) -> None:
    """Add ``cells`` (EPSG:4326 polygons) to ``group``, filled by ``classes`` and labelled ``labels`` (text).

    Labels and the tooltip's ``alias`` are HTML-escaped here. Cells with holes or several parts
    (never a grid's) go through folium's GeoJSON layer instead.
    """
    if cells.crs is None or cells.crs.to_epsg() != 4326:
        msg = f"layers draw EPSG:4326 data, got {cells.crs}"
        raise ValueError(msg)
    style: dict[str, object] = {"color": outline, "weight": 0.5, "fillOpacity": fill_opacity}
    geoms = cells.geometry.to_numpy()
    kept = np.flatnonzero(~(shapely.is_missing(geoms) | shapely.is_empty(geoms)))
    geoms = geoms[kept]
    klass = np.asarray(classes, dtype=int)[kept]
    texts = [str(labels[i]) for i in kept.tolist()]
    if not _simple_polygons(geoms):
        frame = gpd.GeoDataFrame({"n": texts, "k": klass}, geometry=geoms, crs=4326)
        folium.GeoJson(
            feature_collection(frame, ["n", "k"]),
            style_function=lambda f: {**style, "fillColor": fills[min(int(f["properties"]["k"]), len(fills) - 1)]},
            tooltip=folium.GeoJsonTooltip(fields=["n"], aliases=[esc(alias)]),
            control=False,
        ).add_to(group)
        return
    distinct = sorted(set(texts))
    index = {text: i for i, text in enumerate(distinct)}
    shapes = zip(klass.tolist(), texts, corner_rows(geoms), strict=True)
    rows = [[k, index[text], *corners] for k, text, corners in shapes]
    CellShades(rows, [esc(text) for text in distinct], fills=fills, alias=esc(alias), style=style).add_to(group)


def corner_rows(geoms: np.ndarray) -> list[list[float]]:
    """Each simple polygon's corners as ``[lat, lon, lat, lon, ...]`` (EPSG:4326, without the closing corner)."""
    ring = shapely.get_exterior_ring(geoms)
    coords = np.round(shapely.get_coordinates(ring)[:, ::-1], COORD_DIGITS).tolist()  # (lat, lon) corners
    ends = np.cumsum(shapely.get_num_coordinates(ring)).tolist()
    rows: list[list[float]] = []
    start = 0
    for end in ends:
        rows.append([v for corner in coords[start : end - 1] for v in corner])  # the closing corner repeats the first
        start = end
    return rows
