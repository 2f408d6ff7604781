"""The demo bundle's services registry (example entries) and synthetic service requests.

Services: a small registry shaped like the one the partnership keeps, around Harvard Park: a Summer Night Lights park
programme, community intervention workers' area, a Safe Passage route, youth sports, victim services, the 988 line and
the state's victim-compensation board. The two lines to call are the real public ones; the local entries are examples
(``sample``), with approximate places and hours to be confirmed, and every view says so.

Requests: synthetic MyLA311-shaped service requests (streetlights out, dumping, graffiti ...) along the demo's streets
in the demo's last year, some still open, generated with a fixed seed (``synthetic`` True, no addresses).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.core.projection import METRIC, WGS84, lonlat_to_metric, metric_to_lonlat
from geo.core.schema import REQUEST_DTYPES
from geo.core.store import write_geoparquet, write_text_atomic
from geo.data.demo import build_streets, geojson_text
from geo.data.sources.services import check_services

SEED = 20171227
SERVICES_NOTE = (
    "Example services for the demo: places approximate, hours to be confirmed; the 988 and CalVCB lines are real."
)
REQUESTS_NOTE = "Synthetic service requests for the demo: generated, not residents' reports."
REQUEST_SOURCE = "synthetic demo requests"
HARVARD_REC = (-118.30458, 33.98394)
"""Harvard Recreation Center (lon, lat), DESIGN.md."""
STATION_77TH = (-118.27830, 33.97030)
"""LAPD 77th Street Community Police Station, 7600 S Broadway (lon, lat), approximate."""
INTERVENTION_RADIUS_M = 1200.0
"""The example intervention workers' area: about the 1.2 km around the park."""
SAFE_PASSAGE = ((-118.30900, 33.98270), (-118.30125, 33.98270), (-118.29150, 33.98270))
"""The example Safe Passage route along W 62nd St (lon, lat)."""


EXAMPLES: tuple[dict[str, str], ...] = (
    {
        "service_id": "snl-harvard",
        "kind": "park_programme",
        "name": "Summer Night Lights at Harvard Recreation Center",
        "name_es": "Summer Night Lights (Luces de Verano) en Harvard Recreation Center",
        "contact": "311",
        "hours": "Wed-Sat 7-11 pm",
        "hours_es": "mié-sáb 7-11 p. m.",
        "season_from": "06-25",
        "season_to": "08-15",
        "place": "harvard",
    },
    {
        "service_id": "ciw-harvard",
        "kind": "intervention",
        "name": "Community intervention workers, Harvard Park area",
        "name_es": "Trabajadores de intervención comunitaria, zona de Harvard Park",
        "contact": "311",
        "hours": "Every day, 4 pm-midnight",
        "hours_es": "Todos los días, 4 p. m.-medianoche",
        "place": "area",
    },
    {
        "service_id": "safe-passage-62nd",
        "kind": "safe_passage",
        "name": "Safe Passage along W 62nd St",
        "name_es": "Camino Seguro por W 62nd St",
        "contact": "311",
        "hours": "School days 7-8:30 am and 2-4 pm",
        "hours_es": "Días de escuela 7-8:30 a. m. y 2-4 p. m.",
        "place": "route",
    },
    {
        "service_id": "youth-harvard",
        "kind": "youth",
        "name": "Youth sports at Harvard Recreation Center",
        "name_es": "Deportes juveniles en Harvard Recreation Center",
        "contact": "311",
        "hours": "Mon-Fri 3-7 pm",
        "hours_es": "lun-vie 3-7 p. m.",
        "place": "youth",
    },
    {
        "service_id": "victims-77th",
        "kind": "victim_services",
        "name": "Victim services, 77th Street station",
        "name_es": "Servicios a víctimas, estación 77th Street",
        "contact": "311",
        "hours": "Mon-Fri 8 am-5 pm",
        "hours_es": "lun-vie 8 a. m.-5 p. m.",
        "place": "station",
    },
    {
        "service_id": "988",
        "kind": "crisis_line",
        "name": "988 Suicide & Crisis Lifeline",
        "name_es": "988 Línea de Prevención del Suicidio y Crisis",
        "contact": "988",
        "hours": "24 hours, every day: call or text",
        "hours_es": "24 horas, todos los días: llamada o mensaje de texto",
        "url": "https://988lifeline.org",
        "place": "",
    },
    {
        "service_id": "calvcb",
        "kind": "compensation",
        "name": "California Victim Compensation Board (CalVCB)",
        "name_es": "Junta de Compensación a Víctimas de California (CalVCB)",
        "contact": "1-800-777-9229",
        "hours": "Mon-Fri 8 am-5 pm",
        "hours_es": "lun-vie 8 a. m.-5 p. m.",
        "url": "https://victims.ca.gov",
        "place": "",
    },
)
"""The example registry; ``place`` names the geometry :func:`build_services` draws for it (empty: a line to call)."""


