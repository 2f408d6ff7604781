"""Community page: residents' own assessment of safety and trust beside the recorded incidents."""

from __future__ import annotations

import streamlit as st

from geo.core.disclosure import Disclosure
from geo.core.errors import DataError
from geo.core.i18n import fmt_date, fmt_int, t
from geo.survey.layer import NoAnswers
from geo.survey.shown import SurveyRule, choice_counts, mark_cells
from geo.survey.summary import COMPARED, beside_crime, wave_end
from layers.compose import MapComposer
from layers.fit import fit
from layers.overview import add_places
from layers.perception import area_layer, mark_layers
from ui import community, data, link
from ui.common import page_context
from ui.mapframe import show_map
from ui.style import error_text

ctx = page_context("community", with_filters=False)
s, lang = ctx.settings, ctx.lang
n_min = s.survey.min_responses
st.title(t("community.title", lang))
top = st.container()  # the banner and the introduction, above the choices
c0, c1, c2 = st.columns(3)
choices = community.area_choices(s)
area_set = c0.selectbox(
    t("community.areas", lang), choices, format_func=lambda c: community.area_label(c, lang, s),
    key=link.bind("areas", choices[0], page="community", choices=choices),
)  # fmt: skip
try:
    summary, layer, where = community.summary(s, area_set, ctx.places, beside_synthetic=ctx.synthetic)
except NoAnswers as exc:
    top.info(t("community.none.demo_refused" if exc.demo_refused else "community.none", lang))
    st.stop()
except DataError as exc:
    top.error(error_text(exc))
    st.stop()
if summary.synthetic:
    top.warning(t("community.synthetic", lang), icon=":material/science:")
top.caption(t("community.intro", lang, n=n_min))
if not summary.waves:
    top.info(t("community.none", lang))
    st.stop()

waves = list(summary.waves)
wave = c1.selectbox(
    t("community.wave", lang), waves[::-1], key=link.bind("wave", waves[-1], page="community", choices=waves)
)
measures = list(community.MEASURE_NAMES)
measure = c2.selectbox(
    t("community.measure", lang), measures, format_func=lambda m: t(f"survey.measure.{m}", lang),
    key=link.bind("score", COMPARED, page="community", choices=measures),
)  # fmt: skip
in_wave = summary.scores[summary.scores["wave"] == wave]
answered = layer[(layer["record"] == "respondent") & (layer["wave"].astype(str) == wave)]
st.caption(
    t("community.source", lang, n=fmt_int(len(answered), lang), wave=wave, where="" if summary.synthetic else where)
)
if summary.weighting:
    st.caption(t(f"community.unweighted.{summary.weighting}", lang))

st.subheader(t("community.scores", lang, measure=t(f"survey.measure.{measure}", lang)))
st.dataframe(community.named(community.scores_table(summary.scores, wave, (measure,), lang, n_min), area_set, lang),
             hide_index=True, width="stretch")  # fmt: skip
with st.expander(t("community.all_scores", lang)):
    st.dataframe(
        community.named(community.scores_table(summary.scores, wave, tuple(measures), lang, n_min), area_set, lang),
        hide_index=True,
        width="stretch",
    )

st.subheader(t("community.map", lang))
tiles = s.map.tiles.enabled and data.tiles_available(s.map.tiles.url, s.map.tiles.probe_timeout_s)
composer = MapComposer(s, lang=lang, tiles=tiles)
wave_marks = layer[(layer["record"] == "mark") & (layer["wave"].astype(str) == wave)]
cells = mark_cells(wave_marks, cell_m=s.analysis.grid_cell_m, rule=SurveyRule(n_min))
composer.add(*area_layer(summary.areas, lang=lang))
for group, rows in mark_layers(cells, lang=lang):
    composer.add(group, rows)
add_places(composer, ctx.places, kinds=("park", "housing"))
marked = composer.finish(synthetic=summary.synthetic, note=t("community.map.note", lang, n=n_min))
fit(marked, summary.areas)  # after the legend and the badge: the fit keeps the areas clear of both
show_map(marked, height=s.map.height_px, lang=lang, title=t("community.map", lang))
st.caption(t("community.map.hidden", lang, cells=fmt_int(int(cells.attrs.get("hidden_cells", 0)), lang), n=n_min))

st.subheader(t("community.beside", lang))
if summary.synthetic == ctx.synthetic:  # real answers beside real incidents, synthetic beside synthetic
    end = wave_end(summary, s.survey, layer, wave)
    compared = beside_crime(
        summary, ctx.incidents, wave=wave, end=end, rule=Disclosure.from_settings(s.privacy, public=True)
    )
    beside = community.beside_table(compared, lang, n_min, s.privacy.min_count)
    st.dataframe(community.named(beside, area_set, lang), hide_index=True, width="stretch")
    st.caption(t("community.beside.note", lang, end=fmt_date(end, lang)))
else:
    st.info(t("community.beside.demo_incidents", lang))

c3, c4 = st.columns(2)
c3.subheader(t("community.concerns", lang))
rule = SurveyRule(n_min)
c3.dataframe(community.counts_table(choice_counts(answered, "concerns", rule), "concern", lang, n_min),
             hide_index=True, width="stretch")  # fmt: skip
c4.subheader(t("community.wanted", lang))
c4.dataframe(community.counts_table(choice_counts(answered, "services_wanted", rule), "service", lang, n_min),
             hide_index=True, width="stretch")  # fmt: skip
with st.expander(t("community.who", lang)):
    st.dataframe(community.who_table(summary.profiles[wave], lang, n_min), hide_index=True, width="stretch")
    st.caption(t("community.who.note", lang))
with st.expander(t("community.method", lang)):
    st.markdown(t("community.method.text", lang, n=n_min))
community.paper_form(s, lang, summary.areas, places=ctx.places, streets=ctx.streets)
community.review_panel(s, lang, layer, from_store=where != str(s.sources.survey))
