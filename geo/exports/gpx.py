"""GPX 1.1 export of a patrol route (gpxpy): one track along the walk, one waypoint per stop.

Track points carry times: walking at the route's speed between points (interpolated along each
leg by distance, measured in EPSG:32611), a pause at each stop (a point at arrival and the same
point at departure), so times strictly increase. Waypoints mark the start and each stop with
its arrival time, dwell and weight. Times are written in UTC.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import gpxpy
import gpxpy.gpx
import numpy as np

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.projection import lonlat_to_metric
from geo.core.store import write_text_atomic
from geo.patrol import text as rt
from geo.patrol.model import PatrolRoute

CREATOR = "south-la-safety-map (geo.exports.gpx)"


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.astimezone()
    return value.astimezone(dt.UTC)


def _track_points(route: PatrolRoute) -> list[tuple[float, float, dt.datetime]]:
    """(lat, lon, time) along the loop, with a pause at each stop; times strictly increasing."""
    out: list[tuple[float, float, dt.datetime]] = []
    clock = route.start_time
    departs = list(route.stops["depart"])
    for k, leg in enumerate(route.legs):
        coords = np.asarray(leg.line.coords)
        x, y = lonlat_to_metric(coords[:, 0], coords[:, 1])
        step = np.hypot(np.diff(x), np.diff(y))
        cum = np.r_[0.0, np.cumsum(step)]
        share = cum / cum[-1] if cum[-1] > 0 else np.zeros_like(cum)
        for (lon, lat), f in zip(coords, share, strict=True):
            out.append((float(lat), float(lon), clock + dt.timedelta(seconds=float(f) * leg.walk_s)))
        clock = clock + dt.timedelta(seconds=leg.walk_s)
        if k < len(departs):
            clock = departs[k]
            lon, lat = coords[-1]
            out.append((float(lat), float(lon), clock))
    kept: list[tuple[float, float, dt.datetime]] = []
    for p in out:
        if not kept or p[2] > kept[-1][2]:
            kept.append(p)
    return kept


def route_gpx(route: PatrolRoute, *, lang: str = "en", name: str | None = None, rule: Disclosure | None = None) -> str:
    """The route as a GPX 1.1 document (text).

    Parameters
    ----------
    route
        A planned route (:func:`geo.patrol.planner.plan_route`).
    lang
        Language of names and descriptions ("en" or "es").
    name
        Track name; defaults to the localised title plus the place in ``route.meta``.
    rule
        How the stops' weights are shown (:mod:`geo.core.disclosure`); exact without one.
    """
    rt.check_lang(lang)
    if not isinstance(route, PatrolRoute):
        msg = f"expected a PatrolRoute, got {type(route).__name__}"
        raise AnalysisError(msg)
    place = route.meta.get("place")
    title = name or (f"{rt.t(lang, 'title')} · {place}" if place else rt.t(lang, "title"))
    summary = rt.summary_line(route, lang)
    notes = [rt.data_note(route, lang), rt.network_line(route, lang)]
    if route.meta.get("synthetic"):
        notes.insert(0, rt.t(lang, "synthetic"))

    gpx = gpxpy.gpx.GPX()
    gpx.creator = CREATOR
    gpx.name = title
    gpx.description = rt.t(lang, "gpx_desc", summary=summary) + ". " + ". ".join(notes)
    gpx.time = _utc(route.start_time)

    start = gpxpy.gpx.GPXWaypoint(
        latitude=route.path.coords[0][1],
        longitude=route.path.coords[0][0],
        time=_utc(route.start_time),
        name=rt.t(lang, "gpx_start"),
    )
    start.symbol = "Flag, Green"
    gpx.waypoints.append(start)
    weights, _covered = rt.stop_weights(route, lang, rule)
    for r, shown_weight in zip(route.stops.itertuples(), weights, strict=True):
        wpt = gpxpy.gpx.GPXWaypoint(
            latitude=float(r.geometry.y),
            longitude=float(r.geometry.x),
            time=_utc(r.arrive),
            name=f"{rt.t(lang, 'stop')} {int(r.order)}",
            description=rt.t(
                lang,
                "gpx_stop_desc",
                arrive=rt.clock(r.arrive),
                leave=rt.clock(r.depart),
                dwell=rt.number(float(r.dwell_min), lang),
                kind=rt.stop_kind(str(r.kind), str(r.label), lang),
                weight=shown_weight,
            ),
        )
        wpt.comment = r.where if isinstance(r.where, str) else None
        wpt.symbol = "Flag, Red"
        gpx.waypoints.append(wpt)

    track = gpxpy.gpx.GPXTrack(name=title, description=summary)
    segment = gpxpy.gpx.GPXTrackSegment()
    for lat, lon, when in _track_points(route):
        segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=round(lat, 7), longitude=round(lon, 7), time=_utc(when)))
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1")


def write_gpx(
    route: PatrolRoute, path: str | Path, *, lang: str = "en", name: str | None = None, rule: Disclosure | None = None
) -> Path:
    """Write :func:`route_gpx` to ``path`` atomically (UTF-8)."""
    return write_text_atomic(path, route_gpx(route, lang=lang, name=name, rule=rule))
