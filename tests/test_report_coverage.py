"""Handouts and the data's coverage: outside the area a layer covers a report says "No data", never zero.

The demo tests give the report a covered area drawn here (a box far from Harvard Park, one through its
ring, one round everything); the real-data tests use the LA Times file, which holds the Harvard Park
neighbourhood only, so Jordan Downs in Watts is outside it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from geo.cli import main
from geo.core.i18n import catalog
from geo.data.coverage import Coverage
from geo.exports.model import Report
from geo.exports.render import render_html, render_pdf, render_png
from tests.conftest import ROOT, SHARED_DATA
from tests.layout_helpers import needs_poppler
from tests.report_helpers import demo_report, demo_tables, latimes_path

HARVARD = (-118.3046, 33.9839)  # lon, lat of the demo's Harvard Park


def _box(west: float, south: float, east: float, north: float) -> Coverage:
    return Coverage(geometry=shapely.box(west, south, east, north), method="points_hull", guess=True)


FAR = _box(-118.52, 34.00, -118.45, 34.05)  # Santa Monica: nowhere near the ring
THROUGH = _box(HARVARD[0], 33.90, -118.20, 34.10)  # the eastern half of the ring only
EVERYWHERE = _box(-118.70, 33.70, -118.10, 34.30)


def _figures(report: Report) -> dict[str, str]:
    return {f.key: f.value for f in report.figures}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_focus_outside_the_coverage_says_no_data_not_zero(lang: str) -> None:
    report = demo_report(coverage=FAR, lang=lang)
    none = catalog(lang)["source.no_data"]
    assert report.coverage == "no_data"
    assert _figures(report)["within"] == none
    assert _figures(report)["change"] == none
    assert all(f.number is None for f in report.figures if f.value == none)
    assert report.summary.startswith("Harvard Park")
    assert catalog(lang)["report.summary.count"].split("{")[0] not in report.summary  # no "there were 0"
    assert report.trend.empty  # no bars of zeros
    assert report.trend_notes == (catalog(lang)["report.trend.no_data"],)
    assert report.summary_dict()["coverage"] == "no_data"


def test_the_same_report_without_a_coverage_counts_there() -> None:
    """The check above can fail: the demo has incidents near Harvard Park, so without a coverage they count."""
    plain = demo_report()
    assert plain.coverage is None
    assert int(plain.counts["within"]) > 0
    assert _figures(plain)["within"] != catalog("en")["source.no_data"]
    assert not plain.trend.empty


def test_a_report_outside_the_coverage_renders_in_every_format() -> None:
    report = demo_report(coverage=FAR)
    html = render_html(report)
    assert "No data" in html
    assert report.trend_heading() in html  # the trend's note travels with its title
    assert render_pdf(report).startswith(b"%PDF")
    assert render_png(report, size="slide")[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_focus_covered_in_part_keeps_its_counts_and_says_so() -> None:
    plain, partial = demo_report(), demo_report(coverage=THROUGH)
    assert partial.coverage == "partial"
    assert _figures(partial) == _figures(plain)
    caveat = next(c for c in partial.caveats if c not in plain.caveats)
    assert caveat.startswith("Only ")
    share = int(caveat.split("Only ", 1)[1].split("%", 1)[0])
    assert 35 <= share <= 65  # about half of the ring (the box's edge runs through the place)


def test_a_focus_just_outside_the_coverage_whose_ring_reaches_in_keeps_its_counts() -> None:
    """The place is outside the covered area but most of its ring is inside: the counts there are real (partly
    covered, with the caveat), not "No data" beside a map full of counted cells."""
    east = demo_tables()[1].set_index("name").loc["Harvard Park"].geometry.bounds[2]
    edge = _box(east + 0.0003, 33.90, -118.20, 34.10)  # from about 30 m east of the park's outline
    plain, report = demo_report(), demo_report(coverage=edge)
    assert report.coverage == "partial"
    assert _figures(report)["within"] != catalog("en")["source.no_data"]
    assert any(c.startswith("Only ") for c in report.caveats)
    assert not report.trend.empty
    assert int(report.counts["within"]) == int(plain.counts["within"]) > 0  # counted as without a coverage


def test_a_covered_focus_reads_as_without_a_coverage() -> None:
    plain, covered = demo_report(), demo_report(coverage=EVERYWHERE)
    assert covered.coverage == "covered"
    assert _figures(covered) == _figures(plain)
    assert covered.caveats == plain.caveats
    assert covered.summary == plain.summary


def test_the_cli_does_not_judge_the_synthetic_demo_by_a_guessed_area(
    capsys: Any, tmp_path: Any, fresh_settings: None
) -> None:
    """As the Present page: the demo's made-up points cover nothing real, so its handout has no coverage caveat."""
    out = tmp_path / "demo.html"
    assert main(["report", "--place", "CSP Ramona Gardens", "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["synthetic"] is True
    assert summary["coverage"] is None
    assert "lies in the area the data cover" not in out.read_text(encoding="utf-8")


@pytest.mark.realdata
def test_cli_handout_for_a_place_outside_the_la_times_neighbourhood(capsys: Any, tmp_path: Any) -> None:
    def handout(place: str) -> dict[str, Any]:
        out = tmp_path / f"{place.replace(' ', '-')}.html"
        assert main(["report", "--place", place, "--incidents", str(latimes_path()), "--out", str(out)]) == 0
        return dict(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))

    watts = handout("Jordan Downs")
    assert watts["coverage"] == "no_data"
    assert set(watts["figures"].values()) == {"No data"}  # the file has no victim near Watts: not "0"
    harvard = handout("Harvard Park")
    assert harvard["coverage"] in ("covered", "partial")
    assert harvard["figures"]["within"].isdigit()


@pytest.mark.realdata
def test_present_page_outside_the_coverage(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any, fresh_settings: None
) -> None:
    """The Present page's handout (and its text version) on the LA Times layer, for Jordan Downs."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see shared/data/SOURCES.md)")
    from geo.core.settings import use_config
    from geo.data.ingest import ingest_file

    layer = ingest_file(latimes_path(), store_dir=tmp_path)["layer"]
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    use_config(None)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["data"] = layer
    at.query_params["place"] = "Jordan Downs"
    at.run()
    at.switch_page("app_pages/present.py").run()
    assert not at.exception
    text = "\n".join(str(x.value) for x in at.text)
    assert "No data" in text
    assert "lies outside the area the data cover" in text


@needs_poppler
@pytest.mark.parametrize("size", ["slide", "letter"])
def test_a_long_place_name_in_the_legend_stays_clear_of_the_text_beside_it(size: str) -> None:
    """ "400 m from Jordan Downs Recreation Center" ran into the caveats beside the slide's legend: it wraps."""
    import dataclasses

    from geo.exports.sheet import figure_bytes
    from tests.layout_helpers import assert_clean_layout

    report = demo_report()
    long = tuple(
        (k, c, "400 m from Jordan Downs Recreation Center" if k == "ring" else lbl) for k, c, lbl in report.legend
    )
    page = assert_clean_layout(figure_bytes(dataclasses.replace(report, legend=long), size=size, fmt="pdf"), what=size)
    assert page.find("Jordan Downs")  # the label is there, wrapped where it has to be
