"""The area (and period) an incident layer covers: outside it the map has no data, not zero.

How the area is found (:func:`coverage_from`), first rule that applies:

1. LAPD sources (``source`` starting with ``lapd_``): the City of LA, as the union of an LAPD
   division layer in the store (``method = "lapd_divisions"``).
2. An LA Times Homicide Report neighbourhood file (``harvard_park_homicides.json``): that
   neighbourhood's polygon from an LA Times neighbourhood layer in the store, matched by name
   (``method = "latimes_neighborhood"``).
3. Otherwise the convex hull of the layer's points (``method = "points_hull"``, ``guess = True``):
   a stated guess, said so wherever coverage is shown.

A place is judged against the coverage by the share of its surroundings (the place grown by the
distance used, EPSG:32611 metres) that lies inside: ``covered`` at or above ``min_share``
(``workspace.coverage_min_share``), ``partial`` below it, ``no_data`` when the place itself lies
outside the covered area (its count would be a zero the data cannot support).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.core.errors import DataError
from geo.core.projection import METRIC, WGS84
from geo.core.settings import get_settings
from geo.core.validate import EDGE_TOL_M
from geo.data.aliases import name_key
from geo.data.datasets import area_table, load_places
from geo.data.ingest import store_inventory

COVERED = "covered"
PARTIAL = "partial"
NO_DATA = "no_data"
STATUSES = (COVERED, PARTIAL, NO_DATA)
METHODS = ("lapd_divisions", "latimes_neighborhood", "points_hull", "given")
"""How a covered area is known: the store's division layer, the LA Times neighbourhood, a guess from the points, or
an area file a person gave (``--coverage``)."""


@dataclass(frozen=True)
class Coverage:
    """Where and when an incident layer has data.

    Attributes
    ----------
    geometry
        Covered area, EPSG:4326.
    method
        One of :data:`METHODS` (how the area was found).
    area_name
        Readable name of the area (``"City of Los Angeles"``, ``"Harvard Park"``) or None for a hull.
    guess
        True when the area is inferred from the points, not stated by the source.
    date_from, date_to
        First and last covered day (ISO dates) or None when unknown.
    from_layer
        Store layer the area came from (None for a hull).
    """

    geometry: BaseGeometry
    method: str
    area_name: str | None = None
    guess: bool = False
    date_from: str | None = None
    date_to: str | None = None
    from_layer: str | None = None

    def metric(self) -> BaseGeometry:
        """The covered area in EPSG:32611 (metres)."""
        return gpd.GeoSeries([self.geometry], crs=WGS84).to_crs(METRIC).iloc[0]


def source_area(meta: Mapping[str, Any]) -> str | None:
    """The neighbourhood named by an LA Times Homicide Report file (``harvard_park_homicides.json``)."""
    if meta.get("source") != "latimes_homicides":
        return None
    stem = Path(str(meta.get("url_or_file") or "")).name.lower()
    stem = re.sub(r"\.(json|gz)$", "", stem)
    match = re.fullmatch(r"(?:latimes_)?(.+?)_homicides", stem)
    if not match:
        return None
    return " ".join(w.capitalize() for w in re.split(r"[_-]+", match.group(1)) if w)


def _union(gdf: gpd.GeoDataFrame) -> BaseGeometry:
    geom = shapely.union_all(shapely.make_valid(gdf.to_crs(WGS84).geometry.to_numpy()))
    return shapely.make_valid(geom)


def hull(incidents: gpd.GeoDataFrame) -> BaseGeometry:
    """Convex hull of the incidents' points (EPSG:4326), grown by the edge tolerance so they are inside."""
    if len(incidents) == 0:
        msg = "cannot infer a coverage from an empty incident layer"
        raise DataError(msg)
    pts = incidents.to_crs(METRIC).geometry
    shape = shapely.convex_hull(shapely.union_all(pts.to_numpy())).buffer(EDGE_TOL_M * 1000)
    return gpd.GeoSeries([shape], crs=METRIC).to_crs(WGS84).iloc[0]


def coverage_from(
    meta: Mapping[str, Any],
    incidents: gpd.GeoDataFrame,
    *,
    divisions: tuple[str, gpd.GeoDataFrame] | None = None,
    neighborhoods: Sequence[tuple[str, gpd.GeoDataFrame]] = (),
) -> Coverage:
    """The coverage of an incident layer from its metadata and the boundary layers at hand.

    Parameters
    ----------
    meta
        The layer's metadata (``source``, ``url_or_file``, ``date_from``, ``date_to``).
    incidents
        The layer's rows (EPSG:4326), for the hull fallback.
    divisions
        ``(layer name, table)`` of an LAPD division layer, if the store has one.
    neighborhoods
        ``(layer name, table)`` of LA Times neighbourhood layers (``name`` column).
    """
    start, end = meta.get("date_from"), meta.get("date_to")
    dates: dict[str, str | None] = {
        "date_from": str(start) if start else None,
        "date_to": str(end) if end else None,
    }
    source = str(meta.get("source") or "")
    if source.startswith("lapd_") and divisions is not None and len(divisions[1]):
        return Coverage(
            _union(divisions[1]),
            "lapd_divisions",
            area_name="City of Los Angeles",
            from_layer=divisions[0],
            date_from=dates["date_from"],
            date_to=dates["date_to"],
        )
    area = source_area(meta)
    if area is not None:
        for layer, table in neighborhoods:
            hit = table[table["name"].map(name_key) == name_key(area)]
            if len(hit):
                name = str(hit["name"].iloc[0])
                return Coverage(
                    _union(hit),
                    "latimes_neighborhood",
                    area_name=name,
                    from_layer=layer,
                    date_from=dates["date_from"],
                    date_to=dates["date_to"],
                )
    return Coverage(hull(incidents), "points_hull", guess=True, date_from=dates["date_from"], date_to=dates["date_to"])


