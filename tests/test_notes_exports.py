"""Notes for the meeting in the place exports: on the map of the PDF handout and the slide, in their own words,
inside the map and over no other word; listed under the map when outside it or with no room on it; escaped in the
offline HTML map."""

from __future__ import annotations

import html
from functools import lru_cache

import numpy as np
import pytest
from matplotlib.figure import Figure

from geo.core.notes import MAX_CHARS, MAX_NOTES, Note
from geo.core.projection import metric_to_lonlat
from geo.exports import sheet
from geo.exports.model import SIZES, Report
from geo.exports.notelist import map_notes, note_lines
from geo.exports.render import render_html, render_png, write_report
from tests.layout_helpers import PdfPage, Region, assert_clean_layout, needs_poppler, region, words_of
from tests.report_helpers import assert_not_blank, demo_report, png_shape, report_data, without_assets

NOTE = "Meet at 6 pm: bring $x$ and <b>flyers</b>"
ARROW = "New lights $5 here \U0001f6f9"  # a skateboard: a character the map's font has no glyph for
FAR = "Long Beach <script>alert(1)</script>"


def at(report: Report, fx: float, fy: float) -> tuple[float, float]:
    """``(lat, lon)`` of the point ``fx``, ``fy`` of the way across and up the report's map (degrees)."""
    x0, x1, y0, y1 = report.extent_m
    lon, lat = metric_to_lonlat(np.array([x0 + (x1 - x0) * fx]), np.array([y0 + (y1 - y0) * fy]))
    return float(lat[0]), float(lon[0])


@lru_cache(maxsize=2)
def noted(lang: str = "en") -> Report:
    """The demo report with a note and an arrow on its map, and a note far outside it (Long Beach)."""
    report = demo_report(lang=lang)
    return report.with_notes(
        [
            Note(NOTE, *at(report, 0.3, 0.62)),
            Note(ARROW, *at(report, 0.3, 0.3), *at(report, 0.7, 0.4)),
            Note(FAR, 33.77, -118.19),
        ]
    )


def map_region(fig: Figure) -> Region:
    """The printed map's box on the page, points from the top left (as pdftotext gives words)."""
    ax = next(a for a in fig.axes if a.get_aspect() == 1.0)
    w_in, h_in = fig.get_size_inches()
    pos = ax.get_position()
    return Region(pos.x0 * w_in * 72, (1 - pos.y1) * h_in * 72, pos.x1 * w_in * 72, (1 - pos.y0) * h_in * 72)


def inside(words: Region, frame: Region) -> bool:
    return words.x0 >= frame.x0 and words.x1 <= frame.x1 and words.y0 >= frame.y0 and words.y1 <= frame.y1


def the_words(page: PdfPage, text: str) -> Region:
    found = words_of(page, text)
    assert found, f"{text!r} is not on the page: {page.text}"
    return region(found)


@lru_cache(maxsize=1)
def letter_pdf() -> bytes:
    return sheet.figure_bytes(noted(), size="letter", fmt="pdf")


@lru_cache(maxsize=1)
def letter_frame() -> Region:
    """The map's box on the letter page of :func:`noted` (the layout is the same each time it is drawn)."""
    return map_region(sheet.figure(noted(), size="letter"))


@needs_poppler
def test_a_note_and_an_arrow_are_written_inside_the_map_over_no_other_word() -> None:
    page = assert_clean_layout(letter_pdf(), what="letter with notes")  # no word over another, none off the page
    frame = letter_frame()
    note = the_words(page, NOTE)
    arrow = the_words(page, ARROW.replace("\U0001f6f9", "\ufffd"))
    for words in (note, arrow):
        assert inside(words, frame), (words, frame)
    assert not note.overlaps(arrow)
    for number in ("1", "2"):  # each note's numbered marker is on the map too
        assert any(w.text == number and inside(region([w]), frame) for w in page.words)


@needs_poppler
def test_the_words_are_drawn_literally() -> None:
    page = assert_clean_layout(letter_pdf(), what="letter with notes")
    texts = [w.text for w in page.words]
    assert "$x$" in texts  # never set as mathematics
    assert "<b>flyers</b>" in texts
    assert "$5" in texts


@needs_poppler
def test_a_note_outside_the_map_is_listed_under_it() -> None:
    inner, outer = map_notes(noted())
    assert [m.number for m in inner] == [1, 2]
    assert [m.number for m in outer] == [3]
    page = assert_clean_layout(letter_pdf(), what="letter with notes")
    listed = the_words(page, f"Note 3 is outside the map: {FAR}")
    frame = letter_frame()
    assert listed.y0 >= frame.y1  # under the map (and its scale strip)
    assert listed.x0 >= frame.x0 - 1


