"""The Methods page says what the code does: where a ring ends, and when the displacement quotient is shown."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geo.analysis.evaluate import evaluate_program
from geo.analysis.rings import assign_rings
from geo.core.i18n import methods_text
from geo.core.projection import METRIC
from geo.core.settings import get_settings
from tests.analysis_helpers import ORIGIN, metric_points, square

X0, Y0 = ORIGIN
PARK = gpd.GeoSeries([square(X0, Y0, 100.0)], crs=METRIC)

RING_EDGE = {
    "en": "75 m itself is in the ring *0–75 m*",
    "es": "75 m está en el anillo *0–75 m*",
}
WDQ_RULE = {
    "en": "the WDD's 95% interval lies wholly below 0",
    "es": "el intervalo del 95 % del WDD queda\n  entero por debajo de 0",
}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_page_puts_the_outer_distance_in_the_ring_as_the_code_does(lang: str) -> None:
    at_75_and_beyond = metric_points([(X0 + 175.0, Y0 + 50.0), (X0 + 175.5, Y0 + 50.0)])  # the park's east edge + 75 m
    bands = assign_rings(at_75_and_beyond, PARK, rings_m=(75, 150))
    assert list(bands.astype(str)) == ["0-75", "75-150"]
    assert RING_EDGE[lang] in methods_text(lang)


def _incidents(counts: dict[str, tuple[int, int]]) -> gpd.GeoDataFrame:
    """``counts[area] = (before, after)`` incidents placed in the treated park, its buffer and a control park."""
    where = {"treated": (X0 + 50, Y0 + 50), "buffer": (X0 + 50, Y0 + 250), "control": (X0 + 5050, Y0 + 50)}
    xy, dates = [], []
    for area, (before, after) in counts.items():
        for i in range(before):
            xy.append(where[area])
            dates.append(f"2015-{1 + i % 12:02d}-15")
        for i in range(after):
            xy.append(where[area])
            dates.append(f"2017-{1 + i % 12:02d}-15")
    return metric_points(xy, dates=dates)  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_page_shows_the_quotient_only_after_a_clear_decrease_as_the_code_does(lang: str) -> None:
    a = get_settings().analysis
    control = gpd.GeoSeries([square(X0 + 5000, Y0, 100.0)], crs=METRIC)
    args = {
        "start": "2016-07-01",
        "buffer_m": 400.0,
        "min_events": a.min_events,
        "small_count": a.small_count,
    }
    # the treated park improves relative to the comparison, but by too little to tell from chance
    improved = _incidents({"treated": (40, 36), "buffer": (30, 30), "control": (40, 40)})
    result = evaluate_program(improved, PARK, control, **args)
    assert result.counts["Ta"] / result.counts["Ca"] < result.counts["Tb"] / result.counts["Cb"]
    assert result.to_dict()["wdq"] is None
    assert result.reading.key == "no_clear_change"
    assert WDQ_RULE[lang] in methods_text(lang)
