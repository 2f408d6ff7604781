"""Reading and writing layers on disk: GeoParquet with metadata, GeoJSON, atomic writes.

Every write goes to a temporary file in the destination folder and is renamed into place,
so an interrupted write never leaves a half-written file and the previous version stays
intact. Reads turn every failure (missing file, corrupt bytes, wrong format) into
:class:`geo.core.errors.DataError` with the path in the message.

A layer made of several files that must agree (data, quarantine, quality report) is written
as one unit with :func:`new_version`: the files go into a fresh hidden folder, which is renamed
to a version folder and then published by rewriting one small pointer file (``CURRENT``) with a
single atomic rename::

    <layer>/CURRENT                 name of the published version folder
    <layer>/v<UTC time>-<random>/   the files of one version + manifest.json (sizes, SHA-256)

Readers follow the pointer (:func:`current_version`), so they see the old set of files or the
new one, never a mix, whatever moment a writer is killed at. The next write removes what an
interrupted one left (hidden temporary folders and files, unpublished versions) and every
version but the new one and the one it replaces (kept for readers that resolved the pointer
just before the switch).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geo.core.bulk import collector_paused
from geo.core.errors import DataError

META_KEY = b"safetymap"
CURRENT = "CURRENT"
"""Pointer file of a versioned layer folder: the name of its published version."""
MANIFEST = "manifest.json"
"""File list of a version (name -> bytes and SHA-256), written last, before the version is published."""
TEMP_PREFIX = "."
VERSION_RE = re.compile(r"v\d{8}T\d{12}Z-[0-9a-f]{8}")
_HASH_CHUNK = 1 << 20


@contextlib.contextmanager
def atomic_path(dest: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix or ".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~_umask())
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes_atomic(dest: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
    return Path(dest)


def write_text_atomic(dest: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``dest`` atomically (LF line endings)."""
    return write_bytes_atomic(dest, text.encode("utf-8"))


_WKB_POINT = np.dtype([("order", "u1"), ("kind", "<u4"), ("x", "<f8"), ("y", "<f8")])  # packed: 21 bytes
"""One 2-D point in little-endian (ISO) WKB: byte order 1, geometry type 1, x, y."""


def _point_wkb(xy: np.ndarray) -> pa.Array:
    """WKB of ``(n, 2)`` coordinates as an Arrow binary array, written in one numpy pass."""
    n = len(xy)
    wkb = np.empty(n, dtype=_WKB_POINT)
    wkb["order"], wkb["kind"], wkb["x"], wkb["y"] = 1, 1, xy[:, 0], xy[:, 1]
    offsets = np.arange(0, _WKB_POINT.itemsize * (n + 1), _WKB_POINT.itemsize, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets), pa.py_buffer(wkb.tobytes())])


def _plain_points(geoms: np.ndarray) -> bool:
    """Every geometry is a non-empty 2-D point (an incident layer), so its WKB can be written from coordinates."""
    return bool(
        len(geoms)
        and (shapely.get_type_id(geoms) == 0).all()
        and not shapely.is_empty(geoms).any()
        and not shapely.has_z(geoms).any()
        and len(geoms) * _WKB_POINT.itemsize < 2**31
    )


def _geoparquet_table(gdf: gpd.GeoDataFrame) -> pa.Table | None:
    """The Arrow table geopandas' own ``to_parquet`` writes (with its "geo" metadata), or None if unavailable.

    For a layer of points the WKB comes from the coordinates (a million incidents: 0.05 s instead
    of about 1 s through a million Python byte strings); the schema, the field's CRS and the "geo"
    metadata are geopandas' own, its bounding box that of every point.
    """
    try:
        from geopandas.io.arrow import _geopandas_to_arrow
    except ImportError:  # pragma: no cover - a geopandas without the helper: write_geoparquet writes twice
        return None
    name = gdf.geometry.name
    geoms = np.asarray(gdf.geometry.array)
    if not _plain_points(geoms) or list(gdf.columns).count(name) != 1:
        table: pa.Table = _geopandas_to_arrow(gdf, index=False)
        return table
    head = _geopandas_to_arrow(gdf.iloc[:1], index=False)
    xy = shapely.get_coordinates(geoms)
    rest = pd.DataFrame(gdf.copy(deep=False))
    rest[name] = None  # as geopandas does: a null column, replaced by the WKB below
    body = pa.Table.from_pandas(rest, preserve_index=False)
    i = body.schema.get_field_index(name)
    body = body.set_column(i, head.schema.field(name), _point_wkb(xy))
    geo = json.loads(head.schema.metadata[b"geo"])
    geo["columns"][name]["bbox"] = [float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()),
                                    float(xy[:, 1].max())]  # fmt: skip
    meta = dict(body.schema.metadata or {})
    meta[b"geo"] = json.dumps(geo).encode("utf-8")
    return body.replace_schema_metadata(meta)


