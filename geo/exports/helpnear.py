"""Help and services near the place, for the handout, the slide and the offline map; services along a route, for the
route card.

The lines come from the registry (:func:`geo.data.services.registry_of`, which keeps the demo's example entries beside
the demo's incidents only): the services with a place within ``services.near_m`` of the focus, nearest first, at most
``services.handout_max``, then every line to call. Each line reads "name (kind): hours, season; contact", in the
report's language; example entries add a line saying so.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
from shapely.geometry.base import BaseGeometry

from geo.core.errors import SafetyMapError
from geo.core.i18n import t
from geo.core.settings import Settings
from geo.data.services import along, described, nearby, registry_of, to_call
from geo.exports.model import Report
from geo.exports.report import with_residents


def service_lines(services: gpd.GeoDataFrame, lang: str) -> list[str]:
    """One line per service in ``lang``: "name (kind): hours, season; contact"."""
    text = described(services, lang)
    out = []
    for row in text.to_dict("records"):
        when = ", ".join(p for p in (row["hours"], row["season"]) if p)
        body = "; ".join(p for p in (when, row["contact"]) if p)
        out.append(t("services.line", lang, name=row["title"], kind=row["kind_label"], body=body))
    return out


def with_services(report: Report, settings: Settings) -> Report:
    """``report`` with the help and services near its focus; unchanged when no registry may be shown."""
    try:
        shown = registry_of(settings, beside_synthetic=report.synthetic)
    except SafetyMapError:
        return report
    where: BaseGeometry = report.focus.geometry.union_all()
    near = nearby(shown.frame, where, within_m=settings.services.near_m, limit=settings.services.handout_max)
    if not len(near):
        return report
    lines = service_lines(near, report.lang)
    if shown.demo:
        lines.append(report.text("services.demo"))
    title = report.text("services.near", place=report.focus_name)
    return dataclasses.replace(report, services=tuple(lines), services_title=title)


def for_meeting(report: Report, settings: Settings) -> Report:
    """``report`` with what residents say and the help and services near its focus: what every export prints."""
    return with_services(with_residents(report, settings), settings)


def along_route(route: BaseGeometry, settings: Settings, *, lang: str, synthetic: bool) -> list[str]:
    """Lines for the services within ``services.route_within_m`` of ``route`` (EPSG:4326), in the order the route
    passes them, then the lines to call; empty when no registry may be shown."""
    try:
        shown = registry_of(settings, beside_synthetic=synthetic)
    except SafetyMapError:
        return []
    passed = along(shown.frame, route, within_m=settings.services.route_within_m)
    lines = service_lines(passed, lang) + service_lines(to_call(shown.frame), lang)
    if lines and shown.demo:
        lines.append(t("services.demo", lang))
    return lines
