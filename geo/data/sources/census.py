"""Population from the Census Bureau: ACS 5-year block groups and their TIGERweb geometry.

Estimates come from the Census Data API (``sources.census.api_url``, e.g.
``https://api.census.gov/data/2022/acs/acs5?get=...&for=block group:*&in=state:06 county:037 tract:*``),
which answers a JSON array of rows whose first row is the header; values are text. At most
``sources.census.max_variables`` variables are asked per request (the API allows 50), and the
requests are joined on the block group's ``GEOID`` (state + county + tract + block group, 12 digits).

The groups match the LAPD victim codes the filters use (:mod:`geo.core.filters`): descent from table
B03002 (Hispanic or Latino by race: ``H`` Hispanic or Latino of any race, ``B``/``W`` non-Hispanic
Black/White, ``A`` non-Hispanic Asian and Pacific Islander, ``O`` the other non-Hispanic groups), sex
and the age bands from B01001 (sex by age). A group summed from several ACS cells carries the Census
Bureau's approximate margin of error for a sum, ``sqrt(sum(MOE_i**2))``. Margins are 90% (ACS).

Annotation values: a negative estimate (``-666666666`` etc.) is missing; a margin of ``-555555555`` or
``-222222222`` (a controlled estimate) is 0; any other negative margin is missing.

Geometry comes from TIGERweb's ArcGIS service (``sources.census.tigerweb_url``, layer 10 = block
groups of the ACS vintage), paged like every ArcGIS layer (:func:`geo.data.sources.arcgis.fetch_features`),
EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import requests

from geo.core.errors import DataError, SourceError
from geo.core.projection import WGS84
from geo.core.settings import CensusSettings, Settings
from geo.core.store import read_metadata, write_geoparquet
from geo.data.sources._http import Client, Progress, Sleep, make_session
from geo.data.sources.arcgis import features_frame, fetch_features

SOURCE = "census_acs5"
KIND = "population"
LAYER_PREFIX = "census_bg_"
"""Store layer ``census_bg_<year>.parquet``."""


def _b01001(male: range) -> tuple[str, ...]:
    """B01001 cells of an age range for both sexes (female cells are 24 after the male ones)."""
    return tuple(f"B01001_{i:03d}" for i in male) + tuple(f"B01001_{i + 24:03d}" for i in male)


ACS_GROUPS: Mapping[str, tuple[str, ...]] = {
    "population": ("B01003_001",),
    "descent_H": ("B03002_012",),
    "descent_B": ("B03002_004",),
    "descent_W": ("B03002_003",),
    "descent_A": ("B03002_006", "B03002_007"),
    "descent_O": ("B03002_005", "B03002_008", "B03002_009"),
    "sex_M": ("B01001_002",),
    "sex_F": ("B01001_026",),
    "age_0-17": _b01001(range(3, 7)),
    "age_18-24": _b01001(range(7, 11)),
    "age_25-34": _b01001(range(11, 13)),
    "age_35-49": _b01001(range(13, 16)),
    "age_50+": _b01001(range(16, 26)),
}
"""Population column -> the ACS cells (without the ``E``/``M`` suffix) summed into it."""

GROUP_COLUMNS: tuple[str, ...] = tuple(ACS_GROUPS)
MOE_SUFFIX = "_moe"
ZERO_MOE = frozenset({-555555555, -222222222})
GEO_FIELDS = ("state", "county", "tract", "block group")


def variables() -> list[str]:
    """Every ACS variable asked for: each cell's estimate (``E``) and margin of error (``M``)."""
    cells = sorted({c for cs in ACS_GROUPS.values() for c in cs})
    return [f"{c}{s}" for c in cells for s in ("E", "M")]


def _numbers(values: pd.Series, *, moe: bool) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce").astype(float)
    if moe:
        num = num.mask(num.isin(ZERO_MOE), 0.0)
    return num.mask(num < 0)


