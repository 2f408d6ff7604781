"""Import a real walking network into the store: GraphML, an OpenStreetMap XML extract or street centrelines.

``python -m geo ingest FILE --kind walknet`` reads one of

- a **GraphML** file (``.graphml``: osmnx ``save_graphml`` or :func:`geo.data.walknet.write_graphml`);
- an **OpenStreetMap XML** extract (``.osm``/``.xml``), through osmnx ``graph_from_xml``: the walkable
  ways (the filter osmnx's ``network_type="walk"`` applies), every way walkable both ways, simplified,
  the largest connected piece kept;
- a **street centreline** line layer (GeoJSON, shapefile, GeoPackage, GeoParquet): a node at each
  segment's ends, ends within :data:`NODE_ROUND_M` in EPSG:32611 joined so touching segments meet; edge
  ``length`` in metres measured in EPSG:32611; ``name`` from the first of :data:`NAME_COLUMNS`
  (any case) the layer has,

checks it (:func:`~geo.data.walknet.check_network`, street names present) and writes it as
``<store_dir>/walk/imported.graphml`` (:func:`imported_path`), the network ``--network imported`` plans on.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from geo.core.errors import DataError
from geo.core.projection import WGS84, to_metric
from geo.core.store import read_vector
from geo.data.walknet import WALK_CACHE, check_network, read_graphml, write_graphml

IMPORTED_FILE = "imported.graphml"
IMPORT_COMMAND = "python -m geo ingest streets.graphml --kind walknet"
"""How to import a network (GraphML, an .osm extract or a street centreline file), as messages quote it."""
NODE_ROUND_M = 0.1
"""Centreline segment ends within this distance (metres, EPSG:32611) are one node, so touching segments join."""
NAME_COLUMNS = ("name", "fullname", "full_name", "street", "st_name", "stname", "street_name", "streetname")
"""Columns of a centreline layer read as the street name, first found wins (case-insensitive)."""
GRAPHML_SUFFIXES = (".graphml",)
OSM_SUFFIXES = (".osm", ".xml")
VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".parquet", ".geoparquet")
# osmnx's network_type="walk" filter: ways whose highway value holds one of these are not walkable
_NOT_WALKABLE = (
    "abandoned", "bus_guideway", "construction", "cycleway", "motor", "no", "planned", "platform", "proposed",
    "raceway", "razed",
)  # fmt: skip


def imported_path(store_dir: str | Path) -> Path:
    """Where the imported walking network lives: ``<store_dir>/walk/imported.graphml``."""
    return Path(store_dir) / WALK_CACHE / IMPORTED_FILE


def network_format(path: str | Path) -> str:
    """``graphml``, ``osm`` or ``centreline`` by the file's ending; :class:`DataError` for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in GRAPHML_SUFFIXES:
        return "graphml"
    if suffix in OSM_SUFFIXES:
        return "osm"
    if suffix in VECTOR_SUFFIXES:
        return "centreline"
    known = ", ".join((*GRAPHML_SUFFIXES, *OSM_SUFFIXES, *VECTOR_SUFFIXES))
    msg = f"{Path(path).name}: a walking network is read from {known}; got {suffix or 'no ending'}"
    raise DataError(msg)


