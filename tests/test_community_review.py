"""Residents' own words: kept for the team's review, read one at a time by staff (recorded), given a topic, and then
counted by topic only; never shown anywhere else."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from geo.core.errors import DataError
from geo.core.i18n import t
from geo.core.settings_sections import SurveySettings
from geo.survey.layer import NOT_A_CONCERN, ingest_answers, read_layer, set_topic, waiting
from geo.survey.shown import SurveyRule, choice_counts
from tests.page_helpers import open_page, page_texts
from tests.survey_helpers import odk_zip, sid

RULES = SurveySettings()
WORDS = "the <b>bus stop</b> on [Main](http://evil.example) at night"
HOME = (-118.3046, 33.9839)  # beside Harvard Park


def _person(i: int, *, other: str | None = None) -> dict[str, object]:
    return {
        "submission_id": sid(), "consent": "yes", "safe_day": "very_safe", "safe_night": "very_unsafe",
        "safe_park": "somewhat_safe", "trust_officers": "agree", "respect": "agree", "heard": "agree",
        "concerns": "lighting other" if other else "lighting", "concern_other": other or "",
        "services_used": "none", "services_wanted": "youth_programs", "age_group": "", "sex": "", "ethnicity": "",
        "point": HOME, "day": dt.date(2024, 10, 1) + dt.timedelta(days=i),
    }  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store with one wave: six residents, two of them with words of their own."""
    people = [_person(i, other=WORDS if i < 2 else None) for i in range(6)]
    ingest_answers(odk_zip(tmp_path / "wave.zip", people), store_dir=tmp_path / "store", rules=RULES)
    return tmp_path / "store"


def test_words_wait_for_review_and_a_topic_counts_them_under_concerns(store: Path) -> None:
    layer = read_layer(store, RULES)
    todo = waiting(layer)
    assert len(todo) == 2
    assert set(todo["concern_other"]) == {WORDS}
    before = choice_counts(layer[layer["record"] == "respondent"], "concerns", SurveyRule(2)).set_index("choice")
    assert before.loc["dumping", "respondents"] == 0
    first, second = todo["submission_id"]
    report = set_topic(first, "dumping", store_dir=store, rules=RULES)
    set_topic(second, NOT_A_CONCERN, store_dir=store, rules=RULES)
    layer = read_layer(store, RULES)
    assert waiting(layer).empty
    after = choice_counts(layer[layer["record"] == "respondent"], "concerns", SurveyRule(1)).set_index("choice")
    assert after.loc["dumping", "respondents"] == 1  # the topic, not the words
    assert after.loc["other", "respondents"] == 2  # "something else" still counts who ticked it
    assert after.loc["lighting", "respondents"] == 6
    assert report["rows_in"] == report["rows_kept"] + sum(report["dropped"].values())
    assert report["rows_kept"] == 6


def test_a_topic_not_on_the_list_or_an_unknown_answer_is_refused(store: Path) -> None:
    first = str(waiting(read_layer(store, RULES))["submission_id"].iloc[0])
    with pytest.raises(DataError, match="not a topic"):
        set_topic(first, "aliens", store_dir=store, rules=RULES)
    with pytest.raises(DataError, match="no answer"):
        set_topic("nobody", "dumping", store_dir=store, rules=RULES)
    assert len(waiting(read_layer(store, RULES))) == 2  # nothing written


@pytest.mark.app
def test_staff_read_the_words_only_on_asking_and_each_reading_is_recorded(
    store: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    from geo.core.settings import use_config
    from geo.data.stores import open_store

    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    use_config(None)
    at = open_page("community", {"lang": "en"})
    assert not at.exception
    assert t("community.review.title", "en", n="2") in [e.label for e in at.expander]
    assert not any("bus stop" in x for x in page_texts(at))
    assert not any("bus stop" in d.value.to_csv() for d in at.dataframe)
    assert open_store(store).audit() == []
    at.button(key="review_next").click().run()
    assert not at.exception
    assert [x.value for x in at.text] == [WORDS]  # as plain text: no link, no markup
    assert not at.markdown or not any("evil.example" in m.value for m in at.markdown)
    assert [r["action"] for r in open_store(store).audit()] == ["survey_words"]
    at.selectbox(key="review_topic").set_value("lighting").run()
    at.button(key="review_save").click().run()
    assert not at.exception
    assert t("community.review.saved", "en") in [s.value for s in at.success]
    assert len(waiting(read_layer(store, RULES))) == 1
