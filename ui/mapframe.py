"""A finished map on the page as a static frame: one render, no component round trips.

The Map, Rates and dosage maps send nothing back, so they are drawn as an ``st.iframe`` holding
the map's own HTML (Leaflet from this server's ``/app/static/vendor``). Against the
``streamlit_folium`` component this skips the component's page, its bundle and its handshake
in the browser, and three renders of the map on the server (``bench/first_view.py`` and
``bench/app.py`` print both). The Patrol page's route map keeps the component: a click there
adds a stop.
"""

from __future__ import annotations

import folium
import streamlit as st
from streamlit_folium import st_folium

from layers.page import data_as_text, map_html


def show_html(html: str, *, height: int, title: str) -> None:
    """Draw a finished map page (:func:`layers.page.map_html`) ``height`` px high; ``title`` names the frame."""
    st.iframe(html, height=height, alt=title)


def show_map(m: folium.Map, *, height: int, lang: str, title: str) -> None:
    """Draw ``m`` ``height`` px high across the column; ``title`` names the frame for screen readers."""
    show_html(map_html(m, lang=lang, title=title), height=height, title=title)


def clickable_map(
    m: folium.Map, *, key: str, height: int, changing: folium.FeatureGroup | None = None
) -> tuple[float, float] | None:
    """Draw ``m`` with the ``streamlit_folium`` component and return the last clicked (lat, lon), if any.

    For maps that answer a click (the route map, the drawing map). The component renders the map itself; its
    data stays data here too (:func:`layers.page.data_as_text`). ``changing`` is a layer redrawn on its own
    when it changes, the map kept as it is (where the person panned and zoomed stays).
    """
    with data_as_text():
        clicked = st_folium(m, key=key, height=height, use_container_width=True, returned_objects=["last_clicked"],
                            feature_group_to_add=changing)  # fmt: skip
    point = (clicked or {}).get("last_clicked")
    if not point:
        return None
    return float(point["lat"]), float(point["lng"])
