"""Benchmark: a synthetic 1M-row LAPD export (real column layout and quirks) -> the GeoParquet store.

Prints seconds (wall and CPU), rows/s and peak memory (RSS, via ``resource.getrusage``) of
``geo.data.ingest.ingest_file``, and the same for the naive way (``pandas.read_csv`` +
``geopandas.points_from_xy``, no cleaning, no accounting) on the same file, each in its own process
so peaks do not mix, and their ratio (target: ingest <= 3x naive, peak <= 2 GB). The two run in
turn ``--repeat`` times (a shared machine's speed drifts by 2x within minutes): the figures are
medians, the ratio the median of each turn's ratio. Usage::

    python bench/ingest.py [--rows 1000000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
HEADER = [
    "DR_NO", "Date Rptd", "DATE OCC", "TIME OCC", "AREA", "AREA NAME", "Rpt Dist No", "Part 1-2", "Crm Cd",
    "Crm Cd Desc", "Mocodes", "Vict Age", "Vict Sex", "Vict Descent", "Premis Cd", "Premis Desc", "Weapon Used Cd",
    "Weapon Desc", "Status", "Status Desc", "Crm Cd 1", "Crm Cd 2", "Crm Cd 3", "Crm Cd 4", "LOCATION",
    "Cross Street", "LAT", "LON",
]  # fmt: skip
CODES = np.array(["110", "230", "624", "510", "330", "210", "626", "740", "440", "354"])
TARGET_RATIO = 3.0
"""Ingest time over the bare read_csv + points_from_xy time (issue 14)."""
TARGET_PEAK_MB = 2048
"""Peak resident memory of the ingest process (issue 14)."""
DESCS = np.array(
    ["CRIMINAL HOMICIDE", "ASSAULT WITH DEADLY WEAPON, AGGRAVATED ASSAULT", "BATTERY - SIMPLE ASSAULT",
     "VEHICLE - STOLEN", "BURGLARY FROM VEHICLE", "ROBBERY", "INTIMATE PARTNER - SIMPLE ASSAULT",
     "VANDALISM - FELONY ($400 & OVER, ALL CHURCH VANDALISMS)", "THEFT PLAIN - PETTY ($950 & UNDER)",
     "THEFT OF IDENTITY"]
)  # fmt: skip


def make_export(path: Path, rows: int, *, seed: int = 7) -> None:
    """Write a synthetic LAPD "Crime Data from 2020 to Present" CSV with the real quirks."""
    rng = np.random.default_rng(seed)
    chunk = 200_000
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(HEADER) + "\n")
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            day = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1800, n), unit="D")
            long_form = day.strftime("%m/%d/%Y 12:00:00 AM")
            short_form = day.strftime("%m/%d/%Y 00:00")
            date = np.where((day.month <= 12) & (day.day <= 12) & (rng.random(n) < 0.9), short_form, long_form)
            area = rng.integers(1, 22, n)
            k = rng.integers(0, len(CODES), n)
            lat = np.round(rng.uniform(33.70, 34.33, n), 4)
            lon = np.round(rng.uniform(-118.66, -118.16, n), 4)
            zero = rng.random(n) < 0.0013
            lat[zero] = 0
            lon[zero] = 0
            df = pd.DataFrame(
                {
                    "DR_NO": [f"{i:09d}" for i in range(start + 1, start + n + 1)],
                    "Date Rptd": date,
                    "DATE OCC": date,
                    "TIME OCC": [f"{t:04d}" for t in rng.integers(0, 24, n) * 100 + rng.integers(0, 60, n)],
                    "AREA": [f"{a:02d}" for a in area],
                    "AREA NAME": "77th Street",
                    "Rpt Dist No": [f"{a * 100 + 33:04d}" for a in area],
                    "Part 1-2": "1",
                    "Crm Cd": CODES[k],
                    "Crm Cd Desc": DESCS[k],
                    "Mocodes": "0416 1822",
                    "Vict Age": rng.integers(0, 90, n),
                    "Vict Sex": rng.choice(np.array(["M", "F", "X", "H", ""]), n),
                    "Vict Descent": rng.choice(np.array(["B", "H", "W", "O", ""]), n),
                    "Premis Cd": "101",
                    "Premis Desc": "STREET",
                    "Weapon Used Cd": "",
                    "Weapon Desc": "",
                    "Status": "IC",
                    "Status Desc": "Invest Cont",
                    "Crm Cd 1": CODES[k],
                    "Crm Cd 2": "",
                    "Crm Cd 3": "",
                    "Crm Cd 4": "",
                    "LOCATION": "1100 W  39TH                         PL",
                    "Cross Street": "",
                    "LAT": lat,
                    "LON": lon,
                }
            )
            df.to_csv(fh, header=False, index=False, lineterminator="\n")


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
if {mode!r} == "ingest":
    from geo.data.ingest import ingest_file
    rep = ingest_file({src!r}, store_dir={store!r})
    rows = rep["rows_kept"]
else:
    import pandas as pd, geopandas as gpd
    df = pd.read_csv({src!r})
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["LON"], df["LAT"]), crs="EPSG:4326")
    rows = len(gdf)
secs = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_SELF)
cpu = use.ru_utime + use.ru_stime - cpu0
print(json.dumps({{"seconds": secs, "cpu_s": cpu, "rows": rows, "peak_mb": use.ru_maxrss / 1024}}))
"""


