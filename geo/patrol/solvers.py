"""Solvers for the prize-collecting loop (orienteering) problem behind the foot-patrol planner.

Node 0 is the start; nodes 1..n are candidate stops with integer prizes and service (dwell) times.
A route leaves the start, visits a subset of stops in some order and comes back; its time is the
sum of walking times plus the service time of every visited stop, and must not exceed the budget.
Maximise the prize collected; among routes with the same prize, take the shortest.

- :func:`solve_exact`: dynamic programming over subsets (Held-Karp), exact, for up to ~14 stops.
- :func:`solve_ortools`: OR-Tools' routing solver, skipped stops cost a disjunction penalty
  proportional to their prize, a time dimension with the budget as capacity, deterministic
  (a fixed first-solution strategy and guided local search bounded by a solution count).
- :func:`solve_nearest_neighbour`: the naive greedy tour, the benchmark's baseline.

All times are integer seconds; matrices are ``(n + 1, n + 1)`` with :data:`UNREACHABLE` for
pairs with no path.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

UNREACHABLE = np.iinfo(np.int64).max // 8
EXACT_MAX = 14


@dataclass(frozen=True)
class Tour:
    """A solution: the visit order (stop numbers 1..n, start excluded), prize and time (seconds)."""

    order: tuple[int, ...]
    prize: int
    time_s: int
    method: str


def tour_time(order: tuple[int, ...] | list[int], travel: NDArray[np.int64], service: NDArray[np.int64]) -> int:
    """Time of the loop ``0 -> order... -> 0`` in seconds (walking plus service)."""
    total = 0
    prev = 0
    for node in order:
        total += int(travel[prev, node]) + int(service[node])
        prev = node
    return total + int(travel[prev, 0])


def solve_exact(
    travel: NDArray[np.int64],
    prize: NDArray[np.int64],
    service: NDArray[np.int64],
    budget_s: int,
    *,
    max_stops: int | None = None,
) -> Tour:
    """Held-Karp dynamic programme over subsets: the optimum, in O(2^n n^2) (numpy-vectorised)."""
    n = len(prize) - 1
    if n == 0:
        return Tour((), 0, 0, "exact")
    if n > 20:
        msg = f"the exact solver handles at most 20 stops, got {n}"
        raise ValueError(msg)
    size = 1 << n
    big = np.int64(UNREACHABLE)
    # dp[mask, j]: least time to leave the start, visit exactly `mask` and stand at stop j (after its dwell)
    dp = np.full((size, n), big, dtype=np.int64)
    parent = np.full((size, n), -1, dtype=np.int16)
    for j in range(n):
        t = int(travel[0, j + 1]) + int(service[j + 1])
        if t < UNREACHABLE and t <= budget_s:
            dp[1 << j, j] = t
    masks = np.arange(size, dtype=np.int64)
    popcount = np.zeros(size, dtype=np.int64)
    for j in range(n):
        popcount += (masks >> j) & 1
    cap = n if max_stops is None else min(n, max_stops)
    t_mat = travel[1:, 1:].astype(np.int64)
    s_vec = service[1:].astype(np.int64)
    for k in range(1, cap):
        _extend_layer(dp, parent, masks[popcount == k], t_mat, s_vec, budget_s)
    back = travel[1:, 0].astype(np.int64)
    closed = dp + back[None, :]
    closed[dp >= UNREACHABLE] = big
    closed[popcount > cap] = big
    feasible = closed <= budget_s
    if not feasible.any():
        return Tour((), 0, 0, "exact")
    return _best_tour(closed, feasible, parent, prize)


def _extend_layer(
    dp: NDArray[np.int64],
    parent: NDArray[np.int16],
    layer: NDArray[np.int64],
    t_mat: NDArray[np.int64],
    s_vec: NDArray[np.int64],
    budget_s: int,
) -> None:
    """One step of the dynamic programme, in place: every partial route over a subset of ``layer`` (subsets of one
    size) still within ``budget_s`` walks on to one more stop; ``dp`` keeps the least time of each (subset, last
    stop) and ``parent`` the stop before it."""
    n = dp.shape[1]
    for j in range(n):
        cur = dp[layer, j]
        ok = cur <= budget_s
        if not ok.any():
            continue
        src = layer[ok]
        base = cur[ok]
        for nxt in range(n):
            if nxt == j or t_mat[j, nxt] >= UNREACHABLE:
                continue
            free = (src >> nxt) & 1 == 0
            if not free.any():
                continue
            new_t = base[free] + t_mat[j, nxt] + s_vec[nxt]
            dest = src[free] | (1 << nxt)
            better = new_t < dp[dest, nxt]
            # masks in one layer are distinct, so each dest appears once per (j, nxt)
            dp[dest[better], nxt] = new_t[better]
            parent[dest[better], nxt] = j


def _best_tour(
    closed: NDArray[np.int64], feasible: NDArray[np.bool_], parent: NDArray[np.int16], prize: NDArray[np.int64]
) -> Tour:
    """The best of the feasible loops of the dynamic programme (``closed[mask, j]``: the time of the loop over
    ``mask`` ending at stop j): the highest prize, then the least time, then the smallest mask; its visit order is
    read back from ``parent``."""
    size, n = closed.shape
    masks = np.arange(size, dtype=np.int64)
    bits = ((masks[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int64)
    mask_prize = bits @ prize[1:].astype(np.int64)
    mask_ok = feasible.any(axis=1)
    best_time = np.where(feasible, closed, np.int64(UNREACHABLE)).min(axis=1)
    cand = np.flatnonzero(mask_ok)
    # highest prize, then least time, then the smallest mask
    key = np.lexsort((cand, best_time[cand], -mask_prize[cand]))
    mask = int(cand[key[0]])
    j = int(np.flatnonzero(feasible[mask] & (closed[mask] == best_time[mask]))[0])
    order: list[int] = []
    m = mask
    while j >= 0:
        order.append(j + 1)
        pj = int(parent[m, j])
        m ^= 1 << j
        j = pj
    order.reverse()
    return Tour(tuple(order), int(mask_prize[mask]), int(best_time[mask]), "exact")


def solve_ortools(
    travel: NDArray[np.int64],
    prize: NDArray[np.int64],
    service: NDArray[np.int64],
    budget_s: int,
    *,
    max_stops: int | None = None,
    time_limit_s: float,
    solution_limit: int = 400,
) -> Tour:
    """OR-Tools routing with prize-proportional penalties for skipped stops.

    Arc cost is the walking time; skipping stop i costs ``prize[i] * (budget_s + 1)``, more than
    any route's walking time, so the solver maximises the prize first and the walking second.
    The search (parallel cheapest insertion, then guided local search stopped after
    ``solution_limit`` solutions) is single-threaded and deterministic as long as
    ``time_limit_s`` (a safety net) is not what stops it.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    n = len(prize) - 1
    if n == 0:
        return Tour((), 0, 0, "ortools")
    big = budget_s + 1
    t = np.minimum(travel, big).astype(np.int64)
    arc = [[int(t[i, j]) for j in range(n + 1)] for i in range(n + 1)]
    timed = [[int(t[i, j] + service[i]) for j in range(n + 1)] for i in range(n + 1)]
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    arc_cb = routing.RegisterTransitMatrix(arc)
    time_cb = routing.RegisterTransitMatrix(timed)
    routing.SetArcCostEvaluatorOfAllVehicles(arc_cb)
    routing.AddDimension(time_cb, 0, int(budget_s), True, "Time")
    if max_stops is not None and max_stops < n:
        count_cb = routing.RegisterUnaryTransitVector([0] + [1] * n)
        routing.AddDimension(count_cb, 0, int(max_stops), True, "Stops")
    for i in range(1, n + 1):
        routing.AddDisjunction([manager.NodeToIndex(i)], int(prize[i]) * big)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.solution_limit = solution_limit
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return Tour((), 0, 0, "ortools")
    order: list[int] = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node != 0:
            order.append(node)
        index = solution.Value(routing.NextVar(index))
    tour = tuple(order)
    return Tour(tour, int(sum(prize[i] for i in tour)), tour_time(tour, travel, service), "ortools")


