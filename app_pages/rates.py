"""Rates page: incidents per resident per year by zone, with the small-number rules, and the focus place's border."""

from __future__ import annotations

import contextlib

import streamlit as st

from geo.analysis.rates import period_years, pooled_filters, population_columns
from geo.core.errors import AnalysisError
from geo.core.i18n import fmt_date, fmt_int, fmt_num, t
from geo.core.text import echo
from geo.data.population import FETCH_COMMAND, INGEST_COMMAND
from layers.compose import MapComposer
from layers.overview import add_places
from layers.rates import class_breaks, rate_layer
from ui import data, link, rates
from ui.common import disclosure, known_place, page_context, public_filters, synthetic_notice
from ui.mapframe import show_map

ctx = page_context("rates")
s, lang, f = ctx.settings, ctx.lang, ctx.filters
rules = s.rates
st.title(t("rates.title", lang))
synthetic_notice(ctx)
f = public_filters(ctx, disclosure(ctx, public=True))  # rates are public: whole months, configured rings

zones = rates.zone_choices(s)
pops = rates.population_choices(s)
if not zones or not pops:
    st.info(t("rates.no_population", lang))
    st.stop()
wanted: tuple[str, ...] = ()
with contextlib.suppress(AnalysisError):
    wanted = population_columns(f)
# real populations first (those that count the victims' group first); never a synthetic one by default
offered = rates.population_options(pops, incidents_synthetic=ctx.synthetic, columns=wanted)

c1, c2, c3, c4 = st.columns([3, 2, 2, 3])
zone_choice = c1.selectbox(
    t("rates.zones", lang), list(zones), format_func=lambda k: rates.zone_label(k, lang, s),
    key=link.bind("zones", next(iter(zones)), page="rates", choices=list(zones)),
)  # fmt: skip
pop_choice = c2.selectbox(
    t("rates.population", lang), offered, format_func=lambda k: rates.population_label(k, pops, lang),
    key=link.bind("pop", offered[0], page="rates", choices=offered),
)  # fmt: skip
per = c3.selectbox(
    t("rates.per", lang), list(rules.per_choices), format_func=lambda n: fmt_int(n, lang),
    key=link.bind("per", rules.per, page="rates", choices=list(rules.per_choices)),
)  # fmt: skip
pool = c4.checkbox(t("rates.pool", lang, years=rules.pool_years), key=link.bind("pool", False, page="rates"))
suppress = c4.checkbox(t("rates.suppress", lang), key=link.bind("suppress", False, page="rates"))

verdict = rates.verdict(pops, pop_choice, incidents_synthetic=ctx.synthetic)
if not verdict.allowed or verdict.source is None:
    st.warning(t(f"rates.refuse.{verdict.refused}", lang, ingest=INGEST_COMMAND, fetch=FETCH_COMMAND))
    st.stop()
source = verdict.source
vintage = rates.vintage_text(source, lang)
try:
    columns = population_columns(f)
    used = pooled_filters(f, years=rules.pool_years, last=ctx.last) if pool else f
    years = period_years(used, first=ctx.first, last=ctx.last)
except AnalysisError:
    st.warning(t("rates.cannot", lang))
    st.stop()
group = ", ".join(t(f"rates.group.{c}", lang) for c in columns)
lacking = [c for c in columns if c not in source.columns]
if lacking:
    held = ", ".join(t(f"rates.group.{c}", lang) for c in source.columns) or t("na", lang)
    st.warning(t("rates.population.lacks", lang, group=group, held=held))
    st.stop()
zones_path, key = zones[zone_choice]
share = s.workspace.coverage_min_share
ask = rates.RateQuery(zones_path, key, pops[pop_choice], columns, years, float(per), suppress, share)
table = rates.rate_table(s, used, lang, ask)
shown = rates.public_view(table, lang=lang, settings=s, vintage=vintage)
start, end = max(used.start or ctx.first, ctx.first), min(used.end or ctx.last, ctx.last)
st.caption(
    t("rates.caption", lang, per=fmt_int(per, lang), group=group, start=fmt_date(start, lang),
      end=fmt_date(end, lang), years=fmt_num(years, lang, digits=1))
)  # fmt: skip
st.caption(t("rates.caption.population", lang, population=rates.population_label(pop_choice, pops, lang)))
if verdict.synthetic and not ctx.synthetic:
    st.warning(t("rates.note.synthetic_chosen", lang))

