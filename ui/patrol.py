"""Cached patrol planning for the Patrol page: the same :func:`geo.patrol.request.plan` as the CLI.

Every cache is keyed on plain values: the :class:`~geo.patrol.request.PlanRequest` itself (a frozen
dataclass of plain values), the data inputs' :class:`~ui.data.FileKey` (a PostGIS layer's carries its published
version, so a new ingest is a new key on both stores), and the settings (a frozen model, hashed like any
argument). The tables and the walking network are shared read-only and never part of a key.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import geopandas as gpd
import networkx as nx
import pandas as pd
import streamlit as st

from geo.core.disclosure import Disclosure
from geo.core.filters import Filters
from geo.core.schema import TZ
from geo.core.settings import Settings
from geo.data.walknet import WALK_CACHE, load_demo_network, load_osm_network
from geo.data.walknet_import import imported_path, load_imported_network
from geo.patrol.intersection import Lookup, lookup_intersection, nearest_where
from geo.patrol.model import PatrolRoute
from geo.patrol.network import osm_centre, osm_radius_m
from geo.patrol.request import PlanRequest, candidates_for, plan, reach_m, select_incidents, start_of
from geo.patrol.text import stop_kind
from ui import data
from ui.data import FileKey


@st.cache_resource(show_spinner=False, max_entries=2)
def _demo_network(key: FileKey) -> nx.MultiDiGraph:
    return load_demo_network(key.path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _osm_network(lat: float, lon: float, dist_m: float, cache_dir: str, timeout_s: float) -> nx.MultiDiGraph:
    return load_osm_network(lat=lat, lon=lon, dist_m=dist_m, cache_dir=cache_dir, timeout_s=timeout_s)


def network(settings: Settings, choice: str, *, lat: float, lon: float, reach_m: float) -> nx.MultiDiGraph:
    """The walking network (shared, never modified), as :func:`geo.patrol.network.load_network` loads it, cached.

    The OSM network is cached on the centre and radius of :func:`~geo.patrol.network.osm_centre`
    and :func:`~geo.patrol.network.osm_radius_m`; the demo network on its file's modification time.
    """
    if choice == "osm":
        clat, clon = osm_centre(lat, lon)
        dist = osm_radius_m(settings, reach_m)
        return _osm_network(
            clat, clon, dist, str(settings.sources.store_dir / WALK_CACHE), settings.sources.http.timeout_s
        )
    if choice == "imported":
        path = imported_path(settings.sources.store_dir)
        if not path.is_file():  # the loader says how to import one
            return load_imported_network(settings.sources.store_dir)
        return _imported_network(data.file_key(path), str(settings.sources.store_dir))
    return _demo_network(data.file_key(settings.patrol.demo_network))


@st.cache_resource(show_spinner=False, max_entries=2)
def _imported_network(key: FileKey, store_dir: str) -> nx.MultiDiGraph:
    return load_imported_network(store_dir)  # keyed by the file's FileKey: a new import is a new network


def imported_available(settings: Settings) -> bool:
    """Whether the store holds an imported walking network (``python -m geo ingest FILE --kind walknet``)."""
    return imported_path(settings.sources.store_dir).is_file()


def _tables(settings: Settings, lang: str) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    src = settings.sources
    incidents = data.incidents(src.incidents, lang)
    return incidents, data.derived_table(data.file_key(src.incidents)), data.places(src.places, lang)


Files = tuple[FileKey, FileKey]


def _files(settings: Settings) -> Files:
    """The cache keys of the incidents and places (a PostGIS layer's carries its version: a new ingest is new)."""
    src = settings.sources
    return data.file_key(src.incidents), data.file_key(src.places)


@st.cache_data(show_spinner=False, max_entries=32)
def _window(request: PlanRequest, files: Files, settings: Settings, lang: str) -> tuple[int, Filters]:
    incidents, derived, _ = _tables(settings, lang)
    rows, window = select_incidents(request, incidents, settings, derived=derived)
    return len(rows), window


def window(request: PlanRequest, settings: Settings, lang: str) -> tuple[int, Filters]:
    """How many incidents the request's data window selects, and the window (start and end stated)."""
    return _window(request.without_edits(), _files(settings), settings, lang)


@st.cache_data(show_spinner=False, max_entries=16)
def _candidates(request: PlanRequest, files: Files, settings: Settings, lang: str) -> gpd.GeoDataFrame:
    incidents, derived, places = _tables(settings, lang)
    return candidates_for(request, incidents=incidents, places=places, settings=settings, derived=derived)


def candidates(request: PlanRequest, settings: Settings, lang: str) -> gpd.GeoDataFrame:
    """The candidate stops the request offers before the user's edits, heaviest first."""
    return _candidates(request.without_edits(), _files(settings), settings, lang)


@st.cache_data(show_spinner=False, max_entries=32)
def _plan(request: PlanRequest, files: Files, settings: Settings, lang: str) -> PatrolRoute:
    incidents, derived, places = _tables(settings, lang)
    offered = candidates(request, settings, lang)
    result = plan(
        request, incidents=incidents, places=places, settings=settings, network_loader=network, derived=derived,
        candidates=offered,
    )  # fmt: skip
    return result.route


def plan_route(request: PlanRequest, settings: Settings, lang: str) -> PatrolRoute:
    """The route :func:`geo.patrol.request.plan` gives for ``request`` (cached; solving is deterministic)."""
    return _plan(request, _files(settings), settings, lang)


def start_point(request: PlanRequest, settings: Settings, lang: str) -> tuple[float, float]:
    """Where the request's loop starts, ``(lat, lon)`` degrees (:func:`geo.patrol.request.start_of`)."""
    _, lat, lon = start_of(request, data.places(settings.sources.places, lang))
    return lat, lon


def start_datetime(day: dt.date, at: dt.time) -> dt.datetime:
    """A timezone-aware local departure time (the data's time zone)."""
    return dt.datetime.combine(day, at, ZoneInfo(TZ))


@st.cache_data(show_spinner=False, max_entries=16)
def _candidate_streets(
    request: PlanRequest,
    files: Files,
    settings: Settings,
    lang: str,
    start: tuple[float, float],
) -> list[str | None]:
    graph = network(
        settings,
        request.network or settings.patrol.network,
        lat=start[0],
        lon=start[1],
        reach_m=reach_m(request, settings),
    )
    offered = candidates(request, settings, lang)
    return nearest_where(graph, [(float(p.y), float(p.x)) for p in offered.geometry])


def candidate_labels(request: PlanRequest, settings: Settings, lang: str, rule: Disclosure) -> dict[str, str]:
    """Readable, distinct labels of the candidate stops: ``"3. Hot spot (Gi*) · Western Ave & W 62nd St (10)"``.

    Numbered heaviest first (the order of :func:`candidates`), so two stops of the same kind and
    weight are told apart; the streets are those at the nearest named node of the walking network.
    """
    offered = candidates(request, settings, lang)
    base = request.without_edits()
    streets = _candidate_streets(base, _files(settings), settings, lang, start_point(base, settings, lang))
    out = {}
    for i, (row, where) in enumerate(zip(offered.itertuples(), streets, strict=True), start=1):
        place = f" · {where}" if where else ""
        weight = rule.text(round(float(row.weight)), lang)  # each stop on its own: candidates overlap
        out[str(row.stop_id)] = f"{i}. {stop_kind(str(row.kind), row.label, lang)}{place} ({weight})"
    return out


def intersection(request: PlanRequest, settings: Settings, lang: str, text: str) -> Lookup:
    """The walking-network node where the two streets typed in ``text`` meet (:func:`lookup_intersection`)."""
    lat, lon = start_point(request, settings, lang)
    graph = network(
        settings, request.network or settings.patrol.network, lat=lat, lon=lon, reach_m=reach_m(request, settings)
    )
    return lookup_intersection(graph, text)
