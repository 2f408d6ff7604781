"""Text measured before it is placed: boxes, word wrapping and type that shrinks to fit, for the printed exports.

Every printed export (handout, slide, route card) lays its page out in boxes (:class:`Box`, inches from
the page's lower-left corner) and writes its text with :func:`fit` and :func:`put`: the text is measured
with the same font and the same metrics the PDF and PNG backends use (matplotlib's Agg text engine,
DejaVu Sans), wrapped at word boundaries to the box's width, and set one size smaller at a time until
it fits the box's height (or a given number of lines). At the smallest size allowed, text that still does
not fit is cut at a word and ends with an ellipsis, so no text ever leaves its box.

Sizes are points (1/72 inch); positions and lengths are inches.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

FONT = "DejaVu Sans"
LINE = 1.25
"""Distance between the baselines of two lines, in ems."""
ASCENT, DESCENT = 1901 / 2048, 483 / 2048
"""DejaVu Sans' ascender and descender, ems: the box a PDF reader gives each word (1.16 em, inside a line)."""
STEP_PT = 0.5
"""How much smaller each try at fitting a text is, points."""
ELLIPSIS = "…"
UNITS = frozenset({"m", "km", "min", "%", "mi", "ft"})
"""Units never put on a line apart from their number."""
_MEASURE_DPI = 720  # measure at ten pixels per point: widths agree with the PDF's to a hundredth of a point