def write_geoparquet(gdf: gpd.GeoDataFrame, dest: str | Path, *, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``gdf`` as GeoParquet at ``dest`` atomically, with ``metadata`` as JSON in the file.

    The table is geopandas' own (its "geo" metadata, WKB geometry); ours goes beside it in the
    same schema, so the file is written once (a million incidents: about a third less CPU than
    writing it and then rewriting it with the metadata).
    """
    if gdf.crs is None:
        msg = f"refusing to write {dest}: the layer has no CRS"
        raise DataError(msg)
    with atomic_path(dest, suffix=".parquet") as tmp:
        table = None if metadata is None else _geoparquet_table(gdf)
        if table is None:
            gdf.to_parquet(tmp, index=False, compression="zstd")
        if metadata is not None:
            table = pq.read_table(tmp) if table is None else table
            meta = dict(table.schema.metadata or {})
            meta[META_KEY] = json.dumps(metadata, sort_keys=True, default=str).encode("utf-8")
            pq.write_table(table.replace_schema_metadata(meta), tmp, compression="zstd")
    return Path(dest)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The JSON metadata stored in a GeoParquet file by :func:`write_geoparquet` (``{}`` if none)."""
    path = Path(path)
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException) as exc:
        msg = f"cannot read {path}: not a readable GeoParquet file ({exc})"
        raise DataError(msg) from exc
    raw = meta.get(META_KEY)
    return {} if raw is None else dict(json.loads(raw))


def _guard(path: Path, reader: Callable[[Path], gpd.GeoDataFrame], what: str) -> gpd.GeoDataFrame:
    if not path.exists():
        msg = f"{what} file not found: {path}"
        raise DataError(msg)
    if path.is_dir():
        msg = f"{what} path is a folder, expected a file: {path}"
        raise DataError(msg)
    try:
        gdf = reader(path)
    except DataError:
        raise
    except Exception as exc:
        msg = f"cannot read {what} file {path}: {type(exc).__name__}: {exc}"
        raise DataError(msg) from exc
    if gdf.crs is None:
        msg = f"{what} file {path} has no CRS; refusing to guess one"
        raise DataError(msg)
    return gdf


