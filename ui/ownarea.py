"""Draw your own area or route on a map and make it the focus place, or make a found point the focus.

The drawing map is the ``streamlit_folium`` component with folium's Draw plugin (an area or a route; no
markers, circles or rectangles); the last shape drawn is checked (:func:`geo.data.ownplaces.make_place`) and,
with a name, becomes the focus place on every page (:mod:`ui.ownplaces`). The same figures, trend, rates and
handout then follow as for a named place.
"""

from __future__ import annotations

from typing import Any

import folium
import streamlit as st
from folium.plugins import Draw
from shapely.geometry import shape

from geo.core.errors import DataError
from geo.core.i18n import t
from geo.core.settings import Settings
from geo.core.text import echo
from geo.data.ownplaces import OWN_ID, OwnPlace, make_place, shown_name
from layers.page import data_as_text
from ui import data, ownplaces
from ui.style import error_text

DRAWING = "o_drawing"
"""Session flag: the person asked for the drawing map."""


def _drawn(result: dict[str, Any] | None) -> Any:
    """The last shape drawn on the component (GeoJSON geometry), if any."""
    feature = (result or {}).get("last_active_drawing") or {}
    drawings = (result or {}).get("all_drawings") or []
    if not feature and drawings:
        feature = drawings[-1]
    return feature.get("geometry") if isinstance(feature, dict) else None


def draw_area(settings: Settings, lang: str, *, center: tuple[float, float], zoom: int) -> None:
    """The expander where a person draws an area or a route, names it and makes it the focus place."""
    box = st.expander(t("ownplace.draw_title", lang), expanded=bool(st.session_state.get(DRAWING)))
    box.caption(t("ownplace.draw_help", lang))
    if not st.session_state.get(DRAWING):  # the drawing map loads only when asked for: the first view stays light
        box.button(
            t("ownplace.start", lang), key="o_start", on_click=st.session_state.__setitem__, args=(DRAWING, True)
        )
        return
    m = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=True)
    streets = data.streets(settings.sources.streets, lang)
    if len(streets):
        folium.GeoJson(streets[["geometry"]].to_json(), style_function=lambda _: {"color": "#777", "weight": 2},
                       control=False).add_to(m)  # fmt: skip
    options = {"polygon": {"allowIntersection": False}, "polyline": True, "rectangle": False, "circle": False,
               "marker": False, "circlemarker": False}  # fmt: skip
    Draw(export=False, draw_options=options, edit_options={"edit": False}).add_to(m)  # type: ignore[no-untyped-call]
    with box, data_as_text():
        from streamlit_folium import st_folium

        result = st_folium(m, key="o_draw", height=360, use_container_width=True,
                           returned_objects=["last_active_drawing", "all_drawings"])  # fmt: skip
    geometry = _drawn(result)
    name = box.text_input(t("ownplace.name", lang), key="o_name", max_chars=60,
                          placeholder=t("ownplace.name_placeholder", lang))  # fmt: skip
    if geometry is None:
        box.info(t("ownplace.nothing_drawn", lang))
        return
    try:
        place = make_place(name or t("ownplace.default_name", lang), shape(geometry))
    except (DataError, ValueError, TypeError) as exc:
        box.error(error_text(exc))
        return
    places = data.places(settings.sources.places, lang)
    taken = frozenset(places.loc[~places["place_id"].astype(str).str.startswith(OWN_ID), "name"].astype(str))
    label = shown_name(place, taken)  # as the place table will name it
    box.button(t("ownplace.use", lang, kind=t(f"ownplace.kind.{place.kind}", lang), name=echo(label)),
               key="o_use", on_click=ownplaces.use, args=(place, label), type="primary")  # fmt: skip


def own_place_note(own: tuple[OwnPlace, ...], lang: str, *, fallback: str | None) -> None:
    """A line naming the session's own places, each with a button that drops it (the focus goes to ``fallback``)."""
    for place in own:
        key = "at" if place.kind == "point" else "area"
        cols = st.columns([4, 1])
        cols[0].caption(t("ownplace.in_use", lang, kind=t(f"ownplace.kind.{place.kind}", lang), name=echo(place.name)))
        cols[1].button(t("ownplace.forget", lang), key=f"o_forget_{key}", on_click=ownplaces.forget,
                       kwargs={"key": key, "fallback": fallback})  # fmt: skip
