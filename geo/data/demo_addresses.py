"""Synthetic address points for the demo bundle (``data/demo/addresses.parquet``), so search finds addresses offline.

House numbers are **generated** along the named streets of the demo's generated walking network
(:func:`geo.data.walknet.build_demo_network`), the way Los Angeles numbers its grid: on an east-west street they grow
from Main St outwards (``W`` to the west, ``E`` to the east), about 100 numbers a block, set so that 1535 W 62nd St
falls at the Harvard Recreation Center's published address; on a north-south street they grow southwards, 100 numbers
per numbered street (``S Western Ave`` at 62nd St is in the 6200 block). There is one point per hundred block,
on the odd side in odd hundreds (``1535``) and the even side in even hundreds (``1670``), set ``OFFSET_M`` from the
street's centre line. Every row has ``synthetic = True`` and the source ``demo (synthetic addresses)``: these are not
the City's address points, and a real address may lie elsewhere.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from geo.core.bulk import points_from_xy
from geo.core.projection import WGS84, lonlat_to_metric, metric_to_lonlat
from geo.core.schema import ADDRESS_DTYPES
from geo.core.store import write_geoparquet
from geo.data.streetnames import DIRECTION_WORDS, street_words
from geo.data.walknet import _ANCHOR_LAT, _ANCHOR_NUMBER, _LAT_PER_NUMBER, _MAIN_ST_LON, read_graphml

ADDRESS_SOURCE = "demo (synthetic addresses)"
ADDRESSES_NOTE = (
    "Synthetic addresses for the demo: house numbers generated along the demo's generated streets; not the City's "
    "address points."
)
FILE_NAME = "addresses.parquet"
ANCHOR = (1535, -118.30458)
"""An east-west house number and the longitude it falls at (1535 W 62nd St, the Harvard Recreation Center)."""
OFFSET_M = 12.0
"""Distance of an address point from its street's centre line, metres."""
BLOCK = 100
_ODD_AT, _EVEN_AT = 35, 70


def _metres_per_degree_lon(lat: float) -> float:
    return 111_320.0 * math.cos(math.radians(lat))


_EW_NUMBERS_PER_M = ANCHOR[0] / (abs(ANCHOR[1] - _MAIN_ST_LON) * _metres_per_degree_lon(_ANCHOR_LAT))


def _ew_number(lon: float) -> float:
    return abs(lon - _MAIN_ST_LON) * _metres_per_degree_lon(_ANCHOR_LAT) * _EW_NUMBERS_PER_M


def _ns_number(lat: float) -> float:
    return BLOCK * (_ANCHOR_NUMBER + (_ANCHOR_LAT - lat) / _LAT_PER_NUMBER)


def _street(name: str, prefix: str) -> str:
    words = street_words(name)
    return name if words and words[0] in DIRECTION_WORDS else f"{prefix} {name}"


def _wanted(lo: float, hi: float) -> list[int]:
    """House numbers in ``[lo, hi)``: one per hundred block (``35`` in odd hundreds, ``70`` in even ones)."""
    out = []
    for hundred in range(max(int(lo // BLOCK), 0), int(hi // BLOCK) + 1):
        n = hundred * BLOCK + (_ODD_AT if hundred % 2 else _EVEN_AT)
        if lo <= n < hi and n > 0:
            out.append(n)
    return out


def _edge_rows(a: tuple[float, float], b: tuple[float, float], name: str) -> list[dict[str, Any]]:
    """The address points along one street segment from ``a`` to ``b`` (``(lon, lat)``, degrees)."""
    (ax, bx), (ay, by) = lonlat_to_metric(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
    east_west = abs(bx - ax) >= abs(by - ay)
    if east_west:
        if (a[0] < _MAIN_ST_LON) != (b[0] < _MAIN_ST_LON):
            return []  # the block that crosses Main St: numbers start again on either side
        na, nb, prefix = _ew_number(a[0]), _ew_number(b[0]), "W" if a[0] < _MAIN_ST_LON else "E"
    else:
        na, nb, prefix = _ns_number(a[1]), _ns_number(b[1]), "S"
    if na == nb:
        return []
    street = _street(name, prefix)
    rows = []
    for n in _wanted(min(na, nb), max(na, nb)):
        t = (n - na) / (nb - na)
        x, y = ax + t * (bx - ax), ay + t * (by - ay)
        side = 1.0 if n % 2 else -1.0  # odd numbers north of east-west streets, east of north-south ones
        x, y = (x, y + side * OFFSET_M) if east_west else (x + side * OFFSET_M, y)
        rows.append({"number": str(n), "street": street, "x": x, "y": y})
    return rows


def build_addresses(graph: nx.MultiDiGraph) -> gpd.GeoDataFrame:
    """Synthetic address points along the named streets of the demo walking network (EPSG:4326), in the canonical
    address table (:data:`geo.core.schema.ADDRESS_DTYPES`); deterministic for the same network."""
    segments: set[tuple[str, tuple[float, float], tuple[float, float]]] = set()
    for u, v, name in graph.edges(data="name"):
        if isinstance(name, str) and name:
            a = (float(graph.nodes[u]["x"]), float(graph.nodes[u]["y"]))
            b = (float(graph.nodes[v]["x"]), float(graph.nodes[v]["y"]))
            segments.add((name, min(a, b), max(a, b)))
    rows = [row for name, a, b in sorted(segments) for row in _edge_rows(a, b, name)]
    frame = pd.DataFrame(rows).drop_duplicates(["number", "street"])
    frame = frame.assign(n=frame["number"].astype(int)).sort_values(["street", "n"], kind="stable")
    lon, lat = metric_to_lonlat(frame["x"].to_numpy(), frame["y"].to_numpy())
    lon, lat = np.round(lon, 6), np.round(lat, 6)
    n = len(frame)
    table = pd.DataFrame(
        {
            "address_id": [f"demo-address:{i + 1:05d}" for i in range(n)],
            "address": (frame["number"] + " " + frame["street"]).to_numpy(),
            "number": frame["number"].to_numpy(),
            "street": frame["street"].to_numpy(),
            "zip": [""] * n,
            "source": [ADDRESS_SOURCE] * n,
            "synthetic": [True] * n,
        }
    )
    table = table.astype({c: pd.api.types.pandas_dtype(t) for c, t in ADDRESS_DTYPES.items()})
    return gpd.GeoDataFrame(table, geometry=points_from_xy(lon, lat, crs=WGS84), crs=WGS84)


def write_addresses(out_dir: str | Path) -> dict[str, Any]:
    """Build the demo's address points from ``out_dir/walk.graphml`` and write ``out_dir/addresses.parquet``;
    return the manifest's ``addresses`` section."""
    out = Path(out_dir)
    table = build_addresses(read_graphml(out / "walk.graphml"))
    meta = {"source": ADDRESS_SOURCE, "synthetic": True, "note": ADDRESSES_NOTE, "rows": len(table)}
    write_geoparquet(table, out / FILE_NAME, metadata=meta)
    return {"addresses": {"points": len(table), "streets": int(table["street"].nunique()), "note": ADDRESSES_NOTE}}
