"""Draw your own area or route on a map and make it the focus place.

Each click on the drawing map (the ``streamlit_folium`` component, as on the Patrol page: Leaflet from this
server, nothing from the internet) adds a corner; the corners can also be typed. The shape is checked
(:func:`geo.data.ownplaces.make_place`) and, with a name, becomes the focus place on every page
(:mod:`ui.ownplaces`). The same figures, trend, rates and handout then follow as for a named place.
"""

from __future__ import annotations

import folium
import streamlit as st
from shapely.geometry import LineString, Polygon

from geo.core.errors import DataError
from geo.core.i18n import t
from geo.core.settings import Settings
from geo.core.text import echo
from geo.data.ownplaces import DIGITS, MAX_NAME, OWN_ID, OwnPlace, make_place, shown_name
from layers.compose import MapComposer
from layers.overview import add_streets
from ui import data, ownplaces
from ui.access import record_use, session_access
from ui.mapframe import clickable_map
from ui.style import error_text

SAVED = "o_saved"
"""Session key of the last save's outcome (shown once)."""
DRAWING = "o_drawing"
"""Session flag: the person asked for the drawing map."""
CORNERS, LAST_CLICK, TYPED_BAD = "o_corners", "o_last_click", "o_typed_bad"
"""Session keys: the corners so far, the last click taken, the typed lines that are not ``lat, lon``."""


def _corners() -> list[tuple[float, float]]:
    corners: list[tuple[float, float]] = st.session_state.setdefault(CORNERS, [])
    return corners


def _add_click(point: tuple[float, float] | None) -> None:
    """Add the map's last click as a corner, once (the component returns the same click on every rerun)."""
    if point is None or st.session_state.get(LAST_CLICK) == point:
        return
    st.session_state[LAST_CLICK] = point
    _corners().append((round(point[0], DIGITS), round(point[1], DIGITS)))


def _undo() -> None:
    if _corners():
        _corners().pop()


def _pending_click() -> tuple[float, float] | None:
    """The drawing map's last click as the component left it in the session before this run draws it."""
    value = st.session_state.get("o_draw")
    point = value.get("last_clicked") if isinstance(value, dict) else None
    return (float(point["lat"]), float(point["lng"])) if isinstance(point, dict) else None


def _set_typed() -> None:
    """The corners typed as ``lat, lon`` lines (callback): the keyboard's way to the same shape."""
    text = str(st.session_state.get("o_typed") or "")
    corners, bad = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            lat, lon = (float(v) for v in line.replace(";", ",").split(","))
        except ValueError:
            bad.append(n)
            continue
        corners.append((lat, lon))
    st.session_state[TYPED_BAD] = bad
    st.session_state[CORNERS] = corners


def _drawing_map(settings: Settings, lang: str, *, center: tuple[float, float], zoom: int) -> folium.Map:
    """The map to draw on: the streets, the same on every run (the corners are their own layer)."""
    composer = MapComposer(settings, lang=lang, center=center, zoom=zoom)
    add_streets(composer, data.streets(settings.sources.streets, lang))
    return composer.finish(synthetic=False)


def _corner_layer(lang: str) -> folium.FeatureGroup:
    """The corners so far, the line through them and, from three, the edge that would close the area."""
    corners = _corners()
    group = folium.FeatureGroup(name=t("ownplace.draw_title", lang), control=False)
    if len(corners) >= 2:
        folium.PolyLine(corners, color="#1d4ed8", weight=3).add_to(group)  # type: ignore[no-untyped-call]
    if len(corners) >= 3:
        closing = folium.PolyLine([corners[-1], corners[0]], color="#1d4ed8", weight=2, dash_array="6 6")  # type: ignore[no-untyped-call]
        closing.add_to(group)
    for i, corner in enumerate(corners, start=1):
        folium.CircleMarker(corner, radius=6, color="#1d4ed8", fill=True, fill_opacity=1, class_name="own-corner",
                            tooltip=t("ownplace.corner", lang, n=i)).add_to(group)  # fmt: skip
    return group


