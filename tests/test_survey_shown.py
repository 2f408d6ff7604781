"""What may be shown of the residents' answers: survey.min_responses over every output (areas, scores, changes,
marked cells, answer counts), on surveys built by hand in square areas, on random ones, and on the demo bundle."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.core.disclosure import Disclosure
from geo.core.settings import Settings
from geo.core.settings_sections import SurveySettings
from geo.survey.answers import MARK, RESPONDENT, frame_of
from geo.survey.layer import marks, respondents
from geo.survey.questions import CHOICES, MEASURES
from geo.survey.scores import change, share
from geo.survey.shown import AREA, ScoreInput, SurveyRule, area_scores, areas_around, choice_counts, mark_cells
from geo.survey.summary import beside_crime, community, wave_end

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
MIN = 5
RULE = SurveyRule(MIN)
WEST, SOUTH = -118.32, 33.96
SIDE = 0.004  # about 400 m by 450 m
GAP = 0.01  # squares about 1 km apart
YES = {"safe4": ("very_safe", "somewhat_safe"), "agree4": ("strongly_agree", "agree")}
NO = {"safe4": ("somewhat_unsafe", "very_unsafe"), "agree4": ("disagree", "strongly_disagree")}
WAVES = {"2024-Q3": dt.date(2024, 7, 1), "2024-Q4": dt.date(2024, 10, 1)}
MEASURE_COLUMNS = [f"{m}{s}" for m in MEASURES for s in ("", "_low", "_high", "_n", "_unweighted")]
CHANGE_COLUMNS = [f"{m}{s}" for m in MEASURES for s in ("_change", "_change_low", "_change_high")]
SCALE = {m: "safe4" if m.startswith("safe") else "agree4" for m in MEASURES}


def _square(i: int) -> shapely.Polygon:
    west = WEST + i * GAP
    return shapely.box(west, SOUTH, west + SIDE, SOUTH + SIDE)


def _areas(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({AREA: [f"area {i}" for i in range(n)]}, geometry=[_square(i) for i in range(n)], crs=4326)


def _home(area: int, k: int) -> tuple[float, float]:
    """A home corner well inside square ``area`` (the k-th of its residents)."""
    west = WEST + area * GAP
    return west + SIDE * (0.1 + 0.8 * ((k * 0.37) % 1)), SOUTH + SIDE * (0.1 + 0.8 * ((k * 0.61) % 1))


def _answer(measure: str, value: bool | None) -> str | None:
    """An answer to ``measure``'s question: a yes, a no, or don't know (None)."""
    scale = SCALE[measure]
    if value is None:
        return CHOICES[scale][-1]
    return YES[scale][0] if value else NO[scale][1]


def _person(area: int | None, k: int, wave: str = "2024-Q3", **answers: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record": RESPONDENT,
        "submission_id": f"{wave}-{area}-{k}",
        "source": "odk",
        "wave": wave,
        "wave_start": WAVES[wave],
        "consent": "yes",
        "point": None if area is None else _home(area, k),
    }
    row.update({m: _answer(m, True) for m in MEASURES})
    row.update(answers)
    return row


def _people(rows: Sequence[dict[str, Any]]) -> gpd.GeoDataFrame:
    return respondents(frame_of(rows))


def _scores(rows: Sequence[dict[str, Any]], n_areas: int, **kw: Any) -> pd.DataFrame:
    return area_scores(ScoreInput(_people(rows), _areas(n_areas), kw.pop("rule", RULE), **kw))


def _row(table: pd.DataFrame, area: int, wave: str = "2024-Q3") -> pd.Series:
    hit = table[(table[AREA] == f"area {area}") & (table["wave"] == wave)]
    assert len(hit) == 1
    return hit.iloc[0]


def _nothing_shown(row: pd.Series) -> bool:
    return bool(pd.isna(row["respondents"]) and all(pd.isna(row[c]) for c in (*MEASURE_COLUMNS, *CHANGE_COLUMNS)))


def _crowd(counts: Sequence[int], wave: str = "2024-Q3", start: int = 0) -> list[dict[str, Any]]:
    return [_person(a, start + k, wave) for a, n in enumerate(counts) for k in range(n)]


# --- areas -------------------------------------------------------------------------------------------------------


def test_an_area_under_the_minimum_shows_no_count_and_no_score_and_its_neighbour_is_withheld() -> None:
    counts = [2, 10, 20]
    table = _scores(_crowd(counts), len(counts))
    assert list(table["status"]) == list(Disclosure(MIN).counts(counts).status)
    small, next_smallest, large = (_row(table, i) for i in range(3))
    assert small["status"] == "fewer"
    # with the wave's total known, 2 = total - 10 - 20: the smallest count that keeps it hidden is withheld too
    assert next_smallest["status"] == "withheld"
    assert _nothing_shown(small)
    assert _nothing_shown(next_smallest)
    assert large["status"] == "shown"
    assert large["respondents"] == 20
    assert all(pd.notna(large[m]) for m in MEASURES)


def test_two_small_areas_hide_each_other_and_nothing_more_is_withheld() -> None:
    counts = [2, 3, 20]
    table = _scores(_crowd(counts), len(counts))
    assert list(table["status"]) == list(Disclosure(MIN).counts(counts).status) == ["fewer", "fewer", "shown"]
    assert table["respondents"].iloc[2] == 20


def test_a_wave_with_fewer_than_the_minimum_in_all_shows_nothing() -> None:
    table = _scores(_crowd([1, 2, 0]), 3)
    assert set(table["status"]) == {"withheld"}
    assert all(_nothing_shown(r) for _, r in table.iterrows())


def test_respondents_without_a_home_corner_are_in_no_area() -> None:
    rows = _crowd([6]) + [_person(None, k) for k in range(3)]
    table = _scores(rows, 1)
    assert table["respondents"].tolist() == [6]


# --- scores -------------------------------------------------------------------------------------------------------


def _answers_of(yes: int, no: int, dont_know: int) -> list[bool | None]:
    return [True] * yes + [False] * no + [None] * dont_know


def test_a_score_is_the_share_of_those_who_answered_and_shown_only_when_enough_did() -> None:
    night = _answers_of(3, 1, 16)  # four answered: not enough for a score
    day = _answers_of(13, 5, 2)
    trust = _answers_of(5, 0, 15)  # five answered: exactly enough
    rows = [
        _person(0, k, safe_night=_answer("safe_night", night[k]), safe_day=_answer("safe_day", day[k]),
                trust_officers=_answer("trust_officers", trust[k]))
        for k in range(20)
    ]  # fmt: skip
    row = _row(_scores(rows, 1), 0)
    assert row["status"] == "shown"
    assert row["respondents"] == 20
    assert all(pd.isna(row[c]) for c in MEASURE_COLUMNS if c.startswith("safe_night"))
    expected = share(np.array([1.0 if v else 0.0 for v in day if v is not None]))
    assert row["safe_day"] == pytest.approx(13 / 18)
    assert (row["safe_day"], row["safe_day_low"], row["safe_day_high"]) == pytest.approx(
        (expected.estimate, expected.low, expected.high)
    )
    assert row["safe_day_n"] == 18
    assert row["safe_day_unweighted"] == pytest.approx(13 / 18)
    assert (row["trust_officers"], row["trust_officers_n"]) == (pytest.approx(1.0), 5)
    assert row["safe_park"] == pytest.approx(1.0)
    assert row["weighted"] is False or not row["weighted"]


def _waves_rows() -> tuple[list[dict[str, Any]], dict[str, list[int]]]:
    counts = {"2024-Q3": [6, 10, 20, 25, 2], "2024-Q4": [6, 3, 20, 25, 12]}
    rows = []
    for wave, per_area in counts.items():
        for area, n in enumerate(per_area):
            for k in range(n):
                yes = k % (3 if wave == "2024-Q3" else 2) == 0  # a third, then a half, feel safe after dark
                rows.append(_person(area, k, wave, safe_night=_answer("safe_night", yes)))
    return rows, counts


def test_a_change_between_waves_is_shown_only_where_both_waves_are() -> None:
    rows, counts = _waves_rows()
    table = _scores(rows, 5)
    assert list(table["wave"]) == ["2024-Q3"] * 5 + ["2024-Q4"] * 5
    for wave, per_area in counts.items():
        assert list(table[table["wave"] == wave]["status"]) == list(Disclosure(MIN).counts(per_area).status)
    with_change = []
    for area in range(5):
        before, after = _row(table, area, "2024-Q3"), _row(table, area, "2024-Q4")
        assert all(pd.isna(before[c]) for c in CHANGE_COLUMNS)  # nothing before the first wave
        if after["status"] != "shown" or before["status"] != "shown":
            assert all(pd.isna(after[c]) for c in CHANGE_COLUMNS), area
            continue
        with_change.append(area)
        earlier = share(np.array([1.0 if k % 3 == 0 else 0.0 for k in range(counts["2024-Q3"][area])]))
        later = share(np.array([1.0 if k % 2 == 0 else 0.0 for k in range(counts["2024-Q4"][area])]))
        want = change(earlier, later)
        got = (after["safe_night_change"], after["safe_night_change_low"], after["safe_night_change_high"])
        assert got == pytest.approx((want.estimate, want.low, want.high))
    # area 1 fell under the minimum, area 0 was withheld beside it, area 4 was under it before
    assert with_change == [2, 3]
    assert _row(table, 4, "2024-Q4")["status"] == "shown"


def test_weighting_to_the_area_s_residents() -> None:
    # 16 women (12 feel safe by day) and 4 men (none does); the area's adults are 60 % women
    rows = [_person(0, k, sex="female", safe_day=_answer("safe_day", k < 12)) for k in range(16)]
    rows += [_person(0, 16 + k, sex="male", safe_day=_answer("safe_day", False)) for k in range(4)]
    population = pd.DataFrame({"sex_F": [600.0], "sex_M": [400.0]}, index=["area 0"])
    row = _row(_scores(rows, 1, population=population), 0)
    assert row["weighted"]
    assert row["safe_day_unweighted"] == pytest.approx(12 / 20)
    assert row["safe_day"] == pytest.approx(0.6 * 12 / 16 + 0.4 * 0 / 4)
    assert 0.0 <= row["safe_day_low"] <= row["safe_day"] <= row["safe_day_high"] <= 1.0
    assert row["safe_day_n"] == 20
    off = _row(_scores(rows, 1, population=population, weighting=False), 0)
    assert not off["weighted"]
    assert off["safe_day"] == pytest.approx(12 / 20)


# --- marked places -----------------------------------------------------------------------------------------------


def _marks_at(point: tuple[float, float], people: Sequence[str], kind: str = "avoid") -> list[dict[str, Any]]:
    reason = "dark" if kind == "avoid" else "well_lit"
    return [
        {"record": MARK, "submission_id": who, "source": "odk", "wave": "2024-Q3", "wave_start": WAVES["2024-Q3"],
         "mark_kind": kind, "mark_reason": reason, "point": point}
        for who in people
    ]  # fmt: skip


def _recount(cells: gpd.GeoDataFrame, rows: Sequence[dict[str, Any]]) -> None:
    """Every cell shown holds the number of distinct people who marked a point in it, of each kind shown."""
    for cell in cells.itertuples():
        for kind in CHOICES["mark_kind"]:
            value = getattr(cell, kind)
            who = {
                r["submission_id"]
                for r in rows
                if r["mark_kind"] == kind and cell.geometry.covers(shapely.Point(r["point"]))
            }
            if value is None or pd.isna(value):
                assert len(who) < MIN or any(  # a point on the edge of two cells is counted in one of them
                    cell.geometry.boundary.distance(shapely.Point(r["point"])) < 1e-9 for r in rows
                )
            else:
                assert value >= MIN
                assert value == len(who)


def test_a_cell_is_drawn_only_with_enough_distinct_people() -> None:
    here, there, elsewhere = (-118.3, 33.97), (-118.29, 33.97), (-118.28, 33.98)
    rows = _marks_at(here, [f"p{i}" for i in range(4)] + ["keen"] * 6)  # five people, one of them six times
    rows += _marks_at(here, ["p1", "p2"], "safe")
    rows += _marks_at(there, [f"q{i}" for i in range(4)] + ["q0"] * 6)  # four people, ten marks
    rows += _marks_at(elsewhere, [f"r{i}" for i in range(7)], "safe")
    cells = mark_cells(marks(frame_of(rows)), cell_m=100.0, rule=RULE)
    assert len(cells) == 2
    assert cells.attrs["hidden_cells"] == 1
    drawn = {(c.avoid if pd.notna(c.avoid) else None, c.safe if pd.notna(c.safe) else None) for c in cells.itertuples()}
    assert drawn == {(5, None), (None, 7)}
    assert any(c.covers(shapely.Point(here)) for c in cells.geometry)
    assert not any(c.covers(shapely.Point(there)) for c in cells.geometry)
    _recount(cells, rows)
    assert len(mark_cells(marks(frame_of(rows)), cell_m=100.0, rule=SurveyRule(8))) == 0


def test_no_marks_no_cells() -> None:
    assert len(mark_cells(marks(frame_of([])), cell_m=100.0, rule=RULE)) == 0


# --- answer counts -------------------------------------------------------------------------------------------------


def test_an_answer_chosen_by_fewer_than_the_minimum_is_not_counted_out_loud() -> None:
    concerns = ["gangs traffic"] * 4 + ["gangs"] * 3 + ["other"] * 5 + [""] * 2
    rows = [_person(0, k, concerns=c or None) for k, c in enumerate(concerns)]
    rows[8]["concern_topic"] = "traffic"  # a reviewer read this "other" as traffic: the fifth to name it
    rows[9]["concern_other"] = "gangs gangs gangs"  # their own words are never counted
    table = choice_counts(_people(rows), "concerns", RULE).set_index("choice")
    assert list(table.index) == list(CHOICES["concern"])
    assert table.loc["gangs", "respondents"] == 7
    assert table.loc["traffic", "respondents"] == 5
    assert table.loc["other", "respondents"] == 5
    assert table.loc["lighting", "respondents"] == 0  # nobody: nothing to protect
    for choice, row in table.iterrows():
        assert (row["status"] == "shown") == (row["respondents"] is not None and not pd.isna(row["respondents"])), (
            choice
        )
    fewer = choice_counts(_people(rows[:8]), "concerns", RULE).set_index("choice")  # traffic 4, other 1
    for choice in ("traffic", "other"):
        assert fewer.loc[choice, "status"] == "fewer"
        assert pd.isna(fewer.loc[choice, "respondents"])
    assert fewer.loc["gangs", "respondents"] == 7


def test_a_hidden_answer_of_a_single_choice_question_cannot_be_recovered_from_the_total() -> None:
    sexes = ["female"] * 10 + ["male"] * 8 + ["another"] * 2
    people = _people([_person(0, k, sex=s) for k, s in enumerate(sexes)])
    table = choice_counts(people, "sex", RULE)
    shown = table["respondents"].dropna().astype(int)
    hidden = table[table["status"] != "shown"]
    assert table.set_index("choice").loc["another", "status"] == "fewer"
    # the total minus the shown counts covers two hidden answers at least: neither can be worked out alone
    assert len(hidden) >= 2
    assert len(people) - int(shown.sum()) > 2


# --- any survey ----------------------------------------------------------------------------------------------------

ANSWER_OR_NOT = st.sampled_from([True, False, None, "skip"])


@st.composite
def surveys(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int, int]:
    n_areas = draw(st.integers(1, 4))
    minimum = draw(st.integers(3, 6))
    waves = list(WAVES)[: draw(st.integers(1, 2))]
    rows: list[dict[str, Any]] = []
    mark_rows: list[dict[str, Any]] = []
    spots = [_home(a, 0) for a in range(n_areas)]
    for wave in waves:
        for area in [*range(n_areas), None]:
            for k in range(draw(st.integers(0, 9))):
                answers = {m: draw(ANSWER_OR_NOT) for m in MEASURES}
                person = _person(
                    area, k, wave, **{m: None if v == "skip" else _answer(m, v) for m, v in answers.items()}
                )
                person["concerns"] = (
                    " ".join(draw(st.sets(st.sampled_from(CHOICES["concern"][:4]), max_size=3))) or None
                )
                rows.append(person)
                for _ in range(draw(st.integers(0, 3))):
                    spot = spots[draw(st.integers(0, n_areas - 1))]
                    kind = draw(st.sampled_from(CHOICES["mark_kind"]))
                    mark_rows += _marks_at(spot, [person["submission_id"]], kind)
    return rows, mark_rows, n_areas, minimum


def _readable(counts: list[int], status: list[str], minimum: int) -> list[int]:
    """Positions of hidden counts that the shown ones and the group's total pin to a single value."""
    total = sum(counts)
    if total < minimum or set(status) == {"withheld"}:  # the total hidden, or the whole breakdown: nothing to read
        return []
    lo = [c if s == "shown" else (1 if s == "fewer" else minimum) for c, s in zip(counts, status, strict=True)]
    hi = [
        c if s == "shown" else (minimum - 1 if s == "fewer" else math.inf) for c, s in zip(counts, status, strict=True)
    ]
    out = []
    for i, s in enumerate(status):
        if s == "shown":
            continue
        others_lo, others_hi = sum(lo) - lo[i], sum(hi) - hi[i]
        low, high = max(lo[i], total - others_hi), min(hi[i], total - others_lo)
        if high - low < 1:
            out.append(i)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(surveys())
