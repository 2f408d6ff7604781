"""The Community page under AppTest, in both languages: scores with intervals, areas under the minimum hidden in
every table, no resident's own words anywhere, the waves, the Map page's layer of marks, and the paper-entry form
(checked like an export, added to the store's survey layer, recorded)."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import t
from tests.page_helpers import map_page, open_page, page_texts

pytestmark = pytest.mark.app

ROOT = Path(__file__).resolve().parents[1]
DEMO_SURVEY = ROOT / "data" / "demo" / "survey.parquet"
MIN = 5


def _tables(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def _free_text() -> list[str]:
    layer = gpd.read_parquet(DEMO_SURVEY)
    words = layer["concern_other"].dropna().astype(str).unique().tolist()
    assert words, "the demo wave has answers in residents' own words, to show they never appear"
    return words


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Path:
    """An empty store of its own (the page shows the demo wave; paper entries land here)."""
    from geo.core.settings import use_config

    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    use_config(None)
    return tmp_path


@pytest.mark.parametrize("lang", ["en", "es"])
def test_scores_show_intervals_and_every_area_under_the_minimum_shows_no_figure(lang: str, store: Path) -> None:
    at = open_page("community", {"lang": lang})
    assert not at.exception, at.exception
    texts = page_texts(at)
    assert t("community.title", lang) in texts
    assert t("community.synthetic", lang) in [w.value for w in at.warning]
    tables = _tables(at)
    respondents = t("community.col.respondents", lang)
    fewer = t("community.fewer", lang, n=MIN)
    scored = [tb for tb in tables if respondents in tb.columns and t("community.col.area", lang) in tb.columns]
    assert len(scored) >= 3  # the chosen score, every score, residents beside the record
    hidden = 0
    for table in scored:
        for _, row in table.iterrows():
            cell = str(row[respondents])
            if cell == fewer:
                hidden += 1
                assert not any(re.search(r"\d+\s?%", str(v)) for v in row.to_numpy()), row.to_dict()
            else:
                assert int(cell.replace(",", "")) >= MIN, row.to_dict()
    assert hidden, "the demo wave has areas under the minimum: they must read 'fewer than 5'"
    shares = " ".join(str(v) for tb in scored for v in tb.to_numpy().ravel())
    assert re.search(r"\d+\s?% \(\d+\s?%–\d+\s?%\)", shares), "a share with its interval"
    unweighted = t("community.share.unweighted", lang, share="").strip("; ")
    assert unweighted in shares, "a weighted share says its unweighted one too"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_no_residents_own_words_appear_anywhere_on_the_page(lang: str, store: Path) -> None:
    at = open_page("community", {"lang": lang})
    everything = " ".join(page_texts(at)) + " ".join(tb.to_csv() for tb in _tables(at))
    for words in _free_text():
        assert words not in everything


def test_choosing_the_first_wave_shows_it_and_no_change_before_it(store: Path) -> None:
    at = open_page("community", {"lang": "en"})
    at.selectbox(key="c_wave").set_value("2024-Q3").run()
    assert not at.exception
    assert t("community.source", "en", n="", wave="2024-Q3", where="").split()[-1] in " ".join(page_texts(at))
    first = _tables(at)[0]
    change = t("community.col.change", "en")
    assert (first[change] == "").all(), "the first wave has nothing to change from"
    at.selectbox(key="c_wave").set_value("2024-Q4").run()
    assert (_tables(at)[0][change] != "").any()


def test_the_link_opens_the_chosen_wave_and_score(store: Path) -> None:
    at = open_page("community", {"lang": "en", "wave": "2024-Q3", "score": "trust_officers"})
    assert not at.exception
    assert at.selectbox(key="c_wave").value == "2024-Q3"
    assert t("survey.measure.trust_officers", "en") in _tables(at)[0].columns


def test_concern_counts_hide_small_ones(store: Path) -> None:
    at = open_page("community", {"lang": "en"})
    counts = [
        tb
        for tb in _tables(at)
        if list(tb.columns) == [t(f"community.col.{c}", "en") for c in ("answer", "respondents")]
    ]
    assert len(counts) == 2  # concerns and services wanted
    for table in counts:
        for cell in table[t("community.col.respondents", "en")]:
            assert cell == t("community.fewer", "en", n=MIN) or cell == "0" or int(cell) >= MIN


def test_the_map_page_draws_marked_squares_only_with_enough_residents(store: Path) -> None:
    at = open_page("map", {"lang": "en", "layers": "perception,parks"})
    assert not at.exception
    html = map_page(at)
    counts = [int(n) for n in re.findall(r"(\d+) residents (?:avoid|feel safe in) this square", html)]
    assert counts, "the demo wave has squares marked by enough residents"
    assert min(counts) >= MIN
    assert any("survey's wave 2024-Q4" in x for x in page_texts(at))


def _fill(at: AppTest, answers: dict[str, object]) -> AppTest:
    for name, value in answers.items():
        widget = f"paper_{name}"
        if isinstance(value, list):
            at.multiselect(key=widget).set_value(value)
        else:
            at.selectbox(key=widget).set_value(value)
    return at


GOOD = {
    "consent": "yes",
    "safe_day": "very_safe",
    "safe_night": "somewhat_unsafe",
    "safe_park": "somewhat_safe",
    "trust_officers": "agree",
    "respect": "agree",
    "heard": "disagree",
    "concerns": ["gun_violence", "lighting"],
    "services_wanted": ["youth_programs"],
}


def test_a_paper_questionnaire_is_added_to_the_survey_layer_and_recorded(store: Path) -> None:
    from geo.core.settings import get_settings
    from geo.data.stores import open_store
    from geo.survey.layer import read_layer

    at = open_page("community", {"lang": "en"})
    assert not at.exception
    at.toggle(key="paper_places_on").set_value(True).run()  # the paper map, drawn only when asked for
    assert not at.exception
    assert at.selectbox(key="paper_mark_reason").value == "shootings"
    mark = {"point": (-118.30458, 33.98394), "mark_kind": "avoid", "mark_reason": "dark"}
    at.session_state["community_paper_marks"] = [mark]  # as a click on the paper map and "Add this place" leave it
    _fill(at, GOOD)
    at.selectbox(key="paper_near").set_value("Harvard Park")
    at.button(key="FormSubmitter:community_paper-" + t("community.paper.add", "en")).click().run()
    assert not at.exception
    assert t("community.paper.added", "en") in [s.value for s in at.success]
    layer = read_layer(store, get_settings().survey)
    assert layer is not None
    assert list(layer["record"]) == ["respondent", "mark"]
    placed = layer.iloc[1]
    assert (placed["mark_kind"], placed["mark_reason"]) == ("avoid", "dark")
    assert placed["submission_id"] == layer.iloc[0]["submission_id"]
    assert at.session_state["community_paper_marks"] == []  # the next questionnaire starts with no places
    layer = layer[layer["record"] == "respondent"]
    row = layer.iloc[0]
    assert row["source"] == "paper"
    assert row["safe_night"] == "somewhat_unsafe"
    assert row["concerns"] == "gun_violence lighting"
    from geo.survey.shown import areas_around, place_in_areas

    places = gpd.read_file(ROOT / "data" / "demo" / "places.geojson")
    areas = areas_around(places, within_m=400.0)
    assert "Harvard Park" in set(place_in_areas(layer, areas)["area"])  # counted where the person lives
    actions = [r["action"] for r in open_store(store).audit()]
    assert actions == ["ingest"]


def test_a_paper_questionnaire_missing_an_answer_is_refused_and_nothing_is_written(store: Path) -> None:
    from geo.core.settings import get_settings
    from geo.survey.layer import read_layer

    at = open_page("community", {"lang": "es"})
    _fill(at, {k: v for k, v in GOOD.items() if k != "safe_night"})
    at.button(key="FormSubmitter:community_paper-" + t("community.paper.add", "es")).click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any("safe_night" in e for e in errors), errors
    assert read_layer(store, get_settings().survey) is None


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_focus_places_rings_and_a_zone_layer_are_areas_too(lang: str, store: Path) -> None:
    rings = open_page("community", {"lang": lang, "areas": "rings"})
    assert not rings.exception
    names = list(_tables(rings)[0][t("community.col.area", lang)])
    assert names[0] == t("ring.inside", lang)
    assert names[1:] == ["0–75 m", "75–150 m", "150–400 m"]
    zones = open_page("community", {"lang": lang, "areas": "configured"})
    assert not zones.exception
    names = list(_tables(zones)[0][t("community.col.area", lang)])
    assert names, "the demo's zones"
    assert all(n.startswith("Demo area") for n in names)


def test_the_command_line_scores_the_same_rings(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from geo.cli import main

    assert main(["survey", "scores", "--areas", "rings", "--json", "--store", str(store)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["area"] for r in rows} == {"inside", "0-75", "75-150", "150-400"}
    assert all(r["synthetic"] for r in rows)
    for r in rows:
        assert r["respondents"] is None or r["respondents"] >= MIN
        if r["status"] != "shown":
            assert r["safe_night"] is None
    assert main(["survey", "scores", "--areas", "rings", "--place", "Nowhere Park", "--store", str(store)]) == 2


def test_who_answered_is_shown_only_in_aggregate_beside_the_residents(store: Path) -> None:
    at = open_page("community", {"lang": "es"})
    who = next(d.value for d in at.dataframe if t("community.col.residents_share", "es") in d.value.columns)
    counts = who[t("community.col.respondents", "es")]
    fewer = t("community.fewer", "es", n=MIN)
    assert (counts == fewer).any(), "the demo wave has groups under the minimum"
    assert all(c == fewer or int(c) >= MIN for c in counts)
    hidden = who[counts == fewer]
    assert (hidden[t("community.col.share", "es")] == "").all()
    assert (who[t("community.col.residents_share", "es")] != "").all()  # synthetic answers, synthetic residents


def test_real_answers_are_never_set_beside_the_demos_residents() -> None:
    from geo.core.settings_sections import SurveySettings
    from geo.survey.layer import respondents
    from geo.survey.shown import areas_around
    from geo.survey.summary import who_answered

    layer = gpd.read_parquet(DEMO_SURVEY).drop(columns="synthetic")  # as if ingested from a real export
    places = gpd.read_file(ROOT / "data" / "demo" / "places.geojson")
    profile = who_answered(respondents(layer), areas_around(places, within_m=400.0), rules=SurveySettings(),
                           population=ROOT / "data" / "demo" / "population.geojson")  # fmt: skip
    assert profile["residents_share"].isna().all()
    assert profile["respondents"].notna().any()
