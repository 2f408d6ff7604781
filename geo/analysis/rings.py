"""Border rings around a place, and a ranking of places by incidents near their border.

Distances are measured in EPSG:32611 (UTM 11N, metres) from the place's **boundary**, outside
the polygon (DESIGN.md section 5); incidents inside the polygon are counted apart as
``inside``. A place known only as a point (HUD developments, CPAD park points) has no inside:
distances are measured from the point.

Edges: a point exactly on a polygon's boundary is ``inside``. A ring ``a-b`` holds the
distances ``a < d <= b`` (closed on its outer edge), so a point exactly 75 m from the border
is in ``0-75`` and one exactly 150 m away in ``75-150``; for a point place the first ring
also holds ``d = 0``. Distances within 1 micrometre of an edge count as on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.core.bulk import points
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.projection import METRIC, to_wgs84
from geo.core.validate import (
    EDGE_TOL_M,
    as_metric_geoms,
    band_label,
    check_bands,
    check_points,
    local_dates,
    metric_points,
    metric_xy,
    positive,
    union_metric,
)
from geo.data.coverage import NO_DATA, Coverage, place_coverage

INSIDE = "inside"
PERIODS = ("year", "month")


def _is_areal(geom: BaseGeometry) -> bool:
    return bool(geom.area > 0)


def _prefilter(xy: NDArray[np.float64], geom: BaseGeometry, max_m: float) -> NDArray[np.int64]:
    """Indices of the points in the bounding box of ``geom`` grown by ``max_m`` metres (a superset)."""
    minx, miny, maxx, maxy = geom.bounds
    pad = max_m + EDGE_TOL_M
    inside = (xy[:, 0] >= minx - pad) & (xy[:, 0] <= maxx + pad) & (xy[:, 1] >= miny - pad) & (xy[:, 1] <= maxy + pad)
    return np.nonzero(inside)[0].astype(np.int64)


def _distances(xy: NDArray[np.float64], geom: BaseGeometry) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Distance in metres from each point to ``geom`` (0 inside) and whether it is inside."""
    pts = points(xy)
    shapely.prepare(geom)
    dist = shapely.distance(geom, pts)
    if _is_areal(geom):
        parts = shapely.get_parts(geom)
        polys = shapely.union_all(parts[shapely.area(parts) > 0])
        shapely.prepare(polys)
        inside = shapely.covers(polys, pts)
    else:
        inside = np.zeros(len(xy), dtype=bool)
    return np.asarray(dist, dtype=float), np.asarray(inside, dtype=bool)


def distance_to_place(incidents: gpd.GeoDataFrame, place: object) -> pd.Series:
    """Distance of each incident from a place's border, in metres (EPSG:32611).

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326, or EPSG:32611).
    place
        The place: a GeoDataFrame/GeoSeries (all rows are merged) or a shapely geometry in
        EPSG:4326. Polygons are measured from their boundary (0 inside); points from the point.

    Returns
    -------
    pandas.Series
        Float metres, indexed like ``incidents``.
    """
    check_points(incidents)
    geom = union_metric(place, "place")
    dist, _ = _distances(metric_xy(incidents), geom)
    return pd.Series(dist, index=incidents.index, name="distance_m")


def band_labels(rings_m: Sequence[float]) -> list[str]:
    """``["inside", "0-75", "75-150", "150-400"]`` for ``rings_m = (75, 150, 400)``."""
    edges = check_bands(rings_m, "rings_m", "metres")
    lows = (0.0, *edges[:-1])
    return [INSIDE, *(band_label(a, b) for a, b in zip(lows, edges, strict=True))]


