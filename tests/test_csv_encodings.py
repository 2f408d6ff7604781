"""A CSV saved in two encodings (Windows-1252 with some UTF-8 lines) is read whole and said in the report."""

from __future__ import annotations

from pathlib import Path

from geo.data.ingest import ingest_file
from tests.test_store_kill import GOOD, HEADER


def _mixed(path: Path) -> Path:
    rows = [GOOD.replace("010304468", f"0103{i:05d}") for i in range(4)]
    latin = rows[0].replace("SINGLE FAMILY DWELLING", "CALLE PEÑA").encode("cp1252")  # an old tool's line
    utf8 = rows[1].replace("SINGLE FAMILY DWELLING", "CALLE MUÑOZ").encode("utf-8")  # a line added in a newer one
    path.write_bytes(HEADER.encode() + latin + utf8 + "".join(rows[2:]).encode())
    return path


def test_utf8_lines_in_a_windows_1252_file_are_read_as_utf8_and_reported(tmp_path: Path) -> None:
    rep = ingest_file(_mixed(tmp_path / "crime.csv"), store_dir=tmp_path / "store")
    assert rep["rows_kept"] == 4
    assert rep["mixed_encoding"].startswith("1 cells written as UTF-8 in a cp1252 file")
    import geopandas as gpd

    premises = set(gpd.read_parquet(rep["output"])["premise"])
    assert {"CALLE PEÑA", "CALLE MUÑOZ"} <= premises  # neither garbled ("MUÃ'OZ")


def test_a_plain_windows_1252_file_reports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "crime.csv"
    rows = [GOOD.replace("010304468", f"0103{i:05d}") for i in range(3)]
    path.write_bytes((HEADER + "".join(rows)).replace("SINGLE FAMILY DWELLING", "CALLE PEÑA").encode("cp1252"))
    rep = ingest_file(path, store_dir=tmp_path / "store")
    assert "mixed_encoding" not in rep
    assert rep["rows_kept"] == 3
