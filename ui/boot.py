"""Start-up for every run of the script: settings, page config, language, local map assets."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from geo.core.errors import ConfigError
from geo.core.i18n import LANGS, t
from geo.core.settings import PROJECT_ROOT, Settings, get_settings, use_config
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