def find_coverage(meta: Mapping[str, Any], incidents: gpd.GeoDataFrame, *, store_dir: str | Path) -> Coverage:
    """:func:`coverage_from` with the division and neighbourhood layers found in the store.

    A GeoHub division layer is preferred to another division layer; unreadable layers are skipped.
    """
    inventory = store_inventory(store_dir)
    divisions = sorted(
        (e for e in inventory if e.get("kind") == "divisions" and not e.get("error")),
        key=lambda e: (e.get("source") != "geohub", str(e["name"])),
    )
    div = None
    if divisions:
        div = (str(divisions[0]["name"]), load_places(divisions[0]["path"]))
    hoods = [
        (str(e["name"]), load_places(e["path"]))
        for e in inventory
        if e.get("kind") == "neighborhoods" and not e.get("error") and source_area(meta) is not None
    ]
    return coverage_from(meta, incidents, divisions=div, neighborhoods=hoods)


def layer_coverage(meta: Mapping[str, Any], incidents: gpd.GeoDataFrame, *, store: str | Path) -> Coverage | None:
    """The coverage an incident layer is judged by, the same for the pages and the command line.

    None for synthetic data (the demo's made-up points cover nothing real) and for a layer with no
    rows; None too when a boundary layer of the store cannot be read (no judgement rather than a
    stopped page). ``store``: the store folder or PostGIS URL (:func:`geo.data.stores.store_location`).
    """
    if meta.get("synthetic") or incidents.empty:
        return None
    if "synthetic" in incidents.columns and bool(incidents["synthetic"].fillna(False).astype(bool).any()):
        return None
    try:
        return find_coverage(meta, incidents, store_dir=store)
    except DataError:
        return None


def place_coverage(
    places: gpd.GeoDataFrame | gpd.GeoSeries, coverage: Coverage, *, within_m: float, min_share: float | None = None
) -> pd.DataFrame:
    """How much of each place's surroundings the coverage holds.

    Parameters
    ----------
    places
        Place geometries (EPSG:4326).
    coverage
        The incident layer's coverage.
    within_m
        Distance in metres (EPSG:32611) the place is grown by (the ring or ranking distance).
    min_share
        Share in (0, 1] of the grown place that must be covered for ``covered`` (None: the configured
        ``workspace.coverage_min_share``).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``places``: ``coverage_share`` (0..1) and ``coverage`` (a :data:`STATUSES` value):
        ``no_data`` where none of the grown place is covered, ``covered`` from ``min_share``, else
        ``partial`` (a place outside the area whose surroundings reach into it included).
    """
    if min_share is None:
        min_share = get_settings().workspace.coverage_min_share
    if not (0 < min_share <= 1):
        msg = f"min_share must be in (0, 1], got {min_share!r}"
        raise DataError(msg)
    if not np.isfinite(within_m) or within_m < 0:
        msg = f"within_m must be a distance >= 0 in metres, got {within_m!r}"
        raise DataError(msg)
    geoms = places.geometry if isinstance(places, gpd.GeoDataFrame) else places
    metric = geoms.to_crs(METRIC).to_numpy()
    area = coverage.metric()
    shapely.prepare(area)
    grown = shapely.buffer(metric, max(within_m, EDGE_TOL_M * 1000), quad_segs=16)
    whole = shapely.area(grown)
    inside = shapely.area(shapely.intersection(grown, area))
    share = np.clip(np.where(whole > 0, inside / np.where(whole > 0, whole, 1), 0.0), 0.0, 1.0)
    # no data only where none of the grown place is covered: a place just outside the area whose
    # surroundings reach into it has real counts there (partly covered), not none
    touches = shapely.intersects(area, grown) & (inside > 0)
    status = np.where(~touches, NO_DATA, np.where(share + 1e-9 >= min_share, COVERED, PARTIAL))
    return pd.DataFrame({"coverage_share": share, "coverage": status}, index=geoms.index)


