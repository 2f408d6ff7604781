"""Incident filters: one immutable value that the URL, the pages and the exports share.

A :class:`Filters` round-trips through URL query parameters (``to_query`` / ``from_query``),
so reloading or sharing a link reproduces the view exactly. Applying filters is a single
vectorised mask over the canonical incident table.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.categories import CATEGORIES
from geo.core.errors import AnalysisError, DataError
from geo.core.text import clean, clip
from geo.core.validate import check_bands

WEAPON_GROUPS: tuple[str, ...] = ("firearm", "knife", "bodily_force", "other", "unknown")
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-17", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-49", 35, 49),
    ("50+", 50, 200),
)
AGE_BAND_KEYS: tuple[str, ...] = (*(b[0] for b in AGE_BANDS), "unknown")
SEXES: tuple[str, ...] = ("M", "F", "X")  # X: unknown, other or not recorded (LAPD X, H, empty)
DESCENTS: tuple[str, ...] = ("H", "B", "W", "A", "O", "X")  # X: unknown or not recorded
ASIAN_CODES = frozenset("ACDFGJKLPSUVZ")  # LAPD descent codes of Asian and Pacific Islander groups
WEEKDAYS: tuple[int, ...] = tuple(range(7))  # Monday = 0
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
"""Dates a link may ask for; anything outside is refused before any date arithmetic."""
MAX_QUERY_VALUE = 500
"""Longest query-parameter value (characters) :meth:`Filters.from_query` reads; longer ones are refused."""
MAX_PLACE = 200
"""Longest place name (characters) a link may carry."""
MIN_DISTANCE_M = 1.0
MAX_DISTANCE_M = 20_000.0
"""Ring and band distances a link or a command may ask for, metres: from 1 m to 20 km (the width of South LA
twice over). A value outside, or not a finite number (``inf``, ``nan``, ``1e400``), is refused before any
arithmetic."""
_ECHO_IN_PROBLEM = 40  # characters of a refused value quoted back in its problem line

_FIREARM = ("GUN", "PISTOL", "RIFLE", "REVOLVER", "FIREARM", "SHOTGUN", "SEMI-AUTOMATIC", "AUTOMATIC WEAPON")
_KNIFE = ("KNIFE", "BLADE", "DAGGER", "MACHETE", "SWORD", "CUTTING", "STABBING", "SCISSORS", "RAZOR", "ICE PICK")


def check_distances(values: Sequence[float], what: str) -> tuple[float, ...]:
    """``values`` as increasing distances in metres, each a finite number from :data:`MIN_DISTANCE_M` to
    :data:`MAX_DISTANCE_M`; raises :class:`DataError` naming ``what`` otherwise. The one check of a distance list
    read from a link, a sidebar box or a command line."""
    out = tuple(float(v) for v in values)
    if not all(math.isfinite(v) and MIN_DISTANCE_M <= v <= MAX_DISTANCE_M for v in out):
        shown = ", ".join(f"{v:g}" for v in out)
        msg = f"{what} must be numbers of metres from {MIN_DISTANCE_M:g} to {MAX_DISTANCE_M:g}, got {shown}"
        raise DataError(msg)
    try:
        return check_bands(out, what, "metres") if out else out  # increasing, as every band list
    except AnalysisError as exc:
        raise DataError(str(exc)) from None


def weapon_group(weapon: object) -> str:
    """Group a free-text weapon description (``HAND GUN`` -> ``firearm``)."""
    if weapon is None or weapon is pd.NA or (isinstance(weapon, float) and np.isnan(weapon)):
        return "unknown"
    text = str(weapon).upper()
    if not text.strip() or "UNKNOWN WEAPON" in text:
        return "unknown"
    if "STRONG-ARM" in text or "BODILY FORCE" in text:
        return "bodily_force"
    if any(k in text for k in _FIREARM):
        return "firearm"
    if any(k in text for k in _KNIFE):
        return "knife"
    return "other"


def descent_group(code: object) -> str:
    """Group LAPD victim-descent codes (H, B, W, Asian groups -> A, other -> O, unknown -> X)."""
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return "X"
    c = str(code).strip().upper()
    if c in ("H", "B", "W", "O"):
        return c
    if c in ASIAN_CODES:
        return "A"
    if c in ("I",):  # American Indian / Alaskan Native
        return "O"
    return "X"


def sex_group(code: object) -> str:
    """M, F, or X for anything else (X, H, empty)."""
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return "X"
    c = str(code).strip().upper()
    return c if c in ("M", "F") else "X"


def age_band(age: object) -> str:
    """The band of a victim age in years (``unknown`` for missing)."""
    if age is None or age is pd.NA or (isinstance(age, float) and np.isnan(age)):
        return "unknown"
    a = int(age)  # type: ignore[call-overload]
    for key, lo, hi in AGE_BANDS:
        if lo <= a <= hi:
            return key
    return "unknown"


@dataclass(frozen=True)
class Filters:
    """What the user asked to see. Empty tuples mean "all"; dates are inclusive local dates."""

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    weapons: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    sexes: tuple[str, ...] = ()
    descents: tuple[str, ...] = ()
    hours: tuple[int, int] = (0, 23)
    weekdays: tuple[int, ...] = ()
    place: str | None = None
    rings_m: tuple[float, ...] = field(default=())

    def __post_init__(self) -> None:
        checks = (
            ("categories", self.categories, CATEGORIES),
            ("weapons", self.weapons, WEAPON_GROUPS),
            ("age_bands", self.age_bands, AGE_BAND_KEYS),
            ("sexes", self.sexes, SEXES),
            ("descents", self.descents, DESCENTS),
            ("weekdays", self.weekdays, WEEKDAYS),
        )
        for name, values, allowed in checks:
            bad = [v for v in values if v not in allowed]
            if bad:
                msg = f"unknown {name} {bad}; expected some of {list(allowed)}"
                raise DataError(msg)
        lo, hi = self.hours
        if not (0 <= lo <= 23 and 0 <= hi <= 23):
            msg = f"hours must lie in 0..23, got {self.hours}"
            raise DataError(msg)
        if self.start and self.end and self.start > self.end:
            msg = f"the start date {self.start} is after the end date {self.end}"
            raise DataError(msg)
        check_distances(self.rings_m, "ring distances")

    def replace(self, **changes: object) -> Filters:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def shifted_years(self, years: int) -> Filters:
        """The same filters over the same calendar period ``years`` earlier (negative) or later."""

        def shift(d: dt.date | None) -> dt.date | None:
            if d is None:
                return None
            year = d.year + years
            if not dt.MINYEAR <= year <= dt.MAXYEAR:
                msg = f"cannot shift {d} by {years} years: year {year} is out of range"
                raise DataError(msg)
            try:
                return d.replace(year=year)
            except ValueError:  # 29 February
                return d.replace(year=year, day=28)

        return dataclasses.replace(self, start=shift(self.start), end=shift(self.end))

    # --- URL round trip -------------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        """Query parameters for this view (:data:`QUERY_FIELDS`); defaults are left out so links stay short."""
        said = ((key, write(getattr(self, attr))) for key, attr, _, write in QUERY_FIELDS)
        return {key: text for key, text in said if text is not None}

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, default: Filters | None = None) -> tuple[Filters, list[str]]:
        """Filters from query parameters (:data:`QUERY_FIELDS`), and the parameters ignored, each with why.

        Values longer than :data:`MAX_QUERY_VALUE` (:data:`MAX_PLACE` for ``place``) and dates
        outside :data:`EARLIEST_DATE` .. :data:`LATEST_DATE` are refused before they are parsed,
        so a crafted link can neither stall the page nor break the date arithmetic of
        :meth:`shifted_years`. Problem lines quote at most a short, cleaned part of the value;
        they are plain text (show them with :func:`geo.core.text.echo`).
        """
        base = default or cls()
        values: dict[str, Any] = {}
        problems: list[str] = []
        for key, attr, parse, _ in QUERY_FIELDS:
            raw = query.get(key)
            if raw is None:
                continue
            raw = str(raw)
            limit = MAX_PLACE if key == "place" else MAX_QUERY_VALUE
            if len(raw) > limit:
                problems.append(f"{key}=\u2026: the value is too long ({len(raw)} characters, at most {limit})")
                continue
            try:
                value = parse(raw)
                one: dict[str, Any] = {attr: value}
                dataclasses.replace(base, **one)  # validate this one field alone
            except (ValueError, DataError) as exc:
                quoted = clip(clean(raw), limit=_ECHO_IN_PROBLEM)
                problems.append(f"{key}={quoted!r}: {clip(clean(exc))}")
                continue
            values[attr] = value
        try:
            return dataclasses.replace(base, **values), problems
        except DataError as exc:  # fields valid alone but not together (start after end)
            problems.append(str(exc))
            return base, problems


def _split(raw: str) -> tuple[str, ...]:
    return tuple(v for v in (p.strip() for p in raw.split(",")) if v)


def _day(raw: str) -> dt.date:
    value = dt.date.fromisoformat(raw.strip())
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        msg = f"dates must lie between {EARLIEST_DATE} and {LATEST_DATE}"
        raise DataError(msg)
    return value


def _place(raw: str) -> str | None:
    if clean(raw) != raw.strip():
        msg = "a place name cannot hold control characters or line breaks"
        raise DataError(msg)
    return raw.strip() or None


def _hours(raw: str) -> tuple[int, ...]:
    return tuple(int(v) for v in raw.split("-", 1))


def _joined(values: tuple[object, ...]) -> str | None:
    return ",".join(str(v) for v in values) or None


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _hours_text(hours: tuple[int, int]) -> str | None:
    return None if hours == (0, 23) else f"{hours[0]}-{hours[1]}"


def _metres_text(rings: tuple[float, ...]) -> str | None:
    return ",".join(f"{r:g}" for r in rings) or None


QUERY_FIELDS: tuple[tuple[str, str, Callable[[str], Any], Callable[[Any], str | None]], ...] = (
    ("from", "start", _day, _iso),
    ("to", "end", _day, _iso),
    ("cat", "categories", _split, _joined),
    ("weapon", "weapons", _split, _joined),
    ("age", "age_bands", _split, _joined),
    ("sex", "sexes", _split, _joined),
    ("descent", "descents", _split, _joined),
    ("wd", "weekdays", lambda r: tuple(int(v) for v in _split(r)), _joined),
    ("hours", "hours", _hours, _hours_text),
    ("place", "place", _place, lambda p: p or None),
    ("rings", "rings_m", lambda r: tuple(float(v) for v in _split(r)), _metres_text),
)
"""Each filter in a link: query key, :class:`Filters` field, parser (raises on a bad value) and writer
(None at the default, which the link leaves out)."""
QUERY_KEYS: tuple[str, ...] = tuple(f[0] for f in QUERY_FIELDS)


def _grouped(values: pd.Series, group: Callable[[object], str]) -> pd.Series:
    """``group`` of each value, computed once per distinct value (a million rows hold a few hundred)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = np.array([*(group(u) for u in uniques), group(None)], dtype=object)  # code -1 (NA) -> last
    return pd.Series(labels[codes], index=values.index, dtype="str")


