"""The survey layer of a store: answers added from exports and from paper, never half-written, never twice.

One layer (``survey.layer``) holds every wave: an ingest reads what is stored, drops submissions already there
(``duplicate_submission``), and publishes the old rows and the new together as one new version of the layer
(data, quarantine and report at once; see :meth:`geo.data.stores.api.LayerStore.write`). Its report adds up
over every ingest: ``rows_in == rows_kept + sum(dropped)`` for the layer as a whole, and ``last_ingest`` holds
the same counts for the file just read. An export that adds nothing (the same wave exported twice) writes
nothing and says so.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataError
from geo.core.settings_sections import SurveySettings
from geo.data.sources import LoadResult
from geo.data.stores import open_store
from geo.survey.answers import KIND, MARK, RESPONDENT, Context, _inside, frame_of, load_answers, wave_of
from geo.survey.questions import CHOICES, MARK_QUESTIONS, check_answer, check_answers

LAST_INGEST = "last_ingest"
HOME_OUTSIDE = "home_outside_area"


def read_layer(store_dir: str | Path, rules: SurveySettings) -> gpd.GeoDataFrame | None:
    """The stored survey layer (respondents and marks), None when the store has none."""
    store = open_store(store_dir)
    if store.report(rules.layer) is None:
        return None
    return store.read(rules.layer)


def respondents(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The respondent rows of a survey layer (empty when there is none)."""
    if layer is None or not len(layer):
        return frame_of([])
    return layer[layer["record"] == RESPONDENT]


