"""GPX tracks in, a local track store, and planned stops read back from a route GPX or a points file.

Tracks are read with gpxpy (GPX 1.0 and 1.1, as phones and watches write them). Only the time
(UTC), latitude and longitude (degrees, EPSG:4326) of each track point are kept: track and point
names, descriptions, device and creator ids, author, e-mail, links, keywords, elevation and every
extension (heart rate, cadence) are dropped on read and never reach the store. Every point read is
accounted for in :attr:`Track.report`: kept, or dropped with a reason.

The store is ``sources.store_dir/<dosage.store_subdir>/<track_id>.parquet`` on this computer
only; ``track_id`` is a hash of the kept points, so the same walk uploaded twice is stored once.
:func:`delete_tracks` removes them (``python -m geo tracks delete --all``).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import defusedxml
import defusedxml.ElementTree as defused
import geopandas as gpd
import gpxpy
import gpxpy.gpx
import numpy as np
import pandas as pd

from geo.core.errors import DataError
from geo.core.projection import WGS84, lonlat_to_metric
from geo.core.store import atomic_path, read_vector

POINT_COLUMNS = ("time", "lat", "lon")
"""The only columns a stored track has: UTC time, latitude and longitude (degrees, EPSG:4326)."""
PLAN_START_SYMBOL = "Flag, Green"
"""The waypoint symbol the planner's GPX gives the start (``geo.exports.gpx``); it is not a stop."""
DROP_REASONS = ("no_time", "bad_coordinates", "impossible_time", "duplicate_time")
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
"""Track times before this (a device clock never set, a GPS week rollover) are impossible."""
PAUSE_WITHIN_M = 2.0
"""A plan track's points this close to a stop (metres) are its planned pause there (GPX rounding is ~1 cm)."""


@dataclass(frozen=True)
class Track:
    """One uploaded track: its kept points and the accounting of every point read.

    ``points`` has ``time`` (UTC), ``lat`` and ``lon`` (EPSG:4326), sorted by time, one point per
    instant. ``report`` holds ``read``, ``kept``, one count per reason in :data:`DROP_REASONS`,
    ``reordered`` (points that came earlier than the point before them and were sorted) and
    ``naive_times`` (times without a zone, read in the configured zone).
    """

    track_id: str
    points: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


