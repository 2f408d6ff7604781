"""Data page: where the incidents come from, how fresh they are, and every row accounted for."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geo.core.errors import DataError
from geo.core.i18n import catalog, fmt_date, fmt_int, t
from geo.core.text import echo
from geo.data.labels import layer_titles, source_line
from geo.data.workspace import BOUNDARY_KINDS, DEMO, PLACE_KINDS, Workspace
from ui import data
from ui.access import session_access
from ui.admin import ingest_panel, team_default
from ui.boot import current_lang
from ui.services_editor import services_panel
from ui.source import session_settings, session_workspace, use_here
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
st.caption(
    echo(
        source_line(
            data.layer_meta(src.incidents, session_workspace(settings).incidents),
            lang,
            coverage=data.coverage(src.incidents, src.store_dir),
        ),
        limit=600,
    )
)
demo_data = bool(incidents["synthetic"].any()) if len(incidents) else False
if demo_data:
    st.warning(t("data.synthetic", lang, seed=echo(meta.get("seed", "—"))), icon=":material/science:")
if meta.get("series_break"):
    st.info(t("data.break_note", lang, date=echo(meta["series_break"])))
elif len(incidents) and first <= settings.analysis.nibrs_break <= last:
    st.info(t("data.break_note", lang, date=fmt_date(settings.analysis.nibrs_break, lang)))

st.subheader(t("ws.title", lang))
inventory = data.inventory(src.store_dir)
titles = layer_titles([e for e in inventory if not e.get("error")], lang)
ws = session_workspace(settings)


def _names(table: str, kinds: tuple[str, ...] = ()) -> list[str]:
    return [
        n for n, e in ((str(e["name"]), e) for e in inventory if not e.get("error"))
        if e.get("table") == table and (not kinds or e.get("kind") in kinds) and n in titles
    ]  # fmt: skip


incident_choices = [DEMO, *_names("incidents")]
w1, w2, w3 = st.columns(3)
picked = w1.selectbox(
    t("ws.incidents", lang), incident_choices,
    index=incident_choices.index(ws.incidents) if ws.incidents in incident_choices else 0,
    format_func=lambda n: t("ws.demo", lang) if n == DEMO else titles[n], key="d_source",
)  # fmt: skip
place_choices = _names("places", PLACE_KINDS)
picked_places = w2.multiselect(
    t("ws.places", lang), place_choices, default=[p for p in ws.places if p in place_choices],
    format_func=titles.__getitem__, placeholder=t("ws.places_default", lang), key="d_places",
)  # fmt: skip
boundary_choices = _names("places", BOUNDARY_KINDS)
picked_bounds = w3.multiselect(
    t("ws.boundaries", lang), boundary_choices, default=[b for b in ws.boundaries if b in boundary_choices],
    format_func=titles.__getitem__, placeholder=t("pick.none", lang), key="d_bounds",
)  # fmt: skip
wanted = Workspace(picked, tuple(picked_places), tuple(picked_bounds))
if wanted != ws:
    try:
        use_here(settings, wanted)  # this session and its link only; nobody else's data changes
    except DataError as exc:
        st.warning(t("ws.error", lang, error=echo(exc)))
    else:
        st.rerun()
st.caption(t("ws.note", lang))
access = session_access(settings)
if access.admin:  # for anyone else these are absent: the team's data are an admin's
    team_default(settings, ws, lang)
    ingest_panel(settings, lang)
    services_panel(settings, lang, synthetic=demo_data)

st.subheader(t("data.store", lang))
layers = data.inventory(src.store_dir)
if not layers:
    st.info(t("data.store_empty", lang, path=echo(src.store_dir)))
else:
    for layer in layers:
        if layer.get("error"):
            st.error(t("data.broken", lang, name=echo(layer["name"]), error=error_text(str(layer["error"]))))
    labels = catalog(lang)
    rows = []
    for layer in layers:
        if layer.get("error"):
            continue
        dropped: dict[str, int] = dict(layer.get("dropped") or {})  # type: ignore[call-overload]
        dates = "" if not layer.get("date_from") else f"{layer['date_from']} – {layer['date_to']}"
        rows.append(
            {
                t("data.col.layer", lang): titles.get(str(layer["name"]), str(layer["name"])),
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
