"""Every row accounted for: the checks every source shares and the quarantine of dropped rows.

A loader builds a *staged* frame (canonical columns, possibly with missing ids, dates or
coordinates) beside the raw text of the same rows, then hands both to an accountant. The
accountant decides for each row, in a fixed order, the first reason to drop it:

``missing_id``, ``unparseable_date``, ``date_out_of_range``, ``no_coordinates``, ``zero_coordinates``,
``outside_la_county``, ``duplicate_id`` (incidents); ``missing_id``, ``no_geometry``,
``outside_la_county``, ``duplicate_id`` (places); plus ``malformed_row`` for a line the CSV
parser could not split and any reason a loader sets itself. Kept rows become the canonical table;
dropped rows (raw text, with ``source_row`` and ``reason``) become the quarantine, so
``rows_in == rows_kept + sum(dropped.values())`` always holds.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.core.bulk import points_from_xy
from geo.core.categories import PER_VICTIM_SOURCES
from geo.core.errors import DataError
from geo.core.projection import WGS84
from geo.core.schema import INCIDENT_DTYPES, PLACE_COLUMNS, PLACE_DTYPES, TZ
from geo.data.sources._csv import norm_key

LA_COUNTY_BBOX = (-118.96, 32.79, -117.64, 34.83)
"""Bounding box of Los Angeles County incl. Catalina and San Clemente (lon/lat min, max; EPSG:4326)."""
EARLIEST_YEAR = 1900
"""Dates before this year are placeholders (NIBRS uses 1800 as a sentinel) and are dropped."""
QUARANTINE_FIRST = ("source_row", "reason")
NAME_FIELDS = frozenset({"first_name", "middle_name", "last_name", "first", "middle", "last", "slug", "image", "name"})
"""Victim-name fields of the LA Times files: never stored, not even in the quarantine."""

Table = Literal["incidents", "places", "survey", "requests", "services", "addresses"]


@dataclass
class LoadResult:
    """What a loader returns: the kept rows, the dropped rows and the counts that tie them together."""

    kind: str
    table: Table
    source: str
    origin: str
    """The file path or URL the rows came from."""
    frame: gpd.GeoDataFrame
    quarantine: pd.DataFrame
    rows_in: int
    dropped: dict[str, int]
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_kept(self) -> int:
        """Number of rows in the canonical table."""
        return len(self.frame)

    def check(self) -> LoadResult:
        """Raise :class:`DataError` unless ``rows_in == rows_kept + sum(dropped)`` and the quarantine agrees."""
        total = self.rows_kept + sum(self.dropped.values())
        if total != self.rows_in or len(self.quarantine) != sum(self.dropped.values()):
            msg = (
                f"row accounting failed for {self.origin}: rows_in={self.rows_in}, kept={self.rows_kept}, "
                f"dropped={self.dropped}, quarantined={len(self.quarantine)}"
            )
            raise DataError(msg)
        return self

    def summary(self) -> dict[str, Any]:
        """The counts as a plain dict (kind, rows_in, rows_kept, dropped)."""
        return {
            "kind": self.kind,
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "dropped": dict(sorted(self.dropped.items())),
        }


def text_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """JSON records as an all-text frame (``None`` -> ``""``), dropping victim-name fields."""
    df = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    df = df.drop(columns=[c for c in df.columns if str(c).lower() in NAME_FIELDS])
    return df.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).astype("str")


def api_rows(
    records: list[dict[str, Any]], *, required: tuple[str, ...], origin: str
) -> tuple[pd.DataFrame, dict[str, str]]:
    """API rows as an all-text frame (:func:`text_frame`) and its normalised key -> column; rows that lack a
    ``required`` field are refused, naming it (an empty answer is no rows, not an error)."""
    raw = text_frame(records)
    keys = {norm_key(str(c)): str(c) for c in raw.columns}
    missing = [k for k in required if k not in keys]
    if len(raw) and missing:
        msg = f"{origin}: the API rows lack fields {missing}; got {sorted(keys)[:12]}"
        raise DataError(msg)
    return raw, keys


def in_la_county(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where (lon, lat) in degrees (EPSG:4326) lies in :data:`LA_COUNTY_BBOX`."""
    x0, y0, x1, y1 = LA_COUNTY_BBOX
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


