"""The meeting report laid out on a page: the letter handout (PNG and PDF) and the 1920x1080 slide.

Each layout cuts its page into boxes (:class:`geo.exports.textfit.Box`, inches) from the outside in: the
header (title, period line, synthetic banner) from the top and the footer from the bottom, measured first;
then the body: the map (square, with its scale strip under it), the key figures, the legend, the trend
chart, the summary and the caveats, each in its own box. Every text is measured and set to fit its box
(:mod:`geo.exports.textfit`), so a long place name wraps or takes a smaller type, never runs off the page
or into the next box.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any

import matplotlib as mpl
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from geo.exports.blocks import Entry, figures_height, key_figures, legend, legend_height, stack, stacked_height
from geo.exports.chart import ChartType, draw_trend, words_height
from geo.exports.draw import MapType, draw_map, notes_left_off
from geo.exports.model import Report
from geo.exports.notelist import note_lines
from geo.exports.notemap import drawable
from geo.exports.qr import MIN_SIDE_IN, draw_qr
from geo.exports.textfit import Box, Fitted, Style, fit, fit_all, put, text_width, wrap

_RC: dict[str, Any] = {"pdf.fonttype": 42, "ps.fonttype": 42, "font.family": "DejaVu Sans", "svg.fonttype": "none"}
LAYOUTS: dict[str, dict[str, Any]] = {
    "slide": {"inches": (19.2, 10.8), "dpi": 100, "margin": 0.4},
    "letter": {"inches": (8.5, 11.0), "dpi": 150, "margin": 0.5},
}
CHART_MIN_IN = 1.85
QR_SIDE_IN = MIN_SIDE_IN * 1.25
"""The printed side of the form's QR code (a phone reads it at arm's length)."""
QR_GAP_IN = 0.2
INVITE_W_IN = 1.7
"""The column of the invitation to answer, between the residents' lines and the QR code."""
"""The handout's chart is at least this tall, inches; it takes what the map leaves."""
NOTES_SHARE = 0.3
"""The lines under the map that list notes not written on it take at most this share of the map's box."""
MAP_TRIES = 3
"""Sizes of the map tried before it is drawn with notes' words left off it (see ``_map``)."""
WARN = "#B00000"
TEXT = "#111111"
SOFT = "#333333"
FOOT = "#444444"


@dataclass(frozen=True)
class Sizes:
    """The type of one layout, points: preferred and smallest sizes of each kind of text."""

    title: Style
    meta: Style
    banner: Style
    heading: Style
    value: Style
    label: Style
    legend: Style
    body: Style
    caveat: Style
    foot: Style
    map: MapType
    chart: ChartType


LETTER = Sizes(
    title=Style(20, 12, weight="bold", max_lines=2),
    meta=Style(10, 7, max_lines=2),
    banner=Style(10.5, 7.5, weight="bold", color="white", max_lines=2),
    heading=Style(11, 8, weight="bold", max_lines=1),
    value=Style(22, 11, weight="bold", max_lines=2),
    label=Style(8.5, 6.5, max_lines=4),
    legend=Style(7.5, 5.5),
    body=Style(9.5, 7),
    caveat=Style(7.5, 5.5, color="#222222"),
    foot=Style(6.8, 5, color=FOOT),
    map=MapType(cell=6.5, focus=8.5, street=6.5, strip=7, message=9, line=1.8, inset=6.5, note=7.5),
    chart=ChartType(title=8.5, notes=7, tick=6.5, mark=6),
)
SLIDE = Sizes(
    title=Style(36, 22, weight="bold", max_lines=2),
    meta=Style(19, 12, max_lines=2),
    banner=Style(20, 13, weight="bold", color="white", max_lines=2),
    heading=Style(20, 14, weight="bold", max_lines=1),
    value=Style(40, 18, weight="bold", max_lines=2),
    label=Style(15, 10, max_lines=4),
    legend=Style(14, 8),
    body=Style(16, 10),
    caveat=Style(12.5, 8.5, color="#222222"),
    foot=Style(11, 7.5, color=FOOT),
    map=MapType(cell=11, focus=15, street=11.5, strip=13, message=17, line=3.0, inset=11, note=13),
    chart=ChartType(title=15, notes=12, tick=12, mark=11),
)


