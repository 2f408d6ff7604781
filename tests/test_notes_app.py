"""Notes for the meeting in the dashboard: placed with the editor, kept in the link on every page, drawn on the
Map page's map and on the Present page's exports (the PDF downloaded in tests/test_notes_browser.py)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from geo.core.notes import Note, parse_notes, write_notes
from tests.page_helpers import map_page, open_page

NOTES = (Note("Meet <b>here</b> at 6", 33.98394, -118.30458), Note("Skate plaza", 33.98457, -118.30222, 33.98394,
         -118.30458))  # fmt: skip


def _link(at: AppTest) -> str:
    value = at.query_params["notes"]
    return str(value[0] if isinstance(value, list) else value)


def test_notes_in_the_link_are_drawn_on_the_map_as_written() -> None:
    at = open_page("map", {"notes": write_notes(NOTES), "place": "Harvard Park"})
    assert not at.exception
    html = map_page(at)
    assert "Meet &lt;b&gt;here&lt;/b&gt; at 6" in html  # the person's words, escaped, never markup
    assert "Meet <b>here</b>" not in html
    assert "Skate plaza" in html
    assert "Notes for the meeting (2)" in html  # the legend names them
    assert parse_notes(_link(at)) == NOTES


def test_the_editor_adds_and_removes_a_note_and_the_link_follows() -> None:
    at = open_page("map", {"place": "Harvard Park"})
    at.toggle(key="n_open").set_value(True).run()
    at.button(key="n_add").click().run()
    assert any("Click the map, or type" in e.value for e in at.error)  # nowhere yet: said, nothing added
    at.text_input(key="n_text").input("Bus stop").run()
    at.number_input(key="n_lat").set_value(33.98).run()
    at.number_input(key="n_lon").set_value(-118.3).run()
    at.button(key="n_add").click().run()
    assert not at.exception
    assert parse_notes(_link(at)) == (Note("Bus stop", 33.98, -118.3),)
    assert "Bus stop" in map_page(at)
    at.button(key="n_remove_0").click().run()
    assert "notes" not in at.query_params


def test_a_note_outside_la_county_is_refused_with_the_reason() -> None:
    at = open_page("map", {"place": "Harvard Park"})
    at.toggle(key="n_open").set_value(True).run()
    at.text_input(key="n_text").input("Far away").run()
    at.number_input(key="n_lat").set_value(40.7).run()
    at.number_input(key="n_lon").set_value(-74.0).run()
    at.button(key="n_add").click().run()
    assert any("outside Los Angeles County" in e.value for e in at.error)
    assert "notes" not in at.query_params


def test_a_link_value_that_is_not_notes_is_named_and_left_out() -> None:
    at = open_page("present", {"notes": "33.98,-118.3~ok|nonsense"})
    assert not at.exception
    assert any("notes=" in w.value for w in at.warning)
