"""The focus of a meeting report: a named place or a point, the ring around it and the map frame.

Geometry is returned in EPSG:4326 for the renderers and in EPSG:32611 (metres) for counting.
In public mode a point focus is moved to the centre of its grid cell, so the printed map never
shows a finer location than the cells do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from geo.core.errors import AnalysisError
from geo.core.i18n import t
from geo.core.projection import METRIC, WGS84, lonlat_to_metric, to_metric
from geo.data.aliases import default_aliases, name_key
from geo.data.datasets import place_by_name
from geo.exports.model import POINT_NAME_DECIMALS

SMALL_WORDS = frozenset({"a", "al", "and", "at", "de", "del", "el", "la", "las", "los", "of", "on", "the", "y"})
"""Words a place name keeps in lower case after its first word ("Pueblo del Rio", "Avalon at the Park")."""
_ROMAN = re.compile(r"^[IVX]{2,}$")
ACRONYMS = frozenset({"CSP", "HUD", "LAPD", "LAUSD", "MLK", "SWAT", "UCLA", "USC", "YMCA"})
"""Capitals kept as they are in a name otherwise set in the usual case."""


def _usual_word(word: str, *, first: bool) -> str:
    lower = word.lower()
    if _ROMAN.match(word) or word in ACRONYMS or any(c.isdigit() for c in word):
        return word  # Phase II, 2ND keeps its figures
    if not first and lower in SMALL_WORDS:
        return lower
    if len(lower) > 2 and lower[1] == "'":  # O'NEIL -> O'Neil
        return lower[0].upper() + "'" + lower[2].upper() + lower[3:]
    return lower[:1].upper() + lower[1:]


def printed_name(name: str) -> str:
    """A place name as people write it: the alias table's spelling when it differs only in case
    (``JORDAN DOWNS`` -> ``Jordan Downs``), else a name written all in capitals (HUD's) in the usual case
    (``PUEBLO DEL SOL PHASE II`` -> ``Pueblo del Sol Phase II``); any other name as it is."""
    known = default_aliases().canonical_name(name)
    if known != name and name_key(known) == name_key(name):
        return known
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 2 or not all(c.isupper() for c in letters):
        return name
    parts = re.split(r"([\s/()\-–,]+)", name)
    out = []
    first = True
    for part in parts:
        if part and part[0].isalnum():
            out.append(_usual_word(part, first=first))
            first = False
        else:
            out.append(part)
    return "".join(out)


@dataclass(frozen=True, eq=False)
class Focus:
    """The focus of a report and its map frame.

    ``shape`` and ``ring`` are one-row GeoDataFrames in EPSG:4326; ``geom_m`` is the focus in
    EPSG:32611; ``extent_m`` is the square map frame ``(x0, x1, y0, y1)`` in EPSG:32611 metres.
    """

    name: str
    shape: gpd.GeoDataFrame
    approximate: bool
    geom_m: BaseGeometry
    ring_m: float
    ring: gpd.GeoDataFrame
    extent_m: tuple[float, float, float, float]

    @property
    def bounds_m(self) -> tuple[float, float, float, float]:
        """The map frame as ``(minx, miny, maxx, maxy)`` (EPSG:32611 metres)."""
        x0, x1, y0, y1 = self.extent_m
        return (x0, y0, x1, y1)


def _shape(
    places: gpd.GeoDataFrame | None,
    place: str | None,
    lat: float | None,
    lon: float | None,
    lang: str,
    *,
    snap_m: float | None = None,
) -> tuple[gpd.GeoDataFrame, str, bool]:
    """The focus geometry (EPSG:4326), its printed name and whether its outline is approximate.

    A point focus is moved to the centre of its ``snap_m`` grid cell (EPSG:32611) when given.
    """
    if place is not None and (lat is not None or lon is not None):
        msg = "give either a place or lat/lon, not both"
        raise AnalysisError(msg)
    if place is not None:
        if places is None:
            msg = f"a place table is needed to find {place!r}"
            raise AnalysisError(msg)
        hit = place_by_name(places, place)
        geom = shapely.union_all(hit.geometry.to_numpy())
        approx = bool(hit["approximate"].fillna(False).any()) if "approximate" in hit.columns else False
        name = printed_name(str(hit["name"].iloc[0]))
        return gpd.GeoDataFrame({"name": [name]}, geometry=[geom], crs=hit.crs).to_crs(WGS84), name, approx
    if lat is None or lon is None:
        msg = "give a place name, or both lat and lon (degrees)"
        raise AnalysisError(msg)
    lat_f, lon_f = float(lat), float(lon)
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180) or not (np.isfinite(lat_f) and np.isfinite(lon_f)):
        msg = f"lat/lon must be degrees (lat -90..90, lon -180..180), got {lat}, {lon}"
        raise AnalysisError(msg)
    decimals = POINT_NAME_DECIMALS
    name = t("report.point_name", lang, lat=f"{lat_f:.{decimals}f}", lon=f"{lon_f:.{decimals}f}")
    point = gpd.GeoDataFrame({"name": [name]}, geometry=[shapely.Point(lon_f, lat_f)], crs=WGS84)
    if snap_m is not None:  # public: the point is drawn at the centre of its grid cell, never finer
        x, y = lonlat_to_metric(np.array([lon_f]), np.array([lat_f]))
        cx = (np.floor(x / snap_m) + 0.5) * snap_m
        cy = (np.floor(y / snap_m) + 0.5) * snap_m
        point = gpd.GeoDataFrame({"name": [name]}, geometry=shapely.points(cx, cy), crs=METRIC).to_crs(WGS84)
    return point, name, False


def report_focus(
    places: gpd.GeoDataFrame | None,
    place: str | None,
    lat: float | None = None,
    lon: float | None = None,
    *,
    lang: str,
    ring_m: float,
    snap_m: float | None = None,
) -> Focus:
    """The focus ``place`` (a name in ``places``) or point ``lat``/``lon`` (degrees), its ring and frame.

    The ring is the focus buffered by ``ring_m`` metres (EPSG:32611); the frame is a square centred
    on the ring that reaches ``ring_m`` beyond it on its longer side. ``snap_m`` (metres) moves a
    point focus to the centre of its grid cell (public mode).

    Raises
    ------
    AnalysisError
        Both a place and a point, half a point, or degrees out of range.
    DataError
        Unknown place name (with close names).
    """
    shape, name, approximate = _shape(places, place, lat, lon, lang, snap_m=snap_m)
    geom_m = to_metric(shape).geometry.iloc[0]
    ring_geom_m = geom_m.buffer(ring_m, quad_segs=32)
    minx, miny, maxx, maxy = ring_geom_m.bounds
    half = max(maxx - minx, maxy - miny) / 2 + ring_m
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    ring = gpd.GeoDataFrame({"distance_m": [ring_m]}, geometry=[ring_geom_m], crs=METRIC).to_crs(WGS84)
    return Focus(
        name=name,
        shape=shape,
        approximate=approximate,
        geom_m=geom_m,
        ring_m=ring_m,
        ring=ring,
        extent_m=(cx - half, cx + half, cy - half, cy + half),
    )
