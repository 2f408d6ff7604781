"""The orienteering solvers against brute force on small cases (geo.patrol.solvers)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.core.settings import get_settings
from geo.patrol import solvers as ot
from tests.route_helpers import solve_brute_force

PATROL = get_settings().patrol


def instance(n: int, seed: int, *, side_m: float = 1500.0, dwell_s: int = 900):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, side_m, (n + 1, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    travel = np.ceil(d / 1.2).astype(np.int64)
    prize = np.r_[0, rng.integers(1, 40, n)].astype(np.int64)
    service = np.r_[0, np.full(n, dwell_s)].astype(np.int64)
    return travel, prize, service


def key(t: ot.Tour) -> tuple[int, int]:
    return (t.prize, t.time_s)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    n=st.integers(1, 7),
    seed=st.integers(0, 10_000),
    budget=st.integers(600, 9000),
    max_stops=st.one_of(st.none(), st.integers(1, 5)),
)
def test_exact_matches_brute_force(n, seed, budget, max_stops):
    travel, prize, service = instance(n, seed)
    bf = solve_brute_force(travel, prize, service, budget, max_stops=max_stops)
    ex = ot.solve_exact(travel, prize, service, budget, max_stops=max_stops)
    assert key(ex) == key(bf)
    assert ot.tour_time(ex.order, travel, service) == ex.time_s <= budget
    assert len(set(ex.order)) == len(ex.order)
    if max_stops is not None:
        assert len(ex.order) <= max_stops


@settings(max_examples=60, deadline=None, derandomize=True)
@given(n=st.integers(1, 8), seed=st.integers(0, 10_000), budget=st.integers(0, 12_000))
def test_solve_finds_the_brute_force_optimum_and_respects_the_budget(n, seed, budget):
    travel, prize, service = instance(n, seed)
    best = ot.solve(travel, prize, service, budget, max_stops=None, time_limit_s=PATROL.solver_time_limit_s)
    bf = solve_brute_force(travel, prize, service, budget)
    assert best.prize == bf.prize
    assert best.time_s <= budget
    assert ot.tour_time(best.order, travel, service) == best.time_s


@pytest.mark.parametrize("seed", range(12))
def test_heuristic_path_finds_the_optimum(seed):
    """Force the OR-Tools + exact-subset search (n above exact_max); the optimum is the exact
    programme's, itself checked against brute force above."""
    travel, prize, service = instance(15, seed)
    budget = 3600 + 600 * seed
    heur = ot.solve(travel, prize, service, budget, max_stops=6, exact_max=10, time_limit_s=PATROL.solver_time_limit_s)
    best = ot.solve_exact(travel, prize, service, budget, max_stops=6)
    assert heur.method.startswith(("ortools", "nearest_neighbour"))
    assert heur.time_s <= budget
    assert len(heur.order) <= 6
    assert heur.prize == best.prize


@pytest.mark.parametrize("seed", range(6))
def test_ortools_alone_is_feasible_and_close(seed):
    travel, prize, service = instance(7, seed)
    budget = 5400
    raw = ot.solve_ortools(travel, prize, service, budget, max_stops=5, time_limit_s=PATROL.solver_time_limit_s)
    bf = solve_brute_force(travel, prize, service, budget, max_stops=5)
    assert raw.time_s <= budget
    assert len(raw.order) <= 5
    assert raw.prize >= 0.7 * bf.prize


def test_known_optimum_by_hand():
    # start 0; stops 1 and 2 are 100 s away on opposite sides, stop 3 is far but heavy.
    travel = np.array(
        [[0, 100, 100, 1000], [100, 0, 200, 1100], [100, 200, 0, 900], [1000, 1100, 900, 0]], dtype=np.int64
    )
    service = np.array([0, 60, 60, 60], dtype=np.int64)
    prize = np.array([0, 5, 5, 11], dtype=np.int64)
    # 0-1-2-0 takes 520 s for 10; 0-3-0 takes 2060 s for 11; 0-2-3-0 takes 2120 s for 16
    assert ot.solve(travel, prize, service, 600, time_limit_s=PATROL.solver_time_limit_s).order in ((1, 2), (2, 1))
    assert ot.solve(travel, prize, service, 2060, time_limit_s=PATROL.solver_time_limit_s).order == (3,)
    t = ot.solve(travel, prize, service, 2300, time_limit_s=PATROL.solver_time_limit_s)
    assert t.prize == 16
    assert t.time_s == 100 + 60 + 900 + 60 + 1000
    t = ot.solve(travel, prize, service, 2400, time_limit_s=PATROL.solver_time_limit_s)
    assert t.prize == 21
    assert t.time_s == 100 + 60 + 200 + 60 + 900 + 60 + 1000
    assert ot.solve(travel, prize, service, 100, time_limit_s=PATROL.solver_time_limit_s).order == ()


def test_unreachable_stops_are_never_chosen():
    travel, prize, service = instance(5, 3)
    travel[0, 2] = travel[2, 0] = ot.UNREACHABLE
    travel[1:, 2] = travel[2, 1:] = ot.UNREACHABLE
    t = ot.solve(travel, prize, service, 50_000, time_limit_s=PATROL.solver_time_limit_s)
    assert 2 not in t.order
    assert t.time_s <= 50_000


def test_large_instances_are_deterministic_and_beat_nearest_neighbour():
    travel, prize, service = instance(25, 7)
    budget = 3 * 3600
    a = ot.solve(travel, prize, service, budget, max_stops=8, time_limit_s=PATROL.solver_time_limit_s)
    b = ot.solve(travel, prize, service, budget, max_stops=8, time_limit_s=PATROL.solver_time_limit_s)
    assert a == b
    nn = ot.solve_nearest_neighbour(travel, prize, service, budget, max_stops=8)
    assert a.prize >= nn.prize
    assert a.time_s <= budget
    assert len(a.order) <= 8


def test_two_opt_never_lengthens():
    travel, _prize, service = instance(8, 11)
    tour = ot.Tour((1, 2, 3, 4, 5, 6, 7, 8), 0, ot.tour_time((1, 2, 3, 4, 5, 6, 7, 8), travel, service), "x")
    better = ot.two_opt(tour, travel, service)
    assert sorted(better.order) == sorted(tour.order)
    assert better.time_s <= tour.time_s
