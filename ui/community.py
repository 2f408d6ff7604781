"""The Community page's parts: the answers' summary (cached), its tables in words, and the paper-entry form.

Everything shown comes through :mod:`geo.survey.shown` (areas and cells under ``survey.min_responses``
respondents show "fewer than N"; free text never leaves the store). The paper-entry form is for signed-in staff
at a meeting: the same questions and checks as an export (:func:`geo.survey.layer.add_paper`), recorded in the
audit record as an ingest.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.core.errors import SafetyMapError
from geo.core.i18n import fmt_int, fmt_share, t
from geo.core.settings import Settings
from geo.data.stores import store_location
from geo.survey.layer import add_paper, survey_of
from geo.survey.questions import CHOICES, MEASURES, QUESTIONS, Question
from geo.survey.shown import PLACES, RINGS, area_set
from geo.survey.summary import Community, community
from ui.access import record_use, session_access
from ui.data import file_key

PAPER_KEY = "community_paper"


def _stamp(path: str | Path) -> float:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return 0.0


def area_choices(settings: Settings) -> list[str]:
    """The sets of areas the page offers: around each park and housing development, the focus place's rings, and
    each boundary layer (the configured zones, the store's neighbourhoods and divisions)."""
    from ui.rates import BLOCK_GROUPS, zone_choices

    return [PLACES, RINGS, *(k for k in zone_choices(settings) if k != BLOCK_GROUPS)]


def area_label(choice: str, lang: str, settings: Settings) -> str:
    """The name of an area choice in ``lang``."""
    from ui.rates import zone_label

    if choice in (PLACES, RINGS):
        place = settings.focus.default_place
        return t(
            f"community.areas.{choice}", lang, distance=fmt_int(max(settings.distances.rings_m), lang), place=place
        )
    return zone_label(choice, lang, settings)


def _areas_for(choice: str, settings: Settings, places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The areas of ``choice`` (:func:`geo.survey.shown.area_set`; a zone layer read from its file)."""
    from geo.core.store import read_vector
    from ui.rates import zone_choices

    zones, key = None, None
    if choice not in (PLACES, RINGS):
        path, key = zone_choices(settings)[choice]
        zones = read_vector(path)
    focus = settings.focus.default_place
    return area_set(choice, places, rings_m=settings.distances.rings_m, focus=focus, zones=zones, key=key)


def named(table: pd.DataFrame, choice: str, lang: str) -> pd.DataFrame:
    """``table`` with its areas in words: a ring's band as "inside" or "0–75 m" in ``lang`` (other names as given)."""
    if choice != RINGS or not len(table):
        return table
    col = t("community.col.area", lang)
    out = table.copy()
    out[col] = [t("ring.inside", lang) if a == "inside" else f"{a.replace('-', '–')} m" for a in out[col]]
    return out


@st.cache_data(show_spinner=False, max_entries=8, ttl=300)
def _summary(
    settings: Settings, choice: str, _places: gpd.GeoDataFrame, stamps: tuple[object, ...], beside_synthetic: bool
) -> tuple[Community, gpd.GeoDataFrame, str]:
    del stamps  # the cache key with the settings and the area set: the store's and the files' times
    layer, _, where = survey_of(store_location(settings.sources), settings.survey, settings.sources.survey,
                                beside_synthetic=beside_synthetic)  # fmt: skip
    summary = community(
        layer, _areas_for(choice, settings, _places), rules=settings.survey, cell_m=settings.analysis.grid_cell_m,
        population=settings.sources.population,
    )  # fmt: skip
    return summary, layer, where


def summary(
    settings: Settings, choice: str, places: gpd.GeoDataFrame, *, beside_synthetic: bool
) -> tuple[Community, gpd.GeoDataFrame, str]:
    """The answers' summary over the areas of ``choice``, made once per store, demo wave, places, population and
    area set (the zone layer is read there too); the demo's synthetic answers only beside synthetic incidents.

    Raises
    ------
    DataError
        No answers anywhere (:class:`geo.survey.layer.NoAnswers`), or the areas cannot be made.
    """
    src = settings.sources
    stamps = (_stamp(store_location(src)), _stamp(src.survey), file_key(str(src.places)), _stamp(src.population))
    return _summary(settings, choice, places, stamps, beside_synthetic)


def share_text(row: pd.Series, measure: str, lang: str) -> str:
    """``54% (40–67%), 38 answered`` (with ``; unweighted 50%`` when weighted) or why nothing is shown."""
    value = row.get(measure)
    if value is None or pd.isna(value):
        return t("community.hidden", lang)
    low, high, n = row[f"{measure}_low"], row[f"{measure}_high"], row[f"{measure}_n"]
    text = t("community.share", lang, share=fmt_share(float(value), lang), low=fmt_share(float(low), lang),
             high=fmt_share(float(high), lang), n=fmt_int(int(n), lang))  # fmt: skip
    raw = row.get(f"{measure}_unweighted")
    if bool(row.get("weighted")) and raw is not None and pd.notna(raw):
        text += t("community.share.unweighted", lang, share=fmt_share(float(raw), lang))
    return text


def change_text(row: pd.Series, measure: str, lang: str) -> str:
    """``+8 points (−6 to +21)`` against the previous wave, or "" where it cannot be said."""
    value = row.get(f"{measure}_change")
    if value is None or pd.isna(value):
        return ""
    low, high = float(row[f"{measure}_change_low"]), float(row[f"{measure}_change_high"])
    word = "community.change.clear" if low > 0 or high < 0 else "community.change.unclear"
    return t(word, lang, change=_points(float(value)), low=_points(low), high=_points(high))


def _points(x: float) -> str:
    n = round(100 * x)
    return f"+{n}" if n > 0 else f"−{abs(n)}" if n < 0 else "0"


def scores_table(scores: pd.DataFrame, wave: str, measures: tuple[str, ...], lang: str, min_n: int) -> pd.DataFrame:
    """The scores of ``wave`` per area as text: each measure with its interval and change, then the respondents."""
    rows = []
    one = len(measures) == 1
    for _, row in scores[scores["wave"] == wave].iterrows():
        n = row["respondents"]
        out = {t("community.col.area", lang): row["area"]}
        for m in measures:
            name = t(f"survey.measure.{m}", lang)
            out[name] = share_text(row, m, lang)
            out[t("community.col.change", lang) if one else t("community.col.change_of", lang, measure=name)] = (
                change_text(row, m, lang)
            )
        out[t("community.col.respondents", lang)] = (
            fmt_int(int(n), lang) if row["status"] == "shown" and pd.notna(n) else t("community.fewer", lang, n=min_n)
        )
        rows.append(out)
    return pd.DataFrame(rows)


def counts_table(counts: pd.DataFrame, list_name: str, lang: str, min_n: int) -> pd.DataFrame:
    """How many chose each answer, in words (hidden under the minimum), most chosen first."""
    frame = counts.copy()
    frame["order"] = frame["respondents"].fillna(0)
    frame = frame.sort_values("order", ascending=False, kind="stable")
    return pd.DataFrame({
        t("community.col.answer", lang): [t(f"survey.c.{list_name}.{c}", lang) for c in frame["choice"]],
        t("community.col.respondents", lang): [
            fmt_int(int(n), lang) if s == "shown" else t("community.fewer", lang, n=min_n)
            for n, s in zip(frame["respondents"], frame["status"], strict=True)
        ],
    })  # fmt: skip


def _widget(q: Question, lang: str) -> object:
    label = t(f"survey.q.{q.name}", lang)
    assert q.choices is not None
    options = list(CHOICES[q.choices])
    fmt = lambda c: t(f"survey.c.{q.choices}.{c}", lang)  # noqa: E731
    if q.kind == "select_multiple":
        return st.multiselect(label, options, format_func=fmt, key=f"paper_{q.name}",
                              placeholder=t("community.paper.choose_many", lang))  # fmt: skip
    return st.selectbox(label, options, index=None, format_func=fmt, key=f"paper_{q.name}",
                        placeholder=t("community.paper.choose", lang))  # fmt: skip


def _in_words(problem: str, lang: str) -> str:
    """A checking problem with each question named by its words in ``lang`` (the export's names are for analysts)."""
    for q in QUESTIONS:
        problem = problem.replace(f"{q.name}:", f"«{t(f'survey.q.{q.name}', lang)}» ({q.name}):")
    return problem


def paper_form(
    settings: Settings, lang: str, areas: gpd.GeoDataFrame, *, places: gpd.GeoDataFrame, streets: gpd.GeoDataFrame
) -> None:
    """Staff enter a paper questionnaire at a meeting: the assessment's questions, checked, then added to the layer.

    ``areas`` (the Community page's) offer "lives near": the answer is placed at that area's centre, so it counts
    in the area as an export's home corner does."""
    if not session_access(settings).internal:
        return
    with st.expander(t("community.paper.title", lang), icon=":material/edit_note:"):
        st.caption(t("community.paper.intro", lang))
        _paper_places(settings, lang, areas, places=places, streets=streets)
        with st.form(PAPER_KEY, clear_on_submit=True):
            day = st.date_input(t("survey.q.interview_date", lang), value=dt.date.today(), key="paper_day")
            near = st.selectbox(t("community.paper.near", lang), list(areas["area"]), index=None, key="paper_near",
                                placeholder=t("community.paper.choose", lang))  # fmt: skip
            answers = {q.name: _widget(q, lang) for q in QUESTIONS if q.choices is not None}
            sent = st.form_submit_button(t("community.paper.add", lang), type="primary")
        if not sent:
            return
        try:
            if not record_use(settings, "ingest", "paper questionnaire"):
                st.error(t("community.paper.unrecorded", lang))
                return
            home = None
            if near is not None:
                centre = areas.loc[areas["area"] == near].geometry.iloc[0].representative_point()
                home = (float(centre.x), float(centre.y))
            add_paper(answers, day=day if isinstance(day, dt.date) else dt.date.today(), home=home,
                      places=list(st.session_state.get(PAPER_MARKS, [])),
                      store_dir=store_location(settings.sources), rules=settings.survey)  # fmt: skip
        except SafetyMapError as exc:
            st.error(t("community.paper.refused", lang, error=_in_words(str(exc), lang)))
            return
        st.session_state[PAPER_MARKS] = []
        st.success(t("community.paper.added", lang))


PAPER_MARKS = "community_paper_marks"
"""The places marked on the paper questionnaire being entered: each a ``point`` (lon, lat), kind and reason."""


def _place_words(place: dict[str, object], lang: str) -> str:
    kind, reason = place["mark_kind"], place["mark_reason"]
    return f"{t(f'survey.c.mark_kind.{kind}', lang)} ({t(f'survey.c.reason.{reason}', lang)})"


def _paper_places(
    settings: Settings, lang: str, areas: gpd.GeoDataFrame, *, places: gpd.GeoDataFrame, streets: gpd.GeoDataFrame
) -> None:
    """The paper map's marked places, clicked on a map one at a time with their kind and reason; they go in with
    the answers (and are shown, like every mark, only as squares marked by enough residents)."""
    marked: list[dict[str, object]] = st.session_state.setdefault(PAPER_MARKS, [])
    if st.toggle(t("community.paper.places", lang), key="paper_places_on"):  # the map only when it is needed
        _pick_place(settings, lang, areas, marked, places=places, streets=streets)
    if marked:
        words = [_place_words(p, lang) for p in marked]
        st.caption(t("community.paper.marked", lang, n=len(marked), places="; ".join(words)))
        if st.button(t("community.paper.clear_places", lang), key="paper_clear_places"):
            st.session_state[PAPER_MARKS] = []
            st.rerun()


def _pick_place(
    settings: Settings,
    lang: str,
    areas: gpd.GeoDataFrame,
    marked: list[dict[str, object]],
    *,
    places: gpd.GeoDataFrame,
    streets: gpd.GeoDataFrame,
) -> None:
    """A clickable map of the areas with their streets and places; the clicked place is added with its kind and
    reason."""
    from layers.compose import MapComposer
    from layers.fit import fit
    from layers.overview import add_places, add_streets
    from layers.perception import area_layer
    from ui.mapframe import clickable_map

    composer = MapComposer(settings, lang=lang)
    add_streets(composer, streets)
    add_places(composer, places, kinds=("park", "housing"))
    composer.add(*area_layer(areas, lang=lang))
    m = composer.finish(synthetic=False)
    fit(m, areas)
    clicked = clickable_map(m, key="paper_map", height=360)
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(t("survey.q.mark_kind", lang), list(CHOICES["mark_kind"]), key="paper_mark_kind",
                        format_func=lambda c: t(f"survey.c.mark_kind.{c}", lang))  # fmt: skip
    reason = c2.selectbox(t("survey.q.mark_reason", lang), list(CHOICES["reason"]), key="paper_mark_reason",
                          format_func=lambda c: t(f"survey.c.reason.{c}", lang))  # fmt: skip
    if clicked is None:
        c3.caption(t("community.paper.click", lang))
    elif c3.button(t("community.paper.add_place", lang), key="paper_add_place"):
        marked.append({"point": (round(clicked[1], 6), round(clicked[0], 6)), "mark_kind": kind, "mark_reason": reason})


MEASURE_NAMES: tuple[str, ...] = tuple(MEASURES)


def beside_table(compared: pd.DataFrame, lang: str, min_n: int, min_count: int) -> pd.DataFrame:
    """Feeling safe after dark beside the recorded incidents per area, with where they disagree, in words."""
    rows = []
    for _, row in compared.iterrows():
        n, incidents, disagree = row["respondents"], row["incidents"], str(row["disagree"])
        out = {t("community.col.area", lang): row["area"]}
        out[t("survey.measure.safe_night", lang)] = share_text(row, "safe_night", lang)
        out[t("community.col.incidents", lang)] = (
            fmt_int(int(incidents), lang) if pd.notna(incidents) else t("community.fewer_incidents", lang, n=min_count)
        )
        out[t("community.col.disagree", lang)] = t(f"community.disagree.{disagree}", lang) if disagree else ""
        out[t("community.col.respondents", lang)] = (
            fmt_int(int(n), lang) if pd.notna(n) else t("community.fewer", lang, n=min_n)
        )
        rows.append(out)
    return pd.DataFrame(rows)


REVIEW_KEY = "community_review"
"""The answer being reviewed (its submission id), kept while the reviewer chooses its topic."""


def _topic_words(topic: str, lang: str) -> str:
    return (
        t(f"survey.c.concern.{topic}", lang) if topic in CHOICES["concern"] else t("community.review.none_topic", lang)
    )


def review_panel(settings: Settings, lang: str, layer: gpd.GeoDataFrame, *, from_store: bool) -> None:
    """Signed-in staff read residents' own words one at a time and give each a topic; only the count per topic is
    ever shown (the Community page's concerns). Reading is an internal view, recorded; the words are shown as
    plain text, never as Markdown or HTML."""
    from geo.survey.layer import set_topic, topics, waiting

    if not session_access(settings).internal or not from_store:
        return
    todo = waiting(layer)
    with st.expander(t("community.review.title", lang, n=fmt_int(len(todo), lang)), icon=":material/rate_review:"):
        st.caption(t("community.review.intro", lang))
        if not len(todo):
            st.info(t("community.review.none", lang))
            return
        current = st.session_state.get(REVIEW_KEY)
        if current not in set(todo["submission_id"]):
            if not st.button(t("community.review.next", lang), key="review_next"):
                return
            if not record_use(settings, "survey_words", "review of one answer in a resident's own words"):
                st.error(t("auth.audit_failed", lang))
                return
            current = st.session_state[REVIEW_KEY] = str(todo["submission_id"].iloc[0])
        sid = str(current)
        words = str(todo.loc[todo["submission_id"] == sid, "concern_other"].iloc[0])
        st.text(words)  # plain text: nothing a resident wrote is read as markup
        topic = st.selectbox(t("community.review.topic", lang), list(topics()), index=None,
                             format_func=lambda c: _topic_words(c, lang),
                             key="review_topic", placeholder=t("community.paper.choose", lang))  # fmt: skip
        if topic is None or not st.button(t("community.review.save", lang), key="review_save", type="primary"):
            return
        try:
            set_topic(sid, topic, store_dir=store_location(settings.sources), rules=settings.survey)
        except SafetyMapError as exc:
            st.error(t("community.paper.refused", lang, error=str(exc)))
            return
        st.session_state.pop(REVIEW_KEY, None)
        st.success(t("community.review.saved", lang))


def who_table(profile: pd.DataFrame, lang: str, min_n: int) -> pd.DataFrame:
    """Who answered beside who lives there, in words (a group's count hidden under the minimum)."""
    lists = {"age_group": "age", "sex": "sex", "ethnicity": "ethnicity"}
    rows = []
    for _, row in profile.iterrows():
        n, share, residents = row["respondents"], row["share"], row["residents_share"]
        rows.append({
            t("community.col.question", lang): t(f"survey.q.{row['question']}", lang),
            t("community.col.answer", lang): t(f"survey.c.{lists[row['question']]}.{row['answer']}", lang),
            t("community.col.respondents", lang): (
                fmt_int(int(n), lang) if row["status"] == "shown" else t("community.fewer", lang, n=min_n)
            ),
            t("community.col.share", lang): fmt_share(float(share), lang) if pd.notna(share) else "",
            t("community.col.residents_share", lang): fmt_share(float(residents), lang) if pd.notna(residents) else "",
        })  # fmt: skip
    return pd.DataFrame(rows)