def solve_nearest_neighbour(
    travel: NDArray[np.int64],
    prize: NDArray[np.int64],
    service: NDArray[np.int64],
    budget_s: int,
    *,
    max_stops: int | None = None,
) -> Tour:
    """Naive greedy: walk to the nearest unvisited stop while the way back still fits the budget."""
    n = len(prize) - 1
    cap = n if max_stops is None else max_stops
    order: list[int] = []
    used = 0
    here = 0
    left = set(range(1, n + 1))
    while left and len(order) < cap:
        fits = [
            j
            for j in sorted(left)
            if used + int(travel[here, j]) + int(service[j]) + int(travel[j, 0]) <= budget_s
            and travel[here, j] < UNREACHABLE
        ]
        if not fits:
            break
        j = min(fits, key=lambda k: (int(travel[here, k]), k))
        used += int(travel[here, j]) + int(service[j])
        order.append(j)
        left.discard(j)
        here = j
    tour = tuple(order)
    return Tour(tour, int(sum(prize[i] for i in tour)), tour_time(tour, travel, service), "nearest_neighbour")


def two_opt(tour: Tour, travel: NDArray[np.int64], service: NDArray[np.int64]) -> Tour:
    """Shorten a tour's walking by 2-opt moves (same stops, same prize); deterministic."""
    order = list(tour.order)
    best_t = tour_time(order, travel, service)
    improved = True
    while improved and len(order) > 2:
        improved = False
        for i in range(len(order) - 1):
            for k in range(i + 1, len(order)):
                cand = order[:i] + order[i : k + 1][::-1] + order[k + 1 :]
                t = tour_time(cand, travel, service)
                if t < best_t:
                    order, best_t, improved = cand, t, True
    return Tour(tuple(order), tour.prize, best_t, tour.method)


