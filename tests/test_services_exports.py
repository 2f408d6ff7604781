"""Help and services on the printed and offline exports: the handout (the command line's PDF and the letter page in
both languages, laid out without a word off the page or over another), the offline HTML map (registry text escaped),
and the route card (services along the route in route order, then the lines to call).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from geo.cli import main
from geo.core.disclosure import Disclosure
from geo.core.i18n import t
from geo.core.settings import Settings, get_settings, use_config
from geo.data.ingest import ingest_file
from geo.data.services import described, registry_of
from geo.exports import sheet
from geo.exports.helpnear import along_route, with_services
from geo.exports.render import render_html
from geo.exports.routecard import route_card_bytes
from geo.patrol.request import PlanRequest, plan
from tests.layout_helpers import assert_clean_layout, block_words, needs_poppler, pdf_page, region
from tests.report_helpers import demo_report, demo_tables

LANGS = ("en", "es")
LEAVE = dt.datetime(2025, 5, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7)))
TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:32611", always_xy=True)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _settings(store: Path) -> Settings:
    """The demo's settings with the store at ``store`` (empty: the demo's example services stand in)."""
    s = get_settings()
    return s.model_copy(update={"sources": s.sources.model_copy(update={"store_dir": store, "store": None})})


@pytest.fixture
def cli_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Path:
    store = tmp_path / "store"
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    use_config(None)
    return store


# --- the handout ----------------------------------------------------------------------------------------------


@needs_poppler
def test_the_command_line_handout_lists_help_and_services(
    cli_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "handout.pdf"
    assert main(["report", "--out", str(out), "--place", "Harvard Park"]) == 0
    capsys.readouterr()
    text = _flat(pdf_page(out.read_bytes()).text)
    assert "Help and services near Harvard Park" in text
    assert "988" in text
    assert _flat(t("services.demo", "en")) in text, "the demo's entries are said to be examples"
    assert not cli_store.exists() or not (cli_store / "services").exists(), "the report writes nothing to the store"


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_the_letter_handout_prints_the_block_in_its_own_box(lang: str, tmp_path: Path) -> None:
    report = with_services(demo_report(lang=lang), _settings(tmp_path / "store"))
    assert report.services_title == t("services.near", lang, place="Harvard Park")
    assert report.services[-1] == t("services.demo", lang)
    assert any("988" in line for line in report.services)
    pdf = sheet.figure_bytes(report, size="letter", fmt="pdf")
    page = assert_clean_layout(pdf, what=f"handout with services ({lang})")
    text = _flat(page.text)
    assert _flat(report.services_title) in text
    assert "988" in text
    if lang == "es":
        assert "Help and services" not in text
    found = block_words(page, [report.services_title])[0]
    assert found, "the block's heading is printed whole on one run of words"
    block = region(found)
    for name, texts in {"legend": [report.legend_title], "chart": [report.trend_title]}.items():
        other = block_words(page, texts)[0]
        assert other, name
        assert not block.overlaps(region(other)), f"the services heading runs into the {name}"


@needs_poppler
def test_the_slide_does_not_print_the_block(tmp_path: Path) -> None:
    report = with_services(demo_report(lang="en"), _settings(tmp_path / "store"))
    assert report.services
    text = _flat(pdf_page(sheet.figure_bytes(report, size="slide", fmt="pdf")).text)
    assert "Help and services" not in text
    assert "988" not in text


def test_beside_real_incidents_the_demo_examples_are_not_printed(tmp_path: Path) -> None:
    import dataclasses

    real = dataclasses.replace(demo_report(lang="en"), synthetic=False)
    assert with_services(real, _settings(tmp_path / "store")).services == ()


# --- the offline map --------------------------------------------------------------------------------------------


def test_the_offline_map_prints_the_block_with_registry_text_escaped(tmp_path: Path) -> None:
    store = tmp_path / "store"
    csv = tmp_path / "registry.csv"
    pd.DataFrame(
        [
            {"service_id": "x", "kind": "youth", "name": "<script>alert(1)</script> Youth & Co",
             "contact": "<b>323</b>", "hours": "Sat", "lat": "33.9840", "lon": "-118.3040"},
            {"service_id": "988", "kind": "crisis_line", "name": "988 Lifeline", "contact": "988", "lat": "",
             "lon": ""},
        ]
    ).to_csv(csv, index=False)  # fmt: skip
    ingest_file(csv, store_dir=store)
    settings = _settings(store)
    assert registry_of(settings, beside_synthetic=False).demo is False
    report = with_services(demo_report(lang="en"), settings)
    assert report.services_title == "Help and services near Harvard Park"
    assert not any(line == t("services.demo", "en") for line in report.services), "a real registry is no example"
    html = render_html(report)
    assert "Help and services near Harvard Park" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Youth &amp; Co" in html
    assert "&lt;b&gt;323&lt;/b&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<b>323</b>" not in html
    assert "988 Lifeline" in html


# --- the route card ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_plan() -> object:
    inc, places, _ = demo_tables()
    return plan(PlanRequest(budget_min=120, place="Harvard Park", start_time=LEAVE), incidents=inc, places=places,
                settings=get_settings())  # fmt: skip


def test_along_route_is_in_route_order_then_the_lines_to_call(demo_plan: object, tmp_path: Path) -> None:
    settings = _settings(tmp_path / "store")
    route = demo_plan.route.path  # type: ignore[attr-defined]
    lines = along_route(route, settings, lang="en", synthetic=True)
    services = registry_of(settings, beside_synthetic=True).frame
    # independent arithmetic: each placed service's distance from the route and position along it, in UTM 11N
    import shapely
    from shapely.ops import nearest_points

    def utm(geom: object) -> object:
        return shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))

    line = utm(route)
    titles = described(services, "en")["title"]
    passed = []
    for sid, geom, title in zip(services["service_id"], services.geometry, titles, strict=True):
        if geom is None or geom.is_empty:
            continue
        g = utm(geom)
        if g.distance(line) <= settings.services.route_within_m:
            passed.append((line.project(nearest_points(line, g)[0]), sid, title))
    assert passed, "the demo route passes at least one example service"
    placeless = [title for geom, title in zip(services.geometry, titles, strict=True) if geom is None]
    assert len(placeless) == 2
    assert len(lines) == len(passed) + len(placeless) + 1
    assert lines[-1] == t("services.demo", "en")
    got_titles = [next(t_ for t_ in [*titles] if line_.startswith(t_ + " (")) for line_ in lines[:-1]]
    assert got_titles[len(passed) :] == placeless, "the lines to call come after the places"
    assert set(got_titles[: len(passed)]) == {p[2] for p in passed}
    positions = {p[2]: p[0] for p in passed}
    order = [positions[x] for x in got_titles[: len(passed)]]
    assert order == sorted(order), "in the order the route passes them"
    assert along_route(route, settings, lang="en", synthetic=False) == [], "no examples beside real incidents"


@needs_poppler
@pytest.mark.parametrize("lang", LANGS)
def test_the_route_card_prints_the_services_along_the_route(demo_plan: object, lang: str, tmp_path: Path) -> None:
    settings = _settings(tmp_path / "store")
    result = demo_plan
    lines = along_route(result.route.path, settings, lang=lang, synthetic=True)  # type: ignore[attr-defined]
    rule = Disclosure.from_settings(get_settings().privacy, public=True)
    pdf = route_card_bytes(result.route, fmt="pdf", lang=lang, graph=result.graph, rule=rule,  # type: ignore[attr-defined]
                           printed=dt.date(2026, 12, 7), services=lines)  # fmt: skip
    page = assert_clean_layout(pdf, what=f"route card with services ({lang})")
    heading = {"en": "Services along the route", "es": "Servicios a lo largo de la ruta"}[lang]
    text = _flat(page.text)
    assert heading in text
    assert "988" in text
    bare = route_card_bytes(result.route, fmt="pdf", lang=lang, graph=result.graph, rule=rule,  # type: ignore[attr-defined]
                            printed=dt.date(2026, 12, 7))  # fmt: skip
    assert heading not in _flat(pdf_page(bare).text), "no heading without services"
