"""The project's Streamlit server settings (.streamlit/config.toml): every key a real option, no collection after each
rerun, no source watching in a served dashboard."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

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