def is_named(value: Any) -> bool:
    """Whether an edge's ``name`` value names a street (a non-empty text, or a list holding one)."""
    if isinstance(value, (list, tuple)):
        return any(is_named(v) for v in value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(str(value).strip())


def named_share(graph: nx.MultiDiGraph) -> tuple[int, int]:
    """``(named, edges)``: how many edges carry a street name, of all edges."""
    named = sum(1 for _, _, d in graph.edges(data=True) if is_named(d.get("name")))
    return named, graph.number_of_edges()


# --- OpenStreetMap XML --------------------------------------------------------------------------


def _walkable(data: dict[str, Any]) -> bool:
    highway = data.get("highway")
    values = [str(h) for h in highway] if isinstance(highway, list) else [str(highway)] if highway else []
    if not values or all(any(bad in v for bad in _NOT_WALKABLE) for v in values):
        return False
    flags = {k: str(data.get(k, "")).lower() for k in ("area", "foot", "service", "access")}
    return not (flags["area"] == "yes" or flags["foot"] == "no" or "private" in (flags["service"], flags["access"]))


def read_osm_xml(path: str | Path) -> nx.MultiDiGraph:
    """The walking network of an OpenStreetMap XML extract (osmnx ``graph_from_xml``; walkable ways only)."""
    path = Path(path)
    try:
        import osmnx as ox
    except ImportError as exc:
        msg = "reading an .osm extract needs osmnx (pip install 'osmnx>=2.0,<2.2'); or import GraphML instead"
        raise DataError(msg) from exc
    tags = list(ox.settings.useful_tags_way)
    ox.settings.useful_tags_way = [*tags, "foot"]
    try:
        raw = ox.graph_from_xml(path, bidirectional=True, simplify=False, retain_all=True)
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, nx.NetworkXException) as exc:
        why = (
            "it holds no nodes or ways"
            if type(exc).__name__ == "InsufficientResponseError"
            else f"{type(exc).__name__}: {exc}"
        )
        msg = f"cannot read {path.name} as an OpenStreetMap XML extract: {why}"
        raise DataError(msg) from None
    finally:
        ox.settings.useful_tags_way = tags
    raw.remove_edges_from([(u, v, k) for u, v, k, d in raw.edges(keys=True, data=True) if not _walkable(d)])
    raw.remove_nodes_from([n for n in list(raw.nodes) if raw.degree(n) == 0])
    if raw.number_of_edges() == 0:
        msg = f"{path.name} holds no walkable OpenStreetMap ways (highway=... without foot=no)"
        raise DataError(msg)
    graph = ox.truncate.largest_component(ox.simplify_graph(raw), strongly=False)
    graph.graph["crs"] = WGS84
    return graph


# --- street centrelines -------------------------------------------------------------------------


def name_column(columns: list[str]) -> str | None:
    """The centreline layer's street-name column (the first of :data:`NAME_COLUMNS` it has, any case)."""
    lower = {c.lower(): c for c in reversed(columns)}
    return next((lower[n] for n in NAME_COLUMNS if n in lower), None)


def _centre_lines(path: Path) -> tuple[gpd.GeoDataFrame, str]:
    gdf = read_vector(path)
    lines = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].explode(index_parts=False, ignore_index=True)
    lines = lines[lines.geometry.geom_type == "LineString"].to_crs(WGS84)
    if lines.empty:
        kinds = sorted({str(t) for t in gdf.geometry.geom_type.dropna()}) or ["none"]
        msg = f"{path.name} holds no street lines (geometry types: {', '.join(kinds)}); a centreline layer has lines"
        raise DataError(msg)
    column = name_column([str(c) for c in gdf.columns if c != gdf.geometry.name])
    if column is None:
        looked = ", ".join(NAME_COLUMNS)
        msg = f"{path.name} has no street-name column (looked for {looked}, any case); directions need names"
        raise DataError(msg)
    return lines.reset_index(drop=True), column


