"""Places: parks, public housing, LAPD divisions/reporting districts/bureaus/stations, neighborhoods,
council districts, from GeoJSON, shapefiles, GeoPackage, GeoParquet, point CSVs and HUD CSV/xlsx.

Output is the canonical place table (``place_id, name, kind, source, approximate, geometry`` in
EPSG:4326) followed by ``zone_key`` (the key crime rows join on: division number = crime ``AREA``,
reporting district number = ``Rpt Dist No`` without leading zeros, council district number) and every
original attribute as text (names that clash with a canonical column are left out).
Invalid polygons are repaired with ``make_valid`` and counted; a layer without a CRS is refused.
"""

from __future__ import annotations

import re
import string
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.errors import DataError
from geo.core.projection import WGS84, to_wgs84
from geo.core.schema import PLACE_COLUMNS
from geo.core.store import read_vector
from geo.data.sources import _parse as P
from geo.data.sources._accounting import LA_COUNTY_BBOX, LoadResult, PlaceAccountant
from geo.data.sources._csv import CsvHead, iter_csv_blocks, norm_key, note_encoding, read_head

PLACE_KIND_OF = {
    "divisions": "division",
    "reporting_districts": "reporting_district",
    "neighborhoods": "neighborhood",
    "council_districts": "council_district",
    "bureaus": "bureau",
    "parks": "park",
    "housing": "housing",
    "stations": "station",
}
"""Ingest kind -> canonical place ``kind``."""
VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".parquet", ".geoparquet", ".zip")
LAT_KEYS = ("lat", "latitude", "y")
LON_KEYS = ("lon", "lng", "long", "longitude", "x")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _title(s: pd.Series) -> pd.Series:
    return s.map(lambda v: string.capwords(v) if isinstance(v, str) else v).astype("string")


@dataclass(frozen=True)
class _Spec:
    id_keys: tuple[str, ...]
    name_keys: tuple[str, ...]
    zone_keys: tuple[str, ...] = ()
    name_fmt: str | None = None
    titlecase: bool = False


SPECS: dict[str, _Spec] = {
    "divisions": _Spec(("prec", "number", "division"), ("name", "aprec", "division"), ("prec", "number"), None, True),
    "reporting_districts": _Spec(("repdist", "number", "rd"), (), ("repdist", "number", "rd"), "RD {}"),
    "council_districts": _Spec(("district", "cd", "number"), (), ("district", "cd", "number"), "Council District {}"),
    "neighborhoods": _Spec(("slug", "name"), ("name",)),
    "bureaus": _Spec(("name", "bureau"), ("name", "bureau"), (), None, True),
    "parks": _Spec(("parkid", "id", "objectid", "fid", "name"), ("name", "parkname", "pname", "unitname")),
    "housing": _Spec(("developmentid", "projectid", "objectid"), ("developmentname", "projectname", "name"), (), None),
    "stations": _Spec(("prec", "fid"), ("division", "name"), ("prec",), None, True),
}


def guess_place_kind(keys: set[str], *, hint: str = "") -> str | None:
    """Ingest kind of a place layer from its normalised attribute names (and a file or layer name hint)."""
    hint = hint.lower()
    if {"developmentid", "developmentname"} <= keys or "projectname" in keys:
        return "housing"
    if "repdist" in keys and "geometry" in keys:
        return "reporting_districts"
    if {"prec", "aprec"} <= keys or ({"number", "name"} <= keys and ({"squaremil", "phonenumb"} & keys)):
        return "divisions"
    if {"prec", "division"} <= keys and ({"x", "y"} <= keys or "geometry" in keys):
        return "stations"
    if "district" in keys:
        return "council_districts"
    if {"name", "slug"} <= keys:
        return "neighborhoods"
    if keys - {"geometry", "objectid", "fid"} == {"number"}:
        return "reporting_districts"
    if "bureau" in hint and "name" in keys:
        return "bureaus"
    if "park" in hint or "parkname" in keys:
        return "parks"
    return None


