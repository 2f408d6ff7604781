"""Exports of the residents' assessment as the field teams download them, written from respondent rows.

A respondent is a dict with ``submission_id``, the answers by question name (a select-multiple as space-separated
names, None or "" when not answered), ``point`` (lon, lat) of the home corner or None, ``day`` (the interview
date) and optionally ``submitter``, ``device``, ``review`` (ODK ``ReviewState``; for Kobo give the
``_validation_status`` value) and ``extra`` (more columns, by header). A marked place is a dict with
``submission_id`` (its respondent's), ``point`` (lon, lat) or None, ``mark_kind`` and ``mark_reason``.
:func:`rows_of` turns a survey layer (``geo.survey.demo.build_survey`` output) into both lists.

:func:`odk_zip` writes ODK Central's "All data" download (``<form_id>.csv`` and ``<form_id>-marks.csv``, groups
joined with ``-``); :func:`kobo_xlsx` writes KoboToolbox's ``.xlsx`` export with "XML values and headers" (groups
joined with ``/``, a ``marks`` sheet). The columns come from :mod:`geo.survey.questions`, in form order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from openpyxl import Workbook

from geo.core.i18n import t
from geo.survey.questions import CHOICES, FORM_ID, FORM_VERSION, MARK_QUESTIONS, MARKS, QUESTIONS

LA = ZoneInfo("America/Los_Angeles")
ODK_GEO = ("Latitude", "Longitude", "Altitude", "Accuracy")
KOBO_GEO = ("latitude", "longitude", "altitude", "precision")
ODK_TAIL = (
    "meta-instanceID",
    "KEY",
    "SubmitterID",
    "SubmitterName",
    "AttachmentsPresent",
    "AttachmentsExpected",
    "Status",
    "ReviewState",
    "DeviceID",
    "Edits",
    "FormVersion",
)
KOBO_TAIL = (
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
)
KOBO_MARK_TAIL = (
    "_index",
    "_parent_table_name",
    "_parent_index",
    "_submission__id",
    "_submission__uuid",
    "_submission__submission_time",
    "_submission__validation_status",
    "_submission__notes",
    "_submission__status",
    "_submission__submitted_by",
    "_submission___version__",
    "_submission__tags",
)
ANSWERED = [q for q in QUESTIONS if q.kind not in ("geopoint",)]


def sid() -> str:
    """A fresh submission id (a UUID, as ODK Collect and KoboCollect make them)."""
    return str(uuid.uuid4())


def rows_of(layer: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Respondents and marked places of a survey layer, each respondent interviewed on a day of its wave.

    The days are spread over the first 80 days of the wave (a layer keeps only the wave's first day)."""
    people, marks = [], []
    for i, row in enumerate(layer.to_dict("records")):
        geom = row.get("geometry")
        point = None if geom is None or geom.is_empty else (float(geom.x), float(geom.y))
        if row["record"] == "respondent":
            person = {q.name: _text(row.get(q.name)) for q in ANSWERED if q.kind != "date"}
            start = pd.Timestamp(row["wave_start"]).date()
            person.update(submission_id=str(row["submission_id"]), point=point, day=start + dt.timedelta(i % 80))
            people.append(person)
        else:
            marks.append(
                {
                    "submission_id": str(row["submission_id"]),
                    "point": point,
                    "mark_kind": _text(row.get("mark_kind")),
                    "mark_reason": _text(row.get("mark_reason")),
                }
            )
    return people, marks