UNIT_VICTIMS = "victims"
UNIT_INCIDENTS = "incidents"


class _Base:
    def __init__(self, *, kind: str, source: str, origin: str) -> None:
        self.kind, self.source, self.origin = kind, source, origin
        self.rows_in = 0
        self.counts: Counter[str] = Counter()
        self.kept: list[pd.DataFrame] = []
        self.dropped: list[pd.DataFrame] = []
        self.seen = SeenIds()
        self.notes: dict[str, Any] = {}

    def _note_swapped(self, reason: np.ndarray, swapped: np.ndarray) -> None:
        """Count rows about to be dropped as outside the county that fit it with lat and lon exchanged."""
        n = int((swapped & (reason == "")).sum())
        if n:
            self.notes["swapped_coordinates"] = self.notes.get("swapped_coordinates", 0) + n

    def dated_points(
        self,
        staged: pd.DataFrame,
        *,
        preset: np.ndarray | None,
        id_col: str,
        date_col: str,
        now: pd.Timestamp | None = None,
    ) -> np.ndarray:
        """The first reason to drop each row of dated points (``""`` to keep), in the order of the module docstring:
        ``missing_id``, ``unparseable_date``, ``date_out_of_range``, ``no_coordinates``, ``zero_coordinates``,
        ``outside_la_county`` (``lat``/``lon`` in degrees, EPSG:4326); ``preset`` reasons win."""
        n = len(staged)
        reason = np.full(n, "", dtype=object) if preset is None else np.asarray(preset, dtype=object).copy()
        ids = staged[id_col]
        _mark(reason, ids.isna().to_numpy() | (ids.fillna("").str.strip() == "").to_numpy(), "missing_id")
        when = staged[date_col]
        _mark(reason, when.isna().to_numpy(), "unparseable_date")
        limit = (now or pd.Timestamp.now(tz=TZ)) + pd.Timedelta(days=1)
        year_ok = (when.dt.year >= EARLIEST_YEAR).to_numpy(dtype=bool, na_value=False)
        future = (when > limit).to_numpy(dtype=bool, na_value=False)
        _mark(reason, ~year_ok | future, "date_out_of_range")
        lat = staged["lat"].to_numpy(dtype=float, na_value=np.nan)
        lon = staged["lon"].to_numpy(dtype=float, na_value=np.nan)
        _mark(reason, ~np.isfinite(lat) | ~np.isfinite(lon), "no_coordinates")
        _mark(reason, (lat == 0) | (lon == 0), "zero_coordinates")
        with np.errstate(invalid="ignore"):
            self._note_swapped(reason, ~in_la_county(lon, lat) & in_la_county(lat, lon))
            _mark(reason, ~in_la_county(lon, lat), "outside_la_county")
        return reason

    def malformed(self, rows: list[Any]) -> None:
        """Account for rows the CSV parser could not split (objects with ``row`` and ``text``)."""
        if not rows:
            return
        self.rows_in += len(rows)
        self.counts["malformed_row"] += len(rows)
        self.dropped.append(
            pd.DataFrame(
                {
                    "source_row": pd.array([r.row for r in rows], dtype="Int64"),
                    "reason": "malformed_row",
                    "raw_line": [r.text for r in rows],
                }
            )
        )

    def _split(
        self, staged: pd.DataFrame, raw: pd.DataFrame, reason: np.ndarray, ids: pd.Series, source_row: np.ndarray
    ) -> None:
        # Duplicates are judged last, among rows that pass every other check: the first one wins.
        ok = reason == ""
        dup = np.zeros(len(staged), dtype=bool)
        ok_idx = np.flatnonzero(ok)
        if len(ok_idx):
            dup[ok_idx] = self.seen.repeated(ids.iloc[ok_idx])
        reason[dup] = "duplicate_id"
        keep = reason == ""
        n = len(staged)
        self.rows_in += n
        self.counts.update(reason[~keep].tolist())
        if keep.all():  # the usual block: no copy of the kept rows
            self.kept.append(staged.assign(_row=source_row))
        elif keep.any():
            self.kept.append(staged.loc[keep].assign(_row=source_row[keep]))
        if (~keep).any():
            q = raw.loc[~keep].copy()
            q.insert(0, "reason", reason[~keep])
            q.insert(0, "source_row", pd.array(source_row[~keep], dtype="Int64"))
            self.dropped.append(q)

    def _result(self, table: Table, frame: gpd.GeoDataFrame) -> LoadResult:
        """The checked result: kept rows, quarantine and counts (``rows_in == kept + dropped``)."""
        return LoadResult(
            kind=self.kind,
            table=table,
            source=self.source,
            origin=self.origin,
            frame=frame,
            quarantine=self._quarantine(),
            rows_in=self.rows_in,
            dropped=dict(self.counts),
            notes=self.notes,
        ).check()

    def _quarantine(self) -> pd.DataFrame:
        if not self.dropped:
            return pd.DataFrame({"source_row": pd.array([], dtype="Int64"), "reason": pd.Series([], dtype="str")})
        q = pd.concat(self.dropped, ignore_index=True)
        rest = [c for c in q.columns if c not in QUARANTINE_FIRST]
        q = q[[*QUARANTINE_FIRST, *rest]]
        for c in rest:
            q[c] = q[c].fillna("").astype("str")
        return q.sort_values("source_row", kind="stable", na_position="last").reset_index(drop=True)


