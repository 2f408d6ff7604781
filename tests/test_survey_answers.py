"""Residents' answers in: ODK Central and KoboToolbox exports read with every row accounted for, into the survey layer.

The exports are written by tests/survey_helpers.py in the shapes the field teams download; the answers are the demo's
synthetic wave (a slice of it) plus hand-made respondents carrying each quirk a real wave brings.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from geo.cli import main
from geo.core.errors import DataError
from geo.core.settings import use_config
from geo.core.settings_sections import SurveySettings, SurveyWave
from geo.data.stores import open_store
from geo.survey.answers import looks_like_survey
from geo.survey.demo import build_survey
from geo.survey.layer import add_paper, ingest_answers, marks, read_layer, respondents
from geo.survey.questions import MEASURES, QUESTIONS
from tests.store_helpers import store_snapshot
from tests.survey_helpers import (
    kobo_columns,
    kobo_tables,
    kobo_xlsx,
    odk_columns,
    odk_csv,
    odk_tables,
    odk_zip,
    rows_of,
    sid,
    write_kobo_xlsx,
    write_odk_zip,
)
from tests.test_ingest_hostile import lapd_file

ROOT = Path(__file__).resolve().parents[1]
RULES = SurveySettings()
ANSWERS = [q.name for q in QUESTIONS if q.kind not in ("geopoint", "date")]
FREE_WORDS = "synthetic: the words of a resident that never leave the layer"
OUTSIDE = (-116.54, 33.83)  # Palm Springs: outside Los Angeles County
FAR = (-121.89, 37.34)  # San José
Rows = tuple[list[dict[str, Any]], list[dict[str, Any]]]


@pytest.fixture(scope="module")
def demo() -> Rows:
    """Every fourth respondent of the demo's synthetic waves (both quarters) and their marked places."""
    places = gpd.read_file(ROOT / "data" / "demo" / "places.geojson")
    incidents = gpd.read_parquet(ROOT / "data" / "demo" / "incidents.parquet")
    people, marked = rows_of(build_survey(places, incidents))
    people = people[::4]
    kept = {p["submission_id"] for p in people}
    return people, [m for m in marked if m["submission_id"] in kept]


def _copy(rows: Rows) -> Rows:
    return [dict(p) for p in rows[0]], [dict(m) for m in rows[1]]


def _quarter(day: dt.date) -> tuple[str, dt.date]:
    q = (day.month - 1) // 3
    return f"{day.year}-Q{q + 1}", dt.date(day.year, 3 * q + 1, 1)


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value) or None


def _person(**answers: Any) -> dict[str, Any]:
    """A hand-made respondent who answered every required question (override any of them)."""
    row: dict[str, Any] = {
        "submission_id": sid(),
        "consent": "yes",
        "safe_day": "very_safe",
        "safe_night": "somewhat_unsafe",
        "safe_park": "somewhat_safe",
        "trust_officers": "agree",
        "respect": "disagree",
        "heard": "dont_know",
        "concerns": "gangs lighting",
        "services_used": "none",
        "services_wanted": "youth_programs after_school",
        "age_group": "a35_49",
        "sex": "female",
        "ethnicity": "hispanic",
        "point": (-118.2936, 33.9794),
        "day": dt.date(2024, 8, 14),
    }
    row.update(answers)
    return row


def _mark(person: dict[str, Any], point: tuple[float, float] | None, kind: str = "avoid") -> dict[str, Any]:
    reason = "dark" if kind == "avoid" else "well_lit"
    return {"submission_id": person["submission_id"], "point": point, "mark_kind": kind, "mark_reason": reason}


Writer = Callable[[Path, Sequence[dict[str, Any]], Sequence[dict[str, Any]]], Path]


def _kobo_cells(path: Path, people: Sequence[dict[str, Any]], marked: Sequence[dict[str, Any]]) -> Path:
    return kobo_xlsx(path, people, marked, dates_as_cells=True)


SHAPES: dict[str, tuple[str, Writer]] = {
    "odk_zip": (".zip", odk_zip),
    "odk_csv": (".csv", odk_csv),
    "kobo_xlsx": (".xlsx", kobo_xlsx),
    "kobo_dates_as_cells": (".xlsx", _kobo_cells),
}


def _export(shape: str, folder: Path, rows: Rows, name: str = "export") -> Path:
    suffix, write = SHAPES[shape]
    folder.mkdir(parents=True, exist_ok=True)
    return write(folder / f"{name}{suffix}", *rows)


