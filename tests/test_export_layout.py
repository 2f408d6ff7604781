"""The printed exports' layout: every text box on the page, none over another, each block in its own box.

Each export (the letter handout, the 1920x1080 slide, the route card) is rendered to PDF in English and
Spanish, on the demo bundle and with the longest place name of the real files, and its text boxes are read
back with ``pdftotext -bbox-layout``: a word that leaves the page or overlaps another fails the test. Then
the report's chart (every year of the period, zeros drawn, hidden years marked, a sentence when nothing can
be drawn), the map's street names (above the squares, with a halo) and the words (natural titles, people
killed for per-victim sources, HUD names in their usual case).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import itertools

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure

from geo.core.disclosure import Disclosure
from geo.core.settings import Settings, get_settings
from geo.exports import sheet
from geo.exports.focus import printed_name
from geo.exports.model import MAX_TREND_BARS, Report
from geo.exports.report import build_report
from geo.exports.routecard import route_card_bytes
from geo.patrol.request import PlanRequest, plan
from tests.layout_helpers import (
    assert_clean_layout,
    block_words,
    layout_problems,
    needs_poppler,
    pdf_page,
    region,
    words_of,
)
from tests.report_helpers import demo_report, demo_tables, report_filters

LONG_NAME = "Unnamed site - Santa Clarita Watershed Recreation and Conservation Authority"
"""The longest park name in the CPAD file (76 characters); the real-data tests read it from the file."""
LANGS = ("en", "es")
LEAVE = dt.datetime(2025, 5, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7)))


def named_report(name: str, *, lang: str, was: str = "Harvard Park", **kw: object) -> Report:
    """A demo report on the demo's place ``was``, renamed ``name``."""
    inc, places, streets = demo_tables()
    renamed = places.copy()
    renamed.loc[(renamed["name"] == was) & (renamed["kind"] != "csp_site"), "name"] = name
    filters = report_filters(name, "2023-06-01", "2024-05-31")
    return build_report(inc, renamed, streets, filters=filters, lang=lang, settings=Settings(), **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo_plan() -> object:
    """The demo bundle's route from Harvard Park (its walking network, named streets), as the page plans it."""
    inc, places, _ = demo_tables()
    return plan(PlanRequest(budget_min=120, place="Harvard Park", start_time=LEAVE), incidents=inc, places=places,
                settings=get_settings())  # fmt: skip


def card_pdf(result: object, lang: str, *, place: str | None = None, public: bool = True) -> bytes:
    route = result.route  # type: ignore[attr-defined]
    if place is not None:
        route = dataclasses.replace(route, meta={**route.meta, "place": place})
    rule = Disclosure.from_settings(get_settings().privacy, public=public)
    return route_card_bytes(route, fmt="pdf", lang=lang, graph=result.graph, rule=rule,  # type: ignore[attr-defined]
                            printed=dt.date(2026, 12, 7))  # fmt: skip


# --- every export, both languages: nothing off the page, nothing over anything -----------------------------


@needs_poppler
@pytest.mark.parametrize("name", ["Harvard Park", LONG_NAME], ids=["demo", "longest-name"])
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", ["letter", "slide"])
def test_report_text_stays_on_the_page_and_off_other_text(size: str, lang: str, name: str) -> None:
    report = demo_report(lang=lang) if name == "Harvard Park" else named_report(name, lang=lang)
    page = assert_clean_layout(sheet.figure_bytes(report, size=size, fmt="pdf"), what=f"{size} {lang} {name}")
    assert words_of(page, report.figures[0].label)  # the text is really there, whole
    assert all(words_of(page, w) for w in name.split())


@needs_poppler
@pytest.mark.parametrize("name", [None, LONG_NAME], ids=["demo", "longest-name"])
@pytest.mark.parametrize("lang", LANGS)
def test_route_card_text_stays_on_the_page_and_off_other_text(demo_plan: object, lang: str, name: str | None) -> None:
    page = assert_clean_layout(card_pdf(demo_plan, lang, place=name), what=f"route card {lang} {name}")
    if name:
        assert words_of(page, "Santa Clarita Watershed")


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_internal_exports_overlap_only_under_their_watermark(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    report = demo_report(lang=lang, privacy="internal")
    monkeypatch.setattr(sheet, "_watermark", lambda *a, **k: None)  # the one text meant to lie across the page
    for size in ("letter", "slide"):
        assert_clean_layout(sheet.figure_bytes(report, size=size, fmt="pdf"), what=f"internal {size} {lang}")


def test_the_layout_check_finds_text_off_the_page_and_text_over_text() -> None:
    fig = Figure(figsize=(4, 3))
    fig.text(0.1, 0.5, "Incidents per square")
    fig.text(0.12, 0.5, "overlapping words")
    fig.text(0.9, 0.5, "running off the page")
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf")
    problems = layout_problems(pdf_page(buf.getvalue()))
    assert any("overlaps" in p for p in problems)
    assert any("leaves the page" in p for p in problems)


@needs_poppler
@pytest.mark.parametrize("size", ["letter", "slide"])
def test_legend_chart_figures_and_footer_each_keep_their_own_box(size: str) -> None:
    report = named_report(LONG_NAME, lang="es")
    page = pdf_page(sheet.figure_bytes(report, size=size, fmt="pdf"))
    blocks = {
        "legend": [report.legend_title, *(label for _, _, label in report.legend)],
        "chart": [report.trend_title, "; ".join(report.trend_notes)],
        "footer": [report.mode_note],
        "figures": [f.label for f in report.figures],
        "title": [report.title],
    }
    regions = {}
    for block, texts in blocks.items():
        found = block_words(page, texts)
        assert all(found), (block, [t for t, f in zip(texts, found, strict=True) if not f])
        regions[block] = region([w for ws in found for w in ws])
    for (a, ra), (b, rb) in itertools.combinations(regions.items(), 2):
        assert not ra.overlaps(rb), f"{a} {ra} runs into {b} {rb}"


# --- the chart -------------------------------------------------------------------------------------------


def test_the_chart_covers_every_year_of_a_long_period() -> None:
    r = demo_report(start="2015-01-01", end="2024-05-31")
    years = [int(p) for p in r.trend["period"]]
    assert years == list(range(2015, 2025))
    assert r.trend["in_period"].all()
    assert not any("pale bars" in n for n in r.trend_notes)


def test_a_short_period_has_context_years_and_says_the_pale_bars_are_before_it() -> None:
    r = demo_report(start="2023-06-01", end="2024-05-31")
    assert str(r.trend["period"].iloc[-1]) == "2024"
    assert not r.trend["in_period"].iloc[0]
    assert any("pale bars: before the report period" in n for n in r.trend_notes)


def test_a_period_before_the_data_starts_where_the_data_start_and_says_so() -> None:
    inc = demo_tables()[0]
    first = pd.to_datetime(inc["occurred_at"]).min()
    r = demo_report(start=f"{first.year - 4}-01-01", end="2024-05-31", privacy="internal")
    assert int(r.trend["period"].iloc[0]) == first.year
    assert any("the data start on" in n for n in r.trend_notes)


def test_a_period_longer_than_the_chart_shows_its_last_years_and_says_why() -> None:
    inc, places, streets = demo_tables()
    old = inc.copy()
    old.loc[old.index[:40], "occurred_at"] = pd.Timestamp("1985-06-01", tz="America/Los_Angeles")
    r = build_report(old, places, streets, filters=report_filters("Harvard Park", "1985-01-01", "2024-05-31"),
                     settings=Settings(), privacy="internal")  # fmt: skip
    assert len(r.trend) == MAX_TREND_BARS
    assert int(r.trend["period"].iloc[-1]) == 2024
    assert any(f"only the last {MAX_TREND_BARS} years fit the chart" in n for n in r.trend_notes)


def _charts(fig: Figure) -> list[plt.Axes]:
    return [ax for ax in fig.axes if ax.containers]  # the bars


def _chart_axes(fig: Figure) -> plt.Axes:
    charts = _charts(fig)
    assert len(charts) == 1, "one chart with bars"
    return charts[0]


def test_a_year_with_none_is_a_zero_and_a_hidden_year_is_marked() -> None:
    r = demo_report(start="2019-01-01", end="2024-05-31", fields={"categories": ("homicide",)})
    labels = list(r.trend["label"])
    assert "0" in labels
    assert "fewer than 3" in labels
    ax = _chart_axes(sheet.figure(r, size="letter"))
    marks = {round(t.get_position()[0]): t.get_text() for t in ax.texts if t.get_text() in ("0", "<3", "—")}
    for i, label in enumerate(labels):
        if label == "0":
            assert marks.get(i) == "0", f"{r.trend['period'].iloc[i]}: no zero drawn"
        elif label == "fewer than 3":
            assert marks.get(i) == "<3", f"{r.trend['period'].iloc[i]}: hidden year not marked"
    assert ax.get_ylim()[0] == 0
    assert ax.get_ylim()[1] >= 1


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_a_chart_whose_every_year_is_hidden_is_a_sentence_not_an_empty_axis(lang: str) -> None:
    r = demo_report(place="Jordan Downs", start="2019-01-01", end="2024-05-31", fields={"categories": ("homicide",)},
                    lang=lang)  # fmt: skip
    assert r.trend["count"].fillna(0).max() == 0  # nothing that may be drawn
    assert r.trend_sentence is not None
    fig = sheet.figure(r, size="letter")
    assert not _charts(fig), "an axis of nothing was drawn"
    page = assert_clean_layout(sheet.figure_bytes(r, size="letter", fmt="pdf"), what="all hidden")
    assert words_of(page, r.trend_sentence)
    assert "-0.04" not in page.text


# --- the map ---------------------------------------------------------------------------------------------


def test_street_names_are_written_above_the_squares_with_a_halo() -> None:
    r = demo_report()
    fig = sheet.figure(r, size="letter")
    ax = next(a for a in fig.axes if any(isinstance(c, PatchCollection) for c in a.collections))
    names = set(r.streets["name"].dropna())
    written = [t for t in ax.texts if t.get_text() in names]
    assert written, "no street named on the map"
    cells = max(c.get_zorder() for c in ax.collections if isinstance(c, PatchCollection))
    for text in written:
        assert text.get_zorder() > cells
        effects = text.get_path_effects()
        assert effects, f"{text.get_text()} has no halo"
    plt.close("all")


def test_the_map_fills_its_square_at_true_scale_with_the_scale_bar_under_it() -> None:
    r = demo_report()
    fig = sheet.figure(r, size="letter")
    ax = next(a for a in fig.axes if a.get_aspect() == 1.0)
    x0, x1, y0, y1 = r.extent_m
    assert ax.get_xlim() == (x0, x1)
    assert ax.get_ylim() == (y0, y1)
    assert not ax.get_xlabel()  # no "Easting [metre]" under a map
    strip = next(a for a in fig.axes if a is not ax and a.get_xlim() == (x0, x1))
    assert strip.get_position().y1 <= ax.get_position().y0 + 1e-6  # under the map, where no square hides it
    assert any(t.get_text().endswith("m") for t in strip.texts)


# --- the words ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Homicides near Harvard Park"), ("es", "Homicidios cerca de Harvard Park")]
)
def test_a_one_category_title_reads_as_a_title(lang: str, title: str) -> None:
    r = demo_report(lang=lang, fields={"categories": ("homicide",)})
    assert r.title == title
    assert ":" not in r.title


@pytest.mark.parametrize(
    ("lang", "total", "within", "legend", "count"),
    [
        ("en", "People killed on this map", "People killed within 400 m of Harvard Park",
         "People killed per 150 m square", "people killed within 400 m"),
        ("es", "Personas muertas en este mapa", "Personas muertas a menos de 400 m de Harvard Park",
         "Personas muertas por cuadro de 150 m", "personas muertas a menos de 400 m"),
    ],
)  # fmt: skip
def test_a_per_victim_source_counts_people_killed(lang: str, total: str, within: str, legend: str, count: str) -> None:
    inc, places, streets = demo_tables()
    victims = inc.assign(source="latimes_homicides", category="homicide")
    r = build_report(victims, places, streets, filters=report_filters("Harvard Park", "2023-06-01", "2024-05-31"),
                     lang=lang, settings=Settings())  # fmt: skip
    assert r.unit == "victims"
    assert [f.label for f in r.figures[:2]] == [total, within]
    assert r.legend_title == legend
    assert count in r.summary
    assert "ncident" not in " ".join(f.label for f in r.figures)
    plain = demo_report(lang=lang)
    assert plain.unit == "incidents"
    assert "ncident" in plain.figures[0].label


@pytest.mark.parametrize(
    ("raw", "printed"),
    [("JORDAN DOWNS", "Jordan Downs"), ("PUEBLO DEL RIO", "Pueblo del Rio"), ("AVALON/GONZAQUE", "Avalon/Gonzaque"),
     ("PUEBLO DEL SOL PHASE II", "Pueblo del Sol Phase II"), ("Harvard Park", "Harvard Park"),
     ("Jackie Tatum/Harvard Recreation Center", "Jackie Tatum/Harvard Recreation Center")],
)  # fmt: skip
def test_place_names_are_printed_in_their_usual_case(raw: str, printed: str) -> None:
    assert printed_name(raw) == printed


def test_a_hud_name_in_capitals_is_printed_in_its_usual_case() -> None:
    r = named_report("JORDAN DOWNS", lang="es", was="Jordan Downs")
    assert r.focus_name == "Jordan Downs"
    assert r.title == "Incidentes registrados cerca de Jordan Downs"
    assert "JORDAN" not in " ".join([r.summary, r.trend_title, *(label for _, _, label in r.legend)])


def test_the_change_figure_prints_its_headline_large_and_the_rest_under_it() -> None:
    r = demo_report()
    change = r.figures[2]
    assert change.short == "-10"
    assert change.detail
    assert change.detail in change.value
    assert change.value.startswith(change.short)