def _header(fig: Figure, page: Box, report: Report, sizes: Sizes) -> Box:
    """Title, period line and the synthetic-data banner from the top of ``page``; the rest of the page."""
    rest = page
    title = fit(report.title, page.w, page.h * 0.2, sizes.title)
    put(fig, title, page.x, page.top, page.w)
    rest = rest.take_top(title.height, gap=sizes.meta.size * 0.3 / 72)[1]
    internal = report.privacy == "internal"
    line = (
        f"{report.period_text}  ·  {report.data_as_of_text}  ·  {report.text('report.privacy', mode=report.mode_label)}"
    )
    meta_style = replace(sizes.meta, weight="bold" if internal else "normal", color=WARN if internal else TEXT)
    meta = fit(line, page.w, page.h * 0.1, meta_style)
    put(fig, meta, rest.x, rest.top, rest.w)
    rest = rest.take_top(meta.height, gap=sizes.meta.size * 0.5 / 72)[1]
    if report.synthetic:
        pad = sizes.banner.size * 0.35 / 72
        banner = fit(report.text("report.synthetic").upper(), page.w - 2 * pad, page.h * 0.1, sizes.banner)
        h = banner.height + 2 * pad
        fig.add_artist(Rectangle((rest.x, rest.top - h), min(page.w, _widest(banner) + 2 * pad), h,
                                 transform=fig.dpi_scale_trans, facecolor=WARN, edgecolor="none"))  # fmt: skip
        put(fig, banner, rest.x + pad, rest.top - pad, page.w - 2 * pad)
        rest = rest.take_top(h, gap=sizes.meta.size * 0.6 / 72)[1]
    return rest


def _widest(fitted: Fitted) -> float:
    return max((text_width(line, fitted.size, fitted.style.weight) for line in fitted.lines), default=0.0)


def _footer(fig: Figure, page: Box, texts: list[str], style: Style, *, height: float) -> Box:
    """The footer lines at the bottom of ``page`` (at most ``height`` inches); the rest of the page above."""
    gap = style.size * 0.15 / 72
    fitted = fit_all([t for t in texts if t], page.w, height, style, gap=gap)
    used = stacked_height(fitted, gap)
    foot, rest = page.take_bottom(used, gap=style.size * 0.8 / 72)
    stack(fig, fitted, foot, gap=gap)
    return rest


def _map(fig: Figure, box: Box, report: Report, sizes: Sizes) -> None:
    """The map, square at the top of ``box``, its scale strip under it, and under that the notes for the meeting
    that are not written on the map (outside its frame, or with no free place on it).

    The room those lines take is found before the map is drawn: a map that would leave a note's words off
    (:func:`geo.exports.draw.notes_left_off`) is tried a little smaller, above the lines that list them (at most
    :data:`MAP_TRIES` times); the lines are then set to fit the room left under the strip."""
    strip_h = sizes.map.strip * 2.0 / 72
    gap = sizes.caveat.size * 0.3 / 72
    listed: list[int] = []
    for _ in range(MAP_TRIES):
        lines = [drawable(line) for line in note_lines(report, listed)]
        notes_h = stacked_height(fit_all(lines, box.w, box.h * NOTES_SHARE, sizes.caveat, gap=gap), gap)
        side = min(box.w, box.h - strip_h - (notes_h + 2 * gap if lines else 0.0))
        map_box = Box(box.x, box.top - side, side, side)
        left_off = notes_left_off(report, figsize=(fig.get_figwidth(), fig.get_figheight()), dpi=fig.dpi,
                                  rect=map_box.fraction(fig), sizes=sizes.map)  # fmt: skip
        if set(left_off) <= set(listed):
            break
        listed = sorted({*listed, *left_off})  # only ever more room: the tries settle
    strip = Box(box.x, map_box.y - strip_h, side, strip_h)
    left_off = draw_map(fig.add_axes(map_box.fraction(fig)), fig.add_axes(strip.fraction(fig)), report,
                        sizes=sizes.map)  # fmt: skip
    lines = [drawable(line) for line in note_lines(report, left_off)]
    if lines:
        room = Box(box.x, box.y, box.w, max(0.0, strip.y - box.y - 2 * gap))
        stack(fig, fit_all(lines, room.w, room.h, sizes.caveat, gap=gap), room, gap=gap)


