"""Repeated ids across the blocks of a load (geo.data.sources._accounting.SeenIds), against plain Python sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.data.sources._accounting import SeenIds


def _reference(blocks: list[list[str]]) -> list[list[bool]]:
    seen: set[str] = set()
    out = []
    for block in blocks:
        flags = []
        for i in block:
            flags.append(i in seen)
            seen.add(i)
        out.append(flags)
    return out


def _ours(blocks: list[list[str]]) -> list[list[bool]]:
    seen = SeenIds()
    return [seen.repeated(pd.Series(b, dtype="string")).tolist() for b in blocks]


def test_repeats_within_and_across_blocks_of_numbered_ids() -> None:
    blocks = [["lapd:000000001", "lapd:000000002", "lapd:000000001"], ["lapd:000000003", "lapd:000000002"]]
    assert _ours(blocks) == [[False, False, True], [False, True]]


def test_leading_zeros_keep_ids_apart() -> None:
    assert _ours([["x:01", "x:10"], ["x:1", "x:010", "x:01"]]) == [[False, False], [False, False, True]]


def test_an_id_of_another_form_later_still_finds_the_earlier_numbered_ones() -> None:
    blocks = [["lapd:000000007", "lapd:000000008"], ["case-A", "lapd:000000007"], ["lapd:000000008", "case-A"]]
    assert _ours(blocks) == [[False, False], [False, True], [True, True]]


def test_numbers_too_long_for_an_integer_are_compared_as_text() -> None:
    long_a, long_b = "id:" + "9" * 25, "id:" + "9" * 24 + "8"
    assert _ours([[long_a, long_b], [long_a]]) == [[False, False], [True]]


@pytest.mark.parametrize("seed", range(6))
def test_matches_a_plain_set_on_mixed_random_ids(seed: int) -> None:
    rng = np.random.default_rng(seed)
    forms = [lambda n: f"lapd:{n:09d}", lambda n: f"lapd:{n}", lambda n: f"nibrs:{n:06d}", lambda n: f"{n:04d}"]
    blocks = []
    for _ in range(rng.integers(1, 6)):
        size = int(rng.integers(1, 40))
        pick = rng.integers(0, len(forms) if rng.random() < 0.4 else 1, size)
        blocks.append([forms[k](int(v)) for k, v in zip(pick, rng.integers(0, 60, size), strict=True)])
    assert _ours(blocks) == _reference(blocks)
