"""This session's own places: the area or route a person drew and the point search found, kept in the link.

The link carries them as ``area=<name>~<encoded polyline>`` and ``at=<name>~<lat>,<lon>``
(:mod:`geo.data.ownplaces`); a shared link opens the same place as the focus on any page. The session keeps
them while the user moves between pages (Streamlit clears the URL's parameters on a page change) and writes
them back into the URL on every run. A link value that is not a place is named in a warning and left out.
"""

from __future__ import annotations

import streamlit as st

from geo.core.i18n import t
from geo.core.text import echo
from geo.data.ownplaces import OwnPlace, read_place, write_place
from ui import link

KEYS = {"area": "_own_area", "at": "_own_at"}
"""Link key -> session key of the place it holds (an area or route; a point)."""


def own_places(lang: str) -> tuple[OwnPlace, ...]:
    """The session's own places: the link's when it names them (checked), else the session's; said in the URL."""
    ss = st.session_state
    for key, state in KEYS.items():
        raw = link.url_value(key)
        if raw is not None and (not isinstance(ss.get(state), OwnPlace) or write_place(ss[state]) != raw):
            try:
                ss[state] = read_place(raw)
            except ValueError as exc:
                st.warning(t("ownplace.link_ignored", lang, key=key, reason=echo(str(exc), limit=link.QUOTED)))
                ss.pop(state, None)
    _sync_url()
    return tuple(p for p in (ss.get(state) for state in KEYS.values()) if isinstance(p, OwnPlace))


def session_own_places() -> tuple[OwnPlace, ...]:
    """The own places :func:`own_places` found on this run (no link read, no warning again)."""
    ss = st.session_state
    return tuple(p for p in (ss.get(state) for state in KEYS.values()) if isinstance(p, OwnPlace))


def _sync_url() -> None:
    ss = st.session_state
    wanted = {key: write_place(ss[state]) for key, state in KEYS.items() if isinstance(ss.get(state), OwnPlace)}
    link.sync_query(wanted, KEYS)


def use(place: OwnPlace, shown_name: str) -> None:
    """Make ``place`` this session's own area (or point) and the focus place, named ``shown_name`` in the table.

    Meant as a button's callback: the filters read the focus place on the next run, where the place table
    already holds the new place."""
    key = "at" if place.kind == "point" else "area"
    st.session_state[KEYS[key]] = place
    st.session_state["f_place"] = shown_name
    _sync_url()


def forget(key: str, *, fallback: str | None) -> None:
    """Drop the session's own place under link ``key``; the focus goes back to ``fallback`` when it was on it."""
    ss = st.session_state
    ss.pop(KEYS[key], None)
    if fallback is not None:
        ss["f_place"] = fallback
    _sync_url()
