"""The search box: one text box that finds a place, an intersection or an address, and "Near me" on a phone.

:func:`search_box` draws the box, the results (each with its kind in words) and, when the online geocoder is
configured (``search.geocoder``), a button that asks it: only on that press, never as the person types (Nominatim's
usage policy), with its attribution under the results. "Near me" asks the browser for the device's location through
a Streamlit component (``st.components.v2``; the browser asks the person first, and only over https or on this
computer); a refusal is said in words. The location is used for the result and never stored.

The offline index (:func:`geo.data.search_inputs.load_index`) is built once per set of data files, keyed by each
file's :class:`~ui.data.FileKey` (a new ingest is a new key), and shared by every session.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from geo.core.errors import DataError, SourceError
from geo.core.i18n import fmt_int, t
from geo.core.settings import Settings
from geo.core.settings_sections import GeocoderSettings
from geo.core.text import echo
from geo.data.demo_addresses import ADDRESS_SOURCE
from geo.data.geocoder import Geocoder
from geo.data.search import MAX_QUERY_CHARS, Found, SearchIndex
from geo.data.search_inputs import SearchFiles, load_index, search_files
from geo.data.sources import LA_COUNTY_BBOX
from ui import data
from ui.data import FileKey

NEAR_ME_JS = """
export default function(component) {
  const { data, parentElement, setTriggerValue } = component;
  const button = parentElement.querySelector("button");
  button.textContent = data.label;
  button.title = data.help;
  button.onclick = () => {
    if (!window.isSecureContext || !navigator.geolocation) {
      setTriggerValue("location", { error: "unavailable" });
      return;
    }
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (p) => {
        button.disabled = false;
        setTriggerValue("location", { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy });
      },
      (e) => {
        button.disabled = false;
        setTriggerValue("location", { error: e.code === 1 ? "denied" : "unavailable" });
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  };
}
"""
NEAR_ME_HTML = '<button type="button" class="near-me"></button>'
NEAR_ME_CSS = """
.near-me {
  font: inherit; padding: 0.25rem 0.75rem; min-height: 2.5rem; border-radius: 0.5rem; cursor: pointer;
  border: 1px solid var(--st-border-color, rgba(49, 51, 63, 0.2));
  background: var(--st-secondary-background-color, #f0f2f6); color: var(--st-text-color, inherit);
}
.near-me:hover { border-color: var(--st-primary-color, #ff4b4b); color: var(--st-primary-color, #ff4b4b); }
.near-me:disabled { opacity: 0.6; cursor: progress; }
"""
_near_me = st.components.v2.component("safetymap_near_me", html=NEAR_ME_HTML, css=NEAR_ME_CSS, js=NEAR_ME_JS)


@st.cache_resource(show_spinner=False, max_entries=4)
def _index(
    places: FileKey | None,
    streets: FileKey | None,
    network: FileKey | None,
    addresses: tuple[FileKey, ...],
    aliases: tuple[tuple[str, tuple[str, ...]], ...],
    same_point_m: float,
    centre: tuple[float, float],
) -> SearchIndex:
    files = SearchFiles(
        places=places.path if places else None,
        streets=streets.path if streets else None,
        network=network.path if network else None,
        addresses=tuple(k.path for k in addresses),
    )
    return load_index(files, aliases=dict(aliases), same_point_m=same_point_m, centre=centre)


def _key(path: str | None) -> FileKey | None:
    return data.file_key(path) if path else None


def search_index(settings: Settings, lang: str) -> SearchIndex:
    """The offline search index of the data ``settings`` name (built once per set of files, shared).

    Raises
    ------
    DataError
        A file cannot be read (the message names it).
    """
    synthetic = bool(data.metadata(settings.sources.incidents, lang).get("synthetic"))
    files = search_files(settings, inventory=data.inventory(settings.sources.store_dir), synthetic=synthetic)
    aliases = tuple(sorted((k, tuple(v)) for k, v in settings.workspace.aliases.items()))
    keys = tuple(k for k in (_key(p) for p in files.addresses) if k is not None)
    search = settings.search
    return _index(
        _key(files.places),
        _key(files.streets),
        _key(files.network),
        keys,
        aliases,
        search.same_point_m,
        settings.map.center,
    )


@st.cache_resource(show_spinner=False, max_entries=2)
def _geocoder(settings: GeocoderSettings) -> Geocoder:
    return Geocoder(settings)  # one per configuration: its cache and its pace are the whole server's


def _online(settings: Settings, query: str, lang: str, key: str) -> list[Found]:
    """The geocoder's results for ``query`` once the person pressed the button for it (kept while it is typed)."""
    geocoder = settings.search.geocoder
    if geocoder.kind == "off" or not query:
        return []
    held: Mapping[str, Any] = st.session_state.get(f"{key}_online", {})
    if st.button(t("search.online", lang), key=f"{key}_online_go", help=t("search.online_help", lang)):
        try:
            held = {"query": query, "found": _geocoder(geocoder).search(query, lang=lang)}
        except (SourceError, DataError) as exc:
            held = {}
            st.warning(t("search.online_failed", lang, reason=echo(exc, limit=300)))
        st.session_state[f"{key}_online"] = held
    return list(held.get("found", [])) if held.get("query") == query else []


def _here(query: str, lang: str, key: str) -> Found | None:
    """The device's location once the person pressed "Near me" and the browser shared it, kept while the query is
    the one typed then (a new query is a new search); what went wrong, in words, otherwise."""
    result = _near_me(
        key=f"{key}_near_me",
        data={"label": t("search.near_me", lang), "help": t("search.near_me_help", lang)},
        on_location_change=lambda: None,
        height="content",
    )
    sent = getattr(result, "location", None)
    if isinstance(sent, dict):
        st.session_state[f"{key}_here"] = (query, _location(sent, lang))
    held = st.session_state.get(f"{key}_here")
    if not isinstance(held, tuple) or held[0] != query:
        return None
    if isinstance(held[1], str):
        st.warning(t(held[1], lang))
        return None
    return held[1] if isinstance(held[1], Found) else None


def _location(sent: Mapping[str, Any], lang: str) -> Found | str:
    """The browser's answer as a result, or the catalog key of what to tell the person instead."""
    if "error" in sent:
        return "search.here_refused" if sent.get("error") == "denied" else "search.here_unavailable"
    try:
        lat, lon = float(sent["lat"]), float(sent["lon"])
        accuracy = float(sent.get("accuracy") or 0.0)
    except (KeyError, TypeError, ValueError):
        return "search.here_unavailable"
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        return "search.here_unavailable"
    x0, y0, x1, y1 = LA_COUNTY_BBOX
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        return "search.here_far"
    metres = fmt_int(accuracy, lang) if math.isfinite(accuracy) and accuracy > 0 else "?"
    return Found(t("search.here", lang, metres=metres), "location", round(lat, 6), round(lon, 6))


def _option(found: Found, lang: str) -> str:
    return t("search.option", lang, label=echo(found.label, limit=160), kind=t(f"search.kind.{found.kind}", lang))


def _notes(chosen: Found, options: list[Found], lang: str, credit: str) -> None:
    """What the person should know of the results: the geocoder's attribution whenever it answered, and whether the
    chosen point is synthetic or approximate."""
    if any(f.kind == "geocoded" for f in options):
        st.caption(t("search.attribution", lang, credit=echo(credit, limit=300)))
    if chosen.source == ADDRESS_SOURCE:
        st.caption(t("search.synthetic", lang))
    elif chosen.kind == "intersection" and "approximate" in chosen.source:
        st.caption(t("search.approximate", lang))


def search_box(*, settings: Settings, lang: str, key: str) -> Found | None:
    """Draw the search box; return the result the person chose (the best one until they choose), or None.

    Parameters
    ----------
    settings
        The settings in effect (the session's workspace: its places, streets and incidents).
    lang
        ``en`` or ``es``.
    key
        A prefix for this box's widget keys (two boxes on one page need two keys).
    """
    query = st.text_input(
        t("search.label", lang),
        key=f"{key}_query",
        max_chars=MAX_QUERY_CHARS,
        placeholder=t("search.placeholder", lang),
    ).strip()
    found: list[Found] = []
    try:
        found = search_index(settings, lang).find(query, limit=settings.search.limit) if query else []
    except DataError as exc:
        st.error(t("search.failed", lang, reason=echo(exc, limit=300)))
    found += _online(settings, query, lang, key)
    here = _here(query, lang, key)
    options = ([here] if here is not None else []) + found
    if query and not found:
        st.info(t("search.none", lang, query=echo(query, limit=80)))
    if not options:
        return None
    digest = hashlib.sha256(repr([(f.label, f.kind, f.lat, f.lon) for f in options]).encode()).hexdigest()[:12]
    pick = st.radio(
        t("search.results", lang),
        range(len(options)),
        index=0,
        format_func=lambda i: _option(options[i], lang),
        key=f"{key}_pick_{digest}",
    )
    chosen = options[int(pick)] if pick is not None else options[0]
    _notes(chosen, options, lang, settings.search.geocoder.credit)
    return chosen
