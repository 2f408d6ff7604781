"""``kill -9`` in the middle of an ingest leaves the old layer or the new one, never a mix."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd

from geo.data.ingest import ingest_file, layer_problems, store_inventory
from tests.test_ingest_hostile import GOOD, HEADER

ROOT = Path(__file__).resolve().parents[1]
ZERO = GOOD.replace("34.0141,-118.2978", "0,0")  # dropped as zero_coordinates

# One child imports the package once, then forks one writer per kill point. Each writer ingests
# and freezes right after its N-th os.replace (the renames that publish files) and says so; the
# test then kills it with SIGKILL, as a crash or the OOM killer would.
CHILD = r"""
import os, sys, time
from pathlib import Path

from geo.data.ingest import ingest_file

src, points = Path(sys.argv[1]), sys.argv[2:]
writers = []
for point in points:
    k, store = point.split("=", 1)
    pid = os.fork()
    if pid:
        writers.append(pid)
        continue
    real_replace, calls = os.replace, [0]

    def replace(a, b, *args, _k=int(k), **kwargs):
        real_replace(a, b, *args, **kwargs)
        calls[0] += 1
        if calls[0] == _k:
            print(f"paused {k} {os.getpid()}", flush=True)
            time.sleep(300)

    os.replace = replace
    ingest_file(src, store_dir=Path(store))
    print(f"done {k} {os.getpid()}", flush=True)
    os._exit(0)
for pid in writers:
    os.waitpid(pid, 0)
"""


def lapd(path: Path, *, good: int, zero: int) -> Path:
    rows = [GOOD.replace("010304468", f"0103{i:05d}") for i in range(good)]
    rows += [ZERO.replace("010304468", f"0109{i:05d}") for i in range(zero)]
    path.write_text(HEADER + "".join(rows))
    return path


def test_kill_at_any_rename_leaves_the_old_or_the_new_layer(tmp_path: Path) -> None:
    src = lapd(tmp_path / "crime.csv", good=3, zero=1)
    base = tmp_path / "base"
    ingest_file(src, store_dir=base)
    lapd(src, good=5, zero=3)  # a newer download of the same file
    old, new = (3, 1), (5, 3)  # (rows kept, rows quarantined) of each file, by construction

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stores = {k: tmp_path / f"store{k}" for k in (1, 2, 3)}
    for store in stores.values():
        shutil.copytree(base, store)
    points = [f"{k}={store}" for k, store in stores.items()]
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(src), *points],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    for _ in stores:
        state, _k, pid = proc.stdout.readline().split()
        if state == "paused":
            os.kill(int(pid), signal.SIGKILL)
    proc.wait(timeout=120)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert "Traceback" not in err, err
    for k, store in stores.items():
        (layer,) = store_inventory(store)
        data = pd.read_parquet(layer["path"])
        quarantine = pd.read_parquet(layer["quarantine"])
        seen = (len(data), len(quarantine))
        assert seen in (old, new), f"killed after rename {k}: data and quarantine from different ingests {seen}"
        assert layer["rows_kept"] == len(data)
        assert layer["rows_in"] == len(data) + len(quarantine)
        assert layer_problems(store, layer["name"], hashes=True) == []

    for store in stores.values():  # the next write publishes cleanly and removes what a killed one left
        (layer,) = store_inventory(store)
        ingest_file(src, store_dir=store)
        folder = store / layer["name"]
        leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".") and p.name != ".lock"]
        assert leftovers == []
        assert len([p for p in folder.iterdir() if p.is_dir()]) <= 2
        (again,) = store_inventory(store)
        assert (again["rows_kept"], len(pd.read_parquet(again["quarantine"]))) == new