def assign_rings(incidents: gpd.GeoDataFrame, place: object, *, rings_m: Sequence[float]) -> pd.Series:
    """The band of each incident: ``inside``, a ring such as ``0-75``, or missing when farther.

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326, or EPSG:32611).
    place
        GeoDataFrame/GeoSeries/shapely geometry (EPSG:4326); rows are merged into one place.
    rings_m
        Outer edges of the rings in metres, strictly increasing.

    Returns
    -------
    pandas.Series
        Ordered categorical indexed like ``incidents`` (see the module docstring for edges).
    """
    check_points(incidents)
    edges = np.asarray(check_bands(rings_m, "rings_m", "metres"))
    labels = band_labels(rings_m)
    geom = union_metric(place, "place")
    xy = metric_xy(incidents)
    codes = np.full(len(xy), -1, dtype=np.int64)
    near = _prefilter(xy, geom, float(edges[-1]))
    if len(near):
        dist, inside = _distances(xy[near], geom)
        ring = np.searchsorted(edges, dist - EDGE_TOL_M, side="left")  # beyond the box: ring == len
        sub = np.where(ring < len(edges), ring + 1, -1)
        sub[inside] = 0
        codes[near] = sub
    cat = pd.Categorical.from_codes(codes, categories=pd.Index(labels), ordered=True)
    return pd.Series(cat, index=incidents.index, name="band")


def _period_column(incidents: gpd.GeoDataFrame, name: str) -> pd.Series:
    if "occurred_at" not in incidents.columns:
        msg = f"grouping by {name!r} needs an 'occurred_at' column"
        raise AnalysisError(msg)
    dates = local_dates(incidents)
    if name == "year":
        return dates.dt.year.astype("int64")
    return dates.dt.strftime("%Y-%m")


def group_columns(incidents: gpd.GeoDataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The grouping columns ``by`` (``year``/``month`` derived from ``occurred_at``, else existing columns)."""
    out = {}
    for name in by:
        if name in PERIODS:
            out[name] = _period_column(incidents, name)
        elif name in incidents.columns:
            out[name] = incidents[name].astype("object")
        else:
            msg = f"cannot group by {name!r}: expected 'year', 'month' or one of {list(incidents.columns)}"
            raise AnalysisError(msg)
    return pd.DataFrame(out, index=incidents.index)


def ring_counts(
    incidents: gpd.GeoDataFrame,
    place: object,
    *,
    rings_m: Sequence[float],
    by: Sequence[str] = (),
) -> pd.DataFrame:
    """Counts of incidents inside a place and in each ring outside its border.

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326, or EPSG:32611), canonical columns.
    place
        GeoDataFrame/GeoSeries/shapely geometry (EPSG:4326); rows are merged into one place.
    rings_m
        Outer ring edges, metres (EPSG:32611), strictly increasing.
    by
        Extra grouping: ``"year"``, ``"month"`` (local time, from ``occurred_at``) and/or
        column names such as ``"category"``.

    Returns
    -------
    pandas.DataFrame
        Columns ``[*by, band, from_m, to_m, count]``; every band appears for every group
        seen (zero-filled). ``inside`` has ``from_m = to_m = NaN``.
    """
    bands = assign_rings(incidents, place, rings_m=rings_m)
    labels = list(bands.cat.categories)
    by = list(by)
    keep = bands.notna()
    if by:
        groups = group_columns(incidents.loc[keep], by)
        frame = groups.assign(band=bands[keep])
        counts = frame.groupby([*by, "band"], observed=False, sort=True).size().rename("count").reset_index()
        seen = groups.drop_duplicates()
        counts = counts.merge(seen, on=by, how="inner")
    else:
        totals = bands[keep].value_counts(sort=False).reindex(labels, fill_value=0).rename("count")
        counts = totals.rename_axis("band").reset_index()
    return _with_bounds(counts, rings_m)[[*by, "band", "from_m", "to_m", "count"]].reset_index(drop=True)


def _with_bounds(counts: pd.DataFrame, rings_m: Sequence[float]) -> pd.DataFrame:
    """``counts`` (a ``band`` and a ``count`` column) with each band's ``from_m`` and ``to_m``."""
    labels = band_labels(rings_m)
    edges = check_bands(rings_m, "rings_m", "metres")
    lows = (0.0, *edges[:-1])
    bounds = {INSIDE: (np.nan, np.nan)} | {lab: (a, b) for lab, a, b in zip(labels[1:], lows, edges, strict=True)}
    counts["band"] = counts["band"].astype(str)
    counts["from_m"] = counts["band"].map(lambda b: bounds[b][0]).astype(float)
    counts["to_m"] = counts["band"].map(lambda b: bounds[b][1]).astype(float)
    counts["count"] = counts["count"].astype("int64")
    return counts


