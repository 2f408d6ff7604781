"""The risk terrain model's relative risk per square on a map (:class:`geo.analysis.riskterrain.RiskTerrain`).

Squares with none of the kept factors around them (relative risk 1) are left out; the others are shaded in four
steps (:data:`STEPS`), each with its own outline pattern so colour is not the only cue, and a tooltip in words. The
relative risk comes from the factors, not from the incidents: no count is drawn.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from geo.core.i18n import fmt_num, t
from layers._geojson import feature_collection
from layers.style import Symbol

COLOUR = "#b2182b"
STEPS = (1.5, 2.0, 3.0)
"""Upper edges of the first three steps of relative risk (the fourth is everything above 3)."""
OPACITY = (0.15, 0.3, 0.45, 0.6)
DASH = ("2 4", "4 3", "6 2", None)


def step_of(rrv: np.ndarray) -> np.ndarray:
    """The step (0-3) of each relative risk above 1."""
    return np.searchsorted(np.asarray(STEPS), np.asarray(rrv, dtype=float), side="left")


def rrv_layer(cells: gpd.GeoDataFrame, *, lang: str) -> tuple[folium.FeatureGroup, list[tuple[str, Symbol]]]:
    """The squares with a relative risk above 1 (EPSG:4326, column ``rrv``), one legend row per step drawn."""
    name = t("risk.map.layer", lang)
    group = folium.FeatureGroup(name=name, show=True)
    raised = cells[cells["rrv"].to_numpy(dtype=float) > 1.0 + 1e-9]
    if not len(raised):
        return group, []
    frame = raised.copy()
    frame["step"] = step_of(frame["rrv"].to_numpy(dtype=float))
    frame["text"] = [t("risk.map.cell", lang, rrv=fmt_num(float(v), lang, digits=2)) for v in frame["rrv"]]
    folium.GeoJson(
        feature_collection(frame, ["text", "step"]),
        style_function=lambda f: {
            "color": COLOUR,
            "weight": 1.2,
            "dashArray": DASH[int(f["properties"]["step"])],
            "fillColor": COLOUR,
            "fillOpacity": OPACITY[int(f["properties"]["step"])],
        },
        tooltip=folium.GeoJsonTooltip(fields=["text"], labels=False, sticky=True),
        control=False,
    ).add_to(group)
    edges = ("1", *(fmt_num(v, lang, digits=1) for v in STEPS), "")
    rows = []
    for step in sorted(set(frame["step"].tolist())):
        label = t("risk.map.step" if step < len(STEPS) else "risk.map.step_top", lang, low=edges[step],
                  high=edges[step + 1])  # fmt: skip
        rows.append((label, Symbol("area", COLOUR, fill_opacity=OPACITY[step], dash=DASH[step], weight=1.2)))
    return group, rows
