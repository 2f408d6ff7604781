"""The embedded store: one versioned GeoParquet folder per layer (the default; no server).

Layout of the store folder (``sources.store_dir``, ``data/cache`` by default); each layer is one
versioned folder (see :func:`geo.core.store.new_version`)::

    <layer>/CURRENT                         the published version
    <layer>/<version>/<layer>.parquet       canonical rows (incidents or places) + extras, EPSG:4326, metadata
    <layer>/<version>/<layer>.quarantine.parquet   every dropped row as text, with ``source_row`` and ``reason``
    <layer>/<version>/report.json           the quality report (the same as the data file's metadata)
    <layer>/<version>/manifest.json         sizes and SHA-256 of the three files

The three files are published together by one pointer switch, so a failed, interrupted or killed
write leaves the previous layer, whole. Layers of the older flat layout (``<layer>.parquet`` and
``<layer>.quarantine.parquet`` in the store folder) are still read, and replaced on their next write.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataError
from geo.core.store import (
    CURRENT,
    check_version,
    current_version,
    new_version,
    parquet_rows,
    read_geoparquet,
    read_metadata,
    write_geoparquet,
)
from geo.data.stores.api import ALL, Window

QUARANTINE_SUFFIX = ".quarantine.parquet"
LAYER_SUFFIX = ".parquet"
REPORT = "report.json"
AUDIT_FILE = "audit.jsonl"
"""The audit record of a folder store: one JSON object per line, only ever appended."""
INVENTORY_KEYS = ("kind", "table", "source", "url_or_file", "fetched_at")
INVENTORY_TAIL = ("date_from", "date_to", "series_break", "schema_version", "version")


def layer_paths(store_dir: str | Path, name: str) -> tuple[Path, Path]:
    """Data and quarantine files of the published version of layer ``name``.

    For a layer never written these are the paths of the older flat layout (which do not
    exist either); use ``.exists()`` on the data file to ask whether the layer is there.

    Raises
    ------
    DataError
        The layer's pointer file is damaged.
    """
    store = Path(store_dir)
    version = current_version(store / name)
    folder = version if version is not None else store
    return folder / f"{name}{LAYER_SUFFIX}", folder / f"{name}{QUARANTINE_SUFFIX}"


def layer_names(store: Path) -> list[str]:
    """Layers in the store: versioned folders with a pointer, and flat files of the older layout."""
    names = {p.parent.name for p in store.glob(f"*/{CURRENT}")}
    for path in store.glob(f"*{LAYER_SUFFIX}"):
        if not path.name.endswith(QUARANTINE_SUFFIX) and not path.name.startswith("."):
            names.add(path.name.removesuffix(LAYER_SUFFIX))
    return sorted(names)


def layer_problems(store_dir: str | Path, name: str, *, hashes: bool = False) -> list[str]:
    """What disagrees among the parts of a stored layer (empty when data, quarantine and report agree).

    Checks the published version against its manifest (sizes; SHA-256 too when ``hashes``), that
    the data file's report names this layer and version, that ``report.json`` is the same report,
    and that the row counts of the data and quarantine files match ``rows_kept`` and the dropped
    counts.
    """
    store = Path(store_dir)
    try:
        version = current_version(store / name)
    except DataError as exc:
        return [str(exc)]
    problems = check_version(version, hashes=hashes) if version is not None else []
    if problems:
        return problems
    data_path, q_path = layer_paths(store, name)
    try:
        meta = read_metadata(data_path)
        kept, quarantined = parquet_rows(data_path), parquet_rows(q_path) if q_path.exists() else None
    except DataError as exc:
        return [str(exc)]
    if meta.get("layer") != name:
        problems.append(f"the data file's report is for layer {meta.get('layer')!r}, not {name!r}")
    if version is not None:
        if meta.get("version") != version.name:
            problems.append(f"the data file's report is of version {meta.get('version')!r}, not {version.name}")
        try:
            stored = json.loads((version / REPORT).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            stored = None
        if stored != json.loads(json.dumps(meta, default=str)):
            problems.append(f"{REPORT} does not match the data file's report")
    return problems + count_problems(meta, kept, quarantined)


def count_problems(meta: dict[str, Any], kept: int, quarantined: int | None) -> list[str]:
    """Where stored row counts disagree with a report's ``rows_kept``, ``dropped`` and ``rows_in``."""
    problems = []
    if kept != meta.get("rows_kept"):
        problems.append(f"the data holds {kept} rows but its report says {meta.get('rows_kept')}")
    dropped = sum(dict(meta.get("dropped") or {}).values())
    if quarantined is None:
        problems.append("the quarantine is missing")
    elif quarantined != dropped or meta.get("rows_in") != meta.get("rows_kept", 0) + dropped:
        problems.append(
            f"the quarantine holds {quarantined} rows but the report counts {dropped} dropped "
            f"of {meta.get('rows_in')} read, {meta.get('rows_kept')} kept"
        )
    return problems


def inventory_entry(
    name: str, path: str, meta: dict[str, Any], *, quarantine: str | None, problems: list[str], now: dt.datetime
) -> dict[str, Any]:
    """One inventory row (the same keys for every store kind)."""
    age = None
    with contextlib.suppress(KeyError, TypeError, ValueError):
        age = round((now - dt.datetime.fromisoformat(meta["fetched_at"])).total_seconds() / 86400, 2)
    entry: dict[str, Any] = {"name": name, "path": path}
    entry.update({k: meta.get(k) for k in INVENTORY_KEYS})
    entry["age_days"] = age
    entry.update({k: meta.get(k) for k in ("rows_in", "rows_kept")})
    entry["dropped"] = meta.get("dropped", {})
    entry.update({k: meta.get(k) for k in INVENTORY_TAIL})
    entry["quarantine"] = quarantine
    entry["problems"] = problems
    entry["error"] = "; ".join(problems) if problems else None
    return entry


