"""Reading delimited text the way users actually have it: gzip, BOM, CRLF, Excel re-saves.

Every column is read as text (``TIME OCC`` ``0330`` and ``DR_NO`` ``010304468`` keep their zeros)
with the pyarrow streaming reader, block by block, so a 1M-row export never sits in memory twice.
Rows with the wrong number of fields are not fatal: they come back as ``malformed_row`` entries
with their text, so the caller can quarantine them.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.core.errors import DataError

SNIFF_BYTES = 1 << 20
"""Bytes read to detect encoding and header (1 MiB); a header line longer than this is refused."""
BLOCK_BYTES = 8 << 20
"""pyarrow block size (8 MiB); a single row longer than this is refused with a clear message."""
FALLBACK_ENCODING = "cp1252"
"""Encoding assumed when a file is not UTF-8 (what Excel on Windows writes as "CSV")."""


def norm_key(name: str) -> str:
    """Column name reduced to lower-case letters and digits (``'AREA '`` and ``area`` -> ``area``)."""
    return re.sub(r"[^a-z0-9]", "", name.replace("\ufeff", "").lower())


def _open_bytes(path: Path) -> io.BufferedIOBase:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def head_bytes(path: str | Path, n: int = SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes of ``path`` (decompressed for ``.gz``); raise :class:`DataError` if unreadable."""
    path = Path(path)
    if not path.exists():
        msg = f"file not found: {path}"
        raise DataError(msg)
    if path.is_dir():
        msg = f"expected a file, got a folder: {path}"
        raise DataError(msg)
    try:
        with _open_bytes(path) as fh:
            return fh.read(n)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        msg = f"cannot read {path}: {exc}"
        raise DataError(msg) from exc


def guess_encoding(head: bytes, *, path: Path | str = "") -> str:
    """``utf-8`` if ``head`` decodes as UTF-8, else :data:`FALLBACK_ENCODING`; refuse binary data."""
    if b"\x00" in head:
        msg = f"{path} looks like a binary file (it contains NUL bytes), not CSV or JSON text"
        raise DataError(msg)
    cut = head
    if len(head) == SNIFF_BYTES:  # may end in the middle of a multi-byte character
        cut = head[: head.rfind(b"\n") + 1] or head[:-4]
    try:
        cut.decode("utf-8")
    except UnicodeDecodeError:
        return FALLBACK_ENCODING
    return "utf-8"


@dataclass
class CsvHead:
    """What the first line of a delimited file says."""

    path: Path
    encoding: str
    names: list[str]
    """Column names made unique; blank names become ``column_<n>`` (1-based)."""
    raw_names: list[str]
    keys: dict[str, str] = field(default_factory=dict)
    """Normalised key (:func:`norm_key`) -> column name, first occurrence wins."""
    utf8_cells: int = 0
    """Cells of a Windows-1252 file that held UTF-8 text (a file saved in two encodings), read back as UTF-8."""


def read_head(path: str | Path) -> CsvHead:
    """Parse the header line of a CSV file (gzip, BOM, CRLF and any encoding handled).

    Raises
    ------
    DataError
        Empty file, binary data, a first line longer than 1 MiB, or a single column.
    """
    path = Path(path)
    head = head_bytes(path)
    if not head.strip():
        msg = f"{path} is empty: expected a CSV file with a header line"
        raise DataError(msg)
    encoding = guess_encoding(head, path=path)
    text = head.decode(encoding, errors="replace").lstrip("\ufeff")
    first_end = text.find("\n")
    if first_end < 0 and len(head) == SNIFF_BYTES:
        msg = f"{path}: the first line is longer than {SNIFF_BYTES // 1024} KiB; this is not a CSV export"
        raise DataError(msg)
    try:
        raw = next(csv.reader(io.StringIO(text[: first_end if first_end >= 0 else None])))
    except (csv.Error, StopIteration) as exc:
        msg = f"{path}: cannot parse the header line as CSV ({exc})"
        raise DataError(msg) from exc
    raw = [r.strip().lstrip("\ufeff") for r in raw]
    if len(raw) < 2:
        msg = f"{path}: the header has {len(raw)} column(s) ({raw[:3]}); expected a comma-separated table"
        raise DataError(msg)
    names: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(raw, start=1):
        base = name or f"column_{i}"
        cand, k = base, 2
        while cand in seen:
            cand, k = f"{base}_{k}", k + 1
        seen.add(cand)
        names.append(cand)
    keys: dict[str, str] = {}
    for name, r in zip(names, raw, strict=True):
        if r:
            keys.setdefault(norm_key(r), name)
    return CsvHead(path=path, encoding=encoding, names=names, raw_names=raw, keys=keys)


SCAN_BYTES = 16 << 20
"""Bytes scanned at a time by :func:`quoted_line_breaks`."""
_NOT_QUOTE_OR_BREAK = bytes(b for b in range(256) if b not in b'"\r\n')
_ODD_LINE = re.compile(rb'^(?:"")*"$', re.MULTILINE)


