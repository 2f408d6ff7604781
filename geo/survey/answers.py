"""Residents' answers in: ODK Central and KoboToolbox exports of the assessment, read with every row accounted for.

Shapes read (the field teams' own downloads, unchanged):

- **ODK Central**: the "All data and Attachments" ``.zip`` (``<form>.csv`` and ``<form>-marks.csv``, the repeat of
  marked places, joined by ``PARENT_KEY``), or the main ``.csv`` alone (a ``<stem>-marks.csv`` beside it is read
  too). Groups are joined with ``-`` (``safety-safe_day``); a geopoint is four columns (``home-Latitude``,
  ``home-Longitude``, ``home-Altitude``, ``home-Accuracy``); the id is ``KEY``/``meta-instanceID``; ``ReviewState``,
  ``SubmitterName`` and ``SubmissionDate`` come with every row.
- **KoboToolbox**: the ``.xlsx`` export with XML values and headers (the first sheet, and a ``marks`` sheet joined by
  ``_submission__uuid``). Groups are joined with ``/``; a geopoint is its text column plus ``_home_latitude``,
  ``_home_longitude``...; a select-multiple is its space-separated column plus one 0/1 column per answer (read
  when the first is absent); ``_uuid``, ``_submission_time``, ``_validation_status`` and ``_submitted_by`` come
  with every row.

Columns are matched by the question names of :mod:`geo.survey.questions` whatever their group path; questions a team
added are listed, not read. A question the product reads that is missing refuses the whole file, naming it and the
nearest column (a renamed question). Each respondent row is kept or dropped with the first reason that applies:
``no_submission_id``, ``test_submission`` (a submitter or device named like ``survey.test_names``, or dated before
``survey.collect_from``), ``rejected_in_review``, ``no_consent``, ``duplicate_submission`` (in the file, or already in
the survey layer), ``bad_answer`` (an answer not in its list, a required answer missing: the quarantine names the
question), ``no_date``. Each marked place: ``mark_of_dropped_answer``, ``mark_no_coordinates``, ``mark_outside_area``
(outside Los Angeles County), ``mark_bad_answer``. A home corner outside the county is removed from a kept answer
(counted in the report), never a reason to lose the answers.

What is stored (one layer, so answers and their marks are published together or not at all): a row per respondent
(``record`` = ``respondent``, answers as text, the wave, the home corner as geometry when given) and a row per
marked place (``record`` = ``mark``, its kind and reason, its point). Nothing finer than the wave is kept of when
someone answered. Free text stays in the layer for the team's review and never leaves it; the quarantine keeps no
free text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.errors import DataError
from geo.core.projection import WGS84
from geo.core.settings_sections import SurveySettings
from geo.data.sources import LA_COUNTY_BBOX, LoadResult
from geo.survey.questions import (
    FREE_TEXT,
    MARK_QUESTIONS,
    MARKS,
    QUESTIONS,
    Question,
    check_answer,
)

KIND = "survey"
RESPONDENT, MARK = "respondent", "mark"
SOURCES = ("odk", "kobo", "paper")
_GEO_PART = {"latitude": "lat", "longitude": "lon"}
_KOBO_GEO = re.compile(r"^(?P<q>.+)_(?P<part>latitude|longitude|altitude|precision)$")
_SEP = re.compile(r"[/\-]")
ID_COLUMNS = ("KEY", "instanceID", "_uuid")
SUBMISSION_IDS = ("KEY", "_uuid")
PARENT_COLUMNS = ("PARENT_KEY", "_submission__uuid")
SUBMITTED_COLUMNS = ("SubmissionDate", "_submission_time", "today", "start")
WHO_COLUMNS = ("SubmitterName", "_submitted_by", "DeviceID", "deviceid")
REVIEW_COLUMNS = ("ReviewState", "_validation_status")
REJECTED = ("rejected", "not_approved", "not approved")
BOOKKEEPING = frozenset(
    {"end", "SubmitterID", "AttachmentsPresent", "AttachmentsExpected", "Status", "Edits", "FormVersion"}
)
"""Columns every ODK Central export carries (and the form's own ``end``): neither answers nor questions a team added
(nor are the ``meta`` group's)."""
STORED_COLUMNS = ("record", "submission_id", "source", "wave", "wave_start", "concern_topic")


@dataclass
class Export:
    """The tables of one export file: the respondents, their marked places (None when the file has none)."""

    main: pd.DataFrame
    marks: pd.DataFrame | None
    source: str
    origin: str


@dataclass
class Columns:
    """Which column of an export holds each question, geopoint part and bookkeeping field."""

    answers: dict[str, str] = field(default_factory=dict)
    points: dict[str, dict[str, str]] = field(default_factory=dict)
    split: dict[str, dict[str, str]] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    other: list[str] = field(default_factory=list)


def _read_csv(data: bytes | Path, what: str) -> pd.DataFrame:
    try:
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        return pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        msg = f"cannot read {what} as a CSV export: {exc}"
        raise DataError(msg) from exc


def _main_csvs(names: Sequence[str]) -> list[str]:
    """The main tables among the CSVs of an ODK Central zip: not the marks, and not named ``<another's stem>-<repeat>``
    (a form id may itself hold ``-`` or ``_``)."""
    csvs = [m for m in names if m.lower().endswith(".csv")]
    stems = {Path(m).stem for m in csvs}
    return [
        m
        for m in csvs
        if not Path(m).stem.endswith(f"-{MARKS}") and not any(Path(m).stem.startswith(f"{s}-") for s in stems)
    ]


def _from_zip(path: Path) -> Export:
    try:
        with zipfile.ZipFile(path) as archive:
            members = {m: archive.read(m) for m in archive.namelist() if m.lower().endswith(".csv")}
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"{path.name} is not a readable .zip archive ({exc})"
        raise DataError(msg) from exc
    main = _main_csvs(list(members))
    repeat = [m for m in members if main and Path(m).stem == f"{Path(main[0]).stem}-{MARKS}"]
    if len(main) != 1:
        msg = (
            f"{path.name} should hold one export of the assessment and its {MARKS!r} repeat (ODK Central's "
            f"'All data' download); it holds {sorted(members) or 'no CSV'}"
        )
        raise DataError(msg)
    marks = _read_csv(members[repeat[0]], repeat[0]) if repeat else None
    return Export(_read_csv(members[main[0]], main[0]), marks, "odk", str(path))


def _from_xlsx(path: Path) -> Export:
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        msg = f"cannot read {path.name} as a workbook: {exc}"
        raise DataError(msg) from exc
    if not sheets:
        msg = f"{path.name} has no sheet"
        raise DataError(msg)
    names = list(sheets)
    marks = sheets.get(MARKS)
    return Export(sheets[names[0]], marks, "kobo", str(path))


def read_export(path: str | Path) -> Export:
    """The tables of an ODK Central (.zip or .csv) or KoboToolbox (.xlsx) export of the assessment."""
    path = Path(path)
    if not path.is_file():
        msg = f"{path} does not exist or is not a file"
        raise DataError(msg)
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return _from_zip(path)
    if suffix in (".xlsx", ".xlsm"):
        return _from_xlsx(path)
    main = _read_csv(path, path.name)
    sibling = path.with_name(f"{path.stem}-{MARKS}{path.suffix}")
    marks = _read_csv(sibling, sibling.name) if sibling.is_file() else None
    source = "kobo" if "_uuid" in main.columns else "odk"
    return Export(main, marks, source, str(path))


def _header(path: Path) -> list[str]:
    suffix = path.suffix.lower()
    if suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            names = _main_csvs(archive.namelist())
            if len(names) != 1:
                return []
            with archive.open(names[0]) as handle:
                return list(pd.read_csv(handle, nrows=0, dtype=str, encoding="utf-8-sig").columns)
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        first = next(book.worksheets[0].iter_rows(max_row=1, values_only=True), ())
        return [str(v) for v in first if v is not None]
    return list(pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8-sig").columns)


def looks_like_survey(path: str | Path) -> bool:
    """Whether ``path`` is an export of the assessment: its header has the consent question and a submission id."""
    try:
        header = _header(Path(path))
    except (OSError, ValueError, KeyError, UnicodeDecodeError, zipfile.BadZipFile, pd.errors.ParserError):
        return False
    cols = columns_of(header, QUESTIONS)
    return "consent" in cols.answers and "id" in cols.meta


def _segments(column: str) -> list[str]:
    return [s for s in _SEP.split(column.strip().lstrip("_")) if s]


def _asked(column: str, segs: Sequence[str]) -> bool:
    """Whether a column no question of the assessment matched is a question (one a team added to the form)."""
    if column.startswith("_") or not segs or column in BOOKKEEPING or segs[0] == "meta":
        return False
    return segs[-1].lower() not in ("altitude", "accuracy")


def columns_of(names: Sequence[str] | pd.Index, questions: Sequence[Question]) -> Columns:
    """Which columns hold which question (by name, whatever the group path) and which bookkeeping field."""
    known = {q.name: q for q in questions}
    out = Columns()
    for column in map(str, names):
        segs = _segments(column)
        last = segs[-1] if segs else ""
        if column in ID_COLUMNS or last == "instanceID":
            # KEY (ODK Central) and _uuid (Kobo) name the submission, as its repeats' parent keys do; meta-instanceID
            # names its latest version (another id once the submission was edited in Central)
            out.meta["id"] = column if column in SUBMISSION_IDS or "id" not in out.meta else out.meta["id"]
        elif column in PARENT_COLUMNS:
            out.meta.setdefault("parent", column)
        elif column in SUBMITTED_COLUMNS:
            out.meta.setdefault(f"when:{column}", column)
        elif column in WHO_COLUMNS:
            out.meta.setdefault(f"who:{column}", column)
        elif column in REVIEW_COLUMNS:
            out.meta.setdefault("review", column)
        elif last in known:
            out.answers.setdefault(last, column)
        elif len(segs) >= 2 and segs[-2] in known and last.lower() in _GEO_PART:
            out.points.setdefault(segs[-2], {})[_GEO_PART[last.lower()]] = column
        elif (m := _KOBO_GEO.match(last)) and m["q"] in known:
            if m["part"] in _GEO_PART:
                out.points.setdefault(m["q"], {})[_GEO_PART[m["part"]]] = column
        elif len(segs) >= 2 and segs[-2] in known and known[segs[-2]].kind == "select_multiple":
            out.split.setdefault(segs[-2], {})[last] = column
        elif _asked(column, segs):
            out.other.append(column)
    return out


def _missing(
    cols: Columns, questions: Sequence[Question], names: Sequence[str], what: str, *, need_id: bool = True
) -> None:
    needed = [q for q in questions if q.kind not in ("text", "date") and (q.required or q.kind != "geopoint")]
    missing = []
    for q in needed:
        present = q.name in cols.points if q.kind == "geopoint" else q.name in cols.answers or q.name in cols.split
        if not present:
            near = difflib.get_close_matches(q.name, [_segments(n)[-1] if _segments(n) else n for n in names], n=1)
            missing.append(f"{q.name!r}" + (f" (is {near[0]!r} it, renamed?)" if near else ""))
    if need_id and "id" not in cols.meta:  # a repeat's rows name their parent instead (Kobo's have no id)
        missing.append("a submission id (KEY, meta-instanceID or _uuid)")
    if missing:
        msg = (
            f"{what} lacks columns the assessment needs: {', '.join(missing)}. Export it from ODK Central or "
            "KoboToolbox with the question names as headers (Kobo: 'XML values and headers'), from the form "
            "`python -m geo survey form` writes"
        )
        raise DataError(msg)


@dataclass
class _Rows:
    kept: list[dict[str, object]] = field(default_factory=list)
    dropped: list[dict[str, object]] = field(default_factory=list)
    reasons: Counter[str] = field(default_factory=Counter)

    def drop(self, raw: Mapping[str, object], row: int, reason: str, note: str = "") -> None:
        text = {k: str(v) for k, v in raw.items() if not any(_segments(str(k))[-1:] == [f] for f in FREE_TEXT)}
        self.dropped.append({"source_row": row, "reason": reason, "note": note, **text})
        self.reasons[reason] += 1


def _date(text: str) -> dt.date | None:
    if not text:
        return None
    stamp = pd.to_datetime(text, errors="coerce", utc=True, format="mixed")
    if pd.isna(stamp):
        return None
    local = stamp.tz_convert("America/Los_Angeles") if len(text) > 10 else stamp
    return dt.date(local.year, local.month, local.day)


def _day(text: str) -> dt.date | None:
    """The answer to a date question: the calendar day as written (a Kobo export with dates as Excel cells reads
    ``2024-07-01 00:00:00``, which is that day, not midnight UTC)."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return _date(text)


def wave_of(day: dt.date, rules: SurveySettings) -> tuple[str, dt.date] | None:
    """The wave (name, first day) an answer given on ``day`` belongs to; None when no configured wave holds it."""
    if not rules.waves:
        quarter = (day.month - 1) // 3
        return f"{day.year}-Q{quarter + 1}", dt.date(day.year, 3 * quarter + 1, 1)
    for wave in rules.waves:
        if wave.start <= day <= wave.end:
            return wave.name, wave.start
    return None


def _point(raw: Mapping[str, str], cols: Columns, name: str) -> tuple[float, float] | None:
    parts = cols.points.get(name, {})
    lat, lon = raw.get(parts.get("lat", ""), ""), raw.get(parts.get("lon", ""), "")
    if (not lat or not lon) and name in cols.answers:
        bits = str(raw.get(cols.answers[name], "")).split()
        lat, lon = (bits[0], bits[1]) if len(bits) >= 2 else ("", "")
    try:
        y, x = float(lat), float(lon)
    except ValueError:
        return None
    return (x, y) if np.isfinite(x) and np.isfinite(y) else None


def _inside(xy: tuple[float, float]) -> bool:
    west, south, east, north = LA_COUNTY_BBOX
    return west <= xy[0] <= east and south <= xy[1] <= north


def _value(raw: Mapping[str, str], cols: Columns, q: Question) -> object:
    if q.name in cols.answers:
        return raw.get(cols.answers[q.name], "")
    split = cols.split.get(q.name, {})
    return [c for c, col in split.items() if str(raw.get(col, "")).strip() in ("1", "1.0", "True", "true")]


def _first(raw: Mapping[str, str], cols: Columns, prefix: str) -> list[str]:
    return [str(raw.get(col, "")) for key, col in cols.meta.items() if key.startswith(prefix)]


def _sid(text: str) -> str:
    return text.strip().removeprefix("uuid:").split("/")[0]


@dataclass(frozen=True)
class Context:
    """What a reading of answers needs beyond the file: the rules, the ids already stored, the source."""

    rules: SurveySettings
    stored_ids: frozenset[str] = frozenset()
    source: str = "odk"


def _test_or_review(raw: Mapping[str, str], cols: Columns, ctx: Context, day: dt.date | None) -> str | None:
    who = " ".join(_first(raw, cols, "who:")).lower()
    if any(name.lower() in who for name in ctx.rules.test_names if name):
        return "test_submission"
    if day is not None and ctx.rules.collect_from is not None and day < ctx.rules.collect_from:
        return "test_submission"
    review = str(raw.get(cols.meta.get("review", ""), "")).lower()
    return "rejected_in_review" if any(r in review for r in REJECTED) else None


def _respondent(raw: Mapping[str, str], cols: Columns, ctx: Context, seen: set[str]) -> tuple[str, object]:
    """("keep", row) or (reason, note) for one respondent row."""
    sid = _sid(str(raw.get(cols.meta.get("id", ""), "")))
    if not sid:
        return "no_submission_id", ""
    answered = raw.get(cols.answers.get("interview_date", ""), "")
    day = _day(str(answered)) or next((d for d in map(_date, _first(raw, cols, "when:")) if d), None)
    reason = _test_or_review(raw, cols, ctx, day)
    if reason:
        return reason, ""
    if str(raw.get(cols.answers.get("consent", ""), "")).strip() != "yes":
        return "no_consent", ""
    if sid in seen or sid in ctx.stored_ids:
        return "duplicate_submission", "already in the survey layer" if sid in ctx.stored_ids else "twice in the file"
    row: dict[str, object] = {"record": RESPONDENT, "submission_id": sid, "source": ctx.source}
    for q in QUESTIONS:
        if q.kind in ("geopoint", "date"):
            continue
        try:
            row[q.name] = check_answer(q, _value(raw, cols, q))
        except ValueError as exc:
            return "bad_answer", str(exc)
        if q.required and row[q.name] is None:
            return "bad_answer", f"{q.name}: must be answered"
    wave = wave_of(day, ctx.rules) if day else None
    if wave is None:
        return "no_date", "no interview or submission date" if day is None else f"{day} is in no configured wave"
    row["wave"], row["wave_start"] = wave
    row["point"] = _point(raw, cols, "home")
    return "keep", row


def _mark(raw: Mapping[str, str], cols: Columns, parents: Mapping[str, dict[str, object]]) -> tuple[str, object]:
    parent = parents.get(_sid(str(raw.get(cols.meta.get("parent", ""), ""))))
    if parent is None:
        return "mark_of_dropped_answer", ""
    xy = _point(raw, cols, "mark_point")
    if xy is None:
        return "mark_no_coordinates", ""
    if not _inside(xy):
        return "mark_outside_area", f"{xy[1]:.5f}, {xy[0]:.5f} is outside Los Angeles County"
    row: dict[str, object] = {"record": MARK, "submission_id": parent["submission_id"], "point": xy}
    row.update(wave=parent["wave"], wave_start=parent["wave_start"], source=parent["source"])
    for q in MARK_QUESTIONS[1:]:
        try:
            row[q.name] = check_answer(q, _value(raw, cols, q))
        except ValueError as exc:
            return "mark_bad_answer", str(exc)
        if row[q.name] is None:
            return "mark_bad_answer", f"{q.name}: must be answered"
    return "keep", row


def _each(frame: pd.DataFrame, decide: Callable[[Mapping[str, str]], tuple[str, object]], rows: _Rows) -> None:
    for i, record in enumerate(frame.to_dict("records"), start=2):  # row 1 is the header
        raw = {str(k): str(v) for k, v in record.items()}
        verdict, value = decide(raw)
        if verdict == "keep":
            assert isinstance(value, dict)
            rows.kept.append(value)
        else:
            rows.drop(raw, i, verdict, str(value))


def frame_of(rows: Sequence[Mapping[str, object]]) -> gpd.GeoDataFrame:
    """Stored rows (respondents and marks) as the survey layer's frame (EPSG:4326; no point where none was given)."""
    columns = [*STORED_COLUMNS, *(q.name for q in QUESTIONS if q.kind not in ("geopoint", "date"))]
    columns += [q.name for q in MARK_QUESTIONS[1:]]
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "point"} for r in rows], columns=columns)
    points = [shapely.Point(r["point"]) if r.get("point") else None for r in rows]
    frame = frame.astype({c: "string" for c in columns if c != "wave_start"})
    frame["wave_start"] = pd.to_datetime(frame["wave_start"]).dt.date
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs=WGS84), crs=WGS84)


