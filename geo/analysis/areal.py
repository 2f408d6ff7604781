"""Area-weighted interpolation of counts (population) from source polygons to target zones.

The same computation as PySAL ``tobler.area_weighted.area_interpolate`` for extensive variables
with ``allocate_total=False``: a target receives from each source polygon the share of the source's
value equal to the share of the source's area inside the target,
``v_t = sum_s v_s * area(s & t) / area(s)``, measured in a metric CRS (EPSG:32611, square metres).
Residents of a source polygon that lies partly outside every target are not pushed into the
targets. Margins of error are carried as for a weighted sum, ``sqrt(sum_s (w_st * MOE_s)**2)``.
``coverage`` is the share of each target's area covered by source polygons whose value is known
(source polygons must not overlap one another, as census block groups do not).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import AnalysisError
from geo.core.projection import METRIC

COVERAGE = "coverage"


def check_polygons(gdf: object, what: str) -> gpd.GeoDataFrame:
    """``gdf`` if it is a non-empty polygon GeoDataFrame with a CRS, else raise :class:`AnalysisError`."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        msg = f"{what} must be a GeoDataFrame of polygons, got {type(gdf).__name__}"
        raise AnalysisError(msg)
    if gdf.crs is None:
        msg = f"{what} have no CRS; expected EPSG:4326 or any CRS the file declares"
        raise AnalysisError(msg)
    kinds = set(gdf.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        msg = f"{what} must be polygons, got {sorted(kinds)}"
        raise AnalysisError(msg)
    if gdf.empty:
        msg = f"{what}: the layer has no features"
        raise AnalysisError(msg)
    return gdf


def overlap_table(
    source: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, *, metric_crs: str = METRIC
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of overlapping polygons: ``(target_pos, source_pos, overlap_m2, source_area_m2)``.

    Positions are row numbers; areas are square metres in ``metric_crs``.
    """
    src = check_polygons(source, "population polygons").geometry.to_crs(metric_crs).to_numpy()
    tgt = check_polygons(targets, "zones").geometry.to_crs(metric_crs).to_numpy()
    src = shapely.make_valid(src)
    tgt = shapely.make_valid(tgt)
    tree = shapely.STRtree(src)
    t_idx, s_idx = tree.query(tgt, predicate="intersects")
    overlap = shapely.area(shapely.intersection(tgt[t_idx], src[s_idx]))
    keep = overlap > 0
    return t_idx[keep], s_idx[keep], overlap[keep], shapely.area(src)[s_idx[keep]]


def area_interpolate(
    source: gpd.GeoDataFrame,
    targets: gpd.GeoDataFrame,
    *,
    columns: Sequence[str],
    moe_columns: Sequence[str | None] = (),
    metric_crs: str = METRIC,
) -> pd.DataFrame:
    """Extensive ``columns`` of ``source`` polygons interpolated by area onto ``targets``.

    Parameters
    ----------
    source
        Polygons holding counts (block groups), any declared CRS.
    targets
        Zones, rings or park borders, any declared CRS.
    columns
        Count columns of ``source`` (missing values count as unknown: they add nothing and
        reduce ``coverage``).
    moe_columns
        For each column, its margin-of-error column (or None); the result has ``<column>_moe``.
    metric_crs
        CRS in metres in which areas are measured (EPSG:32611).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``targets``: each column, its ``_moe`` where asked, and ``coverage`` (0..1).
    """
    missing = [c for c in (*columns, *(m for m in moe_columns if m)) if c not in source.columns]
    if missing:
        msg = f"the population layer has no columns {missing}; it has {[c for c in source.columns][:12]}"
        raise AnalysisError(msg)
    if moe_columns and len(moe_columns) != len(columns):
        msg = f"give one margin column (or None) per column: {len(columns)} columns, {len(moe_columns)} margins"
        raise AnalysisError(msg)
    t_idx, s_idx, overlap, src_area = overlap_table(source, targets, metric_crs=metric_crs)
    weight = np.divide(overlap, src_area, out=np.zeros_like(overlap), where=src_area > 0)
    n = len(targets)
    out: dict[str, np.ndarray] = {}
    known = np.ones(len(source), dtype=bool)
    for i, col in enumerate(columns):
        values = pd.to_numeric(source[col], errors="coerce").to_numpy(dtype=float)
        known &= ~np.isnan(values)
        out[col] = np.bincount(t_idx, weights=weight * np.nan_to_num(values[s_idx]), minlength=n)
        moe_col = moe_columns[i] if moe_columns else None
        if moe_col:
            moe = np.nan_to_num(pd.to_numeric(source[moe_col], errors="coerce").to_numpy(dtype=float))
            out[f"{col}_moe"] = np.sqrt(np.bincount(t_idx, weights=(weight * moe[s_idx]) ** 2, minlength=n))
    tgt_area = shapely.area(targets.geometry.to_crs(metric_crs).to_numpy())
    covered = np.bincount(t_idx, weights=overlap * known[s_idx], minlength=n)
    out[COVERAGE] = np.clip(np.divide(covered, tgt_area, out=np.zeros(n), where=tgt_area > 0), 0.0, 1.0)
    return pd.DataFrame(out, index=targets.index)