def _mark_keys(rows: Sequence[dict[str, Any]]) -> Counter[tuple[str, str, str, float, float]]:
    return Counter(
        (
            str(m["submission_id"]),
            str(m["mark_kind"]),
            str(m["mark_reason"]),
            round(m["point"][0], 6),
            round(m["point"][1], 6),
        )
        for m in rows
    )


def _stored_marks(layer: gpd.GeoDataFrame) -> Counter[tuple[str, str, str, float, float]]:
    rows = marks(layer)
    return _mark_keys(
        [
            {
                "submission_id": r.submission_id,
                "mark_kind": r.mark_kind,
                "mark_reason": r.mark_reason,
                "point": (r.geometry.x, r.geometry.y),
            }
            for r in rows.itertuples()
        ]
    )


def _by_id(layer: gpd.GeoDataFrame) -> dict[str, pd.Series]:
    people = respondents(layer)
    assert people["submission_id"].is_unique
    return {str(r["submission_id"]): r for _, r in people.iterrows()}


def _assert_adds_up(rep: dict[str, Any]) -> None:
    assert rep["rows_in"] == rep["rows_kept"] + sum(rep["dropped"].values())
    last = rep["last_ingest"]
    assert last["rows_in"] == last["rows_kept"] + sum(last["dropped"].values())


# --- a clean wave, in every shape -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_wave_is_read_whole_in_every_export_shape(shape: str, demo: Rows, tmp_path: Path) -> None:
    people, marked = _copy(demo)
    # the first and last days of a quarter: the wave is the day as answered, whatever the time zone
    people[0]["day"], people[1]["day"], people[2]["day"] = (
        dt.date(2024, 7, 1),
        dt.date(2024, 9, 30),
        dt.date(2024, 10, 1),
    )
    path = _export(shape, tmp_path, (people, marked))
    assert looks_like_survey(path)
    rep = ingest_answers(path, store_dir=tmp_path / "store", rules=RULES)

    assert rep["written"] is True
    assert rep["dropped"] == {}
    assert rep["rows_in"] == rep["rows_kept"] == len(people) + len(marked)
    assert rep["last_ingest"]["rows_in"] == rep["rows_in"]
    _assert_adds_up(rep)
    assert rep["not_in_questionnaire"] == []  # the export's own bookkeeping columns are no questions
    assert rep["home_outside_area"] == 0

    layer = read_layer(tmp_path / "store", RULES)
    assert layer is not None
    stored = _by_id(layer)
    assert set(stored) == {p["submission_id"] for p in people}
    for person in people:
        row = stored[person["submission_id"]]
        assert {q: _text(row[q]) for q in ANSWERS} == {q: _text(person.get(q)) for q in ANSWERS}
        assert (row["wave"], pd.Timestamp(row["wave_start"]).date()) == _quarter(person["day"])
        assert row["source"] == ("kobo" if shape.startswith("kobo") else "odk")
        assert (row.geometry.x, row.geometry.y) == pytest.approx(person["point"], abs=1e-9)
    assert _stored_marks(layer) == _mark_keys(marked)
    waves = set(respondents(layer)["wave"])
    assert waves == {"2024-Q3", "2024-Q4"}
    assert len(open_store(tmp_path / "store").read_quarantine(RULES.layer)) == 0


def test_named_waves_group_answers_and_a_day_outside_them_is_set_aside(tmp_path: Path) -> None:
    rules = SurveySettings(
        waves=(SurveyWave(name="Summer 2024", start=dt.date(2024, 6, 15), end=dt.date(2024, 8, 31)),)
    )
    inside, after = _person(day=dt.date(2024, 6, 20)), _person(day=dt.date(2024, 9, 2))
    rep = ingest_answers(odk_zip(tmp_path / "w.zip", [inside, after]), store_dir=tmp_path / "s", rules=rules)
    assert rep["dropped"] == {"no_date": 1}
    (kept,) = _by_id(read_layer(tmp_path / "s", rules)).values()
    assert (kept["submission_id"], kept["wave"]) == (inside["submission_id"], "Summer 2024")
    assert pd.Timestamp(kept["wave_start"]).date() == dt.date(2024, 6, 15)


