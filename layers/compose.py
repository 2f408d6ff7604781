"""Composing a map from layers: base map, groups, one legend for every visible layer, controls."""

from __future__ import annotations

from collections.abc import Sequence

import folium

from geo.core.i18n import t
from geo.core.settings import Settings
from layers._escape import esc
from layers.basemap import make_map
from layers.legend import LEGEND_CSS, Banner, Legend, add_css
from layers.streets import STREET_LABEL_CSS
from layers.style import Symbol

LegendRows = list[tuple[str, Symbol]]


class MapComposer:
    """Collects feature groups and their legend rows, then finishes the map in one place."""

    def __init__(
        self,
        settings: Settings,
        *,
        lang: str,
        tiles: bool = False,
        asset_base: str | None = "/app/static/vendor",
        center: Sequence[float] | None = None,
        zoom: int | None = None,
    ) -> None:
        self.settings = settings
        self.lang = lang
        self.map = make_map(settings.map, tiles=tiles, asset_base=asset_base, center=center, zoom=zoom)
        add_css(self.map, LEGEND_CSS + STREET_LABEL_CSS, "safetymap_css")
        self.rows: LegendRows = []

    def add(self, group: folium.FeatureGroup, rows: LegendRows) -> None:
        """Add a layer and its legend rows (layers are drawn in the order added).

        The layer control writes layer names as HTML, so the name (which may hold a place name
        from the data) is escaped here, once for every layer.
        """
        group.layer_name = esc(group.layer_name)
        group.add_to(self.map)
        self.rows.extend(rows)

    def finish(self, *, synthetic: bool, note: str | None = None, banner: str | None = None) -> folium.Map:
        """Add the legend, the synthetic-data banner and the layer control; return the map."""
        Legend(t("legend.title", self.lang), self.rows, note=note).add_to(self.map)
        text = banner or (t("banner.synthetic_short", self.lang) if synthetic else None)
        if text:
            # top left, under the zoom buttons: clear of the legend (bottom right) and the scale (bottom left)
            Banner(text, position="topleft").add_to(self.map)
        folium.LayerControl(collapsed=True, position="topright").add_to(self.map)
        return self.map
