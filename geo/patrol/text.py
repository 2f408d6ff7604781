"""Words for patrol routes in English and Spanish: turn lists, stop kinds, numbers, dates.

The strings live in the message catalogs (``geo/core/locales/<lang>.patrol.json``, keys ``route.*``).
Used by the route card, the GPX export and the dashboard's route page.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from geo.core import i18n
from geo.core.disclosure import Disclosure, ShownCounts
from geo.patrol.model import PatrolRoute, Turn


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported (see :func:`geo.core.i18n.check_lang`)."""
    return i18n.check_lang(lang)


def t(lang: str, key: str, **values: Any) -> str:
    """One route string (catalog key ``route.<key>``), formatted with ``values``."""
    return i18n.t(f"route.{key}", lang, **values)


def number(value: float, lang: str, *, digits: int = 0) -> str:
    """A number in the language's style."""
    return i18n.fmt_num(round(value, digits), lang, digits=digits)


def weight(value: float, lang: str) -> str:
    """A stop's weight (incidents it stands for): whole, or with one decimal when it is not whole."""
    return number(value, lang, digits=0 if float(value).is_integer() else 1)


def stop_weights(route: PatrolRoute, lang: str, rule: Disclosure | None = None) -> tuple[list[str], str]:
    """The weights of the route's stops and the weight it covers, as printed.

    With a public ``rule`` each weight is a count of incidents rounded to a whole number, and the stops
    are one group under the weight covered (:mod:`geo.core.disclosure`): "fewer than 3" or "withheld"
    where a number would give a small count away.
    """
    if rule is None or not rule.public:
        return [weight(float(w), lang) for w in route.stops["weight"]], weight(route.weight_covered, lang)
    shown = stop_counts(route, rule)
    return shown.texts(lang), shown.total.text(lang)


def stop_counts(route: PatrolRoute, rule: Disclosure) -> ShownCounts:
    """The stops' weights as counts (whole numbers), one group under the weight covered, as ``rule`` shows them."""
    return rule.counts([round(float(w)) for w in route.stops["weight"]])


def available_weight(route: PatrolRoute, lang: str, rule: Disclosure | None = None) -> str:
    """The weight of every candidate stop, as printed (a count, through a public ``rule``)."""
    if rule is None or not rule.public:
        return weight(route.weight_available, lang)
    return rule.text(round(route.weight_available), lang)


def minutes(value: float, lang: str) -> str:
    """Minutes, whole ("15 min")."""
    return t(lang, "minutes", n=number(value, lang))


def distance(metres: float, lang: str) -> str:
    """A walking distance: metres below 1 km ("850 m"), else kilometres with one decimal ("1.4 km")."""
    if metres < 1000:
        return t(lang, "metres", n=number(round(metres / 10) * 10, lang))
    return t(lang, "km", n=number(metres / 1000, lang, digits=1))


def date(value: dt.date | dt.datetime, lang: str) -> str:
    """A long date ("May 2, 2025" / "2 de mayo de 2025")."""
    return i18n.fmt_date(value, lang, style="long")


def clock(value: dt.datetime) -> str:
    """A time of day on the 24-hour clock ("18:05"), as patrol logs write it."""
    return value.strftime("%H:%M")


def stop_kind(kind: str, label: str | None, lang: str) -> str:
    """What a stop is ("Border N", "Hot cell", "Borde O")."""
    cat = i18n.catalog(lang)
    if kind == "border":
        side = cat.get(f"route.compass.{label}", str(label or ""))
        return t(lang, "kind_border", side=side).strip()
    return str(cat.get(f"route.kind_{kind}", cat["route.kind_other"]))