class ParquetStore:
    """The :class:`geo.data.stores.LayerStore` of a folder of versioned GeoParquet layers."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @property
    def location(self) -> str:
        """The store folder."""
        return str(self.folder)

    def write(
        self, name: str, frame: gpd.GeoDataFrame, quarantine: pd.DataFrame, report: dict[str, Any]
    ) -> dict[str, Any]:
        """Write data, quarantine and report into a new version and publish it (one pointer switch)."""
        data_name, q_name = f"{name}{LAYER_SUFFIX}", f"{name}{QUARANTINE_SUFFIX}"
        meta = dict(report)
        try:
            with new_version(self.folder / name) as staged:
                meta.update(version=staged.version, quarantine=q_name)
                quarantine.to_parquet(staged.folder / q_name, index=False, compression="zstd")
                write_geoparquet(frame, staged.folder / data_name, metadata=meta)
                text = json.dumps(meta, indent=1, sort_keys=True, default=str)
                (staged.folder / REPORT).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            msg = f"cannot write the store at {self.folder}: {exc}; the previous layer {name} is unchanged"
            raise DataError(msg) from exc
        for legacy in (self.folder / data_name, self.folder / q_name):  # the older flat layout, now superseded
            with contextlib.suppress(FileNotFoundError):
                legacy.unlink()
        with contextlib.suppress(OSError):
            os.utime(self.folder)  # readers that cache on the store folder's time see the change at once
        return {**meta, "output": str(staged.final / data_name), "quarantine": str(staged.final / q_name)}

    def read(self, name: str, *, window: Window = ALL) -> gpd.GeoDataFrame:
        """The layer's rows inside ``window`` (the whole file is read, then filtered in memory)."""
        gdf = read_geoparquet(layer_paths(self.folder, name)[0])
        return gdf if window == ALL else window.apply(gdf)

    def read_quarantine(self, name: str) -> pd.DataFrame:
        """The dropped rows of layer ``name`` (``source_row``, ``reason``, then the raw columns as text)."""
        _, q_path = layer_paths(self.folder, name)
        if not q_path.exists():
            msg = f"no quarantine for layer {name!r} in {self.folder}"
            raise DataError(msg)
        return pd.read_parquet(q_path)

    def report(self, name: str) -> dict[str, Any] | None:
        """The stored report (None when the layer is absent or its pointer is damaged)."""
        try:
            data_path, _ = layer_paths(self.folder, name)
            return read_metadata(data_path) if data_path.exists() else None
        except DataError:
            return None

    def version(self, name: str) -> str | None:
        """The published version folder's name (``flat`` for the older layout, None when absent)."""
        published = current_version(self.folder / name)
        if published is not None:
            return published.name
        return "flat" if layer_paths(self.folder, name)[0].exists() else None

    def locator(self, name: str) -> str:
        """The published data file of layer ``name``."""
        return str(layer_paths(self.folder, name)[0])

    def layers(self, *, hashes: bool = False, now: dt.datetime | None = None) -> list[dict[str, Any]]:
        """One inventory entry per layer; an absent folder is an empty store."""
        if not self.folder.is_dir():
            return []
        now = now or dt.datetime.now(dt.UTC)
        out = []
        for name in layer_names(self.folder):
            try:
                path, q_path = layer_paths(self.folder, name)
            except DataError as exc:
                path = q_path = self.folder / name / CURRENT
                meta: dict[str, Any] = {}
                problems = [str(exc)]
            else:
                problems = layer_problems(self.folder, name, hashes=hashes)
                try:
                    meta = read_metadata(path)
                except DataError:
                    meta = {}
            quarantine = str(q_path) if q_path.exists() else None
            out.append(inventory_entry(name, str(path), meta, quarantine=quarantine, problems=problems, now=now))
        return out

    def append_audit(self, row: dict[str, str]) -> None:
        """Append ``row`` as one line of ``audit.jsonl`` (one write, then fsync: a crash never leaves half a row)."""
        line = (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.folder / AUDIT_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                os.write(fd, line)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            msg = f"cannot append to the audit record {self.folder / AUDIT_FILE}: {exc}"
            raise DataError(msg) from exc

    def audit(self, *, since: dt.datetime | None = None) -> list[dict[str, str]]:
        """The rows of ``audit.jsonl`` at or after ``since``; a line that does not parse is kept, as a row saying so."""
        path = self.folder / AUDIT_FILE
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            msg = f"cannot read the audit record {path}: {exc}"
            raise DataError(msg) from exc
        rows = []
        for number, line in enumerate(lines, start=1):
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                row = None
            if not isinstance(row, dict):
                row = {"at": "", "action": "unreadable", "what": f"line {number} of {path.name} does not parse"}
            rows.append({str(k): str(v) for k, v in row.items()})
        return [r for r in rows if since is None or _at_or_after(r.get("at", ""), since)]


def _at_or_after(at: str, since: dt.datetime) -> bool:
    """Whether the row's time ``at`` is at or after ``since``; a row whose time does not parse is kept."""
    try:
        when = dt.datetime.fromisoformat(at)
    except ValueError:
        return True
    return (when if when.tzinfo else when.replace(tzinfo=dt.UTC)) >= since
