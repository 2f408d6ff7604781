"""The sidebar filters, kept in the URL so a reload or a shared link reproduces the view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from babel.dates import get_day_names

from geo.core.categories import CATEGORIES
from geo.core.errors import DataError
from geo.core.filters import (
    AGE_BAND_KEYS,
    DESCENTS,
    MAX_PLACE,
    MAX_QUERY_VALUE,
    SEXES,
    WEAPON_GROUPS,
    Filters,
)
from geo.core.i18n import LOCALES, category_label, t
from geo.core.settings import Settings
from geo.core.text import echo
from ui import link

WIDGET_KEYS = link.filter_widget_keys()
FILTER_KEYS = link.FILTER_KEYS
INIT_FLAG = "_filters_from_url"
SAVED = "_filters_query"
PAGE = "_filters_page"


def _period_range(key: str, first: dt.date, last: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The dates of a quick pick, clamped to the data's range (a date widget refuses days outside it)."""
    if key == "all":
        return None, None
    if key == "last12":
        start = (pd.Timestamp(last) - pd.DateOffset(months=12) + pd.Timedelta(days=1)).date()
        return max(start, first), last
    if key == "ytd":
        return max(dt.date(last.year, 1, 1), first), last
    if key.startswith("year:"):
        year = int(key.split(":", 1)[1])
        return _clamp(dt.date(year, 1, 1), first, last), _clamp(dt.date(year, 12, 31), first, last)
    return None, None


def _period_options(first: dt.date, last: dt.date) -> list[str]:
    years = [f"year:{y}" for y in range(last.year, first.year - 1, -1)]
    return ["all", "last12", "ytd", *years, "custom"]


def _period_label(key: str, lang: str) -> str:
    if key.startswith("year:"):
        return t("filters.period.year", lang, year=key.split(":", 1)[1])
    return t(f"filters.period.{key}", lang)


def _detect_period(f: Filters, first: dt.date, last: dt.date) -> str:
    for key in _period_options(first, last)[:-1]:
        if _period_range(key, first, last) == (f.start, f.end):
            return key
    return "custom"


def _parse_rings(text: str) -> tuple[float, ...]:
    values = tuple(float(v) for v in text.replace(";", ",").split(",") if v.strip())
    Filters(rings_m=values)  # validates
    return values


def _problem(key: str, raw: str, lang: str) -> str:
    """Why the link's ``key=raw`` was ignored, in ``lang``, with the value escaped (Markdown-safe)."""
    limit = MAX_PLACE if key == "place" else MAX_QUERY_VALUE
    if len(raw) > limit:
        return t("filters.problem.long", lang, key=key, n=len(raw), limit=limit)
    return t(f"filters.problem.{key}", lang, value=echo(raw, limit=link.QUOTED))


def _read_query(query: dict[str, str], places: Sequence[str], lang: str, base: Filters) -> tuple[Filters, list[str]]:
    """Filters from the link (over ``base``), and each ignored parameter in words (``lang``), values escaped."""
    f, found = Filters.from_query(query, default=base)
    problems: list[str] = []
    for problem in found:  # each names its parameter first ("cat=..."); the rest is the start after the end
        key = problem.split("=", 1)[0]
        raw = query.get(key)
        problems.append(_problem(key, str(raw), lang) if raw is not None else t("filters.problem.order", lang))
    if f.place is not None and f.place not in places:
        problems.append(t("filters.problem.unknown_place", lang, value=echo(f.place, limit=link.QUOTED)))
        f = f.replace(place=None)
    return f, problems


def _clamp(day: dt.date | None, first: dt.date, last: dt.date) -> dt.date | None:
    return None if day is None else min(max(day, first), last)


def _within_data(f: Filters, first: dt.date, last: dt.date) -> Filters:
    """``f`` with its dates clamped to the data's range ``first`` .. ``last`` (a period wholly outside: all dates)."""
    if (f.start and f.start > last) or (f.end and f.end < first):
        return f.replace(start=None, end=None)
    return f.replace(start=_clamp(f.start, first, last), end=_clamp(f.end, first, last))


