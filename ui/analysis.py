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

from geo.analysis.gistar import TooFewEventsWarning
from geo.analysis.grid import make_grid
from geo.analysis.hotspots import configured_hotspots
from geo.analysis.kde import configured_kde, kde_contours
from geo.analysis.rings import RingSummary, ring_counts, ring_polygons
from geo.core.errors import AnalysisError, DataError
from geo.core.filters import Filters, mask, near
from geo.core.projection import points_metric
from geo.core.settings import AnalysisSettings, Settings, get_settings
from geo.data import datasets
from ui import data
from ui.data import FileKey, file_key

PICKER_KINDS = ("park", "housing", "own")


@st.cache_data(show_spinner=False, max_entries=64)
def _packed(key: FileKey, f: Filters) -> NDArray[np.uint8]:
    """The view's row mask, one bit a row (125 kB at a million incidents, where positions would take 8 MB)."""
    return np.packbits(mask(data.incidents_table(key), f, data.derived_table(key)).to_numpy())


def _positions(key: FileKey, f: Filters) -> NDArray[np.intp]:
    n = len(data.incidents_table(key))
    return np.flatnonzero(np.unpackbits(_packed(key, f), count=n))


def incidents_in_view(key: FileKey, f: Filters) -> gpd.GeoDataFrame:
    """The incidents of ``key`` matching ``f``: rows of the shared table, selected once per filter value."""
    table, pos = data.incidents_table(key), _positions(key, f)
    return table.copy(deep=False) if len(pos) == len(table) else table.iloc[pos]  # every row: no copy (copy-on-write)


def view(path: Path, f: Filters, lang: str) -> gpd.GeoDataFrame:
    """The incidents of ``path`` matching ``f`` (an error panel when the file cannot be read)."""
    data.incidents(path, lang)
    return incidents_in_view(file_key(path), f)


def count(path: Path, f: Filters) -> int:
    """How many incidents of ``path`` match ``f`` (no rows copied)."""
    return len(_positions(file_key(path), f))


@st.cache_resource(show_spinner=False, max_entries=4)
def _category_codes(key: FileKey) -> tuple[NDArray[np.int16], tuple[str, ...]]:
    """Every incident's category as a code into the sorted category keys (missing: ``other``), once per process.

    2 MB at a million incidents; counting and selecting by category then never touch the strings.
    """
    raw = data.incidents_table(key)["category"].astype(object).where(lambda c: c.notna(), "other").astype(str)
    found, keys = pd.factorize(raw, sort=True)
    codes = found.astype(np.int16)
    codes.setflags(write=False)  # shared by every session
    return codes, tuple(str(k) for k in keys)


def _selected(key: FileKey, f: Filters, only: str | None, exclude: str | None) -> NDArray[np.intp]:
    """Positions of the incidents in view, of one category or all but one."""
    pos = _positions(key, f)
    if only is not None or exclude is not None:
        codes, keys = _category_codes(key)
        wanted = only or exclude
        same = codes[pos] == keys.index(wanted) if wanted in keys else np.zeros(len(pos), dtype=bool)
        pos = pos[same if only is not None else ~same]
    return pos


def count_of(path: Path, f: Filters, *, only: str | None = None, exclude: str | None = None) -> int:
    """How many incidents in view are of category ``only`` (or not of ``exclude``); no rows copied."""
    return len(_selected(file_key(path), f, only, exclude))


def rows_of(path: Path, f: Filters, *, only: str | None = None, exclude: str | None = None) -> gpd.GeoDataFrame:
    """The incidents in view of category ``only`` (or all but ``exclude``): only those rows are copied."""
    key = file_key(path)
    return data.incidents_table(key).iloc[_selected(key, f, only, exclude)]


@st.cache_data(show_spinner=False, max_entries=64)
def _category_counts(key: FileKey, f: Filters) -> pd.Series:
    codes, keys = _category_codes(key)
    counts = np.bincount(codes[_positions(key, f)], minlength=len(keys))
    return pd.Series(counts, index=list(keys), name="count")[counts > 0]


def category_counts(path: Path, f: Filters) -> pd.Series:
    """Incidents in view by category (missing categories count as ``other``), sorted by category key."""
    return _category_counts(file_key(path), f)


