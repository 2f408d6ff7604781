"""The overview map: incidents, parks, housing, CSP sites and streets with legend and controls."""

from __future__ import annotations

from dataclasses import dataclass

import folium
import geopandas as gpd

from geo.i18n import t
from geo.settings import Settings
from layers.basemap import make_map
from layers.incidents import incidents_layer
from layers.legend import LEGEND_CSS, Banner, Legend, add_css
from layers.places import places_layer
from layers.streets import STREET_LABEL_CSS, streets_layer
from layers.style import symbols


@dataclass(frozen=True)
class OverviewData:
    """What the overview map draws (all EPSG:4326)."""

    homicides: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    synthetic: bool
    others: gpd.GeoDataFrame | None = None


def overview_map(
    data: OverviewData,
    settings: Settings,
    *,
    lang: str,
    tiles: bool = False,
    asset_base: str | None = "/app/static/vendor",
) -> folium.Map:
    """Build the overview map with a layer control, a legend for every layer and a scale bar."""
    sym = symbols(settings.colours)
    m = make_map(settings.map, tiles=tiles, asset_base=asset_base)
    add_css(m, LEGEND_CSS + STREET_LABEL_CSS, "safetymap_css")
    legend_rows: list[tuple[str, object]] = []

    streets_layer(data.streets, symbol=sym["street"], lang=lang).add_to(m)
    legend_rows.append((t("layer.streets", lang), sym["street"]))
    for kind, key in (("csp_site", "layer.csp_sites"), ("park", "layer.parks"), ("housing", "layer.housing")):
        subset = data.places[data.places["kind"] == kind]
        if subset.empty:
            continue
        places_layer(subset, name=t(key, lang), symbol=sym[kind], lang=lang).add_to(m)
        legend_rows.append((t(key, lang), sym[kind]))
    if data.others is not None and not data.others.empty:
        incidents_layer(data.others, name=t("layer.incidents", lang), symbol=sym["incident"], lang=lang).add_to(m)
        legend_rows.append((t("layer.incidents", lang), sym["incident"]))
    incidents_layer(data.homicides, name=t("layer.homicides", lang), symbol=sym["homicide"], lang=lang).add_to(m)
    legend_rows.append((t("layer.homicides", lang), sym["homicide"]))

    approximate = bool(data.places.get("approximate", False).any()) if not data.places.empty else False
    Legend(
        t("legend.title", lang),
        legend_rows,  # type: ignore[arg-type]
        note=t("legend.approximate", lang) if approximate else None,
    ).add_to(m)
    if data.synthetic:
        Banner(t("banner.synthetic_short", lang), position="bottomleft").add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    return m
