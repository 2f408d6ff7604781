"""Data page: where the incidents come from, how fresh they are, and every row accounted for."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from geo.core.i18n import catalog, fmt_date, fmt_int, t
from geo.core.text import echo
from ui import data
from ui.boot import current_lang
from ui.source import choose, chosen_layer, incident_layers, session_settings
from ui.style import error_text

settings = session_settings()
lang = current_lang(settings)
src = settings.sources
st.title(t("data.title", lang))

incidents = data.incidents(src.incidents, lang)
meta = data.metadata(src.incidents, lang)
st.subheader(t("data.current", lang))
c1, c2, c3 = st.columns(3)
c1.metric(t("data.rows", lang), fmt_int(len(incidents), lang))
if len(incidents):
    first = incidents["occurred_at"].min().date()
    last = incidents["occurred_at"].max().date()
    c2.metric(t("data.first", lang), fmt_date(first, lang))
    c3.metric(t("data.as_of", lang), fmt_date(last, lang))
source = str(meta.get("source", "—"))
source = t("data.synthetic_source", lang) if source == "synthetic demo" else source
st.caption(f"{t('data.file', lang)}: {echo(src.incidents)} · {t('data.source', lang)}: {echo(source)}")
if bool(incidents["synthetic"].any()) if len(incidents) else False:
    st.warning(t("data.synthetic", lang, seed=echo(meta.get("seed", "—"))), icon=":material/science:")
if meta.get("series_break"):
    st.info(t("data.break_note", lang, date=echo(meta["series_break"])))
elif len(incidents) and first <= settings.analysis.nibrs_break <= last:
    st.info(t("data.break_note", lang, date=fmt_date(settings.analysis.nibrs_break, lang)))

st.subheader(t("data.store", lang))
choices: list[str] = ["", *incident_layers(settings)]
if len(choices) > 1:
    picked = chosen_layer()
    current: str = picked if picked is not None and picked in choices else ""
    configured = settings.sources.incidents if not current else None
    st.selectbox(
        t("data.show", lang),
        choices,
        index=choices.index(current),
        format_func=lambda name: name or t("data.show.configured", lang, file=Path(str(configured or "")).name or "…"),
        key="d_source",
        on_change=lambda: choose(st.session_state["d_source"] or None),
    )
    st.caption(t("data.show.note", lang))
layers = data.inventory(src.store_dir)
if not layers:
    st.info(t("data.store_empty", lang, path=echo(src.store_dir)))
else:
    for layer in layers:
        if layer.get("error"):
            st.error(t("data.broken", lang, name=echo(layer["name"]), error=error_text(layer["error"])))
    labels = catalog(lang)
    rows = []
    for layer in layers:
        if layer.get("error"):
            continue
        dropped: dict[str, int] = dict(layer.get("dropped") or {})  # type: ignore[call-overload]
        dates = "" if not layer.get("date_from") else f"{layer['date_from']} – {layer['date_to']}"
        rows.append(
            {
                t("data.col.layer", lang): layer["name"],
                t("data.col.kind", lang): layer.get("kind"),
                t("data.col.source", lang): layer.get("source"),
                t("data.col.origin", lang): layer.get("url_or_file"),
                t("data.col.fetched", lang): str(layer.get("fetched_at") or "")[:16].replace("T", " "),
                t("data.col.rows_in", lang): layer.get("rows_in"),
                t("data.col.kept", lang): layer.get("rows_kept"),
                t("data.col.dropped", lang): ", ".join(
                    f"{labels.get(f'reason.{k}', k)}: {fmt_int(v, lang)}" for k, v in dropped.items()
                )
                or "0",
                t("data.col.dates", lang): dates,
                t("data.col.break", lang): layer.get("series_break") or "",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(t("data.accounting", lang))
