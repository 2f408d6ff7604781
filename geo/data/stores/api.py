"""The layer store's interface: the window a read asks for, the protocol, and store locations.

See :mod:`geo.data.stores`. One small interface for the layer store: GeoParquet folders (default) or a PostGIS server.

A store location is either a folder (``sources.store_dir``, the embedded GeoParquet store, no
server needed) or a ``postgresql://`` URL (``sources.store``, a shared PostGIS database). Both
implement :class:`LayerStore`: write a layer with its quarantine and quality report as one unit,
read a layer (optionally only a period, some categories and a bounding box, pushed down to SQL
on PostGIS), read its quarantine and report, and list the layers with their metadata.

A single layer of a store is named by a *locator*: the folder's data file for GeoParquet, or
``postgresql://host/db#<layer>`` for PostGIS. Locators pass through the settings and the
dashboard's ``Path`` values unchanged in meaning (:func:`parse_locator` accepts the form with the
double slash collapsed that ``pathlib.Path`` makes of them).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import geopandas as gpd
import pandas as pd

from geo.core.errors import DataError, mask_secrets
from geo.core.schema import TZ

URL_RE = re.compile(r"^postgres(?:ql)?:/+", re.IGNORECASE)
"""A PostGIS store location (also matches the ``postgresql:/`` form ``pathlib`` makes of a URL)."""

BBox = tuple[float, float, float, float]
"""West, south, east, north in degrees (EPSG:4326)."""


@dataclass(frozen=True)
class Window:
    """Which rows of a layer to read: a period (inclusive local dates), categories and a bounding box.

    Empty parts mean "all". Dates are local calendar dates in America/Los_Angeles, as in
    :class:`geo.core.filters.Filters`; ``bbox`` is west, south, east, north in degrees (EPSG:4326).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    bbox: BBox | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.end < self.start:
            msg = f"the period ends ({self.end}) before it starts ({self.start})"
            raise DataError(msg)
        if self.bbox is not None:
            west, south, east, north = self.bbox
            if not (west <= east and south <= north):
                msg = f"a bounding box is west, south, east, north with west <= east, south <= north; got {self.bbox}"
                raise DataError(msg)

    def time_bounds(self) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
        """Half-open ``[from, to)`` instants of the period (local midnights), None where open."""
        lo = pd.Timestamp(self.start).tz_localize(TZ) if self.start else None
        hi = pd.Timestamp(self.end + dt.timedelta(days=1)).tz_localize(TZ) if self.end else None
        return lo, hi

    def apply(self, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The rows of an in-memory layer inside this window (what PostGIS does in SQL)."""
        keep = pd.Series(True, index=gdf.index)
        lo, hi = self.time_bounds()
        if (lo is not None or hi is not None) and "occurred_at" in gdf.columns:
            when = gdf["occurred_at"]
            if lo is not None:
                keep &= (when >= lo).fillna(False)
            if hi is not None:
                keep &= (when < hi).fillna(False)
        if self.categories and "category" in gdf.columns:
            keep &= gdf["category"].isin(self.categories).fillna(False).astype(bool)
        if self.bbox is not None:
            west, south, east, north = self.bbox
            b = gdf.geometry.bounds
            keep &= (b["minx"] <= east) & (b["maxx"] >= west) & (b["miny"] <= north) & (b["maxy"] >= south)
        return gdf[keep.to_numpy()]


ALL = Window()


class LayerStore(Protocol):
    """What ingest, fetch, info and the dashboard need from a store."""

    @property
    def location(self) -> str:
        """The folder or the URL (password removed), for messages."""
        ...

    def write(
        self, name: str, frame: gpd.GeoDataFrame, quarantine: pd.DataFrame, report: dict[str, Any]
    ) -> dict[str, Any]:
        """Publish ``frame``, its ``quarantine`` and ``report`` as layer ``name`` all at once.

        Returns the report with ``version``, ``output`` and ``quarantine`` (where they went). A
        failure, or the process being killed, leaves the previous layer as it was.
        """
        ...

    def read(self, name: str, *, window: Window = ALL) -> gpd.GeoDataFrame:
        """The rows of layer ``name`` inside ``window`` (EPSG:4326), indexed by their row number."""
        ...

    def read_quarantine(self, name: str) -> pd.DataFrame:
        """The dropped rows of layer ``name``."""
        ...

    def report(self, name: str) -> dict[str, Any] | None:
        """The quality report of layer ``name`` (None when the layer does not exist)."""
        ...

    def version(self, name: str) -> str | None:
        """The published version of layer ``name`` (None when it does not exist)."""
        ...

    def locator(self, name: str) -> str:
        """The one string naming layer ``name`` of this store (see :func:`open_layer`)."""
        ...

    def layers(self, *, hashes: bool = False, now: dt.datetime | None = None) -> list[dict[str, Any]]:
        """One inventory entry per layer (see :func:`geo.data.ingest.store_inventory`); ages as of ``now``."""
        ...

    def append_audit(self, row: dict[str, str]) -> None:
        """Append one row (text fields, ``at`` an ISO UTC time) to the store's audit record, which nothing edits."""
        ...

    def audit(self, *, since: dt.datetime | None = None) -> list[dict[str, str]]:
        """The audit record's rows at or after ``since`` (all when None), oldest first."""
        ...


def is_url(location: str | Path) -> bool:
    """Whether ``location`` names a PostGIS store rather than a folder."""
    return bool(URL_RE.match(str(location)))


def normal_url(location: str | Path) -> str:
    """``location`` with the ``postgresql://`` prefix restored (``pathlib`` collapses ``//``)."""
    return URL_RE.sub("postgresql://", str(location), count=1)


_FULL_URLS: dict[str, str] = {}
"""Store URLs without their password -> as configured (locators shown to users carry no password)."""


def full_url(url: str) -> str:
    """The configured URL (with its password) of ``url`` as shown, or ``url`` itself."""
    return _FULL_URLS.get(url, url)


def remember_url(shown: str, full: str) -> None:
    """Let :func:`open_store` find the configured URL (with its password) of a redacted one."""
    _FULL_URLS[shown] = full


def parse_locator(value: str | Path) -> tuple[str, str] | None:
    """``(url, layer)`` of a PostGIS layer locator, None for anything else (a file path)."""
    if not is_url(value):
        return None
    url, sep, layer = normal_url(value).rpartition("#")
    if not sep or not layer:
        shown = mask_secrets(value, str(value))
        msg = f"a PostGIS layer is named as postgresql://host/db#layer; {shown} names no layer"
        raise DataError(msg)
    return url, layer
