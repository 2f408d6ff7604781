"""Ingest into the local store: canonical GeoParquet layers, their quarantine and quality report.

Layout of the store folder (``sources.store_dir``, ``data/cache`` by default)::

    <layer>.parquet             canonical rows (incidents or places) + extras, EPSG:4326, metadata
    <layer>.quarantine.parquet  every dropped row as text, with ``source_row`` and ``reason``

The metadata in ``<layer>.parquet`` (key ``safetymap``) is the quality report: layer, kind, table,
source, url_or_file, fetched_at, ingested_at, rows_in, rows_kept, dropped (reason -> count),
repaired_geometries, date_from, date_to, series_break, schema_version. Both files are written to
temporary names and renamed only when both are complete, so a failed or interrupted ingest or
fetch leaves the previous layer intact. Re-ingesting a file replaces its layer with the same rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataError, SourceError
from geo.core.schema import SCHEMA_VERSION, coerce_incidents
from geo.core.settings import Settings
from geo.core.store import atomic_path, read_metadata, write_geoparquet
from geo.data.datasets import load_incidents
from geo.data.sources import arcgis, socrata
from geo.data.sources._accounting import LoadResult
from geo.data.sources._http import Client, Progress, Sleep, make_session
from geo.data.sources.detect import INCIDENT_KINDS, detect_kind, load

QUARANTINE_SUFFIX = ".quarantine.parquet"
LAYER_SUFFIX = ".parquet"


def layer_name(path: str | Path, kind: str) -> str:
    """Store layer name for an ingested file: ``<kind>-<file stem>`` in lower-case ASCII."""
    name = Path(path).name.lower()
    for ext in (".gz", ".csv", ".json", ".geojson", ".shp", ".xlsx", ".gpkg", ".parquet"):
        name = name.removesuffix(ext)
    return f"{kind}-" + (re.sub(r"[^a-z0-9_]+", "_", name).strip("_") or "file")


def layer_paths(store_dir: str | Path, name: str) -> tuple[Path, Path]:
    """Paths of a layer's data file and quarantine file."""
    store = Path(store_dir)
    return store / f"{name}{LAYER_SUFFIX}", store / f"{name}{QUARANTINE_SUFFIX}"


def _iso(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).isoformat(timespec="seconds")


def report(result: LoadResult, *, name: str, fetched_at: dt.datetime | None = None) -> dict[str, Any]:
    """The quality report (also the stored metadata) for a load result."""
    frame = result.frame
    date_from = date_to = None
    if result.table == "incidents" and len(frame):
        date_from = frame["occurred_at"].min().date().isoformat()
        date_to = frame["occurred_at"].max().date().isoformat()
    now = dt.datetime.now(dt.UTC)
    return {
        "layer": name,
        "kind": result.kind,
        "table": result.table,
        "source": result.source,
        "url_or_file": result.origin,
        "fetched_at": _iso(fetched_at or now),
        "ingested_at": _iso(now),
        "rows_in": result.rows_in,
        "rows_kept": result.rows_kept,
        "dropped": dict(sorted(result.dropped.items())),
        "repaired_geometries": int(result.notes.get("repaired_geometries", 0)),
        "date_from": date_from,
        "date_to": date_to,
        "series_break": result.notes.get("series_break"),
        "schema_version": SCHEMA_VERSION,
        **{k: v for k, v in result.notes.items() if k not in ("repaired_geometries", "series_break")},
    }


def write_layer(
    result: LoadResult, store_dir: str | Path, *, name: str, fetched_at: dt.datetime | None = None
) -> dict[str, Any]:
    """Write a load result to the store atomically (data and quarantine together).

    Returns
    -------
    dict
        The report, with ``output`` (data file) and ``quarantine`` (quarantine file) paths added.

    Raises
    ------
    DataError
        The accounting does not add up (nothing is written), or the store cannot be written.
    """
    result.check()
    if not re.fullmatch(r"[a-z0-9_.-]+", name):
        msg = f"layer name {name!r} must be lower-case letters, digits, '_', '-' or '.'"
        raise DataError(msg)
    data_path, q_path = layer_paths(store_dir, name)
    meta = report(result, name=name, fetched_at=fetched_at)
    meta["quarantine"] = q_path.name
    try:
        with atomic_path(q_path, suffix=".parquet") as q_tmp, atomic_path(data_path, suffix=".parquet") as d_tmp:
            result.quarantine.to_parquet(q_tmp, index=False, compression="zstd")
            write_geoparquet(result.frame, d_tmp, metadata=meta)
    except OSError as exc:
        msg = f"cannot write the store at {Path(store_dir)}: {exc}; the previous layer {name} is unchanged"
        raise DataError(msg) from exc
    return {**meta, "output": str(data_path), "quarantine": str(q_path)}


