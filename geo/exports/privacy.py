"""Privacy modes for exports (DESIGN.md section 7): what a public or internal output may show.

``public`` (the default of every export): incidents are counted on square cells of the metric
grid (``settings.analysis.grid_cell_m``, EPSG:32611, aligned to multiples of the cell size), and
only the cells leave this module: no point, no address, no record id, no victim attribute. A cell
with fewer than ``settings.privacy.min_count`` incidents carries the label "fewer than N" and no
count at all (its ``count`` is missing), so the exact small number is nowhere in the output; the cells
are one group under the total in view (:class:`geo.core.disclosure.Disclosure`), so a cell beside them
may be withheld too, and no cell is drawn where none can be without giving a small count away.
Cell corners are grid nodes, so no coordinate is finer than the cell.

``internal`` (a deliberate switch): points may be shown, with the date, category and record id
only (never a name: names never reach the canonical table), and every export is watermarked.
"""

from __future__ import annotations

from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.analysis.grid import SquareGrid, make_grid
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.i18n import check_lang, fmt_int, t
from geo.core.projection import WGS84
from geo.core.validate import check_points, metric_xy, positive

Mode = Literal["public", "internal"]
MODES: tuple[Mode, ...] = ("public", "internal")

COORD_DECIMALS = 6
"""Decimals kept for exported coordinates (EPSG:4326 degrees; 1e-6 degree is about 0.1 m)."""

PUBLIC_CELL_COLUMNS: tuple[str, ...] = ("cell_id", "level", "count", "suppressed", "label", "geometry")
"""The only columns a public cell table has."""

INTERNAL_POINT_COLUMNS: tuple[str, ...] = ("incident_id", "date", "category", "geometry")
"""The only columns an internal point table has (no victim attribute, no address)."""

LEVEL_COLOURS: tuple[str, ...] = ("#fdd49e", "#fdae6b", "#f16913", "#a63603")
"""Sequential orange classes (ColorBrewer Oranges, colour-blind safe), light to dark."""
SUPPRESSED_COLOUR = "#bdbdbd"


def check_mode(mode: str) -> Mode:
    """Return ``mode`` if it is ``"public"`` or ``"internal"``, else raise :class:`AnalysisError`."""
    if mode not in MODES:
        msg = f"privacy mode must be one of {list(MODES)}, got {mode!r}"
        raise AnalysisError(msg)
    return mode


def _check_min_count(min_count: int) -> int:
    if not isinstance(min_count, int | np.integer) or int(min_count) < 1:
        msg = f"min_count must be a whole number >= 1, got {min_count!r}"
        raise AnalysisError(msg)
    return int(min_count)


def class_breaks(counts: np.ndarray, *, min_count: int, n_classes: int = len(LEVEL_COLOURS)) -> list[int]:
    """Lower bounds of up to ``n_classes`` count classes for counts of at least ``min_count``.

    The first bound is ``min_count``; the others are rounded quantiles of the counts that
    reach it, strictly increasing, so every class is a range of whole numbers.
    """
    n = _check_min_count(min_count)
    shown = np.asarray(counts, dtype=float)
    shown = shown[(shown > 0) & ~Disclosure(n, public=True).small(shown)]
    bounds = [n]
    if shown.size:
        qs = np.quantile(shown, np.linspace(0, 1, n_classes + 1)[1:-1])
        for q in qs:
            b = int(np.ceil(q))
            if b > bounds[-1] and b <= shown.max():
                bounds.append(b)
    return bounds


def class_labels(bounds: list[int], *, lang: str, max_count: int) -> list[str]:
    """Legend text of each class (``"3-4"``, ``"5-9"``, ``"10 or more"``)."""
    out = []
    for i, lo in enumerate(bounds):
        hi = bounds[i + 1] - 1 if i + 1 < len(bounds) else max_count
        if i + 1 == len(bounds) and hi > lo:
            out.append(t("report.or_more", lang, n=fmt_int(lo, lang)))
        elif hi > lo:
            out.append(f"{fmt_int(lo, lang)}-{fmt_int(hi, lang)}")
        else:
            out.append(fmt_int(lo, lang))
    return out


def round_coords(geoms: gpd.GeoSeries, decimals: int = COORD_DECIMALS) -> gpd.GeoSeries:
    """Geometries with coordinates rounded to ``decimals`` (EPSG:4326 degrees)."""
    rounded = shapely.set_precision(geoms.to_numpy(), 10.0**-decimals, mode="pointwise")
    return gpd.GeoSeries(rounded, index=geoms.index, crs=geoms.crs)


