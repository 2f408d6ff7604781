"""One planning entry point for the CLI and the dashboard: a :class:`PlanRequest` in, a route out.

``python -m geo route`` and the Patrol page build the same frozen :class:`PlanRequest` (a place
name or a lat/lon point, the budget, the dwell, the walking speed, the hot-spot method, the data
window as :class:`~geo.core.filters.Filters`, the walking network, the user's edits and the start
time) and call :func:`plan`, so the same request gives the same route in both. The request holds
plain values only, so it is its own cache key.

The rules live here once:

- **start**: a place starts at its representative point (a point inside the outline, measured in
  EPSG:32611; a point place at the point itself); a lat/lon start focuses on the smallest place
  that contains it, if any;
- **place name**: :func:`geo.data.datasets.place_by_name`, first match;
- **data window**: the request's Filters, selected with :func:`geo.core.filters.apply`; when they
  have no start date, the last ``patrol.hotspot_days`` days ending at their end date or else at
  the latest incident (:func:`data_window`);
- **network**: :func:`geo.patrol.network.load_network` (OSM radius from
  :func:`geo.patrol.network.osm_radius_m`); a request that names none on real incidents while the
  configured network is the demo's generated grid is refused (:class:`NetworkChoiceNeeded`): the
  grid is used on real data only when chosen (``network="demo"``), and the route then says so.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Protocol

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import Point

from geo.core.errors import AnalysisError
from geo.core.filters import Filters, apply
from geo.core.projection import WGS84, to_metric
from geo.core.settings import Settings
from geo.data.datasets import place_by_name
from geo.data.labels import layer_unit
from geo.patrol.candidates import HOTSPOT_METHODS, add_stop, candidate_stops, remove_stops
from geo.patrol.model import PatrolRoute
from geo.patrol.network import NETWORKS, load_network
from geo.patrol.planner import plan_route
from geo.patrol.rules import WalkRules

ADDED_WEIGHT = 1.0  # a stop the user adds counts as one expected incident
DEMO_REFUSAL = (
    "the configured walking network is the demo's generated grid, not real streets, and these incidents are real: "
    "plan on OpenStreetMap with --network osm (fetched once, needs the internet), import a street network with "
    "`python -m geo ingest streets.graphml --kind walknet` (GraphML, an .osm extract or a street centreline file) "
    "then use --network imported, or use the generated grid knowingly with --network demo"
)


class NetworkChoiceNeeded(AnalysisError):
    """Real incidents, no network named and the configured one is the demo grid: the person must choose."""


class NetworkLoader(Protocol):
    """``loader(settings, choice, *, lat, lon, reach_m) -> graph``, as :func:`~geo.patrol.network.load_network`."""

    def __call__(self, settings: Settings, choice: str, *, lat: float, lon: float, reach_m: float) -> nx.MultiDiGraph:
        """The walking network ``choice`` names for a loop from ``(lat, lon)`` reaching ``reach_m`` metres."""
        ...


@dataclass(frozen=True)
class PlanRequest:
    """What a patrol plan is asked for; plain values only (hashable, its own cache key).

    Attributes
    ----------
    budget_min
        Shift time budget, minutes (walking plus dwell).
    place
        Start at this place (a name of the place layer); or
    point
        start at ``(lat, lon)``, degrees (EPSG:4326). Exactly one of the two.
    dwell_min, speed_mps, max_stops
        Dwell per stop (minutes), walking speed (m/s) and the most stops; None: the settings'
        ``patrol.dwell_min``, ``patrol.speed_mps``, ``patrol.max_stops``.
    method
        Hot cells from ``gistar`` (Getis-Ord Gi*) or the busiest ``grid`` cells.
    filters
        The data window and the incident filters (the sidebar's, or the CLI's flags); its
        ``place`` and ``rings_m`` play no part.
    network
        ``demo``, ``osm`` or ``imported``; None: the settings' ``patrol.network``, except that on
        real incidents a configured ``demo`` is refused (:func:`network_choice_needed`).
    excluded
        Candidate ``stop_id`` values to leave out.
    added
        Extra stops the user picked, ``(lat, lon)`` degrees: visited before any candidate whenever
        they fit the budget (weight 1 each, one expected incident, or the weight of the hot spot on
        their node).
    start_time
        Departure time (timezone-aware); None: now, rounded up to 5 minutes.
    """

    budget_min: float
    place: str | None = None
    point: tuple[float, float] | None = None
    dwell_min: float | None = None
    speed_mps: float | None = None
    max_stops: int | None = None
    method: str = "gistar"
    filters: Filters = field(default_factory=Filters)
    network: str | None = None
    excluded: tuple[str, ...] = ()
    added: tuple[tuple[float, float], ...] = ()
    start_time: dt.datetime | None = None

    def __post_init__(self) -> None:
        if (self.place is None) == (self.point is None):
            msg = "give either a place or a (lat, lon) point to start from, not both or neither"
            raise AnalysisError(msg)
        if self.point is not None:
            lat, lon = self.point
            if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
                msg = f"the start must be lat/lon degrees, got {lat}, {lon}"
                raise AnalysisError(msg)
        if not (math.isfinite(self.budget_min) and self.budget_min > 0):
            msg = f"the time budget must be a positive number of minutes, got {self.budget_min}"
            raise AnalysisError(msg)
        if self.method not in HOTSPOT_METHODS:
            msg = f"unknown hot-spot method {self.method!r}; expected one of {list(HOTSPOT_METHODS)}"
            raise AnalysisError(msg)
        if self.network is not None and self.network not in NETWORKS:
            msg = f"unknown walking network {self.network!r}; expected one of {list(NETWORKS)}"
            raise AnalysisError(msg)
        if not isinstance(self.filters, Filters):
            msg = f"filters must be a Filters value, got {type(self.filters).__name__}"
            raise AnalysisError(msg)
        # the focus place and rings of a view play no part in a plan: leave them out of the key
        object.__setattr__(self, "filters", self.filters.replace(place=None, rings_m=()))

    def replace(self, **changes: Any) -> PlanRequest:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def without_edits(self) -> PlanRequest:
        """The same request before the user's edits (the key of its candidate stops)."""
        return self.replace(excluded=(), added=(), start_time=None)


