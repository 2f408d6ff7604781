"""``python -m geo ingest|fetch|info``: bring real data into the store and say what it holds.

``ingest FILE --kind walknet`` imports a walking network instead (GraphML, an OpenStreetMap ``.osm``
extract or a street centreline layer) as ``<store_dir>/walk/imported.graphml``, for ``route --network imported``.

The store is ``--store`` (a folder or a ``postgresql://`` URL), else ``sources.store`` (a PostGIS
URL) when set, else the folder ``sources.store_dir``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from geo.cli._args import STORE_HELP, settings_for, store_dir_of
from geo.core.errors import DataError
from geo.data.sources.detect import KINDS

EXIT_STORE_PROBLEM = 1
"""Exit code of ``info`` when a layer's parts disagree (the JSON is printed all the same)."""


POPULATION_OPTIONS = ("key", "total", "group", "vintage")
"""Options that map a population table; they need ``--geometry``."""


def _ingest_population(args: argparse.Namespace) -> int:
    """``ingest TABLE --geometry AREAS --key K[=G] [--total COL] [--group CODE=COL[%]]... --vintage TEXT``."""
    from geo.data.population import ingest_population_table
    from geo.data.sources.population_table import spec_from_args

    if args.kind:
        msg = f"--kind {args.kind} and --geometry do not go together: --geometry ingests a population table"
        raise DataError(msg)
    if not args.key:
        msg = "a population table needs --key TABLE_COLUMN=GEOMETRY_FIELD (e.g. --key GEOID10=GEOID)"
        raise DataError(msg)
    spec = spec_from_args(key=args.key, total=args.total, groups=args.group or [], vintage=args.vintage)
    rep = ingest_population_table(
        Path(args.path), Path(args.geometry), spec, store_dir=store_dir_of(args), name=args.name, replace=args.replace
    )
    keys = ("layer", "kind", "vintage", "rows_in", "rows_kept", "dropped", "residents", "geometry", "output")
    out = {k: rep.get(k) for k in keys}
    out["quarantine"] = rep["quarantine"]
    print(json.dumps(out, sort_keys=False))
    geometry = rep["geometry"]
    lost = rep["dropped"].get("no_geometry", 0)
    if lost:
        examples = ", ".join(rep.get("rows_without_geometry_examples") or [])
        print(
            f"note: {lost} rows of the table have no geometry in {Path(args.geometry).name} (e.g. {examples}); "
            "they are in the quarantine, and their residents are not in the layer",
            file=sys.stderr,
        )
    if geometry["areas_without_row"]:
        examples = ", ".join(geometry["without_row_examples"])
        print(
            f"note: {geometry['areas_without_row']} areas of {Path(args.geometry).name} have no row in the table "
            f"(e.g. {examples}); they are not in the layer",
            file=sys.stderr,
        )
    for group, n in sorted((rep.get("missing_groups") or {}).items()):
        print(f"note: {n} areas have no value for {group} (left missing, not 0)", file=sys.stderr)
    return 0


WALKNET = "walknet"
SURVEY = "survey"
"""``--kind walknet``: a walking network (GraphML, an .osm extract or street centrelines) for ``--network imported``."""
WALKNET_SUFFIXES = (".graphml", ".osm")
"""Endings read as a walking network without ``--kind``."""


def _ingest_walknet(args: argparse.Namespace) -> int:
    """``ingest FILE --kind walknet``: store the walking network as ``<store_dir>/walk/imported.graphml``."""
    from geo.data.stores.api import is_url
    from geo.data.walknet_import import import_network

    if args.name:
        msg = "--name does not apply to a walking network: it is stored as walk/imported.graphml"
        raise DataError(msg)
    if args.store and is_url(args.store):
        msg = "a walking network is kept as a file in the store folder: give --store DIR, not a database URL"
        raise DataError(msg)
    store = Path(args.store) if args.store else settings_for(args).sources.store_dir
    rep = import_network(Path(args.path), store_dir=store, replace=args.replace)
    print(json.dumps(rep, ensure_ascii=False, sort_keys=False))
    if rep["unnamed_edges"]:
        print(
            f"note: {rep['unnamed_edges']} of {rep['edges']} edges have no street name; directions call them "
            "unnamed streets",
            file=sys.stderr,
        )
    print("hint: plan on it with `python -m geo route ... --network imported`", file=sys.stderr)
    return 0


def _ingest(args: argparse.Namespace) -> int:
    from geo.data.ingest import ingest_file, swap_hint

    if args.geometry:
        return _ingest_population(args)
    given = [f"--{o}" for o in POPULATION_OPTIONS if getattr(args, o)]
    if given:
        msg = f"{', '.join(given)} map a population table: give its areas with --geometry FILE"
        raise DataError(msg)
    if args.kind == WALKNET or (args.kind is None and Path(args.path).suffix.lower() in WALKNET_SUFFIXES):
        return _ingest_walknet(args)
    from geo.survey.answers import looks_like_survey

    if args.kind == SURVEY or (args.kind is None and looks_like_survey(args.path)):
        from geo.cli.survey import ingest_survey

        return ingest_survey(Path(args.path), args, store_dir_of(args))
    rep = ingest_file(
        Path(args.path), store_dir=store_dir_of(args), kind=args.kind, name=args.name, replace=args.replace
    )
    out = {k: rep[k] for k in ("layer", "kind", "rows_in", "rows_kept", "dropped", "output")}
    out["quarantine"] = rep["quarantine"]
    print(json.dumps(out, sort_keys=False))
    hint = swap_hint(int(rep.get("swapped_coordinates") or 0))
    if hint:
        print(f"hint: {hint}", file=sys.stderr)
    return 0


