"""Place layers: points drawn as circles in the place's style (no image marker to fetch)."""

from __future__ import annotations

import folium
import geopandas as gpd
from shapely.geometry import Point, box

from layers.places import places_layer
from layers.style import Symbol


def _render(places: gpd.GeoDataFrame) -> str:
    m = folium.Map(location=[33.98, -118.30], zoom_start=14)
    places_layer(places, name="Parks", symbol=Symbol("area", "#009E73", fill_opacity=0.35), lang="en").add_to(m)
    return m.get_root().render()


def test_point_places_are_circle_markers_not_image_markers() -> None:
    places = gpd.GeoDataFrame(
        {"name": ["Harvard Recreation Center", "Jesse Owens Park"], "kind": ["park", "park"]},
        geometry=[Point(-118.30458, 33.98394), box(-118.31, 33.945, -118.305, 33.95)],
        crs="EPSG:4326",
    )
    html = _render(places)
    assert "new L.CircleMarker(latlng" in html
    assert "marker-icon" not in html
    assert "L.marker(" not in html
    assert "#009E73" in html  # the point takes the place's colour