def _points_id(points: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    digest.update(points["time"].astype("int64").to_numpy().tobytes())
    digest.update(np.round(points[["lat", "lon"]].to_numpy(dtype=float), 6).tobytes())
    return digest.hexdigest()[:16]


_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?encoding=[\"']([A-Za-z0-9._-]{1,40})[\"']")


_UTF16 = (
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"), (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)  # fmt: skip
"""How a UTF-16 file begins: a byte-order mark, or ``<?`` in two bytes a character."""


def _decode(raw: bytes) -> str:
    """The file as text: UTF-16 by its byte-order mark or its first characters, else its declared encoding (UTF-8
    by default, a BOM dropped), else Latin-1."""
    for start, encoding in _UTF16:
        if raw.startswith(start):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                break
            return re.sub(r"^\s*<\?xml[^>]*\?>", "", text.lstrip("\ufeff"), count=1)
    found = _DECLARED.match(raw)
    encoding = found.group(1).decode("ascii") if found else "utf-8"
    try:
        text = raw.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except (LookupError, UnicodeDecodeError):
        text = raw.decode("latin-1")
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def _parse(source: bytes | str | Path, name: str, max_bytes: int) -> gpxpy.gpx.GPX:
    if isinstance(source, Path):
        try:
            raw = source.read_bytes()
        except OSError as exc:
            msg = f"{name}: cannot read the file: {exc.strerror or exc}"
            raise DataError(msg) from None
    elif isinstance(source, str):
        raw = source.encode("utf-8")
    else:
        raw = bytes(source)
    if len(raw) > max_bytes:
        msg = f"{name}: {len(raw) / 1e6:.1f} MB is larger than the {max_bytes / 1e6:.0f} MB allowed for a GPX file"
        raise DataError(msg)
    if not raw.strip():
        msg = f"{name}: the file is empty, not a GPX track"
        raise DataError(msg)
    text = _decode(raw)
    try:
        defused.fromstring(text, forbid_dtd=True)  # no DOCTYPE, no entity: a GPX needs none, and they can expand
    except defusedxml.DefusedXmlException as exc:
        msg = f"{name}: not a GPX track: it declares a document type or entities ({type(exc).__name__}), refused"
        raise DataError(msg) from None
    except defused.ParseError as exc:
        msg = f"{name}: not a readable GPX file ({str(exc).splitlines()[0][:200]})"
        raise DataError(msg) from None
    try:
        return gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        msg = f"{name}: not a readable GPX file ({first[:200]})"
        raise DataError(msg) from None


def _utc(value: dt.datetime, zone: ZoneInfo) -> tuple[dt.datetime, bool]:
    naive = value.tzinfo is None or value.utcoffset() is None
    aware = value.replace(tzinfo=zone) if naive else value
    return aware.astimezone(dt.UTC).replace(tzinfo=None), naive


def read_gpx(
    source: bytes | str | Path,
    *,
    name: str = "track",
    naive_time_zone: str,
    max_mb: float,
) -> Track:
    """Read the track points of a GPX 1.0/1.1 file, keeping only time and position.

    Parameters
    ----------
    source
        The file's bytes or text, or its path.
    name
        How the file is named in messages (never stored).
    naive_time_zone
        IANA zone of times written without a zone (the GPX standard says UTC).
    max_mb
        Larger files are refused.

    Returns
    -------
    Track
        Points in UTC and EPSG:4326 degrees, sorted by time; one point per instant (a second
        point at the same time is dropped as ``duplicate_time``); points without a time, with
        coordinates outside [-90, 90] x [-180, 180], or with a time before :data:`EARLIEST` or
        more than a day in the future are dropped and counted.

    Raises
    ------
    DataError
        Not GPX, no track points, or no track point with a time: without times the time spent at
        a stop cannot be measured, so such a track is refused for dosage.
    """
    zone = ZoneInfo(naive_time_zone)
    gpx = _parse(source, name, int(max_mb * 1e6))
    raw = [p for track in gpx.tracks for seg in track.segments for p in seg.points]
    if not raw:
        kinds = f"{len(gpx.waypoints)} waypoints and {len(gpx.routes)} routes"
        msg = f"{name}: no track points (<trkpt>) in the file, only {kinds}; a walked track is needed"
        raise DataError(msg)
    counts = dict.fromkeys(DROP_REASONS, 0)
    lat = np.array([p.latitude for p in raw], dtype=float)
    lon = np.array([p.longitude for p in raw], dtype=float)
    has_time = np.array([p.time is not None for p in raw])
    counts["no_time"] = int((~has_time).sum())
    good_xy = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    counts["bad_coordinates"] = int((has_time & ~good_xy).sum())
    keep = np.flatnonzero(has_time & good_xy)
    stamps = [_utc(raw[i].time, zone) for i in keep]  # type: ignore[arg-type]
    utc = pd.DatetimeIndex(np.array([s for s, _ in stamps], dtype="datetime64[ns]")).tz_localize("UTC")
    was_naive = np.array([n for _, n in stamps], dtype=bool)
    latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    possible = np.asarray((utc >= EARLIEST) & (utc <= latest), dtype=bool)
    counts["impossible_time"] = int((~possible).sum())
    naive = int(was_naive[possible].sum())
    times, lats, lons = utc[possible], lat[keep][possible], lon[keep][possible]
    if not len(times) and counts["no_time"] < len(raw):
        msg = f"{name}: none of its {len(raw)} track points has a usable time and position ({counts})"
        raise DataError(msg)
    if not len(times):
        msg = (
            f"{name}: none of its {len(raw)} track points has a time, so the time spent at a stop cannot be "
            "measured; record the walk with an app that stores times (GPX <time>)"
        )
        raise DataError(msg)
    frame = pd.DataFrame({"time": times, "lat": lats, "lon": lons})
    backwards = int((frame["time"].diff() < pd.Timedelta(0)).sum())
    frame = frame.sort_values("time", kind="stable")
    dup = frame["time"].duplicated(keep="first")
    counts["duplicate_time"] = int(dup.sum())
    frame = frame[~dup].reset_index(drop=True)
    report: dict[str, Any] = {
        "read": len(raw),
        "kept": len(frame),
        "dropped": dict(counts),
        "reordered": backwards,
        "naive_times": naive,
        "naive_time_zone": naive_time_zone if naive else None,
        "version": gpx.version,
        "first": frame["time"].iloc[0].isoformat(),
        "last": frame["time"].iloc[-1].isoformat(),
    }
    return Track(_points_id(frame), frame, report)


# --- the local store --------------------------------------------------------------------------------


def track_dir(store_dir: str | Path, subdir: str) -> Path:
    """Folder of the stored tracks (inside the local store, never anywhere else)."""
    return Path(store_dir) / subdir


def save_track(track: Track, *, folder: str | Path) -> Path:
    """Store ``track``'s points (time, lat, lon only) as ``<track_id>.parquet``; a stored id is left as is."""
    if not isinstance(track, Track):
        msg = f"expected a Track, got {type(track).__name__}"
        raise DataError(msg)
    dest = Path(folder) / f"{track.track_id}.parquet"
    if dest.exists():
        return dest
    points = track.points.loc[:, list(POINT_COLUMNS)].reset_index(drop=True)
    with atomic_path(dest, suffix=".parquet") as tmp:
        points.to_parquet(tmp, index=False)
    return dest


def _read_stored(path: Path) -> Track:
    try:
        points = pd.read_parquet(path)
    except (OSError, ValueError) as exc:
        msg = f"stored track {path.name} cannot be read: {exc}"
        raise DataError(msg) from None
    if list(points.columns) != list(POINT_COLUMNS):
        msg = f"stored track {path.name} has columns {list(points.columns)}, expected {list(POINT_COLUMNS)}"
        raise DataError(msg)
    return Track(path.stem, points, {"read": len(points), "kept": len(points), "stored": True})


def stored_tracks(folder: str | Path) -> list[Track]:
    """Every stored track, oldest file name first (an absent folder holds none)."""
    root = Path(folder)
    if not root.is_dir():
        return []
    return [_read_stored(p) for p in sorted(root.glob("*.parquet"))]


def delete_tracks(folder: str | Path, track_ids: list[str] | None = None) -> int:
    """Delete stored tracks (all when ``track_ids`` is None); return how many files were removed."""
    root = Path(folder)
    if not root.is_dir():
        return 0
    wanted = None if track_ids is None else set(track_ids)
    removed = 0
    for path in sorted(root.glob("*.parquet")):
        if wanted is None or path.stem in wanted:
            path.unlink()
            removed += 1
    return removed


# --- planned stops --------------------------------------------------------------------------------

PLAN_COLUMNS = ("stop_id", "label", "order", "arrive", "dwell_min")


@dataclass(frozen=True)
class Plan:
    """Planned stops (EPSG:4326 points, in order) and, for a route, its start and end (UTC).

    ``stops`` has :data:`PLAN_COLUMNS`: ``order`` 1..k (0 when the stops have no order),
    ``arrive`` the planned arrival (UTC, NaT when unknown), ``dwell_min`` the planned stay
    (NaN when unknown).
    """

    stops: gpd.GeoDataFrame
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None

    @property
    def budget_min(self) -> float | None:
        """Planned duration of the loop, minutes (None without a start and an end)."""
        if self.start is None or self.end is None:
            return None
        return float((self.end - self.start).total_seconds() / 60)


def plan_frame(
    lon: list[float], lat: list[float], *, arrive: list[Any] | None = None, dwell: list[float] | None = None,
    ordered: bool = True, labels: list[str] | None = None,
) -> gpd.GeoDataFrame:  # fmt: skip
    """A frame of planned stops with :data:`PLAN_COLUMNS` (EPSG:4326)."""
    n = len(lon)
    width = max(2, len(str(n)))
    stamps: list[Any] = arrive if arrive is not None else [pd.NaT] * n
    return gpd.GeoDataFrame(
        {
            "stop_id": [f"stop-{i + 1:0{width}d}" for i in range(n)],
            "label": labels if labels is not None else [str(i + 1) for i in range(n)],
            "order": list(range(1, n + 1)) if ordered else [0] * n,
            "arrive": pd.to_datetime(stamps, utc=True),
            "dwell_min": np.asarray(dwell if dwell is not None else [np.nan] * n, dtype=float),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=WGS84,
    )


def _pause_minutes(points: pd.DataFrame, lat: float, lon: float, arrive: pd.Timestamp, *, within_m: float) -> float:
    """Length (minutes) of the plan track's stationary pause at (lat, lon) nearest in time to ``arrive``.

    A pause is a run of consecutive track points within ``within_m`` metres of the stop.
    """
    x, y = lonlat_to_metric(points["lon"].to_numpy(dtype=float), points["lat"].to_numpy(dtype=float))
    (sx,), (sy,) = lonlat_to_metric(np.array([lon]), np.array([lat]))
    near = np.hypot(x - sx, y - sy) <= within_m
    if not near.any():
        return float("nan")
    edges = np.diff(np.r_[0, near.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    t = points["time"]
    best = int(np.argmin([abs((t.iloc[a] - arrive).total_seconds()) for a in starts]))
    return float((t.iloc[ends[best]] - t.iloc[starts[best]]).total_seconds() / 60)


def read_plan_gpx(source: bytes | str | Path, *, name: str = "plan", naive_time_zone: str, max_mb: float) -> Plan:
    """Planned stops from a route GPX: its waypoints in file order (the planner's start flag is skipped).

    For the GPX the planner writes (``geo.exports.gpx.route_gpx``) the arrival of each stop is
    its waypoint's time and the planned dwell is the pause of the route's track at that stop;
    the route's start and end are the track's first and last times. Waypoint names and texts
    are not kept (stops are numbered).
    """
    gpx = _parse(source, name, int(max_mb * 1e6))
    wpts: list[gpxpy.gpx.GPXWaypoint | gpxpy.gpx.GPXRoutePoint] = [
        w for w in gpx.waypoints if w.symbol != PLAN_START_SYMBOL
    ]
    if not wpts:
        wpts = [p for r in gpx.routes for p in r.points]
    if not wpts:
        msg = f"{name}: no waypoints or route points to use as planned stops"
        raise DataError(msg)
    track = None
    if any(seg.points for trk in gpx.tracks for seg in trk.segments):
        try:
            track = read_gpx(source, name=name, naive_time_zone=naive_time_zone, max_mb=max_mb).points
        except DataError:
            track = None
    arrive = [pd.Timestamp(w.time).tz_convert("UTC") if w.time and w.time.tzinfo else pd.NaT for w in wpts]
    lat = [float(w.latitude) for w in wpts]
    lon = [float(w.longitude) for w in wpts]
    dwell = [
        _pause_minutes(track, la, lo, a, within_m=PAUSE_WITHIN_M)
        if track is not None and not pd.isna(a)
        else float("nan")
        for la, lo, a in zip(lat, lon, arrive, strict=True)
    ]
    start = track["time"].iloc[0] if track is not None else None
    end = track["time"].iloc[-1] if track is not None else None
    return Plan(plan_frame(lon, lat, arrive=arrive, dwell=dwell), start, end)


def read_stops_file(path: str | Path) -> Plan:
    """Hot spots or stops from a GeoJSON, GeoPackage, shapefile, GeoParquet or CSV (``lat``, ``lon``) file.

    Polygons (hot-spot cells) stand for their centroid (measured in EPSG:32611). An optional
    ``dwell_min`` column gives the planned stay; an optional ``order`` column the planned order.
    Other columns are not kept.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"stops file not found: {path}"
        raise DataError(msg)
    if path.suffix.lower() == ".csv":
        try:
            table = pd.read_csv(path)
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            msg = f"{path.name}: not a readable CSV file ({exc})"
            raise DataError(msg) from None
        cols = {c.lower(): c for c in table.columns}
        lon_col = cols.get("lon") or cols.get("lng") or cols.get("longitude")
        lat_col = cols.get("lat") or cols.get("latitude")
        if lat_col is None or lon_col is None:
            msg = f"{path.name}: a stops CSV needs lat and lon columns, got {list(table.columns)}"
            raise DataError(msg)
        frame = gpd.GeoDataFrame(
            table, geometry=gpd.points_from_xy(table[lon_col], table[lat_col]), crs=WGS84
        )  # fmt: skip
    else:
        frame = read_vector(path)
    if frame.empty or frame.crs is None:
        msg = f"{path.name}: no stops, or no CRS"
        raise DataError(msg)
    metric = frame.to_crs("EPSG:32611").geometry
    points = gpd.GeoSeries(metric.centroid, crs="EPSG:32611").to_crs(WGS84)
    if not np.all(np.isfinite(points.x)) or not points.y.between(-90, 90).all():
        msg = f"{path.name}: stops need finite coordinates in degrees"
        raise DataError(msg)
    dwell = pd.to_numeric(frame["dwell_min"], errors="coerce").tolist() if "dwell_min" in frame.columns else None
    has_order = "order" in frame.columns
    if has_order:
        rank = pd.to_numeric(frame["order"], errors="coerce").rank(method="first").to_numpy()
        order = np.argsort(rank, kind="stable")
    else:
        order = np.arange(len(frame))
    lon = [float(points.x.iloc[i]) for i in order]
    lat = [float(points.y.iloc[i]) for i in order]
    return Plan(plan_frame(lon, lat, dwell=[dwell[i] for i in order] if dwell else None, ordered=has_order))