class SeenIds:
    """The ids met so far in a load, to find an id repeated within a block or from an earlier one.

    Ids of one form, a common prefix and a fixed number of digits (``lapd:`` and the 9-digit
    ``DR_NO``), are kept as integers: for a million ids that is 0.08 s against 0.4 s as text. The
    fixed width keeps it exact (``x:01`` and ``x:1`` never meet). The first id of another form turns
    what was kept back into text, and text it stays.
    """

    def __init__(self) -> None:
        self._keys: set[Any] = set()
        self._form: tuple[str, int] | None = None  # (prefix, digits) while every id so far had that form
        self._text = False

    def repeated(self, ids: pd.Series) -> np.ndarray:
        """For each of ``ids`` (text, no NA), whether it was met before (earlier in ``ids`` or in an earlier call)."""
        keys = self._as_keys(ids)
        found: np.ndarray = pd.Series(keys).duplicated().to_numpy().copy()
        listed = keys.tolist()
        if not self._keys.isdisjoint(listed):  # rare: an id met in an earlier block
            found |= np.fromiter(map(self._keys.__contains__, listed), dtype=bool, count=len(listed))
        self._keys.update(listed)
        return found

    def _as_keys(self, ids: pd.Series) -> np.ndarray:
        if not self._text and len(ids):
            try:
                arr = pa.array(ids.array, type=pa.string())
            except (pa.ArrowException, TypeError, ValueError):  # not text: compared as objects
                arr = None
            form = self._form or _digit_form(str(ids.iloc[0]))
            if arr is not None and form is not None and _has_form(arr, form):
                self._form = form
                return np.asarray(pc.cast(pc.utf8_slice_codeunits(arr, len(form[0])), pa.int64()).to_numpy())
            if self._form is not None:
                prefix, width = self._form
                self._keys = {f"{prefix}{k:0{width}d}" for k in self._keys}
            self._text = True
        # cast: pandas-stubs type na_value as a Scalar, leaving out the None that pandas takes
        return np.asarray(ids.to_numpy(dtype=object, na_value=cast(Any, None)), dtype=object)


MAX_INT_DIGITS = 18
"""The most digits an id's number may have to be kept as an integer (int64 holds 18 for sure)."""