def _entries(report: Report) -> list[Entry]:
    return [Entry("line" if k == "street" else k, c, label) for k, c, label in report.legend]


def _text_block(fig: Figure, box: Box, heading: str, texts: list[str], sizes: Sizes, style: Style) -> float:
    """A heading and texts under it, the texts set to fit the rest of ``box``; the height used, inches."""
    head = fit(heading, box.w, box.h, sizes.heading.at(style.size * 1.1, weight="bold"))
    put(fig, head, box.x, box.top, box.w)
    rest = box.take_top(head.height, gap=style.size * 0.25 / 72)[1]
    gap = style.size * 0.3 / 72
    return box.top - rest.top + stack(fig, fit_all(texts, rest.w, rest.h, style, gap=gap), rest, gap=gap)


def _letter(report: Report) -> Figure:
    s = LETTER
    fig = _new_figure("letter")
    w, h = LAYOUTS["letter"]["inches"]
    m = LAYOUTS["letter"]["margin"]
    body = _header(fig, Box(m, m, w - 2 * m, h - 2 * m), report, s)
    body = _footer(fig, body, [report.mode_note, report.attribution, report.made_text], s.foot, height=0.75)
    caveat_h = _needed(report.caveats, body.w, s.caveat, cap=1.45)
    summary_h = _needed([report.summary], body.w, s.body, cap=1.4)
    voice_h = _voice_height(report, _voice_texts(report), body.w, s, cap=1.3)
    help_h = _needed(list(report.services), body.w, s.caveat, cap=1.2) if report.services else 0.0
    residents_h = (voice_h + 0.12 if voice_h else 0.0) + (help_h + 0.12 if help_h else 0.0)
    strip_h = s.map.strip * 2.0 / 72
    map_w = max(2.5, min(body.h - caveat_h - summary_h - CHART_MIN_IN - 0.6 - strip_h, body.w * 0.6))
    if body.h - map_w - strip_h - 0.2 - caveat_h - residents_h - summary_h - 0.3 < CHART_MIN_IN:
        # "Residents say" comes out of the chart while the chart keeps its least height; then out of the map
        map_w = max(2.5, min(body.h - caveat_h - residents_h - summary_h - CHART_MIN_IN - 0.6 - strip_h, map_w))
    caveat_h += residents_h
    row, rest = body.take_top(map_w + strip_h, gap=0.2)
    chart_h = rest.h - caveat_h - summary_h - 0.3
    words = words_height(report, rest.w, s.chart)
    chart_box, rest = rest.take_top(chart_h if words is None else min(chart_h, words), gap=0.18)
    draw_trend(fig, chart_box, report, sizes=s.chart)
    used = _text_block(fig, rest.take_top(summary_h)[0], report.text("report.summary_heading"), [report.summary], s,
                       s.body)  # fmt: skip
    rest = rest.take_top(used, gap=0.12)[1]
    if voice_h:
        used = _voice(fig, rest.take_top(voice_h)[0], report, _voice_texts(report), s)
        rest = rest.take_top(used, gap=0.12)[1]
    if help_h:
        used = _text_block(fig, rest.take_top(help_h)[0], report.services_title, list(report.services), s, s.caveat)
        rest = rest.take_top(used, gap=0.12)[1]
    _text_block(fig, rest.take_top(caveat_h - residents_h)[0], report.text("report.caveats_heading"),
                [f"• {c}" for c in report.caveats], s, s.caveat)  # fmt: skip
    map_box, side = row.take_left(map_w, gap=0.3)
    _map(fig, map_box, report, s)
    _letter_side(fig, side, report, s)
    _watermark(fig, report, size=34)
    return fig


