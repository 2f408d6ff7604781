"""Gi* classes that hold when the seed changes (issue 27, cases 1 and 2): Monte Carlo error, more permutations,
the exact permutation p, the normal p as the last resort, and a grid the permutations alone cannot decide."""

from __future__ import annotations

import itertools
import warnings

import geopandas as gpd
import numpy as np
import pytest

from geo.analysis import gi_infer
from geo.analysis.gi_infer import exact_permutation_p, note_text
from geo.analysis.gi_perm import mc_error, mc_interval, permutation_p, permutation_tails
from geo.analysis.gistar import TooFewEventsWarning, hotspots_grid
from geo.core.errors import ConfigError
from geo.core.settings import AnalysisSettings
from tests.analysis_helpers import ORIGIN, metric_points

X0, Y0 = (np.ceil(v / 150.0) * 150.0 for v in ORIGIN)  # on the 150 m grid's lines


def _clusters(seed: int = 7) -> gpd.GeoDataFrame:
    """Background over 6 km and four clusters of falling strength: the kind of map whose permutation classes
    changed with the seed (seeds 0-4 gave 12, 12, 9, 10 and 12 classed cells, in different classes)."""
    rng = np.random.default_rng(seed)
    parts = [np.column_stack([X0 + rng.uniform(0, 6000, 500), Y0 + rng.uniform(0, 6000, 500)])]
    for cx, cy, n, spread in ((1500, 1500, 40, 60), (4000, 2000, 25, 90), (2500, 4500, 15, 120), (4800, 4800, 10, 150)):
        parts.append(np.column_stack([X0 + cx + rng.normal(0, spread, n), Y0 + cy + rng.normal(0, spread, n)]))
    return metric_points(np.vstack(parts))


def _classes(inc: gpd.GeoDataFrame, seed: int, analysis: AnalysisSettings | None = None) -> gpd.GeoDataFrame:
    return hotspots_grid(inc, analysis=analysis or AnalysisSettings(), cell_m=150, keep_all=True, seed=seed)


# --- the exact permutation distribution ------------------------------------------------------------------------


def test_exact_permutation_p_equals_the_enumeration_of_every_draw() -> None:
    rng = np.random.default_rng(3)
    x = rng.poisson(0.9, 11).astype(float)
    card = np.array([3, 2, 4, 3, 5, 2, 3, 4, 1, 0, 6])
    lag = np.array([rng.choice(np.delete(x, i), k, replace=False).sum() if k else 0.0 for i, k in enumerate(card)])
    expected = []
    for i, k in enumerate(card):
        others = np.delete(x, i)
        sums = np.array([others[list(c)].sum() for c in itertools.combinations(range(x.size - 1), k)]) if k else []
        expected.append(min(1.0, 2 * min(np.mean(sums >= lag[i]), np.mean(sums <= lag[i]))) if k else 1.0)
    np.testing.assert_allclose(exact_permutation_p(x, lag, card), expected, rtol=0, atol=1e-12)


def test_the_monte_carlo_p_converges_to_the_exact_p_within_its_error() -> None:
    rng = np.random.default_rng(8)
    x = rng.poisson(1.5, 300).astype(float)
    x[:6] += 6
    card = np.full(300, 8)
    lag = np.array([x[(i + np.arange(1, 9)) % 300].sum() for i in range(300)])
    exact = exact_permutation_p(x, lag, card)
    assert exact is not None
    larger, smaller = permutation_tails(x, lag, card, permutations=20_000, seed=2)
    _, p = permutation_p(x, lag, card, permutations=20_000, seed=2)
    se = mc_error(larger, smaller, 20_000)
    assert np.abs(p - exact).max() < 4.5 * se.max()
    assert np.abs((p - exact) / np.maximum(se, 1e-4)).max() < 5
    low, high = mc_interval(larger, smaller, 20_000, confidence=0.999)
    assert np.mean((low <= exact) & (exact <= high)) > 0.99  # the interval holds the limit


