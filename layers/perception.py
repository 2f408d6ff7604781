"""Residents' marked places on a map: grid cells counted by distinct respondents, never a point.

The cells come from :func:`geo.survey.shown.mark_cells`, which leaves out every cell with fewer than
``survey.min_responses`` respondents of a kind. Places avoided are drawn orange with a solid outline, places
where residents feel safe blue with a dashed one (parks are green; colour is never the only cue), each in its own
layer with a tooltip in words ("7 residents avoid this block").
"""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.core.i18n import fmt_int, t
from layers._geojson import feature_collection
from layers.style import Symbol

AVOID_COLOUR = "#d95f02"
SAFE_COLOUR = "#2b6cb0"
SAFE_DASH = "5 4"
STYLE = {
    "avoid": {"color": AVOID_COLOUR, "weight": 2.0, "fillColor": AVOID_COLOUR, "fillOpacity": 0.45},
    "safe": {"color": SAFE_COLOUR, "weight": 2.0, "dashArray": SAFE_DASH, "fillColor": SAFE_COLOUR, "fillOpacity": 0.3},
}


def mark_layers(cells: gpd.GeoDataFrame, *, lang: str) -> list[tuple[folium.FeatureGroup, list[tuple[str, Symbol]]]]:
    """One layer per kind of mark (avoid, safe) with its legend row; kinds with no shown cell are left out."""
    out = []
    for kind in ("avoid", "safe"):
        shown = cells[cells[kind].notna()] if kind in cells.columns and len(cells) else cells.iloc[:0]
        if not len(shown):
            continue
        frame = shown.copy()
        frame["text"] = [t(f"community.cell.{kind}", lang, n=fmt_int(int(n), lang)) for n in frame[kind]]
        group = folium.FeatureGroup(name=t(f"community.layer.{kind}", lang), show=True)
        style = STYLE[kind]
        folium.GeoJson(
            feature_collection(frame, ["text"]),
            style_function=lambda _f, style=style: style,
            tooltip=folium.GeoJsonTooltip(fields=["text"], labels=False, sticky=True),
            control=False,
        ).add_to(group)
        symbol = Symbol("area", style["color"], fill_opacity=float(style["fillOpacity"]), dash=style.get("dashArray"))  # type: ignore[arg-type]
        out.append((group, [(t(f"community.layer.{kind}", lang), symbol)]))
    return out


AREA_COLOUR = "#444444"
AREA_DASH = "2 4"


def area_layer(areas: gpd.GeoDataFrame, *, lang: str) -> tuple[folium.FeatureGroup, list[tuple[str, Symbol]]]:
    """The areas the answers are scored in, as thin dotted outlines named in a tooltip (names escaped)."""
    group = folium.FeatureGroup(name=t("community.layer.areas", lang), show=True)
    if len(areas):
        style = {"color": AREA_COLOUR, "weight": 1.2, "dashArray": AREA_DASH, "fillOpacity": 0.0}
        folium.GeoJson(
            feature_collection(areas, ["area"]),
            style_function=lambda _f: style,
            tooltip=folium.GeoJsonTooltip(fields=["area"], labels=False, sticky=True),
            control=False,
        ).add_to(group)
    return group, [(t("community.layer.areas", lang), Symbol("area", AREA_COLOUR, dash=AREA_DASH, weight=1.2))]
