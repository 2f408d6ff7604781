"""Notes for the meeting on the Map page's map: a numbered marker with the note's words beside it, and for an
arrow a line from the words to its tip. The words are the person's own, escaped, never translated."""

from __future__ import annotations

import folium

from geo.core.i18n import t
from geo.core.notes import Note
from layers._escape import esc
from layers.compose import MapComposer
from layers.legend import add_css
from layers.style import Symbol

NOTE_COLOUR = "#1d4ed8"
NOTE_CSS = (
    "<style>.meeting-note{background:#fff;border:2px solid #1d4ed8;border-radius:4px;padding:2px 6px;"
    "font:600 13px/1.3 system-ui,sans-serif;color:#111;transform:translate(10px,-50%);"
    "width:max-content;max-width:220px;white-space:normal;box-shadow:0 1px 3px rgba(0,0,0,.3)}"
    ".meeting-note b{color:#1d4ed8;margin-right:4px}</style>"
)


def notes_layer(notes: tuple[Note, ...], *, lang: str) -> folium.FeatureGroup:
    """The notes as one layer (its name says how many)."""
    group = folium.FeatureGroup(name=t("notes.layer", lang, n=len(notes)), show=True)
    for k, note in enumerate(notes, start=1):
        if note.to_lat is not None and note.to_lon is not None:
            tip = (note.to_lat, note.to_lon)
            folium.PolyLine([(note.lat, note.lon), tip], color=NOTE_COLOUR, weight=3).add_to(group)  # type: ignore[no-untyped-call]
            folium.CircleMarker(tip, radius=5, color=NOTE_COLOUR, fill=True, fill_opacity=1).add_to(group)
        words = f'<div class="meeting-note"><b>{k}</b>{esc(note.text)}</div>'
        folium.Marker((note.lat, note.lon), icon=folium.DivIcon(html=words, icon_size=(0, 0)),
                      tooltip=esc(note.text)).add_to(group)  # fmt: skip
    return group


def add_notes(composer: MapComposer, notes: tuple[Note, ...], *, lang: str) -> None:
    """The notes on a composed map, with their style and a legend row (nothing without notes)."""
    note_css(composer.map)
    if notes:
        composer.add(
            notes_layer(notes, lang=lang),
            [(t("notes.layer", lang, n=len(notes)), Symbol("line", NOTE_COLOUR, weight=3))],
        )


def note_css(m: folium.Map) -> None:
    """The notes' style on map ``m`` (a map whose notes layer changes on its own needs it from the start)."""
    add_css(m, NOTE_CSS, "meeting_notes_css")