def build_services() -> gpd.GeoDataFrame:
    """The example registry, checked as any registry is (:func:`geo.data.sources.services.check_services`)."""
    x, y = lonlat_to_metric(np.array([HARVARD_REC[0]]), np.array([HARVARD_REC[1]]))
    ring = shapely.Point(float(x[0]), float(y[0])).buffer(INTERVENTION_RADIUS_M, quad_segs=8)
    rx, ry = metric_to_lonlat(*np.asarray(ring.exterior.coords).T)
    places: dict[str, Any] = {
        "harvard": shapely.Point(*HARVARD_REC),
        "area": shapely.Polygon(np.column_stack([np.round(rx, 6), np.round(ry, 6)])),
        "route": shapely.LineString(SAFE_PASSAGE),
        "youth": shapely.Point(HARVARD_REC[0] + 0.0012, HARVARD_REC[1] + 0.0004),
        "station": shapely.Point(*STATION_77TH),
        "": None,
    }
    rows = [{k: v for k, v in row.items() if k != "place"} | {"geometry": places[row["place"]]} for row in EXAMPLES]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    sample = ~frame["kind"].isin(("crisis_line", "compensation")).to_numpy()
    return check_services(frame, origin="demo", source="demo services", sample=sample).frame


NEAR_INCIDENTS = {"streetlight": 0.5}
"""Share of a condition's synthetic requests placed where the synthetic incidents are (the rest along the streets), so
the demo's risk terrain model has an association to find: made up, as every demo figure is."""
# condition, requests per year in the demo area, share still open, median days to close
REQUEST_MIX: tuple[tuple[str, str, int, float, float], ...] = (
    ("streetlight", "Single Streetlight Issue", 140, 0.25, 30.0),
    ("dumping", "Illegal Dumping Pickup", 260, 0.08, 4.0),
    ("graffiti", "Graffiti Removal", 320, 0.04, 2.0),
    ("encampment", "Homeless Encampment", 60, 0.3, 20.0),
    ("bulky_items", "Bulky Items", 380, 0.05, 5.0),
)


def build_requests(incidents: gpd.GeoDataFrame, streets: gpd.GeoDataFrame, *, seed: int = SEED) -> gpd.GeoDataFrame:
    """Synthetic requests along the demo streets near Harvard Park in the last year of the demo incidents."""
    rng = np.random.default_rng(seed)
    end = incidents["occurred_at"].max().normalize()
    start = end - pd.Timedelta(days=365)
    x0, y0 = lonlat_to_metric(np.array([HARVARD_REC[0]]), np.array([HARVARD_REC[1]]))
    lines = streets.to_crs(METRIC).geometry
    lines = lines[lines.distance(shapely.Point(float(x0[0]), float(y0[0]))) < 3000]
    total_len = np.asarray(lines.length, dtype=float)
    ix, iy = lonlat_to_metric(incidents.geometry.x.to_numpy(), incidents.geometry.y.to_numpy())
    close = np.hypot(ix - float(x0[0]), iy - float(y0[0])) < 3000
    ix, iy = ix[close], iy[close]
    rows = []
    for condition, request_type, n, open_share, median_days in REQUEST_MIX:
        which = rng.choice(len(lines), size=n, p=total_len / total_len.sum())
        along = rng.random(n) * total_len[which]
        pts = [lines.iloc[i].interpolate(d) for i, d in zip(which, along, strict=True)]
        jitter = rng.normal(0, 12, size=(n, 2))
        mx = np.array([p.x for p in pts]) + jitter[:, 0]
        my = np.array([p.y for p in pts]) + jitter[:, 1]
        if condition in NEAR_INCIDENTS:  # lights reported out where the synthetic incidents cluster
            near = rng.random(n) < NEAR_INCIDENTS[condition]
            at = rng.choice(len(ix), size=int(near.sum()))
            mx[near] = ix[at] + rng.normal(0, 40, size=len(at))
            my[near] = iy[at] + rng.normal(0, 40, size=len(at))
        lon, lat = metric_to_lonlat(mx, my)
        created = start + pd.to_timedelta(rng.random(n) * 365 * 24 * 60, unit="min").floor("min")
        days = rng.exponential(median_days / np.log(2), size=n)
        closed = created + pd.to_timedelta(np.round(days * 24 * 60), unit="min")
        still_open = (rng.random(n) < open_share) | (closed > end)
        for i in range(n):
            rows.append(
                {
                    "request_id": f"demo311:{condition}-{i:04d}",
                    "source": REQUEST_SOURCE,
                    "created_at": created[i],
                    "closed_at": pd.NaT if still_open[i] else closed[i],
                    "request_type": request_type,
                    "condition": condition,
                    "status": "open" if still_open[i] else "closed",
                    "address": "",
                    "synthetic": True,
                    "geometry": shapely.Point(round(float(lon[i]), 6), round(float(lat[i]), 6)),
                }
            )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    for col, dtype in REQUEST_DTYPES.items():
        frame[col] = frame[col].astype(pd.api.types.pandas_dtype(dtype))
    return frame.sort_values("created_at", kind="stable").reset_index(drop=True)


def write_services(out: Path, places: gpd.GeoDataFrame, incidents: gpd.GeoDataFrame) -> dict[str, Any]:
    """Write ``services.geojson`` and ``requests.parquet`` beside the bundle; their sections of the manifest."""
    services = build_services()
    write_text_atomic(out / "services.geojson", geojson_text(services, name="services", note=SERVICES_NOTE))
    requests = build_requests(incidents, build_streets())
    meta = {"source": REQUEST_SOURCE, "synthetic": True, "note": REQUESTS_NOTE}
    write_geoparquet(requests, out / "requests.parquet", metadata=meta)
    by = {str(k): int(v) for k, v in requests["condition"].value_counts().sort_index().items()}
    return {
        "services": {"entries": len(services), "note": SERVICES_NOTE},
        "requests": {"rows": len(requests), "by_condition": by, "note": REQUESTS_NOTE},
    }
