"""``python -m geo demo``: rebuild the embedded demo bundle."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from geo.core.settings import PROJECT_ROOT
from geo.data.demo import SEED, write_bundle


def _run(args: argparse.Namespace) -> int:
    manifest = write_bundle(Path(args.out), seed=args.seed)
    print(json.dumps({**manifest, "output": str(args.out)}, sort_keys=True))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``demo`` command."""
    p = subparsers.add_parser("demo", help="rebuild the synthetic demo bundle (data/demo/)")
    p.add_argument("--out", default=str(PROJECT_ROOT / "data" / "demo"), help="output folder (default: data/demo)")
    p.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    p.set_defaults(handler=_run)
