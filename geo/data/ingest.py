"""Ingest into the store: canonical layers, their quarantine and quality report, as one unit.

The store is a folder of versioned GeoParquet layers (``sources.store_dir``, the default; see
:mod:`geo.data.stores.parquet`) or a PostGIS database (``sources.store``, a ``postgresql://``
URL; see :mod:`geo.data.stores.postgis`); both are reached through
:func:`geo.data.stores.open_store`, so every function here takes either.

The quality report (metadata key ``safetymap``): layer, kind, table, source, url_or_file,
source_path, source_sha256, fetched_at, ingested_at, rows_in, rows_kept, dropped (reason ->
count), repaired_geometries, date_from, date_to, series_break, schema_version, version. Data,
quarantine and report are published together (one pointer switch, or one transaction), so a
failed, interrupted or killed ingest or fetch leaves the previous layer, whole.

An ingest never shrinks or takes over a layer silently: a file that would leave a layer with
fewer rows than it holds (or with none), or a different file whose name maps to an existing
layer, is refused unless ``replace=True`` (``--replace``); ``name=`` (``--name``) stores it beside.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataError, SourceError
from geo.core.overlap import started
from geo.core.schema import SCHEMA_VERSION, coerce_incidents
from geo.core.settings import Settings, get_settings
from geo.core.store import source_sha256
from geo.data.datasets import load_incidents
from geo.data.sources import Client, LoadResult, Progress, Sleep, addresses, arcgis, make_session, myla311, socrata
from geo.data.sources.detect import INCIDENT_KINDS, detect_kind, load
from geo.data.stores import LayerStore, open_store, store_location
from geo.data.stores.parquet import LAYER_SUFFIX as LAYER_SUFFIX  # re-exported: the older home of these
from geo.data.stores.parquet import QUARANTINE_SUFFIX as QUARANTINE_SUFFIX
from geo.data.stores.parquet import REPORT as REPORT
from geo.data.stores.parquet import layer_paths as layer_paths
from geo.data.stores.parquet import layer_problems as layer_problems
from geo.data.walknet import WALK_CACHE


def layer_name(path: str | Path, kind: str) -> str:
    """Store layer name for an ingested file: ``<kind>-<file stem>`` in lower-case ASCII."""
    name = Path(path).name.lower()
    for ext in (".gz", ".csv", ".json", ".geojson", ".shp", ".xlsx", ".gpkg", ".parquet"):
        name = name.removesuffix(ext)
    return f"{kind}-" + (re.sub(r"[^a-z0-9_]+", "_", name).strip("_") or "file")


def _iso(ts: dt.datetime) -> str:
    return ts.astimezone(dt.UTC).isoformat(timespec="seconds")


def report(result: LoadResult, *, name: str, fetched_at: dt.datetime | None = None) -> dict[str, Any]:
    """The quality report (also the stored metadata) for a load result."""
    frame = result.frame
    date_from = date_to = None
    dated = {"incidents": "occurred_at", "requests": "created_at"}.get(result.table)
    if dated is not None and len(frame):
        date_from = frame[dated].min().date().isoformat()
        date_to = frame[dated].max().date().isoformat()
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


def store_files(settings: Settings) -> frozenset[str]:
    """The names the store's folder keeps for itself: the workspace file, the kept tracks, the walking networks."""
    return frozenset({settings.workspace.file, settings.dosage.store_subdir, WALK_CACHE})


def check_layer_name(name: str, *, reserved: frozenset[str] | None = None) -> str:
    """``name`` if it may name a store layer; a :class:`DataError` saying what a name may hold otherwise.

    A layer may not take a name of the store's own files (``reserved``; None: :func:`store_files` of the
    configured settings) nor end in ``.json``: the layer would hide them and leave the store unusable.
    """
    if not re.fullmatch(r"[a-z0-9_][a-z0-9_.-]*", name):
        msg = f"layer name {name!r} must be lower-case letters, digits, '_', '-' or '.' (not first)"
        raise DataError(msg)
    taken = store_files(get_settings()) if reserved is None else reserved
    if name in taken or name.endswith(".json"):
        msg = (
            f"layer name {name!r} is taken by the store's own files ({', '.join(sorted(taken))}, *.json); "
            "choose another with --name"
        )
        raise DataError(msg)
    return name


