"""The risk terrain model's relative risk on a map: squares above 1 shaded by step with words, none at 1, the map
framed on them; no map when no factor was kept."""

from __future__ import annotations

import dataclasses

import folium
import numpy as np
import pytest

from geo.core.settings import get_settings
from layers.risk import STEPS, rrv_layer, step_of
from tests.test_riskterrain import ab_scene
from ui.risk import risk_map


def test_steps_have_closed_upper_edges() -> None:
    assert step_of(np.array([1.01, 1.5, 1.51, 2.0, 2.5, 3.0, 3.01, 40.0])).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert len(STEPS) == 3


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_kept_factor_shades_its_squares_and_no_other(lang: str) -> None:
    model, _, _ = ab_scene(0)
    assert model.kept == ["A"]
    group, rows = rrv_layer(model.cells, lang=lang)
    holder = folium.Map()
    group.add_to(holder)
    html = holder.get_root().render()
    raised = int((model.cells["rrv"] > 1.0 + 1e-9).sum())
    assert 0 < raised < len(model.cells)
    assert html.count('"step"') == raised  # one feature per raised square, none for the squares at 1
    word = {"en": "Relative risk", "es": "Riesgo relativo"}[lang]
    assert rows
    assert all(label.startswith(word) for label, _ in rows)
    m = risk_map(get_settings(), model, model.cells.iloc[:0].assign(kind=[], name=[]), lang)
    assert m is not None
    page = m.get_root().render()
    assert "FitToBounds" in page or "fitBounds" in page


def test_no_map_when_every_square_is_at_one() -> None:
    model, _, _ = ab_scene(0)
    flat = dataclasses.replace(model, cells=model.cells.assign(rrv=1.0))
    assert risk_map(get_settings(), flat, flat.cells.iloc[:0], "en") is None
