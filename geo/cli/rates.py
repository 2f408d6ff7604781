"""``python -m geo rates``: incidents per resident per year for a zone layer or a place's rings.

Prints a JSON list of rows (``zone, count, population, rate, flag`` and the margin, coverage, CV,
reliability tier and smoothed rate) and a one-line summary on stderr. ``--population`` is ``acs``
(the newest ``fetch census`` layer in the store, or ``--year``), a polygon file (interpolated by
area) or a CSV table keyed like the zones; the default is ``sources.population``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.cli import _common as c
from geo.cli._args import add_filters, filters_from_args, incidents_path, places_table, settings_for
from geo.core.disclosure import ShownCounts
from geo.core.errors import AnalysisError
from geo.core.filters import apply
from geo.core.settings import Settings
from geo.core.validate import local_dates

ACS = "acs"


def population_source(args: argparse.Namespace, settings: Settings) -> Path:
    """The population file ``--population`` names (``acs``: the store's Census layer)."""
    from geo.data.sources.census import layer_path, newest_layer

    spec = args.population
    if spec is None:
        return Path(settings.sources.population)
    if spec == ACS:
        store = Path(args.store) if args.store else Path(settings.sources.store_dir)
        return layer_path(store, args.year) if args.year else newest_layer(store)
    return Path(spec)


def _zones(args: argparse.Namespace, settings: Settings) -> tuple[gpd.GeoDataFrame, str, list[gpd.GeoDataFrame]]:
    """Zones, their key, and extra one-zone layers (the border of a place)."""
    from geo.analysis.rates import border_zone, ring_zones
    from geo.core.store import read_vector
    from geo.data.datasets import place_by_name

    if args.place:
        place = place_by_name(places_table(settings), args.place)
        rings = tuple(settings.distances.rings_m)
        return ring_zones(place, rings_m=rings), "zone", [border_zone(place, within_m=max(rings))]
    if not args.zones:
        msg = "give --zones PATH (with --key FIELD) or --place NAME"
        raise AnalysisError(msg)
    return read_vector(args.zones), args.key, []


def _shown_rows(table: gpd.GeoDataFrame, shown: ShownCounts) -> list[dict[str, object]]:
    """JSON rows with each count as shown (a number, or "fewer than 3" / "withheld")."""
    from geo.analysis.rates import rows

    out = rows(table)
    for row, count in zip(out, shown, strict=True):
        row["count"] = count.plain()
    return out


def _run_rates(args: argparse.Namespace) -> int:
    from geo.analysis.rates import period_years, pooled_filters, population_columns, shown_rates, zone_rates
    from geo.data.ingest import incidents_from_path
    from geo.data.population import is_table, read_population

    settings = settings_for(args)
    rules = settings.rates
    if args.per is not None and args.per <= 0:
        msg = f"--per must be a positive number of residents, got {args.per}"
        raise AnalysisError(msg)
    per = float(args.per or rules.per)
    path = incidents_path(args, settings)
    everything = incidents_from_path(path)
    if everything.empty:
        msg = f"{path} holds no incidents"
        raise AnalysisError(msg)
    dates = local_dates(everything)
    first, last = dates.min().date(), dates.max().date()
    rule = c.disclosure(args, settings, everything)
    filters = rule.restrict(filters_from_args(args), rings_m=settings.distances.rings_m)  # public: whole months
    if args.pool_years:
        filters = pooled_filters(filters, years=args.pool_years, last=last)
    years = period_years(filters, first=first, last=last)
    columns = (args.population_field,) if args.population_field else population_columns(filters)
    pop_path = population_source(args, settings)
    population = read_population(pop_path)
    table_key = args.population_key if is_table(pop_path) else None
    zones, key, extra = _zones(args, settings)
    selected = apply(everything, filters)
    opts: dict[str, Any] = {"columns": columns, "years": years, "rules": rules, "per": per, "suppress": args.suppress}
    table, shown = shown_rates(zone_rates(selected, zones, population, key=key, table_key=table_key, **opts), rule)
    out = _shown_rows(table, shown)
    for layer in extra:
        out += _shown_rows(*shown_rates(zone_rates(selected, layer, population, key="zone", **opts), rule))
    total = table.attrs["total"]
    start = filters.start or first
    end = filters.end or last
    print(
        f"rates per {per:g} residents per year, {start} .. {end} ({years:.2f} years), population {pop_path.name} "
        f"{list(columns)}; all zones: {shown.total.plain()} incidents, {total['population']:.0f} residents"
        + (f", rate {total['rate']:.2f}" if total["rate"] is not None else ""),
        file=sys.stderr,
    )
    print(json.dumps(out, ensure_ascii=False, default=lambda v: None if pd.isna(v) else str(v)))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``rates`` command."""
    text = "incidents per resident per year for a zone layer or a place's rings (JSON rows)"
    p = subparsers.add_parser("rates", help=text, description=text)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--zones", metavar="PATH", help="polygon file (shapefile, GeoJSON, GeoPackage, GeoParquet)")
    where.add_argument("--place", metavar="NAME", help="the rings and border of this place instead of zones")
    p.add_argument("--key", metavar="FIELD", help="field naming each zone (default: a name-like field)")
    p.add_argument(
        "--population",
        metavar="acs|PATH",
        help="acs (the store's `fetch census` layer), a polygon file, or a CSV of zone key and population "
        "(default: sources.population)",
    )
    p.add_argument("--population-field", metavar="F", help="population column to divide by (default: by filters)")
    p.add_argument("--population-key", metavar="K", help="key column of a CSV population table (default: --key)")
    p.add_argument("--year", type=int, metavar="YYYY", help="ACS vintage with --population acs (default: newest)")
    p.add_argument("--store", metavar="DIR", help="store folder (default: sources.store_dir)")
    p.add_argument("--per", type=float, metavar="N", help="residents per rate unit (default: rates.per)")
    p.add_argument("--pool-years", type=int, metavar="N", help="pool the N years that end at --to (small numbers)")
    p.add_argument("--suppress", action="store_true", help="withhold the rate of flagged zones")
    add_filters(p)
    c.add_privacy(p)
    p.set_defaults(handler=_run_rates)