class Counted(Protocol):
    """What the refusal to lose rows reads of a load (a :class:`LoadResult`, a population table): counts, notes."""

    @property
    def rows_in(self) -> int: ...
    @property
    def rows_kept(self) -> int: ...
    @property
    def dropped(self) -> dict[str, int]: ...
    @property
    def notes(self) -> dict[str, Any]: ...


def write_layer(
    result: LoadResult, store_dir: str | Path, *, name: str, fetched_at: dt.datetime | None = None
) -> dict[str, Any]:
    """Write a load result to the store as one new version (data, quarantine and report together).

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
    check_layer_name(name)
    meta = report(result, name=name, fetched_at=fetched_at)
    return open_store(store_dir).write(name, result.frame, result.quarantine, meta)


def _published_report(store: str | Path, name: str) -> dict[str, Any] | None:
    """The stored report of layer ``name`` (None when absent or unreadable)."""
    return open_store(store).report(name)


def _same_source(stored: dict[str, Any], path: Path, sha256: str) -> bool:
    if stored.get("source_sha256") == sha256:
        return True
    where = stored.get("source_path") or stored.get("url_or_file")
    try:
        return where is not None and Path(str(where)).resolve() == path.resolve()
    except (OSError, ValueError):
        return False


def swap_hint(n: int) -> str:
    """A sentence when ``n`` rows dropped as outside LA County fall inside it with lat and lon exchanged."""
    if n <= 0:
        return ""
    return (
        f"{n} of the rows dropped as outside LA County fall inside it with latitude and longitude "
        "exchanged: the latitude and longitude columns look swapped"
    )


def refuse_loss(result: Counted, store: str | Path, name: str, path: Path, sha256: str) -> None:
    """Raise unless writing ``result`` as layer ``name`` keeps every row the store holds and its source."""
    stored = _published_report(store, name)
    hint = swap_hint(int(result.notes.get("swapped_coordinates", 0)))
    hint = f"; {hint}" if hint else ""
    dropped = ", ".join(f"{k}: {v}" for k, v in sorted(result.dropped.items())) or "none dropped"
    if stored is None:
        if result.rows_kept == 0:
            msg = (
                f"none of the {result.rows_in} rows of {path} can be kept ({dropped}){hint}; nothing was "
                "written (use --replace to store an empty layer anyway)"
            )
            raise DataError(msg)
        return
    if not _same_source(stored, path, sha256):
        msg = (
            f"layer {name!r} already holds {stored.get('url_or_file')}, a different file from {path}; the store "
            f"is unchanged. Use --name NAME to store this file as another layer, or --replace to replace {name!r}"
        )
        raise DataError(msg)
    before = int(stored.get("rows_kept") or 0)
    if result.rows_kept < before:
        msg = (
            f"{path} would leave layer {name!r} with {result.rows_kept} rows instead of {before} ({dropped})"
            f"{hint}; the store is unchanged (use --replace to replace the layer anyway)"
        )
        raise DataError(msg)


def ingest_file(
    path: str | Path,
    *,
    store_dir: str | Path,
    kind: str | None = None,
    name: str | None = None,
    replace: bool = False,
) -> dict[str, Any]:
    """Load ``path`` (kind detected when None) and write it to the store; return the report.

    ``fetched_at`` is the file's modification time, so ingesting the same file again gives the
    same layer, rows and metadata apart from ``ingested_at`` and ``version``.

    Parameters
    ----------
    name
        Layer name (default: ``<kind>-<file stem>``, see :func:`layer_name`).
    replace
        Write even when the layer would end with fewer rows than it holds (or none), or when it
        holds a different source file.

    Raises
    ------
    DataError
        The file cannot be read, or the write is refused (the message says why and what to do);
        the store is unchanged.
    """
    path = Path(path)
    digest = started(lambda: source_sha256(path))  # hashed while it is parsed (hashlib leaves the lock)
    result = load_any(path, kind=kind)
    layer = name or (get_settings().services.layer if result.kind == "services" else layer_name(path, result.kind))
    sha256 = digest.result()
    if not replace:
        refuse_loss(result, store_dir, layer, path, sha256)
    result.notes.update(source_path=str(path.resolve()), source_sha256=sha256)
    if replace:
        result.notes["replace_source"] = True  # the store may replace a layer of another file (checked under its lock)
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
    return write_layer(result, store_dir, name=layer, fetched_at=mtime)


def load_any(path: Path, *, kind: str | None) -> LoadResult:
    """:func:`geo.data.sources.detect.load`, and address points (``kind`` ``addresses``, or a file whose header is
    that of address points: :func:`geo.data.sources.addresses.detect`)."""
    if kind == addresses.KIND or (kind is None and addresses.detect(path)):
        return addresses.load_addresses(path)
    return load(path, kind=kind)


def read_quarantine(store_dir: str | Path, name: str) -> pd.DataFrame:
    """The dropped rows of a stored layer (``source_row``, ``reason``, then the raw columns as text)."""
    return open_store(store_dir).read_quarantine(name)


def store_inventory(
    store_dir: str | Path, *, now: dt.datetime | None = None, hashes: bool = False
) -> list[dict[str, Any]]:
    """One dict per stored layer, for the dashboard's Data page and ``python -m geo info``.

    ``store_dir`` is a store folder or a ``postgresql://`` URL. Keys: name, kind, table, path (the
    layer's locator: its data file, or ``postgresql://host/db#layer``), source, url_or_file,
    fetched_at, age_days, rows_in, rows_kept, dropped, date_from, date_to, series_break,
    schema_version, version, quarantine (where it is, or None), problems (see
    :func:`layer_problems`; ``hashes`` also compares file contents with the manifest; PostGIS
    layers have their row counts checked) and error (None, or why the layer cannot be trusted).
    An absent folder is an empty store.
    """
    return open_store(store_dir).layers(hashes=hashes, now=now)


def incidents_from_path(path: str | Path) -> gpd.GeoDataFrame:
    """Canonical incidents from a store/demo GeoParquet or any raw incident file ingest understands.

    Extra columns are dropped (the result is :data:`geo.core.schema.INCIDENT_COLUMNS` and the optional ones).

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


