"""The study area every grid, hot-spot, heat and near-repeat result is computed over.

Statistics on a grid depend on which cells are in it: an empty cell counts as an observed
zero and as one more test. So each result is computed over a stated **study area** (a
geometry; EPSG:4326 when given as a bare shapely geometry), normally the coverage of the
incident layer or an area the user gives. Cells outside it are absent, not zero.

A grid cell belongs to the study area when its **centre** lies in (or on the border of) the
area: a simple rule that gives every cell one answer and does not depend on file order.

When no area is given, the fallback is the convex hull of the points buffered by one cell
(``buffer_m``); such an area is flagged as a guess (``guess=True``) so that outputs can say
the coverage was not known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from geo.core.bulk import points
from geo.core.errors import AnalysisError
from geo.core.validate import positive, union_metric


class CellCentres(Protocol):
    """A grid that can give its cell centres (as :class:`geo.analysis.grid.SquareGrid` does)."""

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        ...

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell-centre coordinates along x and y, metres (EPSG:32611)."""
        ...


RULE_GIVEN = "given"
RULE_HULL = "hull"
RULE_FOCUS = "focus"


@dataclass(frozen=True)
class StudyArea:
    """A study area in EPSG:32611 metres.

    Attributes
    ----------
    geometry
        The area (polygonal), EPSG:32611.
    guess
        True when the area was not given but derived from the points (the fallback).
    rule
        ``"given"`` or ``"hull"`` (convex hull of the points buffered by ``buffer_m``).
    buffer_m
        Buffer of the fallback hull, metres (0 for a given area).
    """

    geometry: BaseGeometry
    guess: bool
    rule: str
    buffer_m: float = 0.0

    @property
    def area_km2(self) -> float:
        """Area in square kilometres."""
        return float(self.geometry.area) / 1e6

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(minx, miny, maxx, maxy)`` in EPSG:32611 metres."""
        b = self.geometry.bounds
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    def contains_xy(self, xy: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Which metric points ``(n, 2)`` lie in the area (border included)."""
        if len(xy) == 0:
            return np.zeros(0, dtype=bool)
        shapely.prepare(self.geometry)
        return np.asarray(shapely.covers(self.geometry, points(xy)), dtype=bool)

    def cell_mask(self, grid: CellCentres) -> NDArray[np.bool_]:
        """``(ny, nx)`` mask of the grid cells whose centre lies in the area."""
        xs, ys = grid.centres()
        gx, gy = np.meshgrid(xs, ys)
        inside = self.contains_xy(np.column_stack([gx.ravel(), gy.ravel()]))
        return inside.reshape(grid.shape)

    def describe(self) -> dict[str, Any]:
        """Plain values for captions and JSON."""
        return {"study_area_km2": round(self.area_km2, 3), "study_area_rule": self.rule, "study_area_guess": self.guess}


def _polygonal(geom: BaseGeometry, what: str) -> BaseGeometry:
    if geom.is_empty or geom.area <= 0:
        msg = f"the {what} has no area; give a polygon (EPSG:4326) such as the data's coverage"
        raise AnalysisError(msg)
    return shapely.make_valid(geom) if not geom.is_valid else geom


def study_area(coverage: object = None, *, xy: NDArray[np.float64] | None = None, buffer_m: float) -> StudyArea:
    """The study area from a given coverage, or the stated fallback.

    Parameters
    ----------
    coverage
        A :class:`StudyArea`, a shapely geometry in EPSG:4326, a GeoSeries/GeoDataFrame in
        any CRS it declares (its rows are merged), or an incident layer's coverage (any object
        with a shapely ``geometry`` in EPSG:4326 and a ``guess`` flag, which is kept); None for
        the fallback.
    xy
        ``(n, 2)`` points in EPSG:32611 metres, needed for the fallback.
    buffer_m
        Buffer of the fallback hull, metres (normally one grid cell).

    Returns
    -------
    StudyArea
        EPSG:32611; ``guess`` is True for the fallback.
    """
    if isinstance(coverage, StudyArea):
        return coverage
    layer_area = getattr(coverage, "geometry", None)
    if isinstance(layer_area, BaseGeometry):
        # an incident layer's coverage (geometry in EPSG:4326 and a guess flag, as geo.data.coverage gives)
        geom = _polygonal(union_metric(layer_area, "coverage"), "coverage")
        return StudyArea(geom, guess=bool(getattr(coverage, "guess", False)), rule=RULE_GIVEN)
    if coverage is not None:
        return StudyArea(_polygonal(union_metric(coverage, "study area"), "study area"), guess=False, rule=RULE_GIVEN)
    buf = positive(buffer_m, "buffer_m", "metres")
    if xy is None or len(xy) == 0:
        msg = "cannot guess a study area around zero incidents; widen the filters or give a coverage"
        raise AnalysisError(msg)
    hull = shapely.convex_hull(shapely.multipoints(np.asarray(xy, dtype=float)))
    return StudyArea(shapely.buffer(hull, buf, quad_segs=8), guess=True, rule=RULE_HULL, buffer_m=buf)


def study_area_around(places: object, *, buffer_m: float, coverage: object = None) -> StudyArea:
    """The focus area: places (EPSG:4326 geometry, GeoSeries or GeoDataFrame) buffered by
    ``buffer_m`` metres, cut to ``coverage`` when given (the data's own area).

    Raises
    ------
    AnalysisError
        When the focus area lies entirely outside the coverage.
    """
    buf = positive(buffer_m, "buffer_m", "metres")
    geom = union_metric(places, "focus places").buffer(buf, quad_segs=16)
    guess = False
    if coverage is not None:
        cov = study_area(coverage, buffer_m=buf)
        geom = shapely.intersection(geom, cov.geometry)
        guess = cov.guess
    return StudyArea(
        _polygonal(geom, "focus area inside the data's coverage"), guess=guess, rule=RULE_FOCUS, buffer_m=buf
    )


__all__ = ["RULE_FOCUS", "RULE_GIVEN", "RULE_HULL", "StudyArea", "study_area", "study_area_around"]