def _letter_side(fig: Figure, side: Box, report: Report, s: Sizes) -> None:
    """The column beside the handout's map: the key figures, then the legend, each as tall as it needs when
    both fit, else sharing the column in proportion (and set smaller)."""
    head = fit(report.text("report.key_figures"), side.w, side.h, s.heading)
    put(fig, head, side.x, side.top, side.w)
    side = side.take_top(head.height, gap=0.06)[1]
    figs_h = figures_height(side, report.figures, value=s.value, label=s.label, across=False)
    legend_h = legend_height(report.legend_title, _entries(report), side.w, s.legend)
    if figs_h + legend_h + 0.15 > side.h:
        figs_h = (side.h - 0.15) * figs_h / (figs_h + legend_h)
    used = key_figures(fig, side.take_top(figs_h)[0], report.figures, value=s.value, label=s.label, across=False)
    legend(fig, side.take_top(used, gap=0.15)[1], report.legend_title, _entries(report), s.legend)


def _voice_texts(report: Report) -> list[str]:
    """The handout's "Residents say" lines, or the invitation alone when there are none but the form has an
    address."""
    if report.residents:
        return list(report.residents)
    return [report.text("survey.say.invite", url=report.form_url)] if report.form_url else []


def _invite(report: Report) -> list[str]:
    """The invitation printed beside the form's QR code (when the residents' lines take the main column)."""
    return [report.text("survey.say.invite", url=report.form_url)] if report.form_url and report.residents else []


def _voice_height(report: Report, texts: list[str], width: float, s: Sizes, *, cap: float) -> float:
    """The height of the residents' block (its texts, then the invitation and the form's QR code in a column of
    their own), 0 when it has nothing to say."""
    if not texts:
        return 0.0
    if not report.form_url:
        return _needed(texts, width, s.caveat, cap=cap)
    aside = INVITE_W_IN + QR_GAP_IN if _invite(report) else 0.0
    main = _needed(texts, width - aside - QR_SIDE_IN - QR_GAP_IN, s.caveat, cap=cap)
    invite = _needed(_invite(report), INVITE_W_IN, s.caveat, cap=cap) if aside else 0.0
    return max(QR_SIDE_IN, main, invite)


def _voice(fig: Figure, box: Box, report: Report, texts: list[str], s: Sizes) -> float:
    """What residents say near the place (or, with none, the invitation alone), and beside it the invitation and
    the form's QR code; the height used, inches."""
    used = 0.0
    if report.form_url:
        box, code_box = box.take_left(box.w - QR_SIDE_IN - QR_GAP_IN, gap=QR_GAP_IN)
        used = draw_qr(fig, code_box, report.form_url).h
        if _invite(report):
            box, aside = box.take_left(box.w - INVITE_W_IN - QR_GAP_IN, gap=QR_GAP_IN)
            gap = s.caveat.size * 0.3 / 72
            used = max(used, stack(fig, fit_all(_invite(report), aside.w, aside.h, s.caveat, gap=gap), aside, gap=gap))
    heading = report.text("survey.say.title" if report.residents else "survey.say.invite_title")
    return max(used, _text_block(fig, box, heading, texts, s, s.caveat))


def _needed(texts: tuple[str, ...] | list[str], width: float, style: Style, *, cap: float) -> float:
    """The height a heading and ``texts`` take at their preferred size, at most ``cap`` inches."""
    gap = style.size * 0.3 / 72
    natural = [Fitted(tuple(_lines(t, width, style)), style.size, style) for t in texts]
    return min(cap, stacked_height(natural, gap) + style.size * 1.1 * 1.25 / 72 + style.size * 0.25 / 72)


