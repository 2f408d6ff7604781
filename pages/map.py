"""Map page: homicides, parks, housing developments, CSP sites and context streets."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import fmt_date, fmt_int, t
from geo.settings import get_settings
from layers.overview import OverviewData, overview_map
from ui import data
from ui.boot import current_lang

settings = get_settings()
lang = current_lang(settings)
src = settings.sources

incidents = data.incidents(src.incidents, lang)
places = data.places(src.places, lang)
streets = data.streets(src.streets, lang)
synthetic = bool(incidents["synthetic"].any())

st.title(t("app.title", lang))
st.caption(t("app.subtitle", lang))
if synthetic:
    st.warning(t("banner.synthetic", lang), icon=":material/science:")

homicides = incidents[incidents["category"] == "homicide"]
tiles = settings.map.tiles.enabled and data.tiles_available(settings.map.tiles.url, settings.map.tiles.probe_timeout_s)
m = overview_map(
    OverviewData(homicides=homicides, places=places, streets=streets, synthetic=synthetic),
    settings,
    lang=lang,
    tiles=tiles,
)
st_folium(m, key="overview_map", height=settings.map.height_px, use_container_width=True, returned_objects=[])
if not homicides.empty:
    start = homicides["occurred_at"].min().date()
    end = homicides["occurred_at"].max().date()
    st.caption(
        t(
            "map.caption",
            lang,
            homicides=fmt_int(len(homicides), lang),
            start=fmt_date(start, lang),
            end=fmt_date(end, lang),
        )
    )
if not tiles:
    st.caption(t("map.no_tiles", lang))
