"""The walking network as arrays for the planner, and the street names people read.

:class:`NetworkIndex` holds node coordinates (EPSG:4326 degrees and EPSG:32611 metres), an
undirected sparse matrix of edge lengths in metres, connected components and a KD-tree for
snapping. :func:`load_network` chooses and loads the network a plan walks on (the demo grid,
OpenStreetMap around the start, with the radius of :func:`osm_radius_m`, or the imported network).
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.core.errors import DataError
from geo.core.projection import lonlat_to_metric
from geo.core.settings import Settings
from geo.data.walknet import WALK_CACHE, check_network, load_demo_network, load_osm_network
from geo.data.walknet_import import load_imported_network

NETWORKS = ("demo", "osm", "imported")
"""The walking networks a plan can walk on: the demo's generated grid, OpenStreetMap fetched around the start
(cached), or the network imported with ``python -m geo ingest FILE --kind walknet``."""
OSM_CENTRE_DIGITS = 4  # the fetched centre, rounded (about 11 m), so nearby starts share one cached network


@dataclass
class NetworkIndex:
    """Arrays over a walking network: node coordinates (degrees and metres), an undirected CSR matrix
    of edge lengths (metres; walking ignores one-way rules), components and a KD-tree for snapping."""

    nodes: list[Any]
    pos: dict[Any, int]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    xy: NDArray[np.float64]
    matrix: csr_matrix
    component: NDArray[np.int32]
    tree: cKDTree
    edges: dict[tuple[int, int], tuple[float, Any, Any, dict[str, Any]]] = field(repr=False)

    def nearest(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[Any]]:
        """Index of the nearest node and its distance in metres for each point (degrees)."""
        x, y = lonlat_to_metric(np.atleast_1d(lon), np.atleast_1d(lat))
        dist, idx = self.tree.query(np.column_stack([x, y]))
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=float)


_INDEX: weakref.WeakKeyDictionary[nx.MultiDiGraph, NetworkIndex] = weakref.WeakKeyDictionary()


def network_index(graph: nx.MultiDiGraph) -> NetworkIndex:
    """Build (once per graph object) the arrays used for snapping and shortest paths.

    The index is cached per graph object; do not modify a graph after planning on it.
    """
    cached = _INDEX.get(graph)
    if cached is not None:
        return cached
    check_network(graph)
    nodes = list(graph.nodes)
    pos = {n: i for i, n in enumerate(nodes)}
    lon = np.fromiter((graph.nodes[n]["x"] for n in nodes), float, len(nodes))
    lat = np.fromiter((graph.nodes[n]["y"] for n in nodes), float, len(nodes))
    x, y = lonlat_to_metric(lon, lat)
    xy = np.column_stack([x, y])
    edges: dict[tuple[int, int], tuple[float, Any, Any, dict[str, Any]]] = {}
    for u, v, data in graph.edges(data=True):
        a, b = pos[u], pos[v]
        if a == b:
            continue
        length = float(data["length"])
        if not math.isfinite(length) or length < 0:
            msg = f"edge ({u}, {v}) has an invalid length {data['length']!r}; lengths are metres >= 0"
            raise DataError(msg)
        key = (a, b) if a < b else (b, a)
        if key not in edges or length < edges[key][0]:
            edges[key] = (length, u, v, data)
    if edges:
        ij = np.array(list(edges), dtype=np.int64)
        w = np.array([e[0] for e in edges.values()], dtype=float)
    else:
        ij = np.empty((0, 2), dtype=np.int64)
        w = np.empty(0)
    w = np.maximum(w, 1e-3)  # csgraph reads explicit zeros as "no edge"
    n = len(nodes)
    matrix = coo_matrix((np.r_[w, w], (np.r_[ij[:, 0], ij[:, 1]], np.r_[ij[:, 1], ij[:, 0]])), shape=(n, n)).tocsr()
    _, comp = connected_components(matrix, directed=False)
    index = NetworkIndex(nodes, pos, lon, lat, xy, matrix, comp.astype(np.int32), cKDTree(xy), edges)
    _INDEX[graph] = index
    return index


def edge_between(index: NetworkIndex, a: int, b: int) -> tuple[float, Any, Any, dict[str, Any]]:
    return index.edges[(a, b) if a < b else (b, a)]


def street_name(data: dict[str, Any]) -> str | None:
    """An edge's street name (osmnx lists of merged names are joined with " / "); None if unnamed."""
    name = data.get("name")
    if isinstance(name, (list, tuple)):
        names = [str(n) for n in name if n]
        return " / ".join(dict.fromkeys(names)) or None
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return None
    text = str(name).strip()
    return text or None


def node_streets(graph: nx.MultiDiGraph, node: Any) -> list[str]:
    """Names of the streets meeting at ``node`` (most frequent first, then alphabetical)."""
    counts: Counter[str] = Counter()
    for _, _, data in graph.edges(node, data=True):
        name = street_name(data)
        if name:
            counts[name] += 1
    return [n for n, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def node_where(graph: nx.MultiDiGraph, node: Any) -> str | None:
    names = node_streets(graph, node)
    return " & ".join(names[:2]) if names else None


def osm_radius_m(settings: Settings, reach_m: float) -> float:
    """Radius in metres of the OpenStreetMap network fetched for a loop that walks ``reach_m`` out.

    The configured ``patrol.osm_dist_m``, or the reach plus ``patrol.osm_margin_m`` when that is
    farther (so a loop near the edge keeps its side streets).
    """
    if not (math.isfinite(reach_m) and reach_m >= 0):
        msg = f"reach_m must be non-negative metres, got {reach_m}"
        raise DataError(msg)
    return float(max(settings.patrol.osm_dist_m, reach_m + settings.patrol.osm_margin_m))


def osm_centre(lat: float, lon: float) -> tuple[float, float]:
    """The centre (degrees, EPSG:4326) of the OpenStreetMap network fetched for a start at ``(lat, lon)``."""
    return round(lat, OSM_CENTRE_DIGITS), round(lon, OSM_CENTRE_DIGITS)


def load_network(settings: Settings, choice: str, *, lat: float, lon: float, reach_m: float) -> nx.MultiDiGraph:
    """The walking network ``choice`` names (``demo``, ``osm`` or ``imported``) for a loop from ``(lat, lon)``.

    Parameters
    ----------
    settings
        ``patrol.demo_network`` and ``patrol.osm_dist_m``; OSM networks are cached under
        ``<sources.store_dir>/walk``, where the imported network is ``imported.graphml``.
    choice
        ``demo`` (the generated grid), ``osm`` (OpenStreetMap via osmnx, cached as GraphML) or
        ``imported`` (``python -m geo ingest FILE --kind walknet``).
    lat, lon
        The start, degrees (EPSG:4326).
    reach_m
        How far the loop can walk out, metres.
    """
    if choice not in NETWORKS:
        msg = f"unknown walking network {choice!r}; expected one of {list(NETWORKS)}"
        raise DataError(msg)
    if choice == "demo":
        return load_demo_network(settings.patrol.demo_network)
    if choice == "imported":
        return load_imported_network(settings.sources.store_dir)
    clat, clon = osm_centre(lat, lon)
    return load_osm_network(
        lat=clat, lon=clon, dist_m=osm_radius_m(settings, reach_m), cache_dir=settings.sources.store_dir / WALK_CACHE,
        timeout_s=settings.sources.http.timeout_s,
    )  # fmt: skip