@dataclass(frozen=True)
class PlanResult:
    """A planned route and what the CLI prints and the page shows beside it.

    ``route.meta`` holds ``place``, ``data_from``/``data_to`` (the data window, ISO dates),
    ``incidents_used`` and ``synthetic``; ``candidates`` are the stops offered before the
    user's edits; ``graph`` is the walking network walked (for the route card's map).
    """

    route: PatrolRoute
    graph: nx.MultiDiGraph
    candidates: gpd.GeoDataFrame
    window: Filters


def start_of(request: PlanRequest, places: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame | None, float, float]:
    """The focus place (one row, or None) and the start point ``(lat, lon)`` in degrees."""
    if request.place is not None:
        place = place_by_name(places, request.place).iloc[[0]]
        shape = to_metric(place).geometry.iloc[0]
        inside = shape if shape.geom_type == "Point" else shape.representative_point()
        point = gpd.GeoSeries([inside], crs=to_metric(place).crs).to_crs(WGS84).iloc[0]
        return place, float(point.y), float(point.x)
    assert request.point is not None  # checked by PlanRequest
    lat, lon = request.point
    containing = places[places.geometry.contains(Point(lon, lat))]
    if containing.empty:
        return None, lat, lon
    areas = to_metric(containing).geometry.area
    return containing.loc[[areas.idxmin()]], lat, lon


def data_window(filters: Filters, incidents: pd.DataFrame, *, days: int) -> Filters:
    """``filters`` with the data window stated: when they have no start date, the last ``days`` days
    ending at their end date or else at the latest incident's local date (both inclusive); a
    missing end date is the latest incident's."""
    if days < 1:
        msg = f"the hot-spot window must be at least 1 day, got {days}"
        raise AnalysisError(msg)
    latest: dt.date | None = incidents["occurred_at"].max().date() if len(incidents) else None
    if filters.start is not None:
        if filters.end is None and latest is not None and latest >= filters.start:
            return filters.replace(end=latest)
        return filters
    end = filters.end or latest
    if end is None:
        return filters
    return filters.replace(start=end - dt.timedelta(days=days - 1), end=end)


def select_incidents(
    request: PlanRequest, incidents: gpd.GeoDataFrame, settings: Settings, *, derived: pd.DataFrame | None = None
) -> tuple[gpd.GeoDataFrame, Filters]:
    """The incidents behind the hot spots and the data window they were selected with."""
    window = data_window(request.filters, incidents, days=settings.patrol.hotspot_days)
    return apply(incidents, window, derived), window


def reach_m(request: PlanRequest, settings: Settings) -> float:
    """How far out the loop can walk, metres: half the budget at the walking speed."""
    return request.budget_min * 60 * speed_of(request, settings) / 2


def speed_of(request: PlanRequest, settings: Settings) -> float:
    """The walking speed, m/s."""
    return settings.patrol.speed_mps if request.speed_mps is None else float(request.speed_mps)