def test_without_an_interview_date_the_submission_s_local_day_gives_the_wave(tmp_path: Path) -> None:
    late = _person(extra={"interview_date": "", "SubmissionDate": "2024-10-01T03:10:00.000Z"})  # 20:10 on 30 Sept in LA
    rep = ingest_answers(odk_zip(tmp_path / "d.zip", [late]), store_dir=tmp_path / "s", rules=RULES)
    assert rep["rows_kept"] == 1
    (kept,) = _by_id(read_layer(tmp_path / "s", RULES)).values()
    assert kept["wave"] == "2024-Q3"


# --- every quirk lands with its reason ----------------------------------------------------------------------------


def _quirky(flavour: str) -> tuple[Rows, dict[str, str], dict[str, Any]]:
    """Clean respondents plus one of each quirk; the injected ids by what they test; the people by role."""
    clean = [_person(safe_night=night) for night in ("very_safe", "very_unsafe", "somewhat_safe", "dont_know")]
    clean.append(_person(concerns="gangs other", concern_other=FREE_WORDS))  # kept: its words stay in the layer
    test_team = _person(submitter="test team")
    early = _person(day=dt.date(2024, 7, 3))
    rejected = _person(review="rejected" if flavour == "odk" else "validation_status_not_approved")
    declined = {"submission_id": sid(), "consent": "no", "point": None, "day": dt.date(2024, 8, 2)}
    duplicate = dict(clean[0], safe_night="very_unsafe")  # the same submission again (the first one is kept)
    bad = _person(safe_night="kinda_safe", concerns="other", concern_other=FREE_WORDS)
    faraway_home = _person(point=OUTSIDE)
    people = [*clean, test_team, early, rejected, declined, duplicate, bad, faraway_home]
    marked = [
        _mark(clean[0], (-118.2931, 33.9788)),
        _mark(clean[1], (-118.2899, 33.9801), "safe"),
        _mark(clean[2], None),  # no coordinates
        _mark(clean[3], FAR),  # outside the county
        _mark(test_team, (-118.2931, 33.9788)),  # its answer was dropped
        _mark(faraway_home, (-118.2931, 33.9788)),  # kept: only the home corner goes
    ]
    roles = {"clean": clean, "faraway_home": faraway_home, "marks": marked}
    ids = {
        "test_submission": test_team["submission_id"],
        "early": early["submission_id"],
        "rejected_in_review": rejected["submission_id"],
        "no_consent": declined["submission_id"],
        "duplicate_submission": duplicate["submission_id"],
        "bad_answer": bad["submission_id"],
    }
    return (people, marked), ids, roles


def _quarantined_id(row: pd.Series) -> str:
    for column in ("PARENT_KEY", "_submission__uuid") if str(row["reason"]).startswith("mark_") else ("KEY", "_uuid"):
        if column in row.index and str(row[column]) not in ("", "nan", "None"):
            return str(row[column]).removeprefix("uuid:").split("/")[0]
    raise AssertionError(f"no submission id in {row.to_dict()}")