def test_whole_counts_only_and_a_limit_on_the_work() -> None:
    assert exact_permutation_p(np.array([0.5, 1.0, 2.0]), np.array([1.0, 0.5, 1.5]), np.array([1, 1, 1])) is None
    assert gi_infer.exact_work(np.array([0, 1, 900.0]), np.array([8, 8, 8])) > gi_infer.exact_work(
        np.array([0, 1, 9.0]), np.array([8, 8, 8])
    )


# --- Monte Carlo error ------------------------------------------------------------------------------------------


def test_each_p_carries_its_monte_carlo_error() -> None:
    cells = _classes(_clusters(), seed=0)
    perms = cells.attrs["permutations"]
    mc = ~cells["p_exact"].to_numpy(bool)
    p = cells["p"].to_numpy()[mc]
    # p = 2 (c + 1) / (P + 1): the binomial error of the tail share, doubled
    pi = np.minimum(p * (perms + 1) / 2, perms / 2 + 0.5) / (perms + 1)
    np.testing.assert_allclose(cells["p_mc_se"].to_numpy()[mc], 2 * np.sqrt(pi * (1 - pi) / perms), rtol=1e-9)
    assert (cells.loc[~mc, "p_mc_se"] == 0).all()
    # the error is what another seed shows: the spread of one cell's p over seeds
    x = np.random.default_rng(1).poisson(2.0, 400).astype(float)
    card = np.full(400, 8)
    lag = np.full(400, 24.0)
    ps = np.array([permutation_p(x, lag, card, permutations=999, seed=s)[1][0] for s in range(40)])
    larger, smaller = permutation_tails(x, lag, card, permutations=999, seed=0)
    assert 0.6 < ps.std() / mc_error(larger, smaller, 999)[0] < 1.5


# --- classes that do not depend on the seed ---------------------------------------------------------------------


def test_the_same_request_with_another_seed_gives_the_same_classes() -> None:
    inc = _clusters()
    runs = [_classes(inc, seed) for seed in range(4)]
    first = runs[0]["gi_class"].to_numpy()
    assert (first != 0).sum() >= 10
    for other in runs[1:]:
        np.testing.assert_array_equal(other["gi_class"].to_numpy(), first)
        np.testing.assert_array_equal(other["significant"].to_numpy(), runs[0]["significant"].to_numpy())
    a = runs[0].attrs
    assert a["inference"] == "permutation"
    assert a["exact_cells"] > 0  # the cells the Monte Carlo error left open
    assert [n["key"] for n in a["notes"]] == ["gi.exact"]
    assert "11,702 permutations" in a["notes_text"][0]
    assert "no class depends on the seed" in a["notes_text"][0]
    assert "ninguna clase depende de la semilla" in note_text(a["notes"][0], "es")


def test_a_decision_at_the_p_floor_is_settled_the_same_way_as_with_more_permutations() -> None:
    """999 permutations over 1,709 cells (the work capped): the smallest p, 0.002, would need 35 cells there
    for Benjamini-Hochberg at 10 %; the map says so, and the classes equal those of the full budget."""
    inc = _clusters()
    tight = AnalysisSettings(gi_max_permutation_work=1_000_000)
    full = _classes(inc, 0)["gi_class"].to_numpy()
    for seed in (0, 1, 2):
        cells = _classes(inc, seed, tight)
        a = cells.attrs
        assert a["permutations"] == 999
        assert a["resolution_limited"] is True
        assert a["p_floor"] == pytest.approx(0.002)
        keys = [n["key"] for n in a["notes"]]
        assert keys == ["gi.unreachable", "gi.exact"]
        np.testing.assert_array_equal(cells["gi_class"].to_numpy(), full)
    reach = note_text(a["notes"][0], "en")
    assert "999 permutations alone cannot reach significance over 1,709 cells" in reach
    assert "0.0020" in reach
    assert "focus area, larger cells or more permutations" in reach
    assert "área de enfoque" in note_text(a["notes"][0], "es")


