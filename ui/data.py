"""Cached data access for the pages, keyed on plain values.

A file is keyed on its path and modification time (:class:`FileKey`); a layer of a PostGIS store
(``postgresql://host/db#layer``) on its locator and published version (:class:`LayerKey`, a
``FileKey`` too, so every cached helper takes either): a new ingest is a new key.
"""

from __future__ import annotations

import functools
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.core.errors import DataError, StoreError
from geo.core.filters import derived_columns
from geo.core.i18n import t
from geo.core.settings import Settings
from geo.data import datasets
from geo.data.coverage import Coverage
from geo.data.ownplaces import OwnPlace
from geo.data.stores import Window, open_store, store_location
from geo.data.stores.api import parse_locator
from geo.data.workspace import Workspace
from ui.style import error_text

T = TypeVar("T")


def mtime(path: Path) -> float:
    """Modification time of ``path`` (-1 when it is missing), part of every cache key."""
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


@dataclass(frozen=True)
class FileKey:
    """A data file as a plain cache key: its path and modification time (a changed file is a new key)."""

    path: str
    mtime: float


@dataclass(frozen=True)
class LayerKey(FileKey):
    """A PostGIS layer as a plain cache key: ``path`` is its locator, ``version`` its published version."""

    url: str
    layer: str
    version: str


VERSION_TTL_S = 5
"""How long (s) a PostGIS layer's version is trusted before the server is asked again."""


@st.cache_data(show_spinner=False, ttl=VERSION_TTL_S, max_entries=64)
def _layer_version(url: str, layer: str) -> str:
    from geo.core.settings import get_settings

    configured = store_location(get_settings().sources)
    if isinstance(configured, str):
        open_store(configured)  # lets a locator without the password reach the configured server
    store = open_store(url)
    version = store.version(layer)
    if version is None:
        msg = f"the PostGIS store {store.location} has no layer {layer!r}"
        raise DataError(msg)
    return version


def file_key(path: Path | str) -> FileKey:
    """The cache key of ``path`` as it is now: a :class:`FileKey`, or a :class:`LayerKey` for a PostGIS layer.

    Raises
    ------
    DataError
        (For a PostGIS layer) the server cannot be reached or has no such layer.
    """
    where = parse_locator(path)
    if where is not None:
        url, layer = where
        return LayerKey(f"{url}#{layer}", 0.0, url=url, layer=layer, version=_layer_version(url, layer))
    p = Path(path)
    return FileKey(str(p), mtime(p))


@st.cache_resource(show_spinner=False, max_entries=4)
def incidents_table(key: FileKey) -> gpd.GeoDataFrame:
    """The incident table of ``key`` (one copy per process, shared read-only: never modify it in place)."""
    return datasets.load_incidents(key.path)


@st.cache_resource(show_spinner=False, max_entries=4)
def derived_table(key: FileKey) -> pd.DataFrame:
    """Filter columns derived once per incident file (weapon group, age band, hour, ...)."""
    return derived_columns(incidents_table(key))


@st.cache_resource(show_spinner=False, max_entries=4)
def places_table(key: FileKey) -> gpd.GeoDataFrame:
    """The place table of ``key`` (shared, read-only)."""
    return datasets.load_places(key.path)


@st.cache_resource(show_spinner=False, max_entries=4)
def streets_table(key: FileKey) -> gpd.GeoDataFrame:
    """The context streets of ``key`` (shared, read-only)."""
    return datasets.load_streets(key.path)


@st.cache_data(show_spinner=False, max_entries=4)
def metadata_of(key: FileKey) -> dict[str, object]:
    """The stored metadata of the incident file ``key``."""
    return datasets.incidents_metadata(key.path)


@st.cache_data(show_spinner=False, max_entries=16)
def incidents_window(key: FileKey, window: Window) -> gpd.GeoDataFrame:
    """The incidents of ``key`` inside ``window`` only (period, categories, bounds).

    For a PostGIS layer the window is pushed down to SQL (the server's indexes answer; only these
    rows travel); for a file it is applied to the shared table.
    """
    if isinstance(key, LayerKey):
        return datasets.load_incidents(key.path, window=window)
    return window.apply(incidents_table(key))


def guarded(loader: Callable[[FileKey], T], path: Path, lang: str) -> T:
    """Call a cached loader; on a data error show one clear panel and stop the page."""
    try:
        return loader(file_key(path))
    except DataError as exc:
        st.error(f"**{t('app.data_error', lang)}**\n\n{error_text(exc)}")
        st.info(t("app.fix_hint", lang))
        st.stop()
        raise


