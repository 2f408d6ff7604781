"""Renderers of the meeting report: PNG (slide or letter page), the PDF handout and the offline HTML map.

Each renderer checks the :class:`~geo.exports.model.Report` first (:func:`geo.exports.model.check_report`:
a public report carries only grid cells), then draws it with :mod:`geo.exports.sheet` (matplotlib,
EPSG:32611 metres) or :mod:`geo.exports.html` (Leaflet inlined, no external URL).
:func:`write_report` picks the format from the file suffix and writes atomically.
"""

from __future__ import annotations

from pathlib import Path

from geo.core.errors import AnalysisError
from geo.core.store import write_bytes_atomic, write_text_atomic
from geo.exports.html import html_document
from geo.exports.model import FORMATS, SIZES, Report, check_report
from geo.exports.sheet import figure_bytes


def render_png(report: Report, *, size: str = "slide") -> bytes:
    """The report as a PNG: ``"slide"`` (1920x1080 px, large type) or ``"letter"`` (1275x1650 px handout)."""
    check_report(report)
    if size not in SIZES:
        msg = f"size must be one of {list(SIZES)}, got {size!r}"
        raise AnalysisError(msg)
    return figure_bytes(report, size=size, fmt="png")


def render_pdf(report: Report) -> bytes:
    """The one-page US Letter handout as PDF bytes (map, three key figures, trend, summary, caveats)."""
    check_report(report)
    return figure_bytes(report, size="letter", fmt="pdf")


def render_html(report: Report) -> str:
    """A standalone HTML map (Leaflet inlined, no external URL) with the title, legend and caveats."""
    check_report(report)
    return html_document(report)


def write_report(report: Report, path: str | Path, *, size: str = "slide") -> Path:
    """Write the report to ``path``; the suffix (``.pdf``, ``.png``, ``.html``) chooses the format.

    ``size`` applies to PNG only (``"slide"`` or ``"letter"``). Returns the path written.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        msg = f"report file must end in .pdf, .png or .html, got {path.name!r}"
        raise AnalysisError(msg)
    if fmt == "html":
        return write_text_atomic(path, render_html(report))
    data = render_pdf(report) if fmt == "pdf" else render_png(report, size=size)
    return write_bytes_atomic(path, data)
