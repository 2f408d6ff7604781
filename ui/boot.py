"""Start-up for every run of the script: settings, page config, language, local map assets."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Sequence
from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage
from streamlit.runtime.scriptrunner import get_script_run_ctx

from geo.core.errors import ConfigError
from geo.core.i18n import LANGS, t
from geo.core.settings import PROJECT_ROOT, Settings, get_settings, use_config
from geo.core.text import echo
from geo.data import webassets as assets
from ui import link
from ui.style import PAGE_CSS, error_text

STATIC_DIR = PROJECT_ROOT / "static"
LANG_KEY = "lang"
SWITCH_KEY = link.STATE[LANG_KEY].widget


def _config_arg(argv: Sequence[str]) -> str | None:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--config")
    known, _ = parser.parse_known_args(list(argv))
    config = known.config
    return None if config is None else str(config)


@st.cache_resource(show_spinner=False, max_entries=4)
def _publish_assets(static_dir: str) -> str:
    return str(assets.publish(Path(static_dir)))


def _url_lang(settings: Settings) -> str:
    raw = link.url_value(LANG_KEY) or settings.languages.default
    return raw if raw in settings.languages.available and raw in LANGS else settings.languages.default


def current_lang(settings: Settings) -> str:
    """The language of this view: the switch once shown, else ``?lang=`` in the URL, else the default."""
    chosen = st.session_state.get(SWITCH_KEY)
    return chosen if chosen in settings.languages.available else _url_lang(settings)


SWITCH_INTERVAL_S = 0.0002
"""How long a running script may hold the GIL while the server's event loop waits (CPython's default: 5 ms).

A page's first view asks the server for some 140 scripts while the page's script runs in the same
process; with the default, each answer waits behind the script's 5 ms slices and the browser gets
its widget code late (``bench/first_view.py``: 2.6 s -> 2.2-2.3 s for the homicide view). The
interval only matters when another thread asks for the GIL, so a lone rerun is not slowed.
"""


def boot(argv: Sequence[str]) -> Settings:
    """Load settings (or show a clear error panel and stop), set up the page and the language switch."""
    if sys.getswitchinterval() > SWITCH_INTERVAL_S:
        sys.setswitchinterval(SWITCH_INTERVAL_S)
    st.set_page_config(page_title="South LA Safety Map", page_icon=":world_map:", layout="wide")
    try:
        use_config(_config_arg(argv)) if _config_arg(argv) else None
        settings = get_settings()
    except ConfigError as exc:
        st.error(f"**{t('app.config_error', 'en')} / {t('app.config_error', 'es')}**\n\n{error_text(exc)}")
        st.info(f"{t('app.fix_hint', 'en')} / {t('app.fix_hint', 'es')}")
        st.stop()
        raise  # unreachable: st.stop() raises
    st.html(PAGE_CSS)
    # Tables show names from data files: their built-in CSV download would write them raw (formula
    # injection); the pages offer neutralised CSV downloads instead (geo.core.text.to_csv_text).
    st.set_option("client.disableDataExport", True)
    _publish_assets(str(STATIC_DIR))
    link.keep_state()
    options = list(settings.languages.available)
    if st.session_state.get(SWITCH_KEY) not in options:
        st.session_state[SWITCH_KEY] = _url_lang(settings)
    names = {"en": "English", "es": "Español"}
    st.sidebar.radio(
        f"{t('app.language', 'en')} / {t('app.language', 'es')}",
        options,
        format_func=lambda code: names.get(code, code),
        horizontal=True,
        key=SWITCH_KEY,
    )
    return settings


def sync_lang_url(settings: Settings) -> None:
    """Write the language into the URL (after ``st.navigation``, which sets the page's URL)."""
    lang = current_lang(settings)
    link.sync_query({LANG_KEY: lang}, (LANG_KEY,))  # always said: a shared link opens in the same language
    # Screen readers pick the voice from <html lang>; Streamlit leaves it at "en".
    st.sidebar.html(
        f"<script>document.documentElement.lang = {json.dumps(lang)};</script>", unsafe_allow_javascript=True
    )


MISSING_PATH_LIMIT = 80
"""Longest requested path (characters) the not-found notice quotes."""
MISSING_KEY = "_missing_path"
"""Session key: the unknown path this session was opened at (its notice is a page of the session's navigation)."""


def requested_path() -> str | None:
    """The page path a browser opened by URL (``patrol`` for ``/patrol``), or None.

    None for the app's root and for a page chosen inside the app (the browser then names the page's
    hash, not a path). Streamlit runs its default page for a path no page has; this tells them apart.
    """
    manager = getattr(get_script_run_ctx(), "pages_manager", None)
    if manager is None or getattr(manager, "intended_page_script_hash", None):
        return None
    name = getattr(manager, "intended_page_name", None)
    return (str(name).strip("/") or None) if name else None


def missing_path(known: Collection[str]) -> str | None:
    """The unknown path (no page of ``known`` has it) this session was opened at, else None.

    Kept for the session, so that a rerun of its notice (the language switch) shows the notice again.
    A nested path (``/a/b``) is left out: no page can have it, and Streamlit's own scripts do not load there.
    """
    asked = requested_path()
    if asked is not None and asked not in known and "/" not in asked and asked == asked.strip():
        st.session_state[MISSING_KEY] = asked
    remembered = st.session_state.get(MISSING_KEY)
    return remembered if isinstance(remembered, str) and remembered not in known else None


def show_missing(asked: str, pages: Sequence[StreamlitPage], lang: str) -> None:
    """Say in the page's language that ``/asked`` is no page of the dashboard, with a link to each page."""
    st.title(t("app.missing_title", lang))
    st.warning(t("app.missing_page", lang, path=echo("/" + asked, limit=MISSING_PATH_LIMIT)), icon=":material/help:")
    st.markdown(t("app.missing_pages", lang))
    for page in pages:
        st.page_link(page)


def missing_page(asked: str, pages: Sequence[StreamlitPage], lang: str) -> StreamlitPage:
    """A hidden page at ``/asked`` that shows :func:`show_missing`.

    Registered under the path the browser asked for, Streamlit finds it, so it neither runs the default
    page nor shows its own "Page not found" dialog (in English, over a page in any language).
    """

    def notice() -> None:
        show_missing(asked, pages, lang)

    return st.Page(notice, title=t("app.missing_title", lang), url_path=asked, visibility="hidden")
