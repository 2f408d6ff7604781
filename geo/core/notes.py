"""Notes for the meeting: a short text a person places on the map, or an arrow from the text to a place.

A :class:`Note` is its words and a point (degrees, EPSG:4326); with ``to_lat``/``to_lon`` it is an arrow drawn
from the text's point to that target. :func:`check_note` is the one owner of what a note may be: its text
cleaned (control and invisible formatting characters removed, white space collapsed) and 1 to
:data:`MAX_CHARS` characters long, every point inside :data:`LA_COUNTY_BBOX` and kept to
:data:`DECIMALS` decimals (about a metre); :func:`check_notes` adds the limit of :data:`MAX_NOTES`.

The link carries the notes as one value (:func:`write_notes`, read back by :func:`parse_notes`)::

    33.98394,-118.30458~Meet%20here|33.98457,-118.30222,33.98394,-118.30458~Skate%20plaza

one item per note, ``|`` between items; each item is ``lat,lon`` (an arrow: ``lat,lon,to_lat,to_lon``), a
``~``, then the text percent-encoded as UTF-8 (every character but ``A-Z a-z 0-9 - . _ ~`` escaped, so the text
never holds a ``|``). Only the characters ``0-9 . , - | ~ %`` and letters appear in it.

The command line's options are read by :func:`parse_note_option`: ``lat,lon:text`` for a note and
``lat,lon->lat,lon:text`` for an arrow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from geo.core.errors import DataError
from geo.core.text import clean

MAX_NOTES = 8
"""The most notes one map carries."""
MAX_CHARS = 80
"""The longest note text, characters (after cleaning)."""
DECIMALS = 5
"""Decimals a note's degrees are kept to (about 1 m)."""
LA_COUNTY_BBOX = (-118.96, 32.79, -117.64, 34.83)
"""Where a note may lie: Los Angeles County with Catalina and San Clemente (west, south, east, north; degrees,
EPSG:4326), the same box the loaders keep points in."""
ITEM_SEP = "|"
"""Separates the notes in the link's value."""
TEXT_SEP = "~"
"""Separates a note's coordinates from its text in the link's value."""
ARROW_SEP = "->"
"""Separates the text's point from the arrow's target in a command-line ``--arrow``."""
_WIDEST_CHAR = len(quote("\U0001f6f9", safe=""))  # a 4-byte UTF-8 character percent-encoded: 12 characters
_COORDS_CHARS = 4 * len(f"-{180:.{DECIMALS}f}") + 3
MAX_LINK_CHARS = MAX_NOTES * (_COORDS_CHARS + len(TEXT_SEP) + MAX_CHARS * _WIDEST_CHAR) + (MAX_NOTES - 1)
"""The longest value :func:`write_notes` can give; :func:`parse_notes` refuses a longer one before reading it."""
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Note:
    """A note on the map: its words at ``lat``/``lon`` (degrees, EPSG:4326); an arrow from there to
    ``to_lat``/``to_lon`` when both are set."""

    text: str
    lat: float
    lon: float
    to_lat: float | None = None
    to_lon: float | None = None

    @property
    def is_arrow(self) -> bool:
        """True when the note points at a target with an arrow."""
        return self.to_lat is not None and self.to_lon is not None

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        """``(lon, lat)`` of the text's point, then of the arrow's target when there is one (degrees)."""
        if self.to_lat is not None and self.to_lon is not None:
            return ((self.lon, self.lat), (self.to_lon, self.to_lat))
        return ((self.lon, self.lat),)