def marks(layer: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The marked-place rows of a survey layer (empty when there is none)."""
    if layer is None or not len(layer):
        return frame_of([])
    return layer[layer["record"] == MARK]


def _publish(store_dir: str | Path, rules: SurveySettings, new: LoadResult) -> dict[str, Any]:
    from geo.data.ingest import write_layer

    store = open_store(store_dir)
    before = store.report(rules.layer) or {}
    old = read_layer(store_dir, rules)
    old_q = store.read_quarantine(rules.layer) if before else pd.DataFrame()
    outside = int(new.notes.get(HOME_OUTSIDE) or 0)
    this = {"rows_in": new.rows_in, "rows_kept": new.rows_kept, "dropped": dict(new.dropped), "file": new.origin}
    this[HOME_OUTSIDE] = outside
    if new.rows_kept == 0:
        return {**before, "layer": rules.layer, "written": False, LAST_INGEST: this}
    frame = new.frame if old is None else gpd.GeoDataFrame(pd.concat([old, new.frame], ignore_index=True), crs=old.crs)
    quarantine = pd.concat([old_q, new.quarantine], ignore_index=True).astype(str) if len(old_q) else new.quarantine
    dropped = Counter({str(k): int(v) for k, v in (before.get("dropped") or {}).items()})
    dropped.update(new.dropped)
    notes = {k: v for k, v in new.notes.items() if k not in ("respondents_in", "marks_in")}
    notes[HOME_OUTSIDE] = int(before.get(HOME_OUTSIDE) or 0) + outside
    total = LoadResult(
        KIND,
        new.table,
        new.source,
        new.origin,
        frame,
        quarantine,
        int(before.get("rows_in") or 0) + new.rows_in,
        dict(dropped),
        {**notes, LAST_INGEST: this},
    )
    return {**write_layer(total, store_dir, name=rules.layer), "written": True}


def ingest_answers(path: str | Path, *, store_dir: str | Path, rules: SurveySettings) -> dict[str, Any]:
    """Add an ODK or Kobo export to the survey layer; the report of the layer, with ``last_ingest`` for this file.

    Raises
    ------
    DataError
        The file cannot be read or lacks a question (nothing is written).
    """
    stored = respondents(read_layer(store_dir, rules))
    ctx = Context(rules, frozenset(stored["submission_id"].astype(str)))
    return _publish(store_dir, rules, load_answers(path, ctx))


def add_paper(
    answers: Mapping[str, object],
    *,
    day: dt.date,
    places: Sequence[Mapping[str, object]] = (),
    home: tuple[float, float] | None = None,
    store_dir: str | Path,
    rules: SurveySettings,
) -> dict[str, Any]:
    """Add one paper questionnaire entered at a meeting (the same questions and checks as an export).

    ``places`` are the marked places: each a ``point`` (lon, lat), ``mark_kind`` and ``mark_reason``. ``home``
    (lon, lat) places the answers in an area, as an export's home corner does (never shown); None: in no area.

    Raises
    ------
    DataError
        An answer is missing or not in its list, or the date is in no configured wave (the message names the
        question; nothing is written).
    """
    stored, problems = check_answers(answers)
    if problems:
        raise DataError("; ".join(problems))
    wave = wave_of(day, rules)
    if wave is None:
        msg = f"{day} is in no configured survey wave ({', '.join(w.name for w in rules.waves)})"
        raise DataError(msg)
    home_xy = _lonlat(home) if home is not None else None
    if home is not None and (home_xy is None or not _inside(home_xy)):
        msg = f"home: {home!r} is not a place in Los Angeles County (give it as lon, lat)"
        raise DataError(msg)
    sid = f"paper-{uuid.uuid4()}"
    row: dict[str, object] = {"record": RESPONDENT, "submission_id": sid, "source": "paper", **stored}
    row.update(wave=wave[0], wave_start=wave[1], point=home_xy)
    rows = [row]
    for place in places:
        xy = _lonlat(place.get("point"))
        if xy is None or not _inside(xy):  # the checks of an export's marks (mark_no_coordinates, mark_outside_area)
            msg = f"mark_point: {place.get('point')!r} is not a place in Los Angeles County (give it as lon, lat)"
            raise DataError(msg)
        mark: dict[str, object] = {"record": MARK, "submission_id": sid, "source": "paper", "point": xy}
        mark.update(wave=wave[0], wave_start=wave[1])
        for q in MARK_QUESTIONS[1:]:
            try:
                mark[q.name] = check_answer(q, place.get(q.name))
            except ValueError as exc:
                raise DataError(str(exc)) from exc
            if mark[q.name] is None:
                msg = f"{q.name}: must be answered for every marked place"
                raise DataError(msg)
        rows.append(mark)
    frame = frame_of(rows)
    result = LoadResult(
        KIND, "survey", "residents' assessment (paper)", "paper", frame, pd.DataFrame(), len(rows), {}, {}
    )
    return _publish(store_dir, rules, result)


def _lonlat(point: object) -> tuple[float, float] | None:
    try:
        x, y = (float(v) for v in point)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return None
    return (x, y) if math.isfinite(x) and math.isfinite(y) else None


NO_ANSWERS = (
    "no residents' answers yet: ingest an ODK or Kobo export of the assessment (python -m geo ingest EXPORT), "
    "or write its form with python -m geo survey form --out assessment.xlsx"
)


class NoAnswers(DataError):
    """No residents' answers may be shown: none in the store, and the demo's may not stand in (``demo_refused``)."""

    def __init__(self, message: str, *, demo_refused: bool) -> None:
        super().__init__(message)
        self.demo_refused = demo_refused


def is_synthetic(layer: gpd.GeoDataFrame) -> bool:
    """Whether every answer of ``layer`` is synthetic (the demo wave's); an empty layer is not."""
    return len(layer) > 0 and "synthetic" in layer.columns and bool(layer["synthetic"].fillna(False).astype(bool).all())


def survey_of(
    store_dir: str | Path, rules: SurveySettings, fallback: str | Path | None, *, beside_synthetic: bool
) -> tuple[gpd.GeoDataFrame, bool, str]:
    """The answers to show: the store's survey layer, else ``fallback`` (the demo's synthetic wave).

    **No synthetic answers beside real data** (one rule, owned here, read by the Community page, the Map page's
    layer of marks, the handout's "Residents say" and ``python -m geo survey scores``): synthetic answers are
    shown only beside synthetic incidents (``beside_synthetic``); with real incidents and no answers in the store,
    there is nothing to show. Returns the layer, whether it is synthetic and where it came from (for the source line).

    Raises
    ------
    DataError
        No answers may be shown (the message says how to get them), or the file cannot be read.
    """
    stored = read_layer(store_dir, rules)
    if stored is not None:
        where = open_store(store_dir).locator(rules.layer)
    elif fallback is not None and Path(fallback).is_file():
        stored, where = gpd.read_parquet(fallback), str(fallback)
    else:
        raise NoAnswers(NO_ANSWERS, demo_refused=False)
    synthetic = is_synthetic(stored)
    if synthetic and not beside_synthetic:
        msg = f"{NO_ANSWERS}; the demo's synthetic answers are shown only beside the demo's synthetic incidents"
        raise NoAnswers(msg, demo_refused=True)
    return stored, synthetic, where


NOT_A_CONCERN = "not_a_concern"
"""The topic a reviewer gives words that name no concern (counted nowhere)."""


def topics() -> tuple[str, ...]:
    """What a reviewer may give a resident's own words: a concern of the list, or "not a concern"."""
    return (*CHOICES["concern"], NOT_A_CONCERN)


def waiting(layer: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """Answers in residents' own words no one has reviewed yet: ``submission_id`` and ``concern_other``, oldest
    wave first. For the team's internal review only: never shown anywhere else."""
    people = respondents(layer)
    words = people["concern_other"].astype("string").str.strip()
    todo = people[words.fillna("").ne("") & people["concern_topic"].isna()]
    return pd.DataFrame(todo.sort_values("wave_start", kind="stable")[["submission_id", "concern_other"]])


def set_topic(submission_id: str, topic: str, *, store_dir: str | Path, rules: SurveySettings) -> dict[str, Any]:
    """Give the words of answer ``submission_id`` a topic (:func:`topics`); the layer is published again whole,
    its rows and accounting unchanged.

    Raises
    ------
    DataError
        The topic is not one of :func:`topics`, or the store holds no such answer with words.
    """
    from geo.data.ingest import write_layer

    if topic not in topics():
        msg = f"{topic!r} is not a topic ({', '.join(topics())})"
        raise DataError(msg)
    store = open_store(store_dir)
    before = store.report(rules.layer)
    layer = read_layer(store_dir, rules)
    if before is None or layer is None:
        raise NoAnswers(NO_ANSWERS, demo_refused=False)
    hit = (layer["record"] == RESPONDENT) & (layer["submission_id"] == submission_id)
    hit &= layer["concern_other"].astype("string").fillna("").str.strip().ne("")
    if not hit.any():
        msg = f"no answer {submission_id!r} with words to review in the survey layer"
        raise DataError(msg)
    layer.loc[hit.to_numpy(), "concern_topic"] = topic
    notes = {k: v for k, v in before.items() if k in (HOME_OUTSIDE, LAST_INGEST, "not_in_questionnaire", "export")}
    result = LoadResult(
        KIND, "survey", str(before.get("source") or KIND), str(before.get("url_or_file") or ""), layer,
        store.read_quarantine(rules.layer), int(before.get("rows_in") or len(layer)),
        {str(k): int(v) for k, v in (before.get("dropped") or {}).items()}, notes,
    )  # fmt: skip
    return write_layer(result, store_dir, name=rules.layer)