def turn_line(turn: Turn, lang: str, *, dwell_min: float | None = None) -> str:
    """One direction in words ("Turn left onto W 62nd St for 210 m")."""
    if turn.action == "stop":
        return t(lang, "turn_stop", n=turn.stop, dwell=number(dwell_min or 0, lang))
    if turn.action == "finish":
        return t(lang, "turn_finish")
    street = turn.street or t(lang, "unnamed")
    text = t(lang, f"turn_{turn.action}", street=street)
    return f"{text} {t(lang, 'for_distance', distance=distance(turn.distance_m, lang))}"


def turn_lines(route: PatrolRoute, lang: str) -> list[str]:
    """The route's turn list in words, one line per turn, stops included."""
    check_lang(lang)
    dwell = dict(zip(route.stops["order"].astype(int), route.stops["dwell_min"].astype(float), strict=True))
    return [turn_line(turn, lang, dwell_min=dwell.get(turn.stop or -1)) for turn in route.turns]


def summary_line(route: PatrolRoute, lang: str) -> str:
    """ "6 stops · 1.5 km walked · 21 min walking + 90 min at stops = 111 min of a 120 min budget"."""
    return t(
        lang,
        "summary",
        stops=len(route.stops),
        distance=distance(route.distance_m, lang),
        walk=minutes(route.walk_min, lang),
        dwell=minutes(route.dwell_total_min, lang),
        total=minutes(route.total_min, lang),
        budget=minutes(route.budget_min, lang),
    )


def data_note(route: PatrolRoute, lang: str) -> str:
    """Where the hot spots come from (the data's date range, from ``route.meta``)."""
    start, end = route.meta.get("data_from"), route.meta.get("data_to")
    if not start or not end:
        return t(lang, "data_unknown")
    return t(
        lang,
        "data_period",
        **{"from": date(dt.date.fromisoformat(str(start)), lang), "to": date(dt.date.fromisoformat(str(end)), lang)},
    )


def network_line(route: PatrolRoute, lang: str) -> str:
    """Where the walking network comes from, in words."""
    if route.network_approximate:
        return t(lang, "network_approx")
    if "OpenStreetMap" in route.network_note:
        return t(lang, "network_osm")
    return t(lang, "network_other", note=route.network_note or "?")


_NUM = r"(\d+(?:\.\d+)?)"
_PLAN_ERRORS: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(rf"is off the walking network: the nearest walkable node is {_NUM} m away \(limit {_NUM} m\)"),
     "off_network", ("distance", "limit")),
    (re.compile(r"^no candidate stops to visit"), "no_stops", ()),
    (re.compile(r"which is not connected to any candidate stop"), "disconnected", ()),
    (re.compile(rf"^none of the {_NUM} candidate stops is on the walking network within {_NUM} m"),
     "stops_off_network", ("n", "limit")),
    (re.compile(rf"^no stop fits the {_NUM}-minute budget: every candidate stop is more than {_NUM} m"),
     "too_far", ("budget", "distance")),
    (re.compile(rf"^no stop fits the {_NUM}-minute budget: the closest one needs {_NUM} min"),
     "closest", ("budget", "need")),
    (re.compile(rf"^no stop fits the {_NUM}-minute budget"), "budget", ("budget",)),
    (re.compile(r"^no incidents .* match the filters"), "no_incidents", ()),
)  # fmt: skip


def plan_error(error: BaseException | str, lang: str) -> str:
    """Why a route could not be planned, in ``lang`` (catalog keys ``route.err.*``), as plain text.

    The planner (:mod:`geo.patrol.planner`, :mod:`geo.patrol.request`) words its errors in English
    for the command line; this maps each known one to its catalog message with the numbers in the
    language's style (metres, minutes). An unknown error is shown as it is in English and as a
    general Spanish message in Spanish, never as English inside a Spanish sentence.
    """
    check_lang(lang)
    text = str(error)
    known = i18n.match_error(text, _PLAN_ERRORS)
    if known:
        key, found = known
        values = {name: number(float(v), lang, digits=1 if name == "need" else 0) for name, v in found.items()}
        return t(lang, f"err.{key}", **values)
    return text if lang == "en" else t(lang, "err.other")
