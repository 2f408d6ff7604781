"""The route card's own words: where the walk starts, and why each stop is on it.

A stop is on the route because incidents cluster there: each stop says how many, over how long
("Hot cell: 3 incidents in 24 months"), as the view's small-count rule shows the count (public: "fewer
than 3", or withheld beside a small one: :func:`geo.patrol.text.stop_counts`). A stop the officer added
says so. Strings are the ``route.*`` keys of the patrol catalogs.
"""

from __future__ import annotations

import datetime as dt

from geo.core.disclosure import Disclosure, Shown
from geo.core.i18n import fmt_int
from geo.data.labels import unit_word
from geo.exports.focus import printed_name
from geo.patrol import text as rt
from geo.patrol.model import PatrolRoute

MONTH_DAYS = 30.4375
"""Days in an average month (a 730-day window is 24 months)."""


def start_text(route: PatrolRoute, lang: str) -> str:
    """Where the walk starts: the place (in its usual case) and the street the route leaves from,
    ``"Harvard Park (at W 60th St)"``; the street alone without a place; the point without either."""
    place = route.meta.get("place")
    street = route.start_where
    if place and street:
        return rt.t(lang, "start_place", place=printed_name(str(place)), street=street)
    if place or street:
        return printed_name(str(place)) if place else str(street)
    return f"{route.start_lat:.5f}, {route.start_lon:.5f}"


def title_text(route: PatrolRoute, lang: str) -> str:
    """ "Foot patrol route · Harvard Park"."""
    place = route.meta.get("place")
    return rt.t(lang, "title") + (f" · {printed_name(str(place))}" if place else "")


def span_text(route: PatrolRoute, lang: str) -> str | None:
    """How long the incident window behind the stops is: ``"24 months"`` (``"45 days"`` under two months);
    None when the route does not say."""
    start, end = route.meta.get("data_from"), route.meta.get("data_to")
    if not start or not end:
        return None
    days = (dt.date.fromisoformat(str(end)) - dt.date.fromisoformat(str(start))).days + 1
    months = round(days / MONTH_DAYS)
    if months >= 2:
        return rt.t(lang, "span_months", n=fmt_int(months, lang))
    return rt.t(lang, "span_days", n=fmt_int(days, lang))


def _count(shown: Shown, unit: str, lang: str) -> str | None:
    """``"3 incidents"``, ``"fewer than 3 incidents"``, or None when the count is withheld."""
    if shown.status == "fewer":
        return rt.t(lang, "fewer_unit", n=shown.min_count, unit=unit_word(unit, lang))
    if shown.value is None:
        return None
    return f"{fmt_int(shown.value, lang)} {unit_word(unit, lang, count=shown.value)}"


def stop_reasons(route: PatrolRoute, lang: str, rule: Disclosure | None, *, unit: str) -> list[str]:
    """Why each stop of the route is on it, in visit order: its kind and the incidents behind it."""
    shown = rt.stop_counts(route, rule if rule is not None else Disclosure(1, public=False))
    span = span_text(route, lang)
    out = []
    for r, count in zip(route.stops.itertuples(), shown, strict=True):
        kind = rt.stop_kind(str(r.kind), str(r.label), lang)
        if str(r.kind) == "user":
            out.append(kind)
            continue
        said = _count(count, unit, lang)
        if said is None:
            out.append(rt.t(lang, "why_withheld", kind=kind))
        elif span is None:
            out.append(f"{kind}: {said}")
        else:
            out.append(rt.t(lang, "why", kind=kind, count=said, span=span))
    return out