def _init_from_url(
    settings: Settings, first: dt.date, last: dt.date, places: Sequence[str], lang: str, base: Filters
) -> list[str]:
    query = {k: str(st.query_params[k]) for k in FILTER_KEYS if k in st.query_params}
    if not query:  # page changes clear the URL's parameters: fall back to this session's last view
        query = dict(st.session_state.get(SAVED, {}))
    if st.session_state.get(INIT_FLAG) or SAVED in st.session_state:
        base = Filters()  # the session has chosen: the data's defaults only start a new session
    f, problems = _read_query(query, places, lang, base)
    inside = _within_data(f, first, last)
    if (inside.start, inside.end) != (f.start, f.end):
        problems.append(t("filters.problem.outside", lang, first=first.isoformat(), last=last.isoformat()))
    f = inside
    ss = st.session_state
    ss["f_period"] = _detect_period(f, first, last)
    ss["f_dates"] = (f.start or first, f.end or last)
    ss["f_cat"] = list(f.categories)
    ss["f_weapon"] = list(f.weapons)
    ss["f_age"] = list(f.age_bands)
    ss["f_sex"] = list(f.sexes)
    ss["f_descent"] = list(f.descents)
    ss["f_wd"] = list(f.weekdays)
    ss["f_hour_from"], ss["f_hour_to"] = f.hours
    ss["f_place"] = f.place or settings.focus.default_place
    ss["f_rings"] = ",".join(f"{r:g}" for r in (f.rings_m or settings.distances.rings_m))
    ss[INIT_FLAG] = True
    return problems


def _on_period(first: dt.date, last: dt.date) -> None:
    key = st.session_state["f_period"]
    if key != "custom":
        start, end = _period_range(key, first, last)
        st.session_state["f_dates"] = (start or first, end or last)


def _on_dates() -> None:
    st.session_state["f_period"] = "custom"


def _reset(settings: Settings, first: dt.date, last: dt.date, places: Sequence[str], lang: str) -> None:
    for k in FILTER_KEYS:
        if k in st.query_params:
            del st.query_params[k]
    _init_from_url(settings, first, last, places, lang, Filters())


OPEN = "f_open"
"""Session flag: the filter widgets are drawn. A new session sees the filters in effect as a short
list and a button that draws the widgets for the rest of the session, so the first view holds no
form widget: drawing those is most of what Streamlit's frontend takes before the map shows
(``bench/first_view.py``: the homicide view 2.0 s against 2.6 s with the widgets, measured in turn)."""
OPEN_BUTTON = f"{OPEN}_btn"
"""Key of the "Change filters" button that sets :data:`OPEN`."""


def controls_open() -> bool:
    """True once this session asked for the filter (and layer) widgets."""
    return bool(st.session_state.get(OPEN))


def open_controls() -> None:
    """Draw the filter and layer widgets from now on in this session (a button's callback)."""
    st.session_state[OPEN] = True


def sidebar_filters(
    settings: Settings,
    lang: str,
    *,
    first: dt.date,
    last: dt.date,
    places: Sequence[str],
    page: str,
    start: Filters | None = None,
) -> Filters:
    """Draw the filters in the sidebar and return them; the URL follows every change.

    ``start`` is what a new session starts from where its link says nothing (the data's default categories).

    ``page`` names the calling page: on a page change the widgets are set again from the URL, or
    from this session's last view when the change cleared the URL's parameters. Until the session
    asks for them (:func:`controls_open`) the filters are listed, not drawn as widgets; their values
    are the same either way.
    """
    problems: list[str] = []
    fresh = not st.session_state.get(INIT_FLAG) or any(k not in st.session_state for k in WIDGET_KEYS)
    if fresh or st.session_state.get(PAGE) != page:
        problems = _init_from_url(settings, first, last, places, lang, start or Filters())
    st.session_state[PAGE] = page
    sb = st.sidebar
    sb.header(t("filters.title", lang))
    if problems:
        sb.warning(t("filters.bad_url", lang, problems="; ".join(problems)))

    options = _period_options(first, last)
    if st.session_state.get("f_period") not in options:
        st.session_state["f_period"] = "custom"
    shown = tuple(st.session_state.get("f_dates") or (first, last))  # the data may have changed under it
    st.session_state["f_dates"] = tuple(_clamp(d, first, last) for d in shown)
    if controls_open():
        _draw_widgets(settings, lang, first=first, last=last, places=places, options=options)
    ss = st.session_state
    period = ss["f_period"]
    if period == "all":
        start, end = None, None
    else:
        dates = ss["f_dates"]
        chosen = tuple(dates) if isinstance(dates, (tuple, list)) else (dates,)
        start = chosen[0] if chosen else None
        end = chosen[1] if len(chosen) > 1 else start
    try:
        rings = _parse_rings(ss["f_rings"])
    except (ValueError, DataError):
        rings = tuple(settings.distances.rings_m)
        sb.warning(t("filters.bad_rings", lang, kept=", ".join(f"{r:g}" for r in rings)))
    try:
        filters = Filters(
            start=start,
            end=end,
            categories=tuple(ss["f_cat"]),
            weapons=tuple(ss["f_weapon"]),
            age_bands=tuple(ss["f_age"]),
            sexes=tuple(ss["f_sex"]),
            descents=tuple(ss["f_descent"]),
            hours=(int(ss["f_hour_from"]), int(ss["f_hour_to"])),
            weekdays=tuple(sorted(int(d) for d in ss["f_wd"])),
            place=ss["f_place"],
            rings_m=rings,
        )
    except DataError as exc:
        sb.warning(echo(exc))
        filters = Filters(place=ss["f_place"], rings_m=rings)
    if not controls_open():
        _draw_summary(filters, lang, period=period)
    _sync_url(filters)
    return filters