def ingest_file(
    path: str | Path, *, store_dir: str | Path, kind: str | None = None, name: str | None = None
) -> dict[str, Any]:
    """Load ``path`` (kind detected when None) and write it to the store; return the report.

    ``fetched_at`` is the file's modification time, so ingesting the same file again gives the
    same layer, rows and metadata apart from ``ingested_at``.
    """
    path = Path(path)
    result = load(path, kind=kind)
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return write_layer(result, store_dir, name=name or layer_name(path, result.kind), fetched_at=mtime)


def read_quarantine(store_dir: str | Path, name: str) -> pd.DataFrame:
    """The dropped rows of a stored layer (``source_row``, ``reason``, then the raw columns as text)."""
    _, q_path = layer_paths(store_dir, name)
    if not q_path.exists():
        msg = f"no quarantine for layer {name!r} in {store_dir}"
        raise DataError(msg)
    return pd.read_parquet(q_path)


def store_inventory(store_dir: str | Path, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """One dict per stored layer, for the dashboard's Data page and ``python -m geo info``.

    Keys: name, kind, table, path, source, url_or_file, fetched_at, age_days, rows_in, rows_kept,
    dropped, date_from, date_to, series_break, schema_version, quarantine (path or None), error
    (None, or why the file could not be read). An absent folder is an empty store.
    """
    store = Path(store_dir)
    if not store.is_dir():
        return []
    now = now or dt.datetime.now(dt.UTC)
    out = []
    for path in sorted(store.glob(f"*{LAYER_SUFFIX}")):
        if path.name.endswith(QUARANTINE_SUFFIX) or path.name.startswith("."):
            continue
        name = path.name.removesuffix(LAYER_SUFFIX)
        entry: dict[str, Any] = {"name": name, "path": str(path), "error": None}
        try:
            meta = read_metadata(path)
        except DataError as exc:
            meta = {}
            entry["error"] = str(exc)
        q_path = layer_paths(store, name)[1]
        age = None
        with contextlib.suppress(TypeError, ValueError):
            age = round((now - dt.datetime.fromisoformat(meta["fetched_at"])).total_seconds() / 86400, 2)
        entry.update(
            {
                "kind": meta.get("kind"),
                "table": meta.get("table"),
                "source": meta.get("source"),
                "url_or_file": meta.get("url_or_file"),
                "fetched_at": meta.get("fetched_at"),
                "age_days": age,
                "rows_in": meta.get("rows_in"),
                "rows_kept": meta.get("rows_kept"),
                "dropped": meta.get("dropped", {}),
                "date_from": meta.get("date_from"),
                "date_to": meta.get("date_to"),
                "series_break": meta.get("series_break"),
                "schema_version": meta.get("schema_version"),
                "quarantine": str(q_path) if q_path.exists() else None,
            }
        )
        out.append(entry)
    return out


def incidents_from_path(path: str | Path) -> gpd.GeoDataFrame:
    """Canonical incidents from a store/demo GeoParquet or any raw incident file ingest understands.

    Extra columns are dropped (the result is exactly :data:`geo.core.schema.INCIDENT_COLUMNS`).

    Raises
    ------
    DataError
        Missing or unreadable file, or a file that holds places rather than incidents.
    """
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        return load_incidents(path)
    kind = detect_kind(path)
    if kind not in INCIDENT_KINDS:
        msg = f"{path} holds places ({kind}), not incidents"
        raise DataError(msg)
    return coerce_incidents(load(path, kind=kind).frame)


def ingest_many(paths: Sequence[str | Path], *, store_dir: str | Path) -> list[dict[str, Any]]:
    """Ingest several files; stop at the first bad one (earlier layers stay written)."""
    return [ingest_file(p, store_dir=store_dir) for p in paths]


SOCRATA_LAYERS = {socrata.LEGACY: "lapd_legacy_api", socrata.NIBRS: "lapd_nibrs_api"}
"""Live Socrata source name -> store layer name."""


def live_sources(settings: Settings) -> list[str]:
    """Names ``python -m geo fetch`` accepts: ``legacy``, ``nibrs`` and each ``sources.arcgis_layers`` key."""
    return [*SOCRATA_LAYERS, *settings.sources.arcgis_layers]


def _date(value: str | dt.date | None, default: dt.date | None) -> dt.date | None:
    if value is None:
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        msg = f"--since must be a date like 2020-01-31, got {value!r}"
        raise DataError(msg) from exc


def _kept_note(store_dir: Path, name: str) -> str:
    data_path, _ = layer_paths(store_dir, name)
    if not data_path.exists():
        return f"nothing was written (no previous {name} layer)"
    try:
        when = read_metadata(data_path).get("fetched_at", "an unknown time")
    except DataError:
        when = "an unknown time"
    return f"the store is unchanged (layer {name} from {when} kept)"


def fetch_sources(
    names: Sequence[str] | None,
    *,
    settings: Settings,
    store_dir: str | Path | None = None,
    since: str | dt.date | None = None,
    until: dt.date | None = None,
    codes: Sequence[str] | None = None,
    session: Any = None,
    sleep: Sleep | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Pull live sources into the store; all are fetched before any is written.

    Parameters
    ----------
    names
        Sources from :func:`live_sources` (all when None or empty).
    since, until
        Occurrence date range for the Socrata sources (default: ``analysis.data_from`` ..
        ``analysis.data_to``, or today).
    codes
        Offense codes for the Socrata sources (default: the violent-crime codes of each series).
    session, sleep
        Injectable ``requests.Session`` and sleep function (tests use a fake adapter and no sleeping).

    Raises
    ------
    SourceError
        A source cannot be reached or answers badly, or returns no rows where the store holds some;
        the message says the store is unchanged.
    """
    known = live_sources(settings)
    chosen = list(names) if names else known
    unknown = [n for n in chosen if n not in known]
    if unknown:
        msg = f"unknown source(s) {unknown}; configured sources are {known}"
        raise DataError(msg)
    store = Path(store_dir if store_dir is not None else settings.sources.store_dir)
    start = _date(since, settings.analysis.data_from)
    end = until if until is not None else settings.analysis.data_to
    http, soc = settings.sources.http, settings.sources.socrata
    client = Client(
        http=http,
        session=session or make_session(http, app_token=soc.app_token),
        sleep=sleep or time.sleep,
        headers={"X-App-Token": soc.app_token} if soc.app_token else {},
    )
    fetched: list[tuple[str, LoadResult, dt.datetime]] = []
    for source in chosen:
        layer = SOCRATA_LAYERS.get(source, f"arcgis-{re.sub(r'[^a-z0-9_]+', '_', source.lower())}")
        try:
            if source in SOCRATA_LAYERS:
                result = socrata.fetch_dataset(
                    source,
                    client=client,
                    socrata=soc,
                    since=start,
                    until=end,
                    codes=codes,
                    series_break=settings.analysis.nibrs_break,
                    progress=progress,
                )
            else:
                url = settings.sources.arcgis_layers[source]
                result = arcgis.fetch_layer(client, url, name=source, progress=progress)
        except (SourceError, DataError) as exc:
            msg = f"{exc}; {_kept_note(store, layer)}"
            raise type(exc)(msg) from exc
        if result.rows_in == 0 and layer_paths(store, layer)[0].exists():
            msg = f"{source}: the source returned no rows; {_kept_note(store, layer)}"
            raise SourceError(msg)
        fetched.append((layer, result, dt.datetime.now(dt.UTC)))
    return [write_layer(result, store, name=layer, fetched_at=when) for layer, result, when in fetched]
