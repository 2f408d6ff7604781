"""Notes for the meeting: the link's value (written, read back, refused), the limits of a note, the command line's
``--note``/``--arrow`` and how a report takes them."""

from __future__ import annotations

import dataclasses
import math
import re
from urllib.parse import parse_qs, urlencode

import pytest

from geo.cli import main
from geo.core.errors import DataError
from geo.core.notes import (
    DECIMALS,
    LA_COUNTY_BBOX,
    MAX_CHARS,
    MAX_LINK_CHARS,
    MAX_NOTES,
    Note,
    check_note,
    check_notes,
    parse_note_option,
    parse_notes,
    write_notes,
)
from geo.data.sources import LA_COUNTY_BBOX as LOADERS_BOX
from tests.report_helpers import demo_report, report_data

PARK = (33.98394, -118.30458)
PLAZA = (33.98457, -118.30222)
HARD_TEXTS = [
    "Meet | here ~ at 6",
    "100% of us, and more",
    "a,b,c ~|~ %7C %25 %",
    "Skate plaza \U0001f6f9 \U0001f600 \u2764\ufe0f",
    "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",  # Hebrew, right to left
    "\u0645\u0631\u062d\u0628\u0627 \u0628\u0643\u0645",  # Arabic, right to left
    "<script>alert('x')</script>",
    "$x$ and $$ \\frac{1}{2}",
    "Jackie Tatum: 1452 W 61st St",
    "Reunión en el parque — ¡todos!",
    "{n} {text} {0}",
]


# --- the link's value ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HARD_TEXTS)
def test_a_note_and_an_arrow_come_back_from_the_link_unchanged(text: str) -> None:
    notes = (Note(text, *PARK), Note(text, *PLAZA, *PARK))
    raw = write_notes(notes)
    assert parse_notes(raw) == notes
    assert len(raw.split("|")) == 2  # the text's own "|" never splits a note
    assert re.fullmatch(r"[A-Za-z0-9.,\-|~%_]*", raw), raw  # nothing a URL would have to escape but | and %


def test_the_value_survives_a_url_query_and_reads_in_order() -> None:
    notes = check_notes(
        Note(f"note {i} | {t}", PARK[0] + i * 1e-3, PARK[1]) for i, t in enumerate(HARD_TEXTS[:MAX_NOTES])
    )
    query = urlencode({"notes": write_notes(notes), "lang": "es"})
    assert parse_notes(parse_qs(query)["notes"][0]) == notes
    assert [n.text for n in notes] == [f"note {i} | {t}" for i, t in enumerate(HARD_TEXTS[:MAX_NOTES])]


def test_the_value_is_compact_with_five_decimals() -> None:
    raw = write_notes([Note("Meet here", 33.9839449, -118.3045812, 33.98, -118.3)])
    numbers = raw.split("~")[0].split(",")
    assert numbers[:2] == ["33.98394", "-118.30458"]
    assert numbers[2:] == ["33.98", "-118.3"]  # no trailing zeros
    assert raw.endswith("~Meet%20here")
    assert write_notes([]) == ""
    assert parse_notes("") == ()
    assert parse_notes("   ") == ()


def test_degrees_are_kept_to_five_decimals_and_the_text_cleaned() -> None:
    note = check_note(Note("  Meet\there\n\x1b[31m now\u202e!  ", 33.9839449, -118.3045812))
    assert note == Note("Meet here [31m now!", round(33.9839449, DECIMALS), round(-118.3045812, DECIMALS))
    assert parse_notes(write_notes([note])) == (note,)


