"""Cached community-meeting exports of the current view for the Present page (keyed on plain values)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from geo.core.filters import Filters
from geo.core.i18n import t
from geo.core.notes import Note
from geo.core.settings import Settings
from geo.exports.model import Report
from ui import data
from ui.access import download_data
from ui.data import FileKey, file_key

LANG_KEY = "p_lang"
"""The Present page's export-language choice."""
_LANG_FOR = "p_lang_for"


def follow_page_language(lang: str, available: tuple[str, ...]) -> None:
    """Let the export-language choice follow the page's language: set to ``lang`` when the page first
    shows it and each time the page's language changes; a choice made since is kept (a Spanish page
    can still export an English handout)."""
    if st.session_state.get(_LANG_FOR) != lang:
        st.session_state[_LANG_FOR] = lang
        if lang in available:
            st.session_state[LANG_KEY] = lang


@dataclass(frozen=True)
class ReportKey:
    """What an export is made of, as the caches key it: the files as they are now, the filters, the language, the
    privacy mode and the store's time (a new survey answer changes "Residents say")."""

    incidents: FileKey
    filters: Filters
    places: FileKey
    streets: FileKey
    lang: str
    privacy: str
    store: float
    notes: tuple[Note, ...] = ()

    @classmethod
    def of(cls, settings: Settings, f: Filters, *, lang: str, privacy: str, notes: tuple[Note, ...] = ()) -> ReportKey:
        """The key of the current view's export (with the notes for the meeting, :mod:`ui.notes`)."""
        src = settings.sources
        return cls(file_key(src.incidents), f, file_key(src.places), file_key(src.streets), lang, privacy,
                   data.mtime(Path(src.store_dir)), notes)  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=8)
def _build_report(k: ReportKey, settings: Settings) -> Report:
    from geo.data.coverage import division_layer
    from geo.data.labels import source_line
    from geo.data.stores import store_location
    from geo.exports.helpnear import for_meeting
    from geo.exports.report import build_report

    meta = data.layer_meta(Path(k.incidents.path), "")
    cov = data.coverage_for(k.incidents, settings.sources.store_dir)
    report = build_report(
        data.incidents_table(k.incidents), data.places_table(k.places), data.streets_table(k.streets),
        filters=k.filters, derived=data.derived_table(k.incidents), lang=k.lang, privacy=k.privacy, settings=settings,
        source_line=source_line(meta, k.lang, coverage=cov), coverage=cov,
        min_share=settings.workspace.coverage_min_share,
        boundaries=None if meta.get("synthetic") else division_layer(store_location(settings.sources)),
    )  # fmt: skip
    return for_meeting(report, settings).with_notes(k.notes)


@st.cache_data(show_spinner=False, max_entries=16)
def _report(k: ReportKey, fmt: str, settings: Settings) -> bytes:
    from geo.exports.render import render_html, render_pdf, render_png

    report = _build_report(k, settings)
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    return render_png(report, size=fmt.removeprefix("png-"))


@st.cache_data(show_spinner=False, max_entries=16)
def _report_text(k: ReportKey, settings: Settings) -> tuple[str, str]:
    report = _build_report(k, settings)
    figures = "; ".join(f"{fig.label}: {fig.value}" for fig in report.figures)
    said = f" {' '.join(report.residents)}" if report.residents else ""
    noted = "".join(f" {t('notes.listed', k.lang, n=i, text=n.text)}." for i, n in enumerate(report.notes, start=1))
    return report.title, f"{report.period_text}. {figures}. {report.summary}{said}{noted}"


def report_text(settings: Settings, f: Filters, *, lang: str, privacy: str,
                notes: tuple[Note, ...] = ()) -> tuple[str, str]:  # fmt: skip
    """The export's title and a text alternative of it (period, key figures, summary, residents, notes), for
    screen readers."""
    return _report_text(ReportKey.of(settings, f, lang=lang, privacy=privacy, notes=notes), settings)


def report_bytes(settings: Settings, f: Filters, *, lang: str, privacy: str, fmt: str,
                 notes: tuple[Note, ...] = ()) -> bytes:  # fmt: skip
    """A rendered export (``pdf``, ``html``, ``png-slide`` or ``png-letter``) of the current view."""
    return _report(ReportKey.of(settings, f, lang=lang, privacy=privacy, notes=notes), fmt, settings)


def export_data(settings: Settings, f: Filters, *, lang: str, privacy: str, fmt: str,
                notes: tuple[Note, ...] = ()) -> Callable[[], bytes | str]:  # fmt: skip
    """A download button's data: the export in ``fmt``, made when the button is pressed; an internal one is
    first added to the audit record (:func:`ui.access.recorded_export`), and refused when it cannot be."""

    def make() -> bytes | str:
        return report_bytes(settings, f, lang=lang, privacy=privacy, fmt=fmt, notes=notes)

    return download_data(settings, make, public=privacy == "public", what=f"present:{fmt}:{lang}", filters=f)