CHOICES: tuple[tuple[str, str, Sequence[Any], str], ...] = (
    ("f_cat", "filters.category", CATEGORIES, "categories"),
    ("f_weapon", "filters.weapon", WEAPON_GROUPS, "weapons"),
    ("f_age", "filters.age", AGE_BAND_KEYS, "age_bands"),
    ("f_sex", "filters.sex", SEXES, "sexes"),
    ("f_descent", "filters.descent", DESCENTS, "descents"),
    ("f_wd", "filters.weekday", range(7), "weekdays"),
)
"""The many-choice filters: session key, label key, the values offered, and the Filters field it sets."""


def _value_names(lang: str) -> dict[str, Callable[[Any], str]]:
    """How each many-choice filter names its values, for its widget and for the listed filters alike."""
    day_names = get_day_names("wide", locale=LOCALES[lang])
    return {
        "f_cat": lambda c: category_label(c, lang),
        "f_weapon": lambda w: t(f"weapon.{w}", lang),
        "f_age": lambda a: t(f"age.{a}", lang),
        "f_sex": lambda s: t(f"sex.{s}", lang),
        "f_descent": lambda d: t(f"descent.{d}", lang),
        "f_wd": lambda d: day_names[d],
    }


def _draw_widgets(
    settings: Settings, lang: str, *, first: dt.date, last: dt.date, places: Sequence[str], options: list[str]
) -> None:
    """The filter widgets; each writes its value to its session key (read by :func:`sidebar_filters`)."""
    sb = st.sidebar
    sb.selectbox(
        t("filters.period", lang),
        options,
        format_func=lambda k: _period_label(k, lang),
        key="f_period",
        on_change=_on_period,
        args=(first, last),
    )
    sb.date_input(
        t("filters.dates", lang),
        min_value=first,
        max_value=last,
        key="f_dates",
        on_change=_on_dates,
        format="YYYY-MM-DD",
    )
    # "contains": the configured and real places first, in the picker's order (the fuzzy default puts short names
    # first: "Harvard Parkette" before "Harvard Park · Jackie Tatum / Harvard Recreation Center")
    sb.selectbox(t("filters.place", lang), list(places), key="f_place", filter_mode="contains")
    sb.text_input(t("filters.rings", lang), key="f_rings")

    names, anything = _value_names(lang), t("filters.any", lang)
    for key, label, values, _ in CHOICES:
        sb.multiselect(t(label, lang), list(values), key=key, format_func=names[key], placeholder=anything)
    sb.caption(t("filters.hours", lang))
    c1, c2 = sb.columns(2)
    c1.selectbox(t("filters.hour_from", lang), list(range(24)), key="f_hour_from")
    c2.selectbox(t("filters.hour_to", lang), list(range(24)), key="f_hour_to")
    sb.button(t("filters.reset", lang), on_click=_reset, args=(settings, first, last, places, lang), key="f_reset")


def _draw_summary(f: Filters, lang: str, *, period: str) -> None:
    """The filters in effect as a short list (values escaped), and the button that draws the widgets."""
    if period in ("all", "custom") and f.start and f.end:
        when = f"{f.start.isoformat()} – {f.end.isoformat()}"
    else:
        when = _period_label(period, lang)
    names = _value_names(lang)
    chosen = [(label, [names[key](v) for v in getattr(f, field)]) for key, label, _, field in CHOICES]
    chosen[0] = ("filters.category", chosen[0][1] or [t("filters.any", lang)])  # the offense is always said
    parts: list[tuple[str, Sequence[str]]] = [
        ("filters.period", [when]),
        *chosen,
        ("filters.hours", [] if f.hours == (0, 23) else [f"{f.hours[0]}:00 – {f.hours[1]}:59"]),
        ("filters.place", [f.place] if f.place else []),
        ("filters.rings", [", ".join(f"{r:g}" for r in f.rings_m)] if f.place and f.rings_m else []),
    ]
    # each value escaped (and cut) on its own, so a long one never hides the rest
    lines = [
        f"- **{echo(t(key, lang).split(' (')[0])}:** {', '.join(map(echo, values))}" for key, values in parts if values
    ]
    sb = st.sidebar
    sb.markdown("\n".join(lines))
    sb.button(
        t("filters.change", lang), key=OPEN_BUTTON, on_click=open_controls, icon=":material/tune:",
        help=t("filters.change_help", lang), width="stretch",
    )  # fmt: skip


def _sync_url(filters: Filters) -> None:
    wanted = filters.to_query()
    st.session_state[SAVED] = wanted
    link.sync_query(wanted, FILTER_KEYS)
