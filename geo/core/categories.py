"""Offense categories from LAPD crime codes (``Crm Cd``) and NIBRS codes, and what counts as violent.

The categories are what a user filters by; every code not listed falls in ``other``.
Sources: LAPD's code list in the open-data "Crime Data" dictionary and the ``Part 1-2`` column of
its exports (110 criminal homicide, 113 negligent manslaughter, 210/220 robbery, 230/231/235/236/761/926
aggravated assaults, 250/251/753 shots fired, 121/122/815/820/821 rape, 910/920 kidnapping), and the
FBI NIBRS offense codes.

**Violent** follows the LAPD/FBI Part 1 violent-crime definition: homicide, rape, robbery and
aggravated assault, decided by offense code (:data:`VIOLENT_CODES` for the legacy exports,
:data:`NIBRS_VIOLENT_CODES` for NIBRS), never by category. LAPD files shots fired at a vehicle or a
dwelling (250, 251) as Part 1 aggravated assaults, so they are violent *and* in the ``shots_fired``
category; a discharge of a firearm (753) is a Part 2 offense: shots fired, not violent.
**Property** crime (burglary, theft, vehicle theft, arson, fraud, forgery, embezzlement, vandalism)
is its own category and is never violent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from geo.core.errors import DataError

CATEGORIES: tuple[str, ...] = (
    "homicide",
    "assault_with_weapon",
    "robbery",
    "shots_fired",
    "rape",
    "kidnapping",
    "simple_assault",
    "property",
    "other",
)


def _codes(*spans: tuple[int, int]) -> tuple[str, ...]:
    return tuple(str(c) for a, b in spans for c in range(a, b + 1))


LAPD_PROPERTY_CODES: tuple[str, ...] = (
    *_codes((310, 354), (440, 491), (510, 522)),  # burglary, theft, vehicle theft
    "410",
    "420",
    "421",
    "433",  # burglary and theft from a vehicle, driving without owner consent
    "648",  # arson
    *_codes((649, 670)),  # forgery, fraud, bunco, embezzlement
    "740",
    "745",  # vandalism
    "950",
    "951",  # theft of services
)
"""LAPD codes of property crime (every code in the spans, whether LAPD uses it or not)."""

LAPD_CODE_CATEGORY: Mapping[str, str] = {
    **dict.fromkeys(LAPD_PROPERTY_CODES, "property"),
    "110": "homicide",
    "113": "homicide",
    "210": "robbery",
    "220": "robbery",
    "230": "assault_with_weapon",
    "231": "assault_with_weapon",
    "235": "assault_with_weapon",
    "236": "assault_with_weapon",
    "761": "assault_with_weapon",
    "926": "assault_with_weapon",
    "250": "shots_fired",
    "251": "shots_fired",
    "753": "shots_fired",
    "121": "rape",
    "122": "rape",
    "815": "rape",
    "820": "rape",
    "821": "rape",
    "910": "kidnapping",
    "920": "kidnapping",
    "623": "simple_assault",
    "624": "simple_assault",
    "625": "simple_assault",
    "626": "simple_assault",
    "627": "simple_assault",
}

NIBRS_PROPERTY_CODES: tuple[str, ...] = (
    "200",
    "210",
    "220",
    *(f"23{c}" for c in "ABCDEFGH"),
    "240",
    "250",
    *(f"26{c}" for c in "ABCDEFGH"),
    "270",
    "280",
    "290",
)
"""NIBRS crimes against property other than robbery (arson, extortion, burglary, larceny, vehicle theft,
counterfeiting, fraud, embezzlement, stolen property, vandalism)."""

NIBRS_CODE_CATEGORY: Mapping[str, str] = {
    **dict.fromkeys(NIBRS_PROPERTY_CODES, "property"),
    "09A": "homicide",
    "09B": "homicide",
    "120": "robbery",
    "13A": "assault_with_weapon",
    "11A": "rape",
    "11B": "rape",
    "11C": "rape",
    "100": "kidnapping",
    "13B": "simple_assault",
    "13C": "simple_assault",
}

VIOLENT_CODES: tuple[str, ...] = (
    "110",
    "113",
    "121",
    "122",
    "815",
    "820",
    "821",
    "210",
    "220",
    "230",
    "231",
    "235",
    "236",
    "250",
    "251",
    "761",
    "926",
)
"""LAPD Part 1 violent codes: homicide, rape, robbery, aggravated assault."""
NIBRS_VIOLENT_CODES: tuple[str, ...] = ("09A", "09B", "11A", "11B", "11C", "120", "13A")
"""NIBRS codes of the same four offenses (11D fondling and 13B/13C simple assault are not Part 1)."""
SHOTS_FIRED_CODES: tuple[str, ...] = ("250", "251", "753")
FETCH_CODES: tuple[str, ...] = tuple(k for k, v in LAPD_CODE_CATEGORY.items() if v not in ("property", "other"))
"""LAPD codes ``python -m geo fetch`` asks for by default (every person-crime category)."""
NIBRS_FETCH_CODES: tuple[str, ...] = tuple(k for k, v in NIBRS_CODE_CATEGORY.items() if v not in ("property", "other"))
HOMICIDE_CODES = tuple(k for k, v in LAPD_CODE_CATEGORY.items() if v == "homicide")
PER_VICTIM_SOURCES: tuple[str, ...] = ("latimes_homicides", "latimes_police_killings")
"""Sources with one row per person killed (every row a homicide), not one per incident."""


def _lapd_key(code: object) -> str:
    return str(code).strip().lstrip("0") or "0"


def category_for_lapd(code: str | None) -> str:
    """Category of an LAPD ``Crm Cd`` (leading zeros and spaces ignored)."""
    if code is None:
        return "other"
    return LAPD_CODE_CATEGORY.get(_lapd_key(code), "other")


def category_for_nibrs(code: str | None) -> str:
    """Category of a NIBRS offense code such as ``09A``."""
    if code is None:
        return "other"
    return NIBRS_CODE_CATEGORY.get(str(code).strip().upper(), "other")


def is_violent_lapd(code: str | None) -> bool:
    """True if an LAPD ``Crm Cd`` is a Part 1 violent crime."""
    return code is not None and _lapd_key(code) in VIOLENT_CODES


def is_violent_nibrs(code: str | None) -> bool:
    """True if a NIBRS offense code is homicide, rape, robbery or aggravated assault."""
    return code is not None and str(code).strip().upper() in NIBRS_VIOLENT_CODES


def violent_mask(incidents: pd.DataFrame) -> pd.Series:
    """Which canonical incident rows are violent crimes (Part 1 violent), by offense code.

    NIBRS rows (``source`` starting with ``lapd_nibrs``) are judged by NIBRS code, per-victim
    sources (:data:`PER_VICTIM_SOURCES`, every row a homicide) are violent, every other row by
    its LAPD code. Rows without a code are violent only if they come from a per-victim source.

    Parameters
    ----------
    incidents
        Canonical incident table (``source``, ``offense_code``).

    Returns
    -------
    pandas.Series
        Boolean, indexed like ``incidents``.
    """
    for col in ("source", "offense_code"):
        if col not in incidents.columns:
            msg = f"violent_mask needs a {col!r} column (canonical incident table)"
            raise DataError(msg)
    source = incidents["source"].astype("string").fillna("")
    code = incidents["offense_code"].astype("string").fillna("").str.strip()
    nibrs = source.str.startswith("lapd_nibrs").to_numpy(dtype=bool)
    victims = source.isin(list(PER_VICTIM_SOURCES)).to_numpy(dtype=bool)
    lapd_ok = code.str.lstrip("0").isin(list(VIOLENT_CODES)).to_numpy(dtype=bool)
    nibrs_ok = code.str.upper().isin(list(NIBRS_VIOLENT_CODES)).to_numpy(dtype=bool)
    out = np.where(victims, True, np.where(nibrs, nibrs_ok, lapd_ok))
    return pd.Series(out.astype(bool), index=incidents.index, name="violent")


def is_per_victim(sources: Iterable[str]) -> bool:
    """True if every source named counts people killed (one row per victim), not incidents."""
    names = [str(s) for s in sources]
    return bool(names) and all(s in PER_VICTIM_SOURCES for s in names)


CONDITIONS: tuple[str, ...] = (
    "streetlight",
    "dumping",
    "graffiti",
    "encampment",
    "bulky_items",
    "dead_animal",
    "other",
)
"""Conditions the partnership can act on, grouped from the City's MyLA311 request types (``condition`` of a request).
Streetlights and dumping first: the conditions residents name as keeping families out of parks."""

REQUEST_TYPE_CONDITION: Mapping[str, str] = {
    "single streetlight issue": "streetlight",
    "multiple streetlight issue": "streetlight",
    "streetlight": "streetlight",
    "illegal dumping pickup": "dumping",
    "illegal dumping": "dumping",
    "graffiti removal": "graffiti",
    "graffiti": "graffiti",
    "homeless encampment": "encampment",
    "bulky items": "bulky_items",
    "metal/household appliances": "bulky_items",
    "electronic waste": "bulky_items",
    "dead animal removal": "dead_animal",
}
"""MyLA311 ``RequestType`` (lower case) -> condition; every other type is ``other``."""


def condition_of(request_types: pd.Series) -> pd.Series:
    """The condition (:data:`CONDITIONS`) of each MyLA311 request type (any case; ``other`` when not listed)."""
    key = request_types.astype("string").str.strip().str.lower()
    return key.map(REQUEST_TYPE_CONDITION).fillna("other").astype("string")
