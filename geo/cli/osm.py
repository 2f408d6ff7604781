"""``python -m geo osm-parks``: OpenStreetMap park polygons around a point into the store (osmnx).

The layer (``parks-osm`` unless ``--name``) is a place layer like any other: choose it with
``python -m geo use --places ...``. An existing layer of that name is kept unless ``--replace``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from geo.cli._args import finite, settings_for
from geo.core.errors import DataError

DEFAULT_LAYER = "parks-osm"


def _run(args: argparse.Namespace) -> int:
    from geo.data.ingest import layer_paths, write_layer
    from geo.data.sources.parks import fetch_osm_parks

    settings = settings_for(args)
    store = settings.sources.store_dir
    if layer_paths(store, args.name)[0].exists() and not args.replace:
        msg = f"the store already has a layer {args.name!r}; pass --replace to overwrite it or --name for another"
        raise DataError(msg)
    lat, lon = args.lat if args.lat is not None else settings.map.center[0], args.lon
    lon = lon if lon is not None else settings.map.center[1]
    dist = args.dist if args.dist is not None else settings.workspace.osm_parks_dist_m
    result = fetch_osm_parks(lat, lon, dist)
    rep = write_layer(result, store, name=args.name)
    print(json.dumps({k: rep[k] for k in ("layer", "kind", "source", "rows_in", "rows_kept", "dropped", "output")}))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``osm-parks`` command."""
    p = subparsers.add_parser("osm-parks", help="fetch OpenStreetMap park polygons around a point into the store")
    p.add_argument("--lat", type=finite, help="latitude in degrees (default: map.center)")
    p.add_argument("--lon", type=finite, help="longitude in degrees (default: map.center)")
    p.add_argument("--dist", type=finite, help="radius in metres (default: workspace.osm_parks_dist_m)")
    p.add_argument("--name", default=DEFAULT_LAYER, help=f"store layer name (default {DEFAULT_LAYER})")
    p.add_argument("--replace", action="store_true", help="overwrite an existing layer of that name")
    p.set_defaults(handler=_run)