def parse_acs(rows: object, *, what: str = "ACS") -> pd.DataFrame:
    """One Census API answer (header row + rows of text) as a frame indexed by ``GEOID``.

    Raises
    ------
    SourceError
        Not a list of rows, no header, or a header without the block-group geography fields.
    """
    if not isinstance(rows, list) or not rows or not all(isinstance(r, list) for r in rows):
        msg = f"{what}: expected a JSON array of rows with a header row, got {type(rows).__name__}"
        raise SourceError(msg)
    header = [str(h) for h in rows[0]]
    missing = [g for g in GEO_FIELDS if g not in header]
    if missing:
        msg = f"{what}: the answer lacks the geography fields {missing} (header {header[:6]}...)"
        raise SourceError(msg)
    if any(len(r) != len(header) for r in rows[1:]):
        msg = f"{what}: rows of unequal length (a truncated answer?)"
        raise SourceError(msg)
    frame = pd.DataFrame(rows[1:], columns=header, dtype="object")
    geoid = frame["state"].str.cat(frame[["county", "tract", "block group"]])
    frame.index = pd.Index(geoid.astype(str), name="GEOID")
    values = {c: _numbers(frame[c], moe=c.endswith("M")) for c in header if c[-1:] in ("E", "M") and "_" in c}
    return pd.DataFrame(values, index=frame.index)


def acs_groups(raw: pd.DataFrame) -> pd.DataFrame:
    """The population columns (:data:`ACS_GROUPS`) and their margins from the raw ACS variables.

    A group is missing where any of its cells is; its margin is ``sqrt(sum(MOE**2))`` over its cells.
    """
    out: dict[str, pd.Series] = {}
    for name, cells in ACS_GROUPS.items():
        lacking = [f"{c}{s}" for c in cells for s in ("E", "M") if f"{c}{s}" not in raw.columns]
        if lacking:
            msg = f"the ACS answer lacks the variables {lacking[:4]} needed for {name}"
            raise SourceError(msg)
        est = raw[[f"{c}E" for c in cells]]
        moe = raw[[f"{c}M" for c in cells]]
        out[name] = est.sum(axis=1, min_count=len(cells))
        out[name + MOE_SUFFIX] = np.sqrt((moe**2).sum(axis=1, min_count=len(cells)))
    return pd.DataFrame(out, index=raw.index)


def acs_params(chunk: list[str], *, census: CensusSettings) -> dict[str, str]:
    """Query parameters of one Census API request for ``chunk`` of variables (block groups of the county)."""
    params = {
        "get": ",".join(["NAME", *chunk]),
        "for": "block group:*",
        "in": f"state:{census.state} county:{census.county} tract:*",
    }
    if census.api_key:
        params["key"] = census.api_key
    return params


def fetch_acs(client: Client, *, census: CensusSettings, year: int, progress: Progress | None = None) -> pd.DataFrame:
    """The population columns of every block group of the configured county, from the ACS 5-year API.

    Raises
    ------
    SourceError
        A request fails after retries, an answer is not the API's table, or the requests disagree on
        the block groups.
    """
    url = census.api_url.format(year=year)
    names = variables()
    size = census.max_variables - 1  # NAME is one of the variables of each request
    parts: list[pd.DataFrame] = []
    n_req = math.ceil(len(names) / size)
    for i in range(n_req):
        chunk = names[i * size : (i + 1) * size]
        what = f"Census ACS {year} ({i + 1}/{n_req})"
        parts.append(parse_acs(client.get_json(url, params=acs_params(chunk, census=census), what=what), what=what))
        if progress is not None:
            progress(f"{what}: {len(parts[-1]):,} block groups")
    first = parts[0].index
    if any(not p.index.sort_values().equals(first.sort_values()) for p in parts[1:]):
        msg = f"Census ACS {year}: the requests returned different block groups"
        raise SourceError(msg)
    raw = pd.concat(parts, axis=1)
    return acs_groups(raw.loc[:, ~raw.columns.duplicated()])


def fetch_block_groups(
    client: Client, *, census: CensusSettings, year: int, progress: Progress | None = None
) -> gpd.GeoDataFrame:
    """Block-group polygons of the configured county from TIGERweb (EPSG:4326), with ``GEOID``."""
    url = census.tigerweb_url.format(year=year)
    where = f"STATE='{census.state}' AND COUNTY='{census.county}'"
    what = f"TIGERweb block groups {year} ({where})"
    gdf = features_frame(fetch_features(client, url, where=where, progress=progress, what=what), what=what)
    if "GEOID" not in gdf.columns:
        msg = f"TIGERweb block groups {year}: the features have no GEOID field ({list(gdf.columns)[:8]})"
        raise SourceError(msg)
    gdf["GEOID"] = gdf["GEOID"].astype(str)
    return gdf