def test_no_hidden_row_of_any_survey_carries_a_number(
    survey: tuple[list[dict[str, Any]], list[dict[str, Any]], int, int],
) -> None:
    rows, mark_rows, n_areas, minimum = survey
    rule = SurveyRule(minimum)
    if not rows:
        return
    people = _people(rows)
    table = area_scores(ScoreInput(people, _areas(n_areas), rule))
    truth = {
        (f"area {a}", w): sum(
            1 for r in rows if r["point"] is not None and r["wave"] == w and r["submission_id"].startswith(f"{w}-{a}-")
        )
        for a in range(n_areas)
        for w in WAVES
    }
    for _, row in table.iterrows():
        assert row["status"] in ("shown", "fewer", "withheld")
        if row["status"] != "shown":
            assert _nothing_shown(row), row.to_dict()
            continue
        assert row["respondents"] == truth[(row[AREA], row["wave"])]
        assert row["respondents"] == 0 or row["respondents"] >= minimum
        for m in MEASURES:
            if pd.notna(row[m]):
                assert minimum <= row[f"{m}_n"] <= row["respondents"]
                assert 0.0 <= row[f"{m}_low"] <= row[m] <= row[f"{m}_high"] <= 1.0
            else:
                assert all(pd.isna(row[f"{m}{s}"]) for s in ("_low", "_high", "_n", "_unweighted", "_change"))
    for wave, group in table.groupby("wave"):
        counts = [truth[(a, wave)] for a in group[AREA]]
        assert _readable(counts, list(group["status"]), minimum) == [], (counts, list(group["status"]))
    for area, group in table.groupby(AREA):
        for (_, before), (_, after) in itertools.pairwise(group.iterrows()):
            for m in MEASURES:
                if pd.notna(after[f"{m}_change"]):
                    assert pd.notna(before[m]), (area, m)
                    assert pd.notna(after[m]), (area, m)

    for question in ("concerns", "services_wanted"):
        counted = choice_counts(people, question, rule)
        for _, c in counted.iterrows():
            if c["status"] != "shown":
                assert c["respondents"] is None or pd.isna(c["respondents"])
            else:
                assert c["respondents"] == 0 or c["respondents"] >= minimum

    cells = mark_cells(marks(frame_of(mark_rows)), cell_m=100.0, rule=rule) if mark_rows else None
    if cells is not None:
        for cell in cells.itertuples():
            values = [getattr(cell, k) for k in CHOICES["mark_kind"]]
            assert any(v is not None and not pd.isna(v) for v in values)
            for kind, v in zip(CHOICES["mark_kind"], values, strict=True):
                if v is not None and not pd.isna(v):
                    who = {
                        r["submission_id"]
                        for r in mark_rows
                        if r["mark_kind"] == kind and cell.geometry.covers(shapely.Point(r["point"]))
                    }
                    assert v == len(who) >= minimum


