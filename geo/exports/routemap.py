"""The route card's map: the loop over the walking network, its start and its numbered stops, filling its box.

Drawn in EPSG:32611 metres at true scale; the frame is the route's extent widened to the shape of the
box it is printed in, so the map uses the whole box. The star is the first point of the drawn route (the
walk starts where the line starts). Street names are written above the route, near black with a white
halo, where they cover no stop, no number and no other name, and off the route line where they can
(:mod:`geo.exports.mapdraw`).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.transforms import Bbox
from shapely.geometry import LineString

from geo.core.projection import lonlat_to_metric
from geo.data.walknet import edge_line
from geo.exports.mapdraw import Extent, LabelSpace, fill_extent, merged_streets, set_frame, street_labels
from geo.patrol.model import PatrolRoute
from geo.patrol.network import street_name

ROUTE_COLOUR = "#0072B2"
STOP_COLOUR = "#D55E00"
START_COLOUR = "#009E73"
STREET_COLOUR = "#9a9a9a"
PAD_M = 120.0
"""Least room around the route, metres."""


@dataclass(frozen=True)
class RouteMapType:
    """Sizes on the route map, points: street names, stop numbers, the stop and start markers, line widths."""

    street: float = 8.0
    number: float = 8.5
    stop: float = 15.0
    start: float = 17.0
    route: float = 3.0
    network: float = 0.9


def _xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return lonlat_to_metric(np.asarray(lon, float), np.asarray(lat, float))


def route_bounds(route: PatrolRoute) -> Extent:
    """The route's extent (path and stops) with room around it, ``(x0, x1, y0, y1)`` metres (EPSG:32611)."""
    coords = np.asarray(route.path.coords)
    px, py = _xy(coords[:, 0], coords[:, 1])
    if len(route.stops):
        sx, sy = _xy(route.stops.geometry.x.to_numpy(), route.stops.geometry.y.to_numpy())
        px, py = np.concatenate([px, sx]), np.concatenate([py, sy])
    pad = max(PAD_M, 0.1 * max(float(np.ptp(px)), float(np.ptp(py))))
    return (float(px.min() - pad), float(px.max() + pad), float(py.min() - pad), float(py.max() + pad))


def route_extent(route: PatrolRoute, width: float, height: float) -> Extent:
    """The route's extent with room around it (metres), widened to the shape of a ``width`` x ``height`` box."""
    return fill_extent(route_bounds(route), width, height)


def draw_route_map(ax: Axes, route: PatrolRoute, graph: nx.MultiDiGraph | None, extent: Extent,
                   sizes: RouteMapType) -> None:  # fmt: skip
    """The map on ``ax``: network, route, start, stops, then the street names where they fit."""
    set_frame(ax, extent)
    space = LabelSpace(ax, ax.figure.canvas.get_renderer())  # type: ignore[attr-defined]
    streets = _network(ax, graph, extent, sizes) if graph is not None else []
    coords = np.asarray(route.path.coords)
    px, py = _xy(coords[:, 0], coords[:, 1])
    ax.plot(px, py, color=ROUTE_COLOUR, linewidth=sizes.route, alpha=0.85, zorder=3, solid_capstyle="round")
    ax.scatter(px[:1], py[:1], marker="*", s=sizes.start**2, color=START_COLOUR, edgecolor="black", linewidth=0.6,
               zorder=6, gid="start")  # fmt: skip
    _keep_marker(space, ax, px[0], py[0], sizes.start)
    stops = route.stops
    if len(stops):
        qx, qy = _xy(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy())
        ax.scatter(qx, qy, s=sizes.stop**2, color=STOP_COLOUR, edgecolor="white", linewidth=1.2, zorder=6, gid="stops")
        for x, y, k in zip(qx, qy, stops["order"], strict=True):
            ax.text(x, y, str(int(k)), color="white", fontsize=sizes.number, fontweight="bold", ha="center",
                    va="center", zorder=7, parse_math=False)  # fmt: skip
            _keep_marker(space, ax, x, y, sizes.stop)
    line = LineString(np.column_stack([px, py])) if len(px) > 1 else None
    street_labels(space, streets, fontsize=sizes.street, zorder=8, avoid=line)


def _keep_marker(space: LabelSpace, ax: Axes, x: float, y: float, size_pt: float) -> None:
    """Keep a marker's square (``size_pt`` across) free of labels."""
    cx, cy = ax.transData.transform((x, y))
    half = size_pt / 2 * ax.figure.dpi / 72
    space.taken.append(Bbox.from_extents(cx - half, cy - half, cx + half, cy + half))


def _network(ax: Axes, graph: nx.MultiDiGraph, extent: Extent, sizes: RouteMapType) -> list[tuple[str, LineString]]:
    """The walking network's edges near the frame, drawn grey; the named streets, merged, for their labels."""
    x0, x1, y0, y1 = extent
    nodes = list(graph.nodes)
    lon = np.fromiter((graph.nodes[n]["x"] for n in nodes), float, len(nodes))
    lat = np.fromiter((graph.nodes[n]["y"] for n in nodes), float, len(nodes))
    nx_, ny_ = _xy(lon, lat)
    pos = {n: i for i, n in enumerate(nodes)}
    margin = 0.1 * max(x1 - x0, y1 - y0)
    near = (nx_ >= x0 - margin) & (nx_ <= x1 + margin) & (ny_ >= y0 - margin) & (ny_ <= y1 + margin)
    segs: list[np.ndarray] = []
    names: list[str | None] = []
    lines: list[LineString] = []
    for u, v, d in graph.edges(data=True):
        a, b = pos[u], pos[v]
        if a >= b or not (near[a] or near[b]):
            continue
        ll = np.asarray(edge_line(graph, u, v, d).coords)
        seg = np.column_stack(_xy(ll[:, 0], ll[:, 1]))
        segs.append(seg)
        names.append(street_name(d))
        lines.append(LineString(seg))
    if segs:
        ax.add_collection(LineCollection(segs, colors=STREET_COLOUR, linewidths=sizes.network, zorder=1))
    inner = shapely.box(x0, y0, x1, y1).buffer(-0.03 * min(x1 - x0, y1 - y0))
    return merged_streets(names, lines, inner)
