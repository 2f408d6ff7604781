"""Counts per square stepped through time (geo.exports.playback) and the two-way rule under them
(Disclosure.cross): a hidden count stays hidden against every total printed beside it."""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from shapely.geometry import Point

from geo.core.disclosure import SHOWN, WITHHELD, Disclosure, ShownCounts
from geo.core.errors import AnalysisError
from geo.exports.playback import MAX_FRAMES, frames_of, playback
from geo.exports.privacy import public_cells

PUBLIC = Disclosure(3, public=True, period="month")
INTERNAL = Disclosure(3, public=False, period="month")


# --- the two-way rule --------------------------------------------------------------------------


def _reader_bounds(table_status: np.ndarray, values: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of every entry for a reader who knows the rule: shown exactly, "fewer than m" from 1 to m-1, "withheld"
    from m up (a shown count withheld beside small ones) unless its whole row or column is withheld (from 0)."""
    row_whole = (table_status == WITHHELD).all(axis=1)
    col_whole = (table_status == WITHHELD).all(axis=0)
    lo = np.zeros(values.shape)
    hi = np.full(values.shape, math.inf)
    for (i, j), status in np.ndenumerate(table_status):
        if status == SHOWN:
            lo[i, j] = hi[i, j] = values[i, j]
        elif status == "fewer":
            lo[i, j], hi[i, j] = 1, m - 1
        elif not (row_whole[i] or col_whole[j]):
            lo[i, j] = m
    return lo, hi


def _total_bounds(shown: ShownCounts) -> list[tuple[float, float]]:
    return [shown[i].bounds() for i in range(len(shown))]


def _attack(raw: np.ndarray, rule: Disclosure) -> list[tuple[int, int, float, float]]:
    """Every hidden entry's least and greatest whole value given all that is printed (rows, columns, grand total)."""
    tab = rule.cross(raw)
    status = tab.status.to_numpy()
    values = tab.values.to_numpy(dtype=float, na_value=np.nan)
    lo, hi = _reader_bounds(status, np.nan_to_num(values), rule.min_count)
    r, c = raw.shape
    n = r * c
    rows_a = np.zeros((r, n))
    cols_a = np.zeros((c, n))
    for i in range(r):
        rows_a[i, i * c : (i + 1) * c] = 1
    for j in range(c):
        cols_a[j, j::c] = 1
    row_b = _total_bounds(rule.counts(raw.sum(axis=1)))
    col_b = _total_bounds(rule.counts(raw.sum(axis=0)))
    grand = rule.count(int(raw.sum())).bounds()
    cons = [
        LinearConstraint(rows_a, [b[0] for b in row_b], [b[1] for b in row_b]),
        LinearConstraint(cols_a, [b[0] for b in col_b], [b[1] for b in col_b]),
        LinearConstraint(np.ones((1, n)), [grand[0]], [grand[1]]),
    ]
    bounds = Bounds(lo.ravel(), np.minimum(hi.ravel(), 10_000))
    out = []
    for k in np.flatnonzero(status.ravel() != SHOWN):
        ends = []
        for sign in (1, -1):
            goal = np.zeros(n)
            goal[k] = sign
            res = milp(goal, constraints=cons, bounds=bounds, integrality=np.ones(n))
            assert res.success, "the true table must be one of the reader's candidates"
            ends.append(sign * res.fun)
        out.append((k // c, k % c, ends[0], ends[1]))
    return out


@settings(max_examples=80, deadline=None)
@given(
    counts=st.lists(st.integers(0, 6), min_size=12, max_size=12),
    shape=st.sampled_from([(3, 4), (4, 3), (2, 6), (6, 2)]),
)
def test_a_hidden_entry_keeps_two_values_against_row_and_column_totals(
    counts: list[int], shape: tuple[int, ...]
) -> None:
    raw = np.array(counts).reshape(shape)
    for row, col, least, most in _attack(raw, PUBLIC):
        if most == 0:  # a zero may be shown, so a withheld square of a line whose total is 0 tells nothing new
            continue
        assert most - least >= 1, (raw.tolist(), row, col, least, most)


def test_a_hidden_square_is_recovered_from_its_column_without_the_column_rule() -> None:
    """The case the rows alone miss: a month's total on the trend gives a square's hidden count back."""
    raw = np.array([[2, 4, 0], [5, 5, 6], [4, 0, 5]])
    rows_only = PUBLIC.table(pd.DataFrame(raw), row_totals=True)
    assert rows_only.status.iloc[0, 0] != SHOWN
    column = raw[:, 0]
    shown_rest = [rows_only.values.iloc[i, 0] for i in (1, 2)]
    assert not any(pd.isna(v) for v in shown_rest)  # rows alone show the others of its month:
    assert int(column.sum()) - sum(int(v) for v in shown_rest) == 2  # the month's total gives the 2 back
    crossed = PUBLIC.cross(raw)
    assert crossed.status.iloc[0, 0] != SHOWN
    assert crossed.hidden.iloc[:, 0].sum() >= 2


def test_the_internal_view_shows_the_whole_table() -> None:
    raw = np.array([[1, 2], [0, 7]])
    tab = INTERNAL.cross(raw)
    assert tab.values.to_numpy().tolist() == raw.tolist()
    assert not tab.hidden.to_numpy().any()


def test_a_square_with_a_hidden_total_is_hidden_in_every_step() -> None:
    tab = PUBLIC.cross(np.array([[0, 1, 1, 0], [3, 4, 5, 6]]))
    assert (tab.status.iloc[0] == WITHHELD).all()  # the steps it had incidents in are not told apart
    assert tab.row_totals is not None
    assert tab.row_totals[0].hidden


def test_cross_keeps_rows_as_the_map_shows_them() -> None:
    raw = np.array([[4, 0, 3], [1, 1, 5], [0, 9, 2]])
    tab = PUBLIC.cross(raw)
    assert tab.row_totals is not None
    alone = PUBLIC.counts(raw.sum(axis=1))
    assert [tab.row_totals[i].plain() for i in range(3)] == [alone[i].plain() for i in range(3)]


# --- frames ------------------------------------------------------------------------------------


def test_steps_cover_the_period_and_cut_its_ends() -> None:
    frames = frames_of(dt.date(2023, 2, 15), dt.date(2023, 7, 10), "quarter")
    assert [(f.start, f.end) for f in frames] == [
        (dt.date(2023, 2, 15), dt.date(2023, 3, 31)),
        (dt.date(2023, 4, 1), dt.date(2023, 6, 30)),
        (dt.date(2023, 7, 1), dt.date(2023, 7, 10)),
    ]
    assert frames[1].label("quarter", "en") == "Q2 2023"
    assert frames[1].label("quarter", "es") == "T2 2023"
    assert "2023" in frames[0].label("quarter", "en")
    assert "15" in frames[0].label("quarter", "en")
    months = frames_of(dt.date(2024, 1, 1), dt.date(2024, 12, 31), "month")
    assert len(months) == 12
    assert months[2].label("month", "es") == "marzo 2024"
    assert months[2].label("month", "en") == "March 2024"


@pytest.mark.parametrize(
    ("start", "end", "step", "match"),
    [
        (dt.date(2024, 1, 1), dt.date(2023, 1, 1), "month", "ends"),
        (dt.date(2024, 1, 1), dt.date(2024, 2, 1), "week", "unknown time step"),
        (dt.date(1990, 1, 1), dt.date(2024, 1, 1), "month", "more than"),
    ],
)
def test_bad_periods_are_refused_with_the_reason(start: dt.date, end: dt.date, step: str, match: str) -> None:
    with pytest.raises(AnalysisError, match=match):
        frames_of(start, end, step)  # type: ignore[arg-type]


def test_the_frame_limit_is_what_it_says() -> None:
    last = (pd.Timestamp("2000-01-01") + pd.DateOffset(months=MAX_FRAMES - 1)).date()
    assert len(frames_of(dt.date(2000, 1, 1), last, "month")) == MAX_FRAMES
    with pytest.raises(AnalysisError, match="more than"):
        frames_of(dt.date(2000, 1, 1), last + dt.timedelta(days=31), "month")


def _incidents(points: list[tuple[float, float, str]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"occurred_at": pd.to_datetime([d for _, _, d in points]).tz_localize("America/Los_Angeles")},
        geometry=[Point(lon, lat) for lon, lat, _ in points],
        crs=4326,
    )


def _scattered(seed: int, n: int = 400) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    lon = -118.30 + rng.gamma(2.0, 0.002, n) * rng.choice([-1, 1], n)
    lat = 33.98 + rng.gamma(2.0, 0.002, n) * rng.choice([-1, 1], n)
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    return _incidents(list(zip(lon, lat, days.astype(str), strict=True)))


def test_a_square_is_counted_in_the_step_of_its_day() -> None:
    inc = _incidents([(-118.3, 33.98, "2024-01-31 23:59"), (-118.3, 33.98, "2024-02-01 00:01"),
                      (-118.3, 33.98, "2024-02-29 12:00"), (-118.2, 33.90, "2024-03-05 00:00")])  # fmt: skip
    pb = playback(inc, start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31), step="month", cell_m=150, rule=INTERNAL)
    assert len(pb.cells) == 2
    assert sorted(pb.table.values.to_numpy().tolist()) == [[0, 0, 1], [1, 2, 0]]
    assert pb.levels.min() == -1  # an empty step draws nothing
    texts = pb.texts("en")
    assert "" in texts.ravel().tolist()
    assert "2" in texts.ravel().tolist()


def test_public_squares_agree_with_the_public_map() -> None:
    """Each square's count over the period is the map's count of that square: the same grid and the same group."""
    inc = _scattered(3)
    pb = playback(inc, start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31), step="quarter", cell_m=150, rule=PUBLIC)
    cells = public_cells(inc, cell_m=150, min_count=3)
    assert pb.cells["cell_id"].tolist() == cells["cell_id"].tolist()
    assert pb.table.row_totals is not None
    assert [pb.table.row_totals[i].text("en") for i in range(len(pb.cells))] == cells["label"].astype(str).tolist()


def test_public_steps_agree_with_the_trend() -> None:
    """Each step's count is the trend's count of that step (one group under the period's total)."""
    inc = _scattered(4)
    pb = playback(inc, start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31), step="month", cell_m=150, rule=PUBLIC)
    monthly = inc["occurred_at"].dt.tz_localize(None).dt.to_period("M").value_counts().sort_index()
    sums = pb.table.values.fillna(0).to_numpy(dtype=int).sum(axis=0)
    trend = PUBLIC.counts(monthly.to_numpy())
    for j in range(len(pb.frames)):
        if not pb.table.hidden.iloc[:, j].any():
            assert sums[j] == monthly.iloc[j]
        if trend[j].hidden:
            assert pb.table.hidden.iloc[:, j][pb.table.values.iloc[:, j].fillna(1) != 0].all()


