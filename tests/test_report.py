"""Community-meeting exports (geo.exports.report): every format renders, speaks its language, protects victims.

Reports on the real LA Times file are in test_report_realdata.py; the headline counts are checked
against independent computations in test_report_counts.py.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from babel.dates import format_date

from geo.core.disclosure import consistent_values
from geo.core.errors import AnalysisError, DataError
from geo.core.filters import Filters
from geo.core.projection import lonlat_to_metric
from geo.core.settings import DEFAULT_CONFIG, Settings, load_settings
from geo.exports.model import SIZES
from geo.exports.render import render_html, render_pdf, render_png, write_report
from geo.exports.report import build_report, comparison_period
from tests.report_helpers import (
    assert_not_blank,
    demo_report,
    demo_tables,
    pdf_page_png,
    pdf_text,
    png_shape,
    report_data,
    without_assets,
)

POPPLER = all(shutil.which(t) for t in ("pdftoppm", "pdftotext", "pdfinfo"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) is not installed")
ES_CATALOG = Path(__file__).resolve().parents[1] / "geo" / "core" / "locales" / "es.json"


@pytest.fixture(scope="module")
def demo_en():
    return demo_report(lang="en")


@pytest.fixture(scope="module")
def demo_es():
    return demo_report(lang="es")


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
        "NIBRS",
        "Sources: synthetic demo data",
        "LAPD changed its crime reporting system",
    ):
        assert phrase in text, phrase  # fmt: skip
    # the north arrow's letter stands alone (a plain "N" in text would already be found in "NIBRS")
    assert re.search(r"(?<![\w-])N(?![\w-])", text), "no north arrow letter"
    assert not re.search(r"(?<![\w-])N(?![\w-])", "NIBRS, Normandie Ave, 2024-N")


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


def test_break_caveat_only_when_the_period_crosses_it():
    crossing = demo_report(start="2023-06-01", end="2024-05-31")
    assert crossing.crosses_break
    assert any("NIBRS" in c for c in crossing.caveats)
    before = demo_report(start="2022-01-01", end="2022-12-31")
    assert not before.crosses_break
    assert not any("NIBRS" in c for c in before.caveats)
    assert (crossing.trend["era"] == "break").any()


def test_comparison_period():
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


def test_synthetic_notice_stays_when_the_filters_match_nothing():
    r = demo_report(fields={"categories": ("homicide",), "hours": (4, 4), "weekdays": (6,)}, start="2024-12-01",
                    end="2024-12-21")  # fmt: skip
    assert r.counts["within"] == 0
    assert r.synthetic
    assert r.caveats[0] == "Synthetic demo data — not real events"


def test_bad_arguments():
    inc, places, _streets = demo_tables()
    s = Settings()
    park = Filters(place="Harvard Park")
    with pytest.raises(AnalysisError, match="not both"):
        build_report(inc, places, filters=park, lat=33.98, lon=-118.3, settings=s)
    latest = inc["occurred_at"].max().date()
    with pytest.raises(AnalysisError, match="after the end date"):
        build_report(inc, places, filters=Filters(start=latest + dt.timedelta(days=2)), settings=s)
    with pytest.raises(AnalysisError, match="privacy mode"):
        build_report(inc, places, privacy="open", settings=s)
    with pytest.raises(AnalysisError, match="lat/lon must be degrees"):
        build_report(inc, places, lat=133.0, lon=-118.3, settings=s)
    with pytest.raises(AnalysisError, match="give a place name, or both lat and lon"):
        build_report(inc, places, lat=33.98, settings=s)
    with pytest.raises(AnalysisError, match=r"filters must be a geo\.core\.filters\.Filters"):
        build_report(inc, places, filters={"place": "Harvard Park"}, settings=s)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="no place named 'Nowhere Park'"):
        build_report(inc, places, filters=Filters(place="Nowhere Park"), settings=s)


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


def test_public_trend_never_prints_a_count_below_the_threshold() -> None:
    settings = load_settings(DEFAULT_CONFIG, environ={})
    demo = gpd.read_parquet(settings.sources.incidents)
    places = gpd.read_file(settings.sources.places)
    homicides = Filters(place="Harvard Park", start=dt.date(2017, 1, 1), end=dt.date(2017, 12, 31),
                        categories=("homicide",))  # fmt: skip
    public = build_report(demo, places, filters=homicides, settings=settings)
    internal = build_report(demo, places, filters=homicides, settings=settings, privacy="internal")
    small = (internal.trend["count"] > 0) & (internal.trend["count"] < 3)
    assert small.any(), "the demo should have a year with 1 or 2 homicides near the park"
    assert public.trend.loc[small.to_numpy(), "suppressed"].all()
    assert public.trend.loc[small.to_numpy(), "count"].isna().all()  # missing, not 0
    assert not internal.trend["suppressed"].any()
    html = render_html(public)
    assert "fewer than 3" in html


def test_public_map_total_is_exact_and_the_cells_beside_it_keep_their_secret() -> None:
    """The handout prints the same total as the dashboard (no "about 50" beside "64"); the cells beside it are
    protected instead: with the total known, each hidden cell can still hold two values."""
    settings = load_settings(DEFAULT_CONFIG, environ={})
    demo = gpd.read_parquet(settings.sources.incidents)
    places = gpd.read_file(settings.sources.places)
    year = Filters(place="Harvard Park", start=dt.date(2016, 1, 1), end=dt.date(2016, 12, 31))
    public = build_report(demo, places, filters=year, settings=settings)
    internal = build_report(demo, places, filters=year, privacy="internal", settings=settings)
    assert public.cells is not None
    assert public.cells["suppressed"].any()
    exact = next(f for f in internal.figures if f.key == "on_map").number
    shown = next(f for f in public.figures if f.key == "on_map")
    assert shown.number == exact
    cells = public.cells
    hidden = cells["suppressed"].to_numpy()
    lo = np.where(hidden, np.where(cells["label"] == "withheld", 3, 1), cells["count"].fillna(0)).astype(float)
    hi = np.where(hidden, np.where(cells["label"] == "withheld", np.inf, 2), cells["count"].fillna(0)).astype(float)
    width = consistent_values(lo, hi, exact, exact)
    assert (width[hidden] >= 1).all()


# --- the internal HTML in Spanish ----------------------------------------------------------------


def test_spanish_internal_html_tooltips_are_spanish():
    r = demo_report(lang="es", privacy="internal", fields={"categories": ("homicide",)}, start="2016-01-01",
                    end="2017-12-31")  # fmt: skip
    assert r.points is not None
    assert len(r.points)
    features = report_data(render_html(r))["points"]["features"]
    assert len(features) == len(r.points)
    homicidio = json.loads(ES_CATALOG.read_text(encoding="utf-8"))["category.homicide"]
    assert homicidio.lower().startswith("homicidio")
    by_id = {str(i): d for i, d in zip(r.points["incident_id"], r.points["date"], strict=True)}
    for f in features:
        p = f["properties"]
        assert p["category"] == homicidio
        assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}", p["date"]), p["date"]
        iso = dt.date.fromisoformat(by_id[p["incident_id"]])
        assert p["date"] == format_date(iso, format="medium", locale="es_US")
    english = report_data(render_html(demo_report(privacy="internal", fields={"categories": ("homicide",)})))
    assert {f["properties"]["category"] for f in english["points"]["features"]} == {"Homicide"}


# --- test tiers ------------------------------------------------------------------------------------

REAL_DATA_HELPERS = frozenset(
    {"latimes_path", "latimes_incidents", "latimes_records", "latimes_report", "victim_names", "names_found",
     "shared_file", "shared_data"}
)  # fmt: skip


def _marked_realdata(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Attribute) and n.attr == "realdata" for n in ast.walk(node))


def _names(node: ast.AST) -> set[str]:
    used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return used | {a.arg for n in ast.walk(node) if isinstance(n, ast.FunctionDef) for a in n.args.args}


def test_every_report_test_that_reads_shared_data_is_marked_realdata():
    unmarked: list[str] = []
    files = sorted(Path(__file__).parent.glob("test_report*.py"))
    assert len(files) >= 4
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        marked = any(
            isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark" for t in n.targets)
            and _marked_realdata(n.value)
            for n in tree.body
        )  # fmt: skip
        funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        real = set(REAL_DATA_HELPERS)
        for _ in range(3):  # helpers and fixtures that call a real-data helper read real data too
            real |= {f.name for f in funcs if _names(f) & real}
        for f in funcs:
            if (
                f.name.startswith("test_")
                and _names(f) & real
                and not (marked or any(_marked_realdata(d) for d in f.decorator_list))
            ):
                unmarked.append(f"{path.name}::{f.name}")
    assert unmarked == []