def population_layer(geometry: gpd.GeoDataFrame, acs: pd.DataFrame) -> gpd.GeoDataFrame:
    """Block groups with geometry and population columns (EPSG:4326), joined on ``GEOID``.

    Block groups present in only one of the two are dropped; ``attrs["unmatched"]`` counts them.
    """
    geom = geometry[["GEOID", geometry.geometry.name]].drop_duplicates("GEOID").set_index("GEOID")
    both = geom.index.intersection(acs.index)
    if both.empty:
        msg = "no block group of the geometry matches the ACS estimates (different vintages or counties?)"
        raise DataError(msg)
    joined = acs.loc[both].join(geom)
    out = gpd.GeoDataFrame(joined.reset_index().rename(columns={"GEOID": "geoid"}), geometry=geom.geometry.name)
    out = out.set_crs(WGS84, allow_override=True).sort_values("geoid").reset_index(drop=True)
    out.attrs["unmatched"] = int(len(geom.index.union(acs.index)) - len(both))
    return out


def layer_path(store_dir: str | Path, year: int) -> Path:
    """Store file of the ACS block groups of ``year``."""
    return Path(store_dir) / f"{LAYER_PREFIX}{year}.parquet"


def newest_layer(store_dir: str | Path) -> Path:
    """The newest ACS block-group layer in the store.

    Raises
    ------
    DataError
        When the store holds none (with the command that fetches one).
    """
    found = sorted(Path(store_dir).glob(f"{LAYER_PREFIX}*.parquet"))
    if not found:
        msg = f"no Census population layer in {store_dir}; run `python -m geo fetch census --year 2022` first"
        raise DataError(msg)
    return max(found, key=lambda p: p.stem.removeprefix(LAYER_PREFIX))


def fetch_census(
    settings: Settings,
    *,
    year: int | None = None,
    store_dir: str | Path | None = None,
    session: requests.Session | None = None,
    sleep: Sleep | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fetch ACS 5-year estimates and TIGERweb geometry of ``year`` into the store; return the report.

    Both are fetched before anything is written, so a failure leaves the store as it was.
    """
    census = settings.sources.census
    year = int(year if year is not None else census.year)
    if not 2009 <= year <= dt.date.today().year:
        msg = f"--year must be an ACS 5-year vintage (2009 .. this year), got {year}"
        raise DataError(msg)
    http = settings.sources.http
    client = Client(http=http, session=session or make_session(http), sleep=sleep or time.sleep)
    acs = fetch_acs(client, census=census, year=year, progress=progress)
    geometry = fetch_block_groups(client, census=census, year=year, progress=progress)
    layer = population_layer(geometry, acs)
    store = Path(store_dir if store_dir is not None else settings.sources.store_dir)
    path = layer_path(store, year)
    meta = {
        "layer": path.stem,
        "kind": KIND,
        "table": "population",
        "source": SOURCE,
        "url_or_file": census.api_url.format(year=year),
        "geometry_url": census.tigerweb_url.format(year=year),
        "year": year,
        "state": census.state,
        "county": census.county,
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows_in": len(acs),
        "rows_kept": len(layer),
        "unmatched": layer.attrs["unmatched"],
        "groups": list(GROUP_COLUMNS),
        "moe": "90% margins of error (ACS); sums use sqrt(sum(MOE^2))",
    }
    layer.attrs = {}
    write_geoparquet(layer, path, metadata=meta)
    return {**meta, "output": str(path), "population": float(np.nansum(layer["population"]))}


def layer_year(path: str | Path) -> int | None:
    """The ACS vintage recorded in a stored population layer (None for other files)."""
    p = Path(path)
    if p.suffix.lower() != ".parquet":
        return None
    year = read_metadata(p).get("year")
    return int(year) if year is not None else None