# --- the demo bundle -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_summary() -> tuple[Any, gpd.GeoDataFrame]:
    settings_ = Settings()
    layer = gpd.read_parquet(DEMO / "survey.parquet")
    places = gpd.read_file(DEMO / "places.geojson")
    summary = community(
        layer,
        areas_around(places, within_m=max(settings_.distances.rings_m)),
        rules=SurveySettings(),
        cell_m=settings_.analysis.grid_cell_m,
        population=DEMO / "population.geojson",
    )
    return summary, layer


def test_the_demo_community_summary_shows_nothing_of_a_small_area(demo_summary: tuple[Any, gpd.GeoDataFrame]) -> None:
    summary, layer = demo_summary
    minimum = SurveySettings().min_responses
    scores = summary.scores
    assert len(scores)
    assert set(scores["wave"]) == set(respondents(layer)["wave"])
    assert (scores["status"] != "shown").any(), "the demo leaves some place under the minimum"
    for _, row in scores.iterrows():
        if pd.notna(row["respondents"]) and row["respondents"] >= minimum:
            assert row["status"] == "shown"
            for m in MEASURES:
                assert pd.isna(row[m]) or row[f"{m}_n"] >= minimum
        else:
            assert _nothing_shown(row) or row["respondents"] == 0, row.to_dict()
    for table in (summary.concerns, summary.wanted):
        for _, row in table.iterrows():
            assert pd.isna(row["respondents"]) or row["respondents"] == 0 or row["respondents"] >= minimum
    for cell in summary.cells.itertuples():
        assert all(pd.isna(v) or v >= minimum for v in (cell.avoid, cell.safe))
    assert summary.synthetic