def test_the_lines_under_the_map_are_in_the_reports_language_and_the_notes_words() -> None:
    assert note_lines(noted("es")) == [f"La nota 3 está fuera del mapa: {FAR}"]
    assert note_lines(noted("es"), [2]) == [f"Nota 2: {ARROW}", f"La nota 3 está fuera del mapa: {FAR}"]
    assert note_lines(demo_report()) == []


@needs_poppler
def test_notes_crowded_at_one_spot_keep_clear_and_the_rest_are_listed() -> None:
    base = demo_report()
    spot = at(base, 0.5, 0.5)
    texts = [f"Note {i} says: " + "word " * 13 for i in range(1, MAX_NOTES + 1)]
    texts = [t.strip()[:MAX_CHARS] for t in texts]
    report = base.with_notes(Note(t, *spot) for t in texts)
    fig = sheet.figure(report, size="letter")
    page = assert_clean_layout(sheet.figure_bytes(report, size="letter", fmt="pdf"), what="crowded notes")
    frame = map_region(fig)
    on_map = listed = 0
    for i, text in enumerate(texts, start=1):
        line = words_of(page, f"Note {i}: {text}")
        if line:  # written under the map, whole
            listed += 1
            assert region(line).y0 >= frame.y1
        else:  # on the map: its first line (other boxes' lines may sit beside the rest in the reader's order)
            on_map += 1
            first = page.find(f"Note {i} says:")
            assert first, f"note {i} is neither on the map nor under it"
            assert inside(region(first), frame)
    assert on_map >= 1
    assert listed >= 1  # eight boxes of 80 characters cannot all sit around one point


def test_the_slide_draws_the_notes_on_its_map() -> None:
    report = noted()
    png = render_png(report, size="slide")
    assert png_shape(png) == SIZES["slide"]
    assert_not_blank(png)
    fig = sheet.figure(report, size="slide")
    ax = next(a for a in fig.axes if a.get_aspect() == 1.0)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    boxes = {t.get_gid(): t for t in ax.texts if str(t.get_gid()).startswith("note-")}
    assert boxes["note-1"].get_text().replace("\n", " ") == NOTE
    assert boxes["note-2"].get_text().replace("\n", " ") == ARROW.replace("\U0001f6f9", "\ufffd")
    assert "note-3" not in boxes
    for key in ("note-1", "note-2", "note-marker-1", "note-marker-2"):
        box = boxes[key].get_window_extent(renderer)
        assert frame.x0 <= box.x0, key
        assert box.x1 <= frame.x1, key
        assert frame.y0 <= box.y0, key
        assert box.y1 <= frame.y1, key
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None and t.get_text() == ""]
    assert len(arrows) == 1
    assert note_lines(report) == [f"Note 3 is outside the map: {FAR}"]
    assert f"Note 3 is outside the map: {FAR}" in " ".join(t.get_text() for t in fig.texts)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_offline_map_escapes_the_notes(lang: str) -> None:
    rtl = "<img src=x onerror=alert(1)> \u05e9\u05dc\u05d5\u05dd"  # markup, and Hebrew (right to left)
    report = noted(lang).with_notes([*noted(lang).notes, Note(rtl, 33.78, -118.2)])
    page = render_html(report)
    ours = without_assets(page)
    assert "<script>alert" not in ours
    assert "<b>flyers" not in ours
    assert "<img src=x" not in ours
    data = report_data(page)["notes"]
    assert [(n["n"], n["text"]) for n in data] == [(1, NOTE), (2, ARROW)]  # as written, escaped by the script
    assert data[1]["to"] == [report.notes[1].to_lat, report.notes[1].to_lon]
    assert len(data[1]["head"]) == 3
    outside = "La nota {n} está fuera del mapa: {t}" if lang == "es" else "Note {n} is outside the map: {t}"
    for n, text in ((3, FAR), (4, report.notes[3].text)):
        assert html.escape(outside.format(n=n, t=text)) in ours
    assert 'id="report-data"' in page
    assert "esc(n.text)" in page  # the browser escapes the words again before a tooltip shows them


@pytest.mark.browser
def test_the_offline_map_shows_the_words_as_text_in_a_browser(browser, tmp_path) -> None:
    base = noted()
    trap = "<img src=x onerror=window.trapped=1> $x$"
    report = base.with_notes([*base.notes, Note(trap, *at(base, 0.7, 0.75))])
    path = write_report(report, tmp_path / "notes.html")
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file://", "data:")) else r.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(path.as_uri())
        page.wait_for_function("window.reportMap !== undefined", timeout=30_000)
        assert errors == []
        assert page.locator(".note-marker").all_inner_texts() == ["1", "2", "4"]
        assert page.locator(".note-label").all_inner_texts() == [NOTE, ARROW, trap]
        assert page.locator(".note-label img, #map img").count() == 0  # the words were never read as markup
        assert page.evaluate("window.trapped === undefined")
        assert page.locator("section.notes").inner_text() == f"Note 3 is outside the map: {FAR}"
    finally:
        context.close()