def _digit_form(first: str) -> tuple[str, int] | None:
    """``(prefix, digits)`` of an id such as ``lapd:010304468``; None when it does not end in 1-18 digits."""
    found = re.fullmatch(r"(.*?)(\d+)", first, flags=re.DOTALL)
    if found is None or len(found.group(2)) > MAX_INT_DIGITS:
        return None
    return found.group(1), len(found.group(2))


def _has_form(arr: pa.Array, form: tuple[str, int]) -> bool:
    prefix, width = form
    pattern = f"^{re.escape(prefix)}[0-9]{{{width}}}$"
    return bool(pc.all(pc.match_substring_regex(arr, pattern)).as_py())


def _mark(reason: np.ndarray, mask: np.ndarray, why: str) -> None:
    reason[(reason == "") & mask] = why


class IncidentAccountant(_Base):
    """Collects staged incident blocks; see the module docstring for the order of checks.

    ``notes['unit']`` (stored in the layer's metadata) says what a row counts: ``victims`` for
    per-victim sources (LA Times), ``incidents`` for every other source.
    """

    def __init__(self, *, kind: str, source: str, origin: str) -> None:
        super().__init__(kind=kind, source=source, origin=origin)
        self.notes["unit"] = UNIT_VICTIMS if source in PER_VICTIM_SOURCES else UNIT_INCIDENTS

    def add(
        self,
        staged: pd.DataFrame,
        raw: pd.DataFrame,
        *,
        source_row: np.ndarray,
        preset: np.ndarray | None = None,
        now: pd.Timestamp | None = None,
    ) -> None:
        """Account for one block.

        Parameters
        ----------
        staged
            Canonical incident columns (no geometry); ``lat``/``lon`` in degrees (EPSG:4326), may be NaN;
            ``occurred_at`` tz-aware (America/Los_Angeles), may be NaT; extra columns are kept after.
        raw
            The same rows as text, same index, written to the quarantine when dropped.
        source_row
            1-based data-row number of each row in the source.
        preset
            Optional reasons set by the loader (``""`` for none); they win over the shared checks.
        """
        if len(staged) != len(raw) or len(staged) != len(source_row):
            msg = f"staged ({len(staged)}), raw ({len(raw)}) and source_row ({len(source_row)}) differ in length"
            raise DataError(msg)
        staged = staged.reset_index(drop=True)
        raw = raw.reset_index(drop=True)
        reason = self.dated_points(staged, preset=preset, id_col="incident_id", date_col="occurred_at", now=now)
        self._split(staged, raw, reason, staged["incident_id"], np.asarray(source_row))

    def result(self) -> LoadResult:
        """The canonical incidents (EPSG:4326) and the quarantine."""
        if self.kept:
            df = pd.concat(self.kept, ignore_index=True)
            if not df["_row"].is_monotonic_increasing:  # blocks arrive in file order: sorting is rarely needed
                df = df.sort_values("_row", kind="stable")
            df = df.drop(columns="_row").reset_index(drop=True)
        else:
            df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in INCIDENT_DTYPES.items()})
        for col, dtype in INCIDENT_DTYPES.items():
            if col not in df.columns:
                df[col] = pd.Series(pd.NA if dtype != "bool" else False, index=df.index)
            if str(df[col].dtype) != dtype:
                df[col] = df[col].astype(pd.api.types.pandas_dtype(dtype))
        extra = [c for c in df.columns if c not in INCIDENT_DTYPES]
        for c in extra:
            df[c] = df[c].astype("string")
        df = df[[*INCIDENT_DTYPES, *extra]]
        geom = points_from_xy(df["lon"].to_numpy(), df["lat"].to_numpy(), crs=WGS84)
        gdf = gpd.GeoDataFrame(df, geometry=geom, crs=WGS84)
        gdf = gdf[[*INCIDENT_DTYPES, "geometry", *extra]]
        return self._result("incidents", gdf)


