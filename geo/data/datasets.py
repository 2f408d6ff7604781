"""Loading the configured layers (incidents, places, streets) as canonical tables.

Readers validate what they read and turn every failure into :class:`geo.core.errors.DataError`
naming the file, so the CLI prints one line and the dashboard shows one error panel.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import DataError
from geo.core.i18n import t
from geo.core.projection import WGS84, to_wgs84
from geo.core.schema import INCIDENT_COLUMNS, PLACE_COLUMNS, coerce_incidents, coerce_places
from geo.core.settings import get_settings
from geo.core.store import read_metadata, read_vector
from geo.data.aliases import COMMON_WORDS, Aliases, core_words, default_aliases, merge_places, name_key, words
from geo.data.stores import Window, layer_report, open_layer


def _read(path: str | Path, window: Window | None) -> gpd.GeoDataFrame:
    """A file, or a PostGIS layer's rows (``postgresql://host/db#layer``, ``window`` pushed down to SQL)."""
    stored = open_layer(path, window=window or Window())
    if stored is not None:
        return stored
    gdf = read_vector(path)
    return gdf if window is None else window.apply(gdf)


def read_layer(path: str | Path) -> gpd.GeoDataFrame:
    """Any layer as stored (a vector file, or a PostGIS layer ``postgresql://host/db#layer``), no schema applied."""
    return _read(path, None)


def load_incidents(path: str | Path, *, window: Window | None = None) -> gpd.GeoDataFrame:
    """Read an incident table in the canonical schema, optionally only the rows inside ``window``.

    ``path`` is a GeoParquet file (the store, the demo bundle) or any vector file, or a PostGIS
    layer locator (``postgresql://host/db#layer``), read with the window's period, categories
    and bounding box in the SQL.
    """
    gdf = _read(path, window)
    missing = [c for c in INCIDENT_COLUMNS if c not in gdf.columns]
    if missing:
        msg = f"{path} is not an incident table: it lacks columns {missing}"
        raise DataError(msg)
    return coerce_incidents(to_wgs84(gdf))


def incidents_metadata(path: str | Path) -> dict[str, object]:
    """Metadata stored with an incident file (empty for files without it)."""
    stored = layer_report(path)
    if stored is not None:
        return stored
    path = Path(path)
    return read_metadata(path) if path.suffix.lower() in (".parquet", ".geoparquet") else {}


def load_places(path: str | Path) -> gpd.GeoDataFrame:
    """Read a place table (parks, housing, CSP sites, boundaries) in the canonical schema (file or PostGIS layer)."""
    gdf = _read(path, None)
    missing = [c for c in PLACE_COLUMNS if c not in gdf.columns]
    if missing:
        msg = f"{path} is not a place table: it lacks columns {missing}"
        raise DataError(msg)
    return coerce_places(to_wgs84(gdf))


def load_streets(path: str | Path) -> gpd.GeoDataFrame:
    """Read the context street lines (``name`` and line geometry) from a file or a PostGIS layer."""
    gdf = _read(path, None)
    if "name" not in gdf.columns:
        msg = f"{path} is not a street layer: it lacks a 'name' column"
        raise DataError(msg)
    if not gdf.empty and not gdf.geom_type.isin(["LineString", "MultiLineString"]).all():
        msg = f"{path} is not a street layer: expected line geometry, got {sorted(set(gdf.geom_type))}"
        raise DataError(msg)
    return to_wgs84(gdf)


