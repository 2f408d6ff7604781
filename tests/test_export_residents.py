"""'Residents say' on the handout, the slide and the offline map: the same figures as the Community page, laid out
in their own box in both languages, a sentence where too few answered, and never synthetic answers beside real data.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import geopandas as gpd
import pytest

from geo.core.i18n import t
from geo.core.settings import Settings, get_settings
from geo.exports import sheet
from geo.exports.render import render_html
from geo.exports.report import with_residents
from geo.survey.shown import areas_around
from geo.survey.summary import community, residents_say
from tests.layout_helpers import assert_clean_layout, block_words, needs_poppler, region
from tests.report_helpers import demo_report

ROOT = Path(__file__).resolve().parents[1]
LANGS = ("en", "es")


def _demo_settings(tmp_path: Path) -> Settings:
    """The demo's settings with an empty store (the survey comes from the demo wave)."""
    s = get_settings()
    sources = s.sources.model_copy(update={"store_dir": tmp_path / "store", "store": None})
    return s.model_copy(update={"sources": sources})


@pytest.mark.parametrize("lang", LANGS)
def test_the_demo_handout_says_what_the_community_page_says_for_the_same_area(lang: str, tmp_path: Path) -> None:
    s = _demo_settings(tmp_path)
    report = with_residents(demo_report(lang=lang), s)
    assert report.residents, "the demo wave has residents near Harvard Park"
    layer = gpd.read_parquet(ROOT / "data/demo/survey.parquet")
    places = gpd.read_file(ROOT / "data/demo/places.geojson")
    summary = community(layer, areas_around(places, within_m=report.ring_m), rules=s.survey, cell_m=150.0,
                        population=s.sources.population)  # fmt: skip
    row = summary.scores[(summary.scores["area"] == "Harvard Park") & (summary.scores["wave"] == summary.latest)]
    assert len(row) == 1
    assert row.iloc[0]["status"] == "shown"
    from geo.core.i18n import fmt_share

    night = fmt_share(float(row.iloc[0]["safe_night"]), lang)
    assert any(t("survey.measure.safe_night", lang) in line and night in line for line in report.residents)
    assert str(int(row.iloc[0]["respondents"])) in report.residents[0]


@needs_poppler
@pytest.mark.parametrize(("size", "lang"), list(itertools.product(["letter", "slide"], LANGS)))
def test_residents_say_keeps_its_own_box_on_the_page(size: str, lang: str, tmp_path: Path) -> None:
    report = with_residents(demo_report(lang=lang), _demo_settings(tmp_path))
    pdf = sheet.figure_bytes(report, size=size, fmt="pdf")
    page = assert_clean_layout(pdf, what=f"residents {size} {lang}")
    found = block_words(page, [t("survey.say.title", lang), report.residents[0]])
    assert all(found), "the block's heading and its first sentence are printed whole"
    said = region([w for ws in found for w in ws])
    for block, texts in {"legend": [report.legend_title], "chart": [report.trend_title]}.items():
        found = block_words(page, texts)[0]
        assert found, block
        assert not said.overlaps(region(found)), f"'Residents say' runs into the {block}"


def test_the_offline_map_lists_what_residents_say_escaped(tmp_path: Path) -> None:
    report = with_residents(demo_report(lang="en"), _demo_settings(tmp_path))
    hostile = dataclasses.replace(report, residents=("<b>x</b> & 5 residents", *report.residents[1:]))
    html = render_html(hostile)
    assert t("survey.say.title", "en") in html
    assert "&lt;b&gt;x&lt;/b&gt; &amp; 5 residents" in html
    assert "<b>x</b>" not in html


@pytest.mark.parametrize("lang", LANGS)
def test_too_few_residents_is_one_sentence_and_no_figure(lang: str) -> None:
    s = get_settings()
    layer = gpd.read_parquet(ROOT / "data/demo/survey.parquet")
    places = gpd.read_file(ROOT / "data/demo/places.geojson")
    rules = s.survey.model_copy(update={"min_responses": 1000})
    focus = places[places["name"] == "Harvard Park"]
    said = residents_say(layer, focus, name="Harvard Park", ring_m=400.0, rules=rules, lang=lang)
    assert said == (t("survey.say.too_few", lang, n=1000, ring="400", place="Harvard Park", wave="2024-Q4"),)
    assert "%" not in said[0]


def test_real_incidents_never_get_the_demo_wave(tmp_path: Path) -> None:
    real = dataclasses.replace(demo_report(lang="en"), synthetic=False)
    assert with_residents(real, _demo_settings(tmp_path)).residents == ()


FORM = "https://ee.kobotoolbox.org/x/Hq7dK2pZ"


def _with_form(tmp_path: Path, url: str | None = FORM) -> Settings:
    s = _demo_settings(tmp_path)
    return s.model_copy(update={"survey": s.survey.model_copy(update={"form_url": url})})


@pytest.mark.parametrize(("size", "lang"), list(itertools.product(["letter", "slide"], LANGS)))
def test_the_forms_qr_code_reads_back_as_its_address(size: str, lang: str, tmp_path: Path) -> None:
    import io

    import numpy as np
    import zxingcpp
    from matplotlib.image import imread

    report = with_residents(demo_report(lang=lang), _with_form(tmp_path))
    png = sheet.figure_bytes(report, size=size, fmt="png")
    grey = (imread(io.BytesIO(png))[..., :3].mean(axis=2) * 255).astype(np.uint8)  # the page as a phone sees it
    codes = zxingcpp.read_barcodes(grey)
    assert [c.text for c in codes] == [FORM]


@needs_poppler
@pytest.mark.parametrize(("size", "lang"), list(itertools.product(["letter", "slide"], LANGS)))
def test_the_invitation_and_the_code_keep_the_page_clean(size: str, lang: str, tmp_path: Path) -> None:
    report = with_residents(demo_report(lang=lang), _with_form(tmp_path))
    page = assert_clean_layout(sheet.figure_bytes(report, size=size, fmt="pdf"), what=f"form {size} {lang}")
    assert block_words(page, [" ".join(t("survey.say.invite", lang, url="").split()[:3])])[0]
    assert all(block_words(page, [label for _, _, label in report.legend]))  # the legend keeps every row


def test_with_no_answers_the_handout_still_invites_residents(tmp_path: Path) -> None:
    real = dataclasses.replace(demo_report(lang="es"), synthetic=False)  # real incidents: no demo answers
    report = with_residents(real, _with_form(tmp_path))
    assert report.residents == ()
    html = render_html(report)
    assert f'href="{FORM}"' in html
    assert t("survey.say.invite_title", "es") in html
    assert with_residents(real, _with_form(tmp_path, None)).form_url is None


@pytest.mark.parametrize("url", ["http://example.org/form", "javascript:alert(1)", 'https://x.org/"onmouseover=1'])
def test_the_form_address_must_be_a_plain_https_address(url: str) -> None:
    from pydantic import ValidationError

    from geo.core.settings_sections import SurveySettings

    with pytest.raises(ValidationError):
        SurveySettings(form_url=url)
