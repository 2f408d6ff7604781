"""Which data this session shows: the workspace (incident layer, place layers, boundary layers).

The workspace is chosen on the Data page (or with ``python -m geo use``) and kept in the store; a
link carries it as ``data=<incident layer>`` and ``places=<layer>,<layer>``. The session keeps the
choice while the user moves between pages (page changes clear the URL's parameters), and every
page writes it back into the URL, so a shared link opens the same data. The settings object itself
is never changed, only copied for the session.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from geo.core.errors import DataError, StoreError
from geo.core.settings import Settings, get_settings
from geo.data.workspace import (
    DEMO,
    Workspace,
    check_workspace,
    from_query,
    incident_path,
    read_workspace,
    workspace_file,
)
from geo.data.workspace import choose as store_choice
from ui import data, link
from ui.ownplaces import own_places

WORKSPACE = "_workspace"
REJECTED = "_workspace_rejected"
LINK_KEYS = link.WORKSPACE_KEYS


def stored_workspace(settings: Settings) -> Workspace:
    """The team's default workspace (kept in the store; the demo when none is kept or it no longer fits)."""
    return _stored(settings)


def _stored(settings: Settings) -> Workspace:
    inventory = data.inventory(settings.sources.store_dir)
    try:
        return check_workspace(read_workspace(workspace_file(settings)), inventory)
    except DataError:
        return Workspace()


def current_workspace(settings: Settings) -> Workspace:
    """This session's workspace: the link's choice, else the session's, else the stored one (default: demo)."""
    base = st.session_state.get(WORKSPACE)
    if not isinstance(base, Workspace):
        base = _stored(settings)
    inventory = data.inventory(settings.sources.store_dir)
    ws, rejected = from_query(st.query_params, base=base, inventory=inventory)
    ws = Workspace(ws.incidents, ws.places, base.boundaries)
    st.session_state[WORKSPACE] = ws
    st.session_state[REJECTED] = rejected
    _sync_url(ws, lambda: _stored(settings))
    return ws


def session_workspace(settings: Settings) -> Workspace:
    """The workspace :func:`session_settings` chose on this run (found again if it has not run)."""
    ws = st.session_state.get(WORKSPACE)
    return ws if isinstance(ws, Workspace) else current_workspace(settings)


def rejected_link_values() -> list[str]:
    """Link values (``key=value``) the workspace could not use on this run, for a plain-text warning."""
    return list(st.session_state.get(REJECTED) or [])


def _sync_url(ws: Workspace, team: Callable[[], Workspace]) -> None:
    """Write the session's data into the link; the demo with its own places is left out, unless the team's
    default is other data (a link without ``data=`` opens the team's default). The team's default is read
    only for the demo, not on every run."""
    wanted = ws.to_query()
    if wanted.get("data") == DEMO and "places" not in wanted and team().incidents == DEMO:
        wanted = {}
    link.sync_query(wanted, LINK_KEYS)


def use_here(settings: Settings, wanted: Workspace) -> Workspace:
    """Use ``wanted`` in this session only (checked against the store) and say so in the URL; nobody else's
    data changes (:func:`choose` makes a workspace the team's default)."""
    ws = check_workspace(wanted, data.inventory(settings.sources.store_dir))
    _use(ws, lambda: _stored(settings))
    return ws


def choose(settings: Settings, *, incidents: str | None = None, places: tuple[str, ...] | None = None,
           boundaries: tuple[str, ...] | None = None) -> Workspace:  # fmt: skip
    """Store a new team default (None keeps a part), use it in this session and say so in the URL."""
    ws = store_choice(settings, incidents=incidents, places=places, boundaries=boundaries)
    _use(ws, lambda: ws)
    return ws


def _use(ws: Workspace, team: Callable[[], Workspace]) -> None:
    st.session_state[WORKSPACE] = ws
    for key in LINK_KEYS:  # the link's old values must not override the new choice
        if key in st.query_params:
            del st.query_params[key]
    _sync_url(ws, team)


def session_settings() -> Settings:
    """The settings with this session's workspace applied (incident file and merged places) and its own places
    (a drawn area or route, a found point: :mod:`ui.ownplaces`) added to the place table."""
    settings = _workspace_settings(get_settings())
    own = own_places(st.session_state.get(link.STATE["lang"].widget, "en"))
    try:
        if not own and not len(data.saved_places(settings)):
            return settings
        places = data.places_with_own(settings, Path(settings.sources.places), own)
    except (DataError, StoreError):  # the pages say what is wrong with the store or the place file
        return settings
    return settings.model_copy(update={"sources": settings.sources.model_copy(update={"places": places})})


def _workspace_settings(settings: Settings) -> Settings:
    try:
        ws = current_workspace(settings)
    except StoreError:
        # The store cannot be reached: a page that needs it shows a panel instead (run_page); one that does not
        # (Methods) works from the configured settings. The session keeps its choice for the next run.
        return settings
    if ws.incidents == DEMO and not ws.places:
        return settings
    update: dict[str, Path] = {}
    try:
        update["incidents"] = incident_path(ws, settings)
        if ws.places:
            update["places"] = data.workspace_places_file(settings, ws)
    except DataError:
        return settings
    sources = settings.sources.model_copy(update=update)
    return settings.model_copy(update={"sources": sources})


def run_page(page: StreamlitPage, *, needs_store: bool, lang: str) -> None:
    """Run ``page``; while the store cannot be reached, a page that needs it is one panel in its language.

    The store is asked again on every run (nothing remembers the failure), so a reload after the
    server is back shows the page. A page that loses the store half-way ends with the same panel.
    """
    problem = data.store_problem(get_settings()) if needs_store else None
    if problem is not None:
        data.store_panel(page.title, problem, lang)
        return
    try:
        page.run()
    except StoreError as exc:
        data.store_panel(None, exc, lang)
