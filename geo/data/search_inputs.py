"""What search looks in, for the configured data: the files behind a :class:`geo.data.search.SearchIndex`.

- places: the place file in use (``sources.places``; the workspace's merged places on the dashboard);
- streets: the context street lines (``sources.streets``);
- the walking network: the imported one (``python -m geo ingest FILE --kind walknet``) when ``patrol.network`` is
  ``imported``, the demo's generated one when it is ``demo`` (an OpenStreetMap network is fetched around a route's
  start, not for search: the street lines answer then);
- address points: every address layer of the store (``python -m geo ingest`` of the City's export), else the demo's
  synthetic ones (``search.addresses``), beside the demo's synthetic incidents only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.core.settings import Settings
from geo.data.aliases import load_aliases
from geo.data.datasets import load_places, load_streets, read_layer
from geo.data.search import SearchIndex, build_index
from geo.data.sources.addresses import TABLE as ADDRESS_TABLE
from geo.data.walknet import read_graphml
from geo.data.walknet_import import imported_path


@dataclass(frozen=True)
class SearchFiles:
    """The files (or PostGIS layer locators) search reads; None where there is none."""

    places: str | None
    streets: str | None
    network: str | None
    addresses: tuple[str, ...] = ()


def _exists(path: Path | str | None) -> str | None:
    if path is None:
        return None
    text = str(path)
    return text if text.startswith("postgres") or Path(text).is_file() else None


def address_layers(inventory: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The locators of the store's address layers (``table`` ``addresses``, readable), by name."""
    usable = [e for e in inventory if e.get("table") == ADDRESS_TABLE and not e.get("error") and e.get("path")]
    return tuple(str(e["path"]) for e in sorted(usable, key=lambda e: str(e.get("name"))))


def search_files(settings: Settings, *, inventory: Sequence[Mapping[str, Any]], synthetic: bool) -> SearchFiles:
    """The files search reads for ``settings`` (see the module docstring); ``inventory`` is the store's
    (:func:`geo.data.ingest.store_inventory`), ``synthetic`` whether the incidents shown are the demo's."""
    src, patrol = settings.sources, settings.patrol
    network = None
    if patrol.network == "imported":
        network = _exists(imported_path(src.store_dir))
    elif patrol.network == "demo":
        network = _exists(patrol.demo_network)
    addresses = address_layers(inventory)
    if not addresses and synthetic:
        demo = _exists(settings.search.addresses)
        addresses = (demo,) if demo else ()
    return SearchFiles(places=_exists(src.places), streets=_exists(src.streets), network=network, addresses=addresses)


def load_index(
    files: SearchFiles,
    *,
    aliases: Mapping[str, Iterable[str]] | None = None,
    same_point_m: float,
    centre: tuple[float, float] | None = None,
    places: gpd.GeoDataFrame | None = None,
) -> SearchIndex:
    """The :class:`~geo.data.search.SearchIndex` of ``files``.

    Parameters
    ----------
    files
        What to read (:func:`search_files`).
    aliases
        Place aliases added to the committed table (``workspace.aliases``: canonical name -> other names).
    same_point_m
        Meeting points of two streets closer than this (metres) are one intersection (``search.same_point_m``).
    centre
        ``(lat, lon)``: of equally good results, the nearer first (``map.center``).
    places
        A place table to search instead of ``files.places`` (the CLI's workspace places).

    Raises
    ------
    geo.core.errors.DataError
        A file cannot be read or is not what it should be (the message names it).
    """
    table = places if places is not None else (load_places(files.places) if files.places else None)
    streets = load_streets(files.streets) if files.streets else None
    network = read_graphml(files.network) if files.network else None
    frames = [read_layer(path) for path in files.addresses]
    addresses = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry") if frames else None
    return build_index(
        places=table,
        aliases=load_aliases(aliases),
        streets=streets,
        network=network,
        addresses=addresses,
        same_point_m=same_point_m,
        centre=centre,
    )