# --- the choropleth ------------------------------------------------------------------------
tiles = s.map.tiles.enabled and data.tiles_available(s.map.tiles.url, s.map.tiles.probe_timeout_s)
composer = MapComposer(s, lang=lang, tiles=tiles)
breaks = class_breaks(shown["rate"].to_numpy(dtype=float), scheme=rules.scheme, k=rules.classes)
layer_name = t("rates.layer", lang, per=fmt_int(per, lang), vintage=vintage)
composer.add(*rate_layer(shown, lang=lang, name=layer_name, breaks=breaks))
add_places(composer, ctx.places, kinds=("park", "housing"))
banner = t("rates.banner.synthetic_residents", lang) if verdict.synthetic and not ctx.synthetic else None
scheme_note = t(f"rates.legend.note.{rules.scheme}", lang, per=fmt_int(per, lang))
legend = f"{scheme_note} {t('rates.legend.vintage', lang, vintage=vintage)}"
m = composer.finish(synthetic=ctx.synthetic or verdict.synthetic, note=legend, banner=banner)
show_map(m, height=s.map.height_px, lang=lang, title=t("frame.rates", lang))
if not tiles:
    st.caption(t("map.no_tiles", lang))

# --- ranking -------------------------------------------------------------------------------
st.subheader(t("rates.ranking", lang))
partial = bool((shown["coverage"] < 0.999).any())
st.dataframe(rates.ranking(shown, lang, smoothing=rules.smoothing, coverage=partial), hide_index=True, width="stretch")
total = shown.attrs["total"]  # the combined rate, withheld with the combined count
notes = [t("rates.note.small", lang, pop=fmt_int(rules.min_population, lang), n=rules.min_count)]
if rules.smoothing:
    notes.append(t("rates.note.eb", lang))
notes.append(t("rates.note.cv", lang))
if source.synthetic:
    notes.append(t("rates.note.synthetic", lang))
if partial:
    notes.append(t("rates.note.coverage", lang))
if table.attrs["no_data"]:
    area = ctx.coverage.area_name if ctx.coverage is not None and ctx.coverage.area_name else None
    area = area or t("rates.note.area_guess", lang)
    notes.append(t("rates.note.no_data", lang, n=fmt_int(table.attrs["no_data"], lang), area=area))
if (shown["public_small"]).any():
    notes.append(t("rates.note.public", lang, n=s.privacy.min_count))
for note in notes:
    st.caption(note)

# --- the focus place's border against all zones ------------------------------------------------
place = f.place or s.focus.default_place
rings = tuple(f.rings_m or s.distances.rings_m)
if known_place(ctx, place):
    st.subheader(t("rates.focus", lang, place=echo(place), distance=fmt_int(max(rings), lang)))
    ring_table, border = rates.place_rates(s, used, lang, place=place, rings=rings, ask=ask)
    b = rates.public_view(border, lang=lang, settings=s, vintage=vintage).iloc[0]
    m1, m2, m3 = st.columns(3)
    m1.metric(t("rates.border", lang, distance=fmt_int(max(rings), lang)), b["rate_text"])
    city = total["rate"]
    m2.metric(t("rates.all_zones", lang), t("na", lang) if city is None else fmt_num(city, lang, digits=1))
    if city and b["rate"] == b["rate"]:
        m3.metric(t("rates.ratio", lang), f"{fmt_num(b['rate'] / city, lang, digits=1)}×")
    st.caption(t("rates.border_detail", lang, count=b["count_text"], population=b["population_text"], vintage=vintage))
    if b["flag_text"]:
        st.warning(b["flag_text"])
    ring_view = rates.public_view(ring_table, lang=lang, settings=s, vintage=vintage)
    ring_view["zone"] = [t("ring.inside", lang) if z == "inside" else f"{z} m" for z in ring_view["zone"]]
    st.dataframe(rates.ranking(ring_view, lang, smoothing=rules.smoothing, coverage=False), hide_index=True)