def test_open_classes_raise_the_permutations_up_to_the_cap_first() -> None:
    rng = np.random.default_rng(5)
    xy = np.vstack(
        [
            np.column_stack([X0 + rng.uniform(0, 1500, 160), Y0 + rng.uniform(0, 1500, 160)]),
            np.column_stack([X0 + 700 + rng.normal(0, 40, 30), Y0 + 700 + rng.normal(0, 40, 30)]),
        ]
    )
    inc = metric_points(xy)
    first = _classes(inc, 0, AnalysisSettings(gi_max_permutations=999))
    assert first.attrs["permutations"] == 999  # no room: the exact p settles the open classes
    raised = _classes(inc, 0, AnalysisSettings(gi_max_permutations=59_999))
    n = raised.attrs["n_cells"]
    assert 200 * n - 1 < 59_999  # the first run (enough for one cell at 99 %) was below the cap
    assert raised.attrs["permutations"] == 59_999
    np.testing.assert_array_equal(raised["gi_class"].to_numpy(), first["gi_class"].to_numpy())


def test_the_normal_p_when_the_exact_distribution_is_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gi_infer, "EXACT_MAX_WORK", 0)
    inc = _clusters()
    runs = [_classes(inc, seed) for seed in (0, 3)]
    a = runs[0].attrs
    assert a["inference"] == "normal"
    assert a["inference_requested"] == "permutation"
    assert [n["key"] for n in a["notes"]] == ["gi.fallback_normal"]
    assert "the normal p is used for every cell" in a["notes_text"][0]
    np.testing.assert_array_equal(runs[0]["gi_class"].to_numpy(), runs[1]["gi_class"].to_numpy())
    normal = hotspots_grid(inc, cell_m=150, keep_all=True, inference="normal")
    np.testing.assert_array_equal(runs[0]["gi_class"].to_numpy(), normal["gi_class"].to_numpy())
    assert runs[0]["p_mc_se"].isna().all()


def test_a_sparse_map_classes_nothing_and_settles_nothing() -> None:
    inc = metric_points(np.column_stack([X0 + np.arange(12) * 400.0, Y0 + np.arange(12) * 300.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        cells = _classes(inc, 0)
    assert cells.attrs["tested"] is False
    assert cells.attrs["notes"] == []
    assert cells.attrs["exact_cells"] == 0
    assert (cells["gi_class"] == 0).all()


def test_the_limits_are_settings_with_validation(tmp_path: pytest.TempPathFactory) -> None:
    from geo.core.settings import load_settings

    a = AnalysisSettings()
    assert (a.gi_max_permutations, a.gi_max_permutation_work, a.gi_mc_confidence) == (99_999, 20_000_000, 0.999)
    assert (a.kde_min_events, a.emerging_min_count) == (10, 5)
    with pytest.raises(ValueError, match="gi_max_permutations 999 is below gi_permutations 1999"):
        AnalysisSettings(gi_permutations=1999, gi_max_permutations=999)
    cfg = tmp_path / "bad.yaml"  # type: ignore[operator]
    cfg.write_text("analysis:\n  kde_min_events: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"analysis\.kde_min_events"):
        load_settings(cfg)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_map_page_notes_say_what_the_inference_did(lang: str) -> None:
    """The demo at 75 m cells with the permutations held to 999: the page says the permutations alone cannot
    decide and that the exact permutation p did; the legend no longer claims a lone cell cannot reach 99 %."""
    from geo.core.filters import Filters
    from geo.core.settings import get_settings
    from ui import analysis
    from ui.mapview import map_document, map_view

    s = get_settings()
    a = s.analysis.model_copy(update={"gi_max_permutation_work": 1_000_000, "grid_cell_m": 75.0})
    tight = s.model_copy(update={"analysis": a})
    view = map_view(
        tight, Filters(), layers=("gistar",), zones=(), public=False, lang=lang, tiles=False, synthetic=True
    )
    notes = " ".join(map_document(view, tight).notes)
    if lang == "en":
        assert "999 permutations alone cannot reach significance over 27,458 cells" in notes
        assert "take their exact permutation p" in notes
    else:
        assert "Con solo 999 permutaciones no se puede alcanzar significación entre 27,458 celdas" in notes
        assert "usan su p exacto por permutaciones" in notes
    cells, gi = analysis.gistar(tight, Filters())
    assert gi["resolution_limited"] is False  # settled by the exact p: no legend row saying 99 % is out of reach
    assert (cells["gi_class"] == 3).any()
