"""What only an admin does on the Data page: make a workspace the team's default, and ingest a file.

Both are drawn for :attr:`geo.core.access.Access.admin` only (the operator of ``auth.mode: off`` is one), and
each is added to the audit record before it happens: a change the record cannot keep is not made.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote_plus

import pandas as pd
import streamlit as st

from geo.core.errors import SafetyMapError
from geo.core.i18n import catalog, fmt_int, t
from geo.core.settings import Settings
from geo.core.settings_sections import ROLE_NAMES
from geo.core.text import echo
from geo.data import audit
from geo.data.ingest import ingest_file
from geo.data.sources.detect import KINDS
from geo.data.stores import store_location
from geo.data.workspace import Workspace
from ui import data
from ui.access import record_use
from ui.source import choose, stored_workspace
from ui.style import error_text

UPLOADS = "uploads"
"""Folder of the store folder that keeps each file ingested from the Data page (the layer's source)."""
UPLOAD_TYPES = ["csv", "geojson", "json", "zip", "gpkg", "xlsx"]
AUTO = ""


def team_default(settings: Settings, ws: Workspace, lang: str) -> None:
    """The button that makes this session's workspace the team's default (when it is not already)."""
    if ws == stored_workspace(settings):
        st.caption(t("ws.is_team_default", lang))
        return
    if not st.button(t("ws.make_default", lang), key="d_team_default"):
        return
    what = ", ".join([ws.incidents, *ws.places, *ws.boundaries])
    if not record_use(settings, "workspace", what):
        st.error(t("auth.audit_failed", lang))
        return
    try:
        choose(settings, incidents=ws.incidents, places=ws.places, boundaries=ws.boundaries)
    except SafetyMapError as exc:
        st.warning(t("ws.error", lang, error=error_text(exc)))
        return
    st.rerun()


def _safe_name(name: str) -> str:
    """An uploaded file's name as a plain file name of the store folder (no folders, no leading dot)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).name).strip(".-") or "upload"
    return stem[:120]


def ingest_panel(settings: Settings, lang: str) -> None:
    """Upload a file and ingest it into the store, with the same accounting as ``python -m geo ingest``."""
    with st.expander(t("ingest.title", lang)):
        st.caption(t("ingest.intro", lang))
        upload = st.file_uploader(t("ingest.file", lang), type=UPLOAD_TYPES, key="d_ingest_file")
        st.caption(
            t("ingest.limit", lang, mb=st.get_option("server.maxUploadSize"))
        )  # Streamlit's own limit line is English: said in the page's language
        c1, c2 = st.columns(2)
        kind = c1.selectbox(t("ingest.kind", lang), [AUTO, *KINDS], key="d_ingest_kind",
                            format_func=lambda k: t(f"ingest.kind.{k}" if k else "ingest.kind_auto", lang))  # fmt: skip
        name = c2.text_input(t("ingest.name", lang), key="d_ingest_name", max_chars=80).strip()
        if upload is None or not st.button(t("ingest.run", lang), key="d_ingest_run", type="primary"):
            return
        folder = Path(settings.sources.store_dir) / UPLOADS
        path = folder / _safe_name(upload.name)
        if not record_use(settings, "ingest", f"{upload.name} as {kind or 'detected kind'} into {name or 'its name'}"):
            st.error(t("auth.audit_failed", lang))
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_bytes(upload.getvalue())
            report = _ingest(settings, path, kind=kind or None, name=name or None)
        except (SafetyMapError, OSError) as exc:
            st.error(t("ingest.failed", lang, error=error_text(exc)))
            return
        data.forget_inventory()
        _said(report, lang)


def _ingest(settings: Settings, path: Path, *, kind: str | None, name: str | None) -> dict[str, object]:
    """Ingest an upload: an export of the residents' assessment goes to the survey layer (its counts this time)."""
    from geo.survey.answers import looks_like_survey
    from geo.survey.layer import LAST_INGEST, ingest_answers

    store = store_location(settings.sources)
    if kind is None and looks_like_survey(path):
        report = ingest_answers(path, store_dir=store, rules=settings.survey)
        return {"layer": report["layer"], **report[LAST_INGEST]}
    return ingest_file(path, store_dir=store, kind=kind, name=name)


def _said(report: dict[str, object], lang: str) -> None:
    reasons = catalog(lang)
    dropped: dict[str, int] = dict(report.get("dropped") or {})  # type: ignore[call-overload]
    st.success(
        t(
            "ingest.done",
            lang,
            layer=echo(report.get("layer"), markup="markdown"),
            kept=fmt_int(int(report.get("rows_kept") or 0), lang),  # type: ignore[call-overload]
            rows=fmt_int(int(report.get("rows_in") or 0), lang),  # type: ignore[call-overload]
            dropped=", ".join(f"{reasons.get(f'reason.{k}', k)}: {fmt_int(v, lang)}" for k, v in dropped.items())
            or "0",
        )
    )


def audit_table(rows: list[dict[str, str]], lang: str) -> pd.DataFrame:
    """The audit record as the Audit page shows it: newest first, actions and roles in the page's language,
    the filters as readable ``key=value`` pairs (the record keeps the link's query text)."""
    table = pd.DataFrame(list(reversed(rows)), columns=list(audit.FIELDS)).fillna("")
    table["action"] = [t(f"audit.action.{a}", lang) if a in audit.ACTIONS else a for a in table["action"]]
    table["role"] = [t(f"auth.role.{r}", lang) if r in ROLE_NAMES else r for r in table["role"]]
    table["filters"] = [" · ".join(unquote_plus(p) for p in str(q).split("&") if p) for q in table["filters"]]
    return table.rename(columns={c: t(f"audit.col.{c}", lang) for c in audit.FIELDS})
