"""The Trends page's conditions and risk factors: the requests near the place, near versus far and the risk terrain
model in both languages, from the link; counts near and far protected as a pair in the public view."""

from __future__ import annotations

import pytest

from tests.page_helpers import live_markup, open_page, page_texts

pytestmark = pytest.mark.app


def _table(at: object, column: str) -> object:
    return next(d.value for d in at.dataframe if column in d.value.columns)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("lang", "near", "model"), [("en", "Incidents near", "In the model"),
                                                     ("es", "Incidentes cerca", "En el modelo")])  # fmt: skip
def test_the_chosen_conditions_are_compared_and_modelled(lang: str, near: str, model: str) -> None:
    at = open_page("trends", {"lang": lang, "place": "Harvard Park", "factors": "streetlight,dumping"})
    assert not at.exception
    pairs = _table(at, near)
    assert len(pairs) == 2
    kept = _table(at, model)
    assert len(kept) == 2
    requests = _table(at, "Still open" if lang == "en" else "Aún abiertas")
    assert len(requests) >= 1
    texts = " ".join(page_texts(at))
    assert ("Synthetic service requests" if lang == "en" else "Solicitudes de servicio sintéticas") in texts
    assert not live_markup(at)


def test_no_condition_chosen_asks_for_one_and_fits_nothing() -> None:
    at = open_page("trends", {"lang": "en", "place": "Harvard Park"})
    assert not at.exception
    assert any("Choose one or more conditions" in x for x in page_texts(at))
    assert not [d for d in at.dataframe if "In the model" in d.value.columns]


def test_public_pairs_hide_small_counts_and_their_ratio() -> None:
    at = open_page("trends", {"lang": "en", "place": "Harvard Park", "factors": "streetlight", "view": "public",
                              "cat": "homicide", "from": "2024-01-01", "to": "2024-03-31"})  # fmt: skip
    assert not at.exception
    pairs = _table(at, "Incidents near")
    row = pairs.iloc[0]
    shown = [str(row["Incidents near"]), str(row["Incidents far"])]
    assert not any(v in ("1", "2") for v in shown), shown
    assert any(not v.replace(",", "").isdigit() for v in shown), shown  # three months of homicides: small counts
    assert row["Near / far per square (95%)"] == "—"
    assert any("No risk terrain model" in x for x in page_texts(at))