def _pick(keys: dict[str, str], options: tuple[str, ...]) -> str | None:
    return next((keys[k] for k in options if k in keys), None)


def stage(
    gdf: gpd.GeoDataFrame, *, kind: str, source: str, origin: str, preset: np.ndarray | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Map a raw layer (any CRS, attributes as read) to staged canonical places plus its text form.

    Returns
    -------
    (staged, raw)
        ``staged`` in EPSG:4326 with canonical columns, ``zone_key`` and the original attributes as
        text; ``raw`` the attributes as text with the geometry as WKT (for the quarantine).
    """
    if kind not in SPECS:
        msg = f"unknown place kind {kind!r}; expected one of {sorted(SPECS)}"
        raise DataError(msg)
    if gdf.crs is None:
        msg = f"{origin}: the layer has no CRS; refusing to guess one (add a .prj or set EPSG:4326)"
        raise DataError(msg)
    gdf = to_wgs84(gdf).reset_index(drop=True)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    attrs = attrs.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).astype("str")
    attrs.columns = [str(c) for c in attrs.columns]
    keys = {norm_key(c): c for c in attrs.columns}
    spec = SPECS[kind]
    id_col = _pick(keys, spec.id_keys)
    name_col = _pick(keys, spec.name_keys)
    zone_col = _pick(keys, spec.zone_keys)
    empty = pd.Series(pd.NA, index=attrs.index, dtype="string")
    zone = P.digits_key(attrs[zone_col]) if zone_col else empty
    ident = P.digits_key(attrs[id_col]) if id_col else empty
    if kind in ("neighborhoods", "bureaus") and id_col:
        ident = P.text(attrs[id_col]).map(lambda v: _slug(v) if isinstance(v, str) else v).astype("string")
    if spec.name_fmt:
        fmt = spec.name_fmt
        name = zone.map(lambda v: fmt.format(v) if isinstance(v, str) else v).astype("string")
    elif name_col:
        name = P.text(attrs[name_col])
        name = _title(name) if spec.titlecase and (name.str.upper() == name).fillna(False).all() else name
    else:
        name = empty
    place_kind = PLACE_KIND_OF[kind]
    staged = pd.DataFrame(
        {
            "place_id": (place_kind + ":" + ident).astype("string"),
            "name": name.fillna(ident).astype("string"),
            "kind": place_kind,
            "source": source,
            "approximate": False,
            "zone_key": zone,
        }
    )
    extras = attrs[[c for c in attrs.columns if c not in (*PLACE_COLUMNS, "zone_key")]]
    staged = pd.concat([staged, extras], axis=1)
    out = gpd.GeoDataFrame(staged, geometry=gdf.geometry.array, crs=WGS84)
    raw = attrs.assign(geometry_wkt=gdf.geometry.to_wkt().fillna("").astype("str"))
    return out, raw


def from_frame(
    gdf: gpd.GeoDataFrame,
    *,
    kind: str | None,
    source: str,
    origin: str,
    hint: str = "",
    points_in_county: bool = True,
) -> LoadResult:
    """Canonical places from a GeoDataFrame (a file read, or an ArcGIS query)."""
    keys = {norm_key(str(c)) for c in gdf.columns} | {"geometry"}
    kind = kind or guess_place_kind(keys, hint=hint)
    if kind is None:
        msg = (
            f"{origin}: cannot tell what kind of places these are (attributes {sorted(keys)[:12]}); "
            f"pass --kind one of {sorted(SPECS)}"
        )
        raise DataError(msg)
    preset = None
    county = next((c for c in gdf.columns if norm_key(str(c)) == "county"), None)
    if county is not None:
        values = gdf[county].astype("string").str.strip().str.lower().fillna("")
        preset = np.where(values.isin(["", "los-angeles", "los angeles"]).to_numpy(), "", "outside_la_county")
    staged, raw = stage(gdf, kind=kind, source=source, origin=origin)
    acc = PlaceAccountant(kind=kind, source=source, origin=origin)
    acc.add(staged, raw, source_row=np.arange(1, len(staged) + 1), preset=preset, points_in_county=points_in_county)
    return acc.result()


def load_vector(path: str | Path, *, kind: str | None = None) -> LoadResult:
    """Read a polygon/point layer file (GeoJSON, shapefile, GeoPackage, GeoParquet) into canonical places.

    Raises
    ------
    DataError
        Unreadable file, no CRS, or a layer whose kind cannot be told (pass ``kind``).
    """
    path = Path(path)
    gdf = read_vector(path)
    if len(gdf) == 0:
        msg = f"{path} holds no features"
        raise DataError(msg)
    if bool(gdf.geometry.has_z.any()):  # heights mean nothing on a flat map, and PostGIS tables are 2-D
        gdf = gdf.set_geometry(gdf.geometry.force_2d())
    check_position(gdf, path.name)
    source = "geohub" if "lapd_division_" in path.name.lower() else f"file:{path.name}"
    if path.suffix.lower() == ".shp":
        in_latimes = any("latimes" in part.lower() for part in path.parts[-2:])  # the LA Times' boundary files
        source = "latimes_boundaries" if in_latimes and path.with_suffix(".prj").exists() else source
    return from_frame(gdf, kind=kind, source=source, origin=str(path), hint=path.stem)


NEAR_LA_DEGREES = 1.0
"""How far (degrees) beyond :data:`LA_COUNTY_BBOX` a layer may reach and still be taken for Los Angeles."""


def _near_la(x0: float, y0: float, x1: float, y1: float) -> bool:
    a0, b0, a1, b1 = LA_COUNTY_BBOX
    m = NEAR_LA_DEGREES
    return x0 <= a1 + m and x1 >= a0 - m and y0 <= b1 + m and y1 >= b0 - m


def check_position(gdf: gpd.GeoDataFrame, name: str) -> None:
    """Refuse a layer whose coordinates cannot be where its CRS says: not degrees at all once in EPSG:4326 (feet or
    metres under a WGS 84 ``.prj``), latitude and longitude swapped, or nowhere near Los Angeles."""
    try:
        x0, y0, x1, y1 = (float(v) for v in to_wgs84(gdf).total_bounds)
    except (ValueError, RuntimeError) as exc:
        msg = f"{name}: its coordinates cannot be read in its CRS ({exc})"
        raise DataError(msg) from exc
    if not np.isfinite([x0, y0, x1, y1]).all():
        return  # no geometry to place: the rows are accounted for as no_geometry
    declared = gdf.crs.to_string() if gdf.crs is not None else "none"
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        if _near_la(y0, x0, y1, x1):
            msg = (
                f"{name}: latitudes reach {min(y0, x0):g}: the latitude and longitude look swapped; nothing was stored"
            )
        else:
            msg = (
                f"{name}: coordinates up to {max(abs(x0), abs(x1), abs(y0), abs(y1)):,.0f} are not degrees, but its "
                f"CRS says {declared}: they look like feet or metres (fix or replace the .prj); nothing was stored"
            )
        raise DataError(msg)
    if not _near_la(x0, y0, x1, y1):
        hint = " the latitude and longitude look swapped;" if _near_la(y0, x0, y1, x1) else ""
        msg = (
            f"{name}: the layer lies at longitude {x0:.2f}..{x1:.2f}, latitude {y0:.2f}..{y1:.2f}, nowhere near Los "
            f"Angeles;{hint} check its CRS ({declared}); nothing was stored"
        )
        raise DataError(msg)


def _points(head: CsvHead) -> tuple[str, str]:
    lat = _pick(head.keys, LAT_KEYS)
    lon = _pick(head.keys, LON_KEYS)
    if lat is None or lon is None:
        msg = f"{head.path}: no coordinate columns (expected lat/lon, lng/lat, LATITUDE/LONGITUDE or X/Y)"
        raise DataError(msg)
    return lat, lon


def load_points_csv(
    path: str | Path, *, kind: str = "parks", source: str | None = None, head: CsvHead | None = None
) -> LoadResult:
    """Read a CSV of points (``lat``/``lon``, ``lng``/``lat``, ``LATITUDE``/``LONGITUDE`` or ``X``/``Y``).

    Used for CPAD park points, HUD public-housing CSVs and LAPD station CSVs; points outside
    LA County are dropped as ``outside_la_county`` (HUD rows by their ``COUNTY_NAME``/``STATE_NAME``).
    """
    path = Path(path)
    head = head or read_head(path)
    lat, lon = _points(head)
    source = source or _default_source(kind)
    acc = PlaceAccountant(kind=kind, source=source, origin=str(path))
    row0 = 1
    for block, bad in iter_csv_blocks(head):
        acc.malformed(bad)
        if block.empty:
            continue
        _add_points(acc, block, lat=lat, lon=lon, kind=kind, source=source, origin=str(path), row0=row0)
        row0 += len(block) + len(bad)
    if acc.rows_in == 0:
        msg = f"{path} has a header but no data rows"
        raise DataError(msg)
    note_encoding(acc.notes, head)
    return acc.result()


def _default_source(kind: str) -> str:
    return {"parks": "cpad", "housing": "hud_reac", "stations": "geohub"}.get(kind, kind)


def _add_points(
    acc: PlaceAccountant, block: pd.DataFrame, *, lat: str, lon: str, kind: str, source: str, origin: str, row0: int
) -> None:
    x, y = P.numbers(block[lon]), P.numbers(block[lat])
    ok = np.isfinite(x) & np.isfinite(y) & ~((x == 0) & (y == 0))
    geom = gpd.points_from_xy(np.where(ok, x, 0), np.where(ok, y, 0), crs=WGS84)
    geom[~ok] = None
    gdf = gpd.GeoDataFrame(block.drop(columns=[lat, lon]), geometry=geom, crs=WGS84)
    keys = {norm_key(c): c for c in block.columns}
    preset = np.full(len(block), "", dtype=object)
    state, county = keys.get("statename") or keys.get("state"), keys.get("countyname")
    if state and county:
        inside = (block[state].str.strip().str.upper().isin(["CA", "CALIFORNIA"])) & (
            block[county].str.strip().str.lower() == "los angeles"
        )
        preset[~inside.to_numpy()] = "outside_la_county"
    staged, _ = stage(gdf, kind=kind, source=source, origin=origin)
    staged = staged.drop(columns=[c for c in (lat, lon) if c in staged.columns])
    acc.add(staged, block, source_row=np.arange(row0, row0 + len(block)), preset=preset)


def load_excel(
    path: str | Path, *, kind: str = "housing", reader: Callable[..., pd.DataFrame] | None = None
) -> LoadResult:
    """Read the first sheet of an ``.xlsx`` point table (HUD inspection scores) into canonical places."""
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's style warnings say nothing about the data
            df = (reader or pd.read_excel)(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except (OSError, ValueError, KeyError) as exc:
        msg = f"cannot read {path} as an Excel workbook: {exc}"
        raise DataError(msg) from exc
    except Exception as exc:  # openpyxl raises zipfile and XML errors on corrupt files
        msg = f"cannot read {path} as an Excel workbook: {type(exc).__name__}: {exc}"
        raise DataError(msg) from exc
    df.columns = [str(c).strip() for c in df.columns]
    df = df.astype("str")
    keys = {norm_key(c): c for c in df.columns}
    lat, lon = _pick(keys, LAT_KEYS), _pick(keys, LON_KEYS)
    if lat is None or lon is None:
        msg = f"{path}: no LATITUDE/LONGITUDE columns in the first sheet (got {list(df.columns)[:12]})"
        raise DataError(msg)
    if df.empty:
        msg = f"{path} has a header but no data rows"
        raise DataError(msg)
    source = _default_source(kind)
    acc = PlaceAccountant(kind=kind, source=source, origin=str(path))
    _add_points(acc, df, lat=lat, lon=lon, kind=kind, source=source, origin=str(path), row0=1)
    return acc.result()
