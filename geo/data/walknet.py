"""Walking networks for the foot-patrol planner: the demo grid, GraphML files and OpenStreetMap.

A walking network is a :class:`networkx.MultiDiGraph` in the osmnx layout: nodes carry ``x``
(longitude) and ``y`` (latitude) in EPSG:4326; edges carry ``length`` in metres and, where the
network has it, a street ``name``; every street is walkable both ways. The graph attribute
``crs`` is ``"EPSG:4326"``; ``note`` says where the network came from.

Three sources:

- the demo bundle's ``walk.graphml``: a **generated, approximate** street grid around Harvard Park
  and Watts (:func:`build_demo_network`), so planning works with no network at all;
- OpenStreetMap through osmnx (``network_type="walk"``), fetched once around a point and cached as
  GraphML in the store (``data/cache/walk/``); offline, the cache answers or
  :class:`~geo.core.errors.SourceError` says what to do;
- any GraphML file written by osmnx or by :func:`write_graphml`.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import LineString

from geo.core.errors import DataError, SourceError
from geo.core.projection import WGS84, lonlat_to_metric
from geo.core.store import atomic_path
from geo.data.demo_places import STREETS

DEMO_NOTE = (
    "Generated, approximate walking network for the demo: a regular street grid drawn around the "
    "real main streets of South LA; not surveyed, not OpenStreetMap."
)
WALK_CACHE = "walk"
"""Folder of the store that caches fetched walking networks as GraphML (``<store_dir>/walk``)."""
OSM_NOTE = "OpenStreetMap walking network (osmnx, network_type='walk'); (c) OpenStreetMap contributors, ODbL."

# Demo extent (EPSG:4326 degrees): Harvard Park (33.98, -118.30) to Watts (33.93-33.96, -118.22..-118.27).
DEMO_BBOX: tuple[float, float, float, float] = (-118.3200, 33.9270, -118.2220, 33.9980)  # west, south, east, north
# Numbered east-west streets: W 62nd St lies at 33.9825; one street number is about 108 m of latitude.
_ANCHOR_NUMBER = 62
_ANCHOR_LAT = 33.9825
_LAT_PER_NUMBER = 0.000976
# Street numbers say "W" west of Main St and "E" east of it.
_MAIN_ST_LON = -118.2740

FetchFn = Callable[[float, float, float], nx.MultiDiGraph]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _numbered_name(number: int, lon: float) -> str:
    side = "W" if lon < _MAIN_ST_LON else "E"
    return f"{side} {_ordinal(number)} St"


def _ns_lines(west: float, east: float, spacing_m: float) -> list[tuple[float, str | None, tuple[float, float]]]:
    """North-south lines (constant longitude): the demo's main streets plus evenly spaced local streets."""
    deg_per_m = 1.0 / (111_320.0 * math.cos(math.radians(33.96)))
    arterials = sorted((s[2], s[0], (s[3], s[4])) for s in STREETS if s[1] == "ns" and west <= s[2] <= east)
    stops = [west, *[a[0] for a in arterials], east]
    lines: dict[float, tuple[str | None, tuple[float, float]]] = {}
    for a in arterials:
        lines[round(a[0], 6)] = (a[1], a[2])
    for lo, hi in itertools.pairwise(stops):
        k = max(1, round((hi - lo) / deg_per_m / spacing_m))
        for i in range(k + 1):
            lon = round(lo + (hi - lo) * i / k, 6)
            if lon not in lines:
                lines[lon] = (None, (0.0, 0.0))
    return [(lon, name, span) for lon, (name, span) in sorted(lines.items())]


