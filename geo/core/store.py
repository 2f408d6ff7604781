"""Reading and writing layers on disk: GeoParquet with metadata, GeoJSON, atomic writes.

Every write goes to a temporary file in the destination folder and is renamed into place,
so an interrupted write never leaves a half-written file and the previous version stays
intact. Reads turn every failure (missing file, corrupt bytes, wrong format) into
:class:`geo.core.errors.DataError` with the path in the message.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyarrow as pa
import pyarrow.parquet as pq

from geo.core.errors import DataError

META_KEY = b"safetymap"


@contextlib.contextmanager
def atomic_path(dest: str | Path, *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; rename it onto ``dest`` only if the block succeeds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=suffix or ".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o666 & ~umask)
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


def write_geoparquet(gdf: gpd.GeoDataFrame, dest: str | Path, *, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``gdf`` as GeoParquet at ``dest`` atomically, with ``metadata`` as JSON in the file."""
    if gdf.crs is None:
        msg = f"refusing to write {dest}: the layer has no CRS"
        raise DataError(msg)
    # geopandas' own writer carries the "geo" metadata; ours goes beside it.
    with atomic_path(dest, suffix=".parquet") as tmp:
        gdf.to_parquet(tmp, index=False, compression="zstd")
        if metadata is not None:
            written = pq.read_table(tmp)
            meta = dict(written.schema.metadata or {})
            meta[META_KEY] = json.dumps(metadata, sort_keys=True, default=str).encode("utf-8")
            pq.write_table(written.replace_schema_metadata(meta), tmp, compression="zstd")
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
    return _guard(Path(path), lambda p: gpd.read_parquet(p, columns=columns), "GeoParquet")


def read_vector(path: str | Path) -> gpd.GeoDataFrame:
    """Read GeoParquet, GeoJSON, a shapefile or a GeoPackage by file ending."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".geoparquet"):
        return read_geoparquet(path)
    return _guard(path, lambda p: gpd.read_file(p, engine="pyogrio"), "vector")
