"""Printable route card (US Letter, PNG or PDF) in English or Spanish, drawn with matplotlib.

One page, laid out in boxes from the outside in (:mod:`geo.exports.textfit`): the heading (title, where and
when the walk starts, the summary) at the top; at the bottom the notes (the incidents' dates, what the
numbers mean, the walking network, the printing date), ruled lines for the officer's notes, the directions in
two columns and the table of stops (arrival, departure, stay, where, and why each stop is there:
"Hot cell: 3 incidents in 24 months", as the view's small-count rule shows it); the map takes the rest of
the page (:mod:`geo.exports.routemap`), with its scale bar, legend and north arrow in a strip under it.
Every text is measured and set to fit its box. Strings come from the message catalogs (keys ``route.*``).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import networkx as nx
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.store import write_bytes_atomic
from geo.exports import routewords
from geo.exports.blocks import stack
from geo.exports.routemap import RouteMapType, draw_route_map, route_bounds, route_extent
from geo.exports.routestrip import draw_strip, strip_height
from geo.exports.routetable import StopTable, draw_table, stop_table
from geo.exports.textfit import Box, Fitted, Style, fit, fit_all, line_height, put
from geo.patrol import text as rt
from geo.patrol.model import PatrolRoute

PAGE_IN = (8.5, 11.0)
MARGIN_IN = 0.5
MAX_TURN_LINES = 26
NOTE_LINES = 3
"""Ruled lines left for the officer's notes."""
SERVICES_MAX_IN = 1.1
"""The most the services along the route may take of the page (their lines shrink to fit)."""
COLUMN_GAP_IN = 0.3
SIDE_MAP_IN = (2.6, 0.55)
"""A map beside the stops is at least this wide (inches) and at most this share of the page's width."""
SIDE_GAIN = 1.15
"""The map goes beside the stops only when that draws the route this much larger than across the page."""
MIN_MAP_IN = 3.0
"""The map is at least this tall, inches; the table and the directions take smaller type before it shrinks more."""
WARN = "#B00000"
RULE = "#9a9a9a"
MAP = RouteMapType()
TITLE = Style(17, 11, weight="bold", max_lines=2)
LINE = Style(10, 7.5, max_lines=2)
BANNER = Style(9.5, 7, weight="bold", color=WARN, max_lines=2)
HEADING = Style(11, 9, weight="bold", max_lines=1)
TURN = Style(8, 6, max_lines=0)
NOTE = Style(7.5, 5.5, color="#333333")
_RC: dict[str, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "DejaVu Sans", "svg.fonttype": "none"}


