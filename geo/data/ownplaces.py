"""Places a person makes: an area or a route drawn on the map, or a point found by search.

Each travels in the link as text (an area or route as Google's encoded polyline with its name, a point as
``lat,lon`` with its name) and joins the session's place table as a place like any other, so the focus, the
rings, the figures, the trend, the rates and the handout work for it as for a named park. Nothing is stored
unless the person saves it into the workspace.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import polyline
import shapely
from shapely.geometry import LineString, Point, Polygon
from shapely.geometry.base import BaseGeometry

from geo.core.errors import DataError
from geo.core.projection import WGS84
from geo.core.schema import coerce_places
from geo.data.sources import LA_COUNTY_BBOX, LoadResult

Kind = Literal["area", "route", "point"]
MAX_NAME = 60
"""Characters of a place's name at most."""
MAX_VERTICES = 300
"""Corners of a drawn area or route at most (a link stays short enough to share)."""
MAX_AREA_KM2 = 60.0
"""A drawn area larger than this is refused (South LA's community plan area is about 40 km²)."""
SEP = "~"
DIGITS = 5
"""Decimals of the encoded coordinates (about a metre)."""
OWN_ID = "own:"
"""Prefix of an own place's ``place_id``."""
SOURCES = {"area": "drawn on the map", "route": "drawn on the map", "point": "found by search"}


@dataclass(frozen=True)
class OwnPlace:
    """A place a person made: its name, what it is and its geometry (EPSG:4326)."""

    name: str
    kind: Kind
    geometry: BaseGeometry


def clean_name(raw: str) -> str:
    """A place name as it may be shown: control characters removed, spaces collapsed, at most :data:`MAX_NAME`."""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in str(raw)).replace(SEP, " ").split())
    if not text:
        msg = "a place needs a name"
        raise DataError(msg)
    if len(text) > MAX_NAME:
        msg = f"a place name has at most {MAX_NAME} characters, this one {len(text)}"
        raise DataError(msg)
    return text


def _inside_county(geom: BaseGeometry, what: str) -> None:
    minx, miny, maxx, maxy = geom.bounds
    w, s, e, n = LA_COUNTY_BBOX  # the sources' box: a place outside it is a mistake, not a place
    if minx < w or maxx > e or miny < s or maxy > n:
        msg = f"the {what} lies outside Los Angeles County (lon {minx:.4f}..{maxx:.4f}, lat {miny:.4f}..{maxy:.4f})"
        raise DataError(msg)


def make_place(name: str, geometry: BaseGeometry) -> OwnPlace:
    """A checked place from a drawn or found geometry (polygon: an area; line: a route; point: a point)."""
    label = clean_name(name)
    if geometry is None or geometry.is_empty:
        msg = "nothing was drawn"
        raise DataError(msg)
    kind: Kind
    if isinstance(geometry, Point):
        kind = "point"
    elif isinstance(geometry, LineString):
        kind = "route"
    elif isinstance(geometry, Polygon):
        kind = "area"
        geometry = Polygon(geometry.exterior)  # a hole drawn by hand is not meant
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
            if not isinstance(geometry, Polygon):
                msg = "the area crosses itself: draw it again without crossing its own edge"
                raise DataError(msg)
    else:
        msg = f"draw an area or a route, not a {geometry.geom_type}"
        raise DataError(msg)
    n = len(shapely.get_coordinates(geometry))
    if n > MAX_VERTICES:
        msg = f"the {kind} has {n} corners; at most {MAX_VERTICES} travel in a link"
        raise DataError(msg)
    _inside_county(geometry, kind)
    if kind == "area":
        km2 = gpd.GeoSeries([geometry], crs=WGS84).to_crs(32611).area.iloc[0] / 1e6
        if km2 > MAX_AREA_KM2:
            msg = f"the area covers {km2:.0f} km², more than {MAX_AREA_KM2:g} km²: draw a neighbourhood, not a region"
            raise DataError(msg)
    return OwnPlace(label, kind, geometry)


