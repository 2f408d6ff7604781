"""The residents' assessment: its questions, their answer lists, what is scored and what is raked (one owner).

Everything that touches the questionnaire reads it from here: the XLSForm writer (:mod:`geo.survey.xlsform`),
the reader of ODK and Kobo exports (:mod:`geo.survey.answers`), the paper-entry form on the Community page
(:func:`check_answers` validates both), the scores (:data:`MEASURES`) and the weighting (:data:`RAKING`).
Words (English and Spanish) live in the message catalogs under ``survey.q.<name>``, ``survey.hint.<name>``
and ``survey.c.<list>.<choice>``; names here are the XLSForm names field teams see in their exports.

The core set follows what the Community Safety Partnership is judged by: whether residents feel safe in the
neighbourhood by day and by night and in the park, whether they trust the partnership officers, are treated
with respect and heard, their top concerns, the services they use or want; then optional demographics in the
Census groups of the population layers (so answers can be weighted to the area's residents), an optional
home corner (it places the answer in an area and is never shown), and a repeat of places the resident avoids
or feels safe in, each with a reason from a list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Kind = Literal["select_one", "select_multiple", "text", "geopoint", "date"]

FORM_ID = "csp_assessment"
FORM_VERSION = "2026120701"
MARKS = "marks"
"""The repeat group of places a resident marks."""


@dataclass(frozen=True, slots=True)
class Question:
    """One question: its XLSForm name, type, answer list, group and whether it must be answered."""

    name: str
    kind: Kind
    choices: str | None = None
    group: str | None = None
    required: bool = False
    relevant: str | None = None
    """An XLSForm condition: the question is asked only when it holds."""


CHOICES: Mapping[str, tuple[str, ...]] = {
    "yes_no": ("yes", "no"),
    "safe4": ("very_safe", "somewhat_safe", "somewhat_unsafe", "very_unsafe", "dont_know"),
    "agree4": ("strongly_agree", "agree", "disagree", "strongly_disagree", "dont_know"),
    "concern": (
        "gun_violence",
        "gangs",
        "drugs",
        "traffic",
        "lighting",
        "dumping",
        "homelessness",
        "police_stops",
        "youth_activities",
        "park_upkeep",
        "other",
    ),
    "service": (
        "youth_programs",
        "summer_night_lights",
        "intervention_workers",
        "victim_services",
        "mental_health",
        "job_training",
        "after_school",
        "none",
    ),
    "age": ("a18_24", "a25_34", "a35_49", "a50_plus", "prefer_not"),
    "sex": ("female", "male", "another", "prefer_not"),
    "ethnicity": ("hispanic", "black", "white", "asian", "another", "prefer_not"),
    "mark_kind": ("avoid", "safe"),
    "reason": (
        "shootings",
        "gangs",
        "dark",
        "dumping",
        "traffic",
        "harassment",
        "empty",
        "people_around",
        "well_lit",
        "staff_present",
        "other",
    ),
}

QUESTIONS: tuple[Question, ...] = (
    Question("consent", "select_one", "yes_no", required=True),
    Question("interview_date", "date", required=True, relevant="${consent} = 'yes'"),
    Question("safe_day", "select_one", "safe4", group="safety", required=True),
    Question("safe_night", "select_one", "safe4", group="safety", required=True),
    Question("safe_park", "select_one", "safe4", group="safety", required=True),
    Question("trust_officers", "select_one", "agree4", group="trust", required=True),
    Question("respect", "select_one", "agree4", group="trust", required=True),
    Question("heard", "select_one", "agree4", group="trust", required=True),
    Question("concerns", "select_multiple", "concern", group="worries"),
    Question("concern_other", "text", group="worries", relevant="selected(${concerns}, 'other')"),
    Question("services_used", "select_multiple", "service", group="services"),
    Question("services_wanted", "select_multiple", "service", group="services"),
    Question("age_group", "select_one", "age", group="about_you"),
    Question("sex", "select_one", "sex", group="about_you"),
    Question("ethnicity", "select_one", "ethnicity", group="about_you"),
    Question("home", "geopoint"),
)
"""The questions in form order; groups are shown to the resident as pages."""

MARK_QUESTIONS: tuple[Question, ...] = (
    Question("mark_point", "geopoint", group=MARKS, required=True),
    Question("mark_kind", "select_one", "mark_kind", group=MARKS, required=True),
    Question("mark_reason", "select_one", "reason", group=MARKS, required=True),
)
"""The questions of the repeat: one place a resident marks."""

GROUPS: tuple[str, ...] = ("safety", "trust", "worries", "services", "about_you")
FREE_TEXT: frozenset[str] = frozenset(q.name for q in (*QUESTIONS, *MARK_QUESTIONS) if q.kind == "text")
"""Questions whose answers are the resident's own words: stored for review, never shown or exported."""