def incidents(path: Path, lang: str) -> gpd.GeoDataFrame:
    """The incident table (shared, read-only), or an error panel and a stopped page."""
    return guarded(incidents_table, path, lang)


def places(path: Path, lang: str) -> gpd.GeoDataFrame:
    """The place table (shared, read-only), or an error panel and a stopped page."""
    return guarded(places_table, path, lang)


def streets(path: Path, lang: str) -> gpd.GeoDataFrame:
    """The context streets (shared, read-only), or an error panel and a stopped page."""
    return guarded(streets_table, path, lang)


def metadata(path: Path, lang: str) -> dict[str, object]:
    """The incident file's stored metadata, or an error panel and a stopped page."""
    return guarded(metadata_of, path, lang)


@st.cache_data(show_spinner=False, ttl=600, max_entries=8)
def tiles_available(url: str, timeout_s: float) -> bool:
    """Whether the tile server answers (checked at most every 10 minutes)."""
    from geo.data.tiles import tile_server_answers

    return tile_server_answers(url, timeout_s=timeout_s)


@st.cache_data(show_spinner=False, ttl=30, max_entries=8)
def _inventory(store_dir: str, mtime: float) -> list[dict[str, object]]:
    from geo.data.ingest import store_inventory

    return store_inventory(store_dir)


def forget_inventory() -> None:
    """Read the store's inventory again on the next call (after this session wrote a layer)."""
    _inventory.clear()


def inventory(store_dir: Path | str) -> list[dict[str, object]]:
    """What the store holds (re-read when the folder changes, at most every 30 s).

    When ``sources.store`` names a PostGIS server, that server's layers are listed instead of the
    folder's (the pages pass ``sources.store_dir``); a server that cannot be reached raises
    :class:`geo.core.errors.StoreError` (a ``DataError``).
    """
    from geo.core.settings import get_settings

    where = store_location(get_settings().sources)
    if isinstance(where, str):
        return _inventory(where, 0.0)
    return _inventory(str(store_dir), mtime(Path(store_dir)))


def store_problem(settings: Settings) -> StoreError | None:
    """Why the configured store cannot be read now, or None when it can.

    Asked on every run of a page that needs the store: a failure is never cached (Streamlit keeps
    no result of a call that raised), so the next run asks the server again.
    """
    try:
        inventory(settings.sources.store_dir)
    except StoreError as exc:
        return exc
    return None


def store_panel(title: str | None, error: BaseException, lang: str) -> None:
    """A page that needs the store while it cannot be reached: its title (when given) and one panel in its language."""
    if title:
        st.title(title)
    st.error(f"**{t('app.store_error', lang)}**\n\n{error_text(error)}", icon=":material/cloud_off:")
    st.info(t("app.store_hint", lang))


ZONE_KINDS = ("divisions", "reporting_districts", "neighborhoods", "council_districts")


def zone_layers(store_dir: Path) -> list[dict[str, object]]:
    """Boundary layers (divisions, reporting districts, neighborhoods, council districts) in the store."""
    return [
        layer
        for layer in inventory(store_dir)
        if layer.get("table") == "places" and layer.get("kind") in ZONE_KINDS and not layer.get("error")
    ]


def _layer_keys(settings: Settings, names: tuple[str, ...]) -> tuple[FileKey, ...]:
    from geo.data.ingest import layer_paths

    return tuple(file_key(layer_paths(settings.sources.store_dir, n)[0]) for n in names)


@functools.cache
def _private_places_dir() -> Path:
    import tempfile

    return Path(tempfile.mkdtemp(prefix="safetymap-places-"))


def _places_dir() -> Path:
    """This user's folder for merged place files in the temporary folder (made private, 0700); a folder of
    that name that someone else owns or may write to is not used: a fresh private one is, for the process."""
    import os
    import tempfile

    if not hasattr(os, "getuid"):
        return _private_places_dir()
    folder = Path(tempfile.gettempdir()) / f"safetymap-places-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return _private_places_dir()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return _private_places_dir()
    return folder


def _merged_places(settings: Settings, places: tuple[str, ...], keys: tuple[FileKey, ...]) -> Path:
    import hashlib

    from geo.core.store import write_geoparquet
    from geo.data.workspace import Workspace, load_workspace_places

    digest = hashlib.sha256(repr((places, keys, settings.workspace)).encode()).hexdigest()[:16]
    dest = _places_dir() / f"{digest}.parquet"
    if not dest.exists():  # checked on every call: a cleaned temporary folder is written again
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_geoparquet(load_workspace_places(Workspace(places=places), settings), dest)  # atomic rename
    return dest


