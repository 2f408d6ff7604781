"""``python -m geo risk``: risk factors beside incidents (near versus far) and a risk terrain model.

Factors are conditions from the City's service requests (``--factor streetlight``, any of
:data:`geo.core.categories.CONDITIONS`, from the store's requests layer, or the demo's synthetic requests beside the
demo's incidents only) or point files (``--factor bus_stops.geojson`` or ``--factor stops=bus_stops.csv``: GeoJSON,
GeoPackage, shapefile or a CSV with lat/lon). The study area is the focus place and ``analysis.focus_area_m`` around
it (the area the Map page tests hot spots over). Incident counts near and far are shown as the privacy mode says
("fewer than 3" in public); per-cell counts are never printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import geopandas as gpd

from geo.analysis.conditions import points_of
from geo.analysis.riskterrain import near_far, risk_terrain, shown_near_far
from geo.analysis.study import study_area_around
from geo.cli._args import add_filters, incidents_path, settings_for
from geo.cli._common import add, add_privacy, disclosure, emit, incidents, place_geoms
from geo.core.categories import CONDITIONS
from geo.core.errors import AnalysisError, DataError
from geo.core.settings import Settings
from geo.core.store import read_vector
from geo.data.ingest import incidents_from_path
from geo.data.services import requests_of
from geo.data.sources.places import load_points_csv


def _factor(spec: str, settings: Settings, *, synthetic: bool) -> tuple[str, gpd.GeoDataFrame]:
    """``(name, points)`` of one ``--factor``: a condition of the service requests, or ``[NAME=]FILE``."""
    name, _, target = spec.rpartition("=") if "=" in spec else ("", "", spec)
    if target in CONDITIONS:
        shown = requests_of(settings, beside_synthetic=synthetic)
        return name or target, points_of(shown.frame, target)
    path = Path(target)
    if not path.is_file():
        msg = f"--factor {spec!r} is neither a condition ({', '.join(CONDITIONS)}) nor a readable file"
        raise DataError(msg)
    points = load_points_csv(path, kind="stations").frame if path.suffix.lower() == ".csv" else read_vector(path)
    return name or path.stem, points


def _run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    rows = incidents(args, settings)
    rule = disclosure(args, settings, rows)
    layer = incidents_from_path(incidents_path(args, settings))  # synthetic or not: the layer's, not the filter's
    synthetic = bool(len(layer)) and bool(layer["synthetic"].fillna(False).astype(bool).all())
    factors = dict(_factor(spec, settings, synthetic=synthetic) for spec in args.factor)
    place = place_geoms(settings, [args.place])
    area = study_area_around(place, buffer_m=settings.analysis.focus_area_m).geometry
    table, pairs = shown_near_far(near_far(rows, factors, area=area, settings=settings.risk), rule)
    table["incidents_near"] = [pair[0].plain() for pair in pairs]
    table["incidents_far"] = [pair[1].plain() for pair in pairs]
    table = table.astype(object).where(table.notna(), None)  # withheld rates as JSON null
    payload: dict[str, Any] = {"place": args.place, "privacy": "public" if rule.public else "internal",
                               "near_far": table.to_dict("records")}  # fmt: skip
    try:
        model = risk_terrain(rows, factors, area=area, settings=settings.risk)
    except AnalysisError as exc:  # too few incidents: no model, and why
        payload["model"] = {"refused": str(exc)}
    else:
        payload["model"] = {**model.describe(), "factors": model.factors.to_dict("records")}
    emit(payload, args.out)
    return 0


def register(subparsers: Any) -> None:
    """Add the ``risk`` command."""
    p = add(subparsers, "risk", "risk factors beside incidents (near vs far) and a risk terrain model", _run)
    p.add_argument("--place", required=True, help="the focus place (the study area is it and focus_area_m around)")
    conditions = ", ".join(CONDITIONS)
    p.add_argument("--factor", action="append", required=True, metavar="CONDITION|[NAME=]FILE",
                   help=f"a factor layer: a 311 condition ({conditions}) or a point file; repeat")  # fmt: skip
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)
    add_privacy(p)
