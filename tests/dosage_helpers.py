"""Synthetic GPX tracks with known stays, walks and signal gaps (metres in EPSG:32611)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import gpxpy
import gpxpy.gpx
import numpy as np

from geo.core.projection import lonlat_to_metric, metric_to_lonlat

ERRAND_MIN = 5 + 2 * 200 / 1.2 / 60  # away from stop 2: 200 m there and back at 1.2 m/s, 5 min there
PERSONAL = {
    "track_name": "Officer Jane Roe shift 4411",
    "author": "Jane Roe",
    "email": "jane.roe@example.org",
    "link": "https://example.org/profile/jroe",
    "device": "Forerunner 945 serial 3391-2277",
    "keywords": "badge-4411",
    "point_name": "JR-home-corner",
    "hr": "heart-rate-143",
}


def metric(lon: float, lat: float) -> tuple[float, float]:
    (x,), (y,) = lonlat_to_metric(np.array([lon]), np.array([lat]))
    return float(x), float(y)


@dataclass
class Walker:
    """Builds a track: walks at ``speed`` m/s, stays with jitter, silences (no points) — every ``step_s``."""

    x: float
    y: float
    clock: dt.datetime
    step_s: float = 5.0
    speed: float = 1.2
    jitter_m: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.points: list[tuple[float, float, dt.datetime]] = []

    def _emit(self, x: float, y: float) -> None:
        jx, jy = self.rng.normal(0, self.jitter_m, 2) if self.jitter_m else (0.0, 0.0)
        (lon,), (lat,) = metric_to_lonlat(np.array([x + jx]), np.array([y + jy]))
        self.points.append((float(lat), float(lon), self.clock))

    def walk_to(self, x: float, y: float) -> None:
        dist = math.hypot(x - self.x, y - self.y)
        n = max(1, round(dist / self.speed / self.step_s))
        for i in range(1, n + 1):
            self.clock += dt.timedelta(seconds=dist / self.speed / n)
            f = i / n
            self._emit(self.x + f * (x - self.x), self.y + f * (y - self.y))
        self.x, self.y = x, y

    def stay(self, minutes: float, *, offset_m: float = 0.0) -> None:
        n = round(minutes * 60 / self.step_s)
        for _ in range(n):
            self.clock += dt.timedelta(seconds=self.step_s)
            self._emit(self.x + offset_m, self.y)

    def silence(self, minutes: float) -> None:
        self.clock += dt.timedelta(minutes=minutes)


def stop_xy(plan) -> list[tuple[float, float]]:
    return [metric(p.x, p.y) for p in plan.stops.geometry]


def walker(route, **kw) -> Walker:
    return Walker(*metric(route.start_lon, route.start_lat), route.start_time, **kw)


def scripted_walk(route, plan, *, jitter_m: float = 6.0, seed: int = 1, step_s: float = 5.0) -> Walker:
    """A walk of ``route``'s plan, with jitter.

    Stop 1: 15 min. Stop 2: 6 min, an errand 200 m off (ERRAND_MIN), 6 min. Stop 3: walked
    through without stopping. Stop 4: never reached.
    """
    xy = stop_xy(plan)
    w = walker(route, jitter_m=jitter_m, seed=seed, step_s=step_s)
    w.walk_to(*xy[0])
    w.stay(15)
    w.walk_to(*xy[1])
    w.stay(6)
    w.walk_to(xy[1][0], xy[1][1] - 200)
    w.stay(5)
    w.walk_to(*xy[1])
    w.stay(6)
    w.walk_to(*xy[2])
    w.walk_to(xy[2][0] + 300, xy[2][1] + 300)
    return w


def to_gpx(
    points: Sequence[tuple[float, float, dt.datetime | None]], *, version: str = "1.1", personal: bool = False
) -> str:
    """A GPX document with one track; ``personal`` adds every personal field a phone or watch may write."""
    gpx = gpxpy.gpx.GPX()
    seg = gpxpy.gpx.GPXTrackSegment()
    for lat, lon, when in points:
        p = gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon, time=when, elevation=61.0)
        if personal:
            p.name = PERSONAL["point_name"]
        seg.points.append(p)
    trk = gpxpy.gpx.GPXTrack(name=PERSONAL["track_name"] if personal else None)
    trk.segments.append(seg)
    gpx.tracks.append(trk)
    if personal:
        gpx.creator = PERSONAL["device"]
        gpx.author_name = PERSONAL["author"]
        gpx.author_email = PERSONAL["email"]
        gpx.link = PERSONAL["link"]
        gpx.keywords = PERSONAL["keywords"]
        gpx.name = PERSONAL["track_name"]
    text = gpx.to_xml(version=version)
    if personal:  # a watch's heart-rate extension
        text = text.replace("</trkpt>", f"<extensions><hr>{PERSONAL['hr']}</hr></extensions></trkpt>", 1)
    return text
