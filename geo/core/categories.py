"""Offense categories from LAPD crime codes (``Crm Cd``) and NIBRS codes.

The categories are what a user filters by; every code not listed falls in ``other``.
Sources: LAPD's code list in the open-data "Crime Data" dictionary (110 criminal homicide,
113 negligent manslaughter, 210/220 robbery, 230/231/235/236 aggravated assaults,
250/251/753 shots fired, 121/122/815/820/821 rape and sexual assault, 910/920 kidnapping).
"""

from __future__ import annotations

from collections.abc import Mapping

CATEGORIES: tuple[str, ...] = (
    "homicide",
    "assault_with_weapon",
    "robbery",
    "shots_fired",
    "rape",
    "kidnapping",
    "simple_assault",
    "other",
)

LAPD_CODE_CATEGORY: Mapping[str, str] = {
    "110": "homicide",
    "113": "homicide",
    "210": "robbery",
    "220": "robbery",
    "230": "assault_with_weapon",
    "231": "assault_with_weapon",
    "235": "assault_with_weapon",
    "236": "assault_with_weapon",
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

NIBRS_CODE_CATEGORY: Mapping[str, str] = {
    "09A": "homicide",
    "09B": "homicide",
    "120": "robbery",
    "13A": "assault_with_weapon",
    "11A": "rape",
    "11B": "rape",
    "11C": "rape",
    "11D": "rape",
    "100": "kidnapping",
    "13B": "simple_assault",
    "13C": "simple_assault",
}

HOMICIDE_CODES = tuple(k for k, v in LAPD_CODE_CATEGORY.items() if v == "homicide")
VIOLENT_CODES = tuple(k for k, v in LAPD_CODE_CATEGORY.items() if v != "other")


def category_for_lapd(code: str | None) -> str:
    """Category of an LAPD ``Crm Cd`` (leading zeros and spaces ignored)."""
    if code is None:
        return "other"
    key = str(code).strip().lstrip("0") or "0"
    return LAPD_CODE_CATEGORY.get(key, "other")


def category_for_nibrs(code: str | None) -> str:
    """Category of a NIBRS offense code such as ``09A``."""
    if code is None:
        return "other"
    return NIBRS_CODE_CATEGORY.get(str(code).strip().upper(), "other")
