"""``python -m geo config``: validate and print the effective settings (passwords of store URLs masked)."""

from __future__ import annotations

import argparse
from typing import Any

from geo.cli._args import settings_for
from geo.core.errors import mask_secrets


def _run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    print(mask_secrets(settings.model_dump_json(indent=2)))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``config`` command."""
    p = subparsers.add_parser("config", help="validate the config and print the effective settings as JSON")
    p.set_defaults(handler=_run)
