"""Reading a PDF's text boxes (``pdftotext -bbox-layout``, poppler-utils) and finding what leaves the page or
overlaps: the layout tests of the printed exports (handout, slide, route card) share these."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest

POPPLER = shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdftoppm) is not installed")

TOLERANCE_PT = 0.25
"""Two boxes overlap when they share more than this, in both directions (points): rounding in the PDF."""

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>')
_LINE = re.compile(r"<line [^>]*>(.*?)</line>", re.S)


@dataclass(frozen=True)
class Word:
    """One word as the PDF reader sees it: its box in points (y down from the top of the page) and its line."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    line: int

    def overlap(self, other: Word) -> tuple[float, float]:
        """How far the two boxes overlap across and down (points; negative: apart)."""
        return min(self.x1, other.x1) - max(self.x0, other.x0), min(self.y1, other.y1) - max(self.y0, other.y0)


@dataclass(frozen=True)
class PdfPage:
    width: float
    height: float
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        """Every word, one line of the reader's per line."""
        lines: dict[int, list[str]] = {}
        for w in self.words:
            lines.setdefault(w.line, []).append(w.text)
        return "\n".join(" ".join(ws) for _, ws in sorted(lines.items()))

    def find(self, phrase: str) -> list[Word]:
        """The words of the first line that holds ``phrase`` (words in order), or []."""
        want = phrase.split()
        by_line: dict[int, list[Word]] = {}
        for w in self.words:
            by_line.setdefault(w.line, []).append(w)
        for words in by_line.values():
            texts = [w.text for w in words]
            for i in range(len(texts) - len(want) + 1):
                if texts[i : i + len(want)] == want:
                    return words[i : i + len(want)]
        return []


def pdf_page(pdf: bytes) -> PdfPage:
    """The first page's size and words (``pdftotext -bbox-layout``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-bbox-layout", "-f", "1", "-l", "1", str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    page = _PAGE.search(out)
    assert page, "pdftotext found no page"
    words = []
    for n, line in enumerate(_LINE.findall(out)):
        for m in _WORD.finditer(line):
            x0, y0, x1, y1 = (float(v) for v in m.groups()[:4])
            words.append(Word(unescape(m.group(5)), x0, y0, x1, y1, n))
    return PdfPage(float(page.group(1)), float(page.group(2)), tuple(words))


def layout_problems(page: PdfPage, *, margin_pt: float = 0.0, tol: float = TOLERANCE_PT) -> list[str]:
    """Every word that leaves the page (or its ``margin_pt`` margin) and every two words that overlap."""
    problems = []
    for w in page.words:
        if w.x0 < margin_pt - tol or w.y0 < margin_pt - tol:
            problems.append(f"{w.text!r} leaves the page at the left or top ({w.x0:.1f}, {w.y0:.1f})")
        if w.x1 > page.width - margin_pt + tol or w.y1 > page.height - margin_pt + tol:
            problems.append(f"{w.text!r} leaves the page at the right or bottom ({w.x1:.1f}, {w.y1:.1f})")
    for a, b in itertools.combinations(page.words, 2):
        across, down = a.overlap(b)
        if across > tol and down > tol:
            problems.append(
                f"{a.text!r} overlaps {b.text!r} by {across:.1f} x {down:.1f} pt at ({a.x0:.0f}, {a.y0:.0f})"
            )
    return problems


def assert_clean_layout(pdf: bytes, *, what: str, margin_pt: float = 0.0) -> PdfPage:
    """Fail with every problem found when a text box of ``pdf`` leaves the page or overlaps another."""
    page = pdf_page(pdf)
    assert page.words, f"{what}: the PDF has no text"
    problems = layout_problems(page, margin_pt=margin_pt)
    assert not problems, f"{what}: {len(problems)} layout problems:\n" + "\n".join(problems[:40])
    return page


def words_of(page: PdfPage, text: str, *, start: int = 0) -> list[Word]:
    """The words of ``text`` as the page holds them, in reading order (across lines when it wraps), the first
    time they occur at or after word ``start``; [] when they do not."""
    want = text.split()
    got = [w.text for w in page.words]
    for i in range(start, len(got) - len(want) + 1):
        if got[i : i + len(want)] == want:
            return list(page.words[i : i + len(want)])
    return []


def block_words(page: PdfPage, texts: list[str]) -> list[list[Word]]:
    """The words of each of ``texts``, found in order: each after the one before (a legend's title, then its
    labels), so that a "3" of the legend is not taken for a "3" on the map."""
    found: list[list[Word]] = []
    start = 0
    for text in texts:
        words = words_of(page, text, start=start)
        found.append(words)
        if words:
            start = page.words.index(words[-1]) + 1
    return found


@dataclass(frozen=True)
class Region:
    """The smallest rectangle around some words, points (y down)."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Region, *, tol: float = TOLERANCE_PT) -> bool:
        return (
            min(self.x1, other.x1) - max(self.x0, other.x0) > tol
            and min(self.y1, other.y1) - max(self.y0, other.y0) > tol
        )


def region(words: list[Word]) -> Region:
    assert words, "no words to bound"
    return Region(
        min(w.x0 for w in words), min(w.y0 for w in words), max(w.x1 for w in words), max(w.y1 for w in words)
    )
