"""Hot-spot and heat legends name the inference, the units and the rule, and offer cold only where possible."""

from __future__ import annotations

import numpy as np
import pytest

from geo.analysis.gistar import hotspots_grid
from geo.analysis.kde import kde_contours, kde_from_xy
from layers.hotspots import gi_layer, kde_layer
from tests.analysis_helpers import ORIGIN, metric_points

X0, Y0 = ORIGIN


@pytest.mark.parametrize("lang", ["en", "es"])
def test_gi_legend_names_inference_and_refuses_impossible_cold(lang: str) -> None:
    rng = np.random.default_rng(0)
    bg = np.column_stack([X0 + rng.uniform(0, 1500, 15), Y0 + rng.uniform(0, 1500, 15)])
    hot = np.column_stack([X0 + 700 + rng.normal(0, 10, 40), Y0 + 700 + rng.normal(0, 10, 40)])
    cells = hotspots_grid(metric_points(np.vstack([bg, hot])), cell_m=150, keep_all=True)
    a = cells.attrs
    assert a["cold_possible"] is False  # most cells are empty
    _, rows = gi_layer(
        cells, lang=lang, inference=a["inference"], permutations=a["permutations"], alpha=a["alpha"],
        cold_possible=a["cold_possible"], resolution_limited=True, study_area_guess=a["study_area_guess"],
        n_cells=a["n_cells"],
    )  # fmt: skip
    texts = [r[0] for r in rows]
    from geo.core.i18n import fmt_int

    perms = fmt_int(a["permutations"], lang)
    assert perms.replace(",", "").replace(".", "").replace("\u00a0", "") == str(a["permutations"])
    assert perms in texts[0]
    assert ("permutation" in texts[0]) if lang == "en" else ("permutaciones" in texts[0])
    assert any(("cold spot is possible" in x) or ("no puede haber zonas frías" in x) for x in texts)
    assert not any(("Cold spot" in x) or ("Zona fría" in x) for x in texts)
    assert a["study_area_guess"] is True
    assert any(("guessed" in x) or ("estimada" in x) for x in texts)
    assert any(fmt_int(a["n_cells"], lang) in x for x in texts)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_kde_legend_states_units_rule_and_incident_shares(lang: str) -> None:
    rng = np.random.default_rng(1)
    xy = np.column_stack([X0 + rng.normal(0, 200, 300), Y0 + rng.normal(0, 200, 300)])
    res = kde_from_xy(xy, cell_m=40.0, years=2.0)
    cont = kde_contours(res, fractions=(0.5,))
    _, rows = kde_layer(cont, lang=lang, bandwidth_m=res.bandwidth_m, rule=res.rule)
    title, contour = rows[0][0], rows[1][0]
    assert ("per km² per year" in title) if lang == "en" else ("por km² y por año" in title)
    assert ("normal reference" in title) if lang == "en" else ("referencia normal" in title)
    share = round(100 * float(cont["share_incidents"].iloc[0]))
    assert str(share) in contour