@st.cache_resource(show_spinner=False, max_entries=4)
def _metric_xy(key: FileKey) -> NDArray[np.float64]:
    """Every incident's point in EPSG:32611 metres, projected once per process (16 MB at 1M incidents)."""
    xy = points_metric(data.incidents_table(key))
    xy.setflags(write=False)  # shared by every session
    return xy


@st.cache_data(show_spinner=False, max_entries=32)
def _grid(key: FileKey, f: Filters, cell_m: float, only: str | None, exclude: str | None) -> gpd.GeoDataFrame:
    pos = _selected(key, f, only, exclude)
    if not len(pos):
        return data.incidents_table(key).iloc[0:0].assign(count=0)
    xy = _metric_xy(key)[pos]
    grid = make_grid(xy, cell_m=cell_m)
    counts = grid.counts(xy)
    cells = grid.to_gdf({"count": counts}, keep=counts > 0)  # as square_counts, without projecting again
    cells.attrs = {}
    return cells


def grid_counts(
    path: Path, f: Filters, cell_m: float, *, only: str | None = None, exclude: str | None = None
) -> gpd.GeoDataFrame:
    """Counts per square cell of ``cell_m`` metres (EPSG:4326 polygons), for one category or all but one."""
    return _grid(file_key(path), f, cell_m, only, exclude)


GI_ATTRS = ("inference", "permutations", "alpha", "cold_possible", "resolution_limited", "study_area_guess", "n_cells")
"""What the Gi* layer's legend names from a result (the inference used and the limits of this data)."""


def _focus_area(places: FileKey, name: str | None, buffer_m: float) -> Any:
    """The study area of a map around a focus place: the place buffered by ``buffer_m`` metres (None without one)."""
    from geo.analysis.study import study_area_around

    return study_area_around(_place(places, name), buffer_m=buffer_m) if name else None