def test_the_demo_beside_crime_labels_agree_with_the_ranks(demo_summary: tuple[Any, gpd.GeoDataFrame]) -> None:
    summary, layer = demo_summary
    incidents = gpd.read_parquet(DEMO / "incidents.parquet")
    privacy = Settings().privacy
    end = wave_end(summary, SurveySettings(), layer, summary.latest)
    table = beside_crime(
        summary, incidents, wave=summary.latest, end=end, rule=Disclosure.from_settings(privacy, public=True)
    )
    both = table["safe_night"].notna() & table["incidents"].notna()
    assert both.sum() >= 3
    ranked = table[both]
    for (_, a), (_, b) in itertools.permutations(ranked.iterrows(), 2):
        if a["safe_night"] < b["safe_night"]:  # feels less safe: ranks nearer 1
            assert a["rank_unsafe"] < b["rank_unsafe"]
        if a["incidents"] > b["incidents"]:
            assert a["rank_incidents"] < b["rank_incidents"]
    assert set(ranked["rank_unsafe"]) <= set(range(1, len(ranked) + 1))
    for _, row in table.iterrows():
        if not both[row.name]:
            assert row["disagree"] == ""
            assert pd.isna(row["rank_unsafe"])
            assert pd.isna(row["rank_incidents"])
        elif row["disagree"] == "residents":  # residents feel less safe than the record ranks the area
            assert row["rank_unsafe"] < row["rank_incidents"]
        elif row["disagree"] == "record":
            assert row["rank_unsafe"] > row["rank_incidents"]
        else:
            assert row["disagree"] == ""
            assert abs(row["rank_unsafe"] - row["rank_incidents"]) < max(2, len(ranked) / 3)
        if pd.isna(row["respondents"]):
            assert pd.isna(row["safe_night"])
        if row["incidents_status"] != "shown":
            assert pd.isna(row["incidents"])
        else:
            assert row["incidents"] == 0 or row["incidents"] >= privacy.min_count


def test_a_reviewed_topic_counts_under_concerns_only() -> None:
    rows = [_person(0, k, concerns="lighting", services_wanted="after_school") for k in range(6)]
    people = _people(rows)
    people["concern_topic"] = "youth_programs"  # a topic is a concern's: never counted as a service
    wanted = choice_counts(people, "services_wanted", RULE).set_index("choice")["respondents"]
    assert wanted["after_school"] == 6
    assert wanted["youth_programs"] == 0
    people["concern_topic"] = "dumping"
    concerns = choice_counts(people, "concerns", RULE).set_index("choice")["respondents"]
    assert concerns["dumping"] == 6
    assert concerns["lighting"] == 6


def test_no_marks_hide_no_squares() -> None:
    cells = mark_cells(frame_of([]), cell_m=150.0, rule=RULE)
    assert len(cells) == 0
    assert cells.attrs["hidden_cells"] == 0
