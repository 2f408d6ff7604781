"""Loader fuzzing: random bytes, truncations and mixed encodings through the whole ingest path.

Every input ends in one of two ways: one clear error (a :class:`SafetyMapError`, with the store
exactly as it was), or a written layer whose rows all add up (``rows_in == kept + dropped``,
the quarantine holds every dropped row, and the layer's parts agree).
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.core.errors import SafetyMapError
from geo.data.ingest import ingest_file, layer_problems, store_inventory
from tests.store_helpers import store_snapshot
from tests.test_ingest_hostile import GOOD, HEADER

FUZZ = settings(
    max_examples=40,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ROWS = [GOOD.replace("010304468", f"0103{i:05d}") for i in range(6)]
CLEAN_CSV = (HEADER + "".join(ROWS)).encode("utf-8")
HOMICIDES = json.dumps(
    [
        {"case_number": f"2017-{i}", "death_date": "2017-06-18T00:00:00.000Z", "latitude": 33.98, "longitude": -118.3}
        for i in range(4)
    ]
).encode()
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "ascii")


@pytest.fixture(scope="module")
def workspace() -> Iterator[Path]:
    """A folder with the source paths the fuzzed files are written to, and a store holding a layer of each."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(tmp)
        base = root / "base-store"
        for name, data in (("crime.csv", CLEAN_CSV), ("homicides.json", HOMICIDES)):
            (root / name).write_bytes(data)
            ingest_file(root / name, store_dir=base)
        (root / "crime_gz.csv.gz").write_bytes(gzip.compress(CLEAN_CSV))
        ingest_file(root / "crime_gz.csv.gz", store_dir=base)
        yield root


def check(root: Path, name: str, data: bytes, *, prefilled: bool) -> None:
    """Ingest ``data`` as ``root/name`` into a copy of the base store (or an empty one) and check the outcome."""
    source = root / name
    source.write_bytes(data)
    store = root / "store"
    shutil.rmtree(store, ignore_errors=True)
    if prefilled:
        shutil.copytree(root / "base-store", store)
    before = store_snapshot(store)
    try:
        rep = ingest_file(source, store_dir=store)
    except SafetyMapError as exc:
        error: SafetyMapError | None = exc
    else:
        error = None
    if error is not None:
        assert str(error).strip()
        assert "\n" not in str(error).strip()
        assert store_snapshot(store) == before, "a refused ingest changed the store"
        return
    dropped = sum(rep["dropped"].values())
    assert rep["rows_in"] == rep["rows_kept"] + dropped
    assert len(pd.read_parquet(rep["output"])) == rep["rows_kept"]
    assert len(pd.read_parquet(rep["quarantine"])) == dropped
    assert layer_problems(store, rep["layer"], hashes=True) == []
    assert {x["name"] for x in store_inventory(store)} >= {rep["layer"]}


@FUZZ
@given(data=st.binary(max_size=4096), name=st.sampled_from(["crime.csv", "homicides.json", "crime_gz.csv.gz"]))
def test_random_bytes(workspace: Path, data: bytes, name: str) -> None:
    check(workspace, name, data, prefilled=True)


@FUZZ
@given(
    cut=st.integers(0, len(CLEAN_CSV)),
    gz=st.booleans(),
    gz_cut=st.floats(0.0, 1.0),
    prefilled=st.booleans(),
)
def test_truncated_files(workspace: Path, cut: int, gz: bool, gz_cut: float, prefilled: bool) -> None:
    data = CLEAN_CSV[:cut]
    if gz:
        packed = gzip.compress(data)
        check(workspace, "crime_gz.csv.gz", packed[: max(1, int(len(packed) * gz_cut))], prefilled=prefilled)
    else:
        check(workspace, "crime.csv", data, prefilled=prefilled)


@FUZZ
@given(
    encodings=st.lists(st.sampled_from(ENCODINGS), min_size=len(ROWS), max_size=len(ROWS)),
    extra=st.text(max_size=12),
    prefilled=st.booleans(),
)
def test_mixed_encodings(workspace: Path, encodings: list[str], extra: str, prefilled: bool) -> None:
    parts = [HEADER.encode("utf-8")]
    for row, enc in zip(ROWS, encodings, strict=True):
        text = row.replace("SINGLE FAMILY DWELLING", f"PEÑA {extra}".replace("\n", " "))
        parts.append(text.encode(enc, errors="replace"))
    check(workspace, "crime.csv", b"".join(parts), prefilled=prefilled)


def test_truncated_json_never_writes(workspace: Path) -> None:
    for cut in range(0, len(HOMICIDES), 7):
        check(workspace, "homicides.json", HOMICIDES[:cut], prefilled=True)
