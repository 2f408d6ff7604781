"""Incident points (homicides and other incidents)."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.core.i18n import category_label, fmt_date, t
from layers._escape import esc
from layers._geojson import point_collection
from layers.style import Symbol, path_style


def incident_properties(incidents: gpd.GeoDataFrame, lang: str) -> dict[str, list[str]]:
    """Tooltip fields of each incident, formatted for ``lang`` (not yet escaped)."""
    local = incidents["occurred_at"]
    known = incidents["time_known"].to_numpy()
    return {
        "date": [fmt_date(d.date(), lang) for d in local],
        "time": [d.strftime("%H:%M") if k else "" for d, k in zip(local, known, strict=True)],
        "category": [category_label(c, lang) for c in incidents["category"]],
        "block": incidents["address_block"].fillna("").tolist(),
        "id": incidents["incident_id"].tolist(),
    }


def incidents_layer(
    incidents: gpd.GeoDataFrame, *, name: str, symbol: Symbol, lang: str, show: bool = True
) -> folium.FeatureGroup:
    """One point layer drawn as circle markers on a canvas (one GeoJSON object, not a Marker each)."""
    group = folium.FeatureGroup(name=name, show=show)
    if incidents.empty:
        return group
    props = incident_properties(incidents, lang)
    data = point_collection(incidents["lon"].to_numpy(), incidents["lat"].to_numpy(), props)
    fields = list(props)
    aliases = [esc(t(f"field.{f}", lang)) for f in fields]
    style = path_style(symbol)
    folium.GeoJson(
        data,
        marker=folium.CircleMarker(radius=symbol.radius),
        style_function=lambda _f, s=style: s,
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        control=False,
    ).add_to(group)
    return group
