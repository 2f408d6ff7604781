"""Context layers the Map and Patrol pages share: parks, housing, CSP sites and streets."""

from __future__ import annotations

import geopandas as gpd

from geo.core.i18n import t
from layers.compose import MapComposer
from layers.places import places_layer
from layers.streets import streets_layer
from layers.style import symbols

PLACE_LAYERS = (("csp_site", "layer.csp_sites"), ("park", "layer.parks"), ("housing", "layer.housing"))


def add_places(composer: MapComposer, places: gpd.GeoDataFrame, *, kinds: tuple[str, ...] | None = None) -> None:
    """Parks, housing developments and CSP sites (EPSG:4326), one layer each, with a legend row each.

    ``kinds`` limits the layers to those place kinds (all three when ``None``); a kind with no
    place adds no layer.
    """
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
    """The labelled context streets (EPSG:4326); nothing when there are none."""
    sym = symbols(composer.settings.colours)["street"]
    if not streets.empty:
        composer.add(streets_layer(streets, symbol=sym, lang=composer.lang), [(t("layer.streets", composer.lang), sym)])


def approximate_note(places: gpd.GeoDataFrame, lang: str) -> str | None:
    """The legend note for approximate outlines, when any place is approximate."""
    if places.empty or "approximate" not in places.columns:
        return None
    return t("legend.approximate", lang) if bool(places["approximate"].fillna(False).any()) else None
