"""``python -m geo route``: plan a foot-patrol loop and print a JSON summary.

Start at a place (``--place "Harvard Park"``) or a point (``--lat/--lon``); candidate stops are
the border segments of the focus place and the busiest grid cells within reach, weighted by the
incidents of the last ``patrol.hotspot_days`` days of data (or ``--from/--to``). Optional outputs:
a GPX 1.1 file (``--out``) and a printable route card (``--card``, .pdf or .png), in ``--lang``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import geopandas as gpd
import networkx as nx
import pandas as pd
from shapely.geometry import Point

from geo.cli._args import add_focus, focus_point, parse_date, settings_for
from geo.core.errors import AnalysisError
from geo.core.projection import WGS84, to_metric
from geo.core.schema import TZ
from geo.core.settings import Settings
from geo.data.datasets import filter_period, load_incidents, load_places, place_by_name
from geo.data.walknet import load_demo_network, load_osm_network
from geo.patrol import planner as patrol


def _start_time(text: str | None, day: str | None) -> dt.datetime:
    tz = ZoneInfo(TZ)
    if day is not None:
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            msg = f"--date must be YYYY-MM-DD, got {day!r}"
            raise AnalysisError(msg) from None
    else:
        date = dt.datetime.now(tz).date()
    if text is None:
        now = dt.datetime.now(tz)
        rounded = (now + dt.timedelta(minutes=5 - now.minute % 5)).replace(second=0, microsecond=0)
        return rounded if day is None else dt.datetime.combine(date, rounded.time(), tz)
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip())
    if not m:
        msg = f"--start must be HH:MM on the 24-hour clock, got {text!r}"
        raise AnalysisError(msg)
    return dt.datetime.combine(date, dt.time(int(m.group(1)), int(m.group(2))), tz)


def _date(text: str | None, flag: str) -> pd.Timestamp | None:
    day = parse_date(text, flag)
    return None if day is None else pd.Timestamp(day)


def _focus(places: gpd.GeoDataFrame, args: argparse.Namespace) -> tuple[gpd.GeoDataFrame | None, float, float]:
    """The focus place (or None) and the start point (lat, lon)."""
    if args.place is not None:
        place = place_by_name(places, args.place).iloc[[0]]
        shape = to_metric(place).geometry.iloc[0]
        centre = shape.centroid if shape.contains(shape.centroid) else shape.representative_point()
        point = gpd.GeoSeries([centre], crs=to_metric(place).crs).to_crs(WGS84).iloc[0]
        return place, float(point.y), float(point.x)
    point = focus_point(args)
    assert point is not None  # --place was handled above
    lat, lon = point
    inside = places[places.geometry.contains(Point(lon, lat))]
    if inside.empty:
        return None, lat, lon
    areas = to_metric(inside).geometry.area
    return inside.loc[[areas.idxmin()]], lat, lon


def _network(settings: Settings, source: str, lat: float, lon: float, reach_m: float) -> nx.MultiDiGraph:
    p = settings.patrol
    if source == "demo":
        return load_demo_network(p.demo_network)
    return load_osm_network(
        lat=lat, lon=lon, dist_m=max(p.osm_dist_m, reach_m + 250), cache_dir=settings.sources.store_dir / "walk"
    )


def plan_from_args(args: argparse.Namespace, settings: Settings) -> tuple[patrol.PatrolRoute, nx.MultiDiGraph]:
    """Build candidates, load the network and plan, as the CLI options say."""
    p = settings.patrol
    start_time = _start_time(args.start, args.date)
    speed = p.speed_mps if args.speed_mps is None else args.speed_mps
    budget = float(args.budget_min)
    if not budget > 0:
        msg = f"--budget-min must be a positive number of minutes, got {args.budget_min}"
        raise AnalysisError(msg)
    places = load_places(settings.sources.places)
    place, lat, lon = _focus(places, args)
    incidents = load_incidents(settings.sources.incidents)
    end = _date(args.to_date, "--to")
    start = _date(args.from_date, "--from")
    if end is None and len(incidents):
        end = incidents["occurred_at"].max().tz_localize(None).normalize()
    if start is None and end is not None:
        start = end - pd.Timedelta(days=p.hotspot_days - 1)
    recent = filter_period(incidents, start=start, end=end)
    if recent.empty:
        msg = f"no incidents between {start.date() if start is not None else '...'} and {end.date() if end else '...'}"
        raise AnalysisError(msg)

    reach_m = budget * 60 * speed / 2
    candidates = patrol.candidate_stops(
        recent, place=place, lat=lat, lon=lon, reach_m=reach_m, params=p, method=args.hotspots,
        alpha=settings.analysis.fdr_alpha, min_events=settings.analysis.min_events,
    )  # fmt: skip

    graph = _network(settings, args.network or p.network, lat, lon, reach_m)
    dwell = p.dwell_min if args.dwell_min is None else args.dwell_min
    meta: dict[str, Any] = {
        "place": str(place["name"].iloc[0]) if place is not None else None,
        "data_from": str(start.date()) if start is not None else None,
        "data_to": str(end.date()) if end is not None else None,
        "incidents_used": len(recent),
        "synthetic": bool(recent["synthetic"].any()) if "synthetic" in recent.columns else False,
        "lang": args.lang,
    }
    route = patrol.plan_route(
        graph,
        candidates,
        lat=lat,
        lon=lon,
        budget_min=budget,
        dwell_min=dwell,
        dwell_range_min=p.dwell_range_min,
        speed_mps=speed,
        max_stops=p.max_stops if args.stops is None else args.stops,
        start_time=start_time,
        max_snap_m=p.max_snap_m,
        time_limit_s=p.solver_time_limit_s,
        meta=meta,
    )
    return route, graph


def _run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if args.card is not None and not str(args.card).lower().endswith((".pdf", ".png")):
        msg = f"--card must end in .pdf or .png, got {args.card!r}"
        raise AnalysisError(msg)
    route, graph = plan_from_args(args, settings)
    summary = route.summary()
    if args.out is not None:
        from geo.exports.gpx import write_gpx

        summary["gpx"] = str(write_gpx(route, args.out, lang=args.lang))
    if args.card is not None:
        from geo.exports.routecard import write_route_card

        summary["card"] = str(write_route_card(route, args.card, lang=args.lang, graph=graph))
    print(json.dumps(summary, ensure_ascii=False, sort_keys=False))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``route`` command."""
    p = subparsers.add_parser(
        "route",
        help="plan a foot-patrol loop (hot-spot stops, Koper dwell, time budget); print a JSON summary",
        description="Plan a foot-patrol loop from a place or a point: visit the hottest blocks, stay at each "
        "(Koper curve), be back within the time budget.",
    )
    add_focus(p, role="start")
    p.add_argument("--budget-min", type=float, required=True, metavar="M", help="time budget, minutes")
    p.add_argument("--dwell-min", type=float, default=None, metavar="MIN", help="dwell per stop (default 15)")
    p.add_argument("--stops", type=int, default=None, metavar="N", help="visit at most N stops (default 8)")
    p.add_argument("--speed-mps", type=float, default=None, metavar="V", help="walking speed (default 1.2 m/s)")
    p.add_argument("--out", default=None, metavar="FILE.gpx", help="write the route as GPX 1.1")
    p.add_argument("--card", default=None, metavar="FILE.pdf", help="write a printable route card (.pdf or .png)")
    p.add_argument("--lang", choices=("en", "es"), default="en", help="language of the card and GPX (default en)")
    p.add_argument("--start", default=None, metavar="HH:MM", help="departure time (default: now, rounded up)")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="date of the patrol (default today)")
    p.add_argument(
        "--hotspots",
        choices=patrol.HOTSPOT_METHODS,
        default="gistar",
        help="hot cells from Getis-Ord Gi* (default) or the busiest grid cells",
    )
    p.add_argument("--from", dest="from_date", default=None, metavar="YYYY-MM-DD", help="incidents from this date")
    p.add_argument("--to", dest="to_date", default=None, metavar="YYYY-MM-DD", help="incidents up to this date")
    p.add_argument(
        "--network",
        choices=("demo", "osm"),
        default=None,
        help="walking network: the generated demo grid or OpenStreetMap via osmnx, cached (default: config)",
    )
    p.set_defaults(handler=_run)
