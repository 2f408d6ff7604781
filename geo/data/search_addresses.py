"""The address points search looks numbers up in: a million points held as a few arrays, not a million objects.

Rows are sorted by street and house number (:func:`geo.data.streetnames.number_key`); each street is a slice of the
arrays, so a lookup compares the numbers of one street only. Coordinates are degrees (EPSG:4326).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from geo.core.errors import DataError
from geo.data.streetnames import StreetNames, number_key

NEAREST_NUMBERS = 100
"""A house number a street lacks offers the nearest number on the same side within this many numbers."""

Point = tuple[str, float, float, str]
"""An address point as a result needs it: label, lat, lon, source."""


def _empty() -> NDArray[np.object_]:
    return np.array([], dtype=object)


@dataclass(frozen=True, eq=False)
class AddressTable:
    """Address points by street (read-only; :meth:`of` builds one)."""

    names: StreetNames = field(default_factory=lambda: StreetNames.of(()))
    slices: dict[str, tuple[int, int]] = field(default_factory=dict)
    numbers: NDArray[np.object_] = field(default_factory=_empty)
    houses: NDArray[np.int64] = field(default_factory=lambda: np.array([], dtype=np.int64))
    labels: NDArray[np.object_] = field(default_factory=_empty)
    zips: NDArray[np.object_] = field(default_factory=_empty)
    sources: NDArray[np.object_] = field(default_factory=_empty)
    lat: NDArray[np.float64] = field(default_factory=lambda: np.array([], dtype=float))
    lon: NDArray[np.float64] = field(default_factory=lambda: np.array([], dtype=float))

    @classmethod
    def of(cls, gdf: gpd.GeoDataFrame | None) -> AddressTable:
        """The table of address points ``gdf`` (EPSG:4326; :data:`geo.core.schema.ADDRESS_DTYPES`: ``address``,
        ``number``, ``street``, optional ``zip`` and ``source``); rows without a number, a street or a point are left
        out."""
        if gdf is None or gdf.empty:
            return cls()
        missing = [c for c in ("address", "number", "street") if c not in gdf.columns]
        if missing:
            msg = f"the address points lack columns {missing} (see geo.core.schema.ADDRESS_DTYPES)"
            raise DataError(msg)
        pts = gdf[(gdf.geometry.geom_type == "Point").to_numpy()]
        text = {c: pts[c].fillna("").astype(str).str.strip() if c in pts.columns else None for c in ("zip", "source")}
        keys = pts["number"].fillna("").astype(str)
        keys = keys.map({k: number_key(k) for k in keys.unique()})
        street = pts["street"].fillna("").astype(str).str.strip()
        ok = (keys != "").to_numpy() & (street != "").to_numpy()
        frame = pd.DataFrame(
            {
                "street": street[ok].to_numpy(),
                "number": keys[ok].to_numpy(),
                "label": pts["address"].astype(str).to_numpy()[ok],
                "zip": text["zip"].to_numpy()[ok] if text["zip"] is not None else "",
                "source": text["source"].to_numpy()[ok] if text["source"] is not None else "",
                "lon": np.round(shapely.get_x(pts.geometry.array[ok]), 6),
                "lat": np.round(shapely.get_y(pts.geometry.array[ok]), 6),
            }
        ).sort_values(["street", "number"], kind="stable")
        streets = frame["street"].to_numpy(dtype=object)
        names, starts = np.unique(streets, return_index=True)
        ends = [*starts[1:], len(streets)]
        slices = {str(n): (int(a), int(b)) for n, a, b in zip(names, starts, ends, strict=True)}
        numbers = frame["number"].to_numpy(dtype=object)
        return cls(
            names=StreetNames.of(slices),
            slices=slices,
            numbers=numbers,
            houses=np.array([int(n.split(" ", 1)[0]) for n in numbers], dtype=np.int64),
            labels=frame["label"].to_numpy(dtype=object),
            zips=frame["zip"].to_numpy(dtype=object),
            sources=frame["source"].to_numpy(dtype=object),
            lat=frame["lat"].to_numpy(dtype=float),
            lon=frame["lon"].to_numpy(dtype=float),
        )

    def __len__(self) -> int:
        return len(self.labels)

    def numbered(self, street: str, number: str, zip_code: str | None) -> tuple[bool, list[Point]]:
        """The points of house ``number`` (as :func:`~geo.data.streetnames.number_key` writes it) on ``street``, and
        whether the number itself was found (False: the nearest number on the same side, within
        :data:`NEAREST_NUMBERS`, or none); only those of ``zip_code`` when any has it."""
        a, b = self.slices[street]
        rows = a + np.flatnonzero(self.numbers[a:b] == number)
        exact = len(rows) > 0
        if not exact:
            want = int(number.split(" ", 1)[0])
            houses = self.houses[a:b]
            near = np.flatnonzero((houses % 2 == want % 2) & (np.abs(houses - want) <= NEAREST_NUMBERS))
            if len(near):
                gap = np.abs(houses[near] - want)
                best = near[gap == gap.min()]
                rows = a + best[houses[best] == houses[best].min()]
        if zip_code and (self.zips[rows] == zip_code).any():
            rows = rows[self.zips[rows] == zip_code]
        return exact, [
            (str(self.labels[i]), float(self.lat[i]), float(self.lon[i]), str(self.sources[i])) for i in rows
        ]
