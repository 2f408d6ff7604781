"""``python -m geo find QUERY [--online]``: find a place, an intersection or an address; one JSON line per result.

Each line holds ``label``, ``kind`` (``place``, ``intersection``, ``address``, ``geocoded``), ``lat``, ``lon``
(degrees, EPSG:4326), ``source`` (the layer, or the geocoder's attribution) and, for a place, ``place`` (its name in the
place table, as ``--place`` takes it). Offline it searches the workspace's places (and their aliases), the walking
network's and the context streets' names, and the store's address points (the demo's synthetic ones beside the demo);
``--online`` adds the configured geocoder's results (``search.geocoder``; cached, at most one request a second).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from geo.cli._args import incidents_path, places_table, settings_for
from geo.core.errors import DataError
from geo.data.datasets import incidents_metadata
from geo.data.ingest import store_inventory
from geo.data.search import Found, check_query
from geo.data.search_inputs import load_index, search_files
from geo.data.stores import store_location


def _line(found: Found) -> str:
    out: dict[str, Any] = {"label": found.label, "kind": found.kind, "lat": found.lat, "lon": found.lon}
    if found.place is not None:
        out["place"] = found.place
    out["source"] = found.source
    return json.dumps(out, ensure_ascii=False)


def _online(args: argparse.Namespace, query: str) -> list[Found]:
    from geo.data.geocoder import Geocoder

    geocoder = settings_for(args).search.geocoder
    if geocoder.kind == "off":
        msg = (
            "--online needs the online geocoder: set search.geocoder.kind (nominatim or arcgis) and "
            "search.geocoder.user_agent in the config"
        )
        raise DataError(msg)
    return Geocoder(geocoder).search(query, lang=args.lang)


def _run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    query = check_query(args.query)
    if not query:
        msg = "nothing to find: give a place, an intersection (Western Ave & W 62nd St) or an address"
        raise DataError(msg)
    synthetic = bool(incidents_metadata(incidents_path(args, settings)).get("synthetic"))
    files = search_files(settings, inventory=store_inventory(store_location(settings.sources)), synthetic=synthetic)
    index = load_index(
        files,
        aliases=settings.workspace.aliases,
        same_point_m=settings.search.same_point_m,
        centre=settings.map.center,
        places=places_table(settings),
    )
    found = index.find(query, limit=args.limit or settings.search.limit)
    if args.online:
        found += _online(args, query)
    for item in found:
        print(_line(item))
    if not found:
        print(f"note: nothing found for {query!r}", file=sys.stderr)
    elif args.online and any(f.kind == "geocoded" for f in found):
        print(f"note: online results: {settings.search.geocoder.credit}", file=sys.stderr)
    return 0


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 100:
        msg = f"--limit must be a whole number from 1 to 100, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def register(subparsers: Any) -> None:
    """Add the ``find`` command."""
    p = subparsers.add_parser(
        "find",
        help="find a place, an intersection or an address; print one JSON line per result",
        description="Find a place (by name or alias), an intersection ('Western Ave & W 62nd St') or an address "
        "('1535 W 62nd St') in the workspace's data; --online also asks the configured geocoder.",
    )
    p.add_argument("query", help="what to find, e.g. 'Harvard Park', 'Western Ave & W 62nd St', '1535 W 62nd St'")
    p.add_argument("--online", action="store_true", help="also ask the geocoder of search.geocoder (when on)")
    p.add_argument(
        "--limit", type=_limit, default=None, metavar="N", help="at most N offline results (default: search.limit)"
    )
    p.add_argument("--lang", choices=("en", "es"), default="en", help="language of the geocoder's names")
    p.set_defaults(handler=_run)