def repair(geoms: gpd.GeoSeries) -> tuple[gpd.GeoSeries, int]:
    """Make invalid polygons valid (``make_valid``, polygonal parts kept); return them and how many were fixed."""
    values = geoms.array
    present = ~geoms.isna().to_numpy() & ~geoms.is_empty.to_numpy()
    bad = present & ~shapely.is_valid(np.asarray(values, dtype=object))
    if not bad.any():
        return geoms, 0
    fixed = np.asarray(values, dtype=object).copy()
    for i in np.flatnonzero(bad):
        g = shapely.make_valid(fixed[i])
        if g.geom_type == "GeometryCollection":
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            g = shapely.union_all(parts) if parts else g
        fixed[i] = g
    return gpd.GeoSeries(fixed, index=geoms.index, crs=geoms.crs), int(bad.sum())


class PlaceAccountant(_Base):
    """Collects staged place frames (``place_id, name, kind, source, approximate, geometry`` + extras)."""

    def add(
        self,
        staged: gpd.GeoDataFrame,
        raw: pd.DataFrame,
        *,
        source_row: np.ndarray,
        preset: np.ndarray | None = None,
        points_in_county: bool = True,
    ) -> None:
        """Account for one frame; invalid polygons are repaired and counted in ``notes['repaired_geometries']``.

        ``points_in_county`` drops point places outside :data:`LA_COUNTY_BBOX`; polygons are never
        dropped for position (a loader may preset ``outside_la_county`` from an attribute instead).
        """
        if staged.crs is None:
            msg = f"{self.origin}: the layer has no CRS; refusing to guess one (add a .prj or set EPSG:4326)"
            raise DataError(msg)
        staged = staged.reset_index(drop=True)
        raw = raw.reset_index(drop=True)
        n = len(staged)
        reason = np.full(n, "", dtype=object) if preset is None else np.asarray(preset, dtype=object).copy()
        ids = staged["place_id"]
        _mark(reason, ids.isna().to_numpy() | (ids.fillna("").str.strip() == "").to_numpy(), "missing_id")
        geoms = staged.geometry
        _mark(reason, (geoms.isna() | geoms.is_empty).to_numpy(), "no_geometry")
        if points_in_county:
            is_pt = (geoms.geom_type == "Point").to_numpy(dtype=bool, na_value=False)
            usable = is_pt & (reason == "")
            if usable.any():
                x = np.full(n, np.nan)
                y = np.full(n, np.nan)
                x[usable] = shapely.get_x(np.asarray(geoms.array, dtype=object)[usable])
                y[usable] = shapely.get_y(np.asarray(geoms.array, dtype=object)[usable])
                self._note_swapped(reason, usable & ~in_la_county(x, y) & in_la_county(y, x))
                _mark(reason, usable & ~in_la_county(x, y), "outside_la_county")
        fixed, repaired = repair(geoms)
        staged = staged.set_geometry(fixed)
        self.notes["repaired_geometries"] = self.notes.get("repaired_geometries", 0) + repaired
        self._split(staged, raw, reason, ids, np.asarray(source_row))

    def result(self) -> LoadResult:
        """The canonical places (EPSG:4326) and the quarantine."""
        if self.kept:
            gdf = gpd.GeoDataFrame(pd.concat(self.kept, ignore_index=True), geometry="geometry", crs=WGS84)
            gdf = gdf.sort_values("_row", kind="stable").drop(columns="_row").reset_index(drop=True)
        else:
            df = pd.DataFrame({c: pd.Series(dtype=t) for c, t in PLACE_DTYPES.items()})
            gdf = gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
        extra = [c for c in gdf.columns if c not in PLACE_COLUMNS]
        gdf = gdf[[*PLACE_COLUMNS, *extra]]
        for col, dtype in PLACE_DTYPES.items():
            if str(gdf[col].dtype) != dtype:
                gdf[col] = gdf[col].astype(dtype)
        return self._result("places", gdf)
