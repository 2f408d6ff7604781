"""``python -m geo demo``: rebuild the embedded demo bundle."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.core.settings import PROJECT_ROOT
from geo.data.demo import SEED, write_bundle
from geo.data.demo_addresses import write_addresses
from geo.data.demo_services import write_services
from geo.survey.demo import write_survey


def _extras(out: Path, places: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> dict[str, Any]:
    return {**write_survey(out, places, incidents), **write_services(out, places, incidents), **write_addresses(out)}


def write_demo(out: Path, *, seed: int = SEED) -> dict[str, Any]:
    """The whole demo bundle: incidents, places, streets, population, walking network, the survey wave, the example
    services, the synthetic service requests and the synthetic address points."""
    return write_bundle(out, seed=seed, extras=_extras)


def _run(args: argparse.Namespace) -> int:
    manifest = write_demo(Path(args.out), seed=args.seed)
    print(json.dumps({**manifest, "output": str(args.out)}, sort_keys=True))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``demo`` command."""
    p = subparsers.add_parser("demo", help="rebuild the synthetic demo bundle (data/demo/)")
    p.add_argument("--out", default=str(PROJECT_ROOT / "data" / "demo"), help="output folder (default: data/demo)")
    p.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    p.set_defaults(handler=_run)
