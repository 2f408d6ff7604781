"""Counting incidents on a square grid (EPSG:32611 metres) or on H3 hexagons.

H3 sizes (h3 4.x averages, ``h3.average_hexagon_area``/``average_hexagon_edge_length``):
resolution 8 is 0.737 km^2 (edge 531 m, 920 m edge to edge), 9 is 0.105 km^2 (edge 201 m,
348 m edge to edge; 4.7 times a 150 m square), 10 is 0.0150 km^2 (edge 76 m, 131 m edge to
edge, about a 123 m square).

Square grids are aligned to multiples of the cell size in EPSG:32611, so the same cell
size gives the same cells whatever filter was applied: maps of two periods line up.
Rows run south to north, columns west to east; ``cell_id = row * nx + col``.
Cells come back as polygons in EPSG:4326 (each metric square projected corner by corner).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import h3
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse
from shapely.geometry.base import BaseGeometry

from geo.core.errors import AnalysisError
from geo.core.projection import METRIC, WGS84, metric_to_lonlat, to_wgs84
from geo.core.validate import check_points, metric_xy, positive

MAX_CELLS = 4_000_000
H3_RESOLUTIONS = range(5, 13)


@dataclass(frozen=True)
class SquareGrid:
    """A square grid in EPSG:32611.

    Attributes
    ----------
    x0, y0
        South-west corner, metres (EPSG:32611).
    cell_m
        Side of a cell, metres.
    nx, ny
        Number of columns (west to east) and rows (south to north).
    """

    x0: float
    y0: float
    cell_m: float
    nx: int
    ny: int

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``, the shape of arrays of cell values (row = south to north)."""
        return (self.ny, self.nx)

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.nx * self.ny

    @property
    def area_m2(self) -> float:
        """Area of one cell, square metres."""
        return self.cell_m * self.cell_m

    def centres(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell-centre coordinates along x (``nx``) and y (``ny``), metres."""
        xs = self.x0 + (np.arange(self.nx, dtype=np.float64) + 0.5) * self.cell_m
        ys = self.y0 + (np.arange(self.ny, dtype=np.float64) + 0.5) * self.cell_m
        return xs.astype(np.float64), ys.astype(np.float64)

    def locate(self, xy: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
        """Row, column and an in-grid mask for metric points ``(n, 2)``.

        A point on a shared cell edge goes to the cell east/north of it (``floor``).
        """
        col = np.floor((xy[:, 0] - self.x0) / self.cell_m).astype(np.int64)
        row = np.floor((xy[:, 1] - self.y0) / self.cell_m).astype(np.int64)
        ok = (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        return row, col, ok

    def counts(self, xy: NDArray[np.float64]) -> NDArray[np.int64]:
        """Counts of metric points ``(n, 2)`` per cell, shape ``(ny, nx)`` (points outside are dropped)."""
        row, col, ok = self.locate(xy)
        flat = np.bincount(row[ok] * self.nx + col[ok], minlength=self.n_cells)
        return flat.reshape(self.shape).astype(np.int64)

    def polygons_metric(self) -> NDArray[Any]:
        """Cell squares in EPSG:32611, flattened row by row (``cell_id`` order)."""
        xs = self.x0 + np.arange(self.nx) * self.cell_m
        ys = self.y0 + np.arange(self.ny) * self.cell_m
        gx, gy = np.meshgrid(xs, ys)
        return np.asarray(shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + self.cell_m, gy.ravel() + self.cell_m))

    def polygons_lonlat(self) -> NDArray[Any]:
        """Cell outlines in EPSG:4326 (corners projected with the cached transformer), ``cell_id`` order."""
        xs = self.x0 + np.arange(self.nx + 1) * self.cell_m
        ys = self.y0 + np.arange(self.ny + 1) * self.cell_m
        gx, gy = np.meshgrid(xs, ys)
        lon, lat = metric_to_lonlat(gx.ravel(), gy.ravel())
        lon = lon.reshape(gx.shape)
        lat = lat.reshape(gx.shape)
        ring_lon = np.stack([lon[:-1, :-1], lon[:-1, 1:], lon[1:, 1:], lon[1:, :-1], lon[:-1, :-1]], axis=-1)
        ring_lat = np.stack([lat[:-1, :-1], lat[:-1, 1:], lat[1:, 1:], lat[1:, :-1], lat[:-1, :-1]], axis=-1)
        coords = np.stack([ring_lon, ring_lat], axis=-1).reshape(-1, 5, 2)
        return np.asarray(shapely.polygons(coords))

    def to_gdf(self, columns: dict[str, NDArray[Any]], *, keep: NDArray[np.bool_] | None = None) -> gpd.GeoDataFrame:
        """A GeoDataFrame of cells in EPSG:4326 with ``cell_id, row, col`` and ``columns``.

        Parameters
        ----------
        columns
            Arrays of shape ``(ny, nx)`` (or flat, ``cell_id`` order), one per output column.
        keep
            Optional mask (same shape) of the cells to return; all cells by default.
        """
        ids = np.arange(self.n_cells)
        data: dict[str, Any] = {"cell_id": ids, "row": ids // self.nx, "col": ids % self.nx}
        for name, values in columns.items():
            arr = np.asarray(values).ravel()
            if arr.size != self.n_cells:
                msg = f"column {name!r} has {arr.size} values for {self.n_cells} cells"
                raise AnalysisError(msg)
            data[name] = arr
        geoms = self.polygons_lonlat()
        gdf = gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84)
        if keep is not None:
            gdf = gdf[np.asarray(keep).ravel()].reset_index(drop=True)
        return gdf


def make_grid(
    xy: NDArray[np.float64] | None = None,
    *,
    cell_m: float,
    bounds: tuple[float, float, float, float] | None = None,
    pad_cells: int = 1,
) -> SquareGrid:
    """A grid of ``cell_m`` squares covering metric points or metric ``bounds``.

    Parameters
    ----------
    xy
        ``(n, 2)`` points in EPSG:32611 metres (ignored when ``bounds`` is given).
    cell_m
        Cell side, metres.
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:32611 metres.
    pad_cells
        Empty cells added on every side.

    Returns
    -------
    SquareGrid
        Aligned to multiples of ``cell_m``.
    """
    cell = positive(cell_m, "cell_m", "metres")
    if bounds is None:
        if xy is None or len(xy) == 0:
            msg = "cannot build a grid around zero incidents; widen the filters"
            raise AnalysisError(msg)
        bounds = (float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max()))
    minx, miny, maxx, maxy = bounds
    if not (maxx >= minx and maxy >= miny):
        msg = f"bounds must be (minx, miny, maxx, maxy), got {bounds}"
        raise AnalysisError(msg)
    x0 = (np.floor(minx / cell) - pad_cells) * cell
    y0 = (np.floor(miny / cell) - pad_cells) * cell
    nx = int(np.floor(maxx / cell) - np.floor(minx / cell)) + 1 + 2 * pad_cells
    ny = int(np.floor(maxy / cell) - np.floor(miny / cell)) + 1 + 2 * pad_cells
    if nx * ny > MAX_CELLS:
        msg = f"a {cell:g} m grid over this area has {nx * ny:,} cells (limit {MAX_CELLS:,}); use larger cells"
        raise AnalysisError(msg)
    return SquareGrid(float(x0), float(y0), cell, nx, ny)


def square_counts(
    incidents: gpd.GeoDataFrame,
    *,
    cell_m: float,
    grid: SquareGrid | None = None,
    keep_empty: bool = False,
    study_area: object = None,
    coverage: object = None,
) -> gpd.GeoDataFrame:
    """Incident counts on a square grid.

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326 or EPSG:32611).
    cell_m
        Cell side in metres (EPSG:32611); ignored when ``grid`` is given.
    grid
        A grid to reuse (for example the same cells for two periods).
    keep_empty
        Return cells with no incident too.
    study_area, coverage
        The area the data cover (give one; see :mod:`geo.analysis.study`): cells whose centre
        lies outside are absent and their incidents are not counted. Default: no mask.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326: ``cell_id, row, col, count`` and cell polygons; ``attrs["grid"]`` holds
        the :class:`SquareGrid` and ``attrs["outside"]`` the incidents left out.
    """
    from geo.analysis.study import study_area as _study_area

    check_points(incidents)
    xy = metric_xy(incidents)
    if study_area is not None and coverage is not None:
        msg = "give study_area= or coverage=, not both (they are the same thing)"
        raise AnalysisError(msg)
    given = study_area if study_area is not None else coverage
    area = None if given is None else _study_area(given, xy=xy, buffer_m=cell_m)
    if grid is None:
        grid = (
            make_grid(xy, cell_m=cell_m) if area is None else make_grid(cell_m=cell_m, bounds=area.bounds, pad_cells=0)
        )
    mask = np.ones(grid.shape, dtype=bool) if area is None else area.cell_mask(grid)
    counts = np.where(mask, grid.counts(xy), 0)
    gdf = grid.to_gdf({"count": counts}, keep=mask if keep_empty else (counts > 0) & mask)
    gdf.attrs["grid"] = grid
    gdf.attrs["outside"] = len(xy) - int(counts.sum())
    if area is not None:
        gdf.attrs.update(area.describe())
    return gdf


def _check_resolution(resolution: int) -> int:
    if not isinstance(resolution, int | np.integer) or int(resolution) not in H3_RESOLUTIONS:
        msg = f"H3 resolution must be an integer {H3_RESOLUTIONS.start}..{H3_RESOLUTIONS.stop - 1}, got {resolution!r}"
        raise AnalysisError(msg)
    return int(resolution)


def h3_cells(incidents: gpd.GeoDataFrame, *, resolution: int = 9) -> NDArray[np.str_]:
    """The H3 cell (string id) of each incident at ``resolution`` (9: 0.105 km^2, 348 m edge to edge)."""
    check_points(incidents)
    res = _check_resolution(resolution)
    pts = to_wgs84(incidents).geometry
    lat = pts.y.to_numpy()
    lon = pts.x.to_numpy()
    return np.array([h3.latlng_to_cell(a, b, res) for a, b in zip(lat, lon, strict=True)], dtype=object)


def h3_study_cells(cells: NDArray[Any], *, rings: int = 1) -> list[str]:
    """The study area for hexagon statistics (sorted cell ids).

    Every cell whose centre lies in the bounding box of the occupied cells, plus the
    occupied cells and ``rings`` rings of neighbours around them, so that empty ground
    between incidents counts as it does on the square grid.
    """
    occupied = sorted(set(cells.tolist()))
    if not occupied:
        return []
    res = h3.get_resolution(occupied[0])
    centres = np.array([h3.cell_to_latlng(c) for c in occupied])
    lat0, lng0 = centres.min(axis=0)
    lat1, lng1 = centres.max(axis=0)
    out: set[str] = set()
    if lat1 > lat0 and lng1 > lng0:
        box = h3.LatLngPoly([(lat0, lng0), (lat0, lng1), (lat1, lng1), (lat1, lng0)])
        out.update(h3.h3shape_to_cells(box, res))
    for c in occupied:
        out.update(h3.grid_disk(c, rings))
    return sorted(out)


def h3_area_cells(area_metric: BaseGeometry, *, resolution: int) -> list[str]:
    """H3 cells (sorted ids) whose centre lies in a polygonal area given in EPSG:32611 metres."""
    res = _check_resolution(resolution)
    lonlat = shapely.transform(area_metric, lambda c: np.column_stack(metric_to_lonlat(c[:, 0], c[:, 1])))
    return sorted(h3.geo_to_cells(lonlat, res))


def h3_neighbours(cells: list[str]) -> sparse.csr_matrix:
    """Binary neighbour matrix **including self** (ring 1) among ``cells``, CSR."""
    index = {c: i for i, c in enumerate(cells)}
    rows: list[int] = []
    cols: list[int] = []
    for i, c in enumerate(cells):
        for nb in h3.grid_disk(c, 1):
            j = index.get(nb)
            if j is not None:
                rows.append(i)
                cols.append(j)
    data = np.ones(len(rows), dtype=float)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(cells), len(cells)))


def h3_polygons(cells: list[str]) -> NDArray[Any]:
    """Hexagon outlines in EPSG:4326 for H3 cell ids."""
    out = []
    for c in cells:
        ring = [(lng, lat) for lat, lng in h3.cell_to_boundary(c)]
        out.append(shapely.Polygon(ring))
    return np.array(out, dtype=object)


def hex_counts(incidents: gpd.GeoDataFrame, *, resolution: int = 9, keep_empty: bool = False) -> gpd.GeoDataFrame:
    """Incident counts on H3 hexagons.

    Parameters
    ----------
    incidents
        Point GeoDataFrame (EPSG:4326 or EPSG:32611).
    resolution
        H3 resolution (5..12; 9 has cells of 0.105 km^2 on average, 348 m edge to edge, h3 4.x).
    keep_empty
        Also return the empty ring of cells around the occupied ones.

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326: ``h3, count`` and hexagon polygons.
    """
    per_incident = h3_cells(incidents, resolution=resolution)
    cells = h3_study_cells(per_incident, rings=1) if keep_empty else sorted(set(per_incident.tolist()))
    index = {c: i for i, c in enumerate(cells)}
    counts = np.bincount([index[c] for c in per_incident], minlength=len(cells)).astype(np.int64)
    return gpd.GeoDataFrame({"h3": cells, "count": counts}, geometry=h3_polygons(cells), crs=WGS84)


__all__ = [
    "METRIC",
    "SquareGrid",
    "h3_area_cells",
    "h3_cells",
    "h3_neighbours",
    "h3_polygons",
    "h3_study_cells",
    "hex_counts",
    "make_grid",
    "square_counts",
]
