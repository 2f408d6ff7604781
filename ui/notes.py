"""Notes for the meeting: text notes and arrows a person places on the map, kept in the link on every page.

The link carries them as ``notes=`` (:func:`geo.core.notes.write_notes`); the Map page draws them on its map and
the Present page's exports (PDF, PNG slide and page, offline HTML map) draw them in their own words. A click on
the editor's map places the next note (or its arrow's tip); the numbers can also be typed, so the keyboard
reaches everything. A link value that is not notes is named in a warning and left out.
"""

from __future__ import annotations

import streamlit as st

from geo.core.errors import DataError
from geo.core.i18n import fmt_int, t
from geo.core.notes import MAX_CHARS, MAX_LINK_CHARS, MAX_NOTES, Note, check_note, parse_notes, write_notes
from geo.core.settings import Settings
from geo.core.text import echo
from layers.compose import MapComposer
from layers.notes import note_css, notes_layer
from layers.overview import add_streets
from ui import data, link
from ui.mapframe import clickable_map
from ui.style import error_text

NOTES = "_notes"
"""Session key of the notes (a tuple of :class:`Note`)."""
LAST_CLICK = "n_last_click"
TARGETS = ("point", "tip")


def session_notes(lang: str) -> tuple[Note, ...]:
    """The notes of this session: the link's when it names them (checked), else the session's; said in the URL."""
    ss = st.session_state
    raw = link.url_value("notes", limit=MAX_LINK_CHARS)
    if raw is not None and raw != write_notes(ss.get(NOTES, ())):
        try:
            ss[NOTES] = parse_notes(raw)
        except ValueError as exc:
            st.warning(t("notes.link_ignored", lang, reason=echo(str(exc), limit=link.QUOTED)))
            ss[NOTES] = ()
    _sync_url()
    notes: tuple[Note, ...] = ss.get(NOTES, ())
    return notes


def _sync_url() -> None:
    text = write_notes(st.session_state.get(NOTES, ()))
    link.sync_query({"notes": text} if text else {}, ("notes",))


def _set(notes: tuple[Note, ...]) -> None:
    st.session_state[NOTES] = notes
    _sync_url()


def _take_click(point: tuple[float, float] | None) -> None:
    """Put the map's last click into the point or tip fields, once (the component repeats it on every rerun)."""
    if point is None or st.session_state.get(LAST_CLICK) == point:
        return
    st.session_state[LAST_CLICK] = point
    prefix = "n_to_" if st.session_state.get("n_target") == "tip" else "n_"
    st.session_state[f"{prefix}lat"], st.session_state[f"{prefix}lon"] = round(point[0], 5), round(point[1], 5)


def _pending_click() -> tuple[float, float] | None:
    value = st.session_state.get("n_map")
    point = value.get("last_clicked") if isinstance(value, dict) else None
    return (float(point["lat"]), float(point["lng"])) if isinstance(point, dict) else None


def _add(lang: str) -> None:
    """Add the note the fields describe (callback); a note that cannot be placed says why."""
    ss = st.session_state
    arrow = bool(ss.get("n_arrow"))
    keys = ("n_lat", "n_lon", "n_to_lat", "n_to_lon") if arrow else ("n_lat", "n_lon")
    if any(ss.get(key) is None for key in keys):
        ss["n_problem"] = t("notes.editor.where", lang)
        return
    point, tip = (float(ss["n_lat"]), float(ss["n_lon"])), None
    if arrow:
        tip = (float(ss["n_to_lat"]), float(ss["n_to_lon"]))
    try:
        note = check_note(Note(str(ss.get("n_text") or ""), *point, *(tip or (None, None))))
    except DataError as exc:
        ss["n_problem"] = error_text(exc)
        return
    ss.pop("n_problem", None)
    ss["n_text"] = ""
    _set((*ss.get(NOTES, ()), note))


def _remove(k: int) -> None:
    notes = list(st.session_state.get(NOTES, ()))
    if 0 <= k < len(notes):
        del notes[k]
    _set(tuple(notes))


def notes_editor(settings: Settings, lang: str, *, center: tuple[float, float], zoom: int) -> tuple[Note, ...]:
    """The expander where notes are placed, listed and removed; the notes after it."""
    notes = session_notes(lang)
    box = st.expander(t("notes.editor.title", lang, n=fmt_int(len(notes), lang)), expanded=False)
    box.caption(t("notes.editor.help", lang, n=MAX_NOTES, chars=MAX_CHARS))
    for k, note in enumerate(notes):
        c1, c2 = box.columns([5, 1])
        where = f"{note.lat:.5f}, {note.lon:.5f}" + (
            f" → {note.to_lat:.5f}, {note.to_lon:.5f}" if note.is_arrow else ""
        )
        c1.markdown(f"**{k + 1}.** {echo(note.text)}  \n{where}")
        c2.button(t("notes.editor.remove", lang), key=f"n_remove_{k}", on_click=_remove, args=(k,))
    if len(notes) >= MAX_NOTES:
        box.info(t("notes.editor.full", lang, n=MAX_NOTES))
        return notes
    if not box.toggle(t("notes.editor.open", lang), key="n_open"):  # the map loads only when asked for
        return notes
    with box:
        _take_click(_pending_click())
        composer = MapComposer(settings, lang=lang, center=center, zoom=zoom)
        add_streets(composer, data.streets(settings.sources.streets, lang))
        note_css(composer.map)
        base = composer.finish(synthetic=False)
        _take_click(clickable_map(base, key="n_map", height=360, changing=notes_layer(notes, lang=lang)))
    for key in ("n_lat", "n_lon", "n_to_lat", "n_to_lon"):
        st.session_state.setdefault(key, None)  # empty until clicked or typed (0 would be a place)
    box.radio(t("notes.editor.click", lang), TARGETS, key="n_target", horizontal=True,
              format_func=lambda k: t(f"notes.editor.click.{k}", lang))  # fmt: skip
    box.text_input(t("notes.editor.text", lang), key="n_text", max_chars=MAX_CHARS)
    c1, c2 = box.columns(2)
    c1.number_input(t("notes.editor.lat", lang), key="n_lat", format="%.5f", step=0.0001)
    c2.number_input(t("notes.editor.lon", lang), key="n_lon", format="%.5f", step=0.0001)
    if box.checkbox(t("notes.editor.arrow", lang), key="n_arrow"):
        c3, c4 = box.columns(2)
        c3.number_input(t("notes.editor.to_lat", lang), key="n_to_lat", format="%.5f", step=0.0001)
        c4.number_input(t("notes.editor.to_lon", lang), key="n_to_lon", format="%.5f", step=0.0001)
    box.button(t("notes.editor.add", lang), key="n_add", on_click=_add, args=(lang,), type="primary")
    if st.session_state.get("n_problem"):
        box.error(st.session_state["n_problem"])
    return notes