def _join_ends(ends_m: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Node of each segment end (ends within :data:`NODE_ROUND_M` metres are one node, numbered in order of
    first appearance) and the first end of each node."""
    pairs = cKDTree(ends_m).query_pairs(NODE_ROUND_M, output_type="ndarray")
    m = len(ends_m)
    links = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(m, m))
    _, label = connected_components(links, directed=False)
    _, first, order = np.unique(label, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[order.ravel()], np.sort(first)


def read_centrelines(path: str | Path) -> nx.MultiDiGraph:
    """A walking network from a street centreline line layer (one two-way edge per segment)."""
    path = Path(path)
    lines, column = _centre_lines(path)
    metric = to_metric(lines)
    lengths = metric.geometry.length.to_numpy(dtype=float)
    ends_m = np.vstack([shapely.get_coordinates(shapely.get_point(metric.geometry.values, i)) for i in (0, -1)])
    ends_deg = np.vstack([shapely.get_coordinates(shapely.get_point(lines.geometry.values, i)) for i in (0, -1)])
    inverse, first = _join_ends(ends_m)
    n = len(lines)
    graph = nx.MultiDiGraph(crs=WGS84)
    for node, row in enumerate(first):
        graph.add_node(node, x=round(float(ends_deg[row, 0]), 7), y=round(float(ends_deg[row, 1]), 7))
    names = lines[column].tolist()
    for i, geom in enumerate(lines.geometry.values):
        u, v = int(inverse[i]), int(inverse[n + i])
        if u == v:
            continue  # a closed loop or a segment shorter than the rounding: no walk between two nodes
        attrs: dict[str, Any] = {"length": round(float(lengths[i]), 2), "highway": "street", "geometry": geom}
        if is_named(names[i]):
            attrs["name"] = str(names[i]).strip()
        graph.add_edge(u, v, **attrs)
        graph.add_edge(v, u, **{**attrs, "geometry": geom.reverse()})
    graph.remove_nodes_from([node for node in list(graph.nodes) if graph.degree(node) == 0])
    return graph


# --- the import ---------------------------------------------------------------------------------

_READERS = {"graphml": read_graphml, "osm": read_osm_xml, "centreline": read_centrelines}
_NOTES = {  # printed after "Walking network: " on the route card and in the GPX
    "graphml": "imported from the GraphML file {file}",
    "osm": "OpenStreetMap extract {file} (osmnx graph_from_xml, walkable ways); (c) OpenStreetMap contributors, ODbL",
    "centreline": "built from the street centreline file {file} (nodes at segment ends)",
}


def import_network(path: str | Path, *, store_dir: str | Path, replace: bool = False) -> dict[str, Any]:
    """Read, check and store a walking network as ``<store_dir>/walk/imported.graphml``; return the report.

    Parameters
    ----------
    path
        A GraphML file, an OpenStreetMap XML extract or a street centreline layer (by its ending).
    store_dir
        The store folder (``sources.store_dir`` or ``--store DIR``).
    replace
        Replace an imported network that came from another file.

    Returns
    -------
    dict
        ``network``, ``format``, ``nodes``, ``edges``, ``named_share`` (0-1), ``unnamed_edges``,
        ``source`` (the file), ``output``.

    Raises
    ------
    DataError
        An unknown ending, an unreadable or empty file, a projected GraphML, no street name at all,
        or an imported network from another file without ``replace``.
    """
    path = Path(path)
    fmt = network_format(path)
    if not path.is_file():
        msg = f"walking network file not found: {path}"
        raise DataError(msg)
    graph = _READERS[fmt](path)
    check_network(graph, what=path.name)
    named, edges = named_share(graph)
    if named == 0:
        msg = f"{path.name}: none of its {edges} edges has a street name; directions and typed intersections need them"
        raise DataError(msg)
    out = imported_path(store_dir)
    _check_replace(out, path, replace=replace)
    before = str(graph.graph.get("note") or "").strip()
    note = _NOTES[fmt].format(file=path.name)
    graph.graph.update(
        note=f"{note} ({before})" if before and fmt == "graphml" else note,
        source=f"imported: {path.name}",
        source_file=str(path.resolve()),
        approximate=bool(graph.graph.get("approximate", False)),
        crs=WGS84,
    )
    write_graphml(graph, out)
    return {
        "network": "imported", "format": fmt, "nodes": graph.number_of_nodes(), "edges": edges,
        "named_share": round(named / edges, 3), "unnamed_edges": edges - named, "source": str(path),
        "output": str(out),
    }  # fmt: skip


def _check_replace(out: Path, path: Path, *, replace: bool) -> None:
    if replace or not out.is_file():
        return
    try:
        held = str(read_graphml(out).graph.get("source_file", ""))
    except DataError:
        return  # a broken file is replaced
    if held and held != str(path.resolve()):
        msg = f"{out} already holds the network imported from {Path(held).name}; give --replace to replace it"
        raise DataError(msg)


def load_imported_network(store_dir: str | Path) -> nx.MultiDiGraph:
    """The imported walking network (``<store_dir>/walk/imported.graphml``); say how to import one when absent."""
    path = imported_path(store_dir)
    if not path.is_file():
        msg = (
            f"no imported walking network in {path.parent}: import one with `{IMPORT_COMMAND}` (GraphML, an .osm "
            "extract or a street centreline file with names), or plan with --network osm or --network demo"
        )
        raise DataError(msg)
    return read_graphml(path)