def place_by_name(
    places: gpd.GeoDataFrame,
    name: str,
    *,
    aliases: Aliases | None = None,
    labels: pd.Series | None = None,
    match_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The place called ``name``: its row(s) in ``places``, or a :class:`DataError` naming candidates.

    ``name`` is compared with :func:`geo.data.aliases.name_key` (case and punctuation ignored) to
    the place names, then to the pickers' labels (``labels``, e.g. ``"South Park (Park, Watts)"``
    from :func:`geo.data.labels.place_labels`), then to the ``place_id`` values, then through the
    alias table (``Harvard Park`` finds ``Jackie Tatum/Harvard Recreation Center``), then by its words
    (:func:`words_match`: ``Harvard Rec Center`` finds the same park; common words such as ``park`` are
    ignored when no place has them all). Rows sharing one ``place_id`` are one place, and so are a
    development and the CSP site derived from it. When several places match, a polygon absorbs points of
    the same place within ``match_m`` metres (None: the configured ``workspace.match_m``;
    :func:`geo.data.aliases.merge_places`); if more than one place is left the name is ambiguous. Names found
    only by their words never choose between places: several such places are offered as suggestions.

    Raises
    ------
    DataError
        No place matches (close names are suggested, with their kind and area), or the name is
        ambiguous (the candidates' labels are listed; pass one of them).
    """
    if not isinstance(name, str) or not name.strip():
        msg = f"a place name must be non-empty text, got {name!r}"
        raise DataError(msg)
    al = aliases or default_aliases()
    key = name_key(name)
    names = places["name"].map(name_key)
    hit = places[(names == key).to_numpy()]
    if hit.empty and labels is not None:
        hit = places[(labels.reindex(places.index).map(name_key) == key).to_numpy()]
    if hit.empty and "place_id" in places.columns:
        hit = places[(places["place_id"].astype(str).str.casefold() == name.strip().casefold()).to_numpy()]
    if hit.empty:
        canon = al.key(name)
        hit = places[(places["name"].map(al.key) == canon).to_numpy() & (canon != "")]
    if hit.empty:
        hit = _by_label_form(places, name)
    by_words = hit.empty
    if by_words:
        hit = places[words_match(places, name, aliases=al)]
    if hit.empty:
        raise DataError(_not_found(places, name, labels, al, []))
    if len(hit) > 1 and {"place_id", "kind"} <= set(hit.columns):
        # A CSP site derived from a development that also matched ("csp_site:<its place_id>") is that place.
        pid = hit["place_id"].astype(str)
        derived = (hit["kind"] == "csp_site") & pid.str.split(":", n=1).str[1].isin(set(pid))
        if bool((~derived).any()):
            hit = hit[~derived.to_numpy()]
    ids = hit["place_id"].astype(str) if "place_id" in hit.columns else pd.Series(hit.index.astype(str))
    if ids.nunique() > 1:
        within = get_settings().workspace.match_m if match_m is None else match_m
        merged = merge_places([hit], match_m=within, aliases=al)
        if merged["place_id"].astype(str).nunique() > 1:
            shown = _labels_of(places, labels).reindex(hit.index).astype(str)
            if by_words:
                raise DataError(_not_found(places, name, labels, al, list(_by_relevance(hit, shown, name))))
            candidates = list(dict.fromkeys(shown + " [" + ids + "]"))
            msg = (
                f"the place name {name!r} is ambiguous: {len(candidates)} places match ({candidates[:10]}); "
                "name one by its label or its place_id (in brackets)"
            )
            raise DataError(msg)
        hit = hit[hit["place_id"].astype(str).isin(merged["place_id"].astype(str))]
    return hit


LABEL_FORM = re.compile(r"^(?:(?P<alias>.+?) · )?(?P<name>.+?) \((?P<kind>[^(),]+), (?P<where>[^()]+)\)$")
"""A picker label (:func:`geo.data.labels.place_labels`): ``[alias name · ]name (Kind, area[, place_id])``."""


def _by_label_form(places: gpd.GeoDataFrame, label: str) -> gpd.GeoDataFrame:
    """The places a picker label names when the labels themselves are not at hand (a handout given the page's
    choice): its name, of its kind (in English or Spanish), the one whose ``place_id`` ends the label if several."""
    form = LABEL_FORM.match(label.strip())
    if form is None:
        return places.iloc[0:0]
    hit = places[(places["name"].map(name_key) == name_key(form["name"])).to_numpy()]
    if "kind" in hit.columns and len(hit) > 1:
        kinds = {k: {name_key(t(f"place_kind.{k}", lang)) for lang in ("en", "es")} for k in hit["kind"].astype(str)}
        same = hit["kind"].astype(str).map(lambda k: name_key(form["kind"]) in kinds[k])
        hit = hit[same.to_numpy()] if same.any() else hit
    if "place_id" in hit.columns and hit["place_id"].astype(str).nunique() > 1:
        tail = form["where"].rsplit(", ", 1)[-1].strip()
        hit = hit[(hit["place_id"].astype(str) == tail).to_numpy()] if (hit["place_id"] == tail).any() else hit
    return hit


def words_match(places: gpd.GeoDataFrame, name: str, *, aliases: Aliases | None = None) -> np.ndarray:
    """Which places ``name`` describes by its words: every word of ``name`` in the place's name or in its alias
    name (:func:`geo.data.aliases.words`, abbreviations written out), or where none has them all, every
    distinctive word (:func:`geo.data.aliases.core_words`: ``park``, ``recreation center``... ignored).

    Returns
    -------
    numpy.ndarray
        Booleans, one per row of ``places``.
    """
    al = aliases or default_aliases()
    asked = words(name)
    if not asked:
        return np.zeros(len(places), dtype=bool)
    own = [words(n) | words(al.canonical_name(str(n))) for n in places["name"]]
    every = np.array([asked <= w for w in own], dtype=bool)
    if every.any():
        return every
    core = core_words(name)
    return np.array([core <= (w - COMMON_WORDS or w) for w in own], dtype=bool)


def _labels_of(places: gpd.GeoDataFrame, labels: pd.Series | None) -> pd.Series:
    """The pickers' labels when given (:func:`geo.data.labels.place_labels`), else names with their kind."""
    if labels is not None:
        return labels.reindex(places.index).fillna(places["name"].astype(str))
    kinds = places["kind"].astype(str) if "kind" in places.columns else pd.Series("", index=places.index)
    shown: pd.Series = places["name"].astype(str) + kinds.map(lambda k: f" ({k})" if k else "")
    return shown


def _by_relevance(hit: gpd.GeoDataFrame, shown: pd.Series, name: str) -> Iterable[str]:
    """Labels of ``hit``, the places with the fewest words beyond ``name``'s first."""
    asked = words(name)
    extra = [len(words(n) - asked) for n in hit["name"]]
    order = sorted(zip(extra, shown, strict=True))
    return dict.fromkeys(label for _, label in order)


def _not_found(
    places: gpd.GeoDataFrame, name: str, labels: pd.Series | None, aliases: Aliases, close: list[str]
) -> str:
    """The message for a name that finds no single place: the closest places (by shared words), with their labels."""
    if not close:
        asked = core_words(name)
        shared = np.array([len(asked & core_words(n)) for n in places["name"]])
        near = np.flatnonzero(shared > 0)
        if len(near):
            near = near[np.argsort(-shared[near], kind="stable")][:8]
            shown = _labels_of(places, labels).iloc[near].astype(str)
            close = list(_by_relevance(places.iloc[near], shown, name))
    if close:
        return f"no place named {name!r}; did you mean one of {close[:8]}?"
    known = sorted(places["name"].dropna().astype(str).unique().tolist())
    return f"no place named {name!r}; known places include {known[:8]}"


def area_table(paths: Sequence[str | Path]) -> gpd.GeoDataFrame | None:
    """Neighbourhood layers (files or PostGIS locators) as one table of ``name`` and polygons (EPSG:4326); None
    without any. Unreadable layers are left out: a label without its area is still a label."""
    tables = []
    for path in paths:
        try:
            tables.append(load_places(path)[["name", "geometry"]])
        except DataError:
            continue
    if not tables:
        return None
    return gpd.GeoDataFrame(pd.concat(tables, ignore_index=True), geometry="geometry", crs=WGS84)