def ring_totals(counts: pd.DataFrame, *, rings_m: Sequence[float]) -> pd.DataFrame:
    """A :func:`ring_counts` table made with ``by=`` summed over its groups: the table without ``by``."""
    total = counts.groupby("band", sort=False)["count"].sum().reindex(band_labels(rings_m), fill_value=0)
    out = _with_bounds(total.rename_axis("band").reset_index(), rings_m)
    return out[["band", "from_m", "to_m", "count"]]


def ring_summary(
    incidents: gpd.GeoDataFrame,
    place: object,
    *,
    rings_m: Sequence[float],
    coverage: Coverage | None = None,
    min_share: float | None = None,
) -> RingSummary:
    """Incidents inside ``place`` and in each ring around it (metres), as a :class:`RingSummary`.

    ``total_within`` is ``inside`` plus every ring; ``point_place`` says whether the place
    is a point (no inside, distances from the point). With a ``coverage`` (the incident layer's,
    :mod:`geo.data.coverage`) the summary also has ``coverage`` (``covered``, ``partial`` or
    ``no_data``, judged on the outer ring) and ``coverage_share``; for ``no_data`` every count is
    None: the data say nothing about the place, which is not the same as zero.
    """
    table = ring_counts(incidents, place, rings_m=rings_m)
    return summary_of_counts(table, place, rings_m=rings_m, coverage=coverage, min_share=min_share)


@dataclass(frozen=True)
class RingCount:
    """Incidents in one ring around a place: from ``from_m`` (exclusive) to ``to_m`` (inclusive) metres;
    None where the data do not cover the ring (no data is not 0)."""

    from_m: float
    to_m: float
    count: int | None


