"""Rates per resident for any zone layer or ring, with the rules for small numbers.

``rate = count / years / population * per``: incidents per ``per`` residents per year, where
``years`` is the length of the period in years (days / 365.25). The population of a zone comes
from a population layer interpolated by area (:mod:`geo.analysis.areal`, block groups to zones,
rings or park borders) or from a table keyed like the zones (a CSV the user has).

The denominator matches the victim group the filters select: victim descent ``B`` is divided by
the Black population (ACS B03002), sex ``F`` by women, an age band by the residents of that age
(:func:`population_columns`). Several groups of one kind are summed; two kinds at once (descent and
sex) have no ACS denominator here and are refused.

Small numbers (``rates`` settings): a zone is flagged ``small_population`` under
``min_population`` residents, ``small_count`` under ``min_count`` incidents, ``no_population`` with
none (``flag`` lists them, comma-separated; empty when none); with ``suppress`` a flagged
zone's rate is withheld. Pooling more years (:func:`pooled_filters`) is the usual remedy.
The ACS margin of error (90%) becomes a coefficient of variation
``CV = MOE / 1.645 / estimate`` and the Census Bureau's reliability tiers (``high`` under 12%,
``medium`` 12-40%, ``low`` over 40%). The empirical Bayes rate (``rate_eb``, the global method of
PySAL ``esda.smoothing.Empirical_Bayes``) shrinks each zone's rate towards the rate of all zones,
the more the fewer residents it has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.areal import COVERAGE, area_interpolate, check_polygons
from geo.analysis.rings import ring_polygons
from geo.analysis.zones import default_zone_key, zone_index
from geo.core.disclosure import Disclosure, ShownCounts
from geo.core.errors import AnalysisError
from geo.core.filters import Filters
from geo.core.projection import METRIC, WGS84
from geo.core.settings import RateSettings
from geo.core.validate import union_metric

Z90 = 1.645
"""ACS margins of error are 90% intervals: standard error = MOE / 1.645."""
DAYS_PER_YEAR = 365.25
FLAGS = ("no_population", "small_population", "small_count")
TIERS = ("high", "medium", "low")
ROW_COLUMNS = (
    "zone", "count", "population", "population_moe", "coverage", "years", "rate", "rate_eb", "cv",
    "reliability", "flag", "suppressed",
)  # fmt: skip


def _check_zones(zones: object, key: str | None) -> tuple[gpd.GeoDataFrame, str]:
    layer = check_polygons(zones, "zones")
    key = key or default_zone_key(layer)
    if key not in layer.columns:
        msg = f"zones have no field {key!r}; fields: {[c for c in layer.columns if c != layer.geometry.name]}"
        raise AnalysisError(msg)
    return layer, key


def ring_zones(place: object, *, rings_m: Sequence[float]) -> gpd.GeoDataFrame:
    """The focus place's bands as zones (key ``zone``: ``inside`` and each ring), EPSG:4326."""
    bands = ring_polygons(place, rings_m=rings_m)
    return gpd.GeoDataFrame({"zone": bands["band"].astype(str)}, geometry=bands.geometry, crs=bands.crs)


def border_zone(place: object, *, within_m: float, name: str = "border") -> gpd.GeoDataFrame:
    """One zone: everything within ``within_m`` metres of the place's border, outside it (EPSG:4326)."""
    if not within_m > 0:
        msg = f"within_m must be > 0 metres, got {within_m}"
        raise AnalysisError(msg)
    geom = union_metric(place, "place")
    band = geom.buffer(within_m, quad_segs=16)
    if geom.area > 0:
        band = band.difference(geom)
    return gpd.GeoDataFrame({"zone": [name]}, geometry=[band], crs=METRIC).to_crs(WGS84)


