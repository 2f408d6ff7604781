"""One search box: a place (by its name or an alias), an intersection or an address, found offline.

What a query can find (all are tried; the results are ranked together):

- **places** of the place table by their name or any alias (:mod:`geo.data.aliases`: ``Harvard Park`` finds the
  Jackie Tatum/Harvard Recreation Center), compared with :func:`geo.data.aliases.name_key` (case, accents and
  punctuation ignored): the whole name (rank 0), the start of a name (1), every word typed starting a word of the name
  (2, abbreviations written out: ``Harvard Rec``, ``Nickerson Gdns``);
- **intersections** typed as two streets (``Western Ave & W 62nd St``, also ``and``, ``at``, ``/``, ``y``;
  :mod:`geo.data.streetnames`): the walking network's nodes where edges of both streets meet, else the point where the
  context streets' lines cross. Points of one pair closer than ``same_point_m`` (a divided road) are one result;
- **addresses** typed as a house number and a street (``1535 W 62nd St``) in the address layer (house number and
  street compared as :mod:`geo.data.streetnames` writes them); a number the layer lacks offers the nearest number on
  the same side of that street (rank 3).

A street typed without its direction or type (``62nd St``, ``Western``) ranks below one typed in full (rank 1 and
2); a street of the other direction (``E 62nd St`` for ``W 62nd St``) below all. Of results of one rank, places come
before intersections and addresses, then the one nearer the index's ``centre`` (the map's: the South LA park before a
park of the same name elsewhere), then the place whose name has fewer words beyond those typed.

Coordinates are degrees (EPSG:4326); distances are measured in metres (EPSG:32611). Build the :class:`SearchIndex`
once per set of inputs and call :meth:`SearchIndex.find` for each query (the dashboard caches the index per data
files).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geo.core.errors import DataError
from geo.core.projection import WGS84, lonlat_to_metric, to_wgs84
from geo.data.aliases import Aliases, default_aliases, name_key, words
from geo.data.search_addresses import AddressTable
from geo.data.streetnames import StreetNames, parse_address, split_intersection

Kind = Literal["place", "intersection", "address", "geocoded", "location"]
KINDS: tuple[Kind, ...] = ("place", "intersection", "address", "geocoded", "location")
MAX_QUERY_CHARS = 200
"""The longest query taken (characters); a longer one is refused, naming its length."""
STREETS_SOURCE = "streets layer"
NETWORK_SOURCE = "walking network"
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}
PLACE_WORDS = {"gdns": "gardens", "gdn": "garden", "cts": "courts", "hts": "heights", "apts": "apartments"}
"""Abbreviations of housing developments' names read as the word they stand for (``Nickerson Gdns``), beside those
:func:`geo.data.aliases.words` writes out (``Rec``, ``Ctr``)."""


@dataclass(frozen=True)
class Found:
    """One search result: what to call it, what it is, and where (degrees, EPSG:4326).

    ``place`` is the name of the place in the place table when ``kind`` is ``"place"`` (the name a page's focus
    takes); ``source`` says where the point comes from (the address layer's source, the walking network, the
    geocoder's attribution).
    """

    label: str
    kind: Kind
    lat: float
    lon: float
    place: str | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            msg = f"a search result's kind must be one of {list(KINDS)}, got {self.kind!r}"
            raise DataError(msg)
        if not (math.isfinite(self.lat) and math.isfinite(self.lon) and abs(self.lat) <= 90 and abs(self.lon) <= 180):
            msg = f"a search result needs lat/lon in degrees, got lat={self.lat}, lon={self.lon} for {self.label!r}"
            raise DataError(msg)


@dataclass(frozen=True, slots=True)
class _Place:
    keys: frozenset[str]
    words: frozenset[str]
    name: str
    label: str
    lat: float
    lon: float
    source: str


@dataclass(frozen=True, eq=False)
class SearchIndex:
    """Everything a query is compared with, built once (:func:`build_index`); read-only, shared between queries.

    ``same_point_m``: meeting points of the same two streets closer than this (metres) are one intersection (a divided
    road), and results of one kind and label closer than this are one result; ``centre`` ``(lat, lon)``: of equally
    good results, the nearer comes first."""

    same_point_m: float
    places: tuple[_Place, ...] = ()
    network_names: StreetNames = field(default_factory=lambda: StreetNames.of(()))
    network_nodes: Mapping[str, frozenset[Any]] = field(default_factory=dict)
    node_lonlat: Mapping[Any, tuple[float, float]] = field(default_factory=dict)
    network_source: str = NETWORK_SOURCE
    street_names: StreetNames = field(default_factory=lambda: StreetNames.of(()))
    street_lines: Mapping[str, BaseGeometry] = field(default_factory=dict)
    addresses: AddressTable = field(default_factory=AddressTable)
    centre: tuple[float, float] | None = None

    def find(self, query: str, *, limit: int) -> list[Found]:
        """The results for ``query``, best first, at most ``limit`` (see the module docstring for the ranking).

        An empty query finds nothing (``[]``).

        Raises
        ------
        DataError
            ``query`` is not text or is longer than :data:`MAX_QUERY_CHARS`, or ``limit`` is not 1 to 100.
        """
        text = check_query(query)
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 100:
            msg = f"limit must be a whole number from 1 to 100, got {limit!r}"
            raise DataError(msg)
        if not text:
            return []
        ranked = [*self._places(text), *self._intersections(text), *self._addresses(text)]
        asked = words(text)

        def order(r: tuple[int, Found]) -> tuple[int, int, float, int, str, float, float]:
            level, f = r
            extra = len(words(f.place) - asked) if f.place else 0  # "Nickerson Gardens" before "CSP Nickerson Gardens"
            return level, _KIND_ORDER[f.kind], self._away(f), extra, f.label, f.lat, f.lon

        ranked.sort(key=order)
        return _distinct([f for _, f in ranked], self.same_point_m)[:limit]

    def _away(self, found: Found) -> float:
        """How far ``found`` is from :attr:`centre` (degrees, longitude scaled by latitude); 0 without a centre."""
        if self.centre is None:
            return 0.0
        lat, lon = self.centre
        return math.hypot(found.lat - lat, (found.lon - lon) * math.cos(math.radians(lat)))

    def _places(self, text: str) -> list[tuple[int, Found]]:
        out = _place_hits(self.places, text)
        if not out and "," in text:  # "Harvard Park, Los Angeles": the name before the comma
            out = _place_hits(self.places, text.split(",", 1)[0])
        return out

    def _intersections(self, text: str) -> list[tuple[int, Found]]:
        pair = split_intersection(text)
        if pair is None:
            return []
        hits = _meeting_nodes(self, *pair)
        if not hits:
            hits = _crossing_lines(self, *pair)
        return hits

    def _addresses(self, text: str) -> list[tuple[int, Found]]:
        typed = parse_address(text)
        if typed is None or not len(self.addresses):
            return []
        for level, names in self.addresses.names.levels(typed.street):
            found = []
            for name in names:
                exact, points = self.addresses.numbered(name, typed.number, typed.zip)
                rank = level if exact else 3  # a nearby number ranks below every match of the number typed
                found += [(rank, Found(label, "address", lat, lon, source=src)) for label, lat, lon, src in points]
            if found:
                return found
        return []


def check_query(query: object) -> str:
    """``query`` stripped, or a :class:`DataError` when it is not text or longer than :data:`MAX_QUERY_CHARS`."""
    if not isinstance(query, str):
        msg = f"a search must be text, got {type(query).__name__}"
        raise DataError(msg)
    text = " ".join(query.split())
    if len(text) > MAX_QUERY_CHARS:
        msg = f"a search is at most {MAX_QUERY_CHARS} characters, got {len(text)}"
        raise DataError(msg)
    return text


# --- building the index ------------------------------------------------------------------------------------------


def build_index(
    *,
    places: gpd.GeoDataFrame | None,
    aliases: Aliases | None = None,
    streets: gpd.GeoDataFrame | None = None,
    network: nx.MultiDiGraph | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    same_point_m: float,
    centre: tuple[float, float] | None = None,
) -> SearchIndex:
    """The index of the inputs a query is compared with (any may be None or empty).

    Parameters
    ----------
    places
        Place table (``name``, ``source``, geometry; any CRS, read in EPSG:4326); a polygon is found at a point
        inside it (its representative point).
    aliases
        Place aliases (default: the committed table, :func:`geo.data.aliases.default_aliases`).
    streets
        Context street lines with a ``name`` column.
    network
        Walking network (nodes ``x``/``y`` in degrees, edges with a street ``name``, a list where osmnx merged ways).
    addresses
        Address points (:data:`geo.core.schema.ADDRESS_DTYPES`: ``address``, ``number``, ``street``, ``zip``,
        ``source``).
    same_point_m
        Meeting points closer than this (metres) are one intersection.
    centre
        ``(lat, lon)`` in degrees: of results that match equally well, those nearer to it come first (the map's
        centre: the South LA park before a park of the same name elsewhere).
    """
    if not (math.isfinite(same_point_m) and same_point_m >= 0):
        msg = f"same_point_m must be a distance >= 0 in metres, got {same_point_m!r}"
        raise DataError(msg)
    network_names, nodes, lonlat, source = _network_index(network)
    street_names, lines = _street_index(streets)
    return SearchIndex(
        places=_place_index(places, aliases or default_aliases()),
        network_names=network_names,
        network_nodes=nodes,
        node_lonlat=lonlat,
        network_source=source,
        street_names=street_names,
        street_lines=lines,
        addresses=AddressTable.of(_wgs84(addresses, "address points")),
        same_point_m=float(same_point_m),
        centre=centre,
    )


def find(
    query: str,
    *,
    places: gpd.GeoDataFrame | None,
    aliases: Aliases | None = None,
    streets: gpd.GeoDataFrame | None = None,
    network: nx.MultiDiGraph | None = None,
    addresses: gpd.GeoDataFrame | None = None,
    limit: int,
    same_point_m: float,
) -> list[Found]:
    """:meth:`SearchIndex.find` on an index built for this one query (:func:`build_index`: ``limit`` results at most,
    ``search.limit``; meeting points within ``same_point_m`` metres are one, ``search.same_point_m``); build the index
    once instead when several queries search the same inputs."""
    index = build_index(
        places=places, aliases=aliases, streets=streets, network=network, addresses=addresses, same_point_m=same_point_m
    )
    return index.find(query, limit=limit)


def _wgs84(gdf: gpd.GeoDataFrame | None, what: str) -> gpd.GeoDataFrame | None:
    if gdf is None or gdf.empty:
        return None
    if gdf.crs is None:
        msg = f"the {what} have no CRS; expected EPSG:4326"
        raise DataError(msg)
    return gdf if CRS.from_user_input(gdf.crs).equals(CRS.from_user_input(WGS84)) else to_wgs84(gdf)


def _place_index(places: gpd.GeoDataFrame | None, aliases: Aliases) -> tuple[_Place, ...]:
    gdf = _wgs84(places, "places")
    if gdf is None:
        return ()
    if "name" not in gdf.columns:
        msg = f"the place table needs a 'name' column (got {sorted(map(str, gdf.columns))[:8]})"
        raise DataError(msg)
    present = gdf.geometry.notna().to_numpy() & ~gdf.geometry.is_empty.to_numpy()
    gdf = gdf[present]
    points = gdf.geometry.representative_point()
    sources = gdf["source"].astype(str) if "source" in gdf.columns else [""] * len(gdf)
    out: dict[tuple[str, float, float], _Place] = {}
    for name, source, point in zip(gdf["name"], sources, points, strict=True):
        if not isinstance(name, str) or not name_key(name):
            continue
        canon = aliases.canonical_name(name)
        keys = frozenset({name_key(name), *aliases.names_of(name)} - {""})
        every = frozenset(itertools.chain.from_iterable(words(k) for k in keys)) | words(canon)
        label = name if name_key(canon) == name_key(name) else f"{canon} · {name}"
        lat, lon = round(float(point.y), 6), round(float(point.x), 6)
        out.setdefault((name, lat, lon), _Place(keys, every, name, label, lat, lon, source))
    return tuple(out.values())


def _edge_names(value: object) -> list[str]:
    values = value if isinstance(value, (list, tuple)) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _network_index(
    graph: nx.MultiDiGraph | None,
) -> tuple[StreetNames, dict[str, frozenset[Any]], dict[Any, tuple[float, float]], str]:
    if graph is None or graph.number_of_edges() == 0:
        return StreetNames.of(()), {}, {}, NETWORK_SOURCE
    nodes: dict[str, set[Any]] = {}
    for u, v, name in graph.edges(data="name"):
        for street in _edge_names(name):
            nodes.setdefault(street, set()).update((u, v))
    used = set().union(*nodes.values()) if nodes else set()
    lonlat = {n: (float(graph.nodes[n]["x"]), float(graph.nodes[n]["y"])) for n in used}
    source = str(graph.graph.get("source") or NETWORK_SOURCE)
    return StreetNames.of(nodes), {k: frozenset(v) for k, v in nodes.items()}, lonlat, source


def _street_index(streets: gpd.GeoDataFrame | None) -> tuple[StreetNames, dict[str, BaseGeometry]]:
    gdf = _wgs84(streets, "streets")
    if gdf is None or "name" not in gdf.columns:
        return StreetNames.of(()), {}
    grouped: dict[str, list[BaseGeometry]] = {}
    for name, geom in zip(gdf["name"], gdf.geometry, strict=True):
        for street in _edge_names(name):
            if geom is not None and not geom.is_empty:
                grouped.setdefault(street, []).append(geom)
    lines = {k: shapely.union_all(v) for k, v in grouped.items()}
    return StreetNames.of(lines), lines


# --- matching ------------------------------------------------------------------------------------------------------


def _place_level(entry: _Place, key: str, asked: frozenset[str]) -> int | None:
    if key in entry.keys:
        return 0
    if any(k.startswith(key) for k in entry.keys):
        return 1
    if asked and all(any(w == have or (len(w) > 1 and have.startswith(w)) for have in entry.words) for w in asked):
        return 2
    return None


def _place_hits(places: Iterable[_Place], text: str) -> list[tuple[int, Found]]:
    key, asked = name_key(text), frozenset(PLACE_WORDS.get(w, w) for w in words(text))
    if not key:
        return []
    out = []
    for entry in places:
        level = _place_level(entry, key, asked)
        if level is not None:
            found = Found(entry.label, "place", entry.lat, entry.lon, place=entry.name, source=entry.source)
            out.append((level, found))
    return out


def _pairs(names: StreetNames, first: str, second: str) -> list[tuple[int, str, str]]:
    """Every pair of the layer's streets the two typed names may mean, best combined level first."""
    pairs = [
        (max(la, lb), a, b)
        for (la, names_a), (lb, names_b) in itertools.product(names.levels(first), names.levels(second))
        for a in names_a
        for b in names_b
        if a != b
    ]
    return sorted(pairs, key=lambda p: p[0])


def _meeting_nodes(index: SearchIndex, first: str, second: str) -> list[tuple[int, Found]]:
    """The network nodes where the streets meet, of the best level at which they meet at all."""
    pairs = _pairs(index.network_names, first, second)
    for level, group in itertools.groupby(pairs, key=lambda p: p[0]):
        hits = [
            (index.node_lonlat[node], f"{a} & {b}")
            for _, a, b in group
            for node in sorted(index.network_nodes[a] & index.network_nodes[b], key=str)
        ]
        if hits:
            kept = _one_per_place(hits, index.same_point_m)
            return [
                (level, Found(label, "intersection", lat, lon, source=index.network_source))
                for (lon, lat), label in kept
            ]
    return []


def _crossing_lines(index: SearchIndex, first: str, second: str) -> list[tuple[int, Found]]:
    """Where the context streets' lines cross, of the best level at which they cross at all."""
    pairs = _pairs(index.street_names, first, second)
    for level, group in itertools.groupby(pairs, key=lambda p: p[0]):
        hits: list[tuple[tuple[float, float], str]] = []
        for _, a, b in group:
            where = index.street_lines[a].intersection(index.street_lines[b])
            for part in shapely.get_parts(where):
                point = part if part.geom_type == "Point" else part.representative_point()
                hits.append(((round(float(point.x), 6), round(float(point.y), 6)), f"{a} & {b}"))
        if hits:
            kept = _one_per_place(hits, index.same_point_m)
            return [
                (level, Found(label, "intersection", lat, lon, source=STREETS_SOURCE)) for (lon, lat), label in kept
            ]
    return []


def _one_per_place(
    hits: list[tuple[tuple[float, float], str]], within_m: float
) -> list[tuple[tuple[float, float], str]]:
    """``hits`` (``((lon, lat), label)``) less those within ``within_m`` metres of an earlier one, southernmost then
    westernmost first."""
    ordered = sorted(set(hits), key=lambda h: (h[0][1], h[0][0], h[1]))
    lon = np.array([h[0][0] for h in ordered])
    lat = np.array([h[0][1] for h in ordered])
    x, y = lonlat_to_metric(lon, lat)
    kept: list[int] = []
    for i in range(len(ordered)):
        if all(math.hypot(x[i] - x[j], y[i] - y[j]) > within_m for j in kept):
            kept.append(i)
    return [ordered[i] for i in kept]


def _distinct(found: list[Found], within_m: float) -> list[Found]:
    """``found`` in order, less a result of the same kind and label within ``within_m`` metres of an earlier one."""
    out: list[Found] = []
    if not found:
        return out
    x, y = lonlat_to_metric(np.array([f.lon for f in found]), np.array([f.lat for f in found]))
    kept: list[int] = []
    for i, f in enumerate(found):
        same = (j for j in kept if found[j].kind == f.kind and found[j].label == f.label)
        if all(math.hypot(x[i] - x[j], y[i] - y[j]) > within_m for j in same):
            kept.append(i)
            out.append(f)
    return out
