"""Context streets, labelled so a map without tiles still reads."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.core.i18n import t
from layers._escape import esc
from layers._geojson import feature_collection
from layers.style import Symbol, path_style

LABEL_POSITIONS = (0.2, 0.75)  # fractions along each street where its name is written
STAGGER = 0.37  # shifts labels of neighbouring streets so parallel labels do not line up


def streets_layer(streets: gpd.GeoDataFrame, *, symbol: Symbol, lang: str, labels: bool = True) -> folium.FeatureGroup:
    """Street lines (EPSG:4326) with their names written along them."""
    group = folium.FeatureGroup(name=t("layer.streets", lang), show=True)
    if streets.empty:
        return group
    data = feature_collection(streets, ["name"])
    style = path_style(symbol)
    folium.GeoJson(
        data,
        style_function=lambda _f, s=style: s,
        tooltip=folium.GeoJsonTooltip(fields=["name"], aliases=[esc(t("field.street", lang))], labels=False),
        control=False,
    ).add_to(group)
    if labels:
        for i, (name, line) in enumerate(zip(streets["name"], streets.geometry, strict=True)):
            if line is None or line.is_empty:
                continue
            minx, miny, maxx, maxy = line.bounds
            vertical = (maxy - miny) > (maxx - minx)
            css = "street-label vertical" if vertical else "street-label"
            shift = (i * STAGGER) % 0.3 - 0.15
            for frac in LABEL_POSITIONS:
                pt = line.interpolate(min(max(frac + shift, 0.05), 0.95), normalized=True)
                folium.Marker(
                    location=[pt.y, pt.x],
                    icon=folium.DivIcon(html=f'<span class="{css}">{esc(name)}</span>', icon_size=(0, 0)),
                    interactive=False,
                ).add_to(group)
    return group


STREET_LABEL_CSS = (
    "<style>.street-label{display:inline-block;transform:translate(-50%,-50%);white-space:nowrap;"
    "background:rgba(255,255,255,0.8);color:#444;font:11px system-ui,sans-serif;padding:0 3px;"
    "border-radius:2px;pointer-events:none}.street-label.vertical{transform:translate(-50%,-50%) rotate(-90deg)}"
    "</style>"
)
