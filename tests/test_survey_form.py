"""The assessment's XLSForm: written from the questionnaire, converted by pyxform, and a hand-edited copy checked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pyxform.xls2xform import convert

from geo.cli import main
from geo.core.errors import DataError
from geo.core.i18n import LANGS, t
from geo.survey.questions import CHOICES, FORM_ID, GROUPS, MARK_QUESTIONS, MARKS, QUESTIONS, Question
from geo.survey.xlsform import check_form, write_form

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "geo" / "core" / "locales"
XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
EVERY = (*QUESTIONS, *MARK_QUESTIONS)


@pytest.fixture(scope="module")
def form(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_form(tmp_path_factory.mktemp("form") / "assessment.xlsx")


@pytest.fixture(scope="module")
def xform(form: Path) -> ET.Element:
    warnings: list[str] = []
    result = convert(xlsform=str(form), warnings=warnings)
    assert warnings == []
    return ET.fromstring(result.xform)


def _path(q: Question) -> str:
    return "/".join(p for p in (q.group, q.name) if p)


def _binds(xform: ET.Element) -> dict[str, dict[str, str]]:
    """Each bind's attributes by its node path below the root (``safety/safe_day``)."""
    out = {}
    for bind in xform.iter(f"{XF}bind"):
        path = bind.attrib["nodeset"].split("/", 2)[2]
        out[path] = dict(bind.attrib)
    return out


def _labels(xform: ET.Element) -> dict[str, dict[str, str]]:
    """Label texts by language and text id."""
    out: dict[str, dict[str, str]] = {}
    for translation in xform.iter(f"{XF}translation"):
        texts = out.setdefault(translation.attrib["lang"], {})
        for text in translation.iter(f"{XF}text"):
            value = text.find(f"{XF}value")
            texts[text.attrib["id"]] = "".join(value.itertext()) if value is not None else ""
    return out


# --- the written form ------------------------------------------------------------------------------------------


def test_the_written_form_has_every_question_with_its_type_and_condition(xform: ET.Element) -> None:
    binds = _binds(xform)
    for q in QUESTIONS:
        assert _path(q) in binds, q.name
        if q.required:
            assert binds[_path(q)].get("required") == "true()", q.name
        if q.relevant:
            assert "/consent" in binds[_path(q)].get("relevant", "") or "/concerns" in binds[_path(q)]["relevant"]
    for q in MARK_QUESTIONS:
        assert f"{MARKS}/{q.name}" in binds, q.name
        assert binds[f"{MARKS}/{q.name}"].get("required") == "true()"
    assert binds["home"]["type"] == "geopoint"
    assert binds[f"{MARKS}/mark_point"]["type"] == "geopoint"
    assert binds["interview_date"]["type"] == "date"
    assert "count-selected" in binds["worries/concerns"].get("constraint", "")
    for group in (*GROUPS, MARKS):
        # a group is asked only of a person who agreed to answer
        relevant = binds[group].get("relevant", "").replace(" ", "")
        assert relevant.endswith("/consent='yes'"), group
    instance = next(xform.iter(f"{XF}instance"))
    (data,) = list(instance)
    assert data.attrib["id"] == FORM_ID


def test_the_marks_are_a_repeat_and_each_question_is_asked_in_its_place(xform: ET.Element) -> None:
    body = xform.find(f"{H}body")
    assert body is not None
    repeats = [r.attrib["nodeset"].rsplit("/", 1)[-1] for r in body.iter(f"{XF}repeat")]
    assert repeats == [MARKS]
    repeat = next(body.iter(f"{XF}repeat"))
    inside = {el.attrib["ref"].rsplit("/", 1)[-1] for el in repeat.iter() if "ref" in el.attrib}
    assert {q.name for q in MARK_QUESTIONS} <= inside
    asked = [el.attrib["ref"].rsplit("/", 1)[-1] for el in body.iter() if el.tag != f"{XF}group" and "ref" in el.attrib]
    order = [n for n in asked if n in {q.name for q in QUESTIONS}]
    assert order == [q.name for q in QUESTIONS]  # in form order
    groups = [el.attrib["ref"].rsplit("/", 1)[-1] for el in body.iter(f"{XF}group") if "ref" in el.attrib]
    assert [g for g in groups if g in GROUPS] == list(GROUPS)


