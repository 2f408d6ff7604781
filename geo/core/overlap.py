"""Overlapping the steps of a bulk load: one step's next items are worked on while the caller uses the last.

An ingest reads a block of text (pyarrow, off the interpreter lock), stages it into typed columns
(pyarrow and NumPy kernels, mostly off the lock too) and accounts for it (checks, duplicates; in
order, on the caller's thread). :func:`mapped_ahead` runs the staging on one worker thread a few
blocks ahead, so on two cores the three overlap instead of taking turns; results come back in
input order, so the accounting sees the file as it is. :func:`started` runs one call beside the
caller (a file's hash while it is parsed).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 2
"""Items staged in advance: enough to keep the worker busy, few enough to bound memory (a block is ~50 MB)."""


def mapped_ahead(fn: Callable[[T], R], items: Iterable[T], *, ahead: int = AHEAD) -> Iterator[tuple[T, R]]:
    """``(item, fn(item))`` for each of ``items`` in order, ``fn`` run on a worker thread up to ``ahead`` items early.

    ``items`` is consumed on the caller's thread. An exception raised by ``fn`` is raised here, at
    its item, after the earlier items were yielded; leaving the loop early cancels what is queued
    and waits for the item in progress.
    """
    if ahead < 1:
        msg = f"ahead must be at least 1, got {ahead}"
        raise ValueError(msg)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ahead") as pool:
        queue: deque[tuple[T, Future[R]]] = deque()
        try:
            for item in items:
                queue.append((item, pool.submit(fn, item)))
                if len(queue) > ahead:
                    first, done = queue.popleft()
                    yield first, done.result()
            while queue:
                first, done = queue.popleft()
                yield first, done.result()
        finally:
            for _, pending in queue:
                pending.cancel()


def started(fn: Callable[[], R]) -> Future[R]:
    """``fn()`` started on its own thread; ``.result()`` waits for it (and raises what it raised)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="started")
    try:
        return pool.submit(fn)
    finally:
        pool.shutdown(wait=False)  # the call runs to its end; the thread goes with it
