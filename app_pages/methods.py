"""Methods page: what each number means and how it is computed, in the chosen language."""

from __future__ import annotations

import streamlit as st

from geo.core.i18n import methods_text, t
from ui.boot import current_lang
from ui.source import session_settings

settings = session_settings()
lang = current_lang(settings)
st.title(t("nav.methods", lang))
st.markdown(methods_text(lang))
