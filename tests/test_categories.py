"""What counts as violent, property crime and shots fired, by offense code (no data files needed)."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.core.categories import (
    CATEGORIES,
    LAPD_CODE_CATEGORY,
    NIBRS_CODE_CATEGORY,
    category_for_lapd,
    category_for_nibrs,
    is_per_victim,
    is_violent_lapd,
    is_violent_nibrs,
    violent_mask,
)
from geo.core.errors import DataError

# The FBI/LAPD Part 1 violent offenses, written out here independently of the module.
PART1_VIOLENT_LAPD = {"110", "113", "121", "122", "815", "820", "821", "210", "220"}
PART1_VIOLENT_LAPD |= {"230", "231", "235", "236", "250", "251", "761", "926"}
PROPERTY_SAMPLES = ["310", "330", "331", "341", "354", "420", "440", "442", "480", "510", "520", "648", "662", "740"]


@pytest.mark.parametrize("code", sorted(PART1_VIOLENT_LAPD))
def test_part1_violent_lapd_codes_are_violent(code: str) -> None:
    assert is_violent_lapd(code)
    assert is_violent_lapd("0" + code)  # zero-padded as in the export


@pytest.mark.parametrize("code", [*PROPERTY_SAMPLES, "624", "626", "753", "910", "930", "434", "437"])
def test_other_lapd_codes_are_not_violent(code: str) -> None:
    assert not is_violent_lapd(code)


@pytest.mark.parametrize("code", PROPERTY_SAMPLES)
def test_theft_burglary_vehicle_fraud_codes_are_property(code: str) -> None:
    assert category_for_lapd(code) == "property"


def test_shots_fired_and_aggravated_assault() -> None:
    assert category_for_lapd("753") == "shots_fired"
    assert not is_violent_lapd("753")
    assert category_for_lapd("251") == "shots_fired"
    assert is_violent_lapd("251")
    assert category_for_lapd("761") == "assault_with_weapon"
    assert category_for_lapd("434") == "other"  # false imprisonment is not property


def test_nibrs_codes() -> None:
    assert [is_violent_nibrs(c) for c in ("09A", "11A", "120", "13A")] == [True] * 4
    assert [is_violent_nibrs(c) for c in ("11D", "13B", "23F", "240", "26A", "290")] == [False] * 6
    assert category_for_nibrs("240") == "property"
    assert category_for_nibrs("11D") == "other"


def test_every_category_value_is_a_category() -> None:
    assert set(LAPD_CODE_CATEGORY.values()) | set(NIBRS_CODE_CATEGORY.values()) <= set(CATEGORIES)
    assert not any(category_for_lapd(c) == "property" for c in PART1_VIOLENT_LAPD)


def test_violent_mask_by_source() -> None:
    rows = pd.DataFrame(
        {
            "source": ["lapd_legacy_csv", "lapd_legacy_csv", "lapd_nibrs_api", "lapd_nibrs_api", "latimes_homicides"],
            "offense_code": ["0230", "510", "13A", "13B", None],
        },
        index=[10, 11, 12, 13, 14],
    )
    got = violent_mask(rows)
    assert got.to_dict() == {10: True, 11: False, 12: True, 13: False, 14: True}


def test_per_victim_sources() -> None:
    assert is_per_victim(["latimes_homicides"])
    assert not is_per_victim(["latimes_homicides", "lapd_legacy_csv"])
    assert not is_per_victim([])


def test_violent_mask_needs_the_canonical_columns() -> None:
    with pytest.raises(DataError, match="offense_code"):
        violent_mask(pd.DataFrame({"source": ["lapd_legacy_csv"]}))