def derived_columns(incidents: pd.DataFrame) -> pd.DataFrame:
    """The grouped columns filters work on (weapon group, age band, sex, descent, hour, weekday, date)."""
    local = incidents["occurred_at"]
    ages = incidents["victim_age"]
    band = pd.Series("unknown", index=incidents.index, dtype="object")
    for key, lo, hi in AGE_BANDS:
        band[(ages >= lo).fillna(False) & (ages <= hi).fillna(False)] = key
    return pd.DataFrame(
        {
            "weapon_group": _grouped(incidents["weapon"], weapon_group),
            "age_band": band,
            "sex_group": _grouped(incidents["victim_sex"], sex_group),
            "descent_group": _grouped(incidents["victim_descent"], descent_group),
            "hour": local.dt.hour,
            "weekday": local.dt.day_of_week,
            "date": local.dt.tz_localize(None).dt.normalize(),
        },
        index=incidents.index,
    )


def mask(incidents: pd.DataFrame, filters: Filters, derived: pd.DataFrame | None = None) -> pd.Series:
    """Boolean mask of the incidents matching ``filters`` (``derived`` from :func:`derived_columns`)."""
    d = derived if derived is not None else derived_columns(incidents)
    m = pd.Series(True, index=incidents.index)
    if filters.start:
        m &= d["date"] >= pd.Timestamp(filters.start)
    if filters.end:
        m &= d["date"] <= pd.Timestamp(filters.end)
    if filters.categories:
        m &= incidents["category"].isin(filters.categories).fillna(False)
    if filters.weapons:
        m &= d["weapon_group"].isin(filters.weapons)
    if filters.age_bands:
        m &= d["age_band"].isin(filters.age_bands)
    if filters.sexes:
        m &= d["sex_group"].isin(filters.sexes)
    if filters.descents:
        m &= d["descent_group"].isin(filters.descents)
    if filters.weekdays:
        m &= d["weekday"].isin(filters.weekdays)
    lo, hi = filters.hours
    if (lo, hi) != (0, 23):
        hour = d["hour"]
        in_hours = (hour >= lo) & (hour <= hi) if lo <= hi else (hour >= lo) | (hour <= hi)
        m &= in_hours & incidents["time_known"].astype(bool)
    return m.astype(bool)


