"""``python -m geo route``: plan a foot-patrol loop and print a JSON summary.

Start at a place (``--place "Harvard Park"``) or a point (``--lat/--lon``); candidate stops are
the border segments of the focus place and the hot cells within reach, weighted by the incidents
the filters select (``--from/--to/--category/...``, the dashboard's sidebar fields; without
``--from``, the last ``patrol.hotspot_days`` days of data). The plan is
:func:`geo.patrol.request.plan`, the same as the dashboard's Patrol page. Optional outputs: a GPX
1.1 file (``--out``) and a printable route card (``--card``, .pdf or .png), in ``--lang``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from geo.cli import _common as c
from geo.cli._args import (
    add_filters,
    add_focus,
    filters_from_args,
    finite,
    focus_point,
    incidents_path,
    places_table,
    settings_for,
)
from geo.core.errors import AnalysisError
from geo.core.schema import TZ
from geo.core.settings import Settings
from geo.data.ingest import incidents_from_path
from geo.patrol.candidates import HOTSPOT_METHODS
from geo.patrol.network import NETWORKS
from geo.patrol.request import PlanRequest, PlanResult, plan
from geo.patrol.text import stop_counts


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


def request_from_args(args: argparse.Namespace) -> PlanRequest:
    """The :class:`~geo.patrol.request.PlanRequest` the CLI options ask for (the page builds the same)."""
    point = focus_point(args)
    return PlanRequest(
        budget_min=float(args.budget_min),
        place=args.place,
        point=point,
        dwell_min=args.dwell_min,
        speed_mps=args.speed_mps,
        max_stops=args.stops,
        method=args.hotspots,
        filters=filters_from_args(args),
        network=args.network,
        start_time=_start_time(args.start, args.date),
    )


def plan_from_args(args: argparse.Namespace, settings: Settings) -> PlanResult:
    """Load the data and plan the route the CLI options ask for."""
    request = request_from_args(args)
    path = incidents_path(args, settings)
    incidents = incidents_from_path(path)
    places = places_table(settings)
    return plan(request, incidents=incidents, places=places, settings=settings)


def _run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    if args.card is not None and not str(args.card).lower().endswith((".pdf", ".png")):
        msg = f"--card must end in .pdf or .png, got {args.card!r}"
        raise AnalysisError(msg)
    result = plan_from_args(args, settings)
    route, graph = result.route, result.graph
    rule = c.disclosure(args, settings)
    summary = {**route.summary(), "lang": args.lang, "privacy": "public" if rule.public else "internal"}
    if rule.public:  # the weights are counts of incidents: each stop under the weight covered
        shown = stop_counts(route, rule)
        for stop, weight in zip(summary["stops"], shown, strict=True):
            stop["weight"] = weight.plain()
        summary["weight_covered"] = shown.total.plain()
        summary["weight_available"] = rule.count(round(route.weight_available)).plain()
    if args.out is not None:
        from geo.exports.gpx import write_gpx

        summary["gpx"] = str(write_gpx(route, args.out, lang=args.lang, rule=rule))
    if args.card is not None:
        from geo.exports.helpnear import along_route
        from geo.exports.routecard import write_route_card

        helps = along_route(route.path, settings, lang=args.lang, synthetic=bool(route.meta.get("synthetic")))
        card = write_route_card(route, args.card, lang=args.lang, graph=graph, rule=rule, services=helps)
        summary["card"] = str(card)
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
    p.add_argument("--budget-min", type=finite, required=True, metavar="M", help="time budget, minutes")
    p.add_argument("--dwell-min", type=finite, default=None, metavar="MIN", help="dwell per stop (default 15)")
    p.add_argument("--stops", type=int, default=None, metavar="N", help="visit at most N stops (default 8)")
    p.add_argument("--speed-mps", type=finite, default=None, metavar="V", help="walking speed (default 1.2 m/s)")
    p.add_argument("--out", default=None, metavar="FILE.gpx", help="write the route as GPX 1.1")
    p.add_argument("--card", default=None, metavar="FILE.pdf", help="write a printable route card (.pdf or .png)")
    p.add_argument("--lang", choices=("en", "es"), default="en", help="language of the card and GPX (default en)")
    p.add_argument("--start", default=None, metavar="HH:MM", help="departure time (default: now, rounded up)")
    p.add_argument("--date", default=None, metavar="YYYY-MM-DD", help="date of the patrol (default today)")
    p.add_argument(
        "--hotspots",
        choices=HOTSPOT_METHODS,
        default="gistar",
        help="hot cells from Getis-Ord Gi* (default) or the busiest grid cells",
    )
    p.add_argument(
        "--network",
        choices=NETWORKS,
        default=None,
        help="walking network: the generated demo grid (approximate), OpenStreetMap via osmnx (fetched once, "
        "cached) or the one imported with `ingest FILE --kind walknet` (default: config; on real incidents a "
        "configured demo grid is refused unless --network demo is given)",
    )
    add_filters(p)
    c.add_privacy(p)
    p.set_defaults(handler=_run)
