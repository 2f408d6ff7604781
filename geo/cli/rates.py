"""``python -m geo rates``: incidents per resident per year for a zone layer or a place's rings.

Prints a JSON list of rows (``zone, count, population, rate, flag`` and the margin, coverage, CV,
reliability tier, smoothed rate, whether the incidents cover the zone, and the population's source, vintage
and whether it is synthetic) and a one-line summary on stderr. ``--population`` is ``acs`` (the newest
``fetch census`` layer in the store, or ``--year``), a population layer of the store (``ingest TABLE
--geometry ...``), a polygon file (interpolated by area), a CSV table keyed like the zones, or ``demo`` (the
configured demo population, synthetic). Without it, the one real population layer that counts the victim
group the filters choose is used; real incidents are never divided by synthetic residents unless
``--population demo`` says so (:func:`geo.data.population.denominator`).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.analysis.rates import RateCounts
from geo.cli import _common as c
from geo.cli._args import add_filters, filters_from_args, finite, incidents_path, places_table, settings_for
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError, DataError
from geo.core.filters import apply
from geo.core.settings import Settings
from geo.core.validate import local_dates
from geo.data.population import DEMO, PopulationSource

ACS = "acs"


def _store(args: argparse.Namespace, settings: Settings) -> str | Path:
    from geo.data.stores import store_location

    return Path(args.store) if args.store else store_location(settings.sources)


def _offered(args: argparse.Namespace, settings: Settings) -> list[PopulationSource]:
    """Every population the store and the config hold (stored layers, the newest ACS layer, the configured one)."""
    from geo.data.population import describe_population, stored_populations
    from geo.data.sources.census import newest_layer

    paths = list(stored_populations(_store(args, settings)).values())
    with contextlib.suppress(DataError):
        paths.append(str(newest_layer(args.store or settings.sources.store_dir)))
    if Path(settings.sources.population).is_file():
        paths.append(str(settings.sources.population))
    return [describe_population(p) for p in paths]


def _default(args: argparse.Namespace, settings: Settings, columns: tuple[str, ...], synthetic: bool) -> str | None:
    """The population used when none is named: the one real layer that counts ``columns`` (the configured one
    for the synthetic demo); None when there is no real one (the rule then says what is missing)."""
    if synthetic and Path(settings.sources.population).is_file():
        return str(settings.sources.population)
    offered = _offered(args, settings)
    real = [s for s in offered if not s.synthetic]
    fitting = [s for s in real if set(columns) <= set(s.columns)]
    if len(fitting) == 1:
        return fitting[0].locator
    if len(fitting) > 1:
        names = "; ".join(s.label() for s in fitting)
        msg = f"several real populations count {list(columns)}: {names}; choose one with --population NAME"
        raise DataError(msg)
    if real:
        held = "; ".join(f"{s.label()}: {list(s.columns)}" for s in real)
        msg = (
            f"no real population counts {list(columns)} (the victim group the filters choose): {held}. "
            "Choose other filters, or ingest a population that counts that group"
        )
        raise DataError(msg)
    fake = [s for s in offered if s.synthetic]
    return fake[0].locator if fake else None


def population_source(
    args: argparse.Namespace, settings: Settings, *, columns: tuple[str, ...], synthetic: bool
) -> PopulationSource:
    """The population ``--population`` names (or the default), once the rule allows it to divide the incidents.

    Raises
    ------
    DataError
        No population, or a synthetic one under real incidents without ``--population demo`` (the message
        says what is missing and the commands that get it), or several real ones to choose from.
    """
    from geo.data.population import denominator, describe_population, refusal, stored_populations
    from geo.data.sources.census import layer_path, newest_layer

    spec = args.population
    path: str | None
    if spec == DEMO:
        path = str(settings.sources.population)
    elif spec == ACS:
        store = args.store or settings.sources.store_dir
        path = str(layer_path(store, args.year) if args.year else newest_layer(store))
    elif spec:
        path = stored_populations(_store(args, settings)).get(spec, spec)
    else:
        path = _default(args, settings, columns, synthetic)
    source = describe_population(path) if path is not None else None
    verdict = denominator(source, incidents_synthetic=synthetic, chosen=spec == DEMO)
    if not verdict.allowed or source is None:
        raise DataError(refusal(verdict))
    return source


def _zones(args: argparse.Namespace, settings: Settings) -> tuple[gpd.GeoDataFrame, str, list[gpd.GeoDataFrame]]:
    """Zones, their key, and extra one-zone layers (the border of a place)."""
    from geo.analysis.rates import border_zone, ring_zones
    from geo.data.datasets import place_by_name, read_layer
    from geo.data.ingest import layer_paths

    if args.place:
        place = place_by_name(places_table(settings), args.place)
        rings = tuple(settings.distances.rings_m)
        return ring_zones(place, rings_m=rings), "zone", [border_zone(place, within_m=max(rings))]
    if not args.zones:
        msg = "give --zones PATH (with --key FIELD) or --place NAME"
        raise AnalysisError(msg)
    path = Path(args.zones)
    if not path.exists() and "/" not in args.zones:  # a store layer's name, as `info` lists it
        stores = [args.store] if args.store else []
        found = [
            p for p in (layer_paths(d, args.zones)[0] for d in (*stores, settings.sources.store_dir)) if p.exists()
        ]
        path = found[0] if found else path
    return read_layer(path), args.key, []


def _shown_rows(
    table: gpd.GeoDataFrame, rule: Disclosure, source: PopulationSource
) -> tuple[list[dict[str, object]], RateCounts]:
    """JSON rows with each count as shown (a number, "fewer than 3" / "withheld", None for no data) and the
    population beside every rate (its source, vintage and whether it is synthetic)."""
    from geo.analysis.rates import rows, shown_rates

    shown_table, shown = shown_rates(table, rule)
    out = rows(shown_table)
    about = {
        "population_source": source.name,
        "population_vintage": source.vintage,
        "population_synthetic": source.synthetic,
    }
    for row, count in zip(out, shown.plain(), strict=True):
        row["count"] = count
        row.update(about)
    return out, shown


def _run_rates(args: argparse.Namespace) -> int:
    from geo.analysis.rates import period_years, pooled_filters, population_columns, zone_rates
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
    flags = everything["synthetic"].fillna(False).astype(bool) if "synthetic" in everything.columns else None
    synthetic = flags is not None and bool(flags.all())
    source = population_source(args, settings, columns=columns, synthetic=synthetic)
    population = read_population(source.locator)
    table_key = args.population_key if is_table(source.locator) else None
    zones, key, extra = _zones(args, settings)
    selected = apply(everything, filters)
    opts: dict[str, Any] = {"columns": columns, "years": years, "rules": rules, "per": per, "suppress": args.suppress}
    opts.update(c.layer_coverage(args, settings, everything))
    table = zone_rates(selected, zones, population, key=key, table_key=table_key, **opts)
    out, shown = _shown_rows(table, rule, source)
    for layer in extra:
        out += _shown_rows(zone_rates(selected, layer, population, key="zone", **opts), rule, source)[0]
    total = table.attrs["total"]
    start = filters.start or first
    end = filters.end or last
    no_data, cover = table.attrs["no_data"], opts["coverage"]
    area = "the area the incidents cover"
    if cover is not None:
        area = cover.area_name or ("the hull of the incidents' points, a guess" if cover.guess else area)
    where = f"; {no_data} zones without data (not wholly in {area})" if no_data else ""
    combined = total["rate"] is not None and not shown.total.hidden
    print(
        f"rates per {per:g} residents per year, {start} .. {end} ({years:.2f} years), population "
        f"{source.label()} {list(columns)}; zones with data: {shown.total.plain()} incidents, "
        f"{total['population']:.0f} residents" + (f", rate {total['rate']:.2f}" if combined else "") + where,
        file=sys.stderr,
    )
    print(json.dumps(out, ensure_ascii=False, default=lambda v: None if pd.isna(v) else str(v)))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``rates`` command."""
    text = "incidents per resident per year for a zone layer or a place's rings (JSON rows)"
    p = subparsers.add_parser("rates", help=text, description=text)
    where = p.add_mutually_exclusive_group()
    where.add_argument("--zones", metavar="PATH", help="polygon file or a store layer's name (as `info` lists it)")
    where.add_argument("--place", metavar="NAME", help="the rings and border of this place instead of zones")
    p.add_argument("--key", metavar="FIELD", help="field naming each zone (default: a name-like field)")
    p.add_argument(
        "--population",
        metavar="acs|demo|LAYER|PATH",
        help="acs (the store's `fetch census` layer), a population layer of the store (`ingest TABLE --geometry "
        "...`), a polygon file, a CSV of zone key and population, or demo (the demo's synthetic residents, "
        "labelled so); default: the one real population that counts the victim group",
    )
    p.add_argument("--population-field", metavar="F", help="population column to divide by (default: by filters)")
    p.add_argument("--population-key", metavar="K", help="key column of a CSV population table (default: --key)")
    p.add_argument("--year", type=int, metavar="YYYY", help="ACS vintage with --population acs (default: newest)")
    p.add_argument("--store", metavar="DIR", help="store folder (default: sources.store_dir)")
    p.add_argument("--per", type=finite, metavar="N", help="residents per rate unit (default: rates.per)")
    p.add_argument("--pool-years", type=int, metavar="N", help="pool the N years that end at --to (small numbers)")
    p.add_argument("--suppress", action="store_true", help="withhold the rate of flagged zones")
    add_filters(p)
    c.add_privacy(p)
    p.set_defaults(handler=_run_rates)
