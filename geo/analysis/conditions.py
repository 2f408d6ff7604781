"""Conditions the partnership can act on, from the City's service requests (MyLA311): how many of each condition,
how many still open, and how long the City took to close them, in an area and per grid cell.

Days to close are counted from ``created_at`` to ``closed_at`` for requests the City closed (cancelled and referred
requests have no time to close); a request still open counts as open, however old. The median is reported, not the
mean: a few requests closed months later would move a mean far from the usual wait. Service requests are reports
residents and City crews make, so a street with many reports may be a street where people report more: the counts say
where the City was told, not everywhere a light is out.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from geo.analysis.grid import SquareGrid, make_grid
from geo.core.categories import CONDITIONS
from geo.core.errors import AnalysisError
from geo.core.projection import WGS84
from geo.core.schema import TZ
from geo.core.validate import metric_xy

SECONDS_PER_DAY = 86_400.0


def days_to_close(requests: pd.DataFrame) -> pd.Series:
    """Days from created to closed (float) for closed requests, NaN for the others."""
    closed = requests["status"].astype("string").eq("closed").to_numpy(dtype=bool, na_value=False)
    span = (requests["closed_at"] - requests["created_at"]).dt.total_seconds() / SECONDS_PER_DAY
    return span.where(closed & span.notna().to_numpy() & (span >= 0).to_numpy(dtype=bool, na_value=False))


def in_period(requests: gpd.GeoDataFrame, start: dt.date | None, end: dt.date | None) -> gpd.GeoDataFrame:
    """The requests created from ``start`` to ``end`` (inclusive days, America/Los_Angeles; None: open-ended)."""
    created = requests["created_at"].dt.tz_convert(TZ).dt.date
    keep = np.ones(len(requests), dtype=bool)
    if start is not None:
        keep &= (created >= start).to_numpy(dtype=bool)
    if end is not None:
        keep &= (created <= end).to_numpy(dtype=bool)
    return requests[keep]


def span_of(
    start: dt.date | None, end: dt.date | None, incidents: pd.DataFrame
) -> tuple[dt.date | None, dt.date | None]:
    """The period requests are shown for beside ``incidents``: the one chosen, each end not chosen taken from the
    incidents' own first and last day (so requests of another period are never set beside them); open where there
    is no incident either."""
    if len(incidents) and (start is None or end is None):
        days = incidents["occurred_at"].dt.tz_convert(TZ).dt.date
        start, end = start or days.min(), end or days.max()
    return start, end


def within(requests: gpd.GeoDataFrame, area: BaseGeometry) -> gpd.GeoDataFrame:
    """The requests inside ``area`` (EPSG:4326)."""
    if area is None or area.is_empty:
        msg = "the area is empty; choose a place or draw an area"
        raise AnalysisError(msg)
    return requests[requests.geometry.within(area).to_numpy(dtype=bool)]


def summary(requests: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per condition (in :data:`CONDITIONS` order, only those present): ``requests``, ``open``, ``closed``,
    ``median_days`` (to close, closed requests only; NaN when none closed)."""
    days = days_to_close(requests)
    frame = pd.DataFrame(
        {
            "condition": requests["condition"].astype("string").to_numpy(),
            "open": requests["status"].astype("string").eq("open").to_numpy(dtype=bool, na_value=False),
            "closed": days.notna().to_numpy(),
            "days": days.to_numpy(dtype=float),
        }
    )
    grouped = frame.groupby("condition", sort=False).agg(
        requests=("open", "size"), open=("open", "sum"), closed=("closed", "sum"), median_days=("days", "median")
    )
    order = [c for c in CONDITIONS if c in grouped.index] + sorted(set(grouped.index) - set(CONDITIONS))
    out = grouped.loc[order].reset_index()
    out[["requests", "open", "closed"]] = out[["requests", "open", "closed"]].astype("int64")
    return out


def cells(requests: gpd.GeoDataFrame, *, cell_m: float, grid: SquareGrid | None = None) -> gpd.GeoDataFrame:
    """Requests per grid cell (EPSG:4326 squares of ``cell_m`` metres): ``count``, ``open``, ``median_days`` and one
    count column per condition present (``n_streetlight`` ...); only cells with a request."""
    if len(requests) == 0:
        return gpd.GeoDataFrame({"count": []}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    xy = metric_xy(requests)
    grid = grid or make_grid(xy, cell_m=cell_m)
    col = np.floor((xy[:, 0] - grid.x0) / grid.cell_m).astype(int)
    row = np.floor((xy[:, 1] - grid.y0) / grid.cell_m).astype(int)
    ok = (col >= 0) & (col < grid.nx) & (row >= 0) & (row < grid.ny)
    frame = pd.DataFrame(
        {
            "cell": (row * grid.nx + col)[ok],
            "condition": requests["condition"].astype("string").to_numpy()[ok],
            "open": requests["status"].astype("string").eq("open").to_numpy(dtype=bool, na_value=False)[ok],
            "days": days_to_close(requests).to_numpy(dtype=float)[ok],
        }
    )
    per = frame.groupby("cell").agg(count=("open", "size"), open=("open", "sum"), median_days=("days", "median"))
    kinds = frame.pivot_table(index="cell", columns="condition", values="open", aggfunc="size", fill_value=0)
    kinds.columns = [f"n_{c}" for c in kinds.columns]
    per = per.join(kinds).reset_index()
    counts = np.zeros(grid.shape, dtype=np.int64)
    counts.ravel()[per["cell"].to_numpy()] = per["count"].to_numpy()
    polys = grid.to_gdf({"count": counts}, keep=counts > 0)
    polys = polys.assign(cell=polys["row"].to_numpy() * grid.nx + polys["col"].to_numpy())
    out = polys[["cell", "geometry"]].merge(per, on="cell", how="left").drop(columns="cell")
    out.attrs["grid"] = grid
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def points_of(requests: gpd.GeoDataFrame, condition: str) -> gpd.GeoDataFrame:
    """The requests of one condition as a point layer (a risk factor), EPSG:4326."""
    if condition not in CONDITIONS:
        msg = f"unknown condition {condition!r}; expected one of {list(CONDITIONS)}"
        raise AnalysisError(msg)
    return requests[requests["condition"].astype("string").eq(condition).to_numpy(dtype=bool, na_value=False)]


__all__ = ["cells", "days_to_close", "in_period", "points_of", "summary", "within"]