def draw_area(settings: Settings, lang: str, *, center: tuple[float, float], zoom: int) -> None:
    """The expander where a person draws an area or a route, names it and makes it the focus place.

    Each click on the map adds a corner (as on the Patrol page, the map is the clickable component; it needs
    nothing from the internet); the corners can also be typed, one ``lat, lon`` per line."""
    box = st.expander(t("ownplace.draw_title", lang), expanded=bool(st.session_state.get(DRAWING)))
    box.caption(t("ownplace.draw_help", lang))
    if not st.session_state.get(DRAWING):  # the drawing map loads only when asked for: the first view stays light
        box.button(
            t("ownplace.start", lang), key="o_start", on_click=st.session_state.__setitem__, args=(DRAWING, True)
        )
        return
    with box:
        _add_click(_pending_click())  # the click that started this run, drawn on this run
        base = _drawing_map(settings, lang, center=center, zoom=zoom)
        _add_click(clickable_map(base, key="o_draw", height=380, changing=_corner_layer(lang)))
    corners = _corners()
    c1, c2 = box.columns(2)
    c1.button(t("ownplace.undo", lang), key="o_undo", disabled=not corners, on_click=_undo)
    c2.button(t("ownplace.clear", lang), key="o_clear", disabled=not corners, on_click=corners.clear)
    box.text_area(t("ownplace.typed", lang), key="o_typed", on_change=_set_typed, height=100,
                  placeholder="33.9823, -118.3001\n33.9823, -118.2960\n33.9780, -118.2960")  # fmt: skip
    if st.session_state.get(TYPED_BAD):
        box.warning(t("ownplace.typed_bad", lang, lines=", ".join(map(str, st.session_state[TYPED_BAD]))))
    box.caption(t("ownplace.corners", lang, n=len(corners)))
    name = box.text_input(t("ownplace.name", lang), key="o_name", max_chars=MAX_NAME,
                          placeholder=t("ownplace.name_placeholder", lang))  # fmt: skip
    places = data.places(settings.sources.places, lang)
    taken = frozenset(places.loc[~places["place_id"].astype(str).str.startswith(OWN_ID), "name"].astype(str))
    for kind, need in (("area", 3), ("route", 2)):
        if len(corners) < need:
            continue
        points = [(lon, lat) for lat, lon in corners]
        try:
            place = make_place(name or t("ownplace.default_name", lang),
                               Polygon(points) if kind == "area" else LineString(points))  # fmt: skip
        except DataError as exc:
            box.error(error_text(exc))
            continue
        label = shown_name(place, taken)  # as the place table will name it
        box.button(t("ownplace.use", lang, kind=t(f"ownplace.kind.{kind}", lang), name=echo(label)),
                   key=f"o_use_{kind}", on_click=ownplaces.use, args=(place, label),
                   type="primary" if kind == "area" else "secondary")  # fmt: skip
    if len(corners) < 2:
        box.info(t("ownplace.nothing_drawn", lang))


def own_place_note(settings: Settings, own: tuple[OwnPlace, ...], lang: str, *, fallback: str | None) -> None:
    """A line naming the session's own places, each with a button that drops it (the focus goes to ``fallback``)
    and, for a person who may change the team's workspace, one that saves it for the team as a named place."""
    admin = session_access(settings).admin
    for place in own:
        key = "at" if place.kind == "point" else "area"
        cols = st.columns([4, 1, 1] if admin else [4, 1])
        cols[0].caption(t("ownplace.in_use", lang, kind=t(f"ownplace.kind.{place.kind}", lang), name=echo(place.name)))
        cols[1].button(t("ownplace.forget", lang), key=f"o_forget_{key}", on_click=ownplaces.forget,
                       kwargs={"key": key, "fallback": fallback})  # fmt: skip
        if admin:
            cols[2].button(t("ownplace.save", lang), key=f"o_save_{key}", on_click=_save,
                           args=(settings, place, key, lang), help=t("ownplace.save_help", lang))  # fmt: skip
    said = st.session_state.pop(SAVED, None)
    if said:
        (st.success if said[0] else st.error)(said[1])


def _save(settings: Settings, place: OwnPlace, key: str, lang: str) -> None:
    """Record, then save ``place`` for the team; it then is a place of the table like the others (callback)."""
    from geo.data.ownplaces import save_place
    from geo.data.stores import store_location

    places = data.places(settings.sources.places, lang)
    name = shown_name(place, frozenset(places.loc[~places["place_id"].astype(str).str.startswith(OWN_ID), "name"]))
    if not record_use(settings, "workspace", f"saved place: {name}"):
        st.session_state[SAVED] = (False, t("auth.audit_failed", lang))
        return
    try:
        save_place(store_location(settings.sources), place, name=name)
    except DataError as exc:
        st.session_state[SAVED] = (False, error_text(exc))
        return
    ownplaces.forget(key, fallback=name)  # the saved place keeps the name; the link no longer needs it
    st.session_state[SAVED] = (True, t("ownplace.saved", lang, name=echo(name)))


def find_place(settings: Settings, lang: str) -> None:
    """The search box (:mod:`ui.search`) in an expander, and a button that makes what it found the focus place:
    a place of the data by its picker label, an intersection, an address or "near me" as a point of its own."""
    from shapely.geometry import Point

    from ui.analysis import place_label
    from ui.search import search_box

    box = st.expander(t("ownplace.find_title", lang))
    with box:
        found = search_box(settings=settings, lang=lang, key="s_find")
    if found is None:
        return
    if found.kind == "place" and found.place:
        label = place_label(settings.sources.places, found.place, lang) or found.place
        box.button(t("ownplace.focus_on", lang, name=echo(label)), key="s_focus", type="primary",
                   on_click=st.session_state.__setitem__, args=("f_place", label))  # fmt: skip
        return
    try:
        place = make_place(found.label, Point(found.lon, found.lat))
    except DataError as exc:
        box.error(error_text(exc))
        return
    places = data.places(settings.sources.places, lang)
    taken = frozenset(places.loc[~places["place_id"].astype(str).str.startswith(OWN_ID), "name"].astype(str))
    label = shown_name(place, taken)
    box.button(t("ownplace.focus_on", lang, name=echo(label)), key="s_focus", type="primary",
               on_click=ownplaces.use, args=(place, label))  # fmt: skip
