"""Cached community-meeting exports of the current view for the Present page (keyed on plain values)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from geo.core.filters import Filters
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


@st.cache_resource(show_spinner=False, max_entries=8)
def _build_report(
    key: FileKey, f: Filters, places: FileKey, streets: FileKey, lang: str, privacy: str, settings: Settings
) -> Report:
    from geo.data.coverage import division_layer
    from geo.data.labels import source_line
    from geo.data.stores import store_location
    from geo.exports.report import build_report

    meta = data.layer_meta(Path(key.path), "")
    cov = data.coverage_for(key, settings.sources.store_dir)
    return build_report(
        data.incidents_table(key), data.places_table(places), data.streets_table(streets), filters=f,
        derived=data.derived_table(key), lang=lang, privacy=privacy, settings=settings,
        source_line=source_line(meta, lang, coverage=cov), coverage=cov,
        min_share=settings.workspace.coverage_min_share,
        boundaries=None if meta.get("synthetic") else division_layer(store_location(settings.sources)),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def _report(
    key: FileKey, f: Filters, places: FileKey, streets: FileKey, lang: str, privacy: str, fmt: str, settings: Settings
) -> bytes:
    from geo.exports.render import render_html, render_pdf, render_png

    report = _build_report(key, f, places, streets, lang, privacy, settings)
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    return render_png(report, size=fmt.removeprefix("png-"))


@st.cache_data(show_spinner=False, max_entries=16)
def _report_text(
    key: FileKey, f: Filters, places: FileKey, streets: FileKey, lang: str, privacy: str, settings: Settings
) -> tuple[str, str]:
    report = _build_report(key, f, places, streets, lang, privacy, settings)
    figures = "; ".join(f"{fig.label}: {fig.value}" for fig in report.figures)
    return report.title, f"{report.period_text}. {figures}. {report.summary}"


def report_text(settings: Settings, f: Filters, *, lang: str, privacy: str) -> tuple[str, str]:
    """The export's title and a text alternative of it (period, key figures, summary), for screen readers."""
    src = settings.sources
    return _report_text(
        file_key(src.incidents), f, file_key(src.places), file_key(src.streets), lang, privacy, settings
    )


def report_bytes(settings: Settings, f: Filters, *, lang: str, privacy: str, fmt: str) -> bytes:
    """A rendered export (``pdf``, ``html``, ``png-slide`` or ``png-letter``) of the current view."""
    src = settings.sources
    return _report(
        file_key(src.incidents), f, file_key(src.places), file_key(src.streets), lang, privacy, fmt, settings
    )


def export_data(settings: Settings, f: Filters, *, lang: str, privacy: str, fmt: str) -> Callable[[], bytes | str]:
    """A download button's data: the export in ``fmt``, made when the button is pressed; an internal one is
    first added to the audit record (:func:`ui.access.recorded_export`), and refused when it cannot be."""

    def make() -> bytes | str:
        return report_bytes(settings, f, lang=lang, privacy=privacy, fmt=fmt)

    return download_data(settings, make, public=privacy == "public", what=f"present:{fmt}:{lang}", filters=f)
