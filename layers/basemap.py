"""The base map: Leaflet from local assets, optional tiles, scale bar, plain background."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import Element, Figure
from folium.elements import JSCSSMixin

from geo.core.settings import MapSettings
from geo.data import webassets as assets


def make_map(
    settings: MapSettings,
    *,
    tiles: bool = False,
    center: Sequence[float] | None = None,
    zoom: int | None = None,
    asset_base: str | None = assets.STATIC_URL,
) -> folium.Map:
    """A folium map whose scripts and styles load from this server, not a CDN.

    Parameters
    ----------
    settings
        Map defaults (centre in EPSG:4326 degrees, zooms, background colour, tile server).
    tiles
        Add the configured tile layer (only when its server answered a probe).
    asset_base
        URL prefix of the locally served assets; ``None`` for a standalone file whose
        assets are inlined by the exporter.
    """
    m = folium.Map(
        location=list(center or settings.center),
        zoom_start=zoom or settings.zoom,
        tiles=None,
        min_zoom=settings.min_zoom,
        max_zoom=settings.max_zoom,
        control_scale=True,
        prefer_canvas=True,
    )
    # Instance attributes win over folium's CDN defaults (class attributes).
    if asset_base is None:
        m.default_js = []
        m.default_css = []
    else:
        m.default_js = [("leaflet", assets.url_for(assets.LEAFLET_JS, base=asset_base))]
        m.default_css = [("leaflet_css", assets.url_for(assets.LEAFLET_CSS, base=asset_base))]
    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(
        Element(f"<style>.leaflet-container {{ background: {settings.background}; font-size: 13px; }}</style>"),
        name="safetymap_background",
    )
    if tiles and settings.tiles.enabled:
        folium.TileLayer(
            tiles=settings.tiles.url,
            attr=settings.tiles.attribution,
            name="Tiles",
            max_zoom=settings.max_zoom,
            control=False,
        ).add_to(m)
    return m


def localize_plugin(element: JSCSSMixin, *, asset_base: str | None = assets.STATIC_URL) -> None:
    """Point a MarkerCluster plugin's scripts and styles at the local copies (or drop them to inline)."""
    if asset_base is None:
        element.default_js = []
        element.default_css = []
        return
    element.default_js = [("markerclusterjs", assets.url_for(assets.CLUSTER_JS, base=asset_base))]
    element.default_css = [
        ("markerclustercss", assets.url_for(assets.CLUSTER_CSS, base=asset_base)),
        ("markerclusterdefaultcss", assets.url_for(assets.CLUSTER_DEFAULT_CSS, base=asset_base)),
    ]
