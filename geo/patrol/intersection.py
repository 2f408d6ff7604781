"""Places on the walking network found by street name: a typed intersection, a point's nearest streets.

No geocoder is asked: the streets are the names the walking network carries (EPSG:4326 node
coordinates ``x``/``y`` in degrees), so this works offline and on the demo network alike.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from geo.core.errors import AnalysisError
from geo.patrol.network import node_streets, node_where

_SPLIT = re.compile(r"\s*(?:&|@|/|\+|\band\b|\by\b|\bat\b|\bcon\b|\besq\.?|\besquina\b)\s*", re.IGNORECASE)
_WORDS = {
    "avenue": "ave", "av": "ave", "avenida": "ave", "street": "st", "str": "st", "calle": "st",
    "boulevard": "blvd", "bl": "blvd", "bulevar": "blvd", "place": "pl", "drive": "dr", "road": "rd",
    "west": "w", "east": "e", "north": "n", "south": "s", "oeste": "w", "este": "e", "norte": "n", "sur": "s",
    "first": "1st", "second": "2nd", "third": "3rd",
}  # fmt: skip
_DIRECTIONS = frozenset({"w", "e", "n", "s"})


def street_key(name: str) -> tuple[str, ...]:
    """A street name as comparable words: lower case, no punctuation, usual abbreviations ("Avenue" -> "ave")."""
    words = re.sub(r"[^\w\s]", " ", name.lower()).split()
    return tuple(_WORDS.get(w, w) for w in words)


def _matches(typed: tuple[str, ...], street: tuple[str, ...]) -> bool:
    """``typed`` names ``street``: the same words, or the same once the street's direction prefix is left off."""
    if typed == street:
        return True
    return len(street) > 1 and street[0] in _DIRECTIONS and typed == street[1:]


@dataclass(frozen=True)
class Intersection:
    """Where two streets meet: a network node and its position (EPSG:4326 degrees)."""

    node: Any
    lat: float
    lon: float
    where: str


def split_intersection(text: str) -> tuple[str, str]:
    """The two street names of "Western Ave & W 62nd St" (also "and", "at", "/", "y", "esquina").

    Raises
    ------
    AnalysisError
        Not two non-empty street names.
    """
    if not isinstance(text, str):
        msg = f"an intersection must be text, got {type(text).__name__}"
        raise AnalysisError(msg)
    parts = [p.strip() for p in _SPLIT.split(text.strip()) if p and p.strip()]
    if len(parts) != 2:
        msg = f"expected two streets joined by '&' (e.g. 'Western Ave & W 62nd St'), got {text!r}"
        raise AnalysisError(msg)
    return parts[0], parts[1]


def _streets_named(graph: nx.MultiDiGraph, typed: str) -> set[str]:
    key = street_key(typed)
    names = {name for node in graph.nodes for name in node_streets(graph, node)}
    return {name for name in names if any(_matches(key, street_key(part)) for part in name.split(" / "))}


@dataclass(frozen=True)
class Lookup:
    """What a typed intersection names: the node found, or why none was (for a message in the user's language).

    ``problem`` is ``None`` (found), ``"format"`` (not two streets), ``"street"`` (``street`` is not on
    the network) or ``"apart"`` (the two streets do not meet).
    """

    found: Intersection | None
    problem: str | None = None
    street: str | None = None
    streets: tuple[str, str] | None = None


def lookup_intersection(graph: nx.MultiDiGraph, text: str) -> Lookup:
    """The network node where the two streets of ``text`` meet, or the reason there is none.

    Parameters
    ----------
    graph
        Walking network, nodes with ``x``/``y`` in degrees (EPSG:4326) and edges with ``name``.
    text
        Two street names, e.g. ``"Western Ave & W 62nd St"`` (case, punctuation and the usual
        abbreviations do not matter; a direction prefix such as "W" may be left off). Where several
        nodes qualify (a divided road), the southernmost, then westernmost, is taken.
    """
    try:
        first, second = split_intersection(text)
    except AnalysisError:
        return Lookup(found=None, problem="format")
    wanted = []
    for typed in (first, second):
        names = _streets_named(graph, typed)
        if not names:
            return Lookup(found=None, problem="street", street=typed, streets=(first, second))
        wanted.append(names)
    hits = []
    for node in graph.nodes:
        here = set(node_streets(graph, node))
        if any(a != b for a in here & wanted[0] for b in here & wanted[1]):
            hits.append(node)
    if not hits:
        return Lookup(found=None, problem="apart", streets=(first, second))
    node = min(hits, key=lambda n: (float(graph.nodes[n]["y"]), float(graph.nodes[n]["x"])))
    data = graph.nodes[node]
    where = node_where(graph, node) or f"{first} & {second}"
    return Lookup(found=Intersection(node=node, lat=float(data["y"]), lon=float(data["x"]), where=where))


def find_intersection(graph: nx.MultiDiGraph, text: str) -> Intersection:
    """:func:`lookup_intersection`, raising when nothing is found.

    Raises
    ------
    AnalysisError
        Not two streets; a street the network does not have; two streets that do not meet.
        The message names what was not found.
    """
    res = lookup_intersection(graph, text)
    if res.found is not None:
        return res.found
    if res.problem == "format":
        msg = f"expected two streets joined by '&' (e.g. 'Western Ave & W 62nd St'), got {text!r}"
    elif res.problem == "street":
        msg = f"no street named {res.street!r} on the walking network"
    else:
        first, second = res.streets or ("", "")
        msg = f"{first!r} and {second!r} do not meet on the walking network"
    raise AnalysisError(msg)


def nearest_where(graph: nx.MultiDiGraph, points: list[tuple[float, float]]) -> list[str | None]:
    """The streets at the network node nearest each ``(lat, lon)`` point (degrees, EPSG:4326).

    Distances are equirectangular on the network's mean latitude (metres-accurate over a city);
    only nodes that carry a street name are considered. ``None`` where the network names no street.
    """
    if not points:
        return []
    named = [(n, d) for n, d in graph.nodes(data=True) if node_streets(graph, n)]
    if not named:
        return [None] * len(points)
    ys = np.array([float(d["y"]) for _, d in named])
    xs = np.array([float(d["x"]) for _, d in named]) * math.cos(math.radians(float(ys.mean())))
    out: list[str | None] = []
    for lat, lon in points:
        px = lon * math.cos(math.radians(float(ys.mean())))
        best = int(np.argmin((xs - px) ** 2 + (ys - lat) ** 2))
        out.append(node_where(graph, named[best][0]))
    return out