def test_the_longest_value_fits_the_limit_the_reader_takes() -> None:
    widest = "\U0001f6f9" * MAX_CHARS  # each character 12 characters once percent-encoded
    west, south, _, _ = LA_COUNTY_BBOX
    far = Note(widest, south + 1e-5 * 1.123, west + 1e-5 * 3.7, south + 0.123456, west + 0.987654)
    raw = write_notes([far] * MAX_NOTES)
    assert len(raw) <= MAX_LINK_CHARS
    assert parse_notes(raw) == check_notes([far] * MAX_NOTES)
    with pytest.raises(ValueError, match="too long"):
        parse_notes(raw + "x" * (MAX_LINK_CHARS - len(raw) + 1))


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("33.98,-118.30", "note 1: no '~'"),
        ("33.98,-118.30~ok|33.98~b", "note 2: expected lat,lon or lat,lon,to_lat,to_lon"),
        ("33.98,-118.30,33.99~b", "got 3 numbers"),
        ("33.98,west~b", "longitude is not a number"),
        ("nan,-118.30~b", "latitude is not a number"),
        ("33.98,-118.30,inf,-118.3~b", "target latitude is not a number"),
        ("40.71,-74.00~New York", "latitude 40.71 lies outside Los Angeles County"),
        ("33.98,-118.30~", "text is empty"),
        ("33.98,-118.30~%20%09", "text is empty"),
        ("33.98,-118.30~" + "a" * (MAX_CHARS + 1), f"at most {MAX_CHARS}"),
        ("33.98,-118.30~100%", "'%' that is not followed by two hex digits"),
        ("33.98,-118.30~%ff%fe", "not percent-encoded UTF-8"),
        ("33.98,-118.30~a|", "note 2: no '~'"),
        ("|".join(["33.98,-118.30~a"] * (MAX_NOTES + 1)), f"at most {MAX_NOTES}"),
        ("33.98,-118.30,33.98,-118.30~a", "points at its own place"),
    ],
)
def test_a_bad_link_value_is_refused_with_a_short_reason(raw: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as caught:
        parse_notes(raw)
    assert len(str(caught.value)) < 160


def test_a_hand_typed_text_reads_as_typed() -> None:
    assert parse_notes("33.98,-118.3~Meet here, 6 pm") == (Note("Meet here, 6 pm", 33.98, -118.3),)


# --- the limits --------------------------------------------------------------------------------------------


def test_a_text_of_80_characters_is_taken_and_81_refused() -> None:
    assert check_note(Note("x" * MAX_CHARS, *PARK)).text == "x" * MAX_CHARS
    assert check_note(Note("  " + "x" * MAX_CHARS + "\n", *PARK)).text == "x" * MAX_CHARS  # counted once cleaned
    with pytest.raises(DataError, match=f"81 characters long, at most {MAX_CHARS}"):
        check_note(Note("x" * (MAX_CHARS + 1), *PARK))
    for empty in ("", "   ", "\x00\x1b\u200b"):
        with pytest.raises(DataError, match="text is empty"):
            check_note(Note(empty, *PARK))


def test_at_most_eight_notes() -> None:
    eight = [Note(str(i), *PARK) for i in range(MAX_NOTES)]
    assert len(check_notes(eight)) == MAX_NOTES
    for call in (check_notes, write_notes):
        with pytest.raises(DataError, match=f"at most {MAX_NOTES} notes, got {MAX_NOTES + 1}"):
            call([*eight, Note("one more", *PARK)])
    with pytest.raises(DataError, match="note 2: a note's text is empty"):
        check_notes([Note("a", *PARK), Note(" ", *PARK)])
    with pytest.raises(DataError, match="got a text"):
        check_notes("33.98,-118.3~a")  # type: ignore[arg-type]


def test_the_la_county_box_is_the_loaders_box_and_its_edges_are_inside() -> None:
    assert LA_COUNTY_BBOX == LOADERS_BOX
    west, south, east, north = LA_COUNTY_BBOX
    for lat, lon in ((south, west), (north, east), (34.05, -118.25)):
        assert check_note(Note("edge", lat, lon)).lat == lat
    outside = [
        (south - 0.01, -118.3, "latitude"),
        (north + 0.01, -118.3, "latitude"),
        (34.0, west - 0.01, "longitude"),
        (34.0, east + 0.01, "longitude"),
        (-118.3, 34.0, "latitude"),  # swapped
    ]
    for lat, lon, what in outside:
        with pytest.raises(DataError, match=rf"note's {what} .* lies outside Los Angeles County"):
            check_note(Note("x", lat, lon))
    with pytest.raises(DataError, match=r"target latitude .* outside"):
        check_note(Note("x", *PARK, 36.0, -118.3))


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (Note("x", math.nan, -118.3), "finite number"),
        (Note("x", 33.98, math.inf), "finite number"),
        (Note("x", "33.98", -118.3), "must be a number of degrees"),  # type: ignore[arg-type]
        (Note("x", True, -118.3), "must be a number of degrees"),
        (Note("x", *PARK, to_lat=33.99), "needs both its target's latitude and longitude"),
        (Note("x", *PARK, *PARK), "points at its own place"),
        (Note(42, *PARK), "text must be a string, got int"),  # type: ignore[arg-type]
        ("33.98,-118.3", "expected a Note, got str"),
    ],
)
def test_a_bad_note_names_its_problem(note: object, message: str) -> None:
    with pytest.raises(DataError, match=message):
        check_note(note)


