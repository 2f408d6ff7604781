"""``python -m geo fetch census [--year YYYY]``: ACS 5-year block groups of the county into the store."""

from __future__ import annotations

import argparse
import json
import sys

from geo.cli._args import settings_for
from geo.core.errors import DataError

SOURCE_NAME = "census"


def wants_census(args: argparse.Namespace) -> bool:
    """Whether ``fetch`` was asked for the Census population (``fetch census``)."""
    return SOURCE_NAME in (getattr(args, "sources", None) or [])


def fetch_census_cli(args: argparse.Namespace) -> int:
    """Fetch the ACS estimates and TIGERweb geometry and print the report as JSON."""
    from geo.data.sources.census import fetch_census

    if len(args.sources) > 1:
        msg = f"fetch {SOURCE_NAME} on its own (got {args.sources})"
        raise DataError(msg)
    settings = settings_for(args)

    def progress(message: str) -> None:
        print(f"\r{message}", end="", file=sys.stderr, flush=True)

    report = fetch_census(settings, year=args.year, store_dir=args.store, progress=None if args.quiet else progress)
    if not args.quiet:
        print(file=sys.stderr)
    keys = ("layer", "kind", "year", "rows_in", "rows_kept", "unmatched", "population", "output")
    print(json.dumps([{k: report.get(k) for k in keys}]))
    return 0