def load_answers(path: str | Path, ctx: Context) -> LoadResult:
    """Read an export into stored rows, with every respondent and marked place kept or dropped with its reason.

    Raises
    ------
    DataError
        The file cannot be read, or lacks a question the product reads (named, with the nearest column).
    """
    export = read_export(path)
    ctx = Context(ctx.rules, ctx.stored_ids, export.source)
    name = Path(path).name
    cols = columns_of(export.main.columns, QUESTIONS)
    _missing(cols, QUESTIONS, list(map(str, export.main.columns)), name)
    rows, seen = _Rows(), set[str]()

    def respondent(raw: Mapping[str, str]) -> tuple[str, object]:
        verdict, value = _respondent(raw, cols, ctx, seen)
        if verdict == "keep":
            assert isinstance(value, dict)
            seen.add(str(value["submission_id"]))
        return verdict, value

    _each(export.main, respondent, rows)
    home_outside = 0
    for r in rows.kept:
        if r.get("point") and not _inside(r["point"]):  # type: ignore[arg-type]
            r["point"], home_outside = None, home_outside + 1
    marks_in = 0
    if export.marks is not None and len(export.marks):
        mcols = columns_of(export.marks.columns, MARK_QUESTIONS)
        _missing(mcols, MARK_QUESTIONS, list(map(str, export.marks.columns)), f"{name} ({MARKS})", need_id=False)
        if "parent" not in mcols.meta:
            msg = f"the {MARKS!r} rows of {name} name no parent submission (PARENT_KEY or _submission__uuid)"
            raise DataError(msg)
        parents = {str(r["submission_id"]): r for r in rows.kept}
        marks_in = len(export.marks)
        _each(export.marks, lambda raw: _mark(raw, mcols, parents), rows)
    quarantine = pd.DataFrame(rows.dropped).astype(str) if rows.dropped else pd.DataFrame(columns=["source_row"])
    notes: dict[str, object] = {
        "respondents_in": len(export.main),
        "marks_in": marks_in,
        "home_outside_area": home_outside,
        "not_in_questionnaire": cols.other,
        "export": export.source,
    }
    return LoadResult(
        KIND,
        "survey",
        f"residents' assessment ({export.source})",
        export.origin,
        frame_of(rows.kept),
        quarantine,
        len(export.main) + marks_in,
        dict(rows.reasons),
        notes,
    ).check()