def _sub(travel: NDArray[np.int64], idx: list[int]) -> NDArray[np.int64]:
    full = [0, *idx]
    return travel[np.ix_(full, full)]


def improve_by_subsets(
    tour: Tour,
    travel: NDArray[np.int64],
    prize: NDArray[np.int64],
    service: NDArray[np.int64],
    budget_s: int,
    *,
    max_stops: int | None = None,
    subset_size: int = EXACT_MAX,
    max_rounds: int = 12,
) -> Tour:
    """Large-neighbourhood search: re-solve exactly on the tour's stops plus the most promising others.

    Each round keeps the current tour's stops and fills up to ``subset_size`` stops with unvisited ones
    ranked by one of three deterministic scores (prize per minute of a lone visit from the start, prize
    per minute of cheapest insertion into the tour, prize alone, and further windows down those
    rankings); :func:`solve_exact` on that subset can only keep or improve the tour. Stops when no
    ranking improves it or after ``max_rounds`` improvements.
    """
    n = len(prize) - 1
    best = tour
    for _ in range(max_rounds):
        visited = list(best.order)
        free = [j for j in range(1, n + 1) if j not in set(visited)]
        room = subset_size - len(visited)
        if room <= 0 or not free:
            return best
        lone = {j: float(prize[j]) / max(1.0, float(travel[0, j] + travel[j, 0] + service[j])) for j in free}
        loop = [0, *visited, 0]
        insert = {
            j: float(prize[j])
            / max(
                1.0,
                float(
                    min(travel[a, j] + travel[j, b] - travel[a, b] for a, b in itertools.pairwise(loop)) + service[j]
                ),
            )
            for j in free
        }
        rankings = [
            sorted(free, key=lambda j: (-lone[j], j)),
            sorted(free, key=lambda j: (-insert[j], j)),
            sorted(free, key=lambda j: (-int(prize[j]), j)),
        ]
        subsets: list[list[int]] = []
        for ranked in rankings:
            for start in range(0, len(ranked), room):
                subsets.append(sorted(visited + ranked[start : start + room]))
                if start >= 2 * room:
                    break
        improved = False
        seen: set[tuple[int, ...]] = set()
        for idx in subsets:
            if tuple(idx) in seen:
                continue
            seen.add(tuple(idx))
            sub = solve_exact(
                _sub(travel, idx), np.r_[0, prize[idx]], np.r_[0, service[idx]], budget_s, max_stops=max_stops
            )
            cand = Tour(tuple(idx[k - 1] for k in sub.order), sub.prize, sub.time_s, best.method)
            if (cand.prize, -cand.time_s) > (best.prize, -best.time_s):
                best = Tour(cand.order, cand.prize, cand.time_s, f"{tour.method}+subsets")
                improved = True
                break
        if not improved:
            return best
    return best


def solve(
    travel: NDArray[np.int64],
    prize: NDArray[np.int64],
    service: NDArray[np.int64],
    budget_s: int,
    *,
    max_stops: int | None = None,
    time_limit_s: float,
    exact_max: int = EXACT_MAX,
) -> Tour:
    """The optimum for ``n <= exact_max`` (dynamic programme); above, OR-Tools improved by exact subsets.

    Above ``exact_max`` stops: OR-Tools' tour and the nearest-neighbour tour, each tightened by
    2-opt and then by :func:`improve_by_subsets`; the better one wins (prize first, then time).
    Deterministic for the same input.
    """
    n = len(prize) - 1
    if travel.shape != (n + 1, n + 1) or service.shape != (n + 1,):
        msg = f"travel must be ({n + 1}, {n + 1}) and service ({n + 1},), got {travel.shape} and {service.shape}"
        raise ValueError(msg)
    if n <= exact_max:
        return solve_exact(travel, prize, service, budget_s, max_stops=max_stops)
    starts = [
        solve_ortools(travel, prize, service, budget_s, max_stops=max_stops, time_limit_s=time_limit_s),
        solve_nearest_neighbour(travel, prize, service, budget_s, max_stops=max_stops),
    ]
    best: Tour | None = None
    for start in starts:
        cand = improve_by_subsets(
            two_opt(start, travel, service),
            travel,
            prize,
            service,
            budget_s,
            max_stops=max_stops,
            subset_size=exact_max,
        )
        if cand.time_s <= budget_s and (best is None or (cand.prize, -cand.time_s) > (best.prize, -best.time_s)):
            best = cand
    assert best is not None
    return best
