"""Knox near-repeat test on synthetic patterns with and without planted near-repeats."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.analysis.knox import knox_matrix, knox_test, near_repeat
from geo.core.errors import AnalysisError
from geo.core.settings import get_settings
from tests.analysis_helpers import ORIGIN, metric_points

A = get_settings().analysis
NEAR = {"seed": A.seed, "same_location_m": A.knox_same_location_m, "dedupe_minutes": A.knox_dedupe_minutes}
"""The configured seed and de-duplication of :func:`near_repeat`."""

X0, Y0 = ORIGIN


def _random(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = np.column_stack([X0 + rng.uniform(0, 3000, n), Y0 + rng.uniform(0, 3000, n)])
    return xy, rng.uniform(0, 730, n)


def _brute(xy: np.ndarray, t: np.ndarray, s_edges: list[float], t_edges: list[float]) -> np.ndarray:
    out = np.zeros((len(s_edges) + 1, len(t_edges) + 1), dtype=int)
    for a in range(len(t)):
        for b in range(a + 1, len(t)):
            d = np.hypot(*(xy[a] - xy[b]))
            dt = abs(t[a] - t[b])
            si = next((k for k, e in enumerate(s_edges) if d <= e), len(s_edges))
            ti = next((k for k, e in enumerate(t_edges) if dt <= e), len(t_edges))
            out[si, ti] += 1
    return out


def test_observed_counts_match_brute_force_including_edges() -> None:
    xy, t = _random(120, 1)
    # pairs exactly on band edges: 100 m apart and 7 days apart -> the lower bands
    xy = np.vstack([xy, [[X0, Y0], [X0 + 100, Y0]]])
    t = np.concatenate([t, [10.0, 17.0]])
    table = knox_test(xy, t, space_bands_m=(100, 200, 400), time_bands_days=(7, 14, 30), permutations=9, seed=A.seed)
    observed = knox_matrix(table, "observed").to_numpy()
    np.testing.assert_array_equal(observed, _brute(xy, t, [100, 200, 400], [7, 14, 30]))
    assert observed.sum() == len(t) * (len(t) - 1) // 2 == table.attrs["pairs"]
    assert list(knox_matrix(table).index) == ["0-100", "100-200", "200-400", ">400"]
    assert list(knox_matrix(table).columns) == ["0-7", "7-14", "14-30", ">30"]


def test_no_near_repeats_gives_ratios_near_one() -> None:
    xy, t = _random(400, 2)
    table = knox_test(xy, t, permutations=199, seed=1)
    close = table[(table["space_band"] == "0-100") & (table["time_band"] == "0-7")].iloc[0]
    assert 0.3 < close["ratio"] < 2.0
    assert close["p_value"] > 0.01
    assert (table["p_value"] < 0.01).sum() <= 1
    far = table[(table["space_band"] == ">400") & (table["time_band"] == ">30")].iloc[0]
    assert far["ratio"] == pytest.approx(1.0, abs=0.02)


def test_planted_near_repeats_are_found() -> None:
    xy, t = _random(300, 3)
    rng = np.random.default_rng(4)
    seeds = rng.choice(300, size=60, replace=False)
    follow_xy = xy[seeds] + rng.normal(0, 25, size=(60, 2))
    follow_t = t[seeds] + rng.uniform(0.5, 5, size=60)
    xy2, t2 = np.vstack([xy, follow_xy]), np.concatenate([t, follow_t])
    table = knox_test(xy2, t2, permutations=199, seed=7)
    close = table[(table["space_band"] == "0-100") & (table["time_band"] == "0-7")].iloc[0]
    assert close["observed"] >= 60
    assert close["ratio"] > 5
    assert close["p_value"] == pytest.approx(1 / 200)
    # reproducible with the same seed
    again = knox_test(xy2, t2, permutations=199, seed=7)
    np.testing.assert_array_equal(again["expected"], table["expected"])


def test_near_repeat_on_incidents_and_bad_input() -> None:
    xy, t = _random(50, 5)
    dates = [f"2016-{1 + int(d // 31) % 12:02d}-{1 + int(d) % 28:02d}" for d in t]
    table = near_repeat(metric_points(xy, dates=dates), permutations=19, **NEAR)
    assert table.attrs["n"] == 50
    with pytest.raises(AnalysisError, match="at least 3"):
        knox_test(xy[:2], t[:2], seed=A.seed, permutations=A.gi_permutations)
    with pytest.raises(AnalysisError, match="permutations"):
        knox_test(xy, t, permutations=0, seed=A.seed)
    with pytest.raises(AnalysisError, match="increase strictly"):
        knox_test(xy, t, space_bands_m=(200, 100), permutations=A.gi_permutations, seed=A.seed)
    with pytest.raises(AnalysisError, match=r"\(n, 2\)"):
        knox_test(xy, t[:10], seed=A.seed, permutations=A.gi_permutations)


def test_exact_expected_and_observed_equal_pointpats_knox() -> None:
    from pointpats.spacetime import Knox

    xy, t = _random(150, 4)
    table = knox_test(xy, t, space_bands_m=(250,), time_bands_days=(20,), permutations=9, seed=A.seed)
    ref = Knox(xy, t[:, None], delta=250, tau=20, permutations=0)
    obs = knox_matrix(table, "observed").to_numpy()
    exp = knox_matrix(table, "expected").to_numpy()
    # pointpats: [[space & time, space only], [time only, neither]]; ours: rows space, columns time
    np.testing.assert_array_equal(
        obs, [[ref.observed[0, 0], ref.observed[0, 1]], [ref.observed[1, 0], ref.observed[1, 1]]]
    )
    np.testing.assert_allclose(exp, ref.expected, rtol=0, atol=1e-9)


def test_exact_expected_equals_the_permutation_mean_within_strata() -> None:
    rng = np.random.default_rng(7)
    xy, _ = _random(90, 2)
    strata = np.repeat(["a", "b", "c"], 30)
    # stratum b happens in one busy month, a and c over two years
    t = np.concatenate([rng.uniform(0, 730, 30), rng.uniform(100, 130, 30), rng.uniform(0, 730, 30)])
    table = knox_test(
        xy, t, space_bands_m=(300, 600), time_bands_days=(7, 30), permutations=1, strata=strata, seed=A.seed
    )
    exp = knox_matrix(table, "expected").to_numpy()
    # the mean over many stratified permutations, computed here independently
    sims = []
    for _ in range(3000):
        tp = t.copy()
        for s in "abc":
            idx = np.flatnonzero(strata == s)
            tp[idx] = tp[rng.permutation(idx)]
        sims.append(_brute_fast(xy, tp, [300, 600], [7, 30]))
    mean = np.mean(sims, axis=0)
    se = np.std(sims, axis=0) / np.sqrt(len(sims)) + 1e-9
    assert np.all(np.abs(exp - mean) <= 4.5 * se + 1e-6)
    assert exp.sum() == pytest.approx(90 * 89 / 2)


def _brute_fast(xy: np.ndarray, t: np.ndarray, s_edges: list[float], t_edges: list[float]) -> np.ndarray:
    i, j = np.triu_indices(len(t), 1)
    d = np.hypot(*(xy[i] - xy[j]).T)
    dt = np.abs(t[i] - t[j])
    si = np.searchsorted(s_edges, d, side="left")
    ti = np.searchsorted(t_edges, dt, side="left")
    return np.bincount(si * (len(t_edges) + 1) + ti, minlength=(len(s_edges) + 1) * (len(t_edges) + 1)).reshape(
        len(s_edges) + 1, len(t_edges) + 1
    )


def test_same_location_band_and_duplicates_counted_once() -> None:
    xy, t = _random(60, 9)
    # one event recorded three times (same point, within the hour) and one address hit twice a month apart
    xy = np.vstack([xy, [[X0 + 50, Y0 + 50]] * 3, [[X0 + 900, Y0 + 900]] * 2])
    t = np.concatenate([t, [100.0, 100.01, 100.02, 200.0, 230.0]])
    from geo.analysis.knox import dedupe_events

    keep = dedupe_events(xy, t, same_location_m=1.0, minutes=60)
    assert keep.sum() == 60 + 1 + 2
    assert keep[60]
    assert not keep[61:63].any()
    case = np.array([f"c{i}" for i in range(len(t))], dtype=object)
    case[1] = "c0"
    by_case = dedupe_events(xy, t, case_ids=case, same_location_m=1.0, minutes=0)
    assert by_case[:2].sum() == 1  # the earlier of the two records sharing a case number
    assert by_case[2:].all()
    table = knox_test(
        xy[keep],
        t[keep],
        space_bands_m=(100, 200),
        time_bands_days=(7, 30),
        permutations=9,
        same_location_m=1.0,
        seed=A.seed,
    )
    assert table["space_band"].iloc[0] == "same"
    same = table[table["space_band"] == "same"]
    assert same["observed"].sum() == 1  # the address hit twice, 30 days apart
    assert table.attrs["multiple_testing"]["cells"] == 4 * 3


def test_near_repeat_dedupes_and_stratifies_by_month() -> None:
    xy, t = _random(80, 3)
    dates = (np.datetime64("2020-01-01") + t.astype(int).astype("timedelta64[D]")).astype(str)
    inc = metric_points(np.vstack([xy, xy[:1]]), dates=[*dates, dates[0]])
    table = near_repeat(inc, permutations=9, **NEAR)
    assert table.attrs["deduplicated"] == 1
    assert table.attrs["n"] == 80
    assert table.attrs["strata"] > 1


def _batched_by_area(seed: int) -> gpd.GeoDataFrame:
    """Two areas 6 km apart whose records were batched: area 1 in the first half of each month, area 2 in the
    second half; within an area, places and days are independent (no near repeat at all)."""
    rng = np.random.default_rng(seed)
    rows, dates, areas = [], [], []
    for area, (x0, first_day) in {"1": (X0, 0), "2": (X0 + 6000, 15)}.items():
        for month in range(1, 13):
            for _ in range(12):
                rows.append((x0 + rng.uniform(0, 1500), Y0 + rng.uniform(0, 1500)))
                dates.append(f"2019-{month:02d}-{1 + first_day + int(rng.integers(0, 13)):02d}")
                areas.append(area)
    inc = metric_points(rows, dates=dates)
    inc["area"] = pd.array(areas, dtype="string")
    return inc


def test_area_and_month_strata_use_the_sources_area_code() -> None:
    inc = _batched_by_area(4)
    by_area = near_repeat(inc, space_bands_m=(2000,), time_bands_days=(7,), permutations=9, **NEAR)
    by_month = near_repeat(inc, space_bands_m=(2000,), time_bands_days=(7,), permutations=9, **NEAR, strata="month")
    near = ("1-2000", "0-7")

    def ratio(table: pd.DataFrame) -> float:
        return float(knox_matrix(table, "ratio").loc[near])

    assert by_area.attrs["strata_rule"] == "area_month"
    assert by_area.attrs["strata"] == 24  # 2 areas x 12 months
    assert by_month.attrs["strata"] == 12
    assert ratio(by_month) > 1.3  # the batching looks like near repeats when the area is ignored
    assert abs(ratio(by_area) - 1.0) < 0.1


def test_without_an_area_code_the_strata_are_the_month_and_the_result_says_so() -> None:
    inc = _batched_by_area(5)
    inc["area"] = pd.array([pd.NA] * len(inc), dtype="string")  # as the LA Times file: no area code
    table = near_repeat(inc, space_bands_m=(2000,), time_bands_days=(7,), permutations=9, **NEAR)
    assert table.attrs["strata_rule"] == "month"
    assert table.attrs["strata_asked"] == "area_month"
    assert table.attrs["strata"] == 12