def test_the_form_speaks_both_languages(xform: ET.Element) -> None:
    labels = _labels(xform)
    assert len(labels) == len(LANGS)
    by_lang = {lang: next(v for k, v in labels.items() if f"({lang})" in k) for lang in LANGS}
    for q in EVERY:
        key = f"/data/{_path(q) if q.group != MARKS else f'{MARKS}/{q.name}'}:label"
        texts = {lang: by_lang[lang].get(key) for lang in LANGS}
        assert texts == {lang: t(f"survey.q.{q.name}", lang) for lang in LANGS}, q.name
    assert by_lang["en"]["/data/safety/safe_night:label"] != by_lang["es"]["/data/safety/safe_night:label"]
    for list_name, names in CHOICES.items():
        for i, name in enumerate(names):
            for lang in LANGS:
                assert by_lang[lang][f"{list_name}-{i}"] == t(f"survey.c.{list_name}.{name}", lang)


def test_every_answer_list_is_in_the_form(xform: ET.Element) -> None:
    lists = {}
    for inst in xform.iter(f"{XF}instance"):
        if "id" in inst.attrib:
            lists[inst.attrib["id"]] = [n.text for n in inst.iter(f"{XF}name")]
    for list_name, names in CHOICES.items():
        assert lists[list_name] == list(names), list_name


def test_the_written_form_passes_its_own_check(form: Path) -> None:
    assert check_form(form) == []


@pytest.mark.parametrize("name", ["assessment.xls", "assessment.csv", "assessment"])
def test_write_form_refuses_a_path_that_is_not_xlsx(name: str, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"\.xlsx"):
        write_form(tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_write_form_says_when_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot write"):
        write_form(tmp_path / "no" / "such" / "folder" / "assessment.xlsx")


# --- a form edited by hand -------------------------------------------------------------------------------------


def _row_of(sheet: Worksheet, column: str, value: str, *, where: tuple[str, str] | None = None) -> int:
    head = [c.value for c in sheet[1]]
    col = head.index(column) + 1
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, col).value == value and (
            where is None or sheet.cell(r, head.index(where[0]) + 1).value == where[1]
        ):
            return r
    raise AssertionError(f"no {column}={value!r} in {sheet.title}")


def _edit(form: Path, out: Path, change: Callable[[Worksheet, Worksheet], None]) -> Path:
    book = load_workbook(form)
    change(book["survey"], book["choices"])
    book.save(out)
    return out


def _set(sheet: Worksheet, row: int, column: str, value: str) -> None:
    head = [c.value for c in sheet[1]]
    sheet.cell(row, head.index(column) + 1).value = value


def _rename(survey: Worksheet, choices: Worksheet) -> None:
    _set(survey, _row_of(survey, "name", "safe_night"), "name", "safe_after_dark")


def _drop_choice(survey: Worksheet, choices: Worksheet) -> None:
    choices.delete_rows(_row_of(choices, "name", "very_unsafe", where=("list_name", "safe4")))


def _retype(survey: Worksheet, choices: Worksheet) -> None:
    _set(survey, _row_of(survey, "name", "respect"), "type", "text")


def _other_list(survey: Worksheet, choices: Worksheet) -> None:
    _set(survey, _row_of(survey, "name", "safe_park"), "type", "select_one agree4")


def _unbalanced(survey: Worksheet, choices: Worksheet) -> None:
    survey.delete_rows(_row_of(survey, "type", "end_group"))


def _bad_reference(survey: Worksheet, choices: Worksheet) -> None:
    _set(survey, _row_of(survey, "name", "concern_other"), "relevant", "selected(${worry}, 'other')")


