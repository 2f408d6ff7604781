"""Shared helpers for the report tests: building reports, reading PDFs, the LA Times names."""

from __future__ import annotations

import io
import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np

from geo.core.settings import Settings
from geo.data.datasets import load_places, load_streets
from geo.data.ingest import incidents_from_path
from geo.exports.report import Report, build_report
from tests.conftest import ROOT, shared_file

DEMO = ROOT / "data" / "demo"
LATIMES = ("latimes", "harvard_park_homicides.json")


@lru_cache(maxsize=1)
def demo_tables() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return (
        incidents_from_path(DEMO / "incidents.parquet"),
        load_places(DEMO / "places.geojson"),
        load_streets(DEMO / "streets.geojson"),
    )


def demo_report(**kw: object) -> Report:
    inc, places, streets = demo_tables()
    opts: dict[str, object] = {"place": "Harvard Park", "start": "2023-06-01", "end": "2024-05-31"}
    opts.update(kw)
    return build_report(inc, places, streets, settings=Settings(), **opts)  # type: ignore[arg-type]


def latimes_path() -> Path:
    return shared_file(*LATIMES)


def latimes_report(**kw: object) -> Report:
    _, places, streets = demo_tables()
    inc = incidents_from_path(latimes_path())
    opts: dict[str, object] = {"place": "Harvard Park", "start": "2000-01-01", "end": "2017-06-30"}
    opts.update(kw)
    return build_report(inc, places, streets, settings=Settings(), **opts)  # type: ignore[arg-type]


def latimes_records() -> list[dict[str, object]]:
    """The raw LA Times victims, names included, read straight from the JSON."""
    return list(json.loads(latimes_path().read_text(encoding="utf-8")))


def victim_names() -> tuple[set[str], set[str]]:
    """(full names and slugs, single name words of 4+ letters) of the LA Times victims."""
    full: set[str] = set()
    words: set[str] = set()
    for r in latimes_records():
        parts = [str(r.get(k) or "").strip() for k in ("first_name", "middle_name", "last_name")]
        parts = [p for p in parts if p]
        full.add(" ".join(parts))
        full.add(f"{parts[0]} {parts[-1]}")
        if r.get("slug"):
            full.add(str(r["slug"]))
        for p in parts:
            words.update(w for w in re.split(r"[\s\-]+", p) if len(w.rstrip(".")) >= 4)
    return full, words


def names_found(text: str) -> list[str]:
    """Victim names (full, slug, or a whole word of a name) that occur in ``text``."""
    full, words = victim_names()
    hits = [n for n in full if n.casefold() in text.casefold()]
    hits += [w for w in words if re.search(rf"\b{re.escape(w)}\b", text)]
    return sorted(set(hits))


def pdf_text(pdf: bytes, tmp: Path) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_page_png(pdf: bytes, tmp: Path, *, dpi: int = 50) -> tuple[bytes, int]:
    """The first page as PNG (via pdftoppm) and the number of pages."""
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", str(path), str(tmp / "page")], check=True)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    m = re.search(r"Pages:\s+(\d+)", info)
    return (tmp / "page.png").read_bytes(), int(m.group(1)) if m else 1


def png_shape(png: bytes) -> tuple[int, int]:
    img = mpimg.imread(io.BytesIO(png))
    return int(img.shape[1]), int(img.shape[0])


def assert_not_blank(png: bytes) -> None:
    img = mpimg.imread(io.BytesIO(png))
    grey = img[..., :3].mean(axis=2)
    assert (grey < 0.9).mean() > 0.02, "the page is (almost) blank"
    assert float(np.std(grey)) > 0.05