def population_columns(filters: Filters) -> tuple[str, ...]:
    """The population columns that match the victim group of ``filters`` (``("population",)`` for all).

    Raises
    ------
    AnalysisError
        Groups of two kinds at once (e.g. descent and sex), or the unknown group ``X``/``unknown``.
    """
    kinds = [
        (name, prefix, values)
        for name, prefix, values in (
            ("descent", "descent_", filters.descents),
            ("sex", "sex_", filters.sexes),
            ("age", "age_", filters.age_bands),
        )
        if values
    ]
    if not kinds:
        return ("population",)
    if len(kinds) > 1:
        msg = f"a rate needs a population for one kind of victim group; got {[k[0] for k in kinds]} together"
        raise AnalysisError(msg)
    name, prefix, values = kinds[0]
    unknown = [v for v in values if v in ("X", "unknown")]
    if unknown:
        msg = f"no population is counted for the {name} group {unknown[0]!r} (unknown or not recorded)"
        raise AnalysisError(msg)
    return tuple(f"{prefix}{v}" for v in values)


def period_years(filters: Filters, *, first: dt.date, last: dt.date) -> float:
    """Length in years of the filters' period, bounded by the data's first and last dates."""
    start = max(filters.start or first, first)
    end = min(filters.end or last, last)
    days = (end - start).days + 1
    if days <= 0:
        msg = f"the period {start} .. {end} holds no day of data ({first} .. {last})"
        raise AnalysisError(msg)
    return days / DAYS_PER_YEAR


def pooled_filters(filters: Filters, *, years: int, last: dt.date) -> Filters:
    """``filters`` over the ``years`` whole years that end on its end date (or the data's last date)."""
    if years < 1:
        msg = f"pool at least 1 year, got {years}"
        raise AnalysisError(msg)
    end = min(filters.end or last, last)
    try:
        start = end.replace(year=end.year - years) + dt.timedelta(days=1)
    except ValueError:  # 29 February
        start = end.replace(year=end.year - years, day=28) + dt.timedelta(days=1)
    return filters.replace(start=start, end=end)


def _summed(frame: pd.DataFrame, columns: Sequence[str], suffix: str) -> pd.Series:
    cols = [f"{c}{suffix}" for c in columns]
    if any(c not in frame.columns for c in cols):
        return pd.Series(np.nan, index=frame.index)
    values: pd.DataFrame = frame[cols].apply(pd.to_numeric, errors="coerce")
    if suffix:
        root: pd.Series = np.sqrt((values**2).sum(axis=1, min_count=len(cols)))  # a ufunc keeps the Series
        return root
    return values.sum(axis=1, min_count=len(cols))


def zone_population(
    zones: gpd.GeoDataFrame,
    population: pd.DataFrame,
    *,
    key: str,
    columns: Sequence[str] = ("population",),
    table_key: str | None = None,
    metric_crs: str = METRIC,
) -> pd.DataFrame:
    """Population, margin and coverage of each zone key.

    Parameters
    ----------
    zones
        Polygons (any declared CRS); features sharing ``key`` are one zone.
    population
        Population polygons (a GeoDataFrame: interpolated by area) or a table with a
        ``table_key`` column holding the zone keys (joined as text; coverage 1 where matched).
    columns
        Population columns to sum (:func:`population_columns`); ``<column>_moe`` margins when present.

    Returns
    -------
    pandas.DataFrame
        Indexed by zone key (text): ``population``, ``population_moe``, ``coverage``.
    """
    zones, key = _check_zones(zones, key)
    keys = zones[key].astype("string")
    missing = [c for c in columns if c not in population.columns]
    if missing:
        msg = f"the population data have no column {missing[0]!r}; columns: {list(population.columns)[:16]}"
        raise AnalysisError(msg)
    if isinstance(population, gpd.GeoDataFrame):
        moe = [f"{c}_moe" if f"{c}_moe" in population.columns else None for c in columns]
        part = area_interpolate(population, zones, columns=columns, moe_columns=moe, metric_crs=metric_crs)
        area = zones.geometry.to_crs(metric_crs).area.to_numpy()
        frame = pd.DataFrame(
            {
                "zone": keys.to_numpy(),
                "population": part[list(columns)].sum(axis=1).to_numpy(),
                "moe2": (_summed(part, columns, "_moe") ** 2).to_numpy(),
                "covered": part[COVERAGE].to_numpy() * area,
                "area": area,
            }
        )
        agg = frame.groupby("zone", sort=True).sum()
        cov = np.divide(agg["covered"], agg["area"], out=np.zeros(len(agg)), where=agg["area"].to_numpy() > 0)
        return pd.DataFrame(
            {"population": agg["population"], "population_moe": np.sqrt(agg["moe2"]), "coverage": cov},
            index=agg.index.astype(str),
        )
    tk = table_key or key
    if tk not in population.columns:
        msg = f"the population table has no key column {tk!r}; columns: {list(population.columns)[:16]}"
        raise AnalysisError(msg)
    table = population.assign(_key=population[tk].astype("string").str.strip())
    if table["_key"].duplicated().any():
        dup = table.loc[table["_key"].duplicated(), "_key"].iloc[0]
        msg = f"the population table lists zone {dup!r} more than once"
        raise AnalysisError(msg)
    table = table.set_index("_key")
    pop = _summed(table, columns, "")
    out = pd.DataFrame(index=pd.Index(sorted(keys.dropna().unique()), dtype=str))
    out["population"] = pop.reindex(out.index)
    out["population_moe"] = _summed(table, columns, "_moe").reindex(out.index)
    out["coverage"] = out["population"].notna().astype(float)
    return out