def _add(survey: Worksheet, choices: Worksheet) -> None:
    at = _row_of(survey, "name", "safe_park") + 1
    survey.insert_rows(at)
    for column, value in (("type", "select_one safe4"), ("name", "safe_bus"), ("label::English (en)", "On the bus")):
        _set(survey, at, column, value)
    more = choices.max_row + 1
    for column, value in (("list_name", "safe4"), ("name", "no_bus"), ("label::English (en)", "I take no bus")):
        _set(choices, more, column, value)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_rename, r"the question 'safe_night' is missing \(renamed or deleted\)"),
        (_drop_choice, r"'safe_day' lost the answers very_unsafe from its list 'safe4'"),
        (_retype, r"'respect' is a text; it must be a select_one"),
        (_other_list, r"'safe_park' lost the answers .*somewhat_safe.* from its list 'agree4'"),
        (_unbalanced, r"is not a valid XLSForm"),
        (_bad_reference, r"is not a valid XLSForm.*worry"),
    ],
    ids=["renamed", "removed_choice", "changed_type", "other_list", "unbalanced_group", "bad_reference"],
)
def test_a_hand_edit_that_breaks_what_is_read_is_refused_naming_it(
    change: Callable[[Worksheet, Worksheet], None], said: str, form: Path, tmp_path: Path
) -> None:
    edited = _edit(form, tmp_path / "edited.xlsx", change)
    with pytest.raises(DataError, match=said):
        check_form(edited)


def test_a_question_added_by_hand_is_allowed_and_listed(form: Path, tmp_path: Path) -> None:
    assert check_form(_edit(form, tmp_path / "added.xlsx", _add)) == ["safe_bus"]


def _other_spellings(survey: Worksheet, choices: Worksheet) -> None:
    _set(survey, _row_of(survey, "name", "safe_park"), "type", "select_one safe4 or_other")
    _set(survey, _row_of(survey, "name", "respect"), "type", "select one agree4")


def test_other_spellings_of_a_select_are_allowed(form: Path, tmp_path: Path) -> None:
    # "or_other" adds an answer to the list; "select one" is pyxform's older spelling of select_one
    assert check_form(_edit(form, tmp_path / "spelt.xlsx", _other_spellings)) == []


def test_a_file_that_is_not_a_form_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(DataError):
        check_form(tmp_path / "notes.xlsx")


# --- the command line --------------------------------------------------------------------------------------------


def test_the_command_line_writes_and_checks_the_form(
    form: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    out = tmp_path / "assessment.xlsx"
    assert main(["survey", "form", "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"form": str(out), "ok": True}
    assert check_form(out) == []

    assert main(["survey", "form", "--check", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["added_questions"] == []

    added = _edit(form, tmp_path / "added.xlsx", _add)
    assert main(["survey", "form", "--check", str(added)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["added_questions"] == ["safe_bus"]
    assert "safe_bus" in captured.err

    broken = _edit(form, tmp_path / "broken.xlsx", _rename)
    assert main(["survey", "form", "--check", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "safe_night" in err
    assert "Traceback" not in err

    assert main(["survey", "form"]) == 2  # neither --out nor --check
    assert "--out" in capsys.readouterr().err
    assert main(["survey", "form", "--out", str(tmp_path / "assessment.csv")]) == 2
    assert ".xlsx" in capsys.readouterr().err
    assert not (tmp_path / "assessment.csv").exists()


# --- the words ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_every_question_answer_and_page_has_words_in_both_catalogs(lang: str) -> None:
    words = json.loads((LOCALES / f"{lang}.survey.json").read_text(encoding="utf-8"))
    keys = ["survey.title", *(f"survey.q.{q.name}" for q in EVERY)]
    keys += [f"survey.group.{g}" for g in (*GROUPS, MARKS)]
    keys += [f"survey.c.{list_name}.{name}" for list_name, names in CHOICES.items() for name in names]
    missing = [k for k in keys if not str(words.get(k, "")).strip()]
    assert missing == []
    other = json.loads((LOCALES / f"{'es' if lang == 'en' else 'en'}.survey.json").read_text(encoding="utf-8"))
    assert set(words) == set(other)
    assert all(t(k, lang) == words[k] for k in keys)  # the catalog the form is written from
