"""The link: every piece of a view's state, declared once with its link key, widget key, parser and writer.

A shared or reloaded link reproduces the view on any page. Each entry of :data:`STATE` names one piece of
state: the URL parameter, the session key of the widget that shows it, how the parameter's text becomes a
value and back, and which pages draw it. :func:`bind` is the only way a page reads a piece of state:

- on a session's first view of the widget, the link's value (when it parses and is allowed), else the
  page's default, becomes the widget's value;
- afterwards the session's value wins (Streamlit clears the URL's parameters on a page change);
- the URL then says the value, or leaves the parameter out when it is the default (links stay short).

Widgets are drawn with ``key=bind(...)`` and no ``value=``/``index=``/``default=`` of their own, so the
value comes from one place. The filters (``from``, ``cat``...) and the workspace (``data``, ``places``)
are composites, several widgets to one value; their entries name the module that reads and writes them
(:mod:`ui.filters`, :mod:`ui.source`), which use the same table for their keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from geo.core.errors import DataError
from geo.core.filters import MAX_QUERY_VALUE
from geo.core.i18n import t
from geo.core.text import echo

EVERY_PAGE = ("map", "trends", "present", "route", "rates", "community", "data", "methods")
LIST_SEP = "|"
"""Separates the names in a list of places or stops in the link (place labels hold commas); lists of keys
(layers, categories) use commas."""
QUOTED = 40
"""Characters of a refused link value quoted back in the warning (escaped, never rendered)."""


def _text(raw: str) -> str:
    value = raw.strip()
    if not value:
        raise ValueError("empty")
    return value


def _texts(raw: str) -> list[str]:
    return [v for v in (p.strip() for p in raw.split(LIST_SEP)) if v]


def _write_texts(values: Iterable[object]) -> str:
    return LIST_SEP.join(str(v) for v in values)


def _keys(raw: str) -> list[str]:
    return [v for v in (p.strip() for p in raw.split(",")) if v]


def _write_keys(values: Iterable[object]) -> str:
    return ",".join(str(v) for v in values)


def _span(raw: str) -> tuple[dt.date, dt.date]:
    start, _, end = raw.partition("..")
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if last < first:
        msg = f"a period ends before it starts: {raw!r}"
        raise ValueError(msg)
    return first, last


def _write_span(value: Any) -> str:
    first, last = value
    return f"{first.isoformat()}..{last.isoformat()}"


def _bool(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise ValueError("expected 0 or 1")
    return raw == "1"


def _time(raw: str) -> dt.time:
    return dt.time.fromisoformat(raw.strip())


def _write_time(value: dt.time) -> str:
    return value.strftime("%H:%M")


def _points(raw: str) -> list[tuple[float, float]]:
    """``lat,lon;lat,lon`` (degrees, WGS 84) as (lat, lon) pairs; each must lie on Earth."""
    out: list[tuple[float, float]] = []
    for part in (p for p in raw.split(";") if p.strip()):
        lat, lon = (float(v) for v in part.split(","))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError("outside latitude -90..90 or longitude -180..180")
        out.append((round(lat, 6), round(lon, 6)))
    return out


def _write_points(values: Iterable[tuple[float, float]]) -> str:
    def degrees(v: float) -> str:
        return f"{v:.6f}".rstrip("0").rstrip(".")

    return ";".join(f"{degrees(lat)},{degrees(lon)}" for lat, lon in values)


def _number(raw: str) -> float:
    value = float(raw)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def _whole(raw: str) -> int:
    return int(raw)


@dataclass(frozen=True)
class LinkState:
    """One piece of a view's state: ``key`` in the link, ``widget`` in the session, its parser and writer.

    ``widget`` may hold ``{page}`` when each page keeps its own value (the view mode). ``owner`` names the
    module that reads and writes a composite entry (several widgets to one value, the others in ``also``);
    :func:`bind` serves the rest. ``always`` keeps the parameter in the link even at its default (the language).
    """

    key: str
    widget: str
    pages: tuple[str, ...]
    parse: Callable[[str], Any] = _text
    write: Callable[[Any], str] = str
    bounds: tuple[Any, Any] | None = None
    owner: str = "ui.link"
    always: bool = False
    also: tuple[str, ...] = ()

    def widget_key(self, page: str) -> str:
        """The session key of this state's widget on ``page``."""
        return self.widget.format(page=page)


