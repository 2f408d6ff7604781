"""The services registry's editor on the Data page, for admins (the operator of ``auth.mode: off`` is one).

The registry is edited as a table (one row per service; a point's place as latitude and longitude; an area or a route
keeps the place it has and is changed by ingesting a file). Saving checks every row as a file's rows are checked
(:func:`geo.data.services.edited`), refuses to save while any row is set aside (the reasons are shown, nothing is
lost), records each change (added, removed, changed fields with old and new values) in the record of use before it is
written, and writes a new version of the registry layer.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from geo.core.errors import SafetyMapError
from geo.core.i18n import t
from geo.core.schema import SERVICE_KINDS
from geo.core.settings import Settings
from geo.data.services import (
    NothingToShow,
    changes,
    edited,
    editor_rows,
    empty_registry,
    registry_of,
    save_registry,
)
from ui import data
from ui.access import record_use
from ui.style import error_text

COLUMNS = ("service_id", "kind", "name", "name_es", "contact", "hours", "hours_es", "season_from", "season_to", "url",
           "lat", "lon")  # fmt: skip


def services_panel(settings: Settings, lang: str, *, synthetic: bool) -> None:
    """The registry as an editable table with a Save button (admins only; the caller decides)."""
    with st.expander(t("services.editor.title", lang)):
        st.caption(t("services.editor.intro", lang, layer=settings.services.layer))
        try:
            before = registry_of(settings, beside_synthetic=synthetic).frame
        except NothingToShow:
            before = empty_registry()
        config = {
            "kind": st.column_config.SelectboxColumn(t("services.editor.kind", lang), options=list(SERVICE_KINDS)),
            "lat": st.column_config.NumberColumn("lat", format="%.6f"),
            "lon": st.column_config.NumberColumn("lon", format="%.6f"),
        }
        rows = st.data_editor(editor_rows(before)[list(COLUMNS)], num_rows="dynamic", key="d_services_table",
                              column_config=config, hide_index=True, use_container_width=True)  # fmt: skip
        if not st.button(t("services.editor.save", lang), key="d_services_save", type="primary"):
            return
        _save(settings, lang, before, pd.DataFrame(rows))


def _save(settings: Settings, lang: str, before: pd.DataFrame, rows: pd.DataFrame) -> None:
    after, set_aside = edited(before, rows)
    if len(set_aside):
        st.error(t("services.editor.refused", lang, n=len(set_aside)))
        st.dataframe(set_aside[["source_row", "reason", *[c for c in ("service_id", "name") if c in set_aside]]],
                     hide_index=True)  # fmt: skip
        return
    made = changes(before, after)
    if not made:
        st.info(t("services.editor.unchanged", lang))
        return
    what = json.dumps([c.as_dict() for c in made], ensure_ascii=False)
    if not record_use(settings, "services", what):
        st.error(t("auth.audit_failed", lang))
        return
    try:
        save_registry(settings, after, origin="Data page editor")
    except SafetyMapError as exc:
        st.error(t("ingest.failed", lang, error=error_text(exc)))
        return
    data.forget_inventory()
    st.success(t("services.editor.saved", lang, n=len(made), layer=settings.services.layer))
