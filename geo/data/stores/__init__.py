"""One small interface for the layer store: GeoParquet folders (default) or a PostGIS server.

The interface (:class:`LayerStore`, :class:`Window`) is in :mod:`geo.data.stores.api`; the two
implementations are :mod:`geo.data.stores.parquet` and :mod:`geo.data.stores.postgis`.
:func:`open_store` picks one from a location: a folder or a ``postgresql://`` URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.data.stores.api import ALL as ALL
from geo.data.stores.api import BBox as BBox
from geo.data.stores.api import LayerStore as LayerStore
from geo.data.stores.api import Window as Window
from geo.data.stores.api import full_url, is_url, normal_url, parse_locator


def open_store(location: str | Path) -> LayerStore:
    """The store at ``location``: a :class:`PostgisStore` for a URL, else a :class:`ParquetStore`."""
    if is_url(location):
        from geo.data.stores.postgis import PostgisStore

        url = normal_url(location)
        return PostgisStore(full_url(url))
    from geo.data.stores.parquet import ParquetStore

    return ParquetStore(Path(location))


def store_location(sources: Any) -> str | Path:
    """The configured store: ``sources.store`` (a URL) when set, else the folder ``sources.store_dir``."""
    url = getattr(sources, "store", None)
    return str(url) if url else Path(sources.store_dir)


def open_layer(value: str | Path, *, window: Window = ALL) -> gpd.GeoDataFrame | None:
    """The rows of the PostGIS layer ``value`` names (None when ``value`` is a file path)."""
    where = parse_locator(value)
    if where is None:
        return None
    return open_store(where[0]).read(where[1], window=window)


def layer_report(value: str | Path) -> dict[str, Any] | None:
    """The report of the PostGIS layer ``value`` names (None when it is a file path)."""
    where = parse_locator(value)
    if where is None:
        return None
    return open_store(where[0]).report(where[1]) or {}
