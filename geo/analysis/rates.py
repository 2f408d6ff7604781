"""Rates per resident for any zone layer or ring, with the rules for small numbers.

``rate = count / years / population * per``: incidents per ``per`` residents per year, where
``years`` is the length of the period in calendar years: a whole calendar year counts 1 (2016 too,
with its 366 days, as the LA Times and the Census Bureau count a year), the days of a part year count as
their share of that year's days (:func:`calendar_years`). The population of a zone comes
from a population layer interpolated by area (:mod:`geo.analysis.areal`, block groups to zones,
rings or park borders) or from a table keyed like the zones (a CSV the user has).

The denominator matches the victim group the filters select: victim descent ``B`` is divided by
the Black population (ACS B03002), sex ``F`` by women, an age band by the residents of that age
(:func:`population_columns`). Several groups of one kind are summed; two kinds at once (descent and
sex) have no ACS denominator here and are refused.

Coverage: zones outside the area the incident layer covers (:mod:`geo.data.coverage`; an LA Times
neighbourhood file covers its own neighbourhood only) have no count and no rate ("no data", never 0),
and so do zones the area covers only in part (their count would fall short of their residents); both
are left out of the smoothing and of the combined rate (``data_coverage`` says which).

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

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.areal import COVERAGE, area_interpolate, check_polygons
from geo.analysis.rings import ring_polygons
from geo.analysis.zones import default_zone_key, zone_index
from geo.core.disclosure import Disclosure, Shown, ShownCounts
from geo.core.errors import AnalysisError
from geo.core.filters import Filters
from geo.core.i18n import t
from geo.core.projection import METRIC, WGS84
from geo.core.settings import RateSettings
from geo.core.validate import union_metric
from geo.data.coverage import COVERED, NO_DATA, PARTIAL, Coverage, place_coverage

Z90 = 1.645
"""ACS margins of error are 90% intervals: standard error = MOE / 1.645."""
FLAGS = ("no_population", "small_population", "small_count")
TIERS = ("high", "medium", "low")
ROW_COLUMNS = (
    "zone", "count", "population", "population_moe", "coverage", "years", "rate", "rate_eb", "cv",
    "reliability", "flag", "suppressed", "data_coverage",
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


def calendar_years(start: dt.date, end: dt.date) -> float:
    """Length of ``start`` .. ``end`` (inclusive) in calendar years.

    Each calendar year counts 1 when whole, else the share of its days the period holds: 2016 (366 days)
    is 1 year, 1 July to 31 December 2016 is 184 / 366.
    """
    total = 0.0
    for year in range(start.year, end.year + 1):
        lo, hi = max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))
        total += ((hi - lo).days + 1) / (366 if calendar.isleap(year) else 365)
    return total


def period_years(filters: Filters, *, first: dt.date, last: dt.date) -> float:
    """Length in calendar years (:func:`calendar_years`) of the filters' period, bounded by the data's dates."""
    start = max(filters.start or first, first)
    end = min(filters.end or last, last)
    if (end - start).days < 0:
        msg = f"the period {start} .. {end} holds no day of data ({first} .. {last})"
        raise AnalysisError(msg)
    return calendar_years(start, end)


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
        geom = population.geometry.name if isinstance(population, gpd.GeoDataFrame) else None
        held = [c for c in population.columns if c != geom][:16]
        msg = (
            f"the population data have no column {missing[0]!r} (the victim group the filters choose); columns: {held}"
        )
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
        moe2 = frame.groupby("zone", sort=True)["moe2"].sum(min_count=1)  # no margin anywhere: unknown, not 0
        cov = np.divide(agg["covered"], agg["area"], out=np.zeros(len(agg)), where=agg["area"].to_numpy() > 0)
        return pd.DataFrame(
            {"population": agg["population"], "population_moe": np.sqrt(moe2), "coverage": cov},
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


def zone_data(
    zones: gpd.GeoDataFrame, keys: pd.Index, *, key: str, coverage: Coverage | None, min_share: float | None
) -> pd.Series:
    """Whether the incidents cover each zone key: ``covered``, ``partial`` or ``no_data`` (None without a coverage).

    A zone made of several features is covered only when every feature is; :func:`geo.data.coverage.place_coverage`
    judges each (``min_share``: None for the configured ``workspace.coverage_min_share``).
    """
    if coverage is None:
        return pd.Series([None] * len(keys), index=keys, dtype=object)
    judged = place_coverage(zones, coverage, within_m=0.0, min_share=min_share)
    status = pd.Series(judged["coverage"].to_numpy(), index=zones[key].astype("string").fillna("").to_numpy())
    order = {COVERED: 0, PARTIAL: 1, NO_DATA: 2}
    worst = status.map(order).groupby(level=0).max()
    names = {v: k for k, v in order.items()}
    return worst.map(names).reindex(keys).astype(object)


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
    coverage: Coverage | None = None,
    min_share: float | None = None,
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
        Length of the period in calendar years (:func:`period_years`), > 0.
    rules
        The ``rates`` settings (thresholds, CV tiers, smoothing).
    per
        Residents per rate unit (default ``rules.per``).
    suppress
        Withhold the rate of flagged zones (``suppressed`` True).
    coverage
        The area the incident layer covers (:func:`geo.data.coverage.layer_coverage`; None: no judgement).
        Zones it does not cover whole have no count (``pd.NA``), no rate and no smoothed rate, and are left
        out of the smoothing and of the combined rate.
    min_share
        Share of a zone the coverage must hold for the zone to count as covered (None: the configured one).

    Returns
    -------
    geopandas.GeoDataFrame
        EPSG:4326, one row per zone key sorted by rate (highest first, zones without a rate last):
        :data:`ROW_COLUMNS` and geometry; ``attrs`` holds ``per``, ``years``, ``columns``, ``outside``,
        ``no_data`` (zones without data) and the pooled ``total`` (count, population, rate of the zones with data).
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
    status = zone_data(zones, pop.index, key=key, coverage=coverage, min_share=min_share)
    has = (status.isna() | (status == COVERED)).to_numpy(dtype=bool)
    idx = zone_index(incidents, zones)
    keys = zones[key].astype("string").fillna("").to_numpy()
    counts = pd.Series(np.bincount(idx[idx >= 0], minlength=len(zones)), index=keys).groupby(level=0).sum()
    shapes = gpd.GeoDataFrame({"zone": keys}, geometry=zones.geometry.to_crs(WGS84).to_numpy(), crs=WGS84)
    merged = shapes.dissolve(by="zone").reindex(pop.index)
    n = counts.reindex(pop.index).fillna(0).astype(int).to_numpy()
    p = pop["population"].to_numpy(dtype=float)
    live = has & (p > 0)
    rate = np.where(live, n / years / np.where(p > 0, p, 1) * per, np.nan)
    cv = np.where(p > 0, pop["population_moe"].to_numpy(dtype=float) / Z90 / np.where(p > 0, p, 1), np.nan)
    eb = np.full(len(n), np.nan)
    if rules.smoothing and has.any():
        eb[has] = empirical_bayes(n[has], p[has] * years) * per
    flags = [_flags(int(c), float(v), rules) if ok else "" for c, v, ok in zip(n, np.nan_to_num(p), has, strict=True)]
    hidden = np.array([suppress and bool(f) for f in flags], dtype=bool)
    out = gpd.GeoDataFrame(
        {
            "zone": pop.index.astype(str),
            "count": pd.array([int(c) if ok else pd.NA for c, ok in zip(n, has, strict=True)], dtype="Int64"),
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
            "data_coverage": status.to_numpy(),
        },
        geometry=merged.geometry.to_numpy(),
        crs=WGS84,
    )
    out = out.sort_values(["rate", "zone"], ascending=[False, True], na_position="last").reset_index(drop=True)
    total_pop = float(np.nansum(p[has]))
    total_n = int(n[has].sum())
    out.attrs = {
        "per": per,
        "years": years,
        "columns": list(columns),
        "outside": int((idx < 0).sum()),
        "no_data": int((~has).sum()),
        "total": {
            "count": total_n,
            "population": total_pop,
            "rate": total_n / years / total_pop * per if total_pop > 0 else None,
        },
    }
    return out


FINE_COLUMNS = frozenset({"cv", "coverage", "years"})
"""Shares and years are rounded to 4 decimals in :func:`rows`, other numbers to ``digits``."""


def _clean(v: object, digits: int) -> object:
    if v is None or v is pd.NA or v == "":
        return None
    if isinstance(v, float | np.floating):
        return None if np.isnan(v) else round(float(v), digits)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def rows(table: gpd.GeoDataFrame, *, digits: int = 2) -> list[dict[str, object]]:
    """JSON-ready rows of :func:`zone_rates` (no geometry; NaN, NA and an empty flag as None; numbers rounded)."""
    records = table[list(ROW_COLUMNS)].to_dict("records")
    return [{c: _clean(rec[c], 4 if c in FINE_COLUMNS else digits) for c in ROW_COLUMNS} for rec in records]


@dataclass(frozen=True)
class RateCounts:
    """How the counts of a rate table may be shown: ``counts`` over the zones with data (in table order) and
    ``has_data`` per row; a zone without data reads "no data" (never 0)."""

    counts: ShownCounts
    has_data: np.ndarray

    @property
    def total(self) -> Shown:
        """The combined count of the zones with data, as it may be shown."""
        return self.counts.total

    @property
    def hidden(self) -> np.ndarray:
        """Rows whose count (and so rate) may not be printed; zones without data have none to hide."""
        out = np.zeros(len(self.has_data), dtype=bool)
        out[self.has_data] = self.counts.hidden
        return out

    def _each(self) -> list[Shown | None]:
        shown = iter(self.counts)
        return [next(shown) if ok else None for ok in self.has_data]

    def plain(self) -> list[int | str | None]:
        """Each row's count for JSON: the number, "fewer than 3" / "withheld", or None (no data)."""
        return [None if s is None else s.plain() for s in self._each()]

    def texts(self, lang: str) -> list[str]:
        """Each row's count in words of ``lang`` ("no data" where the incidents do not cover the zone)."""
        return [t("coverage.no_data", lang) if s is None else s.text(lang) for s in self._each()]


def shown_rates(table: gpd.GeoDataFrame, rule: Disclosure) -> tuple[gpd.GeoDataFrame, RateCounts]:
    """A :func:`zone_rates` table as ``rule`` shows it, and how its counts are shown.

    The zones with data are one group under their combined count: a hidden count's rate and smoothed rate are
    withheld (NaN), since rate, population and period give the count back; the combined count and rate
    (``attrs["total"]``) are withheld (None) when the combined count is hidden. Zones without data (a missing
    count) are not part of the group: they read "no data".
    """
    out = table.copy()
    has = out["count"].notna().to_numpy(dtype=bool)
    shown = RateCounts(rule.counts(out.loc[has, "count"].to_numpy(dtype=float)), has)
    out.loc[shown.hidden, ["rate", "rate_eb"]] = np.nan
    total = dict(table.attrs.get("total") or {})
    if total and shown.total.hidden:
        total.update(count=None, rate=None)
    out.attrs["total"] = total
    return out, shown