def _text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _times(person: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
    """Start and end of the interview (local time) and when the server received it (UTC)."""
    day: dt.date = person["day"]
    start = dt.datetime.combine(day, dt.time(11, 2, 33), tzinfo=LA)
    end = start + dt.timedelta(minutes=14, seconds=7)
    received = (end + dt.timedelta(minutes=6, seconds=21, milliseconds=123)).astimezone(dt.UTC)
    return start, end, received


def _local(stamp: dt.datetime) -> str:
    return stamp.isoformat(timespec="milliseconds")


def _odk_path(q: Any) -> str:
    return f"{q.group}-{q.name}" if q.group and q.group != MARKS else q.name


def odk_columns() -> list[str]:
    """The main CSV's header of an ODK Central export of the assessment."""
    cols = ["SubmissionDate", "start", "end"]
    for q in QUESTIONS:
        if q.kind == "geopoint":
            cols += [f"{_odk_path(q)}-{part}" for part in ODK_GEO]
        else:
            cols.append(_odk_path(q))
    return [*cols, *ODK_TAIL]


def odk_mark_columns() -> list[str]:
    """The repeat CSV's header (``<form_id>-marks.csv``)."""
    cols: list[str] = []
    for q in MARK_QUESTIONS:
        cols += [f"{q.name}-{part}" for part in ODK_GEO] if q.kind == "geopoint" else [q.name]
    return [*cols, "PARENT_KEY", "KEY"]


def _odk_row(person: Mapping[str, Any]) -> dict[str, str]:
    start, end, received = _times(person)
    key = f"uuid:{person['submission_id']}"
    row = {
        "SubmissionDate": received.strftime("%Y-%m-%dT%H:%M:%S.") + f"{received.microsecond // 1000:03d}Z",
        "start": _local(start),
        "end": _local(end),
        "meta-instanceID": key,
        "KEY": key,
        "SubmitterID": "412",
        "SubmitterName": person.get("submitter", "Field Team A"),
        "AttachmentsPresent": "0",
        "AttachmentsExpected": "0",
        "Status": "",
        "ReviewState": person.get("review", ""),
        "DeviceID": person.get("device", "collect:Xz81Qpd0aLm3"),
        "Edits": "0",
        "FormVersion": FORM_VERSION,
    }
    for q in QUESTIONS:
        if q.kind == "geopoint":
            point = person.get("point")
            parts = ("", "", "", "") if not point else (str(point[1]), str(point[0]), "31.2", "4.7")
            row.update({f"{_odk_path(q)}-{p}": v for p, v in zip(ODK_GEO, parts, strict=True)})
        elif q.kind == "date":
            row[_odk_path(q)] = person["day"].isoformat() if person.get("day") else ""
        else:
            row[_odk_path(q)] = _text(person.get(q.name))
    row.update({str(k): _text(v) for k, v in (person.get("extra") or {}).items()})
    return row


def _odk_mark_rows(people: Sequence[Mapping[str, Any]], marks: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    counter: dict[str, int] = {}
    out = []
    for mark in marks:
        parent = str(mark["submission_id"])
        counter[parent] = counter.get(parent, 0) + 1
        point = mark.get("point")
        parts = ("", "", "", "") if not point else (str(point[1]), str(point[0]), "28.0", "3.9")
        row = {f"mark_point-{p}": v for p, v in zip(ODK_GEO, parts, strict=True)}
        row.update(
            mark_kind=_text(mark.get("mark_kind")),
            mark_reason=_text(mark.get("mark_reason")),
            PARENT_KEY=f"uuid:{parent}",
            KEY=f"uuid:{parent}/{MARKS}[{counter[parent]}]",
        )
        out.append(row)
    return out


def _csv(rows: Sequence[Mapping[str, str]], header: Sequence[str]) -> bytes:
    extra = [k for r in rows for k in r if k not in header]
    fields = [*header, *dict.fromkeys(extra)]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")  # ODK Central writes CRLF
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def odk_tables(
    people: Sequence[Mapping[str, Any]], marks: Sequence[Mapping[str, Any]] = ()
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The rows of the main and the repeat CSV (to edit before :func:`write_odk_zip`)."""
    return [_odk_row(p) for p in people], _odk_mark_rows(people, marks)


def write_odk_zip(
    path: Path,
    main: Sequence[Mapping[str, str]],
    marks: Sequence[Mapping[str, str]],
    *,
    form_id: str = FORM_ID,
    header: Sequence[str] | None = None,
    more: Mapping[str, bytes] | None = None,
) -> Path:
    """An ODK Central "All data" zip from the rows of its two CSVs (``more``: other members by name)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{form_id}.csv", _csv(main, header or odk_columns()))
        archive.writestr(f"{form_id}-{MARKS}.csv", _csv(marks, odk_mark_columns()))
        for name, data in (more or {}).items():
            archive.writestr(name, data)
    return path


def odk_zip(
    path: Path, people: Sequence[Mapping[str, Any]], marks: Sequence[Mapping[str, Any]] = (), **kw: Any
) -> Path:
    """ODK Central's "All data" zip of these respondents and marked places."""
    main, repeat = odk_tables(people, marks)
    return write_odk_zip(path, main, repeat, **kw)


def odk_csv(path: Path, people: Sequence[Mapping[str, Any]], marks: Sequence[Mapping[str, Any]] = ()) -> Path:
    """The main CSV alone (``path``) with its ``<stem>-marks.csv`` beside it, as unzipped by hand."""
    main, repeat = odk_tables(people, marks)
    path.write_bytes(_csv(main, odk_columns()))
    path.with_name(f"{path.stem}-{MARKS}.csv").write_bytes(_csv(repeat, odk_mark_columns()))
    return path


# --- KoboToolbox ---------------------------------------------------------------------------------------------


def _kobo_path(q: Any) -> str:
    return f"{q.group}/{q.name}" if q.group else q.name


def kobo_columns() -> list[str]:
    """The first sheet's header of a KoboToolbox export ("XML values and headers")."""
    cols = ["start", "end"]
    for q in QUESTIONS:
        cols.append(_kobo_path(q))
        if q.kind == "select_multiple":
            cols += [f"{_kobo_path(q)}/{c}" for c in CHOICES[str(q.choices)]]
        if q.kind == "geopoint":
            cols += [f"_{_kobo_path(q)}_{part}" for part in KOBO_GEO]
    return [*cols, *KOBO_TAIL]


def kobo_mark_columns() -> list[str]:
    """The ``marks`` sheet's header."""
    cols: list[str] = []
    for q in MARK_QUESTIONS:
        cols.append(f"{MARKS}/{q.name}")
        if q.kind == "geopoint":
            cols += [f"_{MARKS}/{q.name}_{part}" for part in KOBO_GEO]
    return [*cols, *KOBO_MARK_TAIL]


def _kobo_row(person: Mapping[str, Any], index: int, *, dates_as_cells: bool) -> dict[str, object]:
    start, end, received = _times(person)
    row: dict[str, object] = {
        "start": _local(start),
        "end": _local(end),
        "_id": 310_000_000 + index,
        "_uuid": str(person["submission_id"]),
        "_submission_time": received.replace(tzinfo=None).isoformat(timespec="seconds"),
        "_validation_status": person.get("review", ""),
        "_notes": "",
        "_status": "submitted_via_web",
        "_submitted_by": person.get("submitter", "fieldteam_a"),
        "__version__": "vGk3aQm8zRt2Bw6LpXcY7e",
        "_tags": "",
        "_index": index,
    }
    for q in QUESTIONS:
        name = _kobo_path(q)
        if q.kind == "geopoint":
            point = person.get("point")
            parts = ("", "", "", "") if not point else (point[1], point[0], 31.2, 4.7)
            row[name] = "" if not point else " ".join(str(p) for p in parts)
            row.update({f"_{name}_{p}": v for p, v in zip(KOBO_GEO, parts, strict=True)})
        elif q.kind == "date":
            day = person.get("day")
            row[name] = day if dates_as_cells and day else (day.isoformat() if day else "")
        else:
            row[name] = _text(person.get(q.name))
        if q.kind == "select_multiple":
            picked = _text(person.get(q.name)).split()
            answered = bool(picked)
            row.update({f"{name}/{c}": (int(c in picked) if answered else "") for c in CHOICES[str(q.choices)]})
    row.update(dict((person.get("extra") or {}).items()))
    return row


def _kobo_mark_rows(people: Sequence[Mapping[str, Any]], marks: Iterable[Mapping[str, Any]]) -> list[dict[str, object]]:
    index = {str(p["submission_id"]): i for i, p in enumerate(people, start=1)}
    title = t("survey.title", "en")[:31]
    out = []
    for i, mark in enumerate(marks, start=1):
        parent = str(mark["submission_id"])
        point = mark.get("point")
        parts = ("", "", "", "") if not point else (point[1], point[0], 28.0, 3.9)
        row: dict[str, object] = {f"{MARKS}/mark_point": "" if not point else " ".join(str(p) for p in parts)}
        row.update({f"_{MARKS}/mark_point_{p}": v for p, v in zip(KOBO_GEO, parts, strict=True)})
        row.update(
            {
                f"{MARKS}/mark_kind": _text(mark.get("mark_kind")),
                f"{MARKS}/mark_reason": _text(mark.get("mark_reason")),
                "_index": i,
                "_parent_table_name": title,
                "_parent_index": index.get(parent, ""),
                "_submission__id": 310_000_000 + index.get(parent, 0),
                "_submission__uuid": parent,
                "_submission__submission_time": "",
                "_submission__validation_status": "",
                "_submission__notes": "",
                "_submission__status": "submitted_via_web",
                "_submission__submitted_by": "",
                "_submission___version__": "vGk3aQm8zRt2Bw6LpXcY7e",
                "_submission__tags": "",
            }
        )
        out.append(row)
    return out


def kobo_tables(
    people: Sequence[Mapping[str, Any]], marks: Sequence[Mapping[str, Any]] = (), *, dates_as_cells: bool = False
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The rows of the two sheets (to edit before :func:`write_kobo_xlsx`).

    ``dates_as_cells``: the interview date as an Excel date (Kobo's export with "Store date and number responses
    as text" unticked) instead of text."""
    main = [_kobo_row(p, i, dates_as_cells=dates_as_cells) for i, p in enumerate(people, start=1)]
    return main, _kobo_mark_rows(people, marks)


def write_kobo_xlsx(
    path: Path,
    main: Sequence[Mapping[str, object]],
    marks: Sequence[Mapping[str, object]],
    *,
    header: Sequence[str] | None = None,
) -> Path:
    """A KoboToolbox ``.xlsx`` export from the rows of its two sheets."""
    book = Workbook()
    first = book.active
    assert first is not None
    first.title = t("survey.title", "en")[:31]
    columns = list(header or kobo_columns())
    columns += list(dict.fromkeys(k for r in main for k in r if k not in columns))
    first.append(columns)
    for row in main:
        first.append([_cell(row.get(c, "")) for c in columns])
    sheet = book.create_sheet(MARKS)
    mark_columns = kobo_mark_columns()
    sheet.append(mark_columns)
    for row in marks:
        sheet.append([_cell(row.get(c, "")) for c in mark_columns])
    book.save(path)
    return path


def _cell(value: object) -> object:
    return None if value == "" else value


def kobo_xlsx(
    path: Path,
    people: Sequence[Mapping[str, Any]],
    marks: Sequence[Mapping[str, Any]] = (),
    *,
    dates_as_cells: bool = False,
) -> Path:
    """KoboToolbox's ``.xlsx`` export of these respondents and marked places."""
    main, repeat = kobo_tables(people, marks, dates_as_cells=dates_as_cells)
    return write_kobo_xlsx(path, main, repeat)
