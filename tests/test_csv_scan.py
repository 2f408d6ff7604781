"""Which CSV files may hold a line break inside a quoted cell (the parser's slower mode is kept for those)."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from geo.data.sources import _csv
from geo.data.sources._csv import quoted_line_breaks, read_head

ROWS = {
    "plain": [["a", "b"], ["1", "x"], ["2", "y"]],
    "quoted commas": [["a", "b"], ["1", "ASSAULT WITH DEADLY WEAPON, AGGRAVATED"], ["2", "y"]],
    "escaped quotes": [["a", "b"], ["1", 'a 5" screen'], ["2", '""']],
    "quoted newline": [["a", "b"], ["1", "Santa Monica Mountains\n"], ["2", "y"]],
    "quoted carriage return": [["a", "b"], ["1", "one\rtwo"], ["2", "y"]],
}
BREAKS = {"plain": False, "quoted commas": False, "escaped quotes": False, "quoted newline": True,
          "quoted carriage return": True}  # fmt: skip


def write(path: Path, rows: list[list[str]], *, newline: str = "\n", quoting: int = csv.QUOTE_MINIMAL) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=newline, quoting=quoting).writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


@pytest.mark.parametrize("case", list(ROWS))
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL], ids=["minimal", "all"])
def test_line_breaks_in_quotes_are_found_and_only_they(case: str, newline: str, quoting: int, tmp_path: Path) -> None:
    if case == "quoted carriage return" and quoting == csv.QUOTE_MINIMAL and newline == "\n":
        quoting = csv.QUOTE_ALL  # Python's writer leaves a lone CR unquoted when lines end in LF
    path = write(tmp_path / "f.csv", ROWS[case], newline=newline, quoting=quoting)
    assert quoted_line_breaks(path) is BREAKS[case]
    # what the reader makes of the file is what the slower mode makes of it
    blocks = list(_csv.iter_csv_blocks(read_head(path)))
    cells = [tuple(r) for frame, _ in blocks for r in frame.itertuples(index=False)]
    assert cells == [tuple(r) for r in ROWS[case][1:]]


def test_a_break_found_across_scan_chunks_and_in_gzip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [["a", "b"]] + [[str(i), "x" * 40] for i in range(200)] + [["201", "line\nbreak"]]
    path = write(tmp_path / "f.csv", rows)
    monkeypatch.setattr(_csv, "SCAN_BYTES", 64)  # the quote opens in one chunk, the break is in the next
    assert quoted_line_breaks(path)
    packed = tmp_path / "f.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    assert quoted_line_breaks(packed)
    plain = write(tmp_path / "p.csv", rows[:-1])
    assert not quoted_line_breaks(plain)


def test_an_unbalanced_quote_keeps_the_careful_mode(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b'a,b\n1,"open\n2,y\n')
    assert quoted_line_breaks(path)