def _ew_lines(
    south: float, north: float, step_numbers: int
) -> list[tuple[float, int, str | None, tuple[float, float]]]:
    """East-west lines (constant latitude): numbered streets, with the demo's main streets swapped in."""
    first = _ANCHOR_NUMBER + math.ceil((_ANCHOR_LAT - north) / _LAT_PER_NUMBER)
    last = _ANCHOR_NUMBER + math.floor((_ANCHOR_LAT - south) / _LAT_PER_NUMBER)
    numbers = [n for n in range(first, last + 1) if (n - _ANCHOR_NUMBER) % step_numbers == 0]
    lines: dict[int, tuple[float, str | None, tuple[float, float]]] = {
        n: (round(_ANCHOR_LAT - (n - _ANCHOR_NUMBER) * _LAT_PER_NUMBER, 6), None, (0.0, 0.0)) for n in numbers
    }
    for name, orient, const, a, b in STREETS:
        if orient != "ew" or not south <= const <= north:
            continue
        n = min(lines, key=lambda k: (abs(lines[k][0] - const), k))
        if abs(lines[n][0] - const) <= step_numbers * _LAT_PER_NUMBER / 2 and lines[n][1] is None:
            lines[n] = (const, name, (a, b))
    return [(lat, n, name, span) for n, (lat, name, span) in sorted(lines.items(), key=lambda kv: -kv[1][0])]


def build_demo_network(
    *,
    bbox: tuple[float, float, float, float] = DEMO_BBOX,
    ns_spacing_m: float = 200.0,
    ew_step_numbers: int = 1,
) -> nx.MultiDiGraph:
    """Generate the demo walking network: an LA-like street grid, approximate and labelled so.

    North-south streets run every ``ns_spacing_m`` metres between the demo's main streets
    (:data:`geo.data.demo_places.STREETS`: Western, Normandie, Vermont, ...); east-west streets are numbered
    ("W 62nd St", "E 103rd St"), one every ``ew_step_numbers`` street numbers (about 108 m each),
    with the main streets (Slauson, Gage, Florence, Manchester, ...) in place of the nearest
    numbered street along their span. Local north-south streets carry no name.

    Parameters
    ----------
    bbox
        ``(west, south, east, north)`` in degrees (EPSG:4326).
    ns_spacing_m
        Target spacing of north-south streets, metres.
    ew_step_numbers
        Keep one numbered east-west street in this many.

    Returns
    -------
    networkx.MultiDiGraph
        Nodes with ``x``/``y`` (lon/lat, EPSG:4326) and ``street_count``; every street as two
        opposite edges with ``length`` (metres, measured in EPSG:32611), ``highway`` and,
        where named, ``name``. Graph attributes ``crs``, ``note``, ``source``, ``approximate``.
    """
    west, south, east, north = bbox
    if not (west < east and south < north):
        msg = f"bbox must be (west, south, east, north) in degrees, got {bbox}"
        raise DataError(msg)
    if ns_spacing_m <= 0 or ew_step_numbers < 1:
        msg = f"spacing must be positive, got ns_spacing_m={ns_spacing_m}, ew_step_numbers={ew_step_numbers}"
        raise DataError(msg)
    ns = _ns_lines(west, east, ns_spacing_m)
    ew = _ew_lines(south, north, ew_step_numbers)
    lon = np.array([c[0] for c in ns])
    lat = np.array([r[0] for r in ew])
    grid_lon, grid_lat = np.meshgrid(lon, lat)
    gx, gy = lonlat_to_metric(grid_lon.ravel(), grid_lat.ravel())
    gx = gx.reshape(grid_lon.shape)
    gy = gy.reshape(grid_lon.shape)
    n_rows, n_cols = (int(v) for v in grid_lon.shape)

    graph = nx.MultiDiGraph(
        crs=WGS84,
        note=DEMO_NOTE,
        source="generated demo (approximate)",
        approximate=True,
        created_by="geo.data.walknet.build_demo_network",
    )

    def node_id(r: int, c: int) -> int:
        return r * n_cols + c

    for r in range(n_rows):
        for c in range(n_cols):
            graph.add_node(node_id(r, c), x=round(float(lon[c]), 6), y=round(float(lat[r]), 6))

    def add_street(u: int, v: int, length: float, name: str | None, highway: str) -> None:
        attrs: dict[str, Any] = {"length": round(length, 2), "highway": highway}
        if name:
            attrs["name"] = name
        graph.add_edge(u, v, **attrs)
        graph.add_edge(v, u, **attrs)

    for r, (_, number, name, span) in enumerate(ew):
        for c in range(n_cols - 1):
            mid = (lon[c] + lon[c + 1]) / 2
            street: str | None = name if name and span[0] <= mid <= span[1] else _numbered_name(number, float(mid))
            length = float(math.hypot(gx[r, c + 1] - gx[r, c], gy[r, c + 1] - gy[r, c]))
            add_street(node_id(r, c), node_id(r, c + 1), length, street, "primary" if street == name else "residential")
    for c, (_, name, span) in enumerate(ns):
        for r in range(n_rows - 1):
            mid = (lat[r] + lat[r + 1]) / 2
            street = name if name and span[0] <= mid <= span[1] else None
            length = float(math.hypot(gx[r + 1, c] - gx[r, c], gy[r + 1, c] - gy[r, c]))
            add_street(node_id(r, c), node_id(r + 1, c), length, street, "primary" if street else "residential")
    for node in graph.nodes:
        graph.nodes[node]["street_count"] = graph.out_degree(node)
    return graph


