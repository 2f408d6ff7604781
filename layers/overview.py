"""The overview map: incidents, parks, housing, CSP sites and streets with legend and controls."""

from __future__ import annotations

from dataclasses import dataclass

import folium
import geopandas as gpd

from geo.core.i18n import t
from geo.core.settings import Settings
from layers.compose import MapComposer
from layers.incidents import incidents_layer
from layers.places import places_layer
from layers.streets import streets_layer
from layers.style import symbols

PLACE_LAYERS = (("csp_site", "layer.csp_sites"), ("park", "layer.parks"), ("housing", "layer.housing"))


@dataclass(frozen=True)
class OverviewData:
    """What the overview map draws (all EPSG:4326)."""

    homicides: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    synthetic: bool
    others: gpd.GeoDataFrame | None = None


def add_places(composer: MapComposer, places: gpd.GeoDataFrame, *, kinds: tuple[str, ...] | None = None) -> None:
    """Parks, housing developments and CSP sites, one layer each."""
    sym = symbols(composer.settings.colours)
    for kind, key in PLACE_LAYERS:
        if kinds is not None and kind not in kinds:
            continue
        subset = places[places["kind"] == kind]
        if subset.empty:
            continue
        name = t(key, composer.lang)
        composer.add(places_layer(subset, name=name, symbol=sym[kind], lang=composer.lang), [(name, sym[kind])])


def add_streets(composer: MapComposer, streets: gpd.GeoDataFrame) -> None:
    """The labelled context streets."""
    sym = symbols(composer.settings.colours)["street"]
    if not streets.empty:
        composer.add(streets_layer(streets, symbol=sym, lang=composer.lang), [(t("layer.streets", composer.lang), sym)])


def approximate_note(places: gpd.GeoDataFrame, lang: str) -> str | None:
    """The legend note for approximate outlines, when any place is approximate."""
    if places.empty or "approximate" not in places.columns:
        return None
    return t("legend.approximate", lang) if bool(places["approximate"].fillna(False).any()) else None


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
    composer = MapComposer(settings, lang=lang, tiles=tiles, asset_base=asset_base)
    add_streets(composer, data.streets)
    add_places(composer, data.places)
    if data.others is not None and not data.others.empty:
        name = t("layer.incidents", lang)
        composer.add(
            incidents_layer(data.others, name=name, symbol=sym["incident"], lang=lang), [(name, sym["incident"])]
        )
    name = t("layer.homicides", lang)
    composer.add(
        incidents_layer(data.homicides, name=name, symbol=sym["homicide"], lang=lang), [(name, sym["homicide"])]
    )
    return composer.finish(synthetic=data.synthetic, note=approximate_note(data.places, lang))
