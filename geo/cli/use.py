"""``python -m geo use``: choose the incident, place and boundary layers once (kept in the store).

``python -m geo use --incidents L --places A,B --boundaries C`` checks the layers against the store
and saves the choice; ``python -m geo use --show`` prints it with each layer's readable title and
the link parameters that open the same data. ``--incidents demo`` goes back to the demo bundle.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from geo.cli._args import settings_for
from geo.core.errors import DataError
from geo.data.ingest import store_inventory
from geo.data.labels import layer_titles
from geo.data.workspace import DEMO, Workspace, choose, read_workspace, workspace_file


def _names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def describe(workspace: Workspace, inventory: list[dict[str, Any]], *, lang: str) -> dict[str, Any]:
    """The workspace as JSON-ready data: layer names with their titles, and the link parameters."""
    titles = layer_titles(inventory, lang)
    titles[DEMO] = titles.get(DEMO, "demo")

    def entry(name: str) -> dict[str, str]:
        return {"layer": name, "title": titles.get(name, name)}

    return {
        "incidents": entry(workspace.incidents),
        "places": [entry(n) for n in workspace.places],
        "boundaries": [entry(n) for n in workspace.boundaries],
        "link": workspace.to_query(),
    }


def _run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    changing = any(v is not None for v in (args.incidents, args.places, args.boundaries))
    if args.show and changing:
        msg = "use either --show or --incidents/--places/--boundaries, not both"
        raise DataError(msg)
    if not changing and not args.show:
        msg = "nothing to do: pass --show, or --incidents/--places/--boundaries to choose layers"
        raise DataError(msg)
    if changing:
        workspace = choose(
            settings, incidents=args.incidents, places=_names(args.places), boundaries=_names(args.boundaries)
        )
    else:
        workspace = read_workspace(workspace_file(settings))
    inventory = store_inventory(settings.sources.store_dir)
    out = describe(workspace, inventory, lang=args.lang)
    out["file"] = str(workspace_file(settings))
    print(json.dumps(out, ensure_ascii=False))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``use`` command."""
    p = subparsers.add_parser("use", help="choose the incident, place and boundary layers (kept in the store)")
    p.add_argument("--incidents", metavar="LAYER", help=f"incident layer name from `info` ({DEMO} = demo bundle)")
    p.add_argument("--places", metavar="A[,B]", help="place layers (parks, housing), comma-separated; '' for none")
    p.add_argument(
        "--boundaries", metavar="C[,D]", help="boundary layers (divisions, neighborhoods...), comma-separated"
    )
    p.add_argument("--show", action="store_true", help="print the current choice with readable layer titles")
    p.add_argument("--lang", choices=("en", "es"), default="en", help="language of the titles")
    p.set_defaults(handler=_run)