def has_data(
    places: gpd.GeoDataFrame | gpd.GeoSeries, coverage: Coverage | None, *, within_m: float,
    min_share: float | None = None,
) -> pd.Series:  # fmt: skip
    """Whether the data say anything about each place: the one rule every page and command asks.

    False where :func:`place_coverage` finds the place's surroundings (the place grown by ``within_m``
    metres, EPSG:32611) wholly outside ``coverage`` (``no_data``: a count there would be a zero the data
    cannot support); True otherwise, and for every place when ``coverage`` is None (synthetic data, or
    a coverage that cannot be judged).

    Returns
    -------
    pandas.Series
        Booleans indexed like ``places``.
    """
    geoms = places.geometry if isinstance(places, gpd.GeoDataFrame) else places
    if coverage is None:
        return pd.Series(True, index=geoms.index, dtype=bool)
    judged = place_coverage(places, coverage, within_m=within_m, min_share=min_share)
    return (judged["coverage"] != NO_DATA).astype(bool)


def nearest_with_data(
    places: gpd.GeoDataFrame, focus: gpd.GeoDataFrame, coverage: Coverage | None, *, n: int, within_m: float,
    min_share: float | None = None,
) -> gpd.GeoDataFrame:  # fmt: skip
    """The ``n`` places of ``focus``'s kind nearest to it that the data fully cover, for comparisons.

    The rule (written on the Trends page): places of the same ``kind`` as the focus, other than the focus,
    lying wholly outside the focus grown by ``within_m`` metres (so an evaluation's comparison area is not its
    displacement buffer), whose surroundings within ``within_m`` metres the coverage holds (``covered`` by
    :func:`place_coverage`; any place when ``coverage`` is None), nearest first (EPSG:32611 distance between
    the outlines, a point place from its point).

    Parameters
    ----------
    places
        Candidate places (EPSG:4326) with ``kind`` (and ``place_id``, to leave the focus out).
    focus
        The focus place (its rows are merged; EPSG:4326).
    coverage
        The incident layer's coverage, or None.
    n
        How many places at most.
    within_m
        The distance the places are grown by, metres (the displacement buffer).
    min_share
        Share for ``covered`` (None: the configured ``workspace.coverage_min_share``).

    Returns
    -------
    geopandas.GeoDataFrame
        Rows of ``places``, nearest first (fewer than ``n`` when fewer qualify).
    """
    if n < 0:
        msg = f"n must be a number of places >= 0, got {n!r}"
        raise DataError(msg)
    if not np.isfinite(within_m) or within_m < 0:
        msg = f"within_m must be a distance >= 0 in metres, got {within_m!r}"
        raise DataError(msg)
    if focus.empty or places.empty or n == 0:
        return places.iloc[0:0]
    kinds = set(focus["kind"].astype(str)) if "kind" in focus.columns else set()
    pool = places[places["kind"].astype(str).isin(kinds)] if kinds and "kind" in places.columns else places
    if "place_id" in focus.columns and "place_id" in pool.columns:
        pool = pool[~pool["place_id"].astype(str).isin(set(focus["place_id"].astype(str)))]
    spot = shapely.union_all(focus.to_crs(METRIC).geometry.to_numpy())
    geoms = pool.to_crs(METRIC).geometry.to_numpy()
    keep = ~shapely.intersects(geoms, shapely.buffer(spot, within_m, quad_segs=16))
    if coverage is not None:  # a place the coverage does not reach cannot be covered: judged no further
        area = coverage.metric()
        shapely.prepare(area)
        keep &= shapely.intersects(area, geoms)
    pool, dist = pool[keep], shapely.distance(geoms[keep], spot)
    order = np.argsort(dist, kind="stable")
    chosen: list[int] = []
    step = max(4 * n, 16)
    for start in range(0, len(order), step):  # judge the nearest first: the coverage test buffers every place
        batch = order[start : start + step]
        if coverage is None:
            ok = np.ones(len(batch), dtype=bool)
        else:
            judged = place_coverage(pool.iloc[batch], coverage, within_m=within_m, min_share=min_share)
            ok = (judged["coverage"] == COVERED).to_numpy()
        chosen += [int(i) for i in batch[ok]]
        if len(chosen) >= n:
            break
    return pool.iloc[chosen[:n]]


def division_layer(store: str | Path) -> gpd.GeoDataFrame | None:
    """The store's LAPD division layer (polygons, EPSG:4326), the wider area a handout's locator inset draws; None
    when the store has none or it cannot be read."""
    try:
        entries = [e for e in store_inventory(store) if e.get("kind") == "divisions" and not e.get("error")]
    except DataError:
        return None
    if not entries:
        return None
    try:
        return load_places(str(sorted(entries, key=lambda e: str(e["name"]))[0]["path"]))
    except DataError:
        return None


def area_layers(store: str | Path) -> gpd.GeoDataFrame | None:
    """The neighbourhood layers of a store as one table (``name``, polygons, EPSG:4326), which tell places apart
    by where they are (:func:`geo.data.labels.place_labels`); None when the store has none."""
    try:
        entries = [e for e in store_inventory(store) if e.get("kind") == "neighborhoods" and not e.get("error")]
    except DataError:
        return None
    return area_table([str(e["path"]) for e in sorted(entries, key=lambda e: str(e["name"]))])
