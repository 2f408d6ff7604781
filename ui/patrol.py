"""Cached patrol planning for the route page (walking network, candidates, plans), plain keys only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import networkx as nx
import pandas as pd
import streamlit as st

from geo.core.filters import Filters
from geo.core.settings import Settings
from geo.data.walknet import load_demo_network, load_osm_network
from geo.patrol import planner as patrol
from ui import analysis, data
from ui.data import FileKey


@st.cache_resource(show_spinner=False, max_entries=2)
def _demo_network(path: str, mtime: float) -> nx.MultiDiGraph:
    return load_demo_network(path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _osm_network(lat: float, lon: float, dist_m: float, cache_dir: str) -> nx.MultiDiGraph:
    return load_osm_network(lat=lat, lon=lon, dist_m=dist_m, cache_dir=cache_dir)


def network(settings: Settings, lat: float, lon: float, reach_m: float) -> nx.MultiDiGraph:
    """The walking network the settings choose (shared, never modified)."""
    p = settings.patrol
    if p.network == "osm":
        dist = max(p.osm_dist_m, reach_m)
        return _osm_network(round(lat, 4), round(lon, 4), dist, str(settings.sources.store_dir / "walk"))
    return _demo_network(str(p.demo_network), data.mtime(p.demo_network))


def start_point(places_path: Path, name: str, lang: str) -> tuple[float, float]:
    """Where a patrol from ``name`` starts: the place's representative point (lat, lon)."""
    geom = analysis.place(places_path, name, lang).geometry.iloc[0]
    pt = geom.representative_point() if geom.geom_type != "Point" else geom
    return float(pt.y), float(pt.x)


@st.cache_data(show_spinner=False, max_entries=16)
def _candidates(
    path: str, mtime: float, query: Filters, places_path: str, places_mtime: float, place: str,
    lat: float, lon: float, reach_m: float, method: str, settings_json: str,
) -> gpd.GeoDataFrame:  # fmt: skip
    settings = Settings.model_validate_json(settings_json)
    inc = analysis.incidents_in_view(FileKey(path, mtime), query)
    focus = analysis.focus_place(FileKey(places_path, places_mtime), place)
    return patrol.candidate_stops(
        inc, place=focus, lat=lat, lon=lon, reach_m=reach_m, params=settings.patrol, method=method,
        alpha=settings.analysis.fdr_alpha, min_events=settings.analysis.min_events,
    )  # fmt: skip


def candidates(
    settings: Settings, path: Path, query: Filters, places_path: Path, place: str, *, lat: float, lon: float,
    reach_m: float, method: str,
) -> gpd.GeoDataFrame:  # fmt: skip
    """Candidate stops for a patrol (border segments and hot cells), heaviest first."""
    return _candidates(
        str(path), data.mtime(path), query, str(places_path), data.mtime(places_path), place, round(lat, 6),
        round(lon, 6), round(reach_m), method, settings.model_dump_json(),
    )  # fmt: skip


def with_edits(
    stops: gpd.GeoDataFrame, *, excluded: tuple[str, ...], added: tuple[tuple[float, float], ...]
) -> gpd.GeoDataFrame:
    """Candidates less the excluded ones, plus the user's points (weight 1 each)."""
    out = patrol.remove_stops(stops, list(excluded)) if excluded else stops
    for i, (lat, lon) in enumerate(added, start=1):
        out = patrol.add_stop(out, lat=lat, lon=lon, weight=1.0, label=str(i))
    return out


@st.cache_data(show_spinner=False, max_entries=32)
def _plan(
    path: str, mtime: float, query: Filters, places_path: str, places_mtime: float, place: str, lat: float,
    lon: float, budget_min: float, dwell_min: float, speed_mps: float, max_stops: int, method: str,
    excluded: tuple[str, ...], added: tuple[tuple[float, float], ...], leave_iso: str, meta_json: str,
    settings_json: str,
) -> patrol.PatrolRoute:  # fmt: skip
    import json

    settings = Settings.model_validate_json(settings_json)
    p = settings.patrol
    reach_m = budget_min * 60 * speed_mps / 2
    graph = network(settings, lat, lon, reach_m)
    stops = with_edits(
        _candidates(path, mtime, query, places_path, places_mtime, place, round(lat, 6), round(lon, 6),
                    round(reach_m), method, settings_json),
        excluded=excluded, added=added,
    )  # fmt: skip
    return patrol.plan_route(
        graph, stops, lat=lat, lon=lon, budget_min=budget_min, dwell_min=dwell_min,
        dwell_range_min=p.dwell_range_min, speed_mps=speed_mps, max_stops=max_stops,
        start_time=dt.datetime.fromisoformat(leave_iso), max_snap_m=p.max_snap_m,
        time_limit_s=p.solver_time_limit_s, meta=json.loads(meta_json),
    )  # fmt: skip


def plan(
    settings: Settings, path: Path, query: Filters, places_path: Path, place: str, *, lat: float, lon: float,
    budget_min: float, dwell_min: float, speed_mps: float, max_stops: int, method: str, excluded: tuple[str, ...],
    added: tuple[tuple[float, float], ...], leave: dt.datetime, meta: dict[str, object],
) -> patrol.PatrolRoute:  # fmt: skip
    """The planned route for these choices (cached on plain values; solving is deterministic)."""
    import json

    return _plan(
        str(path), data.mtime(path), query, str(places_path), data.mtime(places_path), place, lat, lon, budget_min,
        dwell_min, speed_mps, max_stops, method, excluded, added, leave.isoformat(),
        json.dumps(meta, sort_keys=True, default=str), settings.model_dump_json(),
    )  # fmt: skip


def start_datetime(day: dt.date, at: dt.time) -> dt.datetime:
    """A timezone-aware local departure time."""
    return pd.Timestamp(dt.datetime.combine(day, at)).tz_localize("America/Los_Angeles").to_pydatetime()