def run_child(mode: str, src: Path, store: Path) -> dict[str, float]:
    code = CHILD.format(root=str(ROOT), mode=mode, src=str(src), store=str(store))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="turns of ingest then naive (medians are reported)")
    parser.add_argument("--keep", metavar="DIR", help="write the synthetic file and store here (kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        src = base / "Crime_Data_synthetic.csv"
        t0 = time.perf_counter()
        make_export(src, args.rows)
        size_mb = src.stat().st_size / 1e6
        print(f"synthetic export: {args.rows:,} rows, {size_mb:.0f} MB in {time.perf_counter() - t0:.1f} s")
        turns = []
        for i in range(max(args.repeat, 1)):
            turns.append((run_child("ingest", src, base / f"store{i}"), run_child("naive", src, base / "store")))
    ours = {k: statistics.median(t[0][k] for t in turns) for k in turns[0][0]}
    naive = {k: statistics.median(t[1][k] for t in turns) for k in turns[0][1]}
    wall_ratio = statistics.median(a["seconds"] / b["seconds"] for a, b in turns)
    cpu_ratio = statistics.median(a["cpu_s"] / b["cpu_s"] for a, b in turns)
    walls = ", ".join(f"{a['seconds']:.2f}/{b['seconds']:.2f}" for a, b in turns)
    print(f"{len(turns)} turns, seconds ingest/naive: {walls}")
    rate = args.rows / ours["seconds"]
    naive_rate = args.rows / naive["seconds"]
    print(
        f"ingest (clean + account + quarantine + GeoParquet): {ours['seconds']:.2f} s, {rate:,.0f} rows/s, "
        f"peak RSS {ours['peak_mb']:.0f} MB, kept {ours['rows']:,}"
    )
    print(
        f"naive (pandas.read_csv + points_from_xy, no cleaning, no store): {naive['seconds']:.2f} s, "
        f"{naive_rate:,.0f} rows/s, peak RSS {naive['peak_mb']:.0f} MB"
    )
    print(f"CPU seconds: ingest {ours['cpu_s']:.2f} s, naive {naive['cpu_s']:.2f} s (less sensitive to a busy machine)")
    print(
        f"ratio time ingest/naive (median of the turns): {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x CPU "
        f"(target <= {TARGET_RATIO:g}x); "
        f"memory ingest/naive: {ours['peak_mb'] / naive['peak_mb']:.2f}x; "
        f"peak {ours['peak_mb']:.0f} MB (target <= {TARGET_PEAK_MB:,} MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
