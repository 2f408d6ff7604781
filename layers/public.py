"""The public map layer: counts per grid cell with small counts suppressed, no points, no case numbers."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.core.i18n import t
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR
from layers.cells import shade_cells
from layers.style import Symbol


def public_layer(
    cells: gpd.GeoDataFrame, *, lang: str, name: str
) -> tuple[folium.FeatureGroup, list[tuple[str, Symbol]]]:
    """Cells of :func:`geo.exports.privacy.public_cells` (``level``, ``label``; EPSG:4326) as one shaded layer.

    Only each cell's text label ("fewer than 3", "12") and colour class travel to the browser.
    """
    group = folium.FeatureGroup(name=name, show=True)
    if cells.empty:
        return group, []
    colours = (SUPPRESSED_COLOUR, *LEVEL_COLOURS)
    levels, texts = cells["level"].astype(int).tolist(), cells["label"].astype(str).tolist()
    shade_cells(group, cells, levels, texts, fills=colours, alias=t("field.count", lang))
    labels = list(cells.attrs.get("class_labels") or [])
    rows = [
        (f"{name}: {label}", Symbol("area", colours[i + 1], fill_opacity=0.65, weight=1))
        for i, label in enumerate(labels)
    ]
    hidden = set(cells.loc[cells["suppressed"].astype(bool), "label"].astype(str))
    grey = Symbol("area", colours[0], fill_opacity=0.65, weight=1)
    withheld = t("privacy.withheld", lang)
    fewer = [(label, grey) for label in sorted(hidden - {withheld})]  # "fewer than N" first, "withheld" last
    return group, [*fewer, *rows, *([(withheld, grey)] if withheld in hidden else [])]
