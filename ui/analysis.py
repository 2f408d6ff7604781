"""Cached analysis for the pages, keyed on plain values: file path + mtime + the filter query.

Results are small (indices, cells, contours, tables); the incident table itself is shared
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

from geo.analysis.gistar import TooFewEventsWarning, hotspots_grid
from geo.analysis.grid import square_counts
from geo.analysis.kde import kde, kde_contours
from geo.analysis.rings import ring_counts, ring_polygons
from geo.core import filters
from geo.data import datasets
from ui import data

Query = tuple[tuple[str, str], ...]


def query_key(f: filters.Filters) -> Query:
    """A hashable, plain cache key for ``f``."""
    return tuple(sorted(f.to_query().items()))


def _filters(query: Query) -> filters.Filters:
    return filters.Filters.from_query(dict(query))[0]


@st.cache_data(show_spinner=False, max_entries=64)
def _positions(path: str, mtime: float, query: Query) -> np.ndarray:
    inc = data._incidents(path, mtime)
    derived = data._derived(path, mtime)
    return np.flatnonzero(filters.mask(inc, _filters(query), derived).to_numpy())


def view(path: Path, f: filters.Filters, lang: str) -> gpd.GeoDataFrame:
    """The incidents matching ``f`` (a view of the shared table)."""
    inc = data.incidents(path, lang)
    return inc.iloc[_positions(str(path), data.mtime(path), query_key(f))]


@st.cache_data(show_spinner=False, max_entries=32)
def _grid(
    path: str, mtime: float, query: Query, cell_m: float, only: str | None, exclude: str | None
) -> gpd.GeoDataFrame:
    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    if only is not None:
        inc = inc[inc["category"] == only]
    if exclude is not None:
        inc = inc[inc["category"] != exclude]
    cells = square_counts(inc, cell_m=cell_m) if len(inc) else inc.iloc[0:0].assign(count=0)
    cells.attrs = {}
    return cells


def grid_counts(
    path: Path, f: filters.Filters, cell_m: float, *, only: str | None = None, exclude: str | None = None
) -> gpd.GeoDataFrame:
    """Counts per square cell of ``cell_m`` metres (EPSG:4326 polygons), for one category or all but one."""
    return _grid(str(path), data.mtime(path), query_key(f), cell_m, only, exclude)


@st.cache_data(show_spinner=False, max_entries=32)
def _gistar(path: str, mtime: float, query: Query, cell_m: float, alpha: float, min_events: int):  # type: ignore[no-untyped-def]
    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    if len(inc) == 0:
        return inc.iloc[0:0].assign(count=0, gi_z=0.0, gi_class=0), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        cells = hotspots_grid(inc, cell_m=cell_m, alpha=alpha, min_events=min_events)
    n = int(cells.attrs.get("n_events", len(inc)))
    cells.attrs = {}
    return cells, n


def gistar(path: Path, f: filters.Filters, *, cell_m: float, alpha: float, min_events: int):  # type: ignore[no-untyped-def]
    """Gi* cells (with ``gi_class``) and the number of events behind them."""
    return _gistar(str(path), data.mtime(path), query_key(f), cell_m, alpha, min_events)


@st.cache_data(show_spinner=False, max_entries=32)
def _kde(path: str, mtime: float, query: Query, cell_m: float, bandwidth: float | None):  # type: ignore[no-untyped-def]
    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    if len(inc) < 3:
        return None
    result = kde(inc, cell_m=cell_m, bandwidth_m=bandwidth)
    contours = kde_contours(result)
    contours.attrs = {}
    return contours, result.describe()


def heat(path: Path, f: filters.Filters, *, cell_m: float, bandwidth: float | None):  # type: ignore[no-untyped-def]
    """KDE contours and the description (bandwidth, rule) of the surface, or None with too few points."""
    return _kde(str(path), data.mtime(path), query_key(f), cell_m, bandwidth)


@st.cache_data(show_spinner=False, max_entries=32)
def _place(places_path: str, places_mtime: float, name: str) -> gpd.GeoDataFrame:
    places = data._places(places_path, places_mtime)
    hit = datasets.place_by_name(places, name)
    parks_first = hit.sort_values("kind", key=lambda k: k.map({"park": 0, "housing": 1}).fillna(2))
    return parks_first.iloc[[0]]


def place(places_path: Path, name: str, lang: str) -> gpd.GeoDataFrame:
    """One place by name (a park or housing development before its CSP outline)."""
    data.places(places_path, lang)  # error panel on a bad file
    return _place(str(places_path), data.mtime(places_path), name)


@st.cache_data(show_spinner=False, max_entries=32)
def _rings(places_path: str, places_mtime: float, name: str, rings_m: tuple[float, ...]) -> gpd.GeoDataFrame:
    return ring_polygons(_place(places_path, places_mtime, name), rings_m=rings_m)


def rings(places_path: Path, name: str, rings_m: tuple[float, ...]) -> gpd.GeoDataFrame:
    """Ring polygons around a place."""
    return _rings(str(places_path), data.mtime(places_path), name, rings_m)


@st.cache_data(show_spinner=False, max_entries=32)
def _ring_table(
    path: str, mtime: float, query: Query, places_path: str, places_mtime: float, name: str, rings_m: tuple[float, ...]
) -> pd.DataFrame:
    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    return ring_counts(inc, _place(places_path, places_mtime, name), rings_m=rings_m, by=("year",))


def ring_table(
    path: Path, f: filters.Filters, places_path: Path, name: str, rings_m: tuple[float, ...]
) -> pd.DataFrame:
    """Counts by year and band (``year, band, from_m, to_m, count``) for the incidents in view."""
    return _ring_table(
        str(path), data.mtime(path), query_key(f), str(places_path), data.mtime(places_path), name, rings_m
    )


@st.cache_data(show_spinner=False, max_entries=32)
def _series(
    path: str,
    mtime: float,
    query: Query,
    places_path: str,
    places_mtime: float,
    names: tuple[str, ...],
    within_m: float,
    freq: str,
    nibrs_break: str,
) -> pd.DataFrame:
    from geo.analysis.trends import place_series

    f = _filters(query)
    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    if inc.empty and not (f.start and f.end):
        return pd.DataFrame()
    frames = []
    for name in names:
        s = place_series(
            inc, _place(places_path, places_mtime, name), within_m=within_m, freq=freq,
            start=f.start, end=f.end, nibrs_break=nibrs_break,
        )  # fmt: skip
        frames.append(s.assign(place=name))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def series(
    path: Path, f: filters.Filters, places_path: Path, names: tuple[str, ...], *, within_m: float, freq: str,
    nibrs_break: str,
) -> pd.DataFrame:  # fmt: skip
    """Monthly or yearly counts near each named place (``place, period, period_start, count, era``)."""
    return _series(
        str(path), data.mtime(path), query_key(f), str(places_path), data.mtime(places_path), names, within_m, freq,
        nibrs_break,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluation(
    path: str,
    mtime: float,
    query: Query,
    places_path: str,
    places_mtime: float,
    treated: str,
    control: tuple[str, ...],
    start: str,
    buffer_m: float,
    min_events: int,
) -> dict[str, Any]:
    from geo.analysis.evaluate import evaluate_program
    from geo.core.errors import AnalysisError

    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    places = data._places(places_path, places_mtime)
    ctrl = places[places["name"].isin(control) & places["kind"].isin(["park", "housing"])]
    try:
        result = evaluate_program(
            inc, _place(places_path, places_mtime, treated), ctrl, start=start, buffer_m=buffer_m, min_events=min_events
        )
    except AnalysisError as exc:
        return {"error": str(exc)}
    out = result.to_dict()
    out["reading_obj"] = result.reading
    out["displacement_obj"] = result.displacement
    out["monthly_frame"] = result.monthly
    return out


def evaluation(
    path: Path, f: filters.Filters, places_path: Path, *, treated: str, control: tuple[str, ...], start: str,
    buffer_m: float, min_events: int,
) -> dict[str, Any]:  # fmt: skip
    """The program evaluation as plain values (``error`` set when it cannot be computed)."""
    undated = f.replace(start=None, end=None)
    return _evaluation(
        str(path), data.mtime(path), query_key(undated), str(places_path), data.mtime(places_path), treated,
        control, start, buffer_m, min_events,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def _report(
    path: str, mtime: float, query: Query, places_path: str, places_mtime: float, streets_path: str,
    streets_mtime: float, lang: str, privacy: str, fmt: str, settings_json: str,
) -> bytes:  # fmt: skip
    from geo.core.settings import Settings
    from geo.exports.report import build_report, render_html, render_pdf, render_png

    f = _filters(query)
    undated = f.replace(start=None, end=None)
    full = data._incidents(path, mtime)
    inc = full.iloc[_positions(path, mtime, query_key(undated))]
    report = build_report(
        inc, data._places(places_path, places_mtime), data._streets(streets_path, streets_mtime),
        place=f.place, start=f.start, end=f.end, lang=lang, privacy=privacy,
        settings=Settings.model_validate_json(settings_json),
        data_as_of=full["occurred_at"].max().date() if len(full) else None,
    )  # fmt: skip
    if fmt == "pdf":
        return render_pdf(report)
    if fmt == "html":
        return render_html(report).encode("utf-8")
    return render_png(report, size=fmt.removeprefix("png-"))


def report_bytes(settings, f: filters.Filters, *, lang: str, privacy: str, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    """A rendered export (``pdf``, ``html``, ``png-slide`` or ``png-letter``) of the current view."""
    src = settings.sources
    return _report(
        str(src.incidents), data.mtime(src.incidents), query_key(f), str(src.places), data.mtime(src.places),
        str(src.streets), data.mtime(src.streets), lang, privacy, fmt, settings.model_dump_json(),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=16)
def _zone_counts(path: str, mtime: float, query: Query, zones_path: str, zones_mtime: float) -> gpd.GeoDataFrame:
    from geo.analysis.zones import zone_counts
    from geo.core.projection import to_wgs84
    from geo.core.store import read_geoparquet

    zones = to_wgs84(read_geoparquet(zones_path))
    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    counts = zone_counts(inc, zones, key="name")
    counts.attrs = {}
    return counts


def zone_counts(path: Path, f: filters.Filters, zones_path: Path) -> gpd.GeoDataFrame:
    """Zones of a stored boundary layer with the number of incidents in view in each (EPSG:4326)."""
    return _zone_counts(str(path), data.mtime(path), query_key(f), str(zones_path), data.mtime(zones_path))


@st.cache_data(show_spinner=False, max_entries=16)
def _ranking(
    path: str,
    mtime: float,
    query: Query,
    places_path: str,
    places_mtime: float,
    within_m: float,
    kinds: tuple[str, ...],
) -> pd.DataFrame:
    from geo.analysis.rings import rank_places

    f = _filters(query)
    inc = data._incidents(path, mtime).iloc[_positions(path, mtime, query)]
    places = data._places(places_path, places_mtime)
    if inc.empty:
        return pd.DataFrame()
    years = None
    if f.start and f.end:
        years = max((f.end - f.start).days + 1, 1) / 365.25
    ranked = rank_places(inc, places, within_m=within_m, kind=list(kinds), years=years)
    return pd.DataFrame(ranked.drop(columns="geometry"))


def ranking(
    path: Path, f: filters.Filters, places_path: Path, *, within_m: float, kinds: tuple[str, ...]
) -> pd.DataFrame:
    """Places ranked by incidents in view within ``within_m`` metres of their border, per km and per year."""
    return _ranking(
        str(path), data.mtime(path), query_key(f), str(places_path), data.mtime(places_path), within_m, kinds
    )
