"""Meeting reports on the real LA Times homicides (per victim, names in the file): honesty and privacy.

Every test here reads ../shared/data and skips with the reason when it is absent.
"""

from __future__ import annotations

import dataclasses
import re
import shutil

import numpy as np
import pytest

from geo.core.errors import AnalysisError
from geo.core.projection import lonlat_to_metric
from geo.exports.render import render_html, render_pdf
from tests.report_helpers import (
    demo_report,
    latimes_records,
    latimes_report,
    names_found,
    pdf_text,
    report_data,
    without_assets,
)

pytestmark = pytest.mark.realdata

POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) is not installed")


# --- honesty on small numbers --------------------------------------------------------------------


def test_small_numbers_are_not_compared():
    r = latimes_report(start="2016-01-01", end="2016-12-31")
    assert r.counts["previous"] < 3
    assert r.figures[2].value == "too few to compare"
    assert r.figures[2].number is None
    assert "too few incidents to compare" in r.summary
    assert r.summary.startswith("Between January 1, 2016 and December 31, 2016 there were ")


def test_public_small_counts_are_words_not_numbers():
    r = latimes_report(start="2013-01-01", end="2014-12-31")
    within = r.counts["within"]
    assert 0 < within < 3, "fixture period should have one or two incidents near the park"
    assert r.figures[1].value == "fewer than 3"
    assert r.figures[1].number is None
    assert "fewer than 3 people killed" in r.summary  # the LA Times counts victims, and the handout says so
    assert r.figures[1].label == "People killed within 400 m of Harvard Park"
    assert r.legend_title == "People killed per 150 m square"
    internal = latimes_report(start="2013-01-01", end="2014-12-31", privacy="internal")
    assert internal.figures[1].value == str(within)


def test_real_data_is_not_called_synthetic_and_says_it_counts_victims():
    real = latimes_report(start="2016-01-01", end="2016-12-31")
    assert not real.synthetic
    assert not any("Synthetic" in c for c in real.caveats)
    assert any("count victims" in c for c in real.caveats)


# --- privacy (LA Times, with names) ------------------------------------------------------------------


def prefixes(v: float) -> set[str]:
    """The 5-decimal text of ``v``, rounded and truncated, as regex-escaped prefixes."""
    text = repr(v)
    head, _, tail = text.partition(".")
    return {re.escape(f"{v:.5f}"), re.escape(f"{head}.{(tail + '00000')[:5]}")}


def grid_offsets(coords: np.ndarray, cell: float) -> np.ndarray:
    x, y = lonlat_to_metric(coords[:, 0], coords[:, 1])
    xy = np.column_stack([x, y])
    return np.abs(xy / cell - np.round(xy / cell)) * cell


@pytest.fixture(scope="module")
def public_latimes():
    return latimes_report()


def test_public_html_has_no_name_and_no_fine_coordinate(public_latimes):
    page = render_html(public_latimes)
    assert names_found(without_assets(page)) == []
    data = report_data(page)
    assert data["points"]["features"] == []
    coords = np.array([c for f in data["cells"]["features"] for c in f["geometry"]["coordinates"][0]])
    assert len(coords) >= 4
    assert grid_offsets(coords, public_latimes.cell_m).max() < 0.5, "a cell corner is off the 150 m grid"
    # no victim's location appears in any form the exports write coordinates in
    for rec in latimes_records():
        lat, lon = float(rec["latitude"]), float(rec["longitude"])  # type: ignore[arg-type]
        for lon5 in prefixes(lon):  # 1e-5 degree: about 1 m
            for lat5 in prefixes(lat):
                pair = re.search(rf"\[{lon5}\d*,\s*{lat5}\d*\]", page)
                assert pair is None, f"a victim location ({lat}, {lon}) is in the public HTML"
    # and no text property beyond the cell label
    for f in data["cells"]["features"]:
        assert set(f["properties"]) <= {"level", "count", "suppressed", "label", "colour"}


@needs_poppler
def test_public_pdf_has_no_name_and_no_coordinate(public_latimes, tmp_path):
    text = pdf_text(render_pdf(public_latimes), tmp_path)
    assert "Harvard Park" in text
    assert names_found(text) == []
    assert not re.search(r"-?\d{2,3}\.\d{3,}", text), "a coordinate-like number is printed"
    assert "Privacy: public version" in text


def test_names_check_would_catch_a_name():
    rec = latimes_records()[0]
    leaked = demo_report(title=f"{rec['first_name']} {rec['last_name']}")
    assert names_found(without_assets(render_html(leaked)))


def test_suppressed_cells_carry_no_count(public_latimes):
    cells = public_latimes.cells
    assert cells is not None
    assert cells["suppressed"].any()
    assert cells.loc[cells["suppressed"], "count"].isna().all()
    assert (cells.loc[~cells["suppressed"], "count"] >= 3).all()
    data = report_data(render_html(public_latimes))
    hidden = [f["properties"] for f in data["cells"]["features"] if f["properties"]["suppressed"]]
    assert hidden
    assert all("count" not in p and p["label"] == "fewer than 3" for p in hidden)
    shown = [f["properties"] for f in data["cells"]["features"] if not f["properties"]["suppressed"]]
    assert all(p["count"] >= 3 for p in shown)
    summary = public_latimes.summary_dict()
    assert summary["suppressed"] == int(cells["suppressed"].sum())


@needs_poppler
def test_internal_exports_show_points_and_are_watermarked(tmp_path):
    r = latimes_report(privacy="internal")
    assert r.cells is None
    assert r.points is not None
    assert list(r.points.columns) == ["incident_id", "date", "category", "geometry"]
    page = render_html(r)
    assert 'class="watermark"' in page
    assert "internal - do not distribute" in page
    assert report_data(page)["points"]["features"]
    # the coordinate check used on public exports does catch exact points
    rec = latimes_records()[0]
    lon, lat = float(rec["longitude"]), float(rec["latitude"])  # type: ignore[arg-type]
    assert any(re.search(rf"\[{a}\d*,\s*{b}\d*\]", page) for a in prefixes(lon) for b in prefixes(lat))
    text = pdf_text(render_pdf(r), tmp_path)
    assert "INTERNAL - DO NOT DISTRIBUTE" in text
    assert names_found(text) == []
    public = render_html(latimes_report())
    assert 'class="watermark"' not in public


def test_renderers_refuse_a_tampered_public_report(public_latimes):
    cells = public_latimes.cells.copy()
    cells["count"] = cells["count"].fillna(1)
    bad = dataclasses.replace(public_latimes, cells=cells)
    with pytest.raises(AnalysisError, match="exact count below 3"):
        render_html(bad)