@pytest.mark.parametrize("flavour", ["odk", "kobo"])
def test_each_quirk_is_set_aside_with_its_reason(flavour: str, tmp_path: Path) -> None:
    (people, marked), ids, roles = _quirky(flavour)
    write = odk_zip if flavour == "odk" else kobo_xlsx
    path = write(tmp_path / f"quirks.{'zip' if flavour == 'odk' else 'xlsx'}", people, marked)
    rules = SurveySettings(collect_from=dt.date(2024, 7, 10))
    rep = ingest_answers(path, store_dir=tmp_path / "store", rules=rules)

    assert rep["dropped"] == {
        "test_submission": 2,  # named "test team", and dated before collect_from
        "rejected_in_review": 1,
        "no_consent": 1,
        "duplicate_submission": 1,
        "bad_answer": 1,
        "mark_no_coordinates": 1,
        "mark_outside_area": 1,
        "mark_of_dropped_answer": 1,
    }
    assert rep["rows_in"] == len(people) + len(marked)
    assert rep["rows_kept"] == len(roles["clean"]) + 1 + 3  # the clean ones, the far-away home; three marks
    _assert_adds_up(rep)
    assert rep["home_outside_area"] == rep["last_ingest"]["home_outside_area"] == 1

    quarantine = open_store(tmp_path / "store").read_quarantine(rules.layer)
    assert len(quarantine) == sum(rep["dropped"].values())
    by_reason: dict[str, list[str]] = {}
    for _, row in quarantine.iterrows():
        by_reason.setdefault(str(row["reason"]), []).append(_quarantined_id(row))
    assert sorted(by_reason["test_submission"]) == sorted([ids["test_submission"], ids["early"]])
    for reason in ("rejected_in_review", "no_consent", "duplicate_submission", "bad_answer"):
        assert by_reason[reason] == [ids[reason]], reason
    assert by_reason["mark_no_coordinates"] == [roles["clean"][2]["submission_id"]]
    assert by_reason["mark_outside_area"] == [roles["clean"][3]["submission_id"]]
    assert by_reason["mark_of_dropped_answer"] == [ids["test_submission"]]
    # the row numbers are the file's: the header is row 1
    test_row = quarantine[quarantine["reason"] == "test_submission"]["source_row"].astype(int).min()
    assert test_row == 1 + 1 + next(i for i, p in enumerate(people) if p["submission_id"] == ids["test_submission"])
    bad = quarantine[quarantine["reason"] == "bad_answer"].iloc[0]
    assert "safe_night" in bad["note"]
    assert "kinda_safe" in bad["note"]
    outside = quarantine[quarantine["reason"] == "mark_outside_area"].iloc[0]
    assert "outside" in outside["note"]
    # free text never reaches the quarantine, not even of the person whose other answer was bad
    assert not any("concern_other" in str(c) for c in quarantine.columns)
    assert not quarantine.astype(str).apply(lambda col: col.str.contains(FREE_WORDS, regex=False)).any().any()

    layer = read_layer(tmp_path / "store", rules)
    stored = _by_id(layer)
    assert set(stored) == {p["submission_id"] for p in (*roles["clean"], roles["faraway_home"])}
    assert stored[roles["clean"][0]["submission_id"]]["safe_night"] == "very_safe"  # the first of the duplicates
    assert stored[roles["clean"][4]["submission_id"]]["concern_other"] == FREE_WORDS  # kept for the team's review
    home = stored[roles["faraway_home"]["submission_id"]]
    assert home.geometry is None or home.geometry.is_empty  # the point is removed, the answers kept
    assert home["safe_day"] == "very_safe"
    kept_marks = [m for i, m in enumerate(roles["marks"]) if i in (0, 1, 5)]
    assert _stored_marks(layer) == _mark_keys(kept_marks)


def test_a_mark_with_a_reason_not_in_its_list_is_set_aside(tmp_path: Path) -> None:
    person = _person()
    wrong = dict(_mark(person, (-118.2931, 33.9788)), mark_reason="aliens")
    rep = ingest_answers(odk_zip(tmp_path / "m.zip", [person], [wrong]), store_dir=tmp_path / "s", rules=RULES)
    assert rep["dropped"] == {"mark_bad_answer": 1}
    note = open_store(tmp_path / "s").read_quarantine(RULES.layer)["note"].iloc[0]
    assert "mark_reason" in note
    assert "aliens" in note


def test_a_required_answer_left_empty_is_a_bad_answer(tmp_path: Path) -> None:
    person, skipped = _person(), _person(respect="")
    rep = ingest_answers(kobo_xlsx(tmp_path / "e.xlsx", [person, skipped]), store_dir=tmp_path / "s", rules=RULES)
    assert rep["dropped"] == {"bad_answer": 1}
    quarantine = open_store(tmp_path / "s").read_quarantine(RULES.layer)
    assert _quarantined_id(quarantine.iloc[0]) == skipped["submission_id"]
    assert "respect: must be answered" in quarantine["note"].iloc[0]


def test_kobo_s_one_column_per_answer_is_read_when_the_list_column_is_absent(tmp_path: Path) -> None:
    people = [_person(concerns="gun_violence traffic other"), _person(concerns=""), _person(services_wanted="none")]
    main, repeat = kobo_tables(people)
    dropped = ("worries/concerns", "services/services_wanted")
    main = [{k: v for k, v in r.items() if k not in dropped} for r in main]
    header = [c for c in kobo_columns() if c not in dropped]
    rep = ingest_answers(
        write_kobo_xlsx(tmp_path / "k.xlsx", main, repeat, header=header), store_dir=tmp_path / "s", rules=RULES
    )
    assert (rep["rows_kept"], rep["dropped"]) == (3, {})
    stored = _by_id(read_layer(tmp_path / "s", RULES))
    for person in people:
        row = stored[person["submission_id"]]
        assert (_text(row["concerns"]), _text(row["services_wanted"])) == (
            _text(person["concerns"]),
            _text(person["services_wanted"]),
        )


# --- the layer accumulates, never twice --------------------------------------------------------------------------


