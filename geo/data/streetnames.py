"""Street names and addresses as comparable words: what a typed "1535 West 62nd Street" and the City's
``1535 W 62ND ST`` have in common.

A name is folded as place names are (:func:`geo.data.aliases.name_key`: case, accents and punctuation ignored) and
each word written one way (:data:`WORDS`): ``Avenue``/``Ave``/``Av``/``Avenida`` -> ``ave``, ``Street``/``St``/``Calle``
-> ``st``, ``Boulevard``/``Blvd`` -> ``blvd``, ``West``/``W``/``Oeste`` -> ``w``, ordinals ``62nd``/``sixty``... ->
``62`` (``first`` to ``tenth`` too). Two names then match at one of three levels (:func:`match_level`): the same
words (0), the same once a direction is left off either (1: "62nd St" names "W 62nd St"), or the same distinctive
words once the street type is left off too (2: "Western" names "Western Ave").

Intersections are typed as two streets joined by ``&``, ``@``, ``/``, ``+``, ``and``, ``at`` or the Spanish ``y``,
``con``, ``esquina`` (:func:`split_intersection`); addresses as a house number (with a fraction ``1/2`` or a letter)
and a street, optionally followed by a city, state and ZIP code (:func:`parse_address`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from geo.data.aliases import name_key

Words = tuple[str, ...]

STREET_TYPES = {
    "ave": ("avenue", "ave", "av", "avenida", "aven"),
    "st": ("street", "st", "str", "calle", "saint"),
    "blvd": ("boulevard", "blvd", "blv", "bl", "bulevar", "bd"),
    "pl": ("place", "pl", "plaza"),
    "dr": ("drive", "dr"),
    "rd": ("road", "rd"),
    "hwy": ("highway", "hwy"),
    "way": ("way", "wy"),
    "ln": ("lane", "ln"),
    "ct": ("court", "ct"),
    "pkwy": ("parkway", "pkwy", "pky"),
    "ter": ("terrace", "ter"),
    "cir": ("circle", "cir"),
    "sq": ("square", "sq"),
}
"""Each street type's one written form and the forms people and files write it in (English and Spanish)."""
DIRECTIONS = {
    "w": ("west", "w", "oeste"),
    "e": ("east", "e", "este"),
    "n": ("north", "n", "norte"),
    "s": ("south", "s", "sur"),
}
"""Each direction's one written form and its other forms."""
_SPELLED = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
WORDS: dict[str, str] = {
    **{form: one for one, forms in STREET_TYPES.items() for form in forms},
    **{form: one for one, forms in DIRECTIONS.items() for form in forms},
    **{word: str(i) for i, word in enumerate(_SPELLED, start=1)},
}
"""A word as compared: its one written form (street types, directions, spelled ordinals)."""
TYPE_WORDS = frozenset(STREET_TYPES)
DIRECTION_WORDS = frozenset(DIRECTIONS)
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th|d)$")

_SEPARATORS = re.compile(
    r"\s*(?:&|@|/|\+|\band\b|\bat\b|\by\b|\bcon\b|\besq\b\.?|\besquina(?:\s+(?:de|con))?\b)\s*", re.IGNORECASE
)
_FRACTION = re.compile(r"(?<=\d)\s*/\s*(?=\d)")
_FRACTION_MARK = "\u2044"  # fraction slash: kept inside a number, never a separator


def _word(word: str) -> str:
    ordinal = _ORDINAL.match(word)
    if ordinal:
        return str(int(ordinal.group(1)))
    if word.isdigit():
        return str(int(word))
    return WORDS.get(word, word)


def street_words(name: object) -> Words:
    """A street name as comparable words: ``"West 62nd Street"`` and ``"W 62ND ST"`` -> ``("w", "62", "st")``."""
    return tuple(_word(w) for w in name_key(name).split())