def read_geoparquet(path: str | Path, *, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """Read a GeoParquet file; raise :class:`DataError` naming the file when it is missing or corrupt."""
    with collector_paused():  # a million points made from WKB (geo.core.bulk)
        return _guard(Path(path), lambda p: gpd.read_parquet(p, columns=columns), "GeoParquet")


def read_vector(path: str | Path) -> gpd.GeoDataFrame:
    """Read GeoParquet, GeoJSON, a shapefile or a GeoPackage by file ending."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        return read_geoparquet(path)
    return _guard(path, lambda p: gpd.read_file(p, engine="pyogrio"), "vector")


# --- versioned layer folders ---------------------------------------------------------------


@dataclass(frozen=True)
class StagedVersion:
    """A version being written: put its files in ``folder``; it is published as ``final``."""

    folder: Path
    final: Path

    @property
    def version(self) -> str:
        """The version's name (its folder name once published)."""
        return self.final.name


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
"""The files a shapefile is made of; its identity is all of them (the same .shp with another .dbf is another file)."""


def source_sha256(path: str | Path) -> str:
    """SHA-256 of a source as the loader reads it (hex): the file's bytes, or for a shapefile each of its parts
    that exists (name suffix and bytes, in :data:`SHAPEFILE_PARTS` order)."""
    path = Path(path)
    if path.suffix.lower() != ".shp":
        return file_sha256(path)
    digest = hashlib.sha256()
    for suffix in SHAPEFILE_PARTS:
        part = next((p for p in (path.with_suffix(suffix), path.with_suffix(suffix.upper())) if p.is_file()), None)
        if part is not None:
            digest.update(f"{suffix}\n{file_sha256(part)}\n".encode())
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex), read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    """Flush a file or (on POSIX) a folder to disk; best effort where the OS cannot."""
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (one writer per layer; a no-op where flock is missing)."""
    if sys.platform == "win32":  # pragma: no cover - the project runs on POSIX
        yield
        return
    import fcntl

    with (folder / ".lock").open("a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def current_version(layer_dir: str | Path) -> Path | None:
    """The published version folder of ``layer_dir`` (None when nothing was ever published).

    Raises
    ------
    DataError
        The pointer file is unreadable or does not name a version.
    """
    pointer = Path(layer_dir) / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"cannot read the layer pointer {pointer}: {exc}"
        raise DataError(msg) from exc
    if not VERSION_RE.fullmatch(name):
        msg = f"the layer pointer {pointer} is damaged: it does not name a version folder"
        raise DataError(msg)
    return pointer.parent / name


def _clean(layer_dir: Path, *, keep: set[str] | None) -> None:
    """Remove what interrupted writes left; with ``keep``, also every version not named in it."""
    for entry in layer_dir.iterdir():
        stale_temp = entry.name.startswith(TEMP_PREFIX) and entry.name != ".lock"
        stale_version = keep is not None and VERSION_RE.fullmatch(entry.name) and entry.name not in keep
        if not (stale_temp or stale_version):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()


def _manifest(folder: Path, version: str) -> dict[str, Any]:
    files = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        _fsync(path)
        files[path.name] = {"bytes": path.stat().st_size, "sha256": file_sha256(path)}
    written = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return {"version": version, "written_at": written, "files": files}


@contextlib.contextmanager
def new_version(layer_dir: str | Path) -> Iterator[StagedVersion]:
    """Write a new version of a multi-file layer and publish it with one pointer switch.

    The block writes its files into ``staged.folder``; when it succeeds, a manifest is added,
    the folder is renamed to ``staged.final`` and ``CURRENT`` is switched to it. If the block
    raises, or the process dies at any point, the published version is unchanged. One writer
    per layer at a time (a lock file in ``layer_dir``).
    """
    layer_dir = Path(layer_dir)
    layer_dir.mkdir(parents=True, exist_ok=True)
    with _locked(layer_dir):
        _clean(layer_dir, keep=None)
        try:
            previous = current_version(layer_dir)
        except DataError:
            previous = None  # a damaged pointer is replaced by this write
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        staged = StagedVersion(
            folder=Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}tmp-", dir=layer_dir)),
            final=layer_dir / f"v{stamp}-{secrets.token_hex(4)}",
        )
        staged.folder.chmod(0o777 & ~_umask())
        try:
            yield staged
            manifest = json.dumps(_manifest(staged.folder, staged.version), indent=1, sort_keys=True)
            (staged.folder / MANIFEST).write_text(manifest + "\n", encoding="utf-8")
            _fsync(staged.folder / MANIFEST)
            _fsync(staged.folder)
            os.replace(staged.folder, staged.final)
            _fsync(layer_dir)
            write_text_atomic(layer_dir / CURRENT, staged.version + "\n")  # the one switch readers see
            _fsync(layer_dir)
        finally:
            if staged.folder.exists():
                shutil.rmtree(staged.folder, ignore_errors=True)
        _clean(layer_dir, keep={staged.version} | ({previous.name} if previous else set()))


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def check_version(folder: str | Path, *, hashes: bool = True) -> list[str]:
    """What is wrong with a published version folder (empty when its files agree with its manifest).

    Checks that the folder exists, that its manifest names this version, and that every file
    listed is present with the recorded size (and SHA-256 when ``hashes``).
    """
    folder = Path(folder)
    if not folder.is_dir():
        return [f"the published version {folder.name} is missing"]
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = dict(manifest["files"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"the manifest of version {folder.name} is missing or unreadable ({type(exc).__name__})"]
    problems = []
    if manifest.get("version") != folder.name:
        problems.append(f"the manifest of {folder.name} names version {manifest.get('version')!r}")
    for name, expected in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            problems.append(f"{name} is missing from version {folder.name}")
        elif path.stat().st_size != expected.get("bytes"):
            problems.append(f"{name} in version {folder.name} has changed size since it was written")
        elif hashes and file_sha256(path) != expected.get("sha256"):
            problems.append(f"{name} in version {folder.name} has changed since it was written")
    return problems


def parquet_rows(path: str | Path) -> int:
    """Number of rows of a Parquet file, from its footer (no data read)."""
    path = Path(path)
    try:
        return int(pq.read_metadata(path).num_rows)
    except (OSError, pa.ArrowException) as exc:
        msg = f"cannot read {path}: not a readable Parquet file ({exc})"
        raise DataError(msg) from exc