def _lines(text: str, width: float, style: Style) -> list[str]:
    return wrap(text, width, style.size, style.weight)


def _slide(report: Report) -> Figure:
    s = SLIDE
    fig = _new_figure("slide")
    w, h = LAYOUTS["slide"]["inches"]
    m = LAYOUTS["slide"]["margin"]
    body = _header(fig, Box(m, m, w - 2 * m, h - 2 * m), report, s)
    body = _footer(fig, body, [" · ".join(f for f in (report.mode_note, report.attribution) if f)], s.foot,
                   height=0.5)  # fmt: skip
    map_w = min(body.h - s.map.strip * 2.0 / 72, body.w * 0.5)
    map_box, side = body.take_left(map_w, gap=0.45)
    _map(fig, map_box, report, s)
    need = figures_height(side, report.figures, value=s.value, label=s.label, across=True)
    figs_box = side.take_top(min(need, side.h * 0.4))[0]
    used = key_figures(fig, figs_box, report.figures, value=s.value, label=s.label, across=True)
    side = side.take_top(used, gap=0.25)[1]
    words = words_height(report, side.w, s.chart)
    said = [" ".join(report.residents[:1]) + " " + "; ".join(report.residents[1:])] if report.residents else []
    said = said or _voice_texts(report)
    said_h = _voice_height(report, said, side.w, s, cap=side.h * 0.2)
    share = 0.55 - said_h / side.h  # "Residents say" takes its room from the chart, never from the caveats
    chart_box, side = side.take_top(side.h * share if words is None else min(side.h * share, words), gap=0.3)
    draw_trend(fig, chart_box, report, sizes=s.chart)
    if said_h:
        said_box, side = side.take_top(said_h, gap=0.25)
        _voice(fig, said_box, report, said, s)
    legend_box, caveat_box = side.take_left(side.w * 0.44, gap=0.35)
    legend(fig, legend_box, report.legend_title, _entries(report), s.legend)
    gap = s.caveat.size * 0.3 / 72
    stack(fig, fit_all([f"• {c}" for c in report.caveats], caveat_box.w, caveat_box.h, s.caveat, gap=gap),
          caveat_box, gap=gap)  # fmt: skip
    _watermark(fig, report, size=60)
    return fig


def _new_figure(size: str) -> Figure:
    fig = Figure(figsize=LAYOUTS[size]["inches"], dpi=LAYOUTS[size]["dpi"])
    FigureCanvasAgg(fig)  # the renderer every block measures its words with
    fig.patch.set_facecolor("white")
    return fig


def _watermark(fig: Figure, report: Report, *, size: float) -> None:
    if report.privacy != "internal":
        return
    fig.text(0.5, 0.5, report.text("report.watermark").upper(), fontsize=size, color=WARN, alpha=0.16, rotation=30,
             ha="center", va="center", fontweight="bold", zorder=100, gid="watermark")  # fmt: skip


def figure(report: Report, *, size: str) -> Figure:
    """The report as a matplotlib Figure in the ``"slide"`` or ``"letter"`` layout."""
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        return _slide(report) if size == "slide" else _letter(report)


def figure_bytes(report: Report, *, size: str, fmt: str) -> bytes:
    """PNG or PDF bytes of the report; PNGs are exactly the size of :data:`geo.exports.model.SIZES`."""
    fig = figure(report, size=size)
    buf = io.BytesIO()
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        metadata: dict[str, Any] | None = None
        if fmt == "pdf":
            metadata = {"Title": report.title, "Creator": "south-la-safety-map", "CreationDate": None}
        fig.savefig(buf, format=fmt, dpi=LAYOUTS[size]["dpi"], metadata=metadata)
    return buf.getvalue()
