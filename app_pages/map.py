"""Map page: incidents, hot spots, places, border rings and streets, with filters and key figures."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from geo.analysis.change import change_text, count_change
from geo.core.i18n import fmt_int, fmt_pct, t
from geo.core.text import echo
from geo.data.labels import layer_titles
from geo.exports.playback import STEPS
from ui import analysis, data, link
from ui.alt import html_table, text_alternative
from ui.common import disclosure, page_context, public_filters, synthetic_notice, view_mode
from ui.filters import controls_open, open_controls
from ui.mapframe import show_html
from ui.mapview import map_document, map_view
from ui.notes import notes_editor
from ui.ownarea import draw_area, find_place, own_place_note
from ui.ownplaces import session_own_places
from ui.source import session_workspace
from ui.trend_text import map_alternative

LAYERS = (
    "homicides",
    "incidents",
    "kde",
    "gistar",
    "grid",
    "perception",
    "conditions",
    "services",
    "parks",
    "housing",
    "csp",
    "rings",
    "streets",
)
DEFAULT_LAYERS = ("homicides", "incidents", "parks", "housing", "csp", "rings", "streets")
LAYER_LABELS = {
    "homicides": "layer.homicides",
    "incidents": "layer.incidents",
    "kde": "layer.gistar",
    "gistar": "layer.gistar",
    "grid": "layer.grid",
    "perception": "layer.perception",
    "conditions": "layer.conditions",
    "services": "layer.services",
    "parks": "layer.parks",
    "housing": "layer.housing",
    "csp": "layer.csp_sites",
    "rings": "layer.rings",
    "streets": "layer.streets",
}

ctx = page_context("map")
s, lang, f = ctx.settings, ctx.lang, ctx.filters
src = s.sources
st.title(t("app.title", lang))
synthetic_notice(ctx)

# --- layers chosen, kept in the URL (boundary layers come from the local store) ----------------
chosen_zones = session_workspace(s).boundaries  # the workspace's boundary layers, else every one in the store
zone_list = [z for z in data.zone_layers(src.store_dir) if not chosen_zones or z["name"] in chosen_zones]
zone_titles = layer_titles(zone_list, lang)
zones = {f"zones:{z['name']}": z for z in zone_list}
options = [*LAYERS, *zones]
layers_key = link.bind("layers", list(DEFAULT_LAYERS), page="map", choices=options)


def _layer_label(key: str) -> str:
    if key in zones:
        return zone_titles[str(zones[key]["name"])]
    if key == "kde":
        return t("layer.kde", lang, h="…").split(" (")[0]
    if key == "rings":
        return t("layer.rings", lang, place=f.place or "")
    return t(LAYER_LABELS[key], lang)


layers_box = st.expander(t("map.layers", lang))
if controls_open():
    chosen = layers_box.multiselect(
        t("map.layers", lang), options, key=layers_key, format_func=_layer_label, placeholder=t("pick.none", lang)
    )
else:  # listed until the session asks for the widgets (ui.filters.OPEN): the first view stays light
    chosen = list(st.session_state[layers_key])
    names = ", ".join(echo(_layer_label(k)) for k in chosen) or echo(t("pick.none", lang))  # each cut on its own
    layers_box.markdown(f"**{t('map.layers_in_view', lang)}:** {names}")
    layers_box.button(t("map.layers_change", lang), key="m_layers_open", on_click=open_controls)

STEP_CHOICES = ("", *STEPS)
step = st.selectbox(
    t("playback.choose", lang), STEP_CHOICES, format_func=lambda k: t(f"playback.step.{k or 'off'}", lang),
    key=link.bind("step", "", page="map", choices=STEP_CHOICES), help=t("playback.choose_help", lang),
)  # fmt: skip

find_place(s, lang)
draw_area(s, lang, center=s.map.center, zoom=max(s.map.zoom, 14))
own_place_note(s, session_own_places(), lang, fallback=s.focus.default_place)
notes = notes_editor(s, lang, center=s.map.center, zoom=max(s.map.zoom, 14))

public = view_mode(ctx, page="map")
rule = disclosure(ctx, public=public)
f = public_filters(ctx, rule)

# --- key figures ----------------------------------------------------------------------------
n = analysis.count(src.incidents, f)  # counted, not copied: a million rows stay put until a layer draws them
if ctx.meta.get("rows_kept") == 0:
    st.info(t("source.empty_layer", lang), icon=":material/database:")
n_homicides = analysis.count_of(src.incidents, f, only="homicide")
cols = st.columns(3)
delta, said = None, None
if f.start and f.end:  # the same period a year earlier, with the change's uncertainty (geo.analysis.change)
    earlier = f.shifted_years(-1)
    before = analysis.count(src.incidents, earlier)
    if rule.comparable(n, before):
        brk = s.analysis.nibrs_break
        periods = ((f.start, f.end), (earlier.start, earlier.end))
        ch = count_change(n, before, small_count=s.analysis.small_count, periods=periods, series_break=brk)
        said = f"{t('kpi.vs_year', lang)}: {change_text(ch, lang, series_break=brk)}"
        delta = None if ch.pct is None else fmt_pct(ch.pct, lang)  # the caption below says against what
cols[0].metric(t(f"kpi.in_view.{ctx.unit}", lang), rule.text(n, lang), delta=delta, delta_color="inverse")
if said:
    cols[0].caption(said)
cols[1].metric(t("kpi.homicides", lang), rule.text(n_homicides, lang))
if f.place:
    outer = int(max(f.rings_m or s.distances.rings_m))
    rings_m = tuple(f.rings_m or s.distances.rings_m)
    table = analysis.ring_table(src.incidents, f, src.places, f.place, rings_m)
    summary = analysis.ring_key_figure(
        src.incidents, f, src.places, f.place, rings_m, store_dir=src.store_dir,
        min_share=s.workspace.coverage_min_share,
    )  # fmt: skip
    total = summary.total_within
    cols[2].metric(
        t("kpi.rings", lang, distance=fmt_int(outer, lang), place=echo(f.place)),
        t("source.no_data", lang) if total is None else rule.text(int(total), lang),
        help=t("source.no_data_help", lang)
        if total is None
        else t("kpi.rings_help_point" if summary.point_place else "kpi.rings_help", lang),
    )

if n == 0:
    st.info(f"**{t('empty.title', lang)}** {t('empty.hint', lang)}", icon=":material/filter_alt_off:")

# --- the map (one render per distinct view, shared by every session: ui/mapview.py) ----------
tiles = s.map.tiles.enabled and data.tiles_available(s.map.tiles.url, s.map.tiles.probe_timeout_s)
drawn_zones = tuple((k, _layer_label(k), str(zones[k]["path"])) for k in chosen if k in zones)
view = map_view(s, f, layers=tuple(chosen), zones=drawn_zones, public=public, lang=lang, tiles=tiles,
                synthetic=ctx.synthetic)  # fmt: skip
view = replace(view, step=step, notes=notes)  # the playback's time step and the notes for the meeting, if any
doc = map_document(view, s)
if doc.warning:
    st.warning(doc.warning)
show_html(doc.html, height=s.map.height_px, title=t("frame.map", lang))
if n:
    within = None
    if f.place:
        within = t("source.no_data", lang) if total is None else rule.text(int(total), lang)
    by_category = analysis.category_counts(src.incidents, f)
    text_alternative(
        *map_alternative(by_category, lang=lang, place=f.place, within=within, rule=rule, unit=ctx.unit),
        key="m_map_alt", file_name="map-incidents-in-view", lang=lang,
    )  # fmt: skip
for note in doc.notes:
    st.caption(note)
if not tiles:
    st.caption(t("map.no_tiles", lang))

# --- focus place: counts by ring and year ---------------------------------------------------
if f.place and n and summary.total_within is not None:
    st.subheader(t("focus.title", lang, place=echo(f.place)))
    pivot = table.pivot_table(index="year", columns="band", values="count", aggfunc="sum", fill_value=0, sort=False)
    if summary.point_place:  # a place known only as a point has no area of its own: no "inside" column of zeros
        pivot = pivot.drop(columns="inside", errors="ignore")
        st.caption(t("focus.point_place", lang, place=echo(f.place)))
    shown = rule.table(pivot, row_totals=True)  # each year under its total, the years under the key figure
    pivot = shown.texts(lang).rename(columns={"inside": t("ring.inside", lang)})
    pivot.columns = [str(c) + ("" if c == t("ring.inside", lang) else " m") for c in pivot.columns]
    pivot[t("focus.total", lang)] = shown.row_totals.texts(lang) if shown.row_totals else []
    pivot.index = pivot.index.astype(str)
    pivot.index.name = t("focus.year", lang)
    st.html(html_table(pivot, lang=lang, caption=t("focus.title", lang, place=f.place), index=True))
