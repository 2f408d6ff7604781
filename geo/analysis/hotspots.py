"""Gi* hot spots as configured: the one entry the Map page and the patrol planner share.

Every choice of the ``analysis`` settings section reaches :func:`geo.analysis.gistar.hotspots_grid`, so the
route's hot spots and the map's agree whatever the configuration (DESIGN.md, "One owner per promise").
"""

from __future__ import annotations

import geopandas as gpd

from geo.analysis.gistar import hotspots_grid
from geo.core.settings import AnalysisSettings, get_settings


def configured_hotspots(
    incidents: gpd.GeoDataFrame,
    analysis: AnalysisSettings | None = None,
    *,
    cell_m: float | None = None,
    study_area: object = None,
) -> gpd.GeoDataFrame:
    """Gi* on the configured square grid with every configured choice (``analysis``, default the settings'):
    cell size (``cell_m`` for another, metres), FDR level, minimum events, inference, permutations, seed and the
    limits that keep the classes independent of the seed (more permutations, then the exact permutation p).
    The Map page and the patrol planner both call this, so their hot spots agree whatever the configuration."""
    a = get_settings().analysis if analysis is None else analysis
    return hotspots_grid(incidents, analysis=a, cell_m=cell_m, study_area=study_area)