def _progress(message: str) -> None:
    print(f"\r{message}", end="", file=sys.stderr, flush=True)


def _fetch(args: argparse.Namespace) -> int:
    from geo.cli._census import fetch_census_cli, wants_census
    from geo.data.ingest import fetch_sources

    if wants_census(args):
        return fetch_census_cli(args)
    settings = settings_for(args)
    store = store_dir_of(args)
    reports = fetch_sources(
        args.sources or None,
        settings=settings,
        store_dir=store,
        since=args.since,
        codes=args.codes.split(",") if args.codes else None,
        progress=None if args.quiet else _progress,
    )
    if not args.quiet:
        print(file=sys.stderr)
    keys = ("layer", "kind", "rows_in", "rows_kept", "dropped", "output", "date_from", "date_to", "series_break")
    print(json.dumps([{k: r.get(k) for k in keys} for r in reports]))
    return 0


def _info(args: argparse.Namespace) -> int:
    from geo.data.ingest import store_inventory
    from geo.data.stores import open_store

    store = store_dir_of(args)
    layers: list[dict[str, Any]] = store_inventory(store, hashes=True)
    print(json.dumps({"store": open_store(store).location, "layers": layers}, indent=None))
    broken = [layer for layer in layers if layer["problems"]]
    for layer in broken:
        print(f"problem: layer {layer['name']}: {'; '.join(layer['problems'])}", file=sys.stderr)
    return EXIT_STORE_PROBLEM if broken else 0


def register(subparsers: Any) -> None:
    """Add the ``ingest``, ``fetch`` and ``info`` commands."""
    p = subparsers.add_parser("ingest", help="read a downloaded file into the local store (with a quality report)")
    p.add_argument(
        "path",
        help="CSV (.csv/.csv.gz), JSON, GeoJSON, shapefile, GeoPackage or xlsx file; with --kind walknet a GraphML "
        "file, an OpenStreetMap .osm extract or a street centreline layer; an ODK Central (.zip, .csv) or "
        "KoboToolbox (.xlsx) export of the residents' assessment is added to the survey layer",
    )
    p.add_argument(
        "--kind",
        choices=(*KINDS, WALKNET, SURVEY),
        help="what the file holds (detected from its header when omitted); walknet: a walking network for "
        "`route --network imported` (.graphml and .osm files are read as one without --kind)",
    )
    p.add_argument("--store", metavar="DIR|URL", help=STORE_HELP)
    p.add_argument("--name", metavar="LAYER", help="layer name (default: <kind>-<file name>)")
    p.add_argument(
        "--replace",
        action="store_true",
        help="write even if the layer ends with fewer rows (or none) or held another file",
    )
    g = p.add_argument_group(
        "a population table (CSV or JSON keyed by an id or a name) with its areas in a geometry file",
        'e.g. --geometry tracts.geojson --key GEOID10=GEOID --total total_pop --group B=pct_black% --vintage "ACS '
        '2013-2017"; a column ending in % is a share in percent of the total, a plain column a count',
    )
    g.add_argument("--geometry", metavar="FILE", help="polygons of the table's areas (GeoJSON, shapefile...)")
    g.add_argument("--key", metavar="COL[=FIELD]", help="the table's key column = the geometry's key field")
    g.add_argument("--total", metavar="COL", help="column of all residents (a count)")
    g.add_argument(
        "--group",
        action="append",
        metavar="CODE=COL[%]",
        help="a victim group's residents (B, H, W, A, O, M, F, 0-17, 18-24, 25-34, 35-49, 50+); repeat for more",
    )
    g.add_argument("--vintage", metavar="TEXT", help='which estimates, shown beside every rate (e.g. "ACS 2013-2017")')
    p.set_defaults(handler=_ingest)

    f = subparsers.add_parser("fetch", help="pull the configured live sources (Socrata, ArcGIS) into the store")
    f.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="legacy, nibrs, requests (MyLA311), an arcgis_layers key (default: all), or census",
    )
    f.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="earliest date (default: analysis.data_from; for requests, services.requests_days before today)",
    )
    f.add_argument("--codes", metavar="C1,C2", help="offense codes (default: the violent-crime codes)")
    f.add_argument("--store", metavar="DIR|URL", help=STORE_HELP)
    f.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    f.add_argument(
        "--year", type=int, metavar="YYYY", help="ACS 5-year vintage of `fetch census` (default from config)"
    )
    f.set_defaults(handler=_fetch)

    i = subparsers.add_parser(
        "info", help="list what the store holds: counts, date ranges, freshness; exit 1 if a layer's parts disagree"
    )
    i.add_argument("--store", metavar="DIR|URL", help=STORE_HELP)
    i.set_defaults(handler=_info)