def reliability(cv: np.ndarray, tiers: tuple[float, float]) -> list[str | None]:
    """Census Bureau reliability tier of each CV: ``high`` < low tier <= ``medium`` <= high tier < ``low``."""
    low, high = tiers
    out: list[str | None] = []
    for v in np.asarray(cv, dtype=float):
        out.append(None if np.isnan(v) else TIERS[0] if v < low else TIERS[1] if v <= high else TIERS[2])
    return out


def empirical_bayes(counts: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    """Global empirical Bayes rates (events per unit of exposure), as ``esda.smoothing.Empirical_Bayes``.

    ``w_i = s2 / (s2 + m / b_i)`` with ``m = sum(e) / sum(b)`` and
    ``s2 = sum(b_i (r_i - m)**2) / sum(b) - m / mean(b)``; a negative ``s2`` (no spread beyond
    chance) is taken as 0, so every rate becomes ``m``. Zones without exposure get NaN.
    """
    e = np.asarray(counts, dtype=float)
    b = np.asarray(exposure, dtype=float)
    out = np.full(len(e), np.nan)
    ok = b > 0
    if not ok.any():
        return out
    e_ok, b_ok = e[ok], b[ok]
    m = e_ok.sum() / b_ok.sum()
    r = e_ok / b_ok
    s2 = max(float((b_ok * (r - m) ** 2).sum() / b_ok.sum() - m / b_ok.mean()), 0.0)
    w = s2 / (s2 + m / b_ok) if s2 > 0 else np.zeros_like(b_ok)
    out[ok] = w * r + (1 - w) * m
    return out


def _flags(count: int, population: float, rules: RateSettings) -> str:
    found = []
    if not population > 0:
        found.append(FLAGS[0])
    elif population < rules.min_population:
        found.append(FLAGS[1])
    if not Disclosure(rules.min_count).enough(count):  # too few to read a rate into (rates.min_count)
        found.append(FLAGS[2])
    return ",".join(found)


def zone_rates(
    incidents: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    population: pd.DataFrame,
    *,
    key: str | None = None,
    columns: Sequence[str] = ("population",),
    years: float,
    rules: RateSettings,
    per: float | None = None,
    suppress: bool = False,
    table_key: str | None = None,
    metric_crs: str = METRIC,
) -> gpd.GeoDataFrame:
    """Incidents, population and rate per ``per`` residents per year of every zone.

    Parameters
    ----------
    incidents
        The selected incidents (points with a CRS; already filtered).
    zones
        Polygon layer (zones sharing a key are merged), any declared CRS.
    population
        Population polygons or table (:func:`zone_population`).
    years
        Length of the period in years (:func:`period_years`), > 0.
    rules
        The ``rates`` settings (thresholds, CV tiers, smoothing).
    per
        Residents per rate unit (default ``rules.per``).
    suppress
        Withhold the rate of flagged zones (``suppressed`` True).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per zone key sorted by rate (highest first, zones without a rate last):
        :data:`ROW_COLUMNS` and geometry; ``attrs`` holds ``per``, ``years``, ``columns``, ``outside``
        and the pooled ``total`` (count, population, rate of all zones together).
    """
    zones, key = _check_zones(zones, key)
    if not years > 0:
        msg = f"years must be > 0, got {years}"
        raise AnalysisError(msg)
    per = float(rules.per if per is None else per)
    if not per > 0:
        msg = f"per must be > 0 residents, got {per}"
        raise AnalysisError(msg)
    pop = zone_population(zones, population, key=key, columns=columns, table_key=table_key, metric_crs=metric_crs)
    idx = zone_index(incidents, zones)
    keys = zones[key].astype("string").fillna("").to_numpy()
    counts = pd.Series(np.bincount(idx[idx >= 0], minlength=len(zones)), index=keys).groupby(level=0).sum()
    shapes = gpd.GeoDataFrame({"zone": keys}, geometry=zones.geometry.to_crs(WGS84).to_numpy(), crs=WGS84)
    merged = shapes.dissolve(by="zone").reindex(pop.index)
    n = counts.reindex(pop.index).fillna(0).astype(int).to_numpy()
    p = pop["population"].to_numpy(dtype=float)
    rate = np.where(p > 0, n / years / np.where(p > 0, p, 1) * per, np.nan)
    cv = np.where(p > 0, pop["population_moe"].to_numpy(dtype=float) / Z90 / np.where(p > 0, p, 1), np.nan)
    eb = empirical_bayes(n, p * years) * per if rules.smoothing else np.full(len(n), np.nan)
    flags = [_flags(int(c), float(v), rules) for c, v in zip(n, np.nan_to_num(p), strict=True)]
    hidden = np.array([suppress and bool(f) for f in flags], dtype=bool)
    out = gpd.GeoDataFrame(
        {
            "zone": pop.index.astype(str),
            "count": n,
            "population": p,
            "population_moe": pop["population_moe"].to_numpy(dtype=float),
            "coverage": pop["coverage"].to_numpy(dtype=float),
            "years": years,
            "rate": np.where(hidden, np.nan, rate),
            "rate_eb": np.where(hidden, np.nan, eb),
            "cv": cv,
            "reliability": reliability(cv, rules.cv_tiers),
            "flag": flags,
            "suppressed": hidden,
        },
        geometry=merged.geometry.to_numpy(),
        crs=WGS84,
    )
    out = out.sort_values(["rate", "zone"], ascending=[False, True], na_position="last").reset_index(drop=True)
    total_pop = float(np.nansum(p))
    total_n = int(n.sum())
    out.attrs = {
        "per": per,
        "years": years,
        "columns": list(columns),
        "outside": int((idx < 0).sum()),
        "total": {
            "count": total_n,
            "population": total_pop,
            "rate": total_n / years / total_pop * per if total_pop > 0 else None,
        },
    }
    return out


FINE_COLUMNS = frozenset({"cv", "coverage", "years"})
"""Shares and years are rounded to 4 decimals in :func:`rows`, other numbers to ``digits``."""


def rows(table: gpd.GeoDataFrame, *, digits: int = 2) -> list[dict[str, object]]:
    """JSON-ready rows of :func:`zone_rates` (no geometry; NaN and an empty flag as None; numbers rounded)."""

    def clean(v: object, nd: int) -> object:
        if v == "":
            return None
        if isinstance(v, float | np.floating):
            return None if np.isnan(v) else round(float(v), nd)
        if isinstance(v, np.integer):
            return int(v)
        if isinstance(v, np.bool_):
            return bool(v)
        return v

    records = table[list(ROW_COLUMNS)].to_dict("records")
    return [{c: clean(rec[c], 4 if c in FINE_COLUMNS else digits) for c in ROW_COLUMNS} for rec in records]


def shown_rates(table: gpd.GeoDataFrame, rule: Disclosure) -> tuple[gpd.GeoDataFrame, ShownCounts]:
    """A :func:`zone_rates` table as ``rule`` shows it, and how its counts are shown.

    The zones are one group under their combined count: a hidden count's rate and smoothed rate are
    withheld (NaN), since rate, population and period give the count back; the combined count and rate
    (``attrs["total"]``) are withheld (None) when the combined count is hidden.
    """
    out = table.copy()
    shown = rule.counts(out["count"].fillna(0).to_numpy(dtype=float))
    out.loc[shown.hidden, ["rate", "rate_eb"]] = np.nan
    total = dict(table.attrs.get("total") or {})
    if total and shown.total.hidden:
        total.update(count=None, rate=None)
    out.attrs["total"] = total
    return out, shown