@pytest.fixture(params=["folder", pytest.param("postgis", marks=pytest.mark.postgis)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The same checks on the embedded store (a folder) and on a PostGIS server."""
    if request.param == "postgis":
        return str(request.getfixturevalue("pg_url"))
    return tmp_path / "store"


def test_the_same_export_twice_adds_nothing_and_other_exports_accumulate(
    demo: Rows, tmp_path: Path, store: Path | str
) -> None:
    people, marked = _copy(demo)
    half = len(people) // 2
    first_ids = {p["submission_id"] for p in people[:half]}
    first = ([*people[:half], _person(point=OUTSIDE)], [m for m in marked if m["submission_id"] in first_ids])
    second = ([*people[half:], _person(point=OUTSIDE)], [m for m in marked if m["submission_id"] not in first_ids])
    odk = odk_zip(tmp_path / "first.zip", *first)

    one = ingest_answers(odk, store_dir=store, rules=RULES)
    assert one["written"] is True
    version = open_store(store).version(RULES.layer)
    report = open_store(store).report(RULES.layer)
    files = store_snapshot(store) if isinstance(store, Path) else None

    again = ingest_answers(odk, store_dir=store, rules=RULES)
    assert again["written"] is False
    assert again["last_ingest"]["rows_kept"] == 0
    assert again["last_ingest"]["dropped"] == {
        "duplicate_submission": len(first[0]),
        "mark_of_dropped_answer": len(first[1]),
    }
    assert open_store(store).version(RULES.layer) == version
    assert open_store(store).report(RULES.layer) == report
    if files is not None:
        assert store_snapshot(store) == files

    # the next export (Kobo this time) adds its people; one that overlaps the first adds only the new ones
    two = ingest_answers(kobo_xlsx(tmp_path / "second.xlsx", *second), store_dir=store, rules=RULES)
    extra = _person()
    overlap = ([*people[:3], extra], [])
    three = ingest_answers(odk_zip(tmp_path / "third.zip", *overlap), store_dir=store, rules=RULES)
    assert three["last_ingest"]["dropped"] == {"duplicate_submission": 3}
    assert three["last_ingest"]["rows_kept"] == 1

    written = [one, two, three]
    assert three["rows_in"] == sum(r["last_ingest"]["rows_in"] for r in written)
    assert three["rows_kept"] == sum(r["last_ingest"]["rows_kept"] for r in written)
    total = Counter[str]()
    for r in written:
        total.update(r["last_ingest"]["dropped"])
    assert three["dropped"] == dict(total)
    _assert_adds_up(three)
    assert open_store(store).report(RULES.layer)["home_outside_area"] == 2  # one in each of the first two exports

    layer = read_layer(store, RULES)
    assert set(_by_id(layer)) == {p["submission_id"] for p in (*first[0], *second[0], extra)}
    assert len(layer) == three["rows_kept"]
    assert _stored_marks(layer) == _mark_keys(marked)
    assert len(open_store(store).read_quarantine(RULES.layer)) == sum(three["dropped"].values())
    assert sorted(set(respondents(layer)["source"])) == ["kobo", "odk"]


# --- exports that cannot be read ----------------------------------------------------------------------------------


def _renamed_odk(path: Path) -> Path:
    main, repeat = odk_tables([_person()], [])
    main = [{("safety-safe_nite" if k == "safety-safe_night" else k): v for k, v in r.items()} for r in main]
    header = ["safety-safe_nite" if c == "safety-safe_night" else c for c in odk_columns()]
    return write_odk_zip(path / "renamed.zip", main, repeat, header=header)


def _renamed_kobo(path: Path) -> Path:
    main, repeat = kobo_tables([_person()], [])
    main = [{("trust/respect_shown" if k == "trust/respect" else k): v for k, v in r.items()} for r in main]
    header = ["trust/respect_shown" if c == "trust/respect" else c for c in kobo_columns()]
    return write_kobo_xlsx(path / "renamed.xlsx", main, repeat, header=header)


def _two_forms(path: Path) -> Path:
    main, repeat = odk_tables([_person()], [])
    other = odk_csv(path / "other_form.csv", [_person()]).read_bytes()  # another form's export
    return write_odk_zip(path / "two.zip", main, repeat, more={"other_form.csv": other})


def _garbage(name: str, data: bytes) -> Callable[[Path], Path]:
    def write(path: Path) -> Path:
        (path / name).write_bytes(data)
        return path / name

    return write


def _no_parent(path: Path) -> Path:
    person = _person()
    main, repeat = odk_tables([person], [_mark(person, (-118.2931, 33.9788))])
    repeat = [{k: v for k, v in r.items() if k != "PARENT_KEY"} for r in repeat]
    with zipfile.ZipFile(path / "orphans.zip", "w") as archive:
        archive.writestr("csp_assessment.csv", pd.DataFrame(main).to_csv(index=False))
        archive.writestr("csp_assessment-marks.csv", pd.DataFrame(repeat).to_csv(index=False))
    return path / "orphans.zip"


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (_renamed_odk, r"'safe_night' \(is 'safe_nite' it, renamed\?\)"),
        (_renamed_kobo, r"'respect' \(is 'respect_shown' it, renamed\?\)"),
        (_two_forms, r"should hold one export of the assessment.*other_form\.csv"),
        (_garbage("broken.zip", b"PK\x03\x04 not really a zip"), "not a readable .zip archive"),
        (_garbage("broken.xlsx", b"\x00\x01 not a workbook"), "cannot read broken.xlsx as a workbook"),
        (_garbage("latin1.csv", "consent,KEY\nsí,uuid:1\n".encode("latin-1")), "cannot read latin1.csv as a CSV"),
        (_garbage("empty.csv", b""), "cannot read empty.csv"),
        (_no_parent, "name no parent submission"),
    ],
    ids=["renamed_odk", "renamed_kobo", "two_forms", "bad_zip", "bad_xlsx", "not_utf8", "empty", "no_parent"],
)
def test_an_export_that_cannot_be_read_is_one_clear_error_and_writes_nothing(
    make: Callable[[Path], Path], said: str, tmp_path: Path
) -> None:
    path = make(tmp_path)
    with pytest.raises(DataError, match=said):
        ingest_answers(path, store_dir=tmp_path / "store", rules=RULES)
    assert store_snapshot(tmp_path / "store") == {}
    assert read_layer(tmp_path / "store", RULES) is None


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        ingest_answers(tmp_path / "nowhere.zip", store_dir=tmp_path / "store", rules=RULES)


@pytest.mark.parametrize("flavour", ["odk", "kobo"])
def test_a_question_a_team_added_is_read_and_listed(flavour: str, tmp_path: Path) -> None:
    column = "safety-safe_bus" if flavour == "odk" else "safety/safe_bus"
    people = [_person(extra={column: "very_safe"}), _person(extra={column: "very_unsafe"})]
    write = odk_zip if flavour == "odk" else kobo_xlsx
    rep = ingest_answers(
        write(tmp_path / f"added.{'zip' if flavour == 'odk' else 'xlsx'}", people),
        store_dir=tmp_path / "s",
        rules=RULES,
    )
    assert rep["rows_kept"] == 2
    assert rep["not_in_questionnaire"] == [column]
    layer = read_layer(tmp_path / "s", RULES)
    assert not any("safe_bus" in str(c) for c in layer.columns)
    assert set(_by_id(layer)) == {p["submission_id"] for p in people}


def _edited(path: Path, person: dict[str, Any], version: str, mark: dict[str, Any] | None = None) -> Path:
    """ODK Central's export of a submission edited on the server: ``meta-instanceID`` is the latest version's id,
    ``KEY`` (and the repeat's ``PARENT_KEY``) the submission's own."""
    main, repeat = odk_tables([person], [mark] if mark else [])
    main[0].update({"meta-instanceID": f"uuid:{version}", "Edits": "1", "ReviewState": "edited"})
    return write_odk_zip(path, main, repeat)


def test_a_submission_edited_on_the_server_keeps_its_marks_and_is_not_counted_twice(tmp_path: Path) -> None:
    person = _person()
    first = _edited(tmp_path / "one.zip", person, sid(), _mark(person, (-118.2931, 33.9788)))
    rep = ingest_answers(first, store_dir=tmp_path / "s", rules=RULES)
    assert (rep["rows_kept"], rep["dropped"]) == (2, {})
    layer = read_layer(tmp_path / "s", RULES)
    assert set(_by_id(layer)) == {person["submission_id"]}
    again = ingest_answers(_edited(tmp_path / "two.zip", person, sid()), store_dir=tmp_path / "s", rules=RULES)
    assert again["last_ingest"]["dropped"] == {"duplicate_submission": 1}
    assert again["written"] is False


def test_a_form_id_with_hyphens_is_read(tmp_path: Path) -> None:
    person = _person()
    path = odk_zip(tmp_path / "h.zip", [person], [_mark(person, (-118.2931, 33.9788))], form_id="csp-assessment-2026")
    assert looks_like_survey(path)
    rep = ingest_answers(path, store_dir=tmp_path / "s", rules=RULES)
    assert (rep["rows_kept"], rep["dropped"]) == (2, {})


def test_a_zip_with_another_repeat_beside_the_marks_is_read(tmp_path: Path) -> None:
    person = _person()
    main, repeat = odk_tables([person], [_mark(person, (-118.2931, 33.9788))])
    more = {"csp_assessment-household.csv": b"member_age,PARENT_KEY,KEY\n34,uuid:x,uuid:x/household[1]\n"}
    path = write_odk_zip(tmp_path / "r.zip", main, repeat, more=more)
    assert looks_like_survey(path)
    assert ingest_answers(path, store_dir=tmp_path / "s", rules=RULES)["rows_kept"] == 2


def test_looks_like_survey_tells_an_export_from_other_files(demo: Rows, tmp_path: Path) -> None:
    rows = (demo[0][:3], [])
    for shape in ("odk_zip", "odk_csv", "kobo_xlsx"):
        assert looks_like_survey(_export(shape, tmp_path / shape, rows)), shape
    assert not looks_like_survey(lapd_file(tmp_path / "lapd.csv"))
    (tmp_path / "header.csv").write_text("DR_NO,Date Rptd,DATE OCC,TIME OCC,Crm Cd,LAT,LON\n")
    assert not looks_like_survey(tmp_path / "header.csv")
    assert not looks_like_survey(_garbage("broken.zip", b"PK\x03\x04 nope")(tmp_path))
    assert not looks_like_survey(_garbage("broken.xlsx", b"nope")(tmp_path))
    assert not looks_like_survey(tmp_path / "absent.csv")
    consent_only = tmp_path / "consent.csv"
    consent_only.write_text("consent,name\nyes,x\n")  # a consent column alone is not an export: no submission id
    assert not looks_like_survey(consent_only)


# --- paper ---------------------------------------------------------------------------------------------------------


def _paper_answers(**changes: Any) -> dict[str, Any]:
    answers = {k: v for k, v in _person().items() if k in ANSWERS}
    answers.update(changes)
    return answers


def test_a_paper_questionnaire_is_added_with_its_marked_place(tmp_path: Path) -> None:
    store = tmp_path / "store"
    place = {"point": (-118.2931, 33.9788), "mark_kind": "avoid", "mark_reason": "shootings"}
    answers = _paper_answers(concerns="lighting gangs")  # in any order: stored in form order
    rep = add_paper(answers, day=dt.date(2024, 11, 20), places=[place], store_dir=store, rules=RULES)
    assert rep["written"] is True
    _assert_adds_up(rep)
    layer = read_layer(store, RULES)
    (person,) = _by_id(layer).values()
    assert person["source"] == "paper"
    assert person["wave"] == "2024-Q4"
    assert person["concerns"] == "gangs lighting"
    assert {q: _text(person[q]) for q in ANSWERS if q != "concerns"} == {
        q: _text(answers.get(q)) for q in ANSWERS if q != "concerns"
    }
    (mark,) = marks(layer).itertuples()
    assert (mark.submission_id, mark.mark_kind, mark.mark_reason) == (person["submission_id"], "avoid", "shootings")
    assert (mark.geometry.x, mark.geometry.y) == pytest.approx(place["point"])
    # a second paper entry and an export add to it
    add_paper(_paper_answers(), day=dt.date(2024, 11, 21), store_dir=store, rules=RULES)
    rep = ingest_answers(odk_zip(tmp_path / "e.zip", [_person()]), store_dir=store, rules=RULES)
    assert len(respondents(read_layer(store, RULES))) == 3
    _assert_adds_up(rep)


@pytest.mark.parametrize(
    ("answers", "places", "said"),
    [
        (_paper_answers(safe_night="kinda_safe"), [], "safe_night: 'kinda_safe' is not one of its answers"),
        (_paper_answers(respect=None), [], "respect: must be answered"),
        (_paper_answers(favourite_colour="blue"), [], "favourite_colour: not a question"),
        (
            _paper_answers(),
            [{"point": (-118.2931, 33.9788), "mark_kind": "avoid", "mark_reason": "aliens"}],
            "mark_reason",
        ),
        (_paper_answers(), [{"point": (-118.2931, 33.9788), "mark_kind": "avoid"}], "mark_reason: must be answered"),
        (_paper_answers(), [{"point": FAR, "mark_kind": "avoid", "mark_reason": "dark"}], "mark_point"),
        (_paper_answers(), [{"point": None, "mark_kind": "avoid", "mark_reason": "dark"}], "mark_point"),
    ],
    ids=["not_in_list", "required", "unknown", "mark_reason", "mark_reason_missing", "mark_far", "mark_no_point"],
)
def test_a_bad_paper_questionnaire_is_refused_naming_the_question(
    answers: dict[str, Any], places: list[dict[str, Any]], said: str, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    with pytest.raises(DataError, match=said):
        add_paper(answers, day=dt.date(2024, 11, 20), places=places, store_dir=store, rules=RULES)
    assert store_snapshot(store) == {}


def test_a_paper_questionnaire_outside_every_wave_is_refused(tmp_path: Path) -> None:
    rules = SurveySettings(waves=(SurveyWave(name="Spring", start=dt.date(2024, 3, 1), end=dt.date(2024, 5, 31)),))
    with pytest.raises(DataError, match="in no configured survey wave"):
        add_paper(_paper_answers(), day=dt.date(2024, 11, 20), store_dir=tmp_path / "s", rules=rules)
    assert store_snapshot(tmp_path / "s") == {}


# --- the command line ----------------------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Path:
    """A store of this test's own (no team workspace of data/cache is read)."""
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path / "workspace"))
    use_config(None)
    return tmp_path / "store"


def _json_out(capsys: pytest.CaptureFixture[str]) -> Any:
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return json.loads(out.strip().splitlines()[-1])


def test_the_command_line_ingests_an_export_and_prints_scores_as_they_may_be_shown(
    demo: Rows, cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people, marked = _copy(demo)
    path = odk_zip(tmp_path / "wave.zip", people, marked)
    assert main(["ingest", str(path), "--store", str(cli)]) == 0
    printed = _json_out(capsys)
    assert printed["layer"] == RULES.layer
    assert printed["written"] is True
    assert printed["last_ingest"]["rows_in"] == len(people) + len(marked)
    assert printed["last_ingest"]["rows_kept"] == len(people) + len(marked)

    assert main(["ingest", str(path), "--store", str(cli)]) == 0  # again: nothing new
    out, err = capsys.readouterr()
    assert json.loads(out)["written"] is False
    assert "nothing new" in err

    assert main(["survey", "scores", "--store", str(cli), "--json"]) == 0
    records = _json_out(capsys)
    minimum = RULES.min_responses
    assert {r["wave"] for r in records} == {"2024-Q3", "2024-Q4"}
    hidden = [r for r in records if r["status"] != "shown"]
    shown = [r for r in records if r["status"] == "shown" and (r["respondents"] or 0) > 0]
    assert hidden, "the slice should leave some area under the minimum"
    assert shown, "and some area above it"
    for r in hidden:
        assert r["respondents"] is None
        for m in MEASURES:
            assert all(r[f"{m}{s}"] is None for s in ("", "_low", "_high", "_n", "_unweighted", "_change")), (r, m)
    for r in shown:
        assert r["respondents"] >= minimum
        for m in MEASURES:
            assert (r[m] is None) == (r[f"{m}_n"] is None)
            if r[m] is not None:
                assert r[f"{m}_n"] >= minimum
                assert r[f"{m}_n"] <= r["respondents"]


def test_the_command_line_ingests_a_kobo_export_and_still_an_lapd_file(
    cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = [_person(), _person()]
    assert main(["ingest", str(kobo_xlsx(tmp_path / "k.xlsx", people)), "--store", str(cli)]) == 0
    assert _json_out(capsys)["last_ingest"]["rows_kept"] == 2
    assert main(["ingest", str(lapd_file(tmp_path / "lapd.csv")), "--store", str(cli)]) == 0
    printed = _json_out(capsys)
    assert printed["layer"] != RULES.layer
    assert "last_ingest" not in printed
    assert len(respondents(read_layer(cli, RULES))) == 2


def test_the_command_line_says_why_a_broken_export_is_refused(
    cli: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _renamed_odk(tmp_path)
    assert main(["ingest", str(path), "--store", str(cli), "--kind", "survey"]) == 2
    err = capsys.readouterr().err
    assert "safe_night" in err
    assert "Traceback" not in err
    assert store_snapshot(cli) == {}