REQUESTS = "requests"
REQUESTS_LAYER = "myla311_api"
"""The City's service requests (MyLA311, one Socrata dataset per year) and their store layer."""


def live_sources(settings: Settings) -> list[str]:
    """Names ``python -m geo fetch`` accepts: ``legacy``, ``nibrs``, ``requests`` and each ``sources.arcgis_layers``
    key."""
    return [*SOCRATA_LAYERS, REQUESTS, *settings.sources.arcgis_layers]


def _layer_of(source: str) -> str:
    if source in SOCRATA_LAYERS:
        return SOCRATA_LAYERS[source]
    if source == REQUESTS:
        return REQUESTS_LAYER
    return f"arcgis-{re.sub(r'[^a-z0-9_]+', '_', source.lower())}"


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


def _kept_note(store: LayerStore, name: str) -> str:
    stored = store.report(name)
    if stored is None:
        return f"nothing was written (no previous {name} layer)"
    return f"the store is unchanged (layer {name} from {stored.get('fetched_at', 'an unknown time')} kept)"


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
    store = open_store(store_dir if store_dir is not None else store_location(settings.sources))
    store.layers()  # a store that cannot be reached fails before anything is downloaded
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
        layer = _layer_of(source)
        try:
            if source == REQUESTS:
                last = end or dt.date.today()
                result = myla311.fetch_requests(
                    client,
                    base_url=soc.base_url,
                    datasets=settings.services.requests_datasets,
                    page_size=soc.page_size,
                    since=_date(since, last - dt.timedelta(days=settings.services.requests_days)) or last,
                    until=last,
                    progress=progress,
                    strict=since is not None,  # the default period takes the years the City has published
                )
            elif source in SOCRATA_LAYERS:
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
        if result.rows_in == 0 and store.report(layer) is not None:
            msg = f"{source}: the source returned no rows; {_kept_note(store, layer)}"
            raise SourceError(msg)
        fetched.append((layer, result, dt.datetime.now(dt.UTC)))
    return [write_layer(result, store.location, name=layer, fetched_at=when) for layer, result, when in fetched]