NEAR_MARGIN_M_PER_DEGREE = 80_000.0
"""Fewest metres in one degree of longitude or latitude across LA County (lon at 34.8 N: about 91 km)."""


def near(incidents: pd.DataFrame, place: gpd.GeoDataFrame, distance_m: float) -> np.ndarray:
    """Rows whose ``lon``/``lat`` (degrees) fall in ``place``'s bounds (EPSG:4326) widened by ``distance_m`` metres.

    A cheap, generous box test that keeps every incident within ``distance_m`` of the place (and some more),
    so distance work on a million rows only touches the few near the place.
    """
    if distance_m < 0:
        msg = f"distance_m must be >= 0 metres, got {distance_m}"
        raise DataError(msg)
    x0, y0, x1, y1 = place.to_crs(4326).total_bounds
    pad = distance_m / NEAR_MARGIN_M_PER_DEGREE
    lon = incidents["lon"].to_numpy(dtype=float, na_value=np.nan)
    lat = incidents["lat"].to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        inside: np.ndarray = (lon >= x0 - pad) & (lon <= x1 + pad) & (lat >= y0 - pad) & (lat <= y1 + pad)
    return inside


def apply(incidents: gpd.GeoDataFrame, filters: Filters, derived: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """The incidents matching ``filters``."""
    return incidents[mask(incidents, filters, derived)]