_FILTER_WIDGETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("from", "f_dates", ("f_period",)), ("to", "f_dates", ("f_period",)), ("cat", "f_cat", ()),
    ("weapon", "f_weapon", ()), ("age", "f_age", ()), ("sex", "f_sex", ()), ("descent", "f_descent", ()),
    ("wd", "f_wd", ()), ("hours", "f_hour_from", ("f_hour_to",)), ("place", "f_place", ()), ("rings", "f_rings", ()),
)  # fmt: skip
"""The filters' link keys (:meth:`geo.core.filters.Filters.to_query`) and the widgets each is drawn with
(dates: a period pick and a date range; hours: two hour picks)."""

STATE: dict[str, LinkState] = {
    s.key: s
    for s in (
        LinkState("lang", "lang_switch", EVERY_PAGE, owner="ui.boot", always=True),
        LinkState("data", "d_source", EVERY_PAGE, owner="ui.source"),
        LinkState("places", "d_places", EVERY_PAGE, owner="ui.source"),
        LinkState("area", "_own_area", EVERY_PAGE, owner="ui.ownplaces"),
        LinkState("at", "_own_at", EVERY_PAGE, owner="ui.ownplaces"),
        LinkState("notes", "_notes", EVERY_PAGE, owner="ui.notes"),
        *(LinkState(key, w, EVERY_PAGE, owner="ui.filters", also=also) for key, w, also in _FILTER_WIDGETS),
        LinkState("view", "{page}_view", ("map", "trends", "route")),
        LinkState("layers", "m_layers", ("map",), _keys, _write_keys),
        LinkState("step", "m_step", ("map",)),
        LinkState("freq", "t_freq", ("trends",)),
        LinkState("compare", "t_cmp", ("trends",), _texts, _write_texts),
        LinkState("rank", "rank_kind", ("trends",)),
        LinkState("controls", "e_ctrl", ("trends",), _texts, _write_texts),
        LinkState("since", "e_start", ("trends",), dt.date.fromisoformat, dt.date.isoformat),
        LinkState("buffer", "e_buffer", ("trends",), _whole, str, bounds=(50, 2000)),
        LinkState("factors", "t_factors", ("trends",), _keys, _write_keys),
        LinkState("pa", "t_pa", ("trends",), _span, _write_span),
        LinkState("pb", "t_pb", ("trends",), _span, _write_span),
        LinkState("zones", "r_zones", ("rates",)),
        LinkState("pop", "r_pop", ("rates",)),
        LinkState("per", "r_per", ("rates",), _whole),
        LinkState("pool", "r_pool", ("rates",), _bool, lambda v: "1" if v else "0"),
        LinkState("suppress", "r_suppress", ("rates",), _bool, lambda v: "1" if v else "0"),
        LinkState("areas", "c_areas", ("community",)),
        LinkState("wave", "c_wave", ("community",)),
        LinkState("score", "c_measure", ("community",)),
        LinkState("start", "r_place", ("route",)),
        LinkState("budget", "r_budget", ("route",), _whole, bounds=(20, 600)),
        LinkState("dwell", "r_dwell", ("route",), _whole),
        LinkState("stops", "r_stops", ("route",), _whole, bounds=(1, 20)),
        LinkState("speed", "r_speed", ("route",), _number, lambda v: f"{v:g}", bounds=(0.5, 2.0)),
        LinkState("hotspots", "r_method", ("route",)),
        LinkState("leave", "r_time", ("route",), _time, _write_time),
        LinkState("network", "r_network", ("route",)),
        LinkState("add", "r_added", ("route",), _points, _write_points),
        LinkState("skip", "r_exclude", ("route",), _texts, _write_texts),
    )
}
"""Every piece of state a link carries, by link key."""

FILTER_KEYS = tuple(key for key, _, _ in _FILTER_WIDGETS)
WORKSPACE_KEYS = ("data", "places")
OWN_PLACE_KEYS = ("area", "at")


