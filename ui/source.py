"""Which incidents this session shows: the configured source, or a layer of the local store.

The choice lives in the URL (``data=<layer name>``) and in the session, so a shared link shows the
same data; the settings object itself is never changed, only copied for the session.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.core.settings import Settings, get_settings
from ui import data
from ui.filters import url_value

DATA_KEY = "data"
CHOICE = "_data_choice"


def incident_layers(settings: Settings) -> dict[str, Path]:
    """Incident layers of the local store, by name."""
    return {
        str(layer["name"]): Path(str(layer["path"]))
        for layer in data.inventory(settings.sources.store_dir)
        if layer.get("table") == "incidents" and not layer.get("error")
    }


def chosen_layer() -> str | None:
    """The store layer this session shows (None: the configured source)."""
    raw = url_value(DATA_KEY) or st.session_state.get(CHOICE)
    return str(raw) if raw else None


def choose(name: str | None) -> None:
    """Show the store layer ``name`` (None: the configured source) from now on, and say so in the URL."""
    if name:
        st.session_state[CHOICE] = name
        st.query_params[DATA_KEY] = name
    else:
        st.session_state.pop(CHOICE, None)
        if DATA_KEY in st.query_params:
            del st.query_params[DATA_KEY]


def session_settings() -> Settings:
    """The settings with this session's choice of incidents applied (unknown layer names are ignored)."""
    settings = get_settings()
    name = chosen_layer()
    if not name:
        return settings
    path = incident_layers(settings).get(name)
    if path is None:
        return settings
    if st.query_params.get(DATA_KEY) != name:
        st.query_params[DATA_KEY] = name
    sources = settings.sources.model_copy(update={"incidents": path})
    return settings.model_copy(update={"sources": sources})
