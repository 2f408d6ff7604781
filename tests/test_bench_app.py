"""The app benchmark's harness (bench/app.py): it times real reruns."""

from __future__ import annotations

import sys

import pytest

from tests.bench_helpers import load_benchmark


@pytest.mark.app
def test_the_app_benchmark_changes_the_filter_it_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """``bench/app.py`` times reruns after a category change: on the demo it presses "Change filters"
    (pages open with the filters listed) and each change lands, so the figure is of real reruns."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))  # the benchmark sets the app's argv
    app_bench = load_benchmark("app")
    at, first = app_bench.run(None, {})
    assert first > 0
    worst = app_bench.filter_reruns(at)
    assert 0 < worst < 300
    assert not at.exception
    assert at.sidebar.multiselect(key="f_cat").value == ["assault_with_weapon"]  # the last of its three changes
    assert app_bench.payload(at) > 0  # the map frame is drawn after the changes
