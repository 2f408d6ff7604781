"""geo.core.overlap: staging ahead on a worker thread keeps order, errors and early exits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from geo.core.overlap import mapped_ahead, started


def test_results_come_back_in_input_order_from_another_thread() -> None:
    caller = threading.get_ident()
    workers: set[int] = set()

    def slow_square(x: int) -> int:
        workers.add(threading.get_ident())
        time.sleep(0.002 * (5 - x % 5))  # later items finish sooner: order must not follow finishing
        return x * x

    out = list(mapped_ahead(slow_square, range(12), ahead=3))
    assert out == [(x, x * x) for x in range(12)]
    assert workers
    assert caller not in workers


def test_the_worker_runs_ahead_of_the_caller_but_no_further_than_asked() -> None:
    produced: list[int] = []

    def items() -> Iterator[int]:
        for i in range(10):
            produced.append(i)
            yield i

    gen = mapped_ahead(lambda x: x, items(), ahead=2)
    first = next(gen)
    assert first == (0, 0)
    assert len(produced) == 3  # item 0 handed over, items 1 and 2 queued: bounded memory
    assert [x for x, _ in gen] == list(range(1, 10))


def test_an_error_is_raised_at_its_item_after_the_earlier_ones() -> None:
    def fn(x: int) -> int:
        if x == 4:
            msg = "bad block 4"
            raise ValueError(msg)
        return x

    gen = mapped_ahead(fn, range(10))
    got = [next(gen)[0] for _ in range(4)]
    assert got == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="bad block 4"):
        next(gen)


def test_leaving_early_cancels_what_is_queued() -> None:
    calls: list[int] = []

    def fn(x: int) -> int:
        calls.append(x)
        time.sleep(0.01)
        return x

    for x, _ in mapped_ahead(fn, range(100), ahead=2):
        if x == 1:
            break
    time.sleep(0.05)
    assert len(calls) <= 5  # not the other 95


def test_ahead_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(mapped_ahead(lambda x: x, [1], ahead=0))


def test_started_returns_the_value_or_raises_the_error() -> None:
    assert started(lambda: 6 * 7).result(timeout=5) == 42

    def boom() -> int:
        msg = "hash failed"
        raise OSError(msg)

    with pytest.raises(OSError, match="hash failed"):
        started(boom).result(timeout=5)