def without_direction(words: Words) -> Words:
    """``words`` without a leading or trailing direction (``("w", "62", "st")`` -> ``("62", "st")``), unless that
    is all they are."""
    out = list(words)
    if len(out) > 1 and out[0] in DIRECTION_WORDS:
        out.pop(0)
    if len(out) > 1 and out[-1] in DIRECTION_WORDS:
        out.pop()
    return tuple(out)


def core(words: Words) -> Words:
    """The distinctive words of a street: no direction and no trailing street type (``"Western Ave"`` -> western;
    ``"Avenue 45"`` keeps both words, its type leads)."""
    out = list(without_direction(words))
    if len(out) > 1 and out[-1] in TYPE_WORDS:
        out.pop()
    return tuple(out)


def match_level(typed: Words, street: Words) -> int | None:
    """How well ``typed`` names ``street`` (both :func:`street_words`): 0 the same words, 1 the same but for a
    direction, 2 the same distinctive words (:func:`core`); None when they name different streets."""
    if not typed or not street:
        return None
    if typed == street:
        return 0
    if without_direction(typed) == without_direction(street):
        return 1
    if core(typed) == core(street):
        return 2
    return None


@dataclass(frozen=True)
class StreetNames:
    """Street names looked up by typed words at each :func:`match_level`, built once from every name a layer has."""

    exact: dict[Words, tuple[str, ...]]
    no_direction: dict[Words, tuple[str, ...]]
    distinctive: dict[Words, tuple[str, ...]]

    @classmethod
    def of(cls, names: Iterable[str]) -> StreetNames:
        """The lookup of ``names`` (display names as the layer writes them; empty names are left out)."""
        tables: tuple[dict[Words, list[str]], ...] = ({}, {}, {})
        for name in sorted(set(names)):
            words = street_words(name)
            if not words:
                continue
            for table, key in zip(tables, (words, without_direction(words), core(words)), strict=True):
                table.setdefault(key, []).append(name)
        exact, no_direction, distinctive = ({k: tuple(v) for k, v in t.items()} for t in tables)
        return cls(exact=exact, no_direction=no_direction, distinctive=distinctive)

    def levels(self, typed: str | Words) -> list[tuple[int, tuple[str, ...]]]:
        """Every level (:func:`match_level`) at which ``typed`` names streets of the layer, best first, each with the
        streets it names there and not at a better level. A street of the other direction than the one typed
        (``E 62nd St`` for ``W 62nd St``) comes last, at level 3."""
        words = typed if isinstance(typed, tuple) else street_words(typed)
        if not words:
            return []
        want = direction(words)
        found: dict[int, list[str]] = {}
        seen: set[str] = set()
        keys = (words, without_direction(words), core(words))
        for level, (table, key) in enumerate(zip((self.exact, self.no_direction, self.distinctive), keys, strict=True)):
            for name in table.get(key, ()):
                if name in seen:
                    continue
                seen.add(name)
                other = direction(street_words(name))
                found.setdefault(3 if want and other and other != want else level, []).append(name)
        return [(level, tuple(found[level])) for level in sorted(found)]


def direction(words: Words) -> str | None:
    """The direction a street's words lead or end with (``w`` for ``W 62nd St``), None without one."""
    if len(words) > 1 and words[0] in DIRECTION_WORDS:
        return words[0]
    if len(words) > 1 and words[-1] in DIRECTION_WORDS:
        return words[-1]
    return None


def split_intersection(text: str) -> tuple[str, str] | None:
    """The two streets of ``"Western Ave & W 62nd St"`` (also ``and``, ``at``, ``/``, ``@``, ``+``, ``y``,
    ``esquina``); None when ``text`` is not two non-empty names so joined. A fraction (``1535 1/2``) is no joint."""
    protected = _FRACTION.sub(_FRACTION_MARK, text.strip())
    parts = [p.strip() for p in _SEPARATORS.split(protected) if p and p.strip()]
    if len(parts) != 2 or not all(name_key(p) for p in parts):
        return None
    return parts[0].replace(_FRACTION_MARK, "/"), parts[1].replace(_FRACTION_MARK, "/")


