"""Printable route card (US Letter, PNG or PDF) in English or Spanish, drawn with matplotlib.

One page: title, place and times; a map of the loop over the walking network (drawn in
EPSG:32611 metres so distances look right, with a scale bar and north arrow); the stops with
arrival, departure and dwell; the directions; and the notes an officer or a community member
needs: the date range of the incidents behind the hot spots, whether the data are synthetic, and
where the walking network comes from. Strings come from the message catalogs (keys ``route.*``).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import matplotlib as mpl
import networkx as nx
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.projection import lonlat_to_metric
from geo.core.store import write_bytes_atomic
from geo.exports.mapdraw import draw_north_arrow, draw_scale_bar, street_label
from geo.patrol import text as rt
from geo.patrol.model import PatrolRoute

PAGE_IN = (8.5, 11.0)
ROUTE_COLOUR = "#0072B2"
STOP_COLOUR = "#D55E00"
START_COLOUR = "#009E73"
STREET_COLOUR = "#c8c8c8"
MAX_TURN_LINES = 26
_RC: dict[str, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "DejaVu Sans", "svg.fonttype": "none"}


def _xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return lonlat_to_metric(np.asarray(lon, float), np.asarray(lat, float))


def _draw_map(ax: Axes, route: PatrolRoute, graph: nx.MultiDiGraph | None, lang: str) -> None:
    coords = np.asarray(route.path.coords)
    px, py = _xy(coords[:, 0], coords[:, 1])
    pad = max(120.0, 0.12 * max(float(np.ptp(px)), float(np.ptp(py))))
    x0, x1, y0, y1 = px.min() - pad, px.max() + pad, py.min() - pad, py.max() + pad
    # square-ish frame so the map is not squashed
    span = max(x1 - x0, (y1 - y0) * 1.25)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    x0, x1 = cx - span / 2, cx + span / 2
    y0, y1 = cy - span / 2.5, cy + span / 2.5
    if graph is not None:
        lon = np.fromiter((d["x"] for _, d in graph.nodes(data=True)), float)
        lat = np.fromiter((d["y"] for _, d in graph.nodes(data=True)), float)
        nx_, ny_ = _xy(lon, lat)
        pos = {n: i for i, n in enumerate(graph.nodes)}
        inside = (nx_ >= x0 - pad) & (nx_ <= x1 + pad) & (ny_ >= y0 - pad) & (ny_ <= y1 + pad)
        segs = []
        for u, v in graph.edges():
            a, b = pos[u], pos[v]
            if (inside[a] or inside[b]) and a < b:
                segs.append([(nx_[a], ny_[a]), (nx_[b], ny_[b])])
        if segs:
            ax.add_collection(LineCollection(segs, colors=STREET_COLOUR, linewidths=0.6, zorder=1))
        # street labels: one per named street, at the visible edge nearest the route's centre
        labelled: dict[str, tuple[float, float, float, float, float]] = {}
        for u, v, d in graph.edges(data=True):
            name = d.get("name")
            a, b = pos[u], pos[v]
            if not isinstance(name, str) or not (inside[a] and inside[b]) or a > b:
                continue
            mx, my = (nx_[a] + nx_[b]) / 2, (ny_[a] + ny_[b]) / 2
            if not (x0 < mx < x1 and y0 < my < y1):
                continue
            dist = (mx - cx) ** 2 + (my - cy) ** 2
            if name not in labelled or dist < labelled[name][2]:
                labelled[name] = (mx, my, dist, nx_[b] - nx_[a], ny_[b] - ny_[a])
        for name, (mx, my, _, ddx, ddy) in sorted(labelled.items()):
            street_label(ax, mx, my, name, dx=ddx, dy=ddy, fontsize=5.5)
    ax.plot(px, py, color=ROUTE_COLOUR, linewidth=2.6, alpha=0.85, zorder=3, label=rt.t(lang, "legend_route"))
    sx, sy = _xy(np.array([coords[0, 0]]), np.array([coords[0, 1]]))
    ax.scatter(
        sx,
        sy,
        marker="*",
        s=260,
        color=START_COLOUR,
        edgecolor="black",
        linewidth=0.6,
        zorder=5,
        label=rt.t(lang, "legend_start"),
    )
    stops = route.stops
    if len(stops):
        qx, qy = _xy(stops.geometry.x.to_numpy(), stops.geometry.y.to_numpy())
        ax.scatter(
            qx,
            qy,
            s=230,
            color=STOP_COLOUR,
            edgecolor="white",
            linewidth=1.2,
            zorder=6,
            label=rt.t(lang, "legend_stop"),
        )
        for x, y, k in zip(qx, qy, stops["order"], strict=True):
            ax.text(x, y, str(int(k)), color="white", fontsize=8, fontweight="bold", ha="center", va="center", zorder=7)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fbfaf7")
    ax.legend(loc="upper left", fontsize=7, framealpha=0.9)
    extent = (x0, x1, y0, y1)
    draw_scale_bar(ax, extent, label=lambda m: rt.t(lang, "scale", n=rt.number(m, lang)), fontsize=7)
    draw_north_arrow(ax, extent, fontsize=9)


def render_route_card(
    route: PatrolRoute,
    *,
    lang: str = "en",
    graph: nx.MultiDiGraph | None = None,
    printed: dt.date | None = None,
    rule: Disclosure | None = None,
) -> Figure:
    """Draw the route card as a matplotlib Figure (US Letter, portrait).

    Parameters
    ----------
    route
        A planned route; ``route.meta`` may carry ``place``, ``data_from``/``data_to`` (ISO dates)
        and ``synthetic`` (True for demo incidents), all printed on the card.
    lang
        "en" or "es".
    graph
        The walking network, drawn under the route as context (optional).
    printed
        The date printed in the footer (default today).
    """
    rt.check_lang(lang)
    if not isinstance(route, PatrolRoute):
        msg = f"expected a PatrolRoute, got {type(route).__name__}"
        raise AnalysisError(msg)
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=PAGE_IN, dpi=100)
        fig.patch.set_facecolor("white")
        y_top = _draw_heading(fig, route, lang)

        ax = fig.add_axes((0.05, 0.50, 0.90, y_top - 0.505))
        _draw_map(ax, route, graph, lang)
        _draw_stops_table(fig, route, lang, rule)
        _draw_directions(fig, route, lang)

        notes = [
            rt.data_note(route, lang),
            rt.t(lang, "weight_note"),
            rt.t(lang, "dwell_note", dwell=rt.number(float(route.stops["dwell_min"].median()), lang)),
            rt.network_line(route, lang),
            rt.t(lang, "printed", date=rt.date(printed or dt.date.today(), lang)),
        ]
        for i, text in enumerate(notes):
            fig.text(0.05, 0.075 - i * 0.013, text, fontsize=7, color="#333333", va="top")
    return fig


def _draw_heading(fig: Figure, route: PatrolRoute, lang: str) -> float:
    """Title, place, date, times and summary (and the synthetic-data warning); the top of the map below them."""
    place = route.meta.get("place")
    title = rt.t(lang, "title") + (f" · {place}" if place else "")
    fig.text(0.05, 0.965, title, fontsize=16, fontweight="bold", va="top")
    start_name = route.start_where or f"{route.start_lat:.5f}, {route.start_lon:.5f}"
    when = rt.date(route.start_time, lang)
    line2 = f"{when} · " + rt.t(
        lang, "starts_at", start=start_name, time=rt.clock(route.start_time), end=rt.clock(route.end_time)
    )
    fig.text(0.05, 0.932, line2, fontsize=9.5, va="top")
    fig.text(0.05, 0.912, rt.summary_line(route, lang), fontsize=9.5, va="top")
    y_top = 0.895
    if route.meta.get("synthetic"):
        fig.text(0.05, 0.895, rt.t(lang, "synthetic"), fontsize=9, color="#B00000", fontweight="bold", va="top")
        y_top = 0.875
    return y_top


def _draw_stops_table(fig: Figure, route: PatrolRoute, lang: str, rule: Disclosure | None) -> None:
    """The stops with arrival, departure, dwell, where and weight (as ``rule`` shows it)."""
    cols = [rt.t(lang, k) for k in ("col_order", "col_arrive", "col_leave", "col_stay", "col_where", "col_weight")]
    rows = []
    weights, _covered = rt.stop_weights(route, lang, rule)
    for r, shown_weight in zip(route.stops.itertuples(), weights, strict=True):
        where = r.where if isinstance(r.where, str) else ""
        kind = rt.stop_kind(str(r.kind), str(r.label), lang)
        rows.append(
            [
                str(int(r.order)),
                rt.clock(r.arrive),
                rt.clock(r.depart),
                rt.minutes(float(r.dwell_min), lang),
                f"{where} ({kind})" if where else kind,
                shown_weight,
            ]
        )
    tab_ax = fig.add_axes((0.05, 0.30, 0.90, 0.185))
    tab_ax.axis("off")
    tab_ax.text(0, 1.0, rt.t(lang, "stops"), fontsize=11, fontweight="bold", va="bottom", transform=tab_ax.transAxes)
    if rows:
        table = tab_ax.table(
            cellText=rows,
            colLabels=cols,
            loc="upper left",
            cellLoc="left",
            colWidths=[0.05, 0.09, 0.09, 0.09, 0.56, 0.12],
        )
        table.auto_set_font_size(False)
        table.set_fontsize(8)
        table.scale(1, 1.15)


def _draw_directions(fig: Figure, route: PatrolRoute, lang: str) -> None:
    """The turn-by-turn directions in two columns, the first :data:`MAX_TURN_LINES` of them and how many more."""
    lines = rt.turn_lines(route, lang)
    shown = lines[:MAX_TURN_LINES]
    fig.text(0.05, 0.285, rt.t(lang, "turns"), fontsize=11, fontweight="bold", va="top")
    half = (len(shown) + 1) // 2
    for col, chunk in enumerate((shown[:half], shown[half:])):
        for i, text in enumerate(chunk):
            number = col * half + i + 1
            fig.text(0.05 + col * 0.46, 0.262 - i * 0.0135, f"{number}. {text}", fontsize=7, va="top")
    if len(lines) > len(shown):
        fig.text(
            0.05,
            0.262 - (half + 0.3) * 0.0135,
            rt.t(lang, "more_turns", n=len(lines) - len(shown)),
            fontsize=7,
            style="italic",
            va="top",
        )


def route_card_bytes(
    route: PatrolRoute,
    *,
    fmt: str = "pdf",
    lang: str = "en",
    graph: nx.MultiDiGraph | None = None,
    printed: dt.date | None = None,
    dpi: int = 150,
    rule: Disclosure | None = None,
) -> bytes:
    """The route card as PDF or PNG bytes (for a download button); weights as ``rule`` shows them."""
    if fmt not in ("pdf", "png"):
        msg = f"route card format must be 'pdf' or 'png', got {fmt!r}"
        raise AnalysisError(msg)
    fig = render_route_card(route, lang=lang, graph=graph, printed=printed, rule=rule)
    buf = io.BytesIO()
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        metadata: dict[str, Any] | None = None
        if fmt == "pdf":
            metadata = {"Title": rt.t(lang, "title"), "Creator": "south-la-safety-map", "CreationDate": None}
        fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return buf.getvalue()


def write_route_card(
    route: PatrolRoute,
    path: str | Path,
    *,
    lang: str = "en",
    graph: nx.MultiDiGraph | None = None,
    printed: dt.date | None = None,
    rule: Disclosure | None = None,
) -> Path:
    """Write the route card to ``path``; the suffix (.pdf or .png) chooses the format."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        msg = f"route card file must end in .pdf or .png, got {path.name!r}"
        raise AnalysisError(msg)
    card = route_card_bytes(route, fmt=fmt, lang=lang, graph=graph, printed=printed, rule=rule)
    return write_bytes_atomic(path, card)
