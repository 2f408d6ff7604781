"""Audit page (admins only): the record of internal use, newest first, from a chosen day."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from geo.core.errors import SafetyMapError
from geo.core.i18n import fmt_int, t
from geo.data import audit
from ui.access import session_access
from ui.admin import audit_table
from ui.boot import current_lang
from ui.source import session_settings
from ui.style import error_text

settings = session_settings()
lang = current_lang(settings)
st.title(t("audit.title", lang))
if not session_access(settings).admin:  # not in the navigation for anyone else; refused here as well
    st.stop()
st.caption(t("audit.intro", lang))
since = st.date_input(t("audit.since", lang), value=dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30),
                      key="audit_since")  # fmt: skip
try:
    rows = audit.read(settings, since=since if isinstance(since, dt.date) else None)
except SafetyMapError as exc:
    st.error(t("audit.unreadable", lang, error=error_text(exc)))
    st.stop()
if not rows:
    st.info(t("audit.empty", lang))
    st.stop()
st.dataframe(audit_table(rows, lang), hide_index=True, width="stretch")
st.caption(t("audit.count", lang, rows=fmt_int(len(rows), lang)))