_ADDRESS = re.compile(
    r"^\s*(?P<number>\d{1,6})(?:\s*(?P<fraction>1/2|\d/\d)|(?P<letter>[A-Za-z])\b)?\s+(?P<street>.*\S)\s*$"
)
_UNIT = re.compile(r"\s+(?:#|\b(?:apt|apartment|unit|ste|suite|no)\b\.?)\s*[\w-]+\s*$", re.IGNORECASE)
_TRAILING_ZIP = re.compile(r"(?:\s+(?:ca|california))?\s+(?P<zip>\d{5})(?:-\d{4})?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class TypedAddress:
    """A house number and a street as typed (``1535 W 62nd St, Los Angeles, CA 90047``)."""

    number: str
    """The house number as compared (:func:`number_key`): ``1535``, ``1535 1/2``, ``1535 a``."""
    street: Words
    zip: str | None


def number_key(number: object) -> str:
    """A house number as compared: its digits without leading zeros, then its fraction or letter in lower case
    (``"01535"`` -> ``1535``, ``"1535 1/2"`` -> ``1535 1/2``, ``"1535A"`` -> ``1535 a``); ``""`` without digits."""
    m = re.match(r"^\s*(\d+)\s*(.*?)\s*$", str(number if number is not None else ""))
    if m is None:
        return ""
    extra = name_key(m.group(2)).replace(" ", "/")
    return f"{int(m.group(1))} {extra}".strip()


@dataclass(frozen=True)
class AddressParts:
    """An address as written, split: the house number (``1535``, ``1535 1/2``), the street (``W 62nd St``) and
    the ZIP code when one is given."""

    number: str
    street: str
    zip: str | None


def split_address(text: str) -> AddressParts | None:
    """The house number, street and ZIP code of an address as written (``1535 W 62nd St, Los Angeles, CA 90047``;
    a unit such as ``#4`` or ``Apt 2`` is left out); None when ``text`` does not start with a number followed by a
    street (``"109th Street Recreation Center"`` is a name: its number is an ordinal)."""
    parts = [p.strip() for p in str(text).split(",")]
    first = parts[0]
    code = None
    for tail in reversed(parts[1:]):
        found = re.search(r"\b(\d{5})(?:-\d{4})?\b", tail)
        if found:
            code = found.group(1)
            break
    zipped = _TRAILING_ZIP.search(first)
    if zipped and len(first[: zipped.start()].split()) >= 2:
        code, first = zipped.group("zip"), first[: zipped.start()]
    m = _ADDRESS.match(_UNIT.sub("", first))
    if m is None or not street_words(m.group("street")):
        return None
    extra = m.group("fraction") or m.group("letter") or ""
    return AddressParts(
        number=f"{m.group('number')} {extra}".strip(), street=" ".join(m.group("street").split()), zip=code
    )


def parse_address(text: str) -> TypedAddress | None:
    """A typed address as compared (:func:`split_address`, then :func:`number_key` and :func:`street_words`)."""
    parts = split_address(text)
    if parts is None:
        return None
    return TypedAddress(number=number_key(parts.number), street=street_words(parts.street), zip=parts.zip)


def _tidy(word: str) -> str:
    low = word.lower()
    if _ORDINAL.match(low) or low.isdigit():
        return low
    if low in DIRECTION_WORDS:
        return low.upper()
    return word[:1].upper() + word[1:].lower()


def tidy_street(*parts: object) -> str:
    """A street as people read it from the City's upper-case parts: ``("W", "62ND", "ST")`` -> ``"W 62nd St"``
    (directions upper case, ordinals lower case, other words capitalised; empty parts left out)."""
    words = [w for p in parts if isinstance(p, str) for w in p.split()]
    return " ".join(_tidy(w) for w in words)