def render_route_card(
    route: PatrolRoute,
    *,
    lang: str = "en",
    graph: nx.MultiDiGraph | None = None,
    printed: dt.date | None = None,
    rule: Disclosure | None = None,
    unit: str | None = None,
    services: Sequence[str] = (),
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
    rule
        The view's small-count rule (:class:`geo.core.disclosure.Disclosure`): the stops' counts as it shows
        them ("fewer than 3" in public); None prints them exactly (internal).
    unit
        What the incident rows count (:func:`geo.data.labels.layer_unit`): ``incidents`` or ``victims``;
        None: ``route.meta["unit"]`` when the planner recorded it, else ``incidents``.
    services
        Lines for the services along the route (:func:`geo.exports.helpnear.along_route`), printed above the
        officer's notes; empty: no block.
    """
    rt.check_lang(lang)
    if not isinstance(route, PatrolRoute):
        msg = f"expected a PatrolRoute, got {type(route).__name__}"
        raise AnalysisError(msg)
    unit = unit or str(route.meta.get("unit") or "incidents")
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=PAGE_IN, dpi=100)
        FigureCanvasAgg(fig)  # the renderer the map's labels are measured with
        fig.patch.set_facecolor("white")
        w, h = PAGE_IN
        body = _heading(fig, Box(MARGIN_IN, MARGIN_IN, w - 2 * MARGIN_IN, h - 2 * MARGIN_IN), route, lang)
        body = _footer(fig, body, _notes(route, lang, printed))
        notes_box, body = body.take_bottom(_officer_notes_height(), gap=0.16)
        _officer_notes(fig, notes_box, lang)
        if services:
            body = _services(fig, body, list(services), lang)
        plan = _stacked(route, lang, rule, unit, body)
        side = _side_by_side(route, lang, rule, unit, body)
        if side.scale > plan.scale * SIDE_GAIN:  # a tall route: beside the stops it is drawn larger
            plan = side
        _draw_turns(fig, plan.turns_box, plan.turns, lang, columns=plan.columns)
        _draw_stops(fig, plan.table_box, plan.table, lang)
        strip_box, map_box = plan.map_box.take_bottom(strip_height(lang, plan.map_box.w), gap=0.04)
        ax = fig.add_axes(map_box.fraction(fig))
        extent = route_extent(route, map_box.w, map_box.h)
        draw_route_map(ax, route, graph, extent, MAP)
        draw_strip(fig, strip_box, extent, lang)
    return fig


@dataclass(frozen=True)
class _Plan:
    """Where the map, the stops and the directions go, and how large the route is drawn (inches per metre)."""

    map_box: Box
    table_box: Box
    table: StopTable
    turns_box: Box
    turns: list[Fitted]
    columns: int
    scale: float


def _scale(route: PatrolRoute, box: Box, lang: str) -> float:
    """Inches per metre at which the route fits the map part of ``box`` (the strip under it left out)."""
    x0, x1, y0, y1 = route_bounds(route)
    h = box.h - strip_height(lang, box.w) - 0.04
    return min(box.w / (x1 - x0), h / (y1 - y0)) if h > 0 and box.w > 0 else 0.0


def _stacked(route: PatrolRoute, lang: str, rule: Disclosure | None, unit: str, body: Box) -> _Plan:
    """The map across the page, the stops and the directions (in two columns) under it."""
    table = stop_table(route, lang, rule, unit=unit, width=body.w)
    turns_h, turns = _turns(route, lang, body.w, columns=2, room=body.h - MIN_MAP_IN - table.height - 0.9)
    turns_box, rest = body.take_bottom(turns_h, gap=0.16)
    table = stop_table(route, lang, rule, unit=unit, width=body.w, room=rest.h - MIN_MAP_IN - 0.7)
    table_box, map_box = rest.take_bottom(table.height + line_height(HEADING.size), gap=0.16)
    return _Plan(map_box, table_box, table, turns_box, turns, 2, _scale(route, map_box, lang))


def _side_by_side(route: PatrolRoute, lang: str, rule: Disclosure | None, unit: str, body: Box) -> _Plan:
    """A tall route: the map down the left of the page, the stops and the directions to its right."""
    x0, x1, y0, y1 = route_bounds(route)
    map_w = min(max(body.h * (x1 - x0) / (y1 - y0), SIDE_MAP_IN[0]), body.w * SIDE_MAP_IN[1])
    map_box, column = body.take_left(map_w, gap=0.25)
    table = stop_table(route, lang, rule, unit=unit, width=column.w, room=column.h * 0.55)
    table_box, rest = column.take_top(table.height + line_height(HEADING.size), gap=0.2)
    turns_h, turns = _turns(route, lang, column.w, columns=1, room=rest.h - line_height(HEADING.size))
    turns_box = rest.take_top(turns_h)[0]
    fits = turns_h <= rest.h + 1e-9
    return _Plan(map_box, table_box, table, turns_box, turns, 1, _scale(route, map_box, lang) if fits else 0.0)


def _heading(fig: Figure, page: Box, route: PatrolRoute, lang: str) -> Box:
    """Title, when and where the walk starts, the summary (and the synthetic-data warning); the page below."""
    rest = page
    texts: list[tuple[str, Style]] = [(routewords.title_text(route, lang), TITLE)]
    when = rt.date(route.start_time, lang)
    start = rt.t(lang, "starts_at", start=routewords.start_text(route, lang), time=rt.clock(route.start_time),
                 end=rt.clock(route.end_time))  # fmt: skip
    texts += [(f"{when} · {start}", LINE), (rt.summary_line(route, lang), LINE)]
    if route.meta.get("synthetic"):
        texts.append((rt.t(lang, "synthetic"), BANNER))
    for text, style in texts:
        fitted = fit(text, rest.w, rest.h * 0.1, style)
        put(fig, fitted, rest.x, rest.top, rest.w)
        rest = rest.take_top(fitted.height, gap=style.size * 0.2 / 72)[1]
    return rest.take_top(0.06)[1]


def _notes(route: PatrolRoute, lang: str, printed: dt.date | None) -> list[str]:
    return [
        rt.data_note(route, lang),
        rt.t(lang, "weight_note"),
        rt.t(lang, "dwell_note", dwell=rt.number(float(route.stops["dwell_min"].median()), lang)),
        rt.network_line(route, lang),
        rt.t(lang, "printed", date=rt.date(printed or dt.date.today(), lang)),
    ]


def _footer(fig: Figure, page: Box, lines: list[str]) -> Box:
    gap = NOTE.size * 0.1 / 72
    fitted = fit_all(lines, page.w, 0.9, NOTE, gap=gap)
    foot, rest = page.take_bottom(sum(f.height for f in fitted) + gap * (len(fitted) - 1), gap=0.14)
    stack(fig, fitted, foot, gap=gap)
    return rest


def _services(fig: Figure, page: Box, lines: list[str], lang: str) -> Box:
    """The services along the route under their heading, at the bottom of ``page``; the rest of the page."""
    gap = NOTE.size * 0.15 / 72
    fitted = fit_all(lines, page.w, SERVICES_MAX_IN, NOTE, gap=gap)
    need = line_height(HEADING.size) + sum(f.height for f in fitted) + gap * (len(fitted) - 1)
    block, rest = page.take_bottom(need, gap=0.14)
    put(fig, fit(rt.t(lang, "services"), block.w, block.h, HEADING), block.x, block.top, block.w)
    stack(fig, fitted, block.take_top(line_height(HEADING.size))[1], gap=gap)
    return rest


def _officer_notes_height() -> float:
    return line_height(HEADING.size) + NOTE_LINES * 0.3


def _officer_notes(fig: Figure, box: Box, lang: str) -> None:
    """A heading and ruled lines to write on."""
    put(fig, fit(rt.t(lang, "notes"), box.w, box.h, HEADING), box.x, box.top, box.w)
    y = box.top - line_height(HEADING.size)
    for _ in range(NOTE_LINES):
        y -= 0.3
        fig.add_artist(Line2D([box.x, box.right], [y, y], transform=fig.dpi_scale_trans, color=RULE, linewidth=0.6))


def _turns(route: PatrolRoute, lang: str, width: float, *, columns: int, room: float) -> tuple[float, list[Fitted]]:
    """The directions, numbered, each wrapped to its column, at the largest size whose columns fit ``room``
    inches; their height (heading included) and the lines."""
    lines = rt.turn_lines(route, lang)
    shown = [f"{i}. {text}" for i, text in enumerate(lines[:MAX_TURN_LINES], start=1)]
    if len(lines) > len(shown):
        shown.append(rt.t(lang, "more_turns", n=len(lines) - len(shown)))
    col_w = (width - COLUMN_GAP_IN * (columns - 1)) / columns
    size = TURN.size
    while True:
        fitted = [fit(text, col_w, 1.0, TURN.at(size)) for text in shown]
        height = _columns_height(fitted, columns)
        if height <= room or size - 0.5 < TURN.min_size:
            break
        size -= 0.5
    return height + line_height(HEADING.size) + 0.02, fitted


def _columns_height(fitted: list[Fitted], columns: int) -> float:
    per = -(-len(fitted) // columns)
    return max((sum(f.height for f in fitted[i * per : (i + 1) * per]) for i in range(columns)), default=0.0)


def _draw_turns(fig: Figure, box: Box, fitted: list[Fitted], lang: str, *, columns: int) -> None:
    put(fig, fit(rt.t(lang, "turns"), box.w, box.h, HEADING), box.x, box.top, box.w)
    top = box.top - line_height(HEADING.size) - 0.02
    per = -(-len(fitted) // columns)
    col_w = (box.w - COLUMN_GAP_IN * (columns - 1)) / columns
    for col in range(columns):
        y = top
        for f in fitted[col * per : (col + 1) * per]:
            put(fig, f, box.x + col * (col_w + COLUMN_GAP_IN), y, col_w)
            y -= f.height


def _draw_stops(fig: Figure, box: Box, table: StopTable, lang: str) -> None:
    put(fig, fit(rt.t(lang, "stops"), box.w, box.h, HEADING), box.x, box.top, box.w)
    draw_table(fig, Box(box.x, box.y, box.w, box.h - line_height(HEADING.size)), table)


def route_card_bytes(
    route: PatrolRoute,
    *,
    fmt: str = "pdf",
    lang: str = "en",
    graph: nx.MultiDiGraph | None = None,
    dpi: int = 150,
    printed: dt.date | None = None,
    rule: Disclosure | None = None,
    services: Sequence[str] = (),
) -> bytes:
    """The route card as PDF or PNG bytes (for a download button); counts as ``rule`` shows them, in the unit the
    planner recorded (``route.meta["unit"]``)."""
    if fmt not in ("pdf", "png"):
        msg = f"route card format must be 'pdf' or 'png', got {fmt!r}"
        raise AnalysisError(msg)
    fig = render_route_card(route, lang=lang, graph=graph, printed=printed, rule=rule, services=services)
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
    rule: Disclosure | None = None,
    services: Sequence[str] = (),
) -> Path:
    """Write the route card to ``path``; the suffix (.pdf or .png) chooses the format."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "png"):
        msg = f"route card file must end in .pdf or .png, got {path.name!r}"
        raise AnalysisError(msg)
    card = route_card_bytes(route, fmt=fmt, lang=lang, graph=graph, rule=rule, services=services)
    return write_bytes_atomic(path, card)