# --- GraphML ---------------------------------------------------------------------------------


def _to_text(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkt(value, rounding_precision=7)
    return str(value)


def write_graphml(graph: nx.MultiDiGraph, path: str | Path) -> Path:
    """Write ``graph`` as GraphML atomically (lists and geometries become text, as osmnx does).

    The output is deterministic for the same graph (same insertion order of nodes and edges).
    """
    path = Path(path)
    out = nx.MultiDiGraph()
    # node_default/edge_default are networkx's GraphML reader's own (dicts); written as text they break the writer
    skip = ("node_default", "edge_default")
    out.graph.update({k: _to_text(v) for k, v in graph.graph.items() if not k.startswith("_") and k not in skip})
    for n, data in graph.nodes(data=True):
        out.add_node(n, **{k: _to_text(v) for k, v in data.items()})
    for u, v, k, data in graph.edges(keys=True, data=True):
        out.add_edge(u, v, key=k, **{a: _to_text(b) for a, b in data.items()})
    with atomic_path(path, suffix=".graphml") as tmp:
        nx.write_graphml(out, tmp, encoding="utf-8", prettyprint=True)
    return path


_TRUE = {"true", "1", "yes"}


def _parse_list(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            return value
        return parsed if isinstance(parsed, list) else value
    return value


def _node_attrs(data: dict[str, Any]) -> dict[str, Any]:
    """A GraphML node's attributes as the network holds them: ``x``, ``y`` floats, ``street_count`` an int."""
    attrs = dict(data)
    attrs["x"] = float(attrs["x"])
    attrs["y"] = float(attrs["y"])
    if "street_count" in attrs:
        attrs["street_count"] = int(attrs["street_count"])
    return attrs


def _edge_attrs(data: dict[str, Any]) -> dict[str, Any]:
    """A GraphML edge's attributes: ``length`` a float, merged ways' lists, flags as booleans, WKT as a line."""
    attrs = dict(data)
    attrs.pop("id", None)
    attrs["length"] = float(attrs["length"])
    for key in ("name", "highway", "osmid", "ref"):
        if key in attrs:
            attrs[key] = _parse_list(attrs[key])
    for key in ("oneway", "reversed"):
        if isinstance(attrs.get(key), str):
            attrs[key] = attrs[key].lower() in _TRUE
    if isinstance(attrs.get("geometry"), str):
        attrs["geometry"] = shapely.from_wkt(attrs["geometry"])
    return attrs


def read_graphml(path: str | Path) -> nx.MultiDiGraph:
    """Read a walking network from GraphML (written by :func:`write_graphml` or osmnx ``save_graphml``).

    Node ids become ``int`` where they are all digits; ``x``, ``y`` and ``length`` become floats;
    list-valued ``name``/``highway``/``osmid`` (osmnx merges ways) become lists; a WKT
    ``geometry`` becomes a shapely LineString.

    Raises
    ------
    DataError
        Missing or unreadable file, or a graph without coordinates, lengths or in a projected CRS.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"walking network not found: {path}"
        raise DataError(msg)
    try:
        raw = nx.read_graphml(path, force_multigraph=True)
    except (OSError, nx.NetworkXError, ValueError, SyntaxError) as exc:  # ElementTree.ParseError is a SyntaxError
        msg = f"cannot read walking network {path}: {exc}"
        raise DataError(msg) from exc
    if not raw.is_directed():
        raw = raw.to_directed()
    numeric = all(isinstance(n, str) and n.isdigit() for n in raw.nodes)
    relabel: dict[Any, Any] = {n: int(n) for n in raw.nodes} if numeric else {}
    graph = nx.MultiDiGraph()
    graph.graph.update(raw.graph)
    if isinstance(graph.graph.get("approximate"), str):
        graph.graph["approximate"] = graph.graph["approximate"].lower() in _TRUE
    try:
        for n, data in raw.nodes(data=True):
            graph.add_node(relabel.get(n, n), **_node_attrs(data))
        for u, v, k, data in raw.edges(keys=True, data=True):
            key = int(k) if str(k).isdigit() else k
            graph.add_edge(relabel.get(u, u), relabel.get(v, v), key=key, **_edge_attrs(data))
    except KeyError as exc:
        msg = f"{path} is not a walking network: nodes need x/y and edges need length (missing {exc})"
        raise DataError(msg) from None
    except (TypeError, ValueError) as exc:
        msg = f"{path} is not a walking network: {exc}"
        raise DataError(msg) from None
    check_network(graph, what=str(path))
    return graph


def check_network(graph: nx.MultiDiGraph, *, what: str = "walking network") -> None:
    """Raise :class:`DataError` unless ``graph`` is a non-empty walking network in EPSG:4326."""
    if not isinstance(graph, nx.MultiDiGraph):
        msg = f"{what}: expected a networkx MultiDiGraph, got {type(graph).__name__}"
        raise DataError(msg)
    if graph.number_of_nodes() == 0 or graph.number_of_edges() == 0:
        msg = f"{what} is empty ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)"
        raise DataError(msg)
    crs = str(graph.graph.get("crs", WGS84)).upper()
    if crs not in ("EPSG:4326", "WGS84"):
        msg = f"{what} is in {crs}; expected an unprojected network (x/y in degrees, EPSG:4326)"
        raise DataError(msg)
    xs = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), float)
    ys = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), float)
    if not (np.all(np.abs(xs) <= 180) and np.all(np.abs(ys) <= 90)):
        msg = f"{what}: node coordinates are not longitude/latitude degrees"
        raise DataError(msg)


def write_demo_network(out_dir: str | Path) -> Path:
    """Generate the demo walking network and write ``out_dir/walk.graphml`` (deterministic)."""
    return write_graphml(build_demo_network(), Path(out_dir) / "walk.graphml")


def load_demo_network(path: str | Path) -> nx.MultiDiGraph:
    """Read the demo bundle's walking network; say how to rebuild it when it is missing."""
    path = Path(path)
    if not path.is_file():
        msg = f"the demo walking network {path} is missing; rebuild the demo bundle with `python -m geo demo`"
        raise DataError(msg)
    return read_graphml(path)


# --- OpenStreetMap through osmnx -------------------------------------------------------------

_CACHE_NAME = re.compile(r"^walk_(-?\d+\.\d+)_(-?\d+\.\d+)_(\d+)m\.graphml$")


def _cache_name(lat: float, lon: float, dist_m: float) -> str:
    return f"walk_{lat:.4f}_{lon:.4f}_{round(dist_m)}m.graphml"


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def cached_network_path(cache_dir: str | Path, *, lat: float, lon: float, dist_m: float) -> Path | None:
    """A cached GraphML in ``cache_dir`` whose area covers ``(lat, lon)`` with ``dist_m / 2`` to spare.

    Returns the closest-centred file, or None when no cached network covers the point.
    """
    folder = Path(cache_dir)
    if not folder.is_dir():
        return None
    best: tuple[float, str] | None = None
    for path in folder.iterdir():
        m = _CACHE_NAME.match(path.name)
        if not m:
            continue
        c_lat, c_lon, c_dist = float(m.group(1)), float(m.group(2)), float(m.group(3))
        off = _haversine_m(lat, lon, c_lat, c_lon)
        if c_dist >= dist_m / 2 and off + dist_m / 2 <= c_dist and (best is None or (off, path.name) < best):
            best = (off, path.name)
    return folder / best[1] if best else None


def osmnx_fetch(lat: float, lon: float, dist_m: float, *, timeout_s: float) -> nx.MultiDiGraph:
    """Download the OpenStreetMap walking network within ``dist_m`` metres of ``(lat, lon)`` via osmnx.

    Raises
    ------
    SourceError
        osmnx is not installed, or the Overpass API cannot be reached or answers badly.
    """
    try:
        import osmnx as ox
    except ImportError as exc:
        msg = "osmnx is not installed (pip install 'osmnx>=2.0,<2.2'); use the demo network (--network demo) instead"
        raise SourceError(msg) from exc
    import requests

    ox.settings.requests_timeout = timeout_s
    ox.settings.use_cache = False
    try:
        return ox.graph_from_point((lat, lon), dist=dist_m, network_type="walk", retain_all=False)
    except (requests.RequestException, OSError, ValueError) as exc:
        # osmnx raises InsufficientResponseError/ResponseStatusCodeError (ValueError subclasses)
        msg = f"{type(exc).__name__}: {exc}"
        raise SourceError(msg) from exc


def load_osm_network(
    *,
    lat: float,
    lon: float,
    dist_m: float,
    cache_dir: str | Path,
    timeout_s: float,
    fetch: FetchFn | None = None,
    refresh: bool = False,
) -> nx.MultiDiGraph:
    """The OpenStreetMap walking network around ``(lat, lon)``: from the GraphML cache, else fetched and cached.

    Parameters
    ----------
    lat, lon
        Centre, degrees (EPSG:4326).
    dist_m
        Radius fetched around the centre, metres.
    cache_dir
        Folder of cached GraphML files (``<store_dir>/walk``).
    timeout_s
        How long :func:`osmnx_fetch` waits for the Overpass server (``sources.http.timeout_s``).
    fetch
        ``fetch(lat, lon, dist_m) -> MultiDiGraph``; :func:`osmnx_fetch` by default. Tests inject one.
    refresh
        Fetch even when a cached network covers the point.

    Raises
    ------
    SourceError
        Not cached and the fetch failed (offline, Overpass down, osmnx missing).
    """
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"lat/lon must be degrees, got lat={lat}, lon={lon}"
        raise DataError(msg)
    if dist_m <= 0:
        msg = f"dist_m must be positive metres, got {dist_m}"
        raise DataError(msg)
    folder = Path(cache_dir)
    if not refresh:
        hit = cached_network_path(folder, lat=lat, lon=lon, dist_m=dist_m)
        if hit is not None:
            return read_graphml(hit)
    fn = fetch if fetch is not None else functools.partial(osmnx_fetch, timeout_s=timeout_s)
    try:
        graph = fn(lat, lon, dist_m)
    except SourceError as exc:
        msg = (
            f"could not fetch the OpenStreetMap walking network around ({lat:.5f}, {lon:.5f}) and no cached "
            f"network in {folder} covers it: {exc}. Connect once to fill the cache, or plan on the demo "
            "network (--network demo)"
        )
        raise SourceError(msg) from exc
    graph.graph["crs"] = WGS84
    graph.graph.setdefault("note", OSM_NOTE)
    graph.graph["source"] = "OpenStreetMap via osmnx"
    graph.graph["approximate"] = False
    check_network(graph, what="fetched walking network")
    write_graphml(graph, folder / _cache_name(lat, lon, dist_m))
    return graph


def edge_line(graph: nx.MultiDiGraph, u: Any, v: Any, data: dict[str, Any]) -> LineString:
    """The edge's line from ``u`` to ``v`` (lon/lat, EPSG:4326): its ``geometry`` or the straight segment."""
    geom = data.get("geometry")
    a = (graph.nodes[u]["x"], graph.nodes[u]["y"])
    b = (graph.nodes[v]["x"], graph.nodes[v]["y"])
    if isinstance(geom, LineString) and not geom.is_empty:
        coords = list(geom.coords)
        da = (coords[0][0] - a[0]) ** 2 + (coords[0][1] - a[1]) ** 2
        db = (coords[-1][0] - a[0]) ** 2 + (coords[-1][1] - a[1]) ** 2
        return LineString(coords if da <= db else coords[::-1])
    return LineString([a, b])
