"""Services and the conditions residents report, on the map.

Services (:mod:`geo.data.services`): a place as a purple square-ish dot, an intervention area as a dotted outline, a
Safe Passage route as a dashed line, each with a tooltip in words (name, kind, hours, season, contact; escaped). Lines
to call have no place and are listed under the map, not drawn. Conditions (:mod:`geo.analysis.conditions`): requests
per grid square shaded by count, with the conditions, how many are still open and the median days to close in the
tooltip.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np

from geo.core.i18n import fmt_int, fmt_num, t
from geo.data.services import described
from layers._geojson import feature_collection
from layers.style import Symbol, path_style

SERVICE_COLOUR = "#6a3d9a"
CONDITION_COLOUR = "#8c510a"
SYMBOLS = {
    "place": Symbol("dot", SERVICE_COLOUR, fill_opacity=0.8, weight=2.0, radius=6),
    "area": Symbol("area", SERVICE_COLOUR, fill_opacity=0.05, dash="1 5", weight=2.0),
    "route": Symbol("line", SERVICE_COLOUR, dash="8 6", weight=4.0),
}
FIELDS = ("title", "kind_label", "hours", "season", "contact")
CONDITION_STEPS = (0.15, 0.3, 0.45, 0.6)
"""Fill opacity of the request squares by quarter of the largest count (the outline carries the count in words)."""


def _shape(geom_type: str) -> str:
    if geom_type in ("Polygon", "MultiPolygon"):
        return "area"
    if geom_type in ("LineString", "MultiLineString"):
        return "route"
    return "place"


Layer = tuple[folium.FeatureGroup, list[tuple[str, Symbol]]]


def services_layers(services: gpd.GeoDataFrame, *, lang: str) -> list[Layer]:
    """One layer per kind of shape (places, areas, routes) with a legend row each; shapes with no service are left
    out, and so are the lines to call (no place)."""
    placed = services[services.geometry.notna() & ~services.geometry.is_empty]
    if not len(placed):
        return []
    frame = placed[["geometry"]].join(described(placed, lang))
    shapes = np.array([_shape(g) for g in frame.geometry.geom_type])
    out = []
    for shape in ("area", "route", "place"):
        rows = frame[shapes == shape]
        if not len(rows):
            continue
        label = t(f"services.layer.{shape}", lang)
        group = folium.FeatureGroup(name=label, show=True)
        style = path_style(SYMBOLS[shape])
        folium.GeoJson(
            feature_collection(rows, list(FIELDS)),
            marker=folium.CircleMarker(radius=SYMBOLS["place"].radius),
            style_function=lambda _f, s=style: s,
            tooltip=folium.GeoJsonTooltip(fields=list(FIELDS), labels=False, sticky=True),
            control=False,
        ).add_to(group)
        out.append((group, [(label, SYMBOLS[shape])]))
    return out


def conditions_layer(cells: gpd.GeoDataFrame, *, lang: str) -> Layer:
    """The request squares (:func:`geo.analysis.conditions.cells`) shaded by count, with a tooltip in words."""
    label = t("conditions.layer", lang)
    group = folium.FeatureGroup(name=label, show=True)
    symbol = Symbol("area", CONDITION_COLOUR, fill_opacity=CONDITION_STEPS[-1], dash="3 3", weight=1.0)
    if not len(cells):
        return group, [(label, symbol)]
    frame = cells.copy()
    top = float(frame["count"].max())
    kinds = [c for c in frame.columns if c.startswith("n_")]

    def words(row: dict[str, Any]) -> str:
        parts = [
            t("conditions.cell.kind", lang, n=fmt_int(int(row[k]), lang), condition=t(f"conditions.{k[2:]}", lang))
            for k in kinds
            if row[k] > 0
        ]
        days = row["median_days"]
        wait = t("conditions.cell.days", lang, days=fmt_num(float(days), lang)) if days == days else ""
        head = t("conditions.cell.head", lang, n=fmt_int(int(row["count"]), lang), open=fmt_int(int(row["open"]), lang))
        return " ".join(p for p in (head, "; ".join(parts) + ".", wait) if p)

    frame["text"] = [words(r) for r in frame.to_dict("records")]
    frame["step"] = np.minimum((frame["count"] / top * len(CONDITION_STEPS)).astype(int), len(CONDITION_STEPS) - 1)
    folium.GeoJson(
        feature_collection(frame, ["text", "step"]),
        style_function=lambda f: {
            "color": CONDITION_COLOUR,
            "weight": 1.0,
            "dashArray": "3 3",
            "fillColor": CONDITION_COLOUR,
            "fillOpacity": CONDITION_STEPS[int(f["properties"]["step"])],
        },
        tooltip=folium.GeoJsonTooltip(fields=["text"], labels=False, sticky=True),
        control=False,
    ).add_to(group)
    return group, [(label, symbol)]
