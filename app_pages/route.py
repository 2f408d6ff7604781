"""Patrol route page: plan a foot-patrol loop through the hottest blocks, download GPX and a route card."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pandas as pd
import streamlit as st

from geo.core.errors import SafetyMapError
from geo.core.i18n import fmt_int, t
from geo.core.text import echo, to_csv_text
from geo.exports.gpx import route_gpx
from geo.exports.helpnear import along_route
from geo.exports.routecard import route_card_bytes
from geo.patrol.candidates import HOTSPOT_METHODS
from geo.patrol.network import NETWORKS
from geo.patrol.request import PlanRequest, reach_m
from geo.patrol.text import (
    available_weight,
    clock,
    data_note,
    distance,
    minutes,
    network_line,
    plan_error,
    stop_kind,
    stop_weights,
    turn_lines,
)
from layers.compose import MapComposer
from layers.fit import FitToBounds
from layers.legend import add_css
from layers.overview import add_places, add_streets
from layers.route import ROUTE_CSS, route_bounds, route_layers
from ui import link
from ui import patrol as planner
from ui.access import download_data, session_access
from ui.alt import html_table, text_alternative
from ui.common import disclosure, focus_places, page_context, synthetic_notice, view_mode
from ui.mapframe import clickable_map
from ui.style import error_text

PAGE = "route"
BUDGET_MIN = 120  # the walk's default length, minutes: a two-hour foot patrol
LEAVE_AT = dt.time(18, 0)  # the default time of leaving: the evening hours of most shootings
# (comments, not docstrings: Streamlit draws a page script's bare strings on the page)
STOPS_WIDE, STOPS_PHONE = "route_stops_wide", "route_stops_phone"  # the stop table's two forms, one per width

ctx = page_context(PAGE)
s, lang, f = ctx.settings, ctx.lang, ctx.filters
p = s.patrol
st.title(t("rp.title", lang))
synthetic_notice(ctx)
st.caption(t("rp.intro", lang))
if not session_access(s).internal:  # stops come from where incidents happened: officers' work, not public
    st.info(t("auth.route_needs_role", lang))
    st.stop()
public = view_mode(ctx, page=PAGE)
rule = disclosure(ctx, public=public)

names = focus_places(s, ctx.places, lang=lang)  # the picker labels of the page's language, as the filters
c1, c2, c3 = st.columns(3)
first_place = f.place if f.place in names else next(iter(names), None)
place = c1.selectbox(
    t("rp.start", lang), names, key=link.bind("start", first_place, page=PAGE, choices=names), filter_mode="contains"
)
budget = c2.number_input(
    t("rp.budget", lang), min_value=20, max_value=600, step=10, key=link.bind("budget", BUDGET_MIN, page=PAGE)
)
low, high = int(p.dwell_range_min[0]), int(p.dwell_range_min[1])
dwell = c3.slider(
    t("rp.dwell", lang), low, high, step=1, key=link.bind("dwell", int(p.dwell_min), page=PAGE, bounds=(low, high))
)
c4, c5, c6 = st.columns(3)
max_stops = c4.number_input(
    t("rp.stops", lang), min_value=1, max_value=20, key=link.bind("stops", p.max_stops, page=PAGE)
)
speed = c5.number_input(
    t("rp.speed", lang), min_value=0.5, max_value=2.0, step=0.1, key=link.bind("speed", p.speed_mps, page=PAGE)
)
method = c6.radio(
    t("rp.hotspots", lang), HOTSPOT_METHODS, format_func=lambda m: t(f"rp.hotspots.{m}", lang),
    key=link.bind("hotspots", HOTSPOT_METHODS[0], page=PAGE, choices=HOTSPOT_METHODS),
)  # fmt: skip
leave_at = st.time_input(
    t("route.col_leave", lang), key=link.bind("leave", LEAVE_AT, page=PAGE), step=dt.timedelta(minutes=15)
)

# the walking network: real incidents are never routed on the demo's generated grid unless the person chooses it
networks = [n for n in NETWORKS if n != "imported" or planner.imported_available(s)]
configured = None if p.network == "demo" and not ctx.synthetic else p.network
network = st.selectbox(
    t("rp.network", lang), networks, format_func=lambda n: t(f"rp.network.{n}", lang),
    key=link.bind("network", configured, page=PAGE, choices=networks), placeholder=t("rp.network.choose", lang),
)  # fmt: skip
if network is None:
    st.warning(t("rp.network.needed", lang))
    st.stop()

added: list[tuple[float, float]] = st.session_state[link.bind("add", [], page=PAGE)]
request = PlanRequest(
    budget_min=float(budget), place=place, dwell_min=float(dwell), speed_mps=float(speed), max_stops=int(max_stops),
    method=method, filters=f, added=tuple(added), start_time=planner.start_datetime(dt.date.today(), leave_at),
    network=network,
)  # fmt: skip
n_incidents, _ = planner.window(request, s, lang)
if n_incidents == 0:
    st.info(t("rp.no_incidents", lang))
    st.stop()

lat, lon = planner.start_point(request, s, lang)
try:
    graph = planner.network(s, network, lat=lat, lon=lon, reach_m=reach_m(request, s))
    candidates = planner.candidates(request, s, lang)
except SafetyMapError as exc:
    st.error(t("rp.error", lang, error=error_text(plan_error(exc, lang))))
    st.stop()

labels = planner.candidate_labels(request, s, lang, rule)  # numbered: equal kinds and weights are told apart
excluded = st.multiselect(  # only stops still offered are kept (the candidates follow the choices)
    t("rp.exclude", lang),
    list(labels),
    format_func=lambda sid: labels.get(sid, sid),
    key=link.bind("skip", [], page=PAGE, choices=list(labels)),
    placeholder=t("pick.none", lang),
)
request = request.replace(excluded=tuple(excluded))
try:
    route = planner.plan_route(request, s, lang)
except SafetyMapError as exc:
    st.error(t("rp.error", lang, error=error_text(plan_error(exc, lang))))
    st.stop()
st.session_state["r_plan"] = route.summary()  # the route on screen, as `python -m geo route` prints it

m1, m2, m3 = st.columns(3)
m1.metric(t("rp.distance", lang), distance(route.distance_m, lang))
m2.metric(t("rp.total", lang), minutes(route.total_min, lang), help=t("route.summary", lang, stops=len(route.stops),
          distance=distance(route.distance_m, lang), walk=minutes(route.walk_min, lang),
          dwell=minutes(route.dwell_total_min, lang), total=minutes(route.total_min, lang),
          budget=minutes(route.budget_min, lang)))  # fmt: skip
weights, covered = stop_weights(route, lang, rule)  # the stops, one group under the weight covered
m3.metric(t("rp.covered", lang), covered)
m3.caption(t("rp.covered_of", lang, n=available_weight(route, lang, rule)))
left_out = route.required_left_out()
if left_out:
    st.warning(t("rp.added_left_out", lang, n=fmt_int(left_out, lang), budget=minutes(route.budget_min, lang),
                 stops=fmt_int(int(max_stops), lang)))  # fmt: skip

composer = MapComposer(s, lang=lang, center=(lat, lon), zoom=16)
add_css(composer.map, ROUTE_CSS, "route_css")
add_streets(composer, ctx.streets)
add_places(composer, ctx.places, kinds=("park", "housing"))
for group, rows in route_layers(route, lang=lang):
    composer.add(group, rows)
m = composer.finish(synthetic=ctx.synthetic)
FitToBounds(route_bounds(route)).add_to(m)  # after the legend and the badge: the fit keeps the stops clear of both
point = clickable_map(m, key="route_map", height=520)
b1, b2 = st.columns(2)
if point and b1.button(t("rp.add_button", lang), key="r_add"):
    added.append((round(point[0], 6), round(point[1], 6)))
    st.rerun()
if not point:
    b1.caption(t("rp.add_hint", lang))
if added and b2.button(t("rp.clear_added", lang), key="r_clear"):
    st.session_state["r_added"] = []
    st.rerun()

# --- a stop added without the mouse: from the candidates, or at an intersection typed in -------------
visited = set(route.stops["stop_id"]) if "stop_id" in route.stops.columns else set()
offered = [sid for sid in labels if sid not in visited and sid not in excluded]
k1, k2 = st.columns(2)
pick = k1.selectbox(
    t("rp.add_pick", lang), offered, index=None, format_func=lambda sid: labels.get(sid, sid), key="r_pick",
    placeholder=t("pick.choose", lang),
)  # fmt: skip
if k1.button(t("rp.add_pick_button", lang), key="r_add_pick", disabled=pick is None):
    pt = candidates.loc[candidates["stop_id"] == pick].geometry.iloc[0]
    added.append((round(float(pt.y), 6), round(float(pt.x), 6)))
    st.rerun()
typed = k2.text_input(t("rp.add_street", lang), key="r_street", placeholder=t("rp.add_street_example", lang))
if k2.button(t("rp.add_street_button", lang), key="r_add_street", disabled=not typed.strip()):
    found = planner.intersection(request, s, lang, typed)
    if found.found is not None:
        added.append((round(found.found.lat, 6), round(found.found.lon, 6)))
        st.rerun()
    first, second = found.streets or ("", "")
    k2.error(t(f"rp.street_{found.problem}", lang, street=found.street or "", first=first, second=second))
st.caption(f"{network_line(route, lang)} · {data_note(route, lang)}")

table = pd.DataFrame(
    {
        t("route.col_order", lang): route.stops["order"].astype(int),
        t("route.col_arrive", lang): [clock(a) for a in route.stops["arrive"]],
        t("route.col_leave", lang): [clock(d) for d in route.stops["depart"]],
        t("route.col_stay", lang): [minutes(x, lang) for x in route.stops["dwell_min"]],
        t("route.col_where", lang): [
            f"{stop_kind(k, lbl, lang)} · {w or ''}"
            for k, lbl, w in zip(route.stops["kind"], route.stops["label"], route.stops["where"], strict=True)
        ],
        t("route.col_weight", lang): weights,
    }
)
st.subheader(t("route.stops", lang))
with st.container(key=STOPS_WIDE):  # a wide screen: the data grid
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={t("route.col_where", lang): st.column_config.TextColumn(width="large")},
    )
with st.container(key=STOPS_PHONE):  # a phone: the same rows as a table that wraps, every column on the screen
    st.html(html_table(table, lang=lang, caption=t("route.stops", lang)))
text_alternative(
    t("rp.alt", lang, stops=len(route.stops), distance=distance(route.distance_m, lang), place=place,
      total=minutes(route.total_min, lang)),
    pd.DataFrame(
        {
            t("route.col_order", lang): route.stops["order"].astype(int),
            t("route.col_where", lang): table[t("route.col_where", lang)],
            t("route.col_arrive", lang): table[t("route.col_arrive", lang)],
            t("alt.lat", lang): [round(float(g.y), 6) for g in route.stops.geometry],
            t("alt.lon", lang): [round(float(g.x), 6) for g in route.stops.geometry],
        }
    ),
    key="r_alt", file_name=f"patrol-stops-{place.lower().replace(' ', '-')}", lang=lang,
)  # fmt: skip
with st.expander(t("route.turns", lang)):
    st.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(turn_lines(route, lang), start=1)))

helps = along_route(route.path, s, lang=lang, synthetic=ctx.synthetic)  # the card prints them too
if helps:
    with st.expander(t("route.services", lang)):
        st.markdown("\n".join(f"- {echo(line)}" for line in helps))

d1, d2, d3, d4 = st.columns(4)
stem = f"patrol-{place.lower().replace(' ', '-')}"
made = partial(download_data, s, public=rule.public, filters=ctx.filters)  # internal files first go to the record
card = partial(route_card_bytes, route, lang=lang, graph=graph, rule=rule, services=helps)
d1.download_button(
    t("rp.gpx", lang), data=made(lambda: route_gpx(route, lang=lang, rule=rule), what="route:gpx"),
    file_name=f"{stem}.gpx", mime="application/gpx+xml", key="r_gpx",
)  # fmt: skip
d2.download_button(
    t("rp.card_pdf", lang),
    data=made(lambda: card(fmt="pdf"), what="route:pdf"),
    file_name=f"{stem}.pdf", mime="application/pdf", key="r_pdf",
)  # fmt: skip
d3.download_button(
    t("rp.card_png", lang),
    data=made(lambda: card(fmt="png"), what="route:png"),
    file_name=f"{stem}.png", mime="image/png", key="r_png",
)  # fmt: skip

d4.download_button(
    t("rp.stops_csv", lang), data=made(lambda: to_csv_text(table), what="route:csv"), file_name=f"{stem}-stops.csv",
    mime="text/csv", key="r_csv",
)  # fmt: skip

from ui.dosage import dosage_section  # noqa: E402

dosage_section(route, ctx)
