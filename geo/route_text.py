"""Words for patrol routes in English and Spanish: turn lists, stop kinds, numbers, dates.

The strings live in ``geo/locales/routecard_<lang>.json`` (one file per language, the same
keys in each). Used by the route card, the GPX export and the dashboard's route page.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

from geo.errors import AnalysisError

if TYPE_CHECKING:
    from geo.patrol import PatrolRoute, Turn

LANGS = ("en", "es")
LOCALES = Path(__file__).resolve().parent / "locales"


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise :class:`AnalysisError` naming the choices."""
    if lang not in LANGS:
        msg = f"language must be one of {list(LANGS)}, got {lang!r}"
        raise AnalysisError(msg)
    return lang


@lru_cache(maxsize=4)
def strings(lang: str) -> dict[str, Any]:
    """The route-card catalog for ``lang`` ("en" or "es")."""
    check_lang(lang)
    return json.loads((LOCALES / f"routecard_{lang}.json").read_text(encoding="utf-8"))


def t(lang: str, key: str, **values: Any) -> str:
    """One catalog string, formatted with ``values``."""
    return str(strings(lang)[key]).format(**values)


def number(value: float, lang: str, *, digits: int = 0) -> str:
    """A number in the language's style ("1,234.5" / "1234,5")."""
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(value, digits), format=fmt, locale=lang)


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
    return babel_format_date(value, format="long", locale=lang)


def clock(value: dt.datetime) -> str:
    """A time of day on the 24-hour clock ("18:05"), as patrol logs write it."""
    return value.strftime("%H:%M")


def stop_kind(kind: str, label: str | None, lang: str) -> str:
    """What a stop is ("Border N", "Hot cell", "Borde O")."""
    cat = strings(lang)
    key = f"kind_{kind}"
    if kind == "border":
        side = cat["compass"].get(str(label), str(label or ""))
        return t(lang, "kind_border", side=side).strip()
    return str(cat.get(key, cat["kind_other"]))


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
