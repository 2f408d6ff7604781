"""``python -m geo audit --since DATE``: print the record of internal use (who, when, what, which data and filters).

Rows come from the configured store (the folder's ``audit.jsonl`` or the PostGIS table), oldest first, as a
table (``--json``: one JSON array). The command line itself adds rows: every run asking for internal output
(``--privacy internal``, ``--mode internal``), every ``use`` that changes the workspace and every ``ingest``.
"""

from __future__ import annotations

import argparse
import functools
import json
import shlex
from collections.abc import Callable, Sequence
from typing import Any

from geo.cli._args import parse_date, settings_for
from geo.core.access import operator
from geo.core.settings import Settings
from geo.data import audit

WIDTHS = {"at": 25, "who": 28, "role": 6, "action": 16, "what": 40, "data": 30, "filters": 0}
"""Column widths of the printed table (0: the rest of the line)."""


def _cell(value: str, width: int) -> str:
    value = " ".join(value.split())
    if not width:
        return value
    return value if len(value) <= width else value[: width - 1] + "…"


def table(rows: Sequence[dict[str, str]]) -> str:
    """The rows as a fixed-width text table with a header line."""
    lines = ["  ".join(_cell(k, w).ljust(w) for k, w in WIDTHS.items()).rstrip()]
    lines += ["  ".join(_cell(r.get(k, ""), w).ljust(w) for k, w in WIDTHS.items()).rstrip() for r in rows]
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    rows = audit.read(settings, since=parse_date(args.since, "--since"))
    print(json.dumps(rows, ensure_ascii=False) if args.json else table(rows))
    return 0


def internal_request(args: argparse.Namespace, settings: Callable[[], Settings]) -> audit.Action | None:
    """What a command line asks for that the record keeps: internal output, a workspace change, an ingest.
    ``settings`` are read only when the answer depends on them (a report's default privacy)."""
    command = getattr(args, "command", None)
    if command == "ingest":
        return "ingest"
    if (command == "tracks" and getattr(args, "action", None) == "delete") or getattr(args, "keep", False) is True:
        return "tracks"
    if command == "use" and any(getattr(args, k, None) is not None for k in ("incidents", "places", "boundaries")):
        return "workspace"
    privacy = getattr(args, "privacy", None)
    if privacy is None and command == "report":
        privacy = settings().privacy.default_mode  # the report's own default (public unless configured)
    if privacy == "internal" or getattr(args, "mode", None) == "internal":
        return "internal_export"
    return None


def record_command(args: argparse.Namespace, argv: Sequence[str]) -> None:
    """Add the command line to the audit record when it asks for internal output, a workspace change or an
    ingest; before it runs, so a run that cannot be recorded does not run."""
    settings = functools.cache(lambda: settings_for(args))
    action = internal_request(args, settings)
    if action is None:
        return  # nothing to record: the settings are not even read
    data: Any = getattr(args, "incidents", None) or getattr(args, "path", None) or settings().sources.incidents
    item = audit.entry(operator(), action, "python -m geo " + shlex.join(argv), data=[str(data)])
    audit.record(settings(), item)


def register(subparsers: Any) -> None:
    """Add the ``audit`` command."""
    p = subparsers.add_parser(
        "audit",
        help="print the record of internal use (internal views and exports, workspace changes, ingests)",
        description="Print who switched to the internal view, made an internal export, changed the team's "
        "workspace or ran an ingest, and when, from the configured store. Nothing can edit the record.",
    )
    p.add_argument("--since", metavar="DATE", help="only rows from this day on (YYYY-MM-DD, UTC)")
    p.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    p.set_defaults(handler=_run)