def _degrees(value: object, what: str, low: float, high: float) -> float:
    """``value`` as degrees inside ``low..high``, rounded to :data:`DECIMALS`; DataError naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"the note's {what} must be a number of degrees, got {value!r}"
        raise DataError(msg)
    number = float(value)
    if not math.isfinite(number):
        msg = f"the note's {what} must be a finite number of degrees, got {value!r}"
        raise DataError(msg)
    if not low <= number <= high:
        msg = f"the note's {what} {number:g} lies outside Los Angeles County ({low:g} to {high:g} degrees)"
        raise DataError(msg)
    return round(number, DECIMALS)


def check_text(text: object) -> str:
    """A note's text cleaned (control characters removed, white space collapsed), 1 to :data:`MAX_CHARS` long.

    Raises
    ------
    DataError
        Not a text, empty once cleaned, or longer than :data:`MAX_CHARS` characters.
    """
    if not isinstance(text, str):
        msg = f"a note's text must be a string, got {type(text).__name__}"
        raise DataError(msg)
    cleaned = clean(text)
    if not cleaned:
        msg = "a note's text is empty (it needs 1 to 80 visible characters)"
        raise DataError(msg)
    if len(cleaned) > MAX_CHARS:
        msg = f"a note's text is {len(cleaned)} characters long, at most {MAX_CHARS}: {cleaned[:24]!r}..."
        raise DataError(msg)
    return cleaned


def check_note(note: object) -> Note:
    """``note`` in its one form: text checked (:func:`check_text`), degrees rounded to :data:`DECIMALS`.

    Raises
    ------
    DataError
        Not a :class:`Note`; a text that is empty or too long; a latitude or longitude that is not a finite
        number inside :data:`LA_COUNTY_BBOX`; an arrow with only one of ``to_lat``/``to_lon``, or whose target is
        its own point.
    """
    if not isinstance(note, Note):
        msg = f"expected a Note, got {type(note).__name__}"
        raise DataError(msg)
    west, south, east, north = LA_COUNTY_BBOX
    text = check_text(note.text)
    lat = _degrees(note.lat, "latitude", south, north)
    lon = _degrees(note.lon, "longitude", west, east)
    if (note.to_lat is None) != (note.to_lon is None):
        msg = f"an arrow needs both its target's latitude and longitude, got {note.to_lat!r}, {note.to_lon!r}"
        raise DataError(msg)
    if note.to_lat is None or note.to_lon is None:
        return Note(text, lat, lon)
    to_lat = _degrees(note.to_lat, "arrow's target latitude", south, north)
    to_lon = _degrees(note.to_lon, "arrow's target longitude", west, east)
    if (to_lat, to_lon) == (lat, lon):
        msg = f"the arrow of the note {text!r} points at its own place ({lat}, {lon})"
        raise DataError(msg)
    return Note(text, lat, lon, to_lat, to_lon)


def check_notes(notes: Iterable[object]) -> tuple[Note, ...]:
    """Every note checked (:func:`check_note`), at most :data:`MAX_NOTES` of them, in their order.

    Raises
    ------
    DataError
        More than :data:`MAX_NOTES` notes, or a note :func:`check_note` refuses (named by its number).
    """
    if isinstance(notes, str | bytes):
        msg = "notes must be a sequence of Note, got a text (read a link's value with parse_notes)"
        raise DataError(msg)
    items = list(notes)
    if len(items) > MAX_NOTES:
        msg = f"a map carries at most {MAX_NOTES} notes, got {len(items)}"
        raise DataError(msg)
    out = []
    for i, note in enumerate(items, start=1):
        try:
            out.append(check_note(note))
        except DataError as exc:
            msg = f"note {i}: {exc}"
            raise DataError(msg) from exc
    return tuple(out)


def _format_degrees(value: float) -> str:
    return f"{value:.{DECIMALS}f}".rstrip("0").rstrip(".")


def write_notes(notes: Iterable[Note]) -> str:
    """The link's value of ``notes`` (see the module's text); ``""`` for none. Checks them first.

    Raises
    ------
    DataError
        As :func:`check_notes`.
    """
    items = []
    for note in check_notes(notes):
        coords = [note.lat, note.lon] + ([note.to_lat, note.to_lon] if note.is_arrow else [])
        numbers = ",".join(_format_degrees(float(v)) for v in coords if v is not None)
        items.append(f"{numbers}{TEXT_SEP}{quote(note.text, safe='')}")
    return ITEM_SEP.join(items)


def _number(raw: str, what: str) -> float:
    if not _NUMBER.match(raw.strip()):
        msg = f"the {what} is not a number: {raw[:20]!r}"
        raise ValueError(msg)
    return float(raw)


def _parse_item(item: str) -> Note:
    """One note of a link's value; ValueError with a short reason."""
    coords, sep, encoded = item.partition(TEXT_SEP)
    if not sep:
        msg = f"no {TEXT_SEP!r} between the place and the text"
        raise ValueError(msg)
    if _PERCENT.search(encoded):
        msg = "the text has a '%' that is not followed by two hex digits"
        raise ValueError(msg)
    try:
        text = unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        msg = "the text is not percent-encoded UTF-8"
        raise ValueError(msg) from None
    parts = coords.split(",")
    if len(parts) not in (2, 4):
        msg = f"expected lat,lon or lat,lon,to_lat,to_lon before {TEXT_SEP!r}, got {len(parts)} numbers"
        raise ValueError(msg)
    names = ("latitude", "longitude", "arrow's target latitude", "arrow's target longitude")
    values = [_number(p, name) for p, name in zip(parts, names, strict=False)]
    return Note(text, *values)