@dataclass(frozen=True)
class RingSummary:
    """Incidents inside a place and in each ring around it (:func:`ring_summary`).

    ``inside``, the rings' counts and ``total_within`` are None when the data do not cover the place's
    surroundings (``coverage == "no_data"``); ``coverage`` is None when no coverage was given.
    """

    inside: int | None
    rings: tuple[RingCount, ...]
    total_within: int | None
    point_place: bool
    coverage: str | None = None
    coverage_share: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON (coverage keys only when coverage was judged)."""
        out = asdict(self)
        out["rings"] = [asdict(r) for r in self.rings]
        if self.coverage is None:
            del out["coverage"], out["coverage_share"]
        return out


def summary_of_counts(
    table: pd.DataFrame,
    place: object,
    *,
    rings_m: Sequence[float],
    coverage: Coverage | None = None,
    min_share: float | None = None,
) -> RingSummary:
    """:func:`ring_summary` of counts already made: a :func:`ring_counts` table without ``by``
    (for example :func:`ring_totals` of one by year), so no incident is measured again."""
    geom = union_metric(place, "place")
    inside = int(table.loc[table["band"] == INSIDE, "count"].sum())
    outer = table[table["band"] != INSIDE]
    rings = tuple(
        RingCount(float(a), float(b), int(n))
        for a, b, n in zip(outer["from_m"], outer["to_m"], outer["count"], strict=True)
    )
    total = inside + sum(int(r.count or 0) for r in rings)
    summary = RingSummary(inside, rings, total, point_place=not _is_areal(geom))
    if coverage is None:
        return summary
    shape = gpd.GeoSeries([geom], crs=METRIC).to_crs("EPSG:4326")
    judged = place_coverage(shape, coverage, within_m=float(max(rings_m)), min_share=min_share).iloc[0]
    summary = replace(summary, coverage=str(judged["coverage"]), coverage_share=float(judged["coverage_share"]))
    if summary.coverage == NO_DATA:
        blank = tuple(replace(r, count=None) for r in rings)
        summary = replace(summary, inside=None, rings=blank, total_within=None)
    return summary


def _period_years(incidents: gpd.GeoDataFrame, years: float | None) -> float:
    if years is not None:
        return positive(years, "years", "years")
    if len(incidents) == 0 or "occurred_at" not in incidents.columns:
        msg = "cannot infer the period length from an empty incident table; pass years="
        raise AnalysisError(msg)
    dates = local_dates(incidents)
    span_days = (dates.max() - dates.min()).days + 1
    return float(max(span_days, 1) / 365.25)


def rank_places(
    incidents: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    *,
    within_m: float,
    kind: str | Sequence[str] | None = None,
    years: float | None = None,
    coverage: Coverage | None = None,
    min_share: float | None = None,
) -> gpd.GeoDataFrame:
    """Rank places by incidents inside them or within ``within_m`` metres of their border.

    One spatial index on the places is queried with every incident at once (``dwithin`` in
    EPSG:32611), never a distance from every incident to every place.

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326 or EPSG:32611) with ``occurred_at`` (for the period).
    places
        Place table (``place_id``, ``name``, ``kind``, geometry in EPSG:4326).
    within_m
        Distance from the border, metres (inclusive).
    kind
        Keep only places of this kind (``"park"``, ``"housing"``, ...) or kinds.
    years
        Length of the period in years for the per-year rates; default: the span of the
        incidents' dates (first to last, inclusive).
    coverage
        The incident layer's coverage (:mod:`geo.data.coverage`). Places outside it are
        ``no_data``: their ``count`` and rates are missing (not 0) and they are listed last
        with no rank; ``partial`` places (less than ``min_share`` of the place grown by
        ``within_m`` covered) keep their counts, flagged.
    min_share
        Share in (0, 1] of a place's surroundings the coverage must hold to be ``covered`` (None: configured).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per place sorted by ``per_km_year`` (points by ``per_year``):
        ``rank, place_id, name, kind, count, border_km, years, per_year, per_km_year`` and
        geometry. ``border_km`` is the perimeter in km (NaN for point places, which have
        no border; their ``per_km_year`` is NaN). With a ``coverage``: ``coverage`` and
        ``coverage_share`` columns, ``count`` as nullable ``Int64`` and ``rank`` missing for
        ``no_data`` places.
    """
    check_points(incidents)
    within = positive(within_m, "within_m", "metres")
    if not isinstance(places, gpd.GeoDataFrame):
        msg = f"places must be a GeoDataFrame, got {type(places).__name__}"
        raise AnalysisError(msg)
    missing = [c for c in ("name", "kind") if c not in places.columns]
    if missing:
        msg = f"places lacks columns {missing}"
        raise AnalysisError(msg)
    chosen = places
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        chosen = places[places["kind"].isin(kinds)]
        if chosen.empty:
            msg = f"no places of kind {kinds}; kinds present: {sorted(places['kind'].dropna().unique())}"
            raise AnalysisError(msg)
    n_years = _period_years(incidents, years)
    geoms = as_metric_geoms(chosen, "places").to_numpy()
    pts = metric_points(incidents)
    tree = shapely.STRtree(geoms)
    pairs = tree.query(pts, predicate="dwithin", distance=within + EDGE_TOL_M)
    counts = np.bincount(pairs[1], minlength=len(geoms)).astype(np.int64)
    areal = shapely.area(geoms) > 0
    border_km = np.where(areal, shapely.length(geoms) / 1000.0, np.nan)
    out = gpd.GeoDataFrame(
        {
            "place_id": chosen["place_id"].astype(str).to_numpy() if "place_id" in chosen else chosen.index.astype(str),
            "name": chosen["name"].astype(str).to_numpy(),
            "kind": chosen["kind"].astype(str).to_numpy(),
            "count": counts.astype("int64"),
            "border_km": border_km,
            "years": n_years,
        },
        geometry=gpd.GeoSeries(geoms, crs=METRIC).to_crs("EPSG:4326").to_numpy(),
        crs="EPSG:4326",
    )
    out["per_year"] = out["count"] / n_years
    out["per_km_year"] = out["per_year"] / out["border_km"]
    out["_key"] = out["per_km_year"].fillna(-1.0)
    out["_gone"] = False
    if coverage is not None:
        judged = place_coverage(out, coverage, within_m=within, min_share=min_share)
        out["coverage"] = judged["coverage"].to_numpy()
        out["coverage_share"] = judged["coverage_share"].to_numpy()
        gone = out["coverage"] == NO_DATA
        out["_gone"] = gone
        out["count"] = out["count"].astype("Int64").mask(gone)
        out.loc[gone, ["per_year", "per_km_year"]] = np.nan
    out = out.sort_values(
        ["_gone", "_key", "per_year", "name"], ascending=[True, False, False, True], kind="stable"
    ).reset_index(drop=True)
    ranks = pd.array(np.arange(1, len(out) + 1), dtype="Int64")
    out.insert(0, "rank", ranks if coverage is not None else np.arange(1, len(out) + 1))
    if coverage is not None:
        out["rank"] = out["rank"].mask(out["_gone"])
    out = out.drop(columns=["_key", "_gone"])
    return to_wgs84(out)


def ring_polygons(place: object, *, rings_m: Sequence[float]) -> gpd.GeoDataFrame:
    """The drawn bands of a place: ``inside`` (areal places only) and each ring outside its border.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, columns ``band, from_m, to_m, geometry`` (``from_m``/``to_m`` in metres,
        NaN for ``inside``), innermost first.
    """
    edges = check_bands(rings_m, "rings_m", "metres")
    geom = union_metric(place, "place")
    rows: list[dict[str, Any]] = []
    if _is_areal(geom):
        rows.append({"band": INSIDE, "from_m": np.nan, "to_m": np.nan, "geometry": geom})
    labels = band_labels(edges)
    lows = (0.0, *edges[:-1])
    for label, low, high in zip(labels[-len(edges) :], lows, edges, strict=True):
        outer = geom.buffer(high, quad_segs=16)
        inner = geom.buffer(low, quad_segs=16) if low > 0 else geom
        band = outer.difference(inner) if _is_areal(inner) else outer
        rows.append({"band": label, "from_m": float(low), "to_m": float(high), "geometry": band})
    return to_wgs84(gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC))


def shown_ranking(table: pd.DataFrame, rule: Disclosure, *, lang: str) -> pd.DataFrame:
    """A :func:`rank_places` table as ``rule`` shows it: each place's count on its own (the rings of
    neighbouring places overlap, so they are no group), ``label`` its words in ``lang``, and the rates
    of a hidden count withheld with it (rate × years × length would give it back)."""
    out = table.copy()
    covered = out["count"].notna()
    shown = [rule.count(int(n)) if ok else None for n, ok in zip(out["count"].fillna(0), covered, strict=True)]
    hidden = pd.Series([s is not None and s.hidden for s in shown], index=out.index)
    out["label"] = [s.text(lang) if s is not None else "" for s in shown]
    out["count"] = pd.array([s.value if s is not None else pd.NA for s in shown], dtype="Int64")
    for col in ("per_year", "per_km_year"):
        if col in out.columns:
            out[col] = out[col].mask(hidden)
    return out
