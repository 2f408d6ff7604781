"""The printed exports on the real files: the LA Times homicides around the real Harvard Park, and the longest
place names of the real park files (CPAD points, City of LA park boundaries) and HUD's names in capitals.

Every export (letter handout, slide, route card), in English and Spanish: no text box leaves the page or
overlaps another (``pdftotext -bbox-layout``). Skipped with the reason when ../shared/data is absent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import lru_cache

import geopandas as gpd
import pandas as pd
import pytest

from geo.core.disclosure import Disclosure
from geo.core.settings import Settings, get_settings
from geo.data.sources.detect import load
from geo.exports import sheet
from geo.exports.model import Report
from geo.exports.report import build_report
from geo.exports.routecard import route_card_bytes
from geo.patrol.request import PlanRequest, plan
from tests.conftest import shared_file
from tests.layout_helpers import assert_clean_layout, needs_poppler, words_of
from tests.report_helpers import demo_tables, latimes_incidents, report_filters

pytestmark = [pytest.mark.realdata, needs_poppler]

LANGS = ("en", "es")
CPAD = ("parks", "caliparks_cpad_superunit_points_la_area.csv")
CITY_PARKS = ("parks", "la_city_rap_boundaries", "Los_Angeles_Recreation_and_Parks_Boundaries.shp")
HUD = ("public_housing", "hud_public_housing_inspections_0321_los_angeles_county.csv")
REAL_PARK = "Jackie Tatum/Harvard Recreation Center"
LEAVE = dt.datetime(2025, 5, 2, 18, 0, tzinfo=dt.timezone(dt.timedelta(hours=-7)))


@lru_cache(maxsize=4)
def real_places(*parts: str) -> gpd.GeoDataFrame:
    return load(shared_file(*parts)).frame


def longest_name(*parts: str) -> str:
    names = real_places(*parts)["name"].dropna().astype(str)
    return str(names.loc[names.str.len().idxmax()])


def latimes_named(name: str, lang: str) -> Report:
    """The LA Times homicides around the demo's Harvard Park outline, the outline called ``name``."""
    _, places, streets = demo_tables()
    renamed = places.copy()
    renamed.loc[(renamed["name"] == "Harvard Park") & (renamed["kind"] == "park"), "name"] = name
    return build_report(latimes_incidents(), renamed, streets, filters=report_filters(name, "2000-01-01", "2017-06-30"),
                        lang=lang, settings=Settings())  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", ["letter", "slide"])
def test_the_latimes_handout_around_the_real_park_is_laid_out_cleanly(size: str, lang: str) -> None:
    _, _, streets = demo_tables()
    filters = report_filters(REAL_PARK, "2000-01-01", "2017-06-30")
    r = build_report(latimes_incidents(), real_places(*CPAD), streets, filters=filters, lang=lang, settings=Settings())
    assert r.focus_name == REAL_PARK
    page = assert_clean_layout(sheet.figure_bytes(r, size=size, fmt="pdf"), what=f"LA Times {size} {lang}")
    assert words_of(page, r.title)  # "Homicides near Jackie Tatum/Harvard Recreation Center", whole
    assert words_of(page, r.figures[1].label)
    assert [int(p) for p in r.trend["period"]] == list(range(2000, 2018))  # every year of the period


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("source", [CPAD, CITY_PARKS], ids=["cpad", "city"])
@pytest.mark.parametrize("size", ["letter", "slide"])
def test_the_longest_real_park_name_fits_every_box(size: str, source: tuple[str, ...], lang: str) -> None:
    name = longest_name(*source)
    assert len(name) > 45
    r = latimes_named(name, lang)
    page = assert_clean_layout(sheet.figure_bytes(r, size=size, fmt="pdf"), what=f"{name} {size} {lang}")
    for text in (r.title, r.figures[1].label, r.legend_title):
        assert words_of(page, text), f"{text!r} is not whole on the page"


@pytest.mark.parametrize("lang", LANGS)
def test_a_hud_name_in_capitals_prints_in_its_usual_case(lang: str) -> None:
    _, _, streets = demo_tables()
    housing = real_places(*HUD)
    assert "JORDAN DOWNS" in set(housing["name"])
    r = build_report(latimes_incidents(), housing, streets, filters=report_filters("JORDAN DOWNS", "2016-01-01",
                     "2016-12-31"), lang=lang, settings=Settings())  # fmt: skip
    assert r.focus_name == "Jordan Downs"
    page = assert_clean_layout(sheet.figure_bytes(r, size="letter", fmt="pdf"), what=f"HUD {lang}")
    assert "JORDAN" not in page.text


@pytest.fixture(scope="module")
def latimes_route() -> object:
    _, places, _ = demo_tables()
    # the demo's grid, chosen knowingly (real incidents refuse it unless named): the card says it is approximate
    ask = PlanRequest(budget_min=120, place="Harvard Park", network="demo", start_time=LEAVE)
    route = plan(ask, incidents=latimes_incidents(), places=places, settings=get_settings())
    assert route.route.meta["unit"] == "victims"  # the card's reasons say "people killed"
    return route


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("place", ["Harvard Park", "longest"])
def test_the_latimes_route_card_is_laid_out_cleanly(latimes_route: object, place: str, lang: str) -> None:
    route = latimes_route.route  # type: ignore[attr-defined]
    if place == "longest":
        route = dataclasses.replace(route, meta={**route.meta, "place": longest_name(*CPAD)})
    route = dataclasses.replace(route, meta={**route.meta, "unit": "victims"})
    rule = Disclosure.from_settings(get_settings().privacy, public=True)
    pdf = route_card_bytes(route, fmt="pdf", lang=lang, graph=latimes_route.graph, rule=rule,  # type: ignore[attr-defined]
                           printed=dt.date(2026, 12, 7))  # fmt: skip
    page = assert_clean_layout(pdf, what=f"LA Times route card {place} {lang}")
    killed = {"en": "people killed", "es": "personas muertas"}[lang]
    assert killed in page.text
    counts = pd.Series(route.stops["weight"]).round()
    if ((counts > 0) & (counts < 3)).any():  # a small count reads "fewer than 3", never the number
        assert {"en": "fewer than 3", "es": "menos de 3"}[lang] in page.text
