"""Community-meeting exports (geo.exports.report): every format renders, speaks its language, protects victims."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

from geo.core.errors import AnalysisError
from geo.core.projection import lonlat_to_metric
from geo.core.settings import Settings
from geo.data.webassets import inline_tags
from geo.exports.report import SIZES, build_report, comparison_period, render_html, render_pdf, render_png, write_report
from tests.report_helpers import (
    assert_not_blank,
    demo_report,
    demo_tables,
    latimes_records,
    latimes_report,
    names_found,
    pdf_page_png,
    pdf_text,
    png_shape,
)

POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) is not installed")


@pytest.fixture(scope="module")
def demo_en():
    return demo_report(lang="en")


@pytest.fixture(scope="module")
def demo_es():
    return demo_report(lang="es")


def report_data(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert m, "the HTML export has no embedded report data"
    return json.loads(m.group(1))


def without_assets(page: str) -> str:
    """The HTML minus the inlined third-party Leaflet files (their text is not ours)."""
    tags = inline_tags()
    assert tags in page
    return page.replace(tags, "")


# --- formats ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["slide", "letter"])
def test_png_renders_at_the_right_size(demo_en, size):
    png = render_png(demo_en, size=size)
    assert png.startswith(b"\x89PNG")
    assert png_shape(png) == SIZES[size]
    assert_not_blank(png)


@needs_poppler
def test_pdf_is_one_letter_page_and_not_blank(demo_en, tmp_path):
    pdf = render_pdf(demo_en)
    assert pdf.startswith(b"%PDF")
    png, pages = pdf_page_png(pdf, tmp_path, dpi=50)
    assert pages == 1
    assert png_shape(png) == (425, 550)  # 8.5 x 11 in at 50 dpi
    assert_not_blank(png)


@needs_poppler
def test_spanish_pdf_is_spanish(demo_es, tmp_path):
    text = pdf_text(render_pdf(demo_es), tmp_path)
    for phrase in (
        "Cifras clave",
        "En pocas palabras",
        "Tenga en cuenta",
        "Incidentes en este mapa",
        "DATOS SINTÉTICOS",
        "Privacidad: versión pública",
        "Del 1 jun 2023 al 31 may 2024",
        "Entre el",
    ):
        assert phrase in text, phrase  # fmt: skip
    for english in ("Key figures", "In plain words", "Please note", "Incidents on this map", "Between", "Privacy"):
        assert english not in text, english


@needs_poppler
def test_english_pdf_has_every_required_element(demo_en, tmp_path):
    text = pdf_text(render_pdf(demo_en), tmp_path)
    for phrase in (
        "Reported incidents near Harvard Park",
        "Jun 1, 2023 to May 31, 2024",
        "Data as of Dec 21, 2024",
        "SYNTHETIC DEMO DATA",
        "Privacy: public version",
        "Incidents per 150 m square",
        "250 m",
        "N",
        "NIBRS",
        "Sources: synthetic demo data",
        "LAPD changed its crime reporting system",
    ):
        assert phrase in text, phrase  # fmt: skip


def test_html_is_standalone_with_no_external_url(demo_en):
    page = render_html(demo_en)
    assert page.startswith("<!DOCTYPE html>")
    ours = without_assets(page)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", ours, re.I)
    assert "<link" not in ours
    assert "https://" not in ours
    assert "http://" not in ours
    assert "Synthetic demo data" in ours
    data = report_data(page)
    assert data["cells"]["features"]
    assert data["points"]["features"] == []


def test_write_report_picks_the_format_from_the_suffix(demo_en, tmp_path):
    assert write_report(demo_en, tmp_path / "a.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert write_report(demo_en, tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert png_shape(write_report(demo_en, tmp_path / "a.png", size="letter").read_bytes()) == SIZES["letter"]
    with pytest.raises(AnalysisError, match=r"\.pdf, \.png or \.html"):
        write_report(demo_en, tmp_path / "a.docx")
    with pytest.raises(AnalysisError, match="size must be one of"):
        render_png(demo_en, size="a4")


# --- content and honesty ---------------------------------------------------------------------


def test_key_figures_and_summary(demo_en):
    keys = [f.key for f in demo_en.figures]
    assert keys == ["on_map", "within", "change"]
    c = demo_en.counts
    assert demo_en.figures[1].number == c["within"]
    assert demo_en.summary.startswith("Between June 1, 2023 and May 31, 2024 there were ")
    assert "within 400 m of Harvard Park" in demo_en.summary
    diff = c["within"] - c["previous"]
    word = "more" if diff > 0 else "fewer"
    assert f"{abs(diff)} {word} than in the same period a year earlier" in demo_en.summary


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
    assert "fewer than 3 incidents" in r.summary
    internal = latimes_report(start="2013-01-01", end="2014-12-31", privacy="internal")
    assert internal.figures[1].value == str(within)


def test_break_caveat_only_when_the_period_crosses_it():
    crossing = demo_report(start="2023-06-01", end="2024-05-31")
    assert crossing.crosses_break
    assert any("NIBRS" in c for c in crossing.caveats)
    before = demo_report(start="2022-01-01", end="2022-12-31")
    assert not before.crosses_break
    assert not any("NIBRS" in c for c in before.caveats)
    assert (crossing.trend["era"] == "break").any()


def test_comparison_period():
    import datetime as dt

    assert comparison_period(dt.date(2016, 1, 1), dt.date(2016, 12, 31)) == (
        dt.date(2015, 1, 1),
        dt.date(2015, 12, 31),
        "year",
    )
    assert comparison_period(dt.date(2016, 1, 1), dt.date(2017, 12, 31))[2] == "previous"


def test_synthetic_data_says_so_everywhere(demo_en):
    assert demo_en.synthetic
    assert demo_en.caveats[0] == "Synthetic demo data — not real events"
    assert "Synthetic demo data" in render_html(demo_en)
    real = latimes_report(start="2016-01-01", end="2016-12-31")
    assert not real.synthetic
    assert not any("Synthetic" in c for c in real.caveats)
    assert any("count victims" in c for c in real.caveats)


def test_bad_arguments():
    inc, places, _streets = demo_tables()
    s = Settings()
    with pytest.raises(AnalysisError, match="not both"):
        build_report(inc, places, place="Harvard Park", lat=33.98, lon=-118.3, settings=s)
    with pytest.raises(AnalysisError, match="after the end date"):
        build_report(inc, places, start="2020-01-02", end="2020-01-01", settings=s)
    with pytest.raises(AnalysisError, match="privacy mode"):
        build_report(inc, places, privacy="open", settings=s)
    with pytest.raises(AnalysisError, match="lat/lon must be degrees"):
        build_report(inc, places, lat=133.0, lon=-118.3, settings=s)
    with pytest.raises(Exception, match="no place named"):
        build_report(inc, places, place="Nowhere Park", settings=s)


def test_data_text_is_escaped_in_html():
    r = demo_report(title='<script>alert("x")</script> & <b>')
    page = render_html(r)
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in page


def test_point_focus_is_snapped_to_its_cell_in_public_mode():
    r = demo_report(place=None, lat=33.98371, lon=-118.30412)
    pt = r.focus.geometry.iloc[0]
    x, y = lonlat_to_metric(np.array([pt.x]), np.array([pt.y]))
    for v in (x[0], y[0]):
        assert abs((v / 150.0) % 1 - 0.5) < 1e-3
    assert r.focus_name == "the point 33.984, -118.304"


# --- privacy on real data (LA Times, with names) ----------------------------------------------


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


def test_names_check_would_catch_a_name(public_latimes):
    rec = latimes_records()[0]
    leaked = demo_report(title=f"{rec['first_name']} {rec['last_name']}")
    assert names_found(render_html(leaked).replace(inline_tags(), ""))


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
    import dataclasses

    cells = public_latimes.cells.copy()
    cells["count"] = cells["count"].fillna(1)
    bad = dataclasses.replace(public_latimes, cells=cells)
    with pytest.raises(AnalysisError, match="exact count below 3"):
        render_html(bad)


def test_public_trend_never_prints_a_count_below_the_threshold() -> None:
    import geopandas as gpd

    from geo.core.settings import DEFAULT_CONFIG, load_settings
    from geo.exports.report import build_report, render_html

    settings = load_settings(DEFAULT_CONFIG, environ={})
    demo = gpd.read_parquet(settings.sources.incidents)
    homicides = demo[demo["category"] == "homicide"]
    places = gpd.read_file(settings.sources.places)
    public = build_report(homicides, places, place="Harvard Park", start="2017-01-01", end="2017-12-31",
                          settings=settings)  # fmt: skip
    internal = build_report(homicides, places, place="Harvard Park", start="2017-01-01", end="2017-12-31",
                            settings=settings, privacy="internal")  # fmt: skip
    small = (internal.trend["count"] > 0) & (internal.trend["count"] < 3)
    assert small.any(), "the demo should have a year with 1 or 2 homicides near the park"
    assert public.trend.loc[small.to_numpy(), "suppressed"].all()
    assert (public.trend.loc[small.to_numpy(), "count"] == 0).all()
    assert not internal.trend["suppressed"].any()
    html = render_html(public)
    assert "fewer than 3" in html


def test_public_map_total_is_rounded_when_cells_are_suppressed() -> None:
    import geopandas as gpd

    from geo.core.settings import DEFAULT_CONFIG, load_settings
    from geo.exports.report import ROUND_TOTAL_TO, build_report

    settings = load_settings(DEFAULT_CONFIG, environ={})
    demo = gpd.read_parquet(settings.sources.incidents)
    places = gpd.read_file(settings.sources.places)
    kw = {"place": "Harvard Park", "start": "2016-01-01", "end": "2016-12-31", "settings": settings}
    public = build_report(demo, places, **kw)
    internal = build_report(demo, places, privacy="internal", **kw)
    assert public.cells is not None
    assert public.cells["suppressed"].any()
    exact = next(f for f in internal.figures if f.key == "on_map").number
    shown = next(f for f in public.figures if f.key == "on_map")
    assert shown.number is None
    assert shown.value == f"about {round(exact / ROUND_TOTAL_TO) * ROUND_TOTAL_TO:,}"
    assert str(exact) not in shown.value or exact % ROUND_TOTAL_TO == 0
