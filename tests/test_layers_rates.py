"""The rate choropleth: mapclassify classes, legend breaks in numbers, the flag pattern, escaped text."""

from __future__ import annotations

import folium
import geopandas as gpd
import mapclassify
import numpy as np
import pytest
import shapely

from layers.rates import FLAG_DASH, NO_RATE_DASH, class_breaks, classify, palette, rate_layer

TEXT_COLUMNS = ("count_text", "population_text", "rate_text", "rate_eb_text", "reliability_text", "flag_text")
RATES = np.array([1.0, 2.0, 3.5, 7.0, 9.0, 12.0, 30.0, np.nan])


def _table() -> gpd.GeoDataFrame:
    n = len(RATES)
    return gpd.GeoDataFrame(
        {
            "zone": [f"<b>z{i}</b>" for i in range(n)],
            "rate": RATES,
            "flag": ["", "small_count", "", "", "", "small_population", "", "no_population"],
            **{c: [f"t{i}" for i in range(n)] for c in TEXT_COLUMNS},
        },
        geometry=[shapely.box(-118.3 + 0.01 * i, 33.9, -118.295 + 0.01 * i, 33.905) for i in range(n)],
        crs="EPSG:4326",
    )


@pytest.mark.filterwarnings("ignore:Numba not installed:UserWarning")
def test_breaks_are_mapclassify_classes() -> None:
    got = class_breaks(RATES, scheme="quantiles", k=3)
    ref = mapclassify.Quantiles(RATES[~np.isnan(RATES)], k=3).bins
    assert got == pytest.approx(list(ref))
    jenks = class_breaks(RATES, scheme="natural_breaks", k=3)
    assert jenks == pytest.approx(list(mapclassify.FisherJenks(RATES[~np.isnan(RATES)], k=3).bins))
    assert class_breaks([2.0, 2.0, np.nan], scheme="quantiles", k=5) == [2.0]
    ties = class_breaks([1.0] * 12 + [2.0, 3.0, 4.0, 5.0, 6.0, 9.0], scheme="quantiles", k=5)  # ties merge classes
    assert ties == sorted(set(ties))
    assert ties[-1] == 9.0
    assert class_breaks([np.nan], scheme="quantiles", k=5) == []
    with pytest.raises(ValueError, match="unknown classification"):
        class_breaks(RATES, scheme="magic", k=3)


def test_classes_and_palette() -> None:
    breaks = [3.5, 12.0, 30.0]
    assert classify(RATES, breaks).tolist() == [0, 0, 0, 1, 1, 1, 2, -1]
    assert len(set(palette(5))) == 5
    with pytest.raises(ValueError, match="classes"):
        palette(9)


def test_layer_legend_has_breaks_and_patterns_and_escapes() -> None:
    breaks = class_breaks(RATES, scheme="quantiles", k=3)
    group, rows = rate_layer(_table(), lang="en", name="Rates", breaks=breaks)
    labels = [label for label, _ in rows]
    assert labels[0] == f"1.0–{breaks[0]:.1f}"
    assert labels[2].endswith("30.0")
    assert "Small numbers: read with care (dashed outline)" in labels
    assert "No rate (grey, dotted outline)" in labels
    dashes = {sym.dash for _, sym in rows}
    assert {FLAG_DASH, NO_RATE_DASH} <= dashes
    m = folium.Map()
    group.add_to(m)
    html = m.get_root().render()
    assert "<b>z0</b>" not in html
    assert "&lt;b&gt;z0" in html or "\\u0026lt;b\\u0026gt;z0" in html
    assert FLAG_DASH in html


def test_spanish_legend() -> None:
    _, rows = rate_layer(_table(), lang="es", name="Tasas", breaks=[3.5, 12.0, 30.0])
    assert rows[0][0] == "1,0–3,5" or rows[0][0] == "1.0–3.5"
    assert "Números pequeños: leer con cautela (borde discontinuo)" in [r[0] for r in rows]
