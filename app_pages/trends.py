"""Trends and evaluation: series near the focus place and its comparison, hour x weekday, program evaluation."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st
from babel.dates import get_day_names

from geo.analysis.evaluate import (
    POINT_RADIUS_M,
    default_start,
    estimates_shown,
    evaluation_error_text,
    reading_text,
    warning_text,
)
from geo.analysis.rings import shown_ranking
from geo.core.categories import CONDITIONS
from geo.core.i18n import LOCALES, catalog, fmt_date, fmt_int, fmt_num, t
from geo.core.text import echo
from geo.data.coverage import has_data
from ui import analysis, link, periods
from ui.alt import text_alternative
from ui.common import disclosure, focus_places, page_context, public_filters, synthetic_notice, view_mode
from ui.mapframe import show_map
from ui.risk import (
    NothingToShow,
    condition_label,
    model_name,
    model_table,
    near_far_table,
    near_place_table,
    refusal_text,
    risk_map,
    risk_result,
)
from ui.style import SERIES_COLOURS, error_text
from ui.trend_text import evaluation_table, heat_alternative, trend_alternative

ctx = page_context("trends")
s, lang, f = ctx.settings, ctx.lang, ctx.filters
src = s.sources
st.title(t("trends.title", lang))
synthetic_notice(ctx)
if ctx.meta.get("rows_kept") == 0:
    st.info(t("source.empty_layer", lang), icon=":material/database:")
    st.stop()
public = view_mode(ctx, page="trends")
rule = disclosure(ctx, public=public)
f = public_filters(ctx, rule)
place = f.place or s.focus.default_place
outer = float(max(f.rings_m or s.distances.rings_m))
names = focus_places(s, ctx.places, lang=lang)
min_share = s.workspace.coverage_min_share
nibrs = s.analysis.nibrs_break

FREQS = ("month", "year")
RANK_KINDS = ("park", "housing")
PEERS = 3  # comparison places the evaluation offers by default: the nearest of the focus place's kind with data
_BOTTOM_LEGEND = alt.Legend(orient="bottom", direction="vertical", labelLimit=260)  # one place a line: a phone holds it

# --- series -------------------------------------------------------------------------------
c1, c2 = st.columns([1, 3])
freq = c1.radio(
    t("trends.freq", lang), FREQS, format_func=lambda k: t(f"trends.freq.{k}", lang),
    key=link.bind("freq", FREQS[0], page="trends", choices=FREQS),
)  # fmt: skip
others = [n for n in names if n != place]
focus_others = [n for n in s.focus.places if n in others]  # the configured focus places the data say something about
known = has_data(pd.concat([analysis.place(src.places, n, lang) for n in focus_others]), ctx.coverage, within_m=outer,
                 min_share=min_share) if focus_others else pd.Series(dtype=bool)  # fmt: skip
default_compare = [n for n, ok in zip(focus_others, known, strict=True) if ok][:2]
compare = c2.multiselect(
    t("trends.compare", lang), others, key=link.bind("compare", default_compare, page="trends", choices=others),
    placeholder=t("pick.choose", lang),
)  # fmt: skip
series = analysis.covered_series(
    src.incidents,
    f,
    src.places,
    (place, *compare),
    within_m=outer,
    freq=freq,
    nibrs_break=nibrs.isoformat(),
    store_dir=src.store_dir,
    min_share=min_share,
)
victims = ctx.unit == "victims"
st.subheader(t("trends.series.victims" if victims else "trends.series", lang, distance=fmt_int(outer, lang)))
gone: list[str] = []
if len(series):
    gone = sorted(set(series.loc[series["coverage"] == "no_data", "place"]))
    if gone:
        st.info(t("source.no_data_series", lang, places=echo(", ".join(gone))))
    series = series[series["coverage"] != "no_data"]
if series.empty:
    if not gone:  # places without data were named above; nothing else to say
        st.info(f"**{t('empty.title', lang)}** {t('empty.hint', lang)}")
elif series["count"].fillna(0).sum() == 0:
    st.info(t("trends.no_series", lang))
else:
    frame = rule.column(series.drop(columns="coverage"), lang=lang, by="place")  # each place's periods, one group
    wanted = [place, *compare]
    drawn = [p for p in wanted if p not in gone]  # the legend names only the places drawn (the rest: the note above)
    colours = [SERIES_COLOURS[wanted.index(p) % len(SERIES_COLOURS)] for p in drawn]
    line = (
        alt.Chart(frame)
        .mark_line(point=freq == "year")
        .encode(
            # numeric date labels read the same in both languages (Vega's month names are English)
            x=alt.X(
                "period_start:T",
                title=t("trends.axis_period", lang),
                axis=alt.Axis(format="%Y-%m" if freq == "month" else "%Y"),
            ),
            y=alt.Y(
                "count:Q",
                title=t("trends.axis_count.victims" if victims else "trends.axis_count", lang),
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            # keyed on the place itself (never a translated label), so colours match in both languages;
            # the legend below the plot: on a phone a side legend squeezes the plot to a sliver
            color=alt.Color(
                "place:N",
                title=t("trends.place", lang),
                scale=alt.Scale(domain=drawn, range=colours),
                legend=_BOTTOM_LEGEND,
            ),
            strokeDash=alt.StrokeDash("place:N", title=t("trends.place", lang), legend=_BOTTOM_LEGEND),
            tooltip=[
                alt.Tooltip("place:N", title=t("trends.place", lang)),
                "period",
                alt.Tooltip("label:N", title=t("trends.axis_count.victims" if victims else "trends.axis_count", lang)),
            ],
        )
    )
    layers = [line]
    start, end = series["period_start"].min(), series["period_start"].max()
    if start <= pd.Timestamp(nibrs) <= end + pd.offsets.YearEnd(0):
        brk = pd.DataFrame({"x": [pd.Timestamp(nibrs)], "label": [t("trends.break_label", lang)]})
        layers.append(alt.Chart(brk).mark_rule(color="#444", strokeDash=[4, 4]).encode(x="x:T"))
        layers.append(alt.Chart(brk).mark_text(align="left", dx=4, dy=-6, color="#444").encode(x="x:T", text="label"))
        st.caption(t("trends.break", lang, date=fmt_date(nibrs, lang)))
    st.altair_chart(alt.layer(*layers).properties(height=320), width="stretch")
    text_alternative(
        *trend_alternative(frame, freq=freq, distance_m=outer, lang=lang, unit=ctx.unit),
        key="t_series_alt", file_name=f"trends-{freq}", lang=lang,
    )  # fmt: skip

# --- hour of day x weekday --------------------------------------------------------------------
in_view = analysis.view(src.incidents, f, lang)
known = in_view[in_view["time_known"]]
if len(known):
    st.subheader(t("trends.heat_title", lang))
    days = get_day_names("abbreviated", locale=LOCALES[lang])
    table = pd.crosstab(known["occurred_at"].dt.hour, known["occurred_at"].dt.day_of_week)
    table = table.reindex(index=range(24), columns=range(7), fill_value=0)
    table.columns = [days[d] for d in range(7)]
    table.index.name = t("trends.hour", lang)
    heat = rule.table(table)  # one group under the incidents in view
    texts = heat.texts(lang)
    # an HTML table (read cell by cell by a screen reader) in a small type that keeps all seven days on a phone
    shade = heat.values.astype("Float64").fillna(0).to_numpy(dtype=float)
    st.table(
        texts.reset_index()
        .style.background_gradient(  # black text on the lighter two thirds of the scale: 5.7:1 and more (WCAG AA)
            cmap="Oranges",
            axis=None,
            subset=list(table.columns),
            gmap=shade,
            vmin=0,
            vmax=max(float(shade.max()), 1.0) * 1.5,
            text_color_threshold=0,
        )
        .hide(axis="index")
    )
    wide = get_day_names("wide", locale=LOCALES[lang])
    sentence, alt_table = heat_alternative(table, lang=lang, rule=rule, day_names={days[d]: wide[d] for d in range(7)})
    text_alternative(sentence, alt_table, key="t_heat_alt", file_name="trends-hour-weekday", lang=lang)

# --- two periods side by side ------------------------------------------------------------------
st.subheader(t("periods.title", lang, place=echo(place)))
span_a, span_b = periods.default_spans(f, ctx.first, ctx.last)
p1, p2 = st.columns(2)
key_a = periods.within_data(link.bind("pa", span_a, page="trends"), span_a, ctx.first, ctx.last, lang)
key_b = periods.within_data(link.bind("pb", span_b, page="trends"), span_b, ctx.first, ctx.last, lang)
chosen_a = p1.date_input(t("periods.a", lang), min_value=ctx.first, max_value=ctx.last, key=key_a, format="YYYY-MM-DD")
chosen_b = p2.date_input(t("periods.b", lang), min_value=ctx.first, max_value=ctx.last, key=key_b, format="YYYY-MM-DD")
rings_now = tuple(f.rings_m or s.distances.rings_m)
if not (isinstance(chosen_a, tuple) and len(chosen_a) == 2 and isinstance(chosen_b, tuple) and len(chosen_b) == 2):
    st.caption(t("periods.pick", lang))
else:
    fa = periods.period_filters(f, chosen_a, rule, rings_now)
    fb = periods.period_filters(f, chosen_b, rule, rings_now)
    if rule.public and periods.overlap(fa, fb):
        st.info(t("periods.overlap", lang))
    else:
        a = periods.figures(s, fa, place, rings_now)
        b = periods.figures(s, fb, place, rings_now)
        cols = st.columns(2)
        for col, fig, key in ((cols[0], a, "a"), (cols[1], b, "b")):
            col.markdown(f"**{t(f'periods.{key}', lang)}**: {echo(periods.span_text(fig.filters, lang))}")
            col.metric(t(f"kpi.in_view.{ctx.unit}", lang), rule.text(fig.in_view, lang))
            col.metric(t("kpi.rings", lang, distance=fmt_int(outer, lang), place=echo(place)),
                       t("source.no_data", lang) if fig.within is None else rule.text(fig.within, lang))  # fmt: skip
        st.markdown(f"**{t('periods.change', lang, distance=fmt_int(outer, lang))}** "
                    f"{echo(periods.change_between(s, a, b, rule, lang))}")  # fmt: skip
        st.dataframe(periods.months_table(s, a, b, place, outer, rule, lang), hide_index=True, width="stretch")
        if st.toggle(t("periods.squares", lang), key="t_periods_maps"):
            m1, m2 = st.columns(2)
            for col, fig, key in ((m1, a, "a"), (m2, b, "b")):
                with col:
                    title = t(f"periods.{key}", lang)
                    show_map(periods.squares_map(s, fig, place, rule, lang, synthetic=ctx.synthetic),
                             height=s.map.height_px * 3 // 4, lang=lang, title=title)  # fmt: skip

# --- ranking of peers ------------------------------------------------------------------------
within = s.distances.ranking_within_m
st.subheader(t("rank.title", lang, distance=fmt_int(within, lang)))
kind = st.radio(
    t("rank.kind", lang), RANK_KINDS, format_func=lambda k: t(f"kind.{k}", lang), horizontal=True,
    key=link.bind("rank", RANK_KINDS[0], page="trends", choices=RANK_KINDS),
)  # fmt: skip
ranked = analysis.covered_ranking(
    src.incidents, f, src.places, within_m=within, kinds=(kind,), store_dir=src.store_dir, min_share=min_share
)
if len(ranked):
    no_data = t("source.no_data", lang)

    def shown(values: pd.Series, *, digits: int = 0, empty: str = "—") -> list[str]:
        return [empty if pd.isna(v) else fmt_num(float(v), lang, digits=digits) for v in values]

    ranked = shown_ranking(ranked, rule, lang=lang)  # a hidden count hides its rates too
    table = pd.DataFrame(
        {
            t("rank.col.rank", lang): shown(ranked["rank"]),
            t("rank.col.name", lang): ranked["name"],
            t("rank.col.count.victims" if victims else "rank.col.count", lang, distance=fmt_int(within, lang)): [
                label or no_data for label in ranked["label"]
            ],
            t("rank.col.per_year", lang): shown(ranked["per_year"], digits=1),
            t("rank.col.per_km_year", lang): shown(ranked["per_km_year"], digits=1),
        }
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(t("rank.note", lang, distance=fmt_int(within, lang), outer=fmt_int(outer, lang)))

# --- conditions and risk factors (the City's service requests) ---------------------------------
st.subheader(t("risk.title", lang, place=echo(place)))
chosen = st.multiselect(
    t("risk.factors", lang), CONDITIONS, format_func=lambda c: condition_label(c, lang),
    placeholder=t("pick.none", lang), key=link.bind("factors", [], page="trends", choices=CONDITIONS),
)  # fmt: skip
try:
    risk = risk_result(s, f, tuple(chosen), synthetic=ctx.synthetic)
except NothingToShow as exc:
    st.info(t("conditions.none.demo_refused" if exc.demo_refused else "conditions.none", lang))
else:
    if risk.demo:
        st.caption(t("conditions.synthetic", lang))
    st.markdown(f"**{t('risk.near_place', lang, distance=fmt_int(outer, lang), place=echo(place))}**")
    if len(risk.near_place):
        st.dataframe(near_place_table(risk.near_place, lang), hide_index=True, width="stretch")
    else:
        st.caption(t("risk.no_requests", lang, distance=fmt_int(outer, lang), place=echo(place)))
    if not chosen:
        st.caption(t("risk.pick", lang))
    if len(risk.near_far):
        st.markdown(f"**{t('risk.near_far', lang)}**")
        st.dataframe(near_far_table(risk.near_far, rule, lang), hide_index=True, width="stretch")
        st.caption(t("risk.near_far_note", lang, near=fmt_int(s.risk.near_m, lang), place=echo(place),
                     area=fmt_int(s.analysis.focus_area_m, lang)))  # fmt: skip
        st.markdown(f"**{t('risk.model', lang)}**")
        if risk.model is not None:
            st.dataframe(model_table(risk.model, lang), hide_index=True, width="stretch")
            m = risk.model
            st.caption(t("risk.model_note", lang, model=model_name(m, lang), cells=fmt_int(m.n_cells, lang),
                         events=fmt_int(m.n_events, lang), folds=s.risk.folds))  # fmt: skip
            shaded = risk_map(s, m, ctx.places, lang)
            if shaded is not None:  # some factor kept: its squares shaded by relative risk
                show_map(shaded, height=s.map.height_px, lang=lang, title=t("risk.map", lang))
        else:
            st.caption(refusal_text(risk.refused, s.risk, lang))

# --- evaluation -------------------------------------------------------------------------------
st.subheader(t("eval.title", lang, place=echo(place)))
focus = analysis.place(src.places, place, lang)
program_start = focus["program_start"].iloc[0] if "program_start" in focus.columns else None
program_start = program_start if pd.notna(program_start) else None  # a place of a table whose others have one
e1, e2, e3 = st.columns(3)
buffer_m = e3.number_input(
    t("eval.buffer", lang), min_value=50, max_value=2000, step=50,
    key=link.bind("buffer", int(s.distances.displacement_buffer_m), page="trends"),
)  # fmt: skip
if bool(focus.geom_type.isin(["Point", "MultiPoint"]).all()):  # a place known only as a point has no area of its own
    e3.caption(t("eval.point_place", lang, place=echo(place), radius=fmt_int(POINT_RADIUS_M, lang)))
peers = analysis.default_controls(
    src.incidents, src.places, treated=place, skip=tuple(s.focus.places), n=PEERS, buffer_m=float(buffer_m),
    store_dir=src.store_dir, min_share=min_share, lang=lang,
)  # fmt: skip
controls = e1.multiselect(
    t("eval.control", lang), others, key=link.bind("controls", peers, page="trends", choices=others),
    placeholder=t("pick.choose", lang),
)  # fmt: skip
focus_kind = str(focus["kind"].iloc[0])
what = t(f"eval.kind.{focus_kind}", lang) if f"eval.kind.{focus_kind}" in catalog(lang) else t("eval.kind.other", lang)
e1.caption(t("eval.peers_rule", lang, n=PEERS, kind=what, distance=fmt_int(buffer_m, lang)))
if not peers:
    e1.caption(t("eval.peers_none", lang, kind=what))
program_day = pd.Timestamp(program_start or "2017-01-01").date()
start_default, as_wanted = default_start(program_day, ctx.first, ctx.last)  # never a date at the data's edge
start = e2.date_input(
    t("eval.start", lang), min_value=ctx.first, max_value=ctx.last, format="YYYY-MM-DD",
    key=link.bind("since", start_default, page="trends", bounds=(ctx.first, ctx.last)),
)  # fmt: skip
if not as_wanted and start == start_default:
    e2.caption(t("eval.start_outside", lang, date=fmt_date(program_day, lang), first=fmt_date(ctx.first, lang),
                 last=fmt_date(ctx.last, lang)))  # fmt: skip
month_start = rule.dates(start, None)[0] or start  # public: the month's first day (a day's move would tell a date)
if month_start != start:
    e2.caption(t("privacy.start_month", lang, date=fmt_date(month_start, lang)))
    start = month_start
if not controls:
    st.info(t("eval.need_control", lang))
else:
    res = analysis.evaluation(
        src.incidents, f, src.places, treated=place, control=tuple(controls), start=start.isoformat(),
        buffer_m=float(buffer_m), rules=s.analysis, store_dir=src.store_dir, min_share=min_share,
    )  # fmt: skip
    if res.get("no_data"):  # never counted as 0: named, and left out of the comparison area
        st.info(t("eval.no_data_controls", lang, places=echo(", ".join(res["no_data"]))))
    if res.get("no_data_treated"):
        st.info(t("eval.no_data_treated", lang, place=echo(place)))
    elif "counts" not in res and "error" not in res:
        st.info(t("eval.no_control_with_data", lang))
    elif "error" in res:
        st.warning(t("eval.error", lang, error=error_text(evaluation_error_text(res["error"], lang))))
    elif not estimates_shown(res["counts"], rule):
        st.info(t("eval.public_hidden", lang, n=rule.min_count))
        st.dataframe(evaluation_table(res, rule, lang), hide_index=True)
    else:
        st.markdown(f"**{reading_text(res['reading_obj'], lang)}** {reading_text(res['displacement_obj'], lang)}")
        wdd = res["wdd"]
        m1, m2, m3 = st.columns(3)
        m1.metric(
            t("eval.wdd", lang), fmt_num(wdd["estimate"], lang),
            help=t("eval.wdd_ci", lang, low=fmt_num(wdd["low"], lang), high=fmt_num(wdd["high"], lang)),
        )  # fmt: skip
        m1.caption(t("eval.wdd_ci", lang, low=fmt_num(wdd["low"], lang), high=fmt_num(wdd["high"], lang)))
        m2.metric(t("eval.wdq", lang), t("na", lang) if res["wdq"] is None else fmt_num(res["wdq"], lang, digits=2))
        did = res["did_per_month"]
        m3.metric(t("eval.did", lang), t("na", lang) if did is None else fmt_num(did["estimate"], lang, digits=2))
        if did is not None:
            m3.caption(
                t(
                    "eval.wdd_ci",
                    lang,
                    low=fmt_num(did["low"], lang, digits=2),
                    high=fmt_num(did["high"], lang, digits=2),
                )
            )
        parts = pd.DataFrame(
            {
                t("eval.part", lang): [t(f"eval.part.{k}", lang) for k in ("local", "displacement", "total")],
                t("eval.estimate", lang): [fmt_num(res[f"wdd_{k}"], lang) for k in ("local", "displacement", "total")],
                t("eval.se", lang): [fmt_num(res[f"wdd_{k}_se"], lang) for k in ("local", "displacement", "total")],
            }
        )
        st.caption(t("eval.parts", lang))
        st.dataframe(parts, hide_index=True)
        for warning in res.get("warnings_obj", ()):
            st.warning(warning_text(warning, lang, rule=rule), icon=":material/warning:")
        b, a = res["before"], res["after"]
        st.caption(
            t("eval.counts", lang, before_from=fmt_date(pd.Timestamp(b[0]).date(), lang),
              before_to=fmt_date(pd.Timestamp(b[1]).date(), lang), after_from=fmt_date(pd.Timestamp(a[0]).date(), lang),
              after_to=fmt_date(pd.Timestamp(a[1]).date(), lang), months=res["months"])
        )  # fmt: skip
        st.dataframe(evaluation_table(res, rule, lang), hide_index=True)
        monthly = res["monthly_frame"].rename(
            columns={"treated": t("eval.area.T", lang), "displacement": t("eval.area.D", lang),
                     "control": t("eval.area.C", lang)}
        )  # fmt: skip
        long = monthly.melt(id_vars=["month", "post"], var_name=t("eval.table.area", lang), value_name="n")
        long = rule.column(long, lang=lang, by=t("eval.table.area", lang), column="n")  # each area's months, a group
        long["month"] = pd.to_datetime(long["month"].astype(str))
        chart = (
            alt.Chart(long)
            .mark_line()
            .encode(
                x=alt.X("month:T", title=t("trends.axis_period", lang), axis=alt.Axis(format="%Y-%m")),
                y=alt.Y("n:Q", title=t("trends.axis_count", lang)),
                color=alt.Color(
                    f"{t('eval.table.area', lang)}:N", scale=alt.Scale(scheme="dark2"), legend=_BOTTOM_LEGEND
                ),
                strokeDash=alt.StrokeDash(f"{t('eval.table.area', lang)}:N", legend=_BOTTOM_LEGEND),
            )
        )
        marker = alt.Chart(pd.DataFrame({"x": [pd.Timestamp(start)]})).mark_rule(color="#000").encode(x="x:T")
        st.caption(t("eval.monthly", lang))
        st.altair_chart(alt.layer(chart, marker).properties(height=260), width="stretch")