@dataclass(frozen=True)
class Box:
    """A rectangle on the page: lower-left corner ``(x, y)``, width ``w`` and height ``h``, inches."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> float:
        """The top edge, inches from the bottom of the page."""
        return self.y + self.h

    @property
    def right(self) -> float:
        """The right edge, inches from the left of the page."""
        return self.x + self.w

    def take_top(self, h: float, *, gap: float = 0.0) -> tuple[Box, Box]:
        """``(the top h inches, what is left below them less gap)``."""
        h = min(max(h, 0.0), self.h)
        return Box(self.x, self.top - h, self.w, h), Box(self.x, self.y, self.w, max(0.0, self.h - h - gap))

    def take_bottom(self, h: float, *, gap: float = 0.0) -> tuple[Box, Box]:
        """``(the bottom h inches, what is left above them less gap)``."""
        h = min(max(h, 0.0), self.h)
        rest = max(0.0, self.h - h - gap)
        return Box(self.x, self.y, self.w, h), Box(self.x, self.top - rest, self.w, rest)

    def take_left(self, w: float, *, gap: float = 0.0) -> tuple[Box, Box]:
        """``(the left w inches, what is left to their right less gap)``."""
        w = min(max(w, 0.0), self.w)
        rest = max(0.0, self.w - w - gap)
        return Box(self.x, self.y, w, self.h), Box(self.right - rest, self.y, rest, self.h)

    def columns(self, n: int, *, gap: float) -> list[Box]:
        """``n`` columns of equal width side by side, ``gap`` inches apart."""
        w = (self.w - gap * (n - 1)) / n
        return [Box(self.x + i * (w + gap), self.y, w, self.h) for i in range(n)]

    def inset(self, d: float) -> Box:
        """The box shrunk by ``d`` inches on every side."""
        return Box(self.x + d, self.y + d, max(0.0, self.w - 2 * d), max(0.0, self.h - 2 * d))

    def fraction(self, fig: Figure) -> tuple[float, float, float, float]:
        """``(left, bottom, width, height)`` as fractions of ``fig`` (for ``fig.add_axes``)."""
        fw, fh = fig.get_size_inches()
        return (self.x / fw, self.y / fh, self.w / fw, self.h / fh)

    def contains(self, other: Box, *, tol: float = 1e-6) -> bool:
        """True when ``other`` lies inside this box."""
        return (
            other.x >= self.x - tol
            and other.y >= self.y - tol
            and other.right <= self.right + tol
            and other.top <= self.top + tol
        )

    def overlaps(self, other: Box, *, tol: float = 1e-6) -> bool:
        """True when the two boxes share more than an edge."""
        return (
            min(self.right, other.right) - max(self.x, other.x) > tol
            and min(self.top, other.top) - max(self.y, other.y) > tol
        )


@dataclass(frozen=True)
class Style:
    """How a text is set: preferred and smallest size (points), weight, colour, lines at most (0: any)."""

    size: float
    min_size: float
    weight: str = "normal"
    color: str = "#111111"
    max_lines: int = 0
    align: str = "left"

    def at(self, size: float, **changes: Any) -> Style:
        """The same style set at exactly ``size`` points (no smaller), with ``changes``."""
        return replace(self, size=size, min_size=size, **changes)


@dataclass(frozen=True)
class Fitted:
    """A text wrapped to a width: its lines, the size they are set at (points) and the style."""

    lines: tuple[str, ...]
    size: float
    style: Style

    @property
    def height(self) -> float:
        """Height of the set lines, inches (the last line's descent included)."""
        return line_height(self.size) * len(self.lines) if self.lines else 0.0

    @property
    def cut(self) -> bool:
        """True when the text had to be shortened (it ends with an ellipsis)."""
        return bool(self.lines) and self.lines[-1].endswith(ELLIPSIS)


def line_height(size: float) -> float:
    """The distance between two lines set at ``size`` points, inches."""
    return size * LINE / 72


def baseline_drop(size: float) -> float:
    """From the top of a line to its baseline, inches: the font's box sits in the middle of the line."""
    return ((LINE - ASCENT - DESCENT) / 2 + ASCENT) * size / 72


@lru_cache(maxsize=1)
def _renderer() -> RendererAgg:
    return RendererAgg(1, 1, _MEASURE_DPI)  # type: ignore[no-untyped-call]


@lru_cache(maxsize=64)
def _font(size: float, weight: str) -> FontProperties:
    return FontProperties(family=FONT, size=size, weight=weight)


@lru_cache(maxsize=65536)
def text_width(text: str, size: float, weight: str = "normal") -> float:
    """Width of ``text`` on one line at ``size`` points, inches."""
    if not text:
        return 0.0
    w, _, _ = _renderer().get_text_width_height_descent(text, _font(size, weight), ismath=False)  # type: ignore[no-untyped-call]
    return float(w) / _MEASURE_DPI


def _break_word(word: str, width: float, size: float, weight: str) -> list[str]:
    """A word wider than ``width`` cut into pieces that fit (a very long name without spaces)."""
    pieces: list[str] = []
    rest = word
    while rest:
        n = len(rest)
        while n > 1 and text_width(rest[:n], size, weight) > width:
            n -= 1
        pieces.append(rest[:n])
        rest = rest[n:]
    return pieces


def _words(paragraph: str) -> list[str]:
    """The words of a paragraph, a number and its unit kept together ("150 m", "15 min")."""
    words: list[str] = []
    for word in paragraph.split():
        if words and word in UNITS and words[-1][-1:].isdigit():
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    return words


def wrap(text: str, width: float, size: float, weight: str = "normal") -> list[str]:
    """``text`` broken into lines no wider than ``width`` inches at ``size`` points (at spaces; explicit
    line breaks are kept; a word wider than the line is cut)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in _words(paragraph):
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, weight) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            if text_width(word, size, weight) <= width:
                line = word
            else:
                *whole, line = _break_word(word, width, size, weight)
                lines.extend(whole)
        lines.append(line)
    return lines


def _shorten(lines: list[str], n: int, width: float, size: float, weight: str) -> list[str]:
    """The first ``n`` lines, the last one ending with an ellipsis that fits ``width``."""
    kept = lines[:n]
    if not kept:
        return kept
    last = kept[-1]
    while last and text_width(last + ELLIPSIS, size, weight) > width:
        cut = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        last = cut.rstrip(" ,;:·-")
    kept[-1] = last + ELLIPSIS
    return kept


def fit(text: str, width: float, height: float, style: Style) -> Fitted:
    """``text`` wrapped to ``width`` and set at the largest size from ``style.size`` down to ``style.min_size``
    whose lines fit ``height`` inches (and ``style.max_lines``); shortened with an ellipsis at the smallest
    size when even that does not fit."""
    size = style.size
    while True:
        lines = wrap(text, width, size, style.weight)
        fits = line_height(size) * len(lines) <= height + 1e-9 and (
            not style.max_lines or len(lines) <= style.max_lines
        )
        if fits or size - STEP_PT < style.min_size - 1e-9:
            break
        size -= STEP_PT
    if not fits:
        room = int((height + 1e-9) // line_height(size))
        n = max(1, min(room, style.max_lines) if style.max_lines else room)
        if n < len(lines):
            lines = _shorten(lines, n, width, size, style.weight)
    return Fitted(tuple(lines), size, style)


def fit_all(texts: list[str], width: float, height: float, style: Style, *, gap: float = 0.0) -> list[Fitted]:
    """Several texts set at one size, stacked ``gap`` inches apart, that together fit ``height`` (a list)."""
    size = style.size
    while True:
        fitted = [Fitted(tuple(wrap(t, width, size, style.weight)), size, style) for t in texts]
        total = sum(f.height for f in fitted) + gap * max(0, len(texts) - 1)
        if total <= height + 1e-9 or size - STEP_PT < style.min_size - 1e-9:
            break
        size -= STEP_PT
    if total > height + 1e-9:  # the smallest size is still too tall: keep what fits, the last one shortened
        kept: list[Fitted] = []
        left = height
        for f in fitted:
            room = int((left + 1e-9) // line_height(size))
            if room <= 0:
                break
            lines = list(f.lines) if room >= len(f.lines) else _shorten(list(f.lines), room, width, size, style.weight)
            kept.append(Fitted(tuple(lines), size, style))
            left -= line_height(size) * len(lines) + gap
        fitted = kept
    return fitted


def put(fig: Figure, fitted: Fitted, x: float, top: float, width: float, **extra: Any) -> list[Text]:
    """Write ``fitted`` with its first line's top at ``top`` (inches), left-aligned at ``x`` (or centred or
    right-aligned in ``width`` as its style says); one Text per line, never parsed as maths."""
    style = fitted.style
    anchor = {"left": x, "center": x + width / 2, "right": x + width}[style.align]
    options: dict[str, Any] = {
        "transform": fig.dpi_scale_trans, "fontsize": fitted.size, "fontweight": style.weight, "color": style.color,
        "ha": style.align, "va": "baseline", "parse_math": False,
    }  # fmt: skip
    options.update(extra)
    return [
        fig.text(anchor, top - i * line_height(fitted.size) - baseline_drop(fitted.size), line, **options)
        for i, line in enumerate(fitted.lines)
    ]


def write(fig: Figure, text: str, box: Box, style: Style, **extra: Any) -> float:
    """Fit ``text`` into ``box`` and write it from the box's top; return the height used, inches."""
    fitted = fit(text, box.w, box.h, style)
    put(fig, fitted, box.x, box.top, box.w, **extra)
    return fitted.height
