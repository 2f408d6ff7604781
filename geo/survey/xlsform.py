"""The assessment as an XLSForm (ODK, KoboToolbox, Enketo), and the check of a form edited by hand.

:func:`write_form` writes the questionnaire of :mod:`geo.survey.questions` as an XLSForm workbook (sheets
``survey``, ``choices`` and ``settings``) with English and Spanish labels from the message catalogs, and
converts it with ``pyxform`` (the converter ODK Central and KoboToolbox use) before returning, so a form that
would not load on a phone never leaves this module. :func:`check_form` reads a form somebody edited: it must
convert with ``pyxform`` (its message, which names the row, is passed on), and every question the scores,
the weighting and the marks need must still be there with its answer list; added questions are allowed and
listed (their answers are not read).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from geo.core.errors import DataError
from geo.core.i18n import LANGS, t
from geo.survey.questions import (
    CHOICES,
    FORM_ID,
    FORM_VERSION,
    GROUPS,
    MARK_QUESTIONS,
    MARKS,
    QUESTIONS,
    Question,
)

LANGUAGE_NAMES = {"en": "English (en)", "es": "Español (es)"}
ASKED = "${consent} = 'yes'"
"""Every group is asked only of a person who agreed to answer."""
_APPEARANCE = {"geopoint": "placement-map", "select_multiple": "minimal"}
MAX_CONCERNS = 3


def _labels(key: str) -> list[str]:
    return [t(key, lang) for lang in LANGS]


def _question_row(q: Question) -> list[Any]:
    kind = f"{q.kind} {q.choices}" if q.choices else q.kind
    constraint = f"count-selected(.) <= {MAX_CONCERNS}" if q.name == "concerns" else ""
    if q.name == "services_used" or q.name == "services_wanted":
        constraint = "not(selected(., 'none')) or count-selected(.) = 1"
    return [
        kind,
        q.name,
        *_labels(f"survey.q.{q.name}"),
        "yes" if q.required else "",
        q.relevant or "",
        _APPEARANCE.get(q.kind, ""),
        constraint,
    ]


def survey_rows() -> Iterator[list[Any]]:
    """The ``survey`` sheet's rows after its header, in form order (groups as begin/end pairs)."""
    blank = ["", "", ""]
    yield ["start", "start", *["" for _ in LANGS], "", "", "", ""]
    yield ["end", "end", *["" for _ in LANGS], "", "", "", ""]
    group: str | None = None
    for q in QUESTIONS:
        if q.group != group:
            if group is not None:
                yield ["end_group", "", *["" for _ in LANGS], *blank, ""]
            if q.group is not None:
                yield ["begin_group", q.group, *_labels(f"survey.group.{q.group}"), "", ASKED, "field-list", ""]
            group = q.group
        yield _question_row(q)
    if group is not None:
        yield ["end_group", "", *["" for _ in LANGS], *blank, ""]
    yield ["begin_repeat", MARKS, *_labels(f"survey.group.{MARKS}"), "", ASKED, "", ""]
    for q in MARK_QUESTIONS:
        yield _question_row(q)
    yield ["end_repeat", "", *["" for _ in LANGS], *blank, ""]


def _header(first: Sequence[str], *extra: str) -> list[str]:
    return [*first, *(f"label::{LANGUAGE_NAMES[lang]}" for lang in LANGS), *extra]


def workbook() -> Workbook:
    """The XLSForm workbook of the assessment (not yet converted)."""
    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(_header(("type", "name"), "required", "relevant", "appearance", "constraint"))
    for row in survey_rows():
        survey.append(row)
    choices = book.create_sheet("choices")
    choices.append(_header(("list_name", "name")))
    for list_name, names in CHOICES.items():
        for name in names:
            choices.append([list_name, name, *_labels(f"survey.c.{list_name}.{name}")])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([t("survey.title", "en"), FORM_ID, FORM_VERSION, LANGUAGE_NAMES["en"]])
    return book


def _convert(path: Path) -> Any:
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    try:
        return convert(xlsform=str(path), warnings=[])
    except (PyXFormError, ValueError, KeyError) as exc:
        msg = f"{path.name} is not a valid XLSForm: {exc}"
        raise DataError(msg) from exc


def write_form(out: str | Path) -> Path:
    """Write the assessment's XLSForm to ``out`` (``.xlsx``) and check it converts with ``pyxform``.

    Raises
    ------
    DataError
        ``out`` is not an ``.xlsx`` path or cannot be written; the form does not convert.
    """
    path = Path(out)
    if path.suffix.lower() != ".xlsx":
        msg = f"an XLSForm is an .xlsx workbook; {path.name} is not (write it as {path.stem}.xlsx)"
        raise DataError(msg)
    try:
        workbook().save(path)
    except OSError as exc:
        msg = f"cannot write {path}: {exc}"
        raise DataError(msg) from exc
    _convert(path)
    return path


def _sheet_rows(path: Path, sheet: str) -> list[dict[str, str]]:
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError) as exc:
        msg = f"cannot read {path.name} as a workbook: {exc}"
        raise DataError(msg) from exc
    if sheet not in book.sheetnames:
        msg = f"{path.name} has no {sheet!r} sheet (sheets: {', '.join(book.sheetnames)})"
        raise DataError(msg)
    rows = list(book[sheet].iter_rows(values_only=True))
    if not rows:
        return []
    head = [str(h or "").strip() for h in rows[0]]
    return [{h: str(v).strip() for h, v in zip(head, r, strict=False) if h and v is not None} for r in rows[1:]]


def _type_of(text: str) -> tuple[str, str | None]:
    """A survey row's type and its answer list: ``select_one safe4 or_other`` is a select_one of ``safe4`` (pyxform
    also reads ``select one safe4``)."""
    words = text.split()
    if len(words) >= 2 and words[0] == "select" and words[1] in ("one", "multiple"):
        words = [f"select_{words[1]}", *words[2:]]
    return (words[0] if words else ""), (words[1] if len(words) > 1 else None)


def check_form(path: str | Path) -> list[str]:
    """Check a hand-edited XLSForm: it converts, and every question and answer the product reads is there.

    Returns the names of questions the form adds (asked in the field, not read by the product).

    Raises
    ------
    DataError
        The form does not convert (pyxform's message, naming the row), or a question the product reads
        is missing, has changed type, or lost an answer from its list (each named).
    """
    path = Path(path)
    _convert(path)
    survey = {r["name"]: r for r in _sheet_rows(path, "survey") if r.get("name")}
    choices: dict[str, set[str]] = {}
    for r in _sheet_rows(path, "choices"):
        choices.setdefault(r.get("list_name", ""), set()).add(r.get("name", ""))
    problems = []
    for q in (*QUESTIONS, *MARK_QUESTIONS):
        row = survey.get(q.name)
        if row is None:
            problems.append(f"the question {q.name!r} is missing (renamed or deleted)")
            continue
        kind, listed = _type_of(row.get("type", ""))
        if kind != q.kind:
            problems.append(f"{q.name!r} is a {row.get('type') or 'question of no type'}; it must be a {q.kind}")
        elif q.choices:
            lost = sorted(set(CHOICES[q.choices]) - choices.get(listed or "", set()))
            if lost:
                problems.append(f"{q.name!r} lost the answers {', '.join(lost)} from its list {listed!r}")
    if problems:
        msg = f"{path.name} cannot be read with the assessment's answers: " + "; ".join(problems)
        raise DataError(msg)
    known = {q.name for q in (*QUESTIONS, *MARK_QUESTIONS)} | {*GROUPS, MARKS, "start", "end"}
    return sorted(n for n in survey if n not in known)