def widget_keys() -> list[str]:
    """Every widget key of :data:`STATE` on every page it is drawn on (kept while the user visits other pages)."""
    keys = [w for s in STATE.values() for page in s.pages for w in (s.widget_key(page), *s.also)]
    return list(dict.fromkeys(keys))


def filter_widget_keys() -> list[str]:
    """The session keys of the filter widgets."""
    return list(dict.fromkeys(w for key in FILTER_KEYS for w in (STATE[key].widget, *STATE[key].also)))


def keep_state() -> None:
    """Keep every linked widget's value while the user visits other pages.

    Streamlit forgets the state of widgets a run did not draw, so the entry script re-assigns them on every run.
    """
    for key in widget_keys():
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def url_value(key: str, *, limit: int = MAX_QUERY_VALUE) -> str | None:
    """The URL's ``key`` parameter, or None when it is missing or longer than ``limit`` characters.

    A crafted 100 KB value never reaches a widget, a split or the page.
    """
    raw = st.query_params.get(key)
    if raw is None or len(raw) > limit:
        return None
    return str(raw)


def sync_query(wanted: Mapping[str, str], keys: Iterable[str]) -> None:
    """Make the URL's ``keys`` say ``wanted``: set what differs, drop what ``wanted`` leaves out, touch nothing else."""
    for key in keys:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def _allowed(value: Any, state: LinkState, choices: Collection[Any] | None, bounds: tuple[Any, Any] | None) -> Any:
    """``value`` if the widget can show it (lists keep their allowed items); raises ValueError otherwise."""
    lo_hi = bounds or state.bounds
    if lo_hi is not None and not lo_hi[0] <= value <= lo_hi[1]:
        msg = f"outside {lo_hi[0]}..{lo_hi[1]}"
        raise ValueError(msg)
    if choices is None:
        return value
    if isinstance(value, list):
        return [v for v in value if v in choices]
    if value not in choices:
        raise ValueError("not one of the choices")
    return value


def _from_link(state: LinkState, default: Any, choices: Collection[Any] | None,
               bounds: tuple[Any, Any] | None) -> Any:  # fmt: skip
    raw = st.query_params.get(state.key)
    if raw is None:
        return default
    try:
        if len(raw) > MAX_QUERY_VALUE:
            raise ValueError("too long")
        return _allowed(state.parse(str(raw)), state, choices, bounds)
    except (ValueError, TypeError, DataError):
        lang = st.session_state.get(STATE["lang"].widget, "en")
        st.warning(t("link.ignored", lang, key=state.key, value=echo(str(raw), limit=QUOTED)))
        return default


def bind(key: str, default: Any, *, page: str, choices: Sequence[Any] | None = None,
         bounds: tuple[Any, Any] | None = None) -> str:  # fmt: skip
    """The widget key of the state ``key`` on ``page``, its value set and said in the link.

    The widget's value is the link's on a session's first view (when it parses and lies in ``choices`` /
    ``bounds``), else ``default``; later the session's (a value that is no longer a choice falls back to
    ``default``, a list keeps its items that still are). The link then carries the value, or leaves it out
    at the default.
    """
    state = STATE[key]
    if page not in state.pages or state.owner != __name__:
        msg = f"link state {key!r} is not drawn by ui.link on page {page!r}"
        raise KeyError(msg)
    widget = state.widget_key(page)
    ss = st.session_state
    if widget not in ss:
        ss[widget] = _from_link(state, default, choices, bounds)
    else:
        try:
            ss[widget] = _allowed(ss[widget], state, choices, bounds)
        except ValueError:
            ss[widget] = default
    write(key, page=page, default=default)
    return widget


def write(key: str, *, page: str, default: Any = None) -> None:
    """Say the session's value of ``key`` in the link (left out at ``default`` unless the state is ``always`` kept)."""
    state = STATE[key]
    value = st.session_state.get(state.widget_key(page))
    text = None if value is None else state.write(value)
    keep = state.always or default is None or text != state.write(default)
    sync_query({key: text} if keep and text is not None else {}, (key,))