def quoted_line_breaks(path: Path) -> bool:
    """Whether some quoted cell of ``path`` may hold a line break (a line with an odd number of ``"``).

    A CSV cell holds a line break only inside quotes, and an escaped quote is written twice, so a
    file whose every line has an even number of quote characters has none. The answer decides the
    parser's mode: the mode that allows such breaks parses about twice as slowly (0.7 s against
    1.5 s for a million LAPD rows), so it is used only where a file needs it, or may (odd quoting).
    UTF-8 and cp1252 (the encodings read here) write these three characters as single bytes.
    """
    tail = b""  # the quotes of the line that runs on into the next chunk
    with _open_bytes(path) as fh:
        while chunk := fh.read(SCAN_BYTES):
            # only quotes and line ends are kept (a C pass); each line is then a run of quotes
            marks = tail + chunk.translate(None, _NOT_QUOTE_OR_BREAK).replace(b"\r", b"\n")
            last = marks.rfind(b"\n")
            if last < 0:
                tail = marks
                continue
            if _ODD_LINE.search(marks, 0, last):
                return True
            tail = marks[last + 1 :]
    return len(tail) % 2 == 1


@dataclass
class Malformed:
    """A row the CSV parser could not split into the header's columns."""

    row: int | None
    text: str
    expected: int
    actual: int


def iter_csv_blocks(head: CsvHead, *, block_bytes: int = BLOCK_BYTES) -> Iterator[tuple[pd.DataFrame, list[Malformed]]]:
    """Yield blocks of data rows as all-text DataFrames (empty cells are ``""``).

    Each block comes with the malformed rows met while reading it. Rows are in file order.

    Raises
    ------
    DataError
        The bytes cannot be decoded, a row is longer than ``block_bytes``, or the stream is corrupt.
    """
    bad: list[Malformed] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append(Malformed(row.number, row.text, row.expected_columns, row.actual_columns))
        return "skip"

    read_opts = pacsv.ReadOptions(
        column_names=head.names,
        skip_rows=1,
        block_size=block_bytes,
        encoding=head.encoding,
        use_threads=True,
    )
    parse_opts = pacsv.ParseOptions(newlines_in_values=quoted_line_breaks(head.path), invalid_row_handler=on_invalid)
    conv_opts = pacsv.ConvertOptions(
        column_types=dict.fromkeys(head.names, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        stream = pa.input_stream(str(head.path), compression="detect")
        reader = pacsv.open_csv(stream, read_options=read_opts, parse_options=parse_opts, convert_options=conv_opts)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # the first block is decoded here
        raise _csv_error(head.path, exc, block_bytes) from exc
    with reader:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
                raise _csv_error(head.path, exc, block_bytes) from exc
            frame = batch.to_pandas()
            if head.encoding == FALLBACK_ENCODING:
                frame = _utf8_inside(frame, head)
            found, bad = bad, []
            yield frame, found
    if bad:
        yield pd.DataFrame({n: pd.Series([], dtype="str") for n in head.names}), bad


def note_encoding(notes: dict[str, Any], head: CsvHead) -> None:
    """Say in a load's notes (and so in its report) that a Windows-1252 file held UTF-8 cells, and how many."""
    if head.utf8_cells:
        notes["mixed_encoding"] = (
            f"{head.utf8_cells} cells written as UTF-8 in a {FALLBACK_ENCODING} file, read as UTF-8"
        )


def _as_utf8(cell: str) -> str:
    """``cell`` as UTF-8 when its Windows-1252 reading is UTF-8 bytes ("PeÃ±a" -> "Peña"), else unchanged."""
    try:
        return cell.encode(FALLBACK_ENCODING).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return cell


def _utf8_inside(frame: pd.DataFrame, head: CsvHead) -> pd.DataFrame:
    """A block of a Windows-1252 file with the cells that were written as UTF-8 read back as UTF-8, counted in
    ``head.utf8_cells`` (a file edited in two programs mixes them; the loaders report the count)."""
    for col in frame.columns:
        values = frame[col]
        odd = values.str.contains(r"[^\x00-\x7f]", regex=True, na=False)
        if not bool(odd.any()):
            continue
        fixed = {v: _as_utf8(v) for v in values[odd].unique()}
        changed = {v: w for v, w in fixed.items() if w != v}
        if changed:
            hit = values.isin(list(changed))
            head.utf8_cells += int(hit.sum())
            frame[col] = values.where(~hit, values.map(changed))
    return frame


def _csv_error(path: Path, exc: BaseException, block_bytes: int = BLOCK_BYTES) -> DataError:
    text = str(exc)
    if "straddling" in text or "block size" in text:
        msg = f"{path}: a row is longer than {block_bytes / (1 << 20):g} MiB; this is not an LAPD-style export"
    elif isinstance(exc, UnicodeDecodeError) and exc.encoding.replace("_", "-") != "utf-8":
        msg = f"{path}: the text mixes encodings (it is not valid {exc.encoding} either); re-save it as 'CSV UTF-8'"
    elif "UTF8" in text or "utf-8" in text.lower() or isinstance(exc, UnicodeDecodeError):
        msg = f"{path}: text is not valid UTF-8 past the first MiB; re-save the file as 'CSV UTF-8'"
    else:
        msg = f"{path}: cannot read as CSV ({type(exc).__name__}: {text.splitlines()[0] if text else ''})"
    return DataError(msg)
