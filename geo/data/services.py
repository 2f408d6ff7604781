"""The services registry and the City's service requests as the dashboard shows them: which layer, which rows near a
place or along a route, and what changed when the registry is edited.

**No example or synthetic entries beside real data** (the rule :func:`geo.survey.layer.survey_of` keeps for answers,
kept here for services and requests): the demo's example services and synthetic requests are shown only beside the
demo's synthetic incidents; with real incidents and nothing in the store, there is nothing to show and the pages say
how to add it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from geo.core.errors import DataError
from geo.core.i18n import fmt_date, t
from geo.core.projection import METRIC, WGS84
from geo.core.schema import SERVICE_COLUMNS, SERVICE_DTYPES
from geo.core.settings import Settings
from geo.core.store import read_geoparquet, read_vector
from geo.data.ingest import write_layer
from geo.data.sources import LoadResult
from geo.data.sources.services import NO_PLACE_KINDS, TEXT_FIELDS, check_services
from geo.data.stores import open_store, store_location

NO_SERVICES = "no services are registered yet; an admin adds them on the Data page or with python -m geo ingest FILE"
NO_REQUESTS = "no service requests (311) are in the store yet; python -m geo fetch requests, or ingest a MyLA311 export"


class NothingToShow(DataError):
    """No layer may be shown here (the message says how to add one); ``demo_refused`` when the demo's stands in only
    beside the demo."""

    def __init__(self, message: str, *, demo_refused: bool) -> None:
        super().__init__(message)
        self.demo_refused = demo_refused


@dataclass(frozen=True)
class Shown:
    """A layer to show: its rows (EPSG:4326), whether they are the demo's (example services or synthetic requests),
    and where they came from (for the source line)."""

    frame: gpd.GeoDataFrame
    demo: bool
    origin: str


def _demo_or_refuse(fallback: Path | None, *, beside_synthetic: bool, empty: str, what: str) -> tuple[Path, str]:
    if fallback is None or not Path(fallback).is_file():
        raise NothingToShow(empty, demo_refused=False)
    if not beside_synthetic:
        msg = f"{empty}; the demo's {what} are shown only beside the demo's synthetic incidents"
        raise NothingToShow(msg, demo_refused=True)
    return Path(fallback), str(fallback)


def registry(store_dir: str | Path, layer: str, fallback: Path | None, *, beside_synthetic: bool) -> Shown:
    """The services to show: the store's registry (``services.layer``), else the demo's example entries beside the
    demo's incidents only.

    Raises
    ------
    NothingToShow
        No registry may be shown (the message says how to add one).
    """
    store = open_store(store_dir)
    if store.report(layer) is not None:
        frame = store.read(layer)
        return Shown(_as_services(frame), bool(frame["sample"].fillna(False).any()), store.locator(layer))
    path, origin = _demo_or_refuse(fallback, beside_synthetic=beside_synthetic, empty=NO_SERVICES, what="examples")
    return Shown(_as_services(read_vector(path)), True, origin)


def empty_registry() -> gpd.GeoDataFrame:
    """A registry with no service (the editor's start when none may be shown)."""
    return _as_services(gpd.GeoDataFrame({"service_id": []}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84))


def _as_services(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    for col, dtype in SERVICE_DTYPES.items():
        if col not in out.columns:
            out[col] = False if dtype == "bool" else ""
        out[col] = out[col].fillna(False if dtype == "bool" else "").astype(dtype)
    return gpd.GeoDataFrame(out[list(SERVICE_COLUMNS)], geometry="geometry", crs=WGS84)


def requests_layer(store_dir: str | Path, fallback: Path | None, *, beside_synthetic: bool) -> Shown:
    """The service requests to show: the store's most recently fetched requests layer (``table`` ``requests``), else
    the demo's synthetic requests beside the demo's incidents only.

    Raises
    ------
    NothingToShow
        No requests may be shown (the message says how to get them).
    """
    store = open_store(store_dir)
    layers = [r for r in store.layers() if r.get("table") == "requests" and not r.get("error")]
    if layers:
        newest = max(layers, key=lambda r: str(r.get("fetched_at") or ""))
        return Shown(store.read(str(newest["name"])), False, store.locator(str(newest["name"])))
    path, origin = _demo_or_refuse(fallback, beside_synthetic=beside_synthetic, empty=NO_REQUESTS, what="requests")
    return Shown(read_geoparquet(path), True, origin)


def in_season(frame: pd.DataFrame, day: dt.date) -> np.ndarray:
    """True for each service running on ``day``: no season, or ``MM-DD`` season that includes the day (a season may
    run over the new year, ``11-15`` to ``02-15``)."""
    today = day.strftime("%m-%d")
    start = frame["season_from"].fillna("").astype(str).to_numpy()
    end = frame["season_to"].fillna("").astype(str).to_numpy()
    none = start == ""
    inside = np.where(start <= end, (start <= today) & (today <= end), (today >= start) | (today <= end))
    return np.asarray(none | inside, dtype=bool)


def nearby(services: gpd.GeoDataFrame, where: BaseGeometry, *, within_m: float, limit: int) -> gpd.GeoDataFrame:
    """The services with a place within ``within_m`` metres of ``where`` (EPSG:4326), nearest first, at most
    ``limit``; then every line to call (no place). Column ``distance_m`` (NaN for the lines to call)."""
    if within_m <= 0 or limit < 1:
        msg = f"within_m must be > 0 metres and limit >= 1, got {within_m} and {limit}"
        raise DataError(msg)
    placed = services[services.geometry.notna() & ~services.geometry.is_empty]
    target = gpd.GeoSeries([where], crs=WGS84).to_crs(METRIC).iloc[0]
    dist = placed.geometry.to_crs(METRIC).distance(target)
    close = placed.assign(distance_m=dist.round(0))[dist <= within_m].sort_values("distance_m", kind="stable")
    out = pd.concat([close.head(limit), to_call(services).assign(distance_m=np.nan)], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def to_call(services: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The services with no place: lines to call and offices that serve by phone (any place, any time)."""
    placeless = services.geometry.isna() | services.geometry.is_empty
    return services[placeless & services["kind"].isin(NO_PLACE_KINDS)]


def along(services: gpd.GeoDataFrame, route: BaseGeometry, *, within_m: float) -> gpd.GeoDataFrame:
    """The services with a place within ``within_m`` metres of ``route`` (a line, EPSG:4326), in the order the route
    passes them (``along_m``: metres from the route's start to the nearest point)."""
    placed = services[services.geometry.notna() & ~services.geometry.is_empty]
    line = gpd.GeoSeries([route], crs=WGS84).to_crs(METRIC).iloc[0]
    metric = placed.geometry.to_crs(METRIC)
    dist = metric.distance(line)
    keep = placed[dist <= within_m]
    at = [float(line.project(nearest_points(line, g)[0])) for g in metric[dist <= within_m]]
    out = keep.assign(distance_m=dist[dist <= within_m].round(0), along_m=np.round(at, 0))
    return gpd.GeoDataFrame(out.sort_values("along_m", kind="stable"), geometry="geometry", crs=WGS84)


@dataclass(frozen=True)
class Change:
    """One change to the registry: ``added``, ``removed`` or ``changed`` service, with the changed fields'
    old and new values."""

    action: str
    service_id: str
    fields: tuple[tuple[str, str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain values for the record of use."""
        return {"action": self.action, "service_id": self.service_id, "fields": [list(f) for f in self.fields]}


def _cells(frame: gpd.GeoDataFrame) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for rec, geom in zip(frame[list(TEXT_FIELDS)].astype(str).to_dict("records"), frame.geometry, strict=True):
        out[rec["service_id"]] = {**rec, "geometry": geom.wkt if geom is not None and not geom.is_empty else ""}
    return out


def changes(before: gpd.GeoDataFrame, after: gpd.GeoDataFrame) -> list[Change]:
    """What changed from ``before`` to ``after`` by ``service_id``: added, removed, and changed fields (old -> new)."""
    old, new = _cells(before), _cells(after)
    out = [Change("removed", sid) for sid in old if sid not in new]
    for sid, rec in new.items():
        if sid not in old:
            out.append(Change("added", sid))
            continue
        diff = tuple((k, old[sid][k], v) for k, v in rec.items() if old[sid][k] != v)
        if diff:
            out.append(Change("changed", sid, diff))
    return out


def edited(before: gpd.GeoDataFrame, rows: pd.DataFrame) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The registry after an edit: ``rows`` are the editor's table (the text fields, ``lat``/``lon`` for a point);
    a row whose ``lat``/``lon`` are empty keeps the place it had (an area or a route is edited as a file). Returns the
    checked registry and the rows set aside with their reasons (:func:`geo.data.sources.services.check_services`)."""
    table = rows.reset_index(drop=True).copy()
    had = {str(k): g for k, g in zip(before["service_id"], before.geometry, strict=True)}
    geoms: list[BaseGeometry | None] = []
    for rec in table.to_dict("records"):
        lat = pd.to_numeric(pd.Series([rec.get("lat")]), errors="coerce").iloc[0]
        lon = pd.to_numeric(pd.Series([rec.get("lon")]), errors="coerce").iloc[0]
        if pd.notna(lat) and pd.notna(lon):
            geoms.append(shapely.Point(float(lon), float(lat)))
        else:
            geoms.append(had.get(str(rec.get("service_id", "")).strip()))
    frame = gpd.GeoDataFrame(table.drop(columns=[c for c in ("lat", "lon") if c in table.columns]), geometry=geoms,
                             crs=WGS84)  # fmt: skip
    marked = {str(k): bool(v) for k, v in zip(before["service_id"], before["sample"], strict=True)}
    sample = np.array([marked.get(str(k).strip(), False) for k in frame.get("service_id", pd.Series(dtype=str))])
    result = check_services(frame, origin="editor", source="services editor", sample=sample)
    return result.frame, result.quarantine


def editor_rows(services: gpd.GeoDataFrame) -> pd.DataFrame:
    """The registry as the editor's table: the text fields and ``lat``/``lon`` for a point (empty for an area, a
    route or a line to call, whose place is kept as it is)."""
    table = services[list(TEXT_FIELDS)].astype(str).reset_index(drop=True)
    is_point = services.geometry.geom_type.eq("Point").to_numpy(dtype=bool, na_value=False)
    table["lat"] = [g.y if p else None for g, p in zip(services.geometry, is_point, strict=True)]
    table["lon"] = [g.x if p else None for g, p in zip(services.geometry, is_point, strict=True)]
    return pd.DataFrame(table)


def described(services: pd.DataFrame, lang: str) -> pd.DataFrame:
    """What a person reads of each service, in ``lang``: ``title`` (the name in that language, else the name),
    ``kind_label``, ``hours`` (in that language, else as given), ``season`` ("25 Jun to 15 Aug", or empty), ``contact``
    and ``url``. Text from the registry is returned as given: escape it where it reaches HTML."""

    def pick(own: str, other: str) -> pd.Series:
        first = services[own].fillna("").astype(str) if lang == "es" else services[other].fillna("").astype(str)
        second = services[other].fillna("").astype(str) if lang == "es" else services[own].fillna("").astype(str)
        return first.where(first.str.strip() != "", second)

    def season(start: str, end: str) -> str:
        if not start or not end:
            return ""
        a, b = (fmt_date(dt.date(2000, int(v[:2]), int(v[3:])), lang, style="d MMM") for v in (start, end))
        return t("services.season", lang, start=a, end=b)

    starts, ends = services["season_from"].fillna(""), services["season_to"].fillna("")
    return pd.DataFrame(
        {
            "title": pick("name_es", "name").to_numpy(),
            "kind_label": [t(f"services.kind.{k}", lang) for k in services["kind"].astype(str)],
            "hours": pick("hours_es", "hours").to_numpy(),
            "season": [season(str(a), str(b)) for a, b in zip(starts, ends, strict=True)],
            "contact": services["contact"].fillna("").astype(str).to_numpy(),
            "url": services["url"].fillna("").astype(str).to_numpy(),
        },
        index=services.index,
    )


def registry_of(settings: Settings, *, beside_synthetic: bool) -> Shown:
    """:func:`registry` of the configured store, layer and demo file (what every page and export calls)."""
    return registry(
        store_location(settings.sources), settings.services.layer, settings.sources.services,
        beside_synthetic=beside_synthetic,
    )  # fmt: skip


def requests_of(settings: Settings, *, beside_synthetic: bool) -> Shown:
    """:func:`requests_layer` of the configured store and demo file (what every page and export calls)."""
    where = store_location(settings.sources)
    return requests_layer(where, settings.sources.requests, beside_synthetic=beside_synthetic)


def save_registry(settings: Settings, frame: gpd.GeoDataFrame, *, origin: str) -> dict[str, Any]:
    """Write ``frame`` (a checked registry, :func:`edited`) as a new version of the store's registry layer; the
    stored report. The caller records the change first (a change the record cannot keep is not made)."""
    result = LoadResult(kind="services", table="services", source="services editor", origin=origin, frame=frame,
                        quarantine=pd.DataFrame({"source_row": pd.array([], dtype="Int64"), "reason": []}),
                        rows_in=len(frame), dropped={})  # fmt: skip
    return write_layer(result, store_location(settings.sources), name=settings.services.layer)
