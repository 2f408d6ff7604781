"""Cached analysis for the pages, keyed on plain values: a data file's key and the :class:`Filters` value.

Every result starts from :func:`incidents_in_view`, the one road from the shared incident table to the rows
a view shows. Results are small (indices, cells, contours, tables); the incident table itself is shared
read-only through :mod:`ui.data`.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from numpy.typing import NDArray

from geo.analysis.gistar import TooFewEventsWarning, hotspots_grid
from geo.analysis.grid import square_counts
from geo.analysis.kde import kde, kde_contours
from geo.analysis.rings import ring_counts, ring_polygons
from geo.core.filters import Filters, mask
from geo.core.settings import Settings
from geo.data import datasets
from geo.exports.model import Report
from ui import data
from ui.data import FileKey, file_key


@st.cache_data(show_spinner=False, max_entries=64)
def _positions(key: FileKey, f: Filters) -> NDArray[np.intp]:
    inc = data.incidents_table(key)
    return np.flatnonzero(mask(inc, f, data.derived_table(key)).to_numpy())


def incidents_in_view(key: FileKey, f: Filters) -> gpd.GeoDataFrame:
    """The incidents of ``key`` matching ``f``: rows of the shared table, selected once per filter value."""
    return data.incidents_table(key).iloc[_positions(key, f)]


def view(path: Path, f: Filters, lang: str) -> gpd.GeoDataFrame:
    """The incidents of ``path`` matching ``f`` (an error panel when the file cannot be read)."""
    data.incidents(path, lang)
    return incidents_in_view(file_key(path), f)


@st.cache_data(show_spinner=False, max_entries=32)
def _grid(key: FileKey, f: Filters, cell_m: float, only: str | None, exclude: str | None) -> gpd.GeoDataFrame:
    inc = incidents_in_view(key, f)
    if only is not None:
        inc = inc[inc["category"] == only]
    if exclude is not None:
        inc = inc[inc["category"] != exclude]
    cells = square_counts(inc, cell_m=cell_m) if len(inc) else inc.iloc[0:0].assign(count=0)
    cells.attrs = {}
    return cells


def grid_counts(
    path: Path, f: Filters, cell_m: float, *, only: str | None = None, exclude: str | None = None
) -> gpd.GeoDataFrame:
    """Counts per square cell of ``cell_m`` metres (EPSG:4326 polygons), for one category or all but one."""
    return _grid(file_key(path), f, cell_m, only, exclude)


@st.cache_data(show_spinner=False, max_entries=32)
def _gistar(key: FileKey, f: Filters, cell_m: float, alpha: float, min_events: int) -> tuple[gpd.GeoDataFrame, int]:
    inc = incidents_in_view(key, f)
    if len(inc) == 0:
        return inc.iloc[0:0].assign(count=0, gi_z=0.0, gi_class=0), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        cells = hotspots_grid(inc, cell_m=cell_m, alpha=alpha, min_events=min_events)
    n = int(cells.attrs.get("n_events", len(inc)))
    cells.attrs = {}
    return cells, n


def gistar(path: Path, f: Filters, *, cell_m: float, alpha: float, min_events: int) -> tuple[gpd.GeoDataFrame, int]:
    """Gi* cells (with ``gi_class``) and the number of events behind them."""
    return _gistar(file_key(path), f, cell_m, alpha, min_events)


@st.cache_data(show_spinner=False, max_entries=32)
def _kde(key: FileKey, f: Filters, cell_m: float, bandwidth: float | None) -> tuple[gpd.GeoDataFrame, Any] | None:
    inc = incidents_in_view(key, f)
    if len(inc) < 3:
        return None
    result = kde(inc, cell_m=cell_m, bandwidth_m=bandwidth)
    contours = kde_contours(result)
    contours.attrs = {}
    return contours, result.describe()


def heat(path: Path, f: Filters, *, cell_m: float, bandwidth: float | None) -> tuple[gpd.GeoDataFrame, Any] | None:
    """KDE contours and the description (bandwidth, rule) of the surface, or None with too few points."""
    return _kde(file_key(path), f, cell_m, bandwidth)


@st.cache_data(show_spinner=False, max_entries=32)
def _place(key: FileKey, name: str) -> gpd.GeoDataFrame:
    hit = datasets.place_by_name(data.places_table(key), name)
    parks_first = hit.sort_values("kind", key=lambda k: k.map({"park": 0, "housing": 1}).fillna(2))
    return parks_first.iloc[[0]]


def focus_place(key: FileKey, name: str) -> gpd.GeoDataFrame:
    """One place of the place file ``key`` by name (a park or housing development before its CSP outline)."""
    return _place(key, name)


def place(places_path: Path, name: str, lang: str) -> gpd.GeoDataFrame:
    """One place by name (an error panel when the place file cannot be read)."""
    data.places(places_path, lang)
    return _place(file_key(places_path), name)


@st.cache_data(show_spinner=False, max_entries=32)
def _rings(key: FileKey, name: str, rings_m: tuple[float, ...]) -> gpd.GeoDataFrame:
    return ring_polygons(_place(key, name), rings_m=rings_m)


def rings(places_path: Path, name: str, rings_m: tuple[float, ...]) -> gpd.GeoDataFrame:
    """Ring polygons around a place."""
    return _rings(file_key(places_path), name, rings_m)


@st.cache_data(show_spinner=False, max_entries=32)
def _ring_table(key: FileKey, f: Filters, places: FileKey, name: str, rings_m: tuple[float, ...]) -> pd.DataFrame:
    return ring_counts(incidents_in_view(key, f), _place(places, name), rings_m=rings_m, by=("year",))


def ring_table(path: Path, f: Filters, places_path: Path, name: str, rings_m: tuple[float, ...]) -> pd.DataFrame:
    """Counts by year and band (``year, band, from_m, to_m, count``) for the incidents in view."""
    return _ring_table(file_key(path), f, file_key(places_path), name, rings_m)


@st.cache_data(show_spinner=False, max_entries=32)
def _series(
    key: FileKey, f: Filters, places: FileKey, names: tuple[str, ...], within_m: float, freq: str, nibrs_break: str
) -> pd.DataFrame:
    from geo.analysis.trends import place_series

    inc = incidents_in_view(key, f)
    if inc.empty and not (f.start and f.end):
        return pd.DataFrame()
    frames = [
        place_series(
            inc, _place(places, name), within_m=within_m, freq=freq, start=f.start, end=f.end, nibrs_break=nibrs_break
        ).assign(place=name)
        for name in names
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def series(
    path: Path, f: Filters, places_path: Path, names: tuple[str, ...], *, within_m: float, freq: str, nibrs_break: str
) -> pd.DataFrame:
    """Monthly or yearly counts near each named place (``place, period, period_start, count, era``)."""
    return _series(file_key(path), f, file_key(places_path), names, within_m, freq, nibrs_break)


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluation(
    key: FileKey, f: Filters, places: FileKey, treated: str, control: tuple[str, ...], start: str, buffer_m: float,
    min_events: int,
) -> dict[str, Any]:  # fmt: skip
    from geo.analysis.evaluate import evaluate_program
    from geo.core.errors import AnalysisError

    table = data.places_table(places)
    ctrl = table[table["name"].isin(control) & table["kind"].isin(["park", "housing"])]
    try:
        result = evaluate_program(
            incidents_in_view(key, f), _place(places, treated), ctrl, start=start, buffer_m=buffer_m,
            min_events=min_events,
        )  # fmt: skip
    except AnalysisError as exc:
        return {"error": str(exc)}
    out = result.to_dict()
    out["reading_obj"] = result.reading
    out["displacement_obj"] = result.displacement
    out["monthly_frame"] = result.monthly
    return out


def evaluation(
    path: Path, f: Filters, places_path: Path, *, treated: str, control: tuple[str, ...], start: str,
    buffer_m: float, min_events: int,
) -> dict[str, Any]:  # fmt: skip
    """The program evaluation as plain values (``error`` set when it cannot be computed); all dates of ``f``."""
    return _evaluation(
        file_key(path), f.replace(start=None, end=None), file_key(places_path), treated, control, start, buffer_m,
        min_events,
    )  # fmt: skip


@st.cache_resource(show_spinner=False, max_entries=8)
def _build_report(
    key: FileKey, f: Filters, places: FileKey, streets: FileKey, lang: str, privacy: str, settings: Settings
) -> Report:
    from geo.exports.report import build_report

    return build_report(
        data.incidents_table(key), data.places_table(places), data.streets_table(streets), filters=f,
        derived=data.derived_table(key), lang=lang, privacy=privacy, settings=settings,
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


@st.cache_data(show_spinner=False, max_entries=16)
def _zone_counts(key: FileKey, f: Filters, zones: FileKey) -> gpd.GeoDataFrame:
    from geo.analysis.zones import zone_counts
    from geo.core.projection import to_wgs84

    counts = zone_counts(incidents_in_view(key, f), to_wgs84(datasets.read_layer(zones.path)), key="name")
    counts.attrs = {}
    return counts


def zone_counts(path: Path, f: Filters, zones_path: Path) -> gpd.GeoDataFrame:
    """Zones of a stored boundary layer with the number of incidents in view in each (EPSG:4326)."""
    return _zone_counts(file_key(path), f, file_key(zones_path))


@st.cache_data(show_spinner=False, max_entries=16)
def _ranking(key: FileKey, f: Filters, places: FileKey, within_m: float, kinds: tuple[str, ...]) -> pd.DataFrame:
    from geo.analysis.rings import rank_places

    inc = incidents_in_view(key, f)
    if inc.empty:
        return pd.DataFrame()
    years = max((f.end - f.start).days + 1, 1) / 365.25 if f.start and f.end else None
    ranked = rank_places(inc, data.places_table(places), within_m=within_m, kind=list(kinds), years=years)
    return pd.DataFrame(ranked.drop(columns="geometry"))


def ranking(path: Path, f: Filters, places_path: Path, *, within_m: float, kinds: tuple[str, ...]) -> pd.DataFrame:
    """Places ranked by incidents in view within ``within_m`` metres of their border, per km and per year."""
    return _ranking(file_key(path), f, file_key(places_path), within_m, kinds)