def parse_notes(raw: str) -> tuple[Note, ...]:
    """The notes of a link's value written by :func:`write_notes` (``""``: none), checked.

    Raises
    ------
    ValueError
        With a short reason naming the note: a value longer than :data:`MAX_LINK_CHARS`, more than
        :data:`MAX_NOTES` notes, an item that is not ``lat,lon[,to_lat,to_lon]~text``, a bad percent-escape, or a
        note :func:`check_note` refuses (:class:`~geo.core.errors.DataError` is a ValueError).
    """
    if not isinstance(raw, str):
        msg = f"expected the link's text, got {type(raw).__name__}"
        raise ValueError(msg)
    if len(raw) > MAX_LINK_CHARS:
        msg = f"too long ({len(raw)} characters, at most {MAX_LINK_CHARS})"
        raise ValueError(msg)
    if not raw.strip():
        return ()
    items = raw.split(ITEM_SEP)
    if len(items) > MAX_NOTES:
        msg = f"{len(items)} notes, at most {MAX_NOTES}"
        raise ValueError(msg)
    notes = []
    for i, item in enumerate(items, start=1):
        try:
            notes.append(check_note(_parse_item(item)))
        except ValueError as exc:
            msg = f"note {i}: {exc}"
            raise ValueError(msg) from None
    return tuple(notes)


def parse_note_option(value: str, *, arrow: bool = False) -> Note:
    """A note from the command line: ``lat,lon:text``, or with ``arrow`` ``lat,lon->lat,lon:text`` (from the
    text's point to the target), checked.

    Raises
    ------
    ValueError
        With a short reason: no ``:`` before the text, not two numbers on each side of ``->``, or a note
        :func:`check_note` refuses.
    """
    where, sep, text = value.partition(":")
    form = "lat,lon->lat,lon:text" if arrow else "lat,lon:text"
    if not sep:
        msg = f"expected {form}, got {value[:40]!r} (no ':' before the text)"
        raise ValueError(msg)
    ends = where.split(ARROW_SEP) if arrow else [where]
    if len(ends) != (2 if arrow else 1):
        msg = f"expected {form}, got {where[:40]!r} before the ':'"
        raise ValueError(msg)
    values: list[float] = []
    for end in ends:
        pair = end.split(",")
        if len(pair) != 2:
            msg = f"expected {form}, got {end.strip()[:30]!r} where 'lat,lon' goes"
            raise ValueError(msg)
        values += [_number(pair[0], "latitude"), _number(pair[1], "longitude")]
    return check_note(Note(text, *values))