def test_the_classes_are_fixed_across_frames_and_hidden_squares_are_level_zero() -> None:
    pb = playback(_scattered(5, 900), start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31), step="quarter",
                  cell_m=150, rule=PUBLIC)  # fmt: skip
    hidden = pb.table.hidden.to_numpy()
    assert (pb.levels[hidden] == 0).all()
    shown = ~hidden & (pb.table.values.fillna(0).to_numpy() > 0)
    values = pb.table.values.to_numpy(dtype=float, na_value=0)
    expected = np.searchsorted(pb.breaks, values, side="right")
    assert (pb.levels[shown] == expected[shown]).all()
    assert (pb.levels[~hidden & (values == 0)] == -1).all()
    assert len(pb.class_labels) == len(pb.breaks)


def test_no_incidents_is_a_clear_refusal() -> None:
    with pytest.raises(AnalysisError, match="no incidents"):
        playback(_incidents([]), start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 1), step="month", cell_m=150,
                 rule=PUBLIC)  # fmt: skip


def test_the_lapd_sample_steps_month_by_month_as_the_map_and_trend_show_it() -> None:
    """The real LAPD sample (its squares, a year of months): every square's count agrees with the public map,
    every month's shown squares add up to at most its count, and nothing hidden is drawn with a count."""
    from geo.data.ingest import incidents_from_path
    from tests.conftest import shared_file

    inc = incidents_from_path(shared_file("lapd_crime", "Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz"))
    year = inc[inc["occurred_at"].dt.year == 2020]  # the sample's one year, all of the City
    pb = playback(year, start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31), step="month", cell_m=150, rule=PUBLIC)
    cells = public_cells(year, cell_m=150, min_count=3)
    assert pb.table.row_totals is not None
    assert [pb.table.row_totals[i].text("en") for i in range(len(pb.cells))] == cells["label"].astype(str).tolist()
    monthly = year["occurred_at"].dt.month.value_counts().sort_index().to_numpy()
    shown = pb.table.values.fillna(0).to_numpy(dtype=int).sum(axis=0)
    assert (shown <= monthly).all()
    assert (pb.levels[pb.table.hidden.to_numpy()] == 0).all()
    assert (pb.levels > 0).any()  # the busiest squares of the sample still show counts


def test_a_legend_with_no_count_shown_still_reads_as_a_range() -> None:
    inc = _incidents([(-118.3, 33.98, "2024-01-05 10:00"), (-118.3, 33.98, "2024-02-05 10:00")])
    pb = playback(inc, start=dt.date(2024, 1, 1), end=dt.date(2024, 2, 29), step="month", cell_m=150, rule=PUBLIC)
    assert (pb.levels == 0).all()
    assert pb.class_labels == ["3 or more"]
