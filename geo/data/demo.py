"""Generator of the embedded demo bundle (``data/demo/``).

Real place names with **approximate** geometry drawn around the coordinates in DESIGN.md,
and **synthetic** incidents: every incident row has ``synthetic = True`` and
``source = "synthetic demo"``, and no row carries a name. The structure mimics what the
dashboard is for: a cluster on the Harvard Park border peaking in 2016-2017, declines in
the Watts developments after the Community Safety Partnership began there (late 2011),
evening and weekend peaks, and the quirks of real exports (unknown victim age, unknown
weapon, date-only records).

The bundle also carries ``population.geojson``, **synthetic** residents on square "block groups"
(the columns of the Census layer, with margins), and ``rate_zones.geojson``, synthetic squares to
compute rates on, so the Rates page works offline; and ``walk.graphml``, a generated (approximate)
walking network of the demo area, so patrol routes can be planned with no network at all.

Run ``python -m geo demo`` (or ``make demo``) to rebuild. The seed is fixed, so a re-run on
the same library versions gives byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from shapely.geometry import LineString, Polygon, mapping

from geo.core.categories import LAPD_CODE_CATEGORY
from geo.core.projection import METRIC, WGS84, lonlat_to_metric, metric_to_lonlat
from geo.core.schema import INCIDENT_DTYPES, TZ, coerce_incidents, coerce_places
from geo.core.store import write_geoparquet, write_text_atomic
from geo.data.demo_places import (
    DEVELOPMENTS,
    HARVARD_CSP_START,
    HARVARD_PARK_RING,
    PARKS,
    STREETS,
)
from geo.data.walknet import read_graphml, write_demo_network

SEED = 20170618
DEMO_SOURCE = "synthetic demo"
PLACE_SOURCE = "demo (approximate geometry)"
YEARS = tuple(range(2010, 2025))
GENERATOR_VERSION = 2

# --- incidents ----------------------------------------------------------------------------

OFFENSES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "homicide": (("110", "CRIMINAL HOMICIDE", 0.97), ("113", "MANSLAUGHTER, NEGLIGENT", 0.03)),
    "assault_with_weapon": (
        ("230", "ASSAULT WITH DEADLY WEAPON, AGGRAVATED ASSAULT", 0.85),
        ("236", "INTIMATE PARTNER - AGGRAVATED ASSAULT", 0.15),
    ),
    "robbery": (("210", "ROBBERY", 0.8), ("220", "ATTEMPTED ROBBERY", 0.2)),
    "shots_fired": (
        ("753", "DISCHARGE FIREARMS/SHOTS FIRED", 0.6),
        ("251", "SHOTS FIRED AT INHABITED DWELLING", 0.4),
    ),
    "simple_assault": (("624", "BATTERY - SIMPLE ASSAULT", 0.7), ("626", "INTIMATE PARTNER - SIMPLE ASSAULT", 0.3)),
}
CATEGORY_SHARE = {
    "homicide": 0.06,
    "assault_with_weapon": 0.38,
    "robbery": 0.24,
    "shots_fired": 0.16,
    "simple_assault": 0.16,
}
WEAPONS: dict[str, tuple[tuple[str | None, float], ...]] = {
    "homicide": (
        ("HAND GUN", 0.55),
        ("SEMI-AUTOMATIC PISTOL", 0.2),
        ("KNIFE WITH BLADE 6INCHES OR LESS", 0.08),
        ("UNKNOWN WEAPON/OTHER WEAPON", 0.12),
        (None, 0.05),
    ),
    "assault_with_weapon": (
        ("HAND GUN", 0.3),
        ("KNIFE WITH BLADE 6INCHES OR LESS", 0.2),
        ("UNKNOWN WEAPON/OTHER WEAPON", 0.25),
        ("VEHICLE", 0.1),
        ("BLUNT INSTRUMENT", 0.1),
        (None, 0.05),
    ),
    "robbery": (
        ("STRONG-ARM (HANDS, FIST, FEET OR BODILY FORCE)", 0.55),
        ("HAND GUN", 0.25),
        ("UNKNOWN WEAPON/OTHER WEAPON", 0.15),
        (None, 0.05),
    ),
    "shots_fired": (("UNKNOWN FIREARM", 0.7), ("HAND GUN", 0.25), (None, 0.05)),
    "simple_assault": (
        ("STRONG-ARM (HANDS, FIST, FEET OR BODILY FORCE)", 0.8),
        ("UNKNOWN WEAPON/OTHER WEAPON", 0.1),
        (None, 0.1),
    ),
}
PREMISES: tuple[tuple[str, float], ...] = (
    ("STREET", 0.42),
    ("SIDEWALK", 0.18),
    ("PARKING LOT", 0.08),
    ("SINGLE FAMILY DWELLING", 0.1),
    ("MULTI-UNIT DWELLING (APARTMENT, DUPLEX, ETC)", 0.12),
    ("PARK/PLAYGROUND", 0.05),
    ("ALLEY", 0.05),
)
SEXES: tuple[tuple[str | None, float], ...] = (("M", 0.68), ("F", 0.25), ("X", 0.05), (None, 0.02))
DESCENTS: tuple[tuple[str | None, float], ...] = (
    ("H", 0.55),
    ("B", 0.37),
    ("W", 0.03),
    ("O", 0.02),
    ("X", 0.02),
    (None, 0.01),
)
# Relative frequency by hour of day (0..23): a night-time peak, a morning trough.
HOUR_WEIGHTS = np.array([7, 6, 5, 4, 3, 2, 2, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 8, 9, 9, 9, 8], dtype=float)
# Monday..Sunday: weekends are busier.
WEEKDAY_WEIGHTS = np.array([0.9, 0.85, 0.85, 0.9, 1.15, 1.35, 1.3])

# Expected incidents per year for each cluster.
HARVARD_BORDER_PER_YEAR = {
    2010: 14, 2011: 14, 2012: 16, 2013: 15, 2014: 20, 2015: 28, 2016: 62, 2017: 58,
    2018: 34, 2019: 28, 2020: 30, 2021: 27, 2022: 24, 2023: 22, 2024: 20,
}  # fmt: skip
BACKGROUND_PER_YEAR = 150
WATTS_PRE_PER_YEAR = 48
RAMONA_PRE_PER_YEAR = 28
OTHER_DEV_PRE_PER_YEAR = 18


def _pick(rng: np.random.Generator, options: Sequence[tuple[Any, float]], n: int) -> list[Any]:
    values = [o[0] for o in options]
    p = np.array([o[1] for o in options], dtype=float)
    idx = rng.choice(len(values), size=n, p=p / p.sum())
    return [values[i] for i in idx]


def _rect(lat: float, lon: float, half_w: float, half_h: float) -> Polygon:
    (x,), (y,) = lonlat_to_metric(np.array([lon]), np.array([lat]))
    ring = np.array([[x - half_w, y - half_h], [x + half_w, y - half_h], [x + half_w, y + half_h],
                     [x - half_w, y + half_h]])  # fmt: skip
    lon_r, lat_r = metric_to_lonlat(ring[:, 0], ring[:, 1])
    return Polygon(zip(lon_r, lat_r, strict=True))


def build_places() -> gpd.GeoDataFrame:
    """Parks, housing developments and CSP site outlines (approximate, EPSG:4326)."""
    rows: list[dict[str, Any]] = []
    harvard = Polygon(HARVARD_PARK_RING)
    rows.append({"name": "Harvard Park", "kind": "park", "geometry": harvard, "program_start": HARVARD_CSP_START})
    for name, lat, lon, hw, hh in PARKS:
        rows.append({"name": name, "kind": "park", "geometry": _rect(lat, lon, hw, hh), "program_start": None})
    for dev in DEVELOPMENTS:
        rows.append(
            {"name": dev.name, "kind": "housing", "geometry": _rect(dev.lat, dev.lon, dev.half_w, dev.half_h),
             "program_start": dev.csp_start}
        )  # fmt: skip
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)
    metric = gdf.to_crs(METRIC)
    csp_rows = []
    buffer_m = 250.0
    for name, start in [(d.name, d.csp_start) for d in DEVELOPMENTS] + [("Harvard Park", HARVARD_CSP_START)]:
        geom = metric.loc[metric["name"] == name, "geometry"].iloc[0]
        outline = shapely.convex_hull(geom.buffer(buffer_m, quad_segs=4))
        csp_rows.append({"name": f"CSP {name}", "kind": "csp_site", "geometry": outline, "program_start": start})
    csp = gpd.GeoDataFrame(csp_rows, geometry="geometry", crs=METRIC).to_crs(WGS84)
    places = pd.concat([gdf, csp], ignore_index=True)
    places["place_id"] = [f"demo-{k}-{i:02d}" for i, k in enumerate(places["kind"])]
    places["source"] = PLACE_SOURCE
    places["approximate"] = True
    places = gpd.GeoDataFrame(places, geometry="geometry", crs=WGS84)
    places["geometry"] = shapely.set_precision(places.geometry.values, 1e-6)
    return coerce_places(places)


def build_streets() -> gpd.GeoDataFrame:
    """Main streets around Harvard Park, Watts and Ramona Gardens (straight approximations)."""
    rows = []
    for name, orient, const, a, b in STREETS:
        line = LineString([(const, a), (const, b)]) if orient == "ns" else LineString([(a, const), (b, const)])
        rows.append({"name": name, "kind": "street", "source": PLACE_SOURCE, "approximate": True, "geometry": line})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84)


def _sample_near(
    rng: np.random.Generator, geom_m: shapely.Geometry, n: int, *, scale_m: float, inside_weight: float
) -> np.ndarray:
    """Points (metres) near ``geom_m``: density exp(-d/scale) outside, ``inside_weight`` inside."""
    if n == 0:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = geom_m.bounds
    pad = 6 * scale_m
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        m = max(4 * (n - have), 64)
        xy = np.column_stack([rng.uniform(minx - pad, maxx + pad, m), rng.uniform(miny - pad, maxy + pad, m)])
        d = shapely.distance(shapely.points(xy), geom_m)
        p = np.where(d == 0, inside_weight, np.exp(-d / scale_m))
        keep = xy[rng.uniform(size=m) < p]
        out.append(keep)
        have += len(keep)
    return np.concatenate(out)[:n]


def _dates(rng: np.random.Generator, year: int, n: int) -> pd.DatetimeIndex:
    """Local naive datetimes in ``year`` following the hour and weekday patterns."""
    days = pd.date_range(f"{year}-01-01", f"{year}-12-31", freq="D")
    summer = 1 + 0.15 * np.sin((days.day_of_year.to_numpy() - 100) / 366 * 2 * np.pi)
    w = WEEKDAY_WEIGHTS[days.day_of_week.to_numpy()] * summer
    day = days[rng.choice(len(days), size=n, p=w / w.sum())]
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    minute: NDArray[np.int64] = rng.choice(np.arange(0, 60, 5), size=n)
    return pd.DatetimeIndex(day) + pd.to_timedelta(hour * 60 + minute, unit="min")


def _csp_factor(year: int, start: str) -> float:
    """Share of the pre-program level left in ``year`` (a gradual decline to about 30%)."""
    start_year = int(start[:4])
    if year < start_year:
        return 1.0
    return float(max(0.3, 1.0 - 0.25 * (year - start_year + 1)))


def _address_blocks(lon: np.ndarray, lat: np.ndarray, streets: gpd.GeoDataFrame) -> list[str]:
    """A plausible synthetic hundred block on the nearest context street."""
    xs, ys = lonlat_to_metric(lon, lat)
    pts = shapely.points(np.column_stack([xs, ys]))
    lines = streets.to_crs(METRIC).geometry.to_numpy()
    dist = np.stack([shapely.distance(pts, line) for line in lines], axis=1)
    nearest = dist.argmin(axis=1)
    out = []
    for i, k in enumerate(nearest):
        name, orient = STREETS[k][0], STREETS[k][1]
        if orient == "ns":
            number = round(float((34.0500 - lat[i]) / 0.001089)) * 100
            out.append(f"{max(number, 100)} S {name.upper()}")
        else:
            offset = (-118.2740 - lon[i]) / 0.00206
            side = "W" if offset >= 0 else "E"
            out.append(f"{round(float(abs(offset))) * 100 or 100} {side} {name.upper()}")
    return out


def build_incidents(places: gpd.GeoDataFrame, streets: gpd.GeoDataFrame, *, seed: int = SEED) -> gpd.GeoDataFrame:
    """Synthetic incidents 2010-2024 in the canonical schema (every row ``synthetic``)."""
    rng = np.random.default_rng(seed)
    metric = places.to_crs(METRIC)
    geom = dict(zip(metric["name"], metric.geometry, strict=True))
    chunks = _incident_chunks(rng, geom)
    xy = np.concatenate([c[0] for c in chunks])
    when = pd.DatetimeIndex(np.concatenate([c[1].to_numpy() for c in chunks]))
    cluster = np.concatenate([[c[2]] * len(c[0]) for c in chunks])
    n = len(xy)
    category = _categories(rng, xy, when, cluster, geom["Harvard Park"])

    codes, descs = [], []
    for cat in category:
        (code, desc) = _pick(rng, [((c, d), w) for c, d, w in OFFENSES[cat]], 1)[0]
        codes.append(code)
        descs.append(desc)
    assert all(LAPD_CODE_CATEGORY.get(c) == cat for c, cat in zip(codes, category, strict=True))
    weapon = [_pick(rng, WEAPONS[cat], 1)[0] for cat in category]

    time_known = rng.uniform(size=n) >= 0.02
    local = when.where(time_known, when.normalize())
    # Local wall-clock times: the repeated hour in November counts as daylight time, the
    # skipped hour in March moves forward (as a clock would show it).
    occurred = local.tz_localize(TZ, ambiguous=np.ones(n, dtype=bool), nonexistent="shift_forward")

    age = np.clip(np.round(rng.gamma(6.0, 4.8, size=n) + 8), 10, 89).astype("int64")
    age_series = pd.array(age, dtype="Int64")
    age_series[rng.uniform(size=n) < 0.07] = pd.NA

    lon, lat = metric_to_lonlat(xy[:, 0], xy[:, 1])
    lon = np.round(lon, 5)
    lat = np.round(lat, 5)
    df = pd.DataFrame(
        {
            "source": DEMO_SOURCE,
            "occurred_at": occurred,
            "time_known": time_known,
            "offense_code": codes,
            "offense_desc": descs,
            "category": category,
            "weapon": weapon,
            "premise": _pick(rng, PREMISES, n),
            "victim_age": age_series,
            "victim_sex": _pick(rng, SEXES, n),
            "victim_descent": _pick(rng, DESCENTS, n),
            "address_block": _address_blocks(lon, lat, streets),
            "lat": lat,
            "lon": lon,
            "synthetic": True,
        }
    )
    df = df.sort_values(["occurred_at", "lat", "lon"], kind="mergesort").reset_index(drop=True)
    df.insert(0, "incident_id", [f"demo-{i:06d}" for i in range(1, len(df) + 1)])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84)
    gdf = coerce_incidents(gdf[[*INCIDENT_DTYPES, "geometry"]])
    return gdf


def _incident_chunks(
    rng: np.random.Generator, geom: dict[str, shapely.Geometry]
) -> list[tuple[np.ndarray, pd.DatetimeIndex, str]]:
    """Per year: background incidents around 30 centres, the Harvard Park border cluster and the developments'
    clusters (falling after their CSP start), each as (points in metres, local times, cluster name)."""
    chunks: list[tuple[np.ndarray, pd.DatetimeIndex, str]] = []
    (minx, maxx), (miny, maxy) = lonlat_to_metric(np.array([-118.325, -118.228]), np.array([33.928, 34.002]))
    centers = np.column_stack([rng.uniform(minx, maxx, 30), rng.uniform(miny, maxy, 30)])
    for year in YEARS:
        n = int(rng.poisson(BACKGROUND_PER_YEAR * (1.05 - 0.01 * (year - YEARS[0]))))
        from_centre = rng.uniform(size=n) < 0.6
        k = rng.integers(0, len(centers), size=n)
        xy = np.where(
            from_centre[:, None],
            centers[k] + rng.normal(0, 320, size=(n, 2)),
            np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)]),
        )
        chunks.append((xy, _dates(rng, year, n), "background"))

        n = int(rng.poisson(HARVARD_BORDER_PER_YEAR[year]))
        chunks.append((_sample_near(rng, geom["Harvard Park"], n, scale_m=70, inside_weight=0.25),
                       _dates(rng, year, n), "harvard"))  # fmt: skip

        for dev in DEVELOPMENTS:
            base = WATTS_PRE_PER_YEAR if dev.watts else (
                RAMONA_PRE_PER_YEAR if dev.name == "Ramona Gardens" else OTHER_DEV_PRE_PER_YEAR)  # fmt: skip
            n = int(rng.poisson(base * _csp_factor(year, dev.csp_start)))
            chunks.append((_sample_near(rng, geom[dev.name], n, scale_m=90, inside_weight=0.9),
                           _dates(rng, year, n), "development"))  # fmt: skip
    return chunks


def _categories(
    rng: np.random.Generator, xy: np.ndarray, when: pd.DatetimeIndex, cluster: np.ndarray, park: shapely.Geometry
) -> np.ndarray:
    """A category per incident by :data:`CATEGORY_SHARE`, with more homicides on the Harvard Park border."""
    cats = np.array(list(CATEGORY_SHARE))
    p_cat = np.array(list(CATEGORY_SHARE.values()))
    category = cats[rng.choice(len(cats), size=len(xy), p=p_cat / p_cat.sum())]
    # The Harvard Park border is where the killings concentrated: plant the four homicides of
    # 2016 within 75 m of the park, and raise the homicide share on the border in 2015-2017.
    border = np.flatnonzero(cluster == "harvard")
    hot = border[(when[border].year >= 2015) & (when[border].year <= 2017)]
    category[hot[rng.uniform(size=len(hot)) < 0.12]] = "homicide"
    d_park = shapely.distance(shapely.points(xy), park)
    near16 = border[(when[border].year == 2016) & (d_park[border] > 0) & (d_park[border] <= 75)]
    category[near16[:4]] = "homicide"
    return category


# --- population (synthetic block groups) ------------------------------------------------------

POPULATION_SOURCE = "synthetic demo population"
POPULATION_NOTE = "Synthetic population: generated residents on a square grid, not Census figures."
RATE_ZONES_NOTE = "Synthetic zones for rates: squares, not real neighbourhoods."
POPULATION_CELL_M = 600.0
"""Side of a synthetic block group (metres, EPSG:32611)."""
RATE_ZONE_CELLS = 4
"""A synthetic rate zone spans this many block groups a side, offset by half a block group."""
POPULATION_AREAS = ((-118.33, 33.925, -118.22, 34.005), (-118.202, 34.078, -118.183, 34.096))
"""lon/lat boxes covered with synthetic block groups: South LA and Watts, and Ramona Gardens."""
MEAN_RESIDENTS = 1500.0
DESCENT_SHARES = {"H": 0.58, "B": 0.34, "W": 0.04, "A": 0.02, "O": 0.02}
AGE_SHARES = {"0-17": 0.27, "18-24": 0.11, "25-34": 0.16, "35-49": 0.2, "50+": 0.26}


def _cells(box: tuple[float, float, float, float], side: float, *, offset: float = 0.0) -> list[Polygon]:
    (x0, x1), (y0, y1) = lonlat_to_metric(np.array([box[0], box[2]]), np.array([box[1], box[3]]))
    xs = np.arange(np.floor(x0 / side) * side - offset, x1, side)
    ys = np.arange(np.floor(y0 / side) * side - offset, y1, side)
    return [shapely.box(x, y, x + side, y + side) for y in ys for x in xs]


def _split(rng: np.random.Generator, total: int, shares: dict[str, float], concentration: float) -> dict[str, int]:
    p = rng.dirichlet(np.array(list(shares.values())) * concentration)
    return dict(zip(shares, (int(v) for v in rng.multinomial(total, p)), strict=True))


def build_population(*, seed: int = SEED) -> gpd.GeoDataFrame:
    """Synthetic block groups (EPSG:4326) with residents by descent, sex and age band and 90% margins.

    Every figure is generated (``synthetic`` True); the columns are those of the Census layer
    (:data:`geo.data.sources.census.GROUP_COLUMNS` and their ``_moe``).
    """
    rng = np.random.default_rng([seed, 15])
    cells = [c for box in POPULATION_AREAS for c in _cells(box, POPULATION_CELL_M)]
    rows: list[dict[str, Any]] = []
    for i, cell in enumerate(cells):
        total = int(rng.gamma(4.0, MEAN_RESIDENTS / 4.0))
        groups = {"population": total}
        groups |= {f"descent_{k}": v for k, v in _split(rng, total, DESCENT_SHARES, 30.0).items()}
        male = int(rng.binomial(total, 0.49))
        groups |= {"sex_M": male, "sex_F": total - male}
        groups |= {f"age_{k}": v for k, v in _split(rng, total, AGE_SHARES, 60.0).items()}
        spread = rng.uniform(4.0, 9.0)
        row: dict[str, Any] = {"geoid": f"demo-bg-{i + 1:04d}"}
        for name, value in groups.items():
            row[name] = value
            row[f"{name}_moe"] = round(spread * np.sqrt(value) + 10) if value else 12
        rows.append(row | {"synthetic": True, "source": POPULATION_SOURCE, "geometry": cell})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC).to_crs(WGS84)
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 1e-6)
    return gdf


def build_rate_zones() -> gpd.GeoDataFrame:
    """Synthetic zones for rates (EPSG:4326), larger than block groups and not aligned with them.

    Zones are clipped to the synthetic block groups; slivers under a quarter of a full zone are dropped.
    """
    side = POPULATION_CELL_M * RATE_ZONE_CELLS
    rows: list[dict[str, Any]] = []
    for box in POPULATION_AREAS:
        covered = shapely.union_all(_cells(box, POPULATION_CELL_M))
        for cell in _cells(box, side, offset=POPULATION_CELL_M / 2):
            zone = cell.intersection(covered)  # no zone reaches beyond the synthetic residents
            if zone.area >= (side * side) / 4:
                rows.append({"name": f"Demo area {len(rows) + 1:02d}", "synthetic": True, "geometry": zone})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC).to_crs(WGS84)
    gdf["geometry"] = shapely.set_precision(gdf.geometry.values, 1e-6)
    return gdf


def _round(obj: Any, nd: int = 6) -> Any:
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, (list, tuple)):
        return [_round(o, nd) for o in obj]
    return obj


def geojson_text(gdf: gpd.GeoDataFrame, *, name: str, note: str) -> str:
    """Deterministic GeoJSON (sorted keys, coordinates rounded to 1e-6 degrees)."""
    features = []
    props = [c for c in gdf.columns if c != "geometry"]
    for rec, geom in zip(gdf[props].to_dict("records"), gdf.geometry, strict=True):
        clean = {k: (None if pd.isna(v) else v) for k, v in rec.items()}
        g = mapping(geom) if geom is not None else None  # a feature with no place (a line to call) has null geometry
        shape = {"type": g["type"], "coordinates": _round(g["coordinates"])} if g is not None else None
        features.append({"type": "Feature", "properties": clean, "geometry": shape})
    doc = {"type": "FeatureCollection", "name": name, "note": note, "features": features}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


Extras = Callable[[Path, gpd.GeoDataFrame, gpd.GeoDataFrame], dict[str, Any]]


def write_bundle(out_dir: str | Path, *, seed: int = SEED, extras: Extras | None = None) -> dict[str, Any]:
    """Generate the demo bundle into ``out_dir``; return its manifest. ``extras`` writes more of it from its places
    and incidents (the survey wave, from a layer above this one) and returns its sections of the manifest."""
    out = Path(out_dir)
    places = build_places()
    streets = build_streets()
    incidents = build_incidents(places, streets, seed=seed)
    note = "Approximate geometry drawn around real places for the demo; not survey boundaries."
    write_text_atomic(out / "places.geojson", geojson_text(places, name="places", note=note))
    write_text_atomic(out / "streets.geojson", geojson_text(streets, name="streets", note=note))
    population = build_population(seed=seed)
    zones = build_rate_zones()
    write_text_atomic(out / "population.geojson", geojson_text(population, name="population", note=POPULATION_NOTE))
    write_text_atomic(out / "rate_zones.geojson", geojson_text(zones, name="rate_zones", note=RATE_ZONES_NOTE))
    counts = {str(k): int(v) for k, v in incidents["category"].value_counts().sort_index().items()}
    manifest = {
        "generator": "geo.data.demo",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "synthetic": True,
        "notice": "Synthetic demo incidents: generated, not real events. No names.",
        "places": len(places),
        "streets": len(streets),
        "population": {
            "block_groups": len(population),
            "residents": int(population["population"].sum()),
            "rate_zones": len(zones),
            "note": POPULATION_NOTE,
        },
        "incidents": len(incidents),
        "incidents_by_category": counts,
        "date_from": str(incidents["occurred_at"].min().date()),
        "date_to": str(incidents["occurred_at"].max().date()),
    }
    network = read_graphml(write_demo_network(out))
    note = "generated street grid, approximate; not OpenStreetMap"
    manifest["walk_network"] = {"nodes": network.number_of_nodes(), "edges": network.number_of_edges(), "note": note}
    write_geoparquet(incidents, out / "incidents.parquet", metadata={**manifest, "source": DEMO_SOURCE})
    if extras is not None:
        manifest.update(extras(out, places, incidents))
    write_text_atomic(out / "manifest.json", json.dumps(manifest, sort_keys=True, indent=2) + "\n")
    return manifest
