"""The route card's table of stops, measured: order, arrival–departure, stay, where, and why the stop is there.

The narrow columns are as wide as their widest text; "Where" and "Why this stop" share the rest and wrap.
The whole table is set at the largest type (from 8.5 down to 6.5 points) that fits the room it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from geo.core.disclosure import Disclosure
from geo.exports import routewords
from geo.exports.textfit import Box, Fitted, Style, put, text_width, wrap
from geo.patrol import text as rt
from geo.patrol.model import PatrolRoute

CELL = Style(8.5, 6.5)
HEAD_FILL = "#eeeeee"
RULE = "#b0b0b0"
COLUMNS = ("col_order", "col_time", "col_stay", "col_where", "col_why")
NARROW = 3
"""The first columns (order, arrival–departure, stay), as wide as their widest text."""
WHERE_SHARE = 0.4
"""Of the width the narrow columns leave, the most "Where" takes ("Why this stop" takes the rest)."""


@dataclass(frozen=True)
class StopTable:
    """A measured table: column widths (inches), the header and each row's cells wrapped to their column."""

    widths: tuple[float, ...]
    header: tuple[Fitted, ...]
    rows: tuple[tuple[Fitted, ...], ...]
    size: float

    @property
    def pad(self) -> float:
        """Room around a cell's text, inches."""
        return self.size * 0.3 / 72

    def row_height(self, cells: tuple[Fitted, ...]) -> float:
        """Height of one row: its tallest cell and the padding, inches."""
        return max((c.height for c in cells), default=0.0) + 2 * self.pad

    @property
    def height(self) -> float:
        """Height of the whole table, header included, inches."""
        return self.row_height(self.header) + sum(self.row_height(r) for r in self.rows)


def _cells(route: PatrolRoute, lang: str, rule: Disclosure | None, unit: str) -> list[list[str]]:
    reasons = routewords.stop_reasons(route, lang, rule, unit=unit)
    rows = []
    for r, why in zip(route.stops.itertuples(), reasons, strict=True):
        where = r.where if isinstance(r.where, str) and r.where else "—"
        times = f"{rt.clock(r.arrive)}–{rt.clock(r.depart)}"
        rows.append([str(int(r.order)), times, rt.minutes(float(r.dwell_min), lang), where, why])
    return rows


def _layout(header: list[str], rows: list[list[str]], width: float, size: float) -> StopTable:
    pad = size * 0.3 / 72
    narrow = [
        max([text_width(header[i], size, "bold")] + [text_width(r[i], size) for r in rows]) + 2 * pad + 0.02
        for i in range(NARROW)
    ]
    left = max(1.0, width - sum(narrow))
    texts = [r[NARROW] for r in [header, *rows]]
    longest_word = max(text_width(w, size) for t in texts for w in t.split())  # never cut inside a street's name
    where = max(min(max(text_width(t, size) for t in texts), left * WHERE_SHARE), longest_word) + 2 * pad + 0.02
    widths = (*narrow, where, left - where)

    def cell(text: str, i: int, weight: str = "normal") -> Fitted:
        style = CELL.at(size, weight=weight)
        return Fitted(tuple(wrap(text, widths[i] - 2 * pad, size, weight)), size, style)

    return StopTable(
        widths=widths,
        header=tuple(cell(h, i, "bold") for i, h in enumerate(header)),
        rows=tuple(tuple(cell(v, i) for i, v in enumerate(r)) for r in rows),
        size=size,
    )


def stop_table(
    route: PatrolRoute, lang: str, rule: Disclosure | None, *, unit: str, width: float, room: float | None = None
) -> StopTable:
    """The stops of ``route`` as a table ``width`` inches wide, at the largest size that fits ``room`` inches
    (the preferred size when ``room`` is None)."""
    header = [rt.t(lang, c) for c in COLUMNS]
    rows = _cells(route, lang, rule, unit)
    size = CELL.size
    while True:
        table = _layout(header, rows, width, size)
        if room is None or table.height <= room or size - 0.5 < CELL.min_size:
            return table
        size -= 0.5


def draw_table(fig: Figure, box: Box, table: StopTable) -> None:
    """The table from the top of ``box``: a shaded header, a rule under each row."""
    tr = fig.dpi_scale_trans
    y = box.top
    for k, cells in enumerate((table.header, *table.rows)):
        h = table.row_height(cells)
        if k == 0:
            fig.add_artist(Rectangle((box.x, y - h), sum(table.widths), h, transform=tr, facecolor=HEAD_FILL,
                                     edgecolor="none"))  # fmt: skip
        x = box.x
        for w, c in zip(table.widths, cells, strict=True):
            put(fig, c, x + table.pad, y - table.pad, w - 2 * table.pad)
            x += w
        y -= h
        fig.add_artist(Line2D([box.x, box.x + sum(table.widths)], [y, y], transform=tr, color=RULE, linewidth=0.6))
