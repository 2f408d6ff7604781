"""Map page: incidents, hot spots, places, border rings and streets, with filters and key figures."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.core.i18n import fmt_int, fmt_pct, t
from geo.core.text import echo
from geo.data.labels import layer_titles
from layers.compose import MapComposer
from layers.hotspots import count_layer, gi_layer, kde_layer, rings_layer
from layers.incidents import incidents_layer
from layers.overview import add_places, add_streets, approximate_note
from layers.places import ZONE_SYMBOL, zones_layer
from layers.public import public_layer
from layers.style import symbols
from ui import analysis, data
from ui.alt import html_table, text_alternative
from ui.common import page_context, synthetic_notice, view_mode
from ui.filters import url_value
from ui.mapframe import show_map
from ui.source import session_workspace
from ui.trend_text import map_alternative

LAYERS = ("homicides", "incidents", "kde", "gistar", "grid", "parks", "housing", "csp", "rings", "streets")
DEFAULT_LAYERS = ("homicides", "incidents", "parks", "housing", "csp", "rings", "streets")
LAYER_LABELS = {
    "homicides": "layer.homicides",
    "incidents": "layer.incidents",
    "kde": "layer.gistar",
    "gistar": "layer.gistar",
    "grid": "layer.grid",
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
if "m_layers" not in st.session_state:
    raw = url_value("layers")
    wanted = [k for k in (raw.split(",") if raw else DEFAULT_LAYERS) if k in options]
    st.session_state["m_layers"] = wanted


def _layer_label(key: str) -> str:
    if key in zones:
        return zone_titles[str(zones[key]["name"])]
    if key == "kde":
        return t("layer.kde", lang, h="…").split(" (")[0]
    if key == "rings":
        return t("layer.rings", lang, place=f.place or "")
    return t(LAYER_LABELS[key], lang)


chosen = st.expander(t("map.layers", lang)).multiselect(
    t("map.layers", lang), options, key="m_layers", format_func=_layer_label, placeholder=t("pick.none", lang)
)
layers_param = ",".join(chosen)
if st.query_params.get("layers") != layers_param:
    st.query_params["layers"] = layers_param

public = view_mode(ctx, page="map")

# --- key figures ----------------------------------------------------------------------------
n = analysis.count(src.incidents, f)  # counted, not copied: a million rows stay put until a layer draws them
if ctx.meta.get("rows_kept") == 0:
    st.info(t("source.empty_layer", lang), icon=":material/database:")
n_homicides = analysis.count_of(src.incidents, f, only="homicide")
cols = st.columns(3)
delta = None
if f.start and f.end:
    before = analysis.count(src.incidents, f.shifted_years(-1))
    if before:
        delta = f"{fmt_pct((n - before) / before, lang)} {t('kpi.vs_year', lang)}"
cols[0].metric(t(f"kpi.in_view.{ctx.unit}", lang), fmt_int(n, lang), delta=delta, delta_color="inverse")
cols[1].metric(t("kpi.homicides", lang), fmt_int(n_homicides, lang))
focus = None
if f.place:
    outer = int(max(f.rings_m or s.distances.rings_m))
    rings_m = tuple(f.rings_m or s.distances.rings_m)
    table = analysis.ring_table(src.incidents, f, src.places, f.place, rings_m)
    summary = analysis.ring_key_figure(
        src.incidents, f, src.places, f.place, rings_m, store_dir=src.store_dir,
        min_share=s.workspace.coverage_min_share,
    )  # fmt: skip
    total = summary["total_within"]
    cols[2].metric(
        t("kpi.rings", lang, distance=fmt_int(outer, lang), place=echo(f.place)),
        t("source.no_data", lang) if total is None else fmt_int(int(total), lang),
        help=t("source.no_data_help", lang) if total is None else t("kpi.rings_help", lang),
    )
    focus = analysis.place(src.places, f.place, lang)

if n == 0:
    st.info(f"**{t('empty.title', lang)}** {t('empty.hint', lang)}", icon=":material/filter_alt_off:")

# --- the map --------------------------------------------------------------------------------
tiles = s.map.tiles.enabled and data.tiles_available(s.map.tiles.url, s.map.tiles.probe_timeout_s)
center = None
zoom = None
if focus is not None:
    c = focus.geometry.iloc[0].centroid
    center, zoom = (c.y, c.x), max(s.map.zoom, 15)
composer = MapComposer(s, lang=lang, tiles=tiles, center=center, zoom=zoom)
sym = symbols(s.colours)
notes: list[str] = []
cell = s.analysis.grid_cell_m

if "streets" in chosen:
    add_streets(composer, ctx.streets)
kinds = tuple(k for k, key in (("park", "parks"), ("housing", "housing"), ("csp_site", "csp")) if key in chosen)
add_places(composer, ctx.places, kinds=kinds)
if public and n:
    cells = analysis.public_grid(src.incidents, f, cell_m=cell, min_count=s.privacy.min_count, lang=lang)
    composer.add(*public_layer(cells, lang=lang, name=t("view.public_layer", lang)))
    notes.append(t("view.public_note", lang, n=s.privacy.min_count, cell=fmt_int(cell, lang)))
if "grid" in chosen and n and not public:
    composer.add(*count_layer(analysis.grid_counts(src.incidents, f, cell), lang=lang, name=t("layer.grid", lang)))
if "kde" in chosen and n:
    heat = analysis.heat(src.incidents, f, cell_m=s.analysis.kde_cell_m, rule=s.analysis.kde_bandwidth_rule)
    if heat is not None:
        contours, info = heat
        bw = (info["bandwidth_x_m"], info["bandwidth_y_m"])
        composer.add(*kde_layer(contours, lang=lang, bandwidth_m=bw, rule=info["bandwidth_rule"]))
        rule = t(f"rule.{info['bandwidth_rule']}", lang)
        notes.append(t("map.bandwidth", lang, hx=fmt_int(bw[0], lang), hy=fmt_int(bw[1], lang), rule=rule))
if "gistar" in chosen and n and not public:
    cells, gi = analysis.gistar(s, f)
    group, rows = gi_layer(cells, lang=lang, **{k: gi[k] for k in analysis.GI_ATTRS if k in gi})
    composer.add(group, rows)
    if gi.get("warning_key"):
        st.warning(t("map.few_events", lang, message=t(gi["warning_key"], lang, **gi.get("warning_params", {}))))
    elif not (cells["gi_class"] != 0).any() if len(cells) else True:
        notes.append(t("map.no_hotspots", lang))
for key in (k for k in chosen if k in zones):
    counts = analysis.covered_zone_counts(
        src.incidents,
        f,
        Path(str(zones[key]["path"])),
        store_dir=src.store_dir,
        min_share=s.workspace.coverage_min_share,
    )
    label = _layer_label(key)
    composer.add(zones_layer(counts, name=label, lang=lang), [(label, ZONE_SYMBOL)])
if "rings" in chosen and f.place:
    rings = analysis.rings(src.places, f.place, tuple(f.rings_m or s.distances.rings_m))
    composer.add(*rings_layer(rings, lang=lang, place=f.place))
for key, category, symbol_key, label_key in (
    ("incidents", None, "incident", "layer.incidents"),
    ("homicides", "homicide", "homicide", "layer.homicides"),
):
    if key not in chosen or public:
        continue
    size = n - n_homicides if category is None else n_homicides
    if size == 0:
        continue
    name = t(label_key, lang)
    if size > s.map.max_points:
        if category is None:
            cells = analysis.grid_counts(src.incidents, f, cell, exclude="homicide")
        else:
            cells = analysis.grid_counts(src.incidents, f, cell, only=category)
        composer.add(*count_layer(cells, lang=lang, name=name))
        notes.append(t("map.aggregated", lang, n=fmt_int(size, lang), cell=fmt_int(cell, lang)))
    else:
        subset = analysis.rows_of(src.incidents, f, only=category, exclude=None if category else "homicide")
        composer.add(incidents_layer(subset, name=name, symbol=sym[symbol_key], lang=lang), [(name, sym[symbol_key])])

m = composer.finish(synthetic=ctx.synthetic, note=approximate_note(ctx.places, lang))
show_map(m, height=s.map.height_px, lang=lang, title=t("frame.map", lang))
if n:
    within = None
    if f.place:
        within = t("source.no_data", lang) if total is None else fmt_int(int(total), lang)
    by_category = analysis.category_counts(src.incidents, f)
    text_alternative(
        *map_alternative(by_category, lang=lang, place=f.place, within=within, min_count=s.privacy.min_count,
                         public=public, unit=ctx.unit),
        key="m_map_alt", file_name="map-incidents-in-view", lang=lang,
    )  # fmt: skip
for note in notes:
    st.caption(note)
if not tiles:
    st.caption(t("map.no_tiles", lang))

# --- focus place: counts by ring and year ---------------------------------------------------
if f.place and n and summary["total_within"] is not None:
    st.subheader(t("focus.title", lang, place=echo(f.place)))
    pivot = table.pivot_table(index="year", columns="band", values="count", aggfunc="sum", fill_value=0, sort=False)
    pivot = pivot.rename(columns={"inside": t("ring.inside", lang)})
    pivot.columns = [str(c) + ("" if c == t("ring.inside", lang) else " m") for c in pivot.columns]
    pivot[t("focus.total", lang)] = pivot.sum(axis=1)
    pivot.index = pivot.index.astype(str)
    pivot.index.name = t("focus.year", lang)
    st.html(html_table(pivot, lang=lang, caption=t("focus.title", lang, place=f.place), index=True))