def write_place(place: OwnPlace) -> str:
    """The link's text of ``place``: ``name~lat,lon`` for a point, ``name~<encoded polyline>`` otherwise (an area's
    ring closes on its first corner, which tells it from a route)."""
    if place.kind == "point":
        p = place.geometry
        assert isinstance(p, Point)
        return f"{place.name}{SEP}{p.y:.{DIGITS}f},{p.x:.{DIGITS}f}"
    coords = shapely.get_coordinates(place.geometry.exterior if isinstance(place.geometry, Polygon) else place.geometry)
    return f"{place.name}{SEP}{polyline.encode([(lat, lon) for lon, lat in coords], DIGITS)}"


def read_place(raw: str) -> OwnPlace:
    """The place of a link's text (:func:`write_place`); ValueError with the reason when it is not one."""
    name, sep, body = str(raw).partition(SEP)  # the name holds no SEP; an encoded polyline may
    if not sep or not body:
        msg = "expected name~coordinates"
        raise ValueError(msg)
    try:
        if "," in body and all(part.strip().lstrip("-").replace(".", "", 1).isdigit() for part in body.split(",")):
            lat, lon = (float(v) for v in body.split(","))
            geom: BaseGeometry = Point(lon, lat)
        else:
            points = [(lon, lat) for lat, lon in polyline.decode(body, DIGITS)]
            if len(points) < 2:
                msg = "a drawn place needs at least two corners"
                raise ValueError(msg)
            closed = len(points) >= 4 and points[0] == points[-1]
            geom = Polygon(points) if closed else LineString(points)
        return make_place(name, geom)
    except (DataError, IndexError, TypeError) as exc:
        raise ValueError(str(exc)) from exc


def shown_name(place: OwnPlace, taken: set[str] | frozenset[str]) -> str:
    """The name ``place`` has in the place table: its own, or with its kind in brackets when a place of the data
    already has it ("Harvard Park (area)"), so the data's own place is never replaced."""
    return place.name if place.name not in taken else f"{place.name} ({place.kind})"


def place_rows(places: tuple[OwnPlace, ...], taken: set[str] | frozenset[str]) -> gpd.GeoDataFrame:
    """``places`` as rows of the place table (kind ``own``, named by :func:`shown_name`)."""
    rows = []
    for place in places:
        name = shown_name(place, taken)
        digest = hashlib.sha256(write_place(place).encode("utf-8")).hexdigest()[:12]
        rows.append(
            {
                "place_id": f"{OWN_ID}{digest}",
                "name": name,
                "kind": "own",
                "source": SOURCES[place.kind],
                "approximate": False,
                "geometry": place.geometry,
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84) if rows else None
    if frame is None:
        frame = gpd.GeoDataFrame(
            {"place_id": [], "name": [], "kind": [], "source": [], "approximate": []}, geometry=[], crs=WGS84
        )
    return coerce_places(frame)


SAVED_LAYER = "saved_places"
"""The store layer of the places the team saved from the map (kind ``own``), shown in every session's pickers."""


def saved_places(store: str | Path) -> gpd.GeoDataFrame:
    """The team's saved places (none when nothing was saved)."""
    from geo.data.stores import open_store

    opened = open_store(store)
    if opened.report(SAVED_LAYER) is None:
        return place_rows((), frozenset())
    return coerce_places(opened.read(SAVED_LAYER))


def save_place(store: str | Path, place: OwnPlace, *, name: str) -> dict[str, Any]:
    """Add ``place`` under ``name`` to the team's saved places (a saved place of that name is replaced), as a new
    version of :data:`SAVED_LAYER`; the stored report. The caller records the change first."""
    import pandas as pd

    from geo.data.ingest import write_layer

    label = clean_name(name)
    before = saved_places(store)
    row = place_rows((OwnPlace(label, place.kind, place.geometry),), frozenset())
    row["source"] = "saved from the map"
    frame = pd.concat([before[before["name"].astype(str) != label], row], ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)
    empty = pd.DataFrame({"source_row": pd.array([], dtype="Int64"), "reason": []})
    result = LoadResult(kind="own", table="places", source="places saved from the map", origin="map",
                        frame=frame, quarantine=empty, rows_in=len(frame), dropped={})  # fmt: skip
    return write_layer(result, store, name=SAVED_LAYER)
