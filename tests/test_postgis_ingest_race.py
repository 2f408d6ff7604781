"""Two ingests of different files into one PostGIS layer at the same moment: one wins, the other is refused."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from geo.core.errors import SafetyMapError, StoreError
from geo.data.ingest import ingest_file, report
from geo.data.sources.detect import load
from geo.data.stores import open_store
from tests.test_store_kill import lapd

pytestmark = pytest.mark.postgis


def _two_files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    return lapd(tmp_path / "a" / "crime.csv", good=3, zero=0), lapd(tmp_path / "b" / "crime.csv", good=5, zero=0)


def test_a_write_of_another_file_is_refused_under_the_layers_lock(tmp_path: Path, pg_url: str) -> None:
    first, other = _two_files(tmp_path)
    ingest_file(first, store_dir=pg_url, name="crime")
    result = load(other)  # what a second ingest that checked before the first one published would write
    result.notes.update(source_path=str(other.resolve()), source_sha256="0" * 64)
    with pytest.raises(StoreError, match="was just written from another file"):
        open_store(pg_url).write("crime", result.frame, result.quarantine, report(result, name="crime"))
    assert open_store(pg_url).report("crime")["rows_kept"] == 3  # the first file's layer stands
    result.notes["replace_source"] = True  # --replace: asked for
    open_store(pg_url).write("crime", result.frame, result.quarantine, report(result, name="crime"))
    assert open_store(pg_url).report("crime")["rows_kept"] == 5


def test_two_ingests_racing_for_one_name_end_with_one_winner(tmp_path: Path, pg_url: str) -> None:
    files = _two_files(tmp_path)
    start, outcomes = threading.Barrier(2), {}

    def run(path: Path) -> None:
        start.wait()
        try:
            outcomes[path] = ingest_file(path, store_dir=pg_url, name="crime")["rows_kept"]
        except SafetyMapError as exc:
            outcomes[path] = str(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in files]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    kept = [v for v in outcomes.values() if isinstance(v, int)]
    refused = [v for v in outcomes.values() if isinstance(v, str)]
    assert len(kept) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert "another file" in refused[0] or "a different file" in refused[0]
    assert open_store(pg_url).report("crime")["rows_kept"] == kept[0]