def public_cells(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float,
    min_count: int,
    lang: str = "en",
    bounds: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Incidents counted on grid cells, with small counts suppressed: the only map a public export shows.

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326 or EPSG:32611).
    cell_m
        Cell side, metres (EPSG:32611); cells are aligned to multiples of it.
    min_count
        Cells with ``0 < count < min_count`` are labelled "fewer than ``min_count``" and keep no count.
    lang
        Language of the labels (``"en"`` or ``"es"``).
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:32611 metres: count only the incidents inside; default
        the incidents' own extent.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, exactly :data:`PUBLIC_CELL_COLUMNS`, one row per non-empty cell: ``level`` is 0 for
        a suppressed cell and 1.. for the count classes of ``attrs["breaks"]``; ``count`` (``Int64``) is
        missing where suppressed; ``label`` is the text to show. ``attrs`` also holds ``grid``
        (:class:`geo.analysis.grid.SquareGrid`), ``cell_m``, ``min_count``, ``class_labels`` and ``suppressed``.
    """
    check_points(incidents)
    cell = positive(cell_m, "cell_m", "metres")
    n_min = _check_min_count(min_count)
    check_lang(lang)
    xy = metric_xy(incidents)
    if bounds is None:
        if len(xy) == 0:
            msg = "no incidents to aggregate and no bounds given"
            raise AnalysisError(msg)
        bounds = (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))
    minx, miny, maxx, maxy = bounds
    if len(xy):
        inside = (xy[:, 0] >= minx) & (xy[:, 0] <= maxx) & (xy[:, 1] >= miny) & (xy[:, 1] <= maxy)
        xy = xy[inside]
    grid: SquareGrid = make_grid(cell_m=cell, bounds=bounds, pad_cells=0)
    counts = grid.counts(xy).ravel()
    keep = counts > 0
    ids = np.nonzero(keep)[0]
    kept = counts[keep]
    shown = Disclosure(n_min, public=True).counts(kept)  # every cell of the map, under the total in view
    if shown.whole:  # no cell can be drawn without giving a small count away: none is
        ids, kept, shown = ids[:0], kept[:0], Disclosure(n_min, public=True).counts(kept[:0])
    suppressed = shown.hidden
    breaks = class_breaks(np.array([v for v in shown.values if v is not None], dtype=float), min_count=n_min)
    level = np.where(suppressed, 0, np.searchsorted(breaks, kept, side="right"))
    labels = shown.texts(lang)
    count = shown.array()
    geoms = gpd.GeoSeries(grid.polygons_lonlat()[ids], crs=WGS84)
    out = gpd.GeoDataFrame(
        {
            "cell_id": ids.astype("int64"),
            "level": level.astype("int64"),
            "count": count,
            "suppressed": suppressed,
            "label": pd.array(labels, dtype="string"),
        },
        geometry=round_coords(geoms).to_numpy(),
        crs=WGS84,
    )
    out.attrs.update(
        grid=grid,
        cell_m=cell,
        min_count=n_min,
        breaks=breaks,
        class_labels=class_labels(breaks, lang=lang, max_count=max((v for v in shown.values if v), default=n_min)),
        suppressed=int(suppressed.sum()),
        withheld=shown.withheld,
        whole=bool(counts.sum()) and not len(ids),
    )
    return out


def internal_points(incidents: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Incident points for an internal export: record id, local date, category and location only.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, exactly :data:`INTERNAL_POINT_COLUMNS`; ``date`` is the local ISO date.
    """
    check_points(incidents, need_time=True)
    missing = [c for c in ("incident_id", "category") if c not in incidents.columns]
    if missing:
        msg = f"incidents lack columns {missing}"
        raise AnalysisError(msg)
    pts = incidents.to_crs(WGS84) if incidents.crs != WGS84 else incidents
    ts = pts["occurred_at"]
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_localize(None)
    return gpd.GeoDataFrame(
        {
            "incident_id": pts["incident_id"].astype("string").to_numpy(),
            "date": ts.dt.strftime("%Y-%m-%d").astype("string").to_numpy(),
            "category": pts["category"].astype("string").to_numpy(),
        },
        geometry=pts.geometry.to_numpy(),
        crs=WGS84,
    )


def check_public_cells(cells: gpd.GeoDataFrame, *, min_count: int) -> gpd.GeoDataFrame:
    """Raise unless ``cells`` is safe to publish: only cell polygons, no other column, no small count.

    Returns ``cells`` unchanged; used by every public renderer just before drawing.
    """
    n_min = _check_min_count(min_count)
    if not isinstance(cells, gpd.GeoDataFrame):
        msg = f"public cells must be a GeoDataFrame, got {type(cells).__name__}"
        raise AnalysisError(msg)
    extra = [c for c in cells.columns if c not in PUBLIC_CELL_COLUMNS]
    if extra:
        msg = f"public cells carry columns that may identify people: {extra}; allowed {list(PUBLIC_CELL_COLUMNS)}"
        raise AnalysisError(msg)
    if len(cells) and not (cells.geom_type == "Polygon").all():
        msg = f"public cells must be polygons, got {sorted(set(cells.geom_type))}"
        raise AnalysisError(msg)
    counts = cells["count"]
    small = Disclosure(n_min, public=True).small(counts.fillna(0).to_numpy(dtype=float))
    if bool(small.any()) or bool(counts[cells["suppressed"].astype(bool)].notna().any()):
        msg = f"public cells show an exact count below {n_min}"
        raise AnalysisError(msg)
    return cells
