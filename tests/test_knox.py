"""Knox near-repeat test on synthetic patterns with and without planted near-repeats."""

from __future__ import annotations

import numpy as np
import pytest

from geo.analysis.knox import knox_matrix, knox_test, near_repeat
from geo.core.errors import AnalysisError
from tests.analysis_helpers import ORIGIN, metric_points

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
    table = knox_test(xy, t, space_bands_m=(100, 200, 400), time_bands_days=(7, 14, 30), permutations=9)
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
    table = near_repeat(metric_points(xy, dates=dates), permutations=19)
    assert table.attrs["n"] == 50
    with pytest.raises(AnalysisError, match="at least 3"):
        knox_test(xy[:2], t[:2])
    with pytest.raises(AnalysisError, match="permutations"):
        knox_test(xy, t, permutations=0)
    with pytest.raises(AnalysisError, match="increase strictly"):
        knox_test(xy, t, space_bands_m=(200, 100))
    with pytest.raises(AnalysisError, match=r"\(n, 2\)"):
        knox_test(xy, t[:10])