def test_an_arrow_knows_it_is_one() -> None:
    arrow = check_note(Note("look", *PLAZA, *PARK))
    assert arrow.is_arrow
    assert arrow.points == ((PLAZA[1], PLAZA[0]), (PARK[1], PARK[0]))
    assert not check_note(Note("here", *PARK)).is_arrow


# --- the command line's options ---------------------------------------------------------------------------------


def test_the_command_line_reads_a_note_and_an_arrow() -> None:
    assert parse_note_option("33.98394,-118.30458:Meet: here, at 6") == Note("Meet: here, at 6", *PARK)
    arrow = parse_note_option(" 33.98457, -118.30222 -> 33.98394,-118.30458 :Skate plaza", arrow=True)
    assert arrow == Note("Skate plaza", *PLAZA, *PARK)


@pytest.mark.parametrize(
    ("value", "arrow", "reason"),
    [
        ("33.98,-118.30", False, "no ':' before the text"),
        ("33.98:text", False, "where 'lat,lon' goes"),
        ("33.98,-118.30->33.99,-118.31:text", False, "where 'lat,lon' goes"),
        ("33.98,-118.30:text", True, "expected lat,lon->lat,lon:text"),
        ("33.98,-118.30->33.99:text", True, "where 'lat,lon' goes"),
        ("34.5,-120.0:text", False, "longitude -120 lies outside Los Angeles County"),
    ],
)
def test_a_bad_command_line_note_says_why(value: str, arrow: bool, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        parse_note_option(value, arrow=arrow)


def _exit_code(argv: list[str]) -> int:
    try:
        return main(["report", *argv])
    except SystemExit as exc:  # argparse errors
        return int(exc.code)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--note", "33.98,-118.30"], "argument --note: expected lat,lon:text"),
        (["--arrow", "33.98,-118.30:x"], "argument --arrow: expected lat,lon->lat,lon:text"),
        (["--note", "40.7,-74.0:New York"], "argument --note: the note's latitude 40.7 lies outside"),
        (["--note", "33.98,-118.30:" + "x" * 81], "argument --note: a note's text is 81 characters long"),
        (["--note", "33.98,-118.30:a"] * MAX_NOTES + ["--arrow", "33.98,-118.30->33.99,-118.31:b"],
         f"argument --arrow: a map carries at most {MAX_NOTES} notes"),
    ],
)  # fmt: skip
def test_the_report_command_refuses_a_bad_note_with_argparse_and_the_reason(
    capsys: pytest.CaptureFixture[str], tmp_path, options: list[str], message: str
) -> None:
    out = tmp_path / "a.html"
    assert _exit_code(["--place", "Harvard Park", "--out", str(out), *options]) == 2
    printed, err = capsys.readouterr()
    assert printed == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_report_command_puts_notes_in_the_order_given(
    capsys: pytest.CaptureFixture[str], tmp_path, fresh_settings: object
) -> None:
    out = tmp_path / "notes.html"
    code = _exit_code(["--place", "Harvard Park", "--from", "2023-06-01", "--to", "2024-05-31", "--out", str(out),
                       "--arrow", f"{PLAZA[0]},{PLAZA[1]}->{PARK[0]},{PARK[1]}:Skate <plaza>",
                       "--note", f"{PARK[0]},{PARK[1]}:Meet: here $5"])  # fmt: skip
    assert code == 0
    assert '"notes": 2' in capsys.readouterr().out
    notes = report_data(out.read_text(encoding="utf-8"))["notes"]
    assert [(n["n"], n["text"]) for n in notes] == [(1, "Skate <plaza>"), (2, "Meet: here $5")]
    assert notes[0]["to"] == list(PARK)
    assert notes[1]["to"] is None


# --- the report takes them ---------------------------------------------------------------------------------


def test_a_report_keeps_its_notes_checked_and_refuses_bad_ones() -> None:
    report = demo_report()
    assert report.notes == ()
    with_notes = report.with_notes([Note(" Meet\nhere ", 33.9839449, -118.3045812)])
    assert with_notes.notes == (Note("Meet here", *PARK),)
    assert with_notes.summary_dict()["notes"] == 1
    assert report.notes == ()  # the report it came from is unchanged
    with pytest.raises(DataError, match=r"note 1: .*latitude 40\.7 lies outside"):
        report.with_notes([Note("x", 40.7, -74.0)])
    with pytest.raises(DataError, match=f"at most {MAX_NOTES} notes"):
        dataclasses.replace(report, notes=tuple(Note("x", *PARK) for _ in range(MAX_NOTES + 1)))
