"""The workspace: which incident layer, place layers and boundary layers the user works with.

Chosen once (``python -m geo use``, the Data page) and kept in the store as JSON
(``<sources.store_dir>/<workspace.file>``, written atomically), so it survives restarts; a link
carries the same choice as ``data=<incident layer>`` and ``places=<layer>,<layer>``.

``demo`` stands for the configured demo bundle (``sources.incidents`` / ``sources.places``); a
workspace with no place layers uses the configured places. Place layers are merged into one
table: every housing layer also gives its CSP sites (:func:`geo.data.aliases.csp_sites`) and a
polygon replaces a point describing the same place (:func:`geo.data.aliases.merge_places`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.core.errors import DataError
from geo.core.settings import Settings
from geo.core.store import write_text_atomic
from geo.data.aliases import csp_sites, load_aliases, merge_places
from geo.data.datasets import incidents_metadata, load_places
from geo.data.ingest import store_inventory
from geo.data.stores import open_store, store_location

DEMO = "demo"
PLACE_KINDS = ("parks", "housing", "stations")
BOUNDARY_KINDS = ("divisions", "reporting_districts", "neighborhoods", "council_districts", "bureaus")
MAX_LAYERS = 20
"""Most layers one list (places or boundaries) may name (also bounds what a link can ask for)."""
MAX_NAME = 120
"""Longest layer name accepted from a link."""


@dataclass(frozen=True)
class Workspace:
    """A choice of layers by store name (``demo`` for the demo bundle's incidents)."""

    incidents: str = DEMO
    places: tuple[str, ...] = ()
    boundaries: tuple[str, ...] = ()

    def to_query(self) -> dict[str, str]:
        """The link parameters for this choice (``data``, ``places``; empty lists left out)."""
        out = {"data": self.incidents}
        if self.places:
            out["places"] = ",".join(self.places)
        return out


def workspace_file(settings: Settings) -> Path:
    """Where the workspace is kept: ``sources.store_dir / workspace.file``."""
    return Path(settings.sources.store_dir) / settings.workspace.file


def read_workspace(path: str | Path) -> Workspace:
    """The stored workspace (the default, demo, when the file does not exist).

    Raises
    ------
    DataError
        The file exists but is not a workspace JSON object.
    """
    path = Path(path)
    if not path.exists():
        return Workspace()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"cannot read the workspace {path}: {exc}; choose again with python -m geo use"
        raise DataError(msg) from exc
    if not isinstance(data, dict):
        msg = f"{path} is not a workspace (expected a JSON object)"
        raise DataError(msg)
    try:
        return Workspace(
            incidents=str(data.get("incidents") or DEMO),
            places=tuple(str(p) for p in data.get("places") or ()),
            boundaries=tuple(str(b) for b in data.get("boundaries") or ()),
        )
    except TypeError as exc:
        msg = f"{path}: bad workspace lists ({exc})"
        raise DataError(msg) from exc


def write_workspace(workspace: Workspace, path: str | Path) -> Path:
    """Write ``workspace`` to ``path`` atomically (JSON)."""
    data = asdict(workspace)
    data = {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}
    return write_text_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def _by_name(inventory: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(e["name"]): e for e in inventory}


def check_workspace(workspace: Workspace, inventory: Sequence[Mapping[str, Any]]) -> Workspace:
    """``workspace`` if every layer it names is in the store and of the right kind.

    Raises
    ------
    DataError
        A layer is missing, unreadable, or of the wrong kind (the message lists the usable ones).
    """
    layers = _by_name(inventory)
    problems = _problems(workspace, layers)
    if problems:
        msg = "; ".join(problems)
        raise DataError(msg)
    return workspace


def _usable(layers: Mapping[str, Mapping[str, Any]], *, table: str, kinds: tuple[str, ...] = ()) -> list[str]:
    return sorted(
        n
        for n, e in layers.items()
        if e.get("table") == table and not e.get("error") and (not kinds or e.get("kind") in kinds)
    )


def _problems(workspace: Workspace, layers: Mapping[str, Mapping[str, Any]]) -> list[str]:
    out = []
    if workspace.incidents != DEMO:
        ok = _usable(layers, table="incidents")
        if workspace.incidents not in ok:
            out.append(f"{workspace.incidents!r} is not an incident layer in the store (use one of {[DEMO, *ok]})")
    for what, names, kinds in (
        ("place", workspace.places, PLACE_KINDS),
        ("boundary", workspace.boundaries, BOUNDARY_KINDS),
    ):
        if len(names) > MAX_LAYERS:
            out.append(f"at most {MAX_LAYERS} {what} layers, got {len(names)}")
        ok = _usable(layers, table="places", kinds=kinds)
        out += [f"{n!r} is not a {what} layer in the store (use some of {ok})" for n in names if n not in ok]
    return out


def choose(
    settings: Settings,
    *,
    incidents: str | None = None,
    places: Sequence[str] | None = None,
    boundaries: Sequence[str] | None = None,
) -> Workspace:
    """Change the stored workspace (None keeps a part as it is), check it against the store, save it."""
    path = workspace_file(settings)
    current = read_workspace(path)
    chosen = Workspace(
        incidents=incidents if incidents is not None else current.incidents,
        places=tuple(places) if places is not None else current.places,
        boundaries=tuple(boundaries) if boundaries is not None else current.boundaries,
    )
    check_workspace(chosen, store_inventory(store_location(settings.sources)))
    write_workspace(chosen, path)
    return chosen


def _param(params: Mapping[str, object], key: str) -> str | None:
    value = params.get(key)
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return None if value is None else str(value)


def from_query(
    params: Mapping[str, object], *, base: Workspace, inventory: Sequence[Mapping[str, Any]]
) -> tuple[Workspace, list[str]]:
    """The workspace a link asks for: ``data=`` (incident layer) and ``places=`` (comma-separated).

    Values that are too long, unknown or of the wrong kind are not used (``base`` keeps that part)
    and are listed (``key=value``, cut to :data:`MAX_NAME`) so a page can say so, as plain text.
    """
    layers = _by_name(inventory)
    rejected: list[str] = []
    incidents = base.incidents
    data = _param(params, "data")
    if data is not None:
        data = data.strip()
        if len(data) <= MAX_NAME and (data == DEMO or data in _usable(layers, table="incidents")):
            incidents = data
        else:
            rejected.append(f"data={data[:MAX_NAME]}")
    places = base.places
    raw = _param(params, "places")
    if raw is not None:
        asked = [p.strip() for p in raw[: MAX_NAME * MAX_LAYERS].split(",") if p.strip()][:MAX_LAYERS]
        ok = set(_usable(layers, table="places", kinds=PLACE_KINDS))
        rejected += [f"places={p[:MAX_NAME]}" for p in asked if p not in ok]
        places = tuple(dict.fromkeys(p for p in asked if p in ok)) or places
    return Workspace(incidents=incidents, places=places, boundaries=base.boundaries), rejected


def _locator(settings: Settings, name: str) -> str:
    """Where layer ``name`` of the configured store is (a data file, or ``postgresql://...#name``)."""
    return open_store(store_location(settings.sources)).locator(name)


def incident_path(workspace: Workspace, settings: Settings) -> Path:
    """The incident file of the workspace (the demo bundle's for ``demo``)."""
    if workspace.incidents == DEMO:
        return Path(settings.sources.incidents)
    return Path(_locator(settings, workspace.incidents))


def incident_meta(workspace: Workspace, settings: Settings) -> dict[str, Any]:
    """The incident layer's metadata, with its store ``name`` (for titles and the source line)."""
    meta = incidents_metadata(incident_path(workspace, settings))
    return {**meta, "name": workspace.incidents}


def load_workspace_places(workspace: Workspace, settings: Settings) -> gpd.GeoDataFrame:
    """The workspace's places as one table (EPSG:4326): CSP sites added, polygons winning over points.

    With no place layers chosen, the configured ``sources.places`` file.
    """
    aliases = load_aliases(settings.workspace.aliases)
    if not workspace.places:
        return load_places(settings.sources.places)
    tables = []
    for name in workspace.places:
        table = load_places(_locator(settings, name))
        tables.append(table)
        if (table["kind"] == "housing").any():
            tables.append(csp_sites(table[table["kind"] == "housing"], aliases=aliases))
    return merge_places(tables, match_m=settings.workspace.match_m, aliases=aliases)


def load_boundaries(workspace: Workspace, settings: Settings) -> list[tuple[str, gpd.GeoDataFrame]]:
    """``(layer name, table)`` for each chosen boundary layer, in order."""
    return [(name, load_places(_locator(settings, name))) for name in workspace.boundaries]