@st.cache_data(show_spinner=False, max_entries=32)
def _gistar(
    key: FileKey, f: Filters, places: FileKey, a: AnalysisSettings, focus_m: float
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    inc = incidents_in_view(key, f)
    if len(inc) == 0:
        return inc.iloc[0:0].assign(count=0, gi_z=0.0, gi_class=0), {"n_events": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        cells = configured_hotspots(inc, a, study_area=_focus_area(places, f.place, focus_m))
    keep = (*GI_ATTRS, "n_events", "warning_key", "warning_params", "notes")
    attrs = {k: cells.attrs[k] for k in keep if k in cells.attrs}
    attrs["resolution_limited"] = bool(attrs.get("resolution_limited")) and not cells.attrs.get("exact_cells")
    attrs.setdefault("n_events", len(inc))
    cells.attrs = {}
    return cells, attrs


def gistar(settings: Settings, f: Filters) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Gi* cells (with ``gi_class``) over the focus area, and what the legend, the warning and the notes need."""
    src = settings.sources
    return _gistar(file_key(src.incidents), f, file_key(src.places), settings.analysis, settings.analysis.focus_area_m)


@st.cache_data(show_spinner=False, max_entries=32)
def _kde(key: FileKey, f: Filters, a: AnalysisSettings) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    heat = configured_kde(incidents_in_view(key, f), a, start=f.start, end=f.end)
    if heat.result is None:
        return gpd.GeoDataFrame({"level": []}, geometry=[], crs="EPSG:4326"), heat.describe()
    contours = kde_contours(heat.result)
    contours.attrs = {}
    return contours, heat.describe()


def heat(
    path: Path, f: Filters, analysis: AnalysisSettings | None = None, *, cell_m: float | None = None,
    rule: str | None = None,
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:  # fmt: skip
    """KDE contours and the surface's description (``drawn``, bandwidth, ``notes``) per year of the filters' period,
    from ``analysis`` (default: the configured section; ``cell_m`` and ``rule`` replace its values)."""
    given = {"kde_cell_m": cell_m, "kde_bandwidth_rule": rule}
    a = (analysis or get_settings().analysis).model_copy(update={k: v for k, v in given.items() if v is not None})
    return _kde(file_key(path), f, a)


def _area_keys() -> tuple[FileKey, ...]:
    """The store's neighbourhood layers (file keys): every real place's label names the one it lies in."""
    try:  # a store that cannot be read gives labels without areas, not a stopped page
        zones = data.zone_layers(Path(get_settings().sources.store_dir))
        return tuple(file_key(str(z["path"])) for z in zones if z.get("kind") == "neighborhoods")
    except DataError:
        return ()


@st.cache_data(show_spinner=False, max_entries=8)
def _labels(key: FileKey, lang: str, areas: tuple[FileKey, ...]) -> pd.Series:
    from geo.data.labels import place_labels

    table, where = data.places_table(key), datasets.area_table([a.path for a in areas])
    return place_labels(table[table["kind"].isin(PICKER_KINDS)], lang, areas=where)


def labels(places_path: Path, lang: str) -> pd.Series:
    """Picker labels of the parks and developments of ``places_path`` (:func:`geo.data.labels.place_labels`)."""
    return _labels(file_key(places_path), lang, _area_keys())


def _resolve(table: gpd.GeoDataFrame, key: FileKey, name: str) -> gpd.GeoDataFrame:
    from geo.data.aliases import load_aliases

    ws = get_settings().workspace
    al, areas = load_aliases(ws.aliases), _area_keys()
    try:
        return datasets.place_by_name(table, name, labels=_labels(key, "en", areas), aliases=al, match_m=ws.match_m)
    except DataError:  # a Spanish label (the kind is translated)
        return datasets.place_by_name(table, name, labels=_labels(key, "es", areas), aliases=al, match_m=ws.match_m)


@st.cache_data(show_spinner=False, max_entries=64)
def _label_of(key: FileKey, name: str, lang: str) -> str | None:
    try:
        hit = _place(key, name)
    except DataError:
        return None
    shown = _labels(key, lang, _area_keys())
    return str(shown[hit.index[0]]) if hit.index[0] in shown.index else None


def place_label(places_path: Path, name: str, lang: str) -> str | None:
    """The picker label of the place ``name`` resolves to (aliases, labels, ids), or None when none does."""
    return _label_of(file_key(places_path), name, lang)


@st.cache_data(show_spinner=False, max_entries=32)
def _place(key: FileKey, name: str) -> gpd.GeoDataFrame:
    hit = _resolve(data.places_table(key), key, name)
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


def _near_rows(key: FileKey, f: Filters, focus: gpd.GeoDataFrame, within_m: float) -> gpd.GeoDataFrame:
    """The incidents in view near ``focus`` (a generous box ``within_m`` wide): only those rows are copied."""
    table, pos = data.incidents_table(key), _positions(key, f)
    return table.iloc[pos[near(table, focus, within_m)[pos]]]


@st.cache_data(show_spinner=False, max_entries=32)
def _ring_table(key: FileKey, f: Filters, places: FileKey, name: str, rings_m: tuple[float, ...]) -> pd.DataFrame:
    focus = _place(places, name)
    return ring_counts(_near_rows(key, f, focus, max(rings_m)), focus, rings_m=rings_m, by=("year",))


def ring_table(path: Path, f: Filters, places_path: Path, name: str, rings_m: tuple[float, ...]) -> pd.DataFrame:
    """Counts by year and band (``year, band, from_m, to_m, count``) for the incidents in view."""
    return _ring_table(file_key(path), f, file_key(places_path), name, rings_m)


def series(
    path: Path, f: Filters, places_path: Path, names: tuple[str, ...], *, within_m: float, freq: str, nibrs_break: str
) -> pd.DataFrame:
    """Monthly or yearly counts near each named place (``place, period, period_start, count, era``), no coverage."""
    return _covered_series(file_key(path), f, file_key(places_path), names, within_m, freq, nibrs_break, "", 1.0)


@st.cache_data(show_spinner=False, max_entries=32)
def _evaluation(
    key: FileKey, f: Filters, places: FileKey, treated: str, control: tuple[str, ...], start: str, buffer_m: float,
    rules: AnalysisSettings, store_dir: str, min_share: float,
) -> dict[str, Any]:  # fmt: skip
    from geo.analysis.evaluate import evaluate_program
    from geo.data.coverage import has_data

    # each control resolves like the focus place (names, labels, aliases); one lying outside the data is left out
    focus, cov = _place(places, treated), _coverage(key, store_dir)
    ctrl = pd.concat([_place(places, name).assign(_asked=name) for name in control]) if control else focus.iloc[0:0]
    known = has_data(ctrl, cov, within_m=0.0, min_share=min_share).to_numpy(dtype=bool)
    no_data = [str(n) for n in ctrl["_asked"][~known]] if len(ctrl) else []
    if not bool(has_data(focus, cov, within_m=0.0, min_share=min_share).all()):
        return {"no_data_treated": True, "no_data": no_data}
    if control and not known.any():
        return {"no_data": no_data}
    try:
        result = evaluate_program(
            incidents_in_view(key, f), focus, ctrl[known].drop(columns="_asked"), start=start, buffer_m=buffer_m,
            min_events=rules.min_events, small_count=rules.small_count,
        )  # fmt: skip
    except AnalysisError as exc:
        return {"error": str(exc), "no_data": no_data}
    out = result.to_dict() | {"no_data": no_data, "reading_obj": result.reading, "warnings_obj": result.warnings}
    return out | {"displacement_obj": result.displacement, "monthly_frame": result.monthly}


def evaluation(
    path: Path, f: Filters, places_path: Path, *, treated: str, control: tuple[str, ...], start: str,
    buffer_m: float, rules: AnalysisSettings, store_dir: Path | None = None, min_share: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The program evaluation as plain values (``error`` set when it cannot be computed); all dates of ``f``; minimum
    events and the small-count limit from ``rules``. With the store, comparison places without data (``has_data``) are
    left out and listed in ``no_data``; none when none is left or the treated place has none (``no_data_treated``)."""
    share = 1.0 if min_share is None else min_share
    return _evaluation(
        file_key(path), f.replace(start=None, end=None), file_key(places_path), treated, control, start, buffer_m,
        rules, str(store_dir or ""), share,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=8)
def _peers(
    key: FileKey, places: FileKey, treated: str, skip: tuple[str, ...], n: int, buffer_m: float, store_dir: str,
    min_share: float, lang: str,
) -> list[str]:  # fmt: skip
    from geo.data.coverage import nearest_with_data

    shown = _labels(places, lang, _area_keys())
    pool, cov = data.places_table(places).loc[shown.index[~shown.isin(skip)]], _coverage(key, store_dir)
    near = nearest_with_data(pool, _place(places, treated), cov, n=n, within_m=buffer_m, min_share=min_share)
    return [str(shown[i]) for i in near.index]


def default_controls(
    path: Path, places_path: Path, *, treated: str, skip: tuple[str, ...], n: int, buffer_m: float, store_dir: Path,
    min_share: float, lang: str,
) -> list[str]:  # fmt: skip
    """Labels of the comparison places by default (:func:`geo.data.coverage.nearest_with_data`), none in ``skip``."""
    return _peers(file_key(path), file_key(places_path), treated, skip, n, buffer_m, str(store_dir), min_share, lang)


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


def ranking(path: Path, f: Filters, places_path: Path, *, within_m: float, kinds: tuple[str, ...]) -> pd.DataFrame:
    """Places ranked by incidents in view within ``within_m`` metres of their border, per km and per year."""
    return _covered_ranking(file_key(path), f, file_key(places_path), within_m, kinds, "", 1.0)


# --- coverage-aware results: outside the layer's coverage is "no data", never 0 -----------------
def _coverage(key: FileKey, store_dir: str) -> Any:
    return data.coverage_for(key, store_dir) if store_dir else None  # "": no store, no judgement


@st.cache_data(show_spinner=False, max_entries=32)
def _summary(
    key: FileKey, f: Filters, places: FileKey, name: str, rings_m: tuple[float, ...], store_dir: str, min_share: float
) -> RingSummary:
    from geo.analysis.rings import ring_totals, summary_of_counts

    by_year = _ring_table(key, f, places, name, rings_m)  # the page draws it too: distances measured once
    return summary_of_counts(
        ring_totals(by_year, rings_m=rings_m), _place(places, name), rings_m=rings_m,
        coverage=_coverage(key, store_dir), min_share=min_share,
    )  # fmt: skip


def ring_key_figure(
    path: Path, f: Filters, places_path: Path, name: str, rings_m: tuple[float, ...], *, store_dir: Path,
    min_share: float,
) -> RingSummary:  # fmt: skip
    """Counts inside and in each ring of a place, None where the layer's coverage has no data there
    (:func:`geo.analysis.rings.ring_summary`)."""
    return _summary(file_key(path), f, file_key(places_path), name, rings_m, str(store_dir), min_share)


@st.cache_data(show_spinner=False, max_entries=32)
def _covered_series(
    key: FileKey, f: Filters, places: FileKey, names: tuple[str, ...], within_m: float, freq: str, nibrs_break: str,
    store_dir: str, min_share: float,
) -> pd.DataFrame:  # fmt: skip
    from geo.analysis.trends import place_series

    inc = incidents_in_view(key, f)
    if inc.empty and not (f.start and f.end):
        return pd.DataFrame()
    cov = _coverage(key, store_dir)
    frames = []
    for name in names:
        one = place_series(
            inc, _place(places, name), within_m=within_m, freq=freq, start=f.start, end=f.end,
            nibrs_break=nibrs_break, coverage=cov, min_share=min_share,
        )  # fmt: skip
        status = str(one.attrs.get("coverage", "covered"))
        one.attrs = {}
        frames.append(one.assign(place=name, coverage=status))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def covered_series(
    path: Path, f: Filters, places_path: Path, names: tuple[str, ...], *, within_m: float, freq: str,
    nibrs_break: str, store_dir: Path, min_share: float,
) -> pd.DataFrame:  # fmt: skip
    """As :func:`series`, with the layer's coverage: missing counts (and ``coverage``) where there are no data."""
    key, places = file_key(path), file_key(places_path)
    return _covered_series(key, f, places, names, within_m, freq, nibrs_break, str(store_dir), min_share)


@st.cache_data(show_spinner=False, max_entries=16)
def _covered_ranking(
    key: FileKey, f: Filters, places: FileKey, within_m: float, kinds: tuple[str, ...], store_dir: str,
    min_share: float,
) -> pd.DataFrame:  # fmt: skip
    from geo.analysis.rings import rank_places

    inc = incidents_in_view(key, f)
    if inc.empty:
        return pd.DataFrame()
    years = max((f.end - f.start).days + 1, 1) / 365.25 if f.start and f.end else None
    ranked = rank_places(
        inc, data.places_table(places), within_m=within_m, kind=list(kinds), years=years,
        coverage=_coverage(key, store_dir), min_share=min_share,
    )  # fmt: skip
    return pd.DataFrame(ranked.drop(columns="geometry"))


def covered_ranking(
    path: Path, f: Filters, places_path: Path, *, within_m: float, kinds: tuple[str, ...], store_dir: Path,
    min_share: float,
) -> pd.DataFrame:  # fmt: skip
    """As :func:`ranking`, with the layer's coverage: places without data have no count and no rank (listed last)."""
    return _covered_ranking(file_key(path), f, file_key(places_path), within_m, kinds, str(store_dir), min_share)


@st.cache_data(show_spinner=False, max_entries=16)
def _covered_zones(key: FileKey, f: Filters, zones: FileKey, store_dir: str, min_share: float) -> gpd.GeoDataFrame:
    from geo.data.coverage import NO_DATA, place_coverage

    counts = _zone_counts(key, f, zones).copy()
    cov = _coverage(key, store_dir)
    if cov is not None and len(counts):
        judged = place_coverage(counts, cov, within_m=0.0, min_share=min_share)
        counts["count"] = counts["count"].astype("Int64").mask(judged["coverage"] == NO_DATA)
    return counts


def covered_zone_counts(
    path: Path, f: Filters, zones_path: Path, *, store_dir: Path, min_share: float
) -> gpd.GeoDataFrame:
    """As :func:`zone_counts`; zones outside the layer's coverage have a missing count (no data), not 0."""
    return _covered_zones(file_key(path), f, file_key(zones_path), str(store_dir), min_share)


@st.cache_data(show_spinner=False, max_entries=16)
def _public_cells(key: FileKey, f: Filters, cell_m: float, min_count: int, lang: str) -> gpd.GeoDataFrame:
    from geo.exports.privacy import public_cells

    inc = incidents_in_view(key, f)
    if inc.empty:
        return inc.iloc[0:0][["geometry"]].assign(count=0)
    cells = public_cells(inc, cell_m=cell_m, min_count=min_count, lang=lang)
    # the grid object stays behind; the legend needs the class labels and the threshold
    kept = ("cell_m", "min_count", "breaks", "class_labels", "withheld", "whole")
    cells.attrs = {k: cells.attrs[k] for k in kept if k in cells.attrs}
    return cells


def public_grid(path: Path, f: Filters, *, cell_m: float, min_count: int, lang: str) -> gpd.GeoDataFrame:
    """Counts per grid cell with small counts suppressed ("fewer than ``min_count``"): the public map's only layer."""
    return _public_cells(file_key(path), f, cell_m, min_count, lang)
