"""Shared helpers for the report tests: building reports, reading PDFs, the LA Times names.

Every helper whose name starts with ``latimes`` (and :func:`victim_names`, :func:`names_found`) reads
../shared/data: a test that calls one is marked ``realdata`` (``test_report.py`` checks it).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

from geo.core.filters import Filters
from geo.core.settings import Settings
from geo.data.datasets import load_places, load_streets
from geo.data.ingest import incidents_from_path
from geo.data.webassets import inline_tags
from geo.exports.model import Report
from geo.exports.report import build_report
from tests.conftest import ROOT, shared_file

DEMO = ROOT / "data" / "demo"
LATIMES = ("latimes", "harvard_park_homicides.json")

# Independent arithmetic for the headline counts: pyproj and shapely directly, none of the report's helpers.
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32611", always_xy=True)
GEOD = Geod(ellps="WGS84")
EDGE_M = 0.5
"""Points this close to a ring's edge may fall either way (geodesic vs. UTM distance, float noise)."""


@lru_cache(maxsize=1)
def demo_tables() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    return (
        incidents_from_path(DEMO / "incidents.parquet"),
        load_places(DEMO / "places.geojson"),
        load_streets(DEMO / "streets.geojson"),
    )


def report_filters(
    place: str | None = "Harvard Park", start: str | None = None, end: str | None = None, **fields: object
) -> Filters:
    """The :class:`Filters` of a report: the focus place, the period (ISO dates) and any row filter."""

    def day(text: str | None) -> dt.date | None:
        return dt.date.fromisoformat(text) if text is not None else None

    return Filters(place=place, start=day(start), end=day(end), **fields)  # type: ignore[arg-type]


def _report(
    inc: gpd.GeoDataFrame,
    *,
    place: str | None,
    start: str | None,
    end: str | None,
    fields: dict[str, object] | None = None,
    **kw: object,
) -> Report:
    _, places, streets = demo_tables()
    filters = report_filters(place, start, end, **(fields or {}))
    return build_report(inc, places, streets, filters=filters, settings=Settings(), **kw)  # type: ignore[arg-type]


def demo_report(
    *,
    place: str | None = "Harvard Park",
    start: str | None = "2023-06-01",
    end: str | None = "2024-05-31",
    **kw: object,
) -> Report:
    """A report on the demo bundle (``fields``: row filters of :class:`Filters`; other options to build_report)."""
    return _report(demo_tables()[0], place=place, start=start, end=end, **kw)  # type: ignore[arg-type]


def latimes_path() -> Path:
    return shared_file(*LATIMES)


@lru_cache(maxsize=1)
def latimes_incidents() -> gpd.GeoDataFrame:
    """The LA Times homicides (one row per victim) as the canonical table, names dropped by the reader."""
    return incidents_from_path(latimes_path())


def latimes_report(
    *,
    place: str | None = "Harvard Park",
    start: str | None = "2000-01-01",
    end: str | None = "2017-06-30",
    **kw: object,
) -> Report:
    """A report on the LA Times file, focused on the demo bundle's Harvard Park by default."""
    return _report(latimes_incidents(), place=place, start=start, end=end, **kw)  # type: ignore[arg-type]


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


def report_data(page: str) -> dict[str, Any]:
    """The JSON an HTML export embeds for its map (cells, points, focus, ring, streets)."""
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert m, "the HTML export has no embedded report data"
    return dict(json.loads(m.group(1)))


def without_assets(page: str) -> str:
    """The HTML minus the inlined third-party Leaflet files (their text is not ours)."""
    tags = inline_tags()
    assert tags in page
    return page.replace(tags, "")


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


# --- independent counts -----------------------------------------------------------------------


def local_days(inc: gpd.GeoDataFrame) -> pd.Series:
    """Local calendar days (America/Los_Angeles, naive midnight) of ``occurred_at``."""
    ts = pd.to_datetime(inc["occurred_at"])
    if ts.dt.tz is not None:
        ts = ts.dt.tz_convert("America/Los_Angeles").dt.tz_localize(None)
    return ts.dt.normalize()


def between(inc: gpd.GeoDataFrame, start: str, end: str) -> np.ndarray:
    """Rows whose local day lies in ``start..end`` (ISO dates, inclusive)."""
    days = local_days(inc)
    return np.asarray((days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end)), dtype=bool)


def utm_xy(inc: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:32611 metres of EPSG:4326 points, straight from pyproj."""
    assert inc.crs is not None
    assert inc.crs.to_epsg() == 4326
    x, y = TO_UTM.transform(inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy())
    return np.asarray(x), np.asarray(y)


def place_utm(places: gpd.GeoDataFrame, name: str) -> BaseGeometry:
    """The outline of the place called ``name`` (exact name) in EPSG:32611, by pyproj and shapely."""
    assert places.crs is not None
    assert places.crs.to_epsg() == 4326
    rows = places[places["name"] == name]
    assert len(rows) == 1, name

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(rows.geometry.iloc[0], project)


def metres_from_outline(inc: gpd.GeoDataFrame, outline_m: BaseGeometry) -> np.ndarray:
    """Planar distance (EPSG:32611 metres) from each incident to a place outline (0 inside)."""
    x, y = utm_xy(inc)
    return np.asarray(shapely.distance(outline_m, shapely.points(x, y)), dtype=float)


def metres_from_point(inc: gpd.GeoDataFrame, lat: float, lon: float) -> np.ndarray:
    """Geodesic distance (WGS84 ellipsoid, metres) from ``lat``/``lon`` to each incident."""
    n = len(inc)
    _, _, dist = GEOD.inv(np.full(n, lon), np.full(n, lat), inc.geometry.x.to_numpy(), inc.geometry.y.to_numpy())
    return np.asarray(dist, dtype=float)


def near_bounds(dist: np.ndarray, rows: np.ndarray, ring_m: float) -> tuple[int, int]:
    """(surely inside, possibly inside) counts of ``rows`` within ``ring_m`` metres, given :data:`EDGE_M`."""
    return int((rows & (dist <= ring_m - EDGE_M)).sum()), int((rows & (dist <= ring_m + EDGE_M)).sum())