def walk_rules(request: PlanRequest, settings: Settings) -> WalkRules:
    """The configured walking rules (``patrol.*``) with the request's dwell, speed and most stops on top."""
    p = settings.patrol
    return WalkRules.from_settings(
        p,
        dwell_min=p.dwell_min if request.dwell_min is None else float(request.dwell_min),
        speed_mps=speed_of(request, settings),
        max_stops=p.max_stops if request.max_stops is None else int(request.max_stops),
    )


def candidates_for(
    request: PlanRequest,
    *,
    incidents: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    settings: Settings,
    derived: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The candidate stops a request offers before the user's edits (heaviest first, EPSG:4326)."""
    rows, window = select_incidents(request, incidents, settings, derived=derived)
    _check_rows(rows, window)
    place, lat, lon = start_of(request, places)
    return candidate_stops(
        rows, place=place, lat=lat, lon=lon, reach_m=reach_m(request, settings), params=settings.patrol,
        method=request.method, analysis=settings.analysis,
    )  # fmt: skip


def real_incidents(incidents: pd.DataFrame) -> bool:
    """Whether the incidents are real: not every row marked ``synthetic`` (a table without the column is real)."""
    if "synthetic" not in incidents.columns:
        return True
    return not bool(incidents["synthetic"].fillna(False).astype(bool).all())


def network_choice_needed(request: PlanRequest, incidents: pd.DataFrame, settings: Settings) -> bool:
    """Whether :func:`plan` refuses ``request``: no network named, ``demo`` configured, real incidents."""
    return request.network is None and settings.patrol.network == "demo" and real_incidents(incidents)


def _check_rows(rows: pd.DataFrame, window: Filters) -> None:
    if rows.empty:
        span = f"between {window.start or '...'} and {window.end or '...'}"
        msg = f"no incidents {span} match the filters: widen the dates or the filters to find hot spots"
        raise AnalysisError(msg)


def _now_rounded() -> dt.datetime:
    now = dt.datetime.now().astimezone()
    return (now + dt.timedelta(minutes=5 - now.minute % 5)).replace(second=0, microsecond=0)


def plan(
    request: PlanRequest,
    *,
    incidents: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    settings: Settings,
    network_loader: NetworkLoader = load_network,
    derived: pd.DataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
) -> PlanResult:
    """Plan the route a request asks for.

    Parameters
    ----------
    request
        The request (validated on construction).
    incidents, places
        The incident and place tables (EPSG:4326), shared read-only.
    settings
        ``patrol.*`` and the ``analysis`` section (Gi* as on the Map page).
    network_loader
        Loads the walking network (:func:`~geo.patrol.network.load_network`; the dashboard passes
        a cached one).
    derived
        :func:`geo.core.filters.derived_columns` of ``incidents``, when already computed.
    candidates
        :func:`candidates_for` of this request, when already computed.

    Raises
    ------
    NetworkChoiceNeeded
        Real incidents and no network named while ``patrol.network`` is ``demo`` (:data:`DEMO_REFUSAL`).
    AnalysisError
        No incidents in the window, the start off the network, no stop within the budget.
    DataError
        An unknown place or stop id; a bad network file.
    """
    p = settings.patrol
    if network_choice_needed(request, incidents, settings):
        raise NetworkChoiceNeeded(DEMO_REFUSAL)
    rows, window = select_incidents(request, incidents, settings, derived=derived)
    _check_rows(rows, window)
    place, lat, lon = start_of(request, places)
    reach = reach_m(request, settings)
    offered = candidates if candidates is not None else candidates_for(
        request, incidents=incidents, places=places, settings=settings, derived=derived
    )  # fmt: skip
    stops = remove_stops(offered, request.excluded) if request.excluded else offered
    for i, (alat, alon) in enumerate(request.added, start=1):
        stops = add_stop(stops, lat=alat, lon=alon, weight=ADDED_WEIGHT, label=str(i))
    graph = network_loader(settings, request.network or p.network, lat=lat, lon=lon, reach_m=reach)
    meta: dict[str, Any] = {
        "place": str(place["name"].iloc[0]) if place is not None else None,
        "data_from": window.start.isoformat() if window.start else None,
        "data_to": window.end.isoformat() if window.end else None,
        "incidents_used": len(rows),
        "synthetic": bool(rows["synthetic"].any()) if "synthetic" in rows.columns else False,
        # what one row counts (people killed for per-victim sources): the route card's stop reasons say it
        "unit": layer_unit({"source": str(rows["source"].iloc[0])}) if len(rows) and "source" in rows else None,
    }
    route = plan_route(
        graph,
        stops,
        lat=lat,
        lon=lon,
        budget_min=float(request.budget_min),
        rules=walk_rules(request, settings),
        start_time=request.start_time or _now_rounded(),
        meta=meta,
    )
    return PlanResult(route=route, graph=graph, candidates=offered, window=window)