def workspace_places_file(settings: Settings, workspace: Workspace) -> Path:
    """One file with the workspace's places merged (CSP sites added, polygons over points), EPSG:4326.

    Written once per choice of layers (a changed layer is a new file) to a folder of this user's in the
    temporary folder, so every cached helper keys on it like on any other place file; written again
    when the file has gone (a temporary folder cleaned while the server runs).
    """
    return _merged_places(settings, workspace.places, _layer_keys(settings, workspace.places))


@st.cache_data(show_spinner=False, ttl=60, max_entries=4)
def _saved_places(store: str, stamp: float) -> gpd.GeoDataFrame:
    from geo.data.ownplaces import saved_places

    return saved_places(store)


def saved_places(settings: Settings) -> gpd.GeoDataFrame:
    """The team's saved places (:data:`geo.data.ownplaces.SAVED_LAYER`), read again when the store changes."""
    where = store_location(settings.sources)
    if isinstance(where, str):  # a PostGIS server: read again at most every minute
        return _saved_places(where, 0.0)
    return _saved_places(str(where), mtime(Path(where)))


def places_with_own(settings: Settings, path: Path, own: tuple[OwnPlace, ...]) -> Path:
    """The place file ``path`` with the team's saved places and this session's own places added
    (:mod:`geo.data.ownplaces`), written once per file version and set of places to this user's private
    folder, so every cached helper keys on it like on any other place file."""
    import hashlib

    from geo.core.store import write_geoparquet
    from geo.data.ownplaces import place_rows

    key = file_key(path)
    base = places_table(key)
    saved = saved_places(settings).copy()
    taken = frozenset(base["name"].astype(str))
    clash = saved["name"].astype(str).isin(taken)  # the data's own place keeps its name
    saved.loc[clash, "name"] = saved.loc[clash, "name"].astype(str) + " (" + saved.loc[clash, "kind"].astype(str) + ")"
    rows = pd.concat([saved, place_rows(own, taken | frozenset(saved["name"].astype(str)))], ignore_index=True)
    digest = hashlib.sha256(repr((key, rows.to_wkt().to_json())).encode()).hexdigest()[:16]
    dest = _places_dir() / f"own-{digest}.parquet"
    if not dest.exists():
        dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_geoparquet(pd.concat([base, rows], ignore_index=True), dest)  # atomic rename
    return dest


@st.cache_resource(show_spinner=False, max_entries=4)
def coverage_of(key: FileKey, store: str, store_stamp: float) -> Coverage | None:
    """The coverage of the incident file ``key`` (:func:`geo.data.coverage.layer_coverage`); ``store``: the
    folder or PostGIS URL whose boundary layers it is judged by; ``store_stamp``: what changes with it."""
    from geo.data.coverage import layer_coverage

    return layer_coverage(metadata_of(key), incidents_table(key), store=store)


COVERAGE_TTL_S = 30.0
"""A PostGIS store's boundary layers are looked at again after this long (a folder: when it changes)."""


def coverage_for(key: FileKey, store_dir: str | Path) -> Coverage | None:
    """The coverage of ``key`` judged by the configured store: the PostGIS server when ``sources.store``
    names one (as :func:`inventory` does), else the folder ``store_dir``."""
    from geo.core.settings import get_settings

    where = store_location(get_settings().sources)
    if isinstance(where, str):
        return coverage_of(key, where, float(time.time() // COVERAGE_TTL_S))
    return coverage_of(key, str(store_dir), mtime(Path(store_dir)))


def coverage(path: Path, store_dir: Path) -> Coverage | None:
    """The coverage of the incident file ``path`` (see :func:`coverage_for`)."""
    return coverage_for(file_key(path), store_dir)


def layer_meta(path: Path, name: str) -> dict[str, object]:
    """The incident file's metadata for titles and the source line, its span and row count filled in."""
    return dict(_layer_meta(file_key(path), name))


@st.cache_data(show_spinner=False, max_entries=8)
def _layer_meta(key: FileKey, name: str) -> dict[str, object]:
    meta = dict(metadata_of(key))
    inc = incidents_table(key)
    meta.setdefault("name", name)
    if len(inc):
        meta.setdefault("date_from", inc["occurred_at"].min().date().isoformat())
        meta.setdefault("date_to", inc["occurred_at"].max().date().isoformat())
    meta.setdefault("rows_kept", len(inc))
    if "synthetic" not in meta:
        # synthetic only when every row is: one invented row must not make real incidents "nobody to protect"
        meta["synthetic"] = bool(inc["synthetic"].all()) if len(inc) and "synthetic" in inc.columns else False
    return meta
