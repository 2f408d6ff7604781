"""Cached data access for the pages, keyed on plain values (paths and modification times)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.core.errors import DataError
from geo.core.filters import derived_columns
from geo.core.i18n import t
from geo.data import datasets

T = TypeVar("T")


def mtime(path: Path) -> float:
    """Modification time of ``path`` (-1 when it is missing), part of every cache key."""
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


@st.cache_resource(show_spinner=False, max_entries=4)
def _incidents(path: str, mtime: float) -> gpd.GeoDataFrame:
    return datasets.load_incidents(path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _derived(path: str, mtime: float) -> pd.DataFrame:
    return derived_columns(_incidents(path, mtime))


@st.cache_resource(show_spinner=False, max_entries=4)
def _places(path: str, mtime: float) -> gpd.GeoDataFrame:
    return datasets.load_places(path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _streets(path: str, mtime: float) -> gpd.GeoDataFrame:
    return datasets.load_streets(path)


@st.cache_data(show_spinner=False, max_entries=4)
def _metadata(path: str, mtime: float) -> dict[str, object]:
    return datasets.incidents_metadata(path)


def guarded(loader: Callable[[str, float], T], path: Path, lang: str) -> T:
    """Call a cached loader; on a data error show one clear panel and stop the page."""
    try:
        return loader(str(path), mtime(path))
    except DataError as exc:
        st.error(f"**{t('app.data_error', lang)}**\n\n{exc}")
        st.info(t("app.fix_hint", lang))
        st.stop()
        raise


def incidents(path: Path, lang: str) -> gpd.GeoDataFrame:
    """The incident table (shared, read-only: never modify it in place)."""
    return guarded(_incidents, path, lang)


def derived(path: Path, lang: str) -> pd.DataFrame:
    """Filter columns derived once per incident file (weapon group, age band, hour, ...)."""
    return guarded(_derived, path, lang)


def places(path: Path, lang: str) -> gpd.GeoDataFrame:
    """The place table (shared, read-only)."""
    return guarded(_places, path, lang)


def streets(path: Path, lang: str) -> gpd.GeoDataFrame:
    """The context streets (shared, read-only)."""
    return guarded(_streets, path, lang)


def metadata(path: Path, lang: str) -> dict[str, object]:
    """The incident file's stored metadata."""
    return guarded(_metadata, path, lang)


@st.cache_data(show_spinner=False, ttl=600)
def tiles_available(url: str, timeout_s: float) -> bool:
    """Whether the tile server answers (checked at most every 10 minutes)."""
    from geo.data.tiles import tile_server_answers

    return tile_server_answers(url, timeout_s=timeout_s)


@st.cache_data(show_spinner=False, ttl=30)
def _inventory(store_dir: str, mtime: float) -> list[dict[str, object]]:
    from geo.data.ingest import store_inventory

    return store_inventory(store_dir)


def inventory(store_dir: Path) -> list[dict[str, object]]:
    """What the local store holds (re-read when the folder changes, at most every 30 s)."""
    return _inventory(str(store_dir), mtime(store_dir))


ZONE_KINDS = ("divisions", "reporting_districts", "neighborhoods", "council_districts")


def zone_layers(store_dir: Path) -> list[dict[str, object]]:
    """Boundary layers (divisions, reporting districts, neighborhoods, council districts) in the store."""
    return [
        layer
        for layer in inventory(store_dir)
        if layer.get("table") == "places" and layer.get("kind") in ZONE_KINDS and not layer.get("error")
    ]