MEASURES: Mapping[str, tuple[str, frozenset[str]]] = {
    "safe_day": ("safe_day", frozenset({"very_safe", "somewhat_safe"})),
    "safe_night": ("safe_night", frozenset({"very_safe", "somewhat_safe"})),
    "safe_park": ("safe_park", frozenset({"very_safe", "somewhat_safe"})),
    "trust_officers": ("trust_officers", frozenset({"strongly_agree", "agree"})),
    "respect": ("respect", frozenset({"strongly_agree", "agree"})),
    "heard": ("heard", frozenset({"strongly_agree", "agree"})),
}
"""Each score: the question and the answers that count as yes. "Don't know" is left out of the share."""
NOT_ANSWERED: frozenset[str] = frozenset({"dont_know", "prefer_not"})

RAKING: Mapping[str, Mapping[str, str]] = {
    "age_group": {"a18_24": "age_18-24", "a25_34": "age_25-34", "a35_49": "age_35-49", "a50_plus": "age_50+"},
    "sex": {"female": "sex_F", "male": "sex_M"},
    "ethnicity": {"hispanic": "descent_H", "black": "descent_B", "white": "descent_W", "asian": "descent_A"},
}
"""Demographic question -> answer -> the population layer's count column of that group (adults only for age).

Answers with no Census group ("another", "prefer not to say") are left out of that question's raking step."""


def by_name() -> dict[str, Question]:
    """Every question (with the repeat's) by its name."""
    return {q.name: q for q in (*QUESTIONS, *MARK_QUESTIONS)}


def choices_of(question: str) -> tuple[str, ...]:
    """The answers of a select question, in form order (none for another kind)."""
    q = by_name()[question]
    return CHOICES[q.choices] if q.choices else ()


def answer_columns() -> tuple[str, ...]:
    """The answer columns a respondent row carries (geopoints are its geometry; the date becomes the wave)."""
    return tuple(q.name for q in QUESTIONS if q.kind not in ("geopoint", "date"))


def check_answer(question: Question, value: object) -> str | None:
    """``value`` as stored (text; a select-multiple as space-separated names), None when empty.

    Raises
    ------
    ValueError
        A choice that is not in the question's list (the message names the question and the value).
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = " ".join(str(v) for v in value) if isinstance(value, list | tuple | set) else str(value).strip()
    if text in ("", "nan", "None"):
        return None
    if question.choices is None:
        return text
    allowed = CHOICES[question.choices]
    picked = text.split() if question.kind == "select_multiple" else [text]
    bad = [p for p in picked if p not in allowed]
    if bad:
        msg = f"{question.name}: {', '.join(repr(b) for b in bad)} is not one of its answers ({', '.join(allowed)})"
        raise ValueError(msg)
    if question.kind == "select_multiple":
        return " ".join(c for c in allowed if c in picked)
    return text


def check_answers(answers: Mapping[str, object]) -> tuple[dict[str, str | None], list[str]]:
    """One respondent's answers validated against the questionnaire: (answers as stored, problems).

    A problem is a sentence naming the question: a required question left empty, an answer not in its list.
    Consent other than "yes" is a problem (nothing else of that person is kept). Unknown names are refused.
    """
    questions = {q.name: q for q in QUESTIONS if q.kind not in ("geopoint", "date")}
    unknown = sorted(set(answers) - set(questions))
    problems = [f"{n}: not a question of the assessment" for n in unknown]
    stored: dict[str, str | None] = {}
    for name, question in questions.items():
        try:
            stored[name] = check_answer(question, answers.get(name))
        except ValueError as exc:
            problems.append(str(exc))
            stored[name] = None
            continue
        if question.required and stored[name] is None:
            problems.append(f"{name}: must be answered")
    if stored.get("consent") not in (None, "yes"):
        problems = ["consent: the person did not agree to take part; nothing of this answer is kept"]
    return stored, problems
