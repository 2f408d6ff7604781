"""The project's Streamlit server settings (.streamlit/config.toml) and the load benchmark's pacing."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from streamlit import config as st_config

ROOT = Path(__file__).resolve().parents[1]


def _flat(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        out |= _flat(value, f"{name}.") if isinstance(value, dict) else {name: value}
    return out


def test_every_server_setting_is_a_streamlit_option() -> None:
    """A misspelt option is ignored by Streamlit without a word: each key must name a real option."""
    options = _flat(tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")))
    known = st_config.get_config_options()
    assert options, "the project's Streamlit config is empty"
    assert sorted(k for k in options if k not in known) == []


def test_no_full_collection_after_every_rerun() -> None:
    """A million point geometries make Streamlit's post-run gc.collect() the largest cost of a cached rerun."""
    options = _flat(tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")))
    assert options.get("runner.postScriptGC") is False
    assert st_config.get_config_options()["runner.postScriptGC"].default_val is True  # what the setting overrides


def test_no_source_watching_in_a_served_dashboard() -> None:
    """With the watcher on, every run walked all loaded modules to watch their files (runOnSave is off anyway)."""
    options = _flat(tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")))
    assert options.get("server.fileWatcherType") == "none"
    assert options.get("server.runOnSave") is False


@pytest.fixture(scope="module")
def load_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_load", ROOT / "bench" / "load.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_paced_sessions_start_within_the_ramp_and_think_within_bounds(load_bench: Any) -> None:
    paces = load_bench.paces(20, ramp_s=10.0, think_s=(2.0, 6.0), seed=3)
    assert len(paces) == 20
    assert all(0.0 <= p.start_s <= 10.0 for p in paces)
    assert all(len(p.thinks_s) == len(load_bench.CHANGES) for p in paces)
    assert all(2.0 <= t <= 6.0 for p in paces for t in p.thinks_s)
    assert len({p.start_s for p in paces}) == 20  # spread, not all at once
    assert paces == load_bench.paces(20, ramp_s=10.0, think_s=(2.0, 6.0), seed=3)  # seeded: turns compare
    assert paces != load_bench.paces(20, ramp_s=10.0, think_s=(2.0, 6.0), seed=4)


def test_no_ramp_starts_every_session_at_once(load_bench: Any) -> None:
    assert {p.start_s for p in load_bench.paces(5, ramp_s=0.0, think_s=(0.0, 0.0))} == {0.0}
