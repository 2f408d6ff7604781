"""Analysis commands: ``near``, ``rank``, ``zones``, ``hotspots``, ``trend``, ``evaluate``, ``nearrepeat``.

Each prints JSON to stdout (or writes ``--out``) and exits 2 with one line for bad input.
Distances are metres (EPSG:32611); dates are local (America/Los_Angeles) and inclusive.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.cli._args import (
    add_filters,
    add_focus,
    filters_from_args,
    focus_point,
    incidents_path,
    parse_date,
    places_table,
    settings_for,
)
from geo.core.errors import AnalysisError
from geo.core.filters import apply
from geo.core.i18n import t
from geo.core.projection import WGS84
from geo.core.settings import Settings
from geo.data.datasets import place_by_name
from geo.data.ingest import incidents_from_path

# --- shared helpers ------------------------------------------------------------------------


def _numbers(text: str, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        msg = f"{what} must be comma-separated numbers like 75,150,400, got {text!r}"
        raise AnalysisError(msg) from None
    if not values:
        msg = f"{what} must list at least one number, got {text!r}"
        raise AnalysisError(msg)
    return values


def _names(text: str, what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        msg = f"{what} must name at least one place, got {text!r}"
        raise AnalysisError(msg)
    return names


def _incidents(args: argparse.Namespace, settings: Settings) -> gpd.GeoDataFrame:
    path = incidents_path(args, settings)
    return apply(incidents_from_path(path), filters_from_args(args))


def _layer_coverage(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """``coverage=`` and ``min_share=`` for rings, rankings and trends: the area the incident layer covers
    (outside it is no data, never zero)."""
    from geo.data.coverage import find_coverage
    from geo.data.datasets import incidents_metadata

    path = incidents_path(args, settings)
    meta = incidents_metadata(path) if path.suffix.lower() in (".parquet", ".geoparquet") else {}
    coverage = find_coverage(meta, incidents_from_path(path), store_dir=settings.sources.store_dir)
    return {"coverage": coverage, "min_share": settings.workspace.coverage_min_share}


def _places(settings: Settings) -> gpd.GeoDataFrame:
    return places_table(settings)


def _place_geoms(settings: Settings, names: list[str]) -> gpd.GeoDataFrame:
    places = _places(settings)
    return pd.concat([place_by_name(places, n) for n in names])


def _coverage(args: argparse.Namespace) -> gpd.GeoDataFrame | None:
    """The study area from ``--coverage PATH`` (any vector file the store reads), or None."""
    path = getattr(args, "coverage", None)
    if not path:
        return None
    from geo.core.store import read_vector

    return read_vector(path)


def _clean(value: Any) -> Any:
    """JSON-safe: NaN -> None, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    return value


def _emit(payload: dict[str, Any], out: str | None) -> None:
    text = json.dumps(_clean(payload), sort_keys=False, ensure_ascii=False)
    if out:
        from geo.core.store import write_text_atomic

        write_text_atomic(out, text + "\n")
        print(json.dumps({"output": str(out)}))
    else:
        print(text)


@contextmanager
def _warnings_to_stderr() -> Iterator[list[str]]:
    """Collect analysis warnings and print each as one ``warning:`` line on stderr."""
    seen: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield seen
    for w in caught:
        seen.append(str(w.message))
        print(f"warning: {w.message}", file=sys.stderr)


def _add(
    subparsers: Any, name: str, help_text: str, fn: Callable[[argparse.Namespace], int]
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(handler=fn)
    return p


# --- near ----------------------------------------------------------------------------------


def _run_near(args: argparse.Namespace) -> int:
    from geo.analysis.rings import ring_summary

    settings = settings_for(args)
    rings = _numbers(args.rings_m, "--rings-m") if args.rings_m else settings.distances.rings_m
    point = focus_point(args)
    if point is None:
        place: Any = _place_geoms(settings, [args.place])
        label = args.place
    else:
        place = gpd.GeoSeries([Point(point[1], point[0])], crs=WGS84)
        label = f"{args.lat},{args.lon}"
    inc = _incidents(args, settings)
    summary = ring_summary(inc, place, rings_m=rings, **_layer_coverage(args, settings))
    payload = {"place": label, **summary, "from": args.date_from, "to": args.date_to, "category": args.category}
    _emit(payload, getattr(args, "out", None))
    return 0


def _run_rank(args: argparse.Namespace) -> int:
    from geo.analysis.rings import rank_places

    settings = settings_for(args)
    within = args.within_m if args.within_m is not None else settings.distances.ranking_within_m
    inc = _incidents(args, settings)
    start = parse_date(args.date_from, "--from")
    end = parse_date(args.date_to, "--to")
    years = None
    if start and end:
        years = ((end - start).days + 1) / 365.25
    table = rank_places(
        inc, _places(settings), within_m=within, kind=args.kind, years=years, **_layer_coverage(args, settings)
    )
    rows = table.drop(columns="geometry").to_dict(orient="records")
    _emit({"kind": args.kind, "within_m": within, "places": rows}, args.out)
    return 0


# --- zones ---------------------------------------------------------------------------------


def _run_zones(args: argparse.Namespace) -> int:
    from geo.analysis.zones import assign_zones, default_zone_key
    from geo.core.store import read_vector, write_text_atomic
    from geo.core.text import to_csv_text

    settings = settings_for(args)
    zones = read_vector(args.zones)
    key = args.key or default_zone_key(zones)
    inc = _incidents(args, settings)
    zone = assign_zones(inc, zones, key=key)
    table = pd.DataFrame({"incident_id": inc["incident_id"].astype(str).to_numpy(), "zone": zone.to_numpy()})
    text = to_csv_text(table)  # names such as "=HYPERLINK(...)" open as text in a spreadsheet
    if args.out:
        write_text_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    counts = zone.value_counts(dropna=True)
    outside = int(zone.isna().sum())
    print(f"zones by {key!r}: {len(inc)} incidents, {outside} outside every zone", file=sys.stderr)
    for name, n in counts.items():
        print(f"  {name}: {n}", file=sys.stderr)
    return 0


# --- hotspots ------------------------------------------------------------------------------

HOTSPOT_METHODS = ("kde", "grid", "gistar", "emerging")


def _write_geojson(gdf: gpd.GeoDataFrame, out: str) -> None:
    from geo.core.store import write_text_atomic

    if Path(out).suffix.lower() not in (".geojson", ".json"):
        msg = f"--out must end in .geojson or .json, got {out!r}"
        raise AnalysisError(msg)
    plain = gdf.copy()
    plain.attrs = {}
    write_text_atomic(out, plain.to_json(drop_id=True, to_wgs84=True))


def _run_hotspots(args: argparse.Namespace) -> int:
    from geo.analysis.emerging import emerging_hotspots
    from geo.analysis.gistar import hotspots_grid, hotspots_h3, summarise_classes
    from geo.analysis.grid import hex_counts, square_counts
    from geo.analysis.kde import kde, kde_contours

    settings = settings_for(args)
    if Path(args.out).suffix.lower() not in (".geojson", ".json"):
        msg = f"--out must end in .geojson or .json, got {args.out!r}"
        raise AnalysisError(msg)
    a = settings.analysis
    alpha = args.alpha if args.alpha is not None else a.fdr_alpha
    inc = _incidents(args, settings)
    if inc.empty:
        msg = "no incidents match the filters; widen --from/--to/--category"
        raise AnalysisError(msg)
    summary: dict[str, Any] = {"method": args.method, "n_events": len(inc)}
    gi_opts: dict[str, Any] = {
        "min_events": a.min_events,
        "min_events_per_cell": a.min_events_per_cell,
        "coverage": _coverage(args),
        "inference": args.inference or a.gi_inference,
        "permutations": args.permutations if args.permutations is not None else a.gi_permutations,
        "seed": a.seed,
    }
    with _warnings_to_stderr() as seen:
        if args.method == "kde":
            cell = args.cell_m if args.cell_m is not None else a.kde_cell_m
            result = kde(
                inc, cell_m=cell, bandwidth_m=args.bandwidth_m, rule=a.kde_bandwidth_rule, coverage=_coverage(args)
            )
            gdf = kde_contours(result) if args.kde_output == "contours" else result.to_gdf(min_density=0.0)
            summary |= result.describe()
        elif args.method == "grid":
            if args.hex is not None:
                gdf = hex_counts(inc, resolution=args.hex)
                summary["h3_resolution"] = args.hex
            else:
                cell = args.cell_m if args.cell_m is not None else a.grid_cell_m
                gdf = square_counts(inc, cell_m=cell)
                summary["cell_m"] = cell
        elif args.method == "gistar":
            if args.hex is not None:
                gdf = hotspots_h3(inc, resolution=args.hex, alpha=alpha, **gi_opts)
                summary["h3_resolution"] = args.hex
            else:
                cell = args.cell_m if args.cell_m is not None else a.grid_cell_m
                gdf = hotspots_grid(inc, cell_m=cell, alpha=alpha, **gi_opts)
                summary["cell_m"] = cell
            keep = ("inference", "permutations", "n_cells", "events_per_cell", "tested", "cold_possible", "outside")
            summary |= {"alpha": alpha, "fdr": "benjamini-hochberg", "classes": summarise_classes(gdf)}
            summary |= {k: gdf.attrs[k] for k in (*keep, "study_area_km2", "study_area_rule", "study_area_guess")}
        else:
            cell = args.cell_m if args.cell_m is not None else a.grid_cell_m
            gdf = emerging_hotspots(
                inc, cell_m=cell, alpha=alpha, min_events=a.min_events, coverage=_coverage(args)
            )  # fmt: skip
            summary |= {
                "cell_m": cell,
                "alpha": alpha,
                "years": gdf.attrs["years"],
                "categories": {str(k): int(v) for k, v in gdf["category"].value_counts().items()},
            }
    _write_geojson(gdf, args.out)
    summary |= {"features": len(gdf), "warnings": seen, "output": str(args.out)}
    print(json.dumps(_clean(summary)))
    return 0


# --- evaluate ------------------------------------------------------------------------------


def _program_start(treated: gpd.GeoDataFrame) -> str:
    if "program_start" not in treated.columns:
        msg = "give --start DATE (the treated places carry no program_start)"
        raise AnalysisError(msg)
    starts = sorted({str(pd.Timestamp(v).date()) for v in treated["program_start"] if not pd.isna(v)})
    if len(starts) != 1:
        msg = f"give --start DATE (the treated places have program starts {starts or 'none'})"
        raise AnalysisError(msg)
    return starts[0]


def _within(places: gpd.GeoDataFrame, area: Any) -> bool:
    from geo.core.validate import union_metric

    return bool(area.covers(union_metric(places, "places")))


def _run_evaluate(args: argparse.Namespace) -> int:
    from geo.analysis.evaluate import evaluate_program
    from geo.core.validate import local_dates

    settings = settings_for(args)
    treated = _place_geoms(settings, _names(args.treated, "--treated"))
    control = _place_geoms(settings, _names(args.control, "--control"))
    start = args.start or _program_start(treated)
    parse_date(start, "--start")
    buffer_m = args.buffer_m if args.buffer_m is not None else settings.distances.displacement_buffer_m
    path = incidents_path(args, settings)
    dates = local_dates(incidents_from_path(path))
    data_start = args.date_from or (str(dates.min().date()) if len(dates) else None)
    data_end = args.date_to or (str(dates.max().date()) if len(dates) else None)
    inc = _incidents(args, settings)
    result = evaluate_program(
        inc,
        treated,
        control,
        start=start,
        buffer_m=buffer_m,
        months=args.months,
        data_start=data_start,
        data_end=data_end,
        min_events=settings.analysis.min_events,
        small_count=settings.analysis.small_count,
    )
    payload = {"treated": args.treated, "control": args.control, "start": start, **result.to_dict()}
    cov = _coverage(args)
    if cov is not None:
        from geo.analysis.study import study_area

        area = study_area(cov, buffer_m=1.0)
        outside = [k for k, g in (("control", control), ("treated", treated)) if not _within(g, area.geometry)]
        payload["outside_coverage"] = outside
    if not args.monthly:
        payload.pop("monthly")
    _emit(payload, args.out)
    return 0


# --- trend ---------------------------------------------------------------------------------


def _run_trend(args: argparse.Namespace) -> int:
    from geo.analysis.trends import place_series, time_series, zone_series
    from geo.core.store import read_vector

    settings = settings_for(args)
    brk = settings.analysis.nibrs_break
    inc = _incidents(args, settings)
    span = {"start": args.date_from, "end": args.date_to}
    if args.place and args.zones:
        msg = "give --place or --zones, not both"
        raise AnalysisError(msg)
    if args.place:
        within = args.within_m if args.within_m is not None else settings.distances.rings_m[-1]
        table = place_series(
            inc,
            _place_geoms(settings, [args.place]),
            within_m=within,
            freq=args.freq,
            nibrs_break=brk,
            **span,
            **_layer_coverage(args, settings),
        )
        scope: dict[str, Any] = {"place": args.place, "within_m": within}
    elif args.zones:
        table = zone_series(
            inc, read_vector(args.zones), key=args.key, freq=args.freq, nibrs_break=brk, **span,
            **_layer_coverage(args, settings),
        )  # fmt: skip
        scope = {"zones": args.zones}
    else:
        table = time_series(inc, freq=args.freq, nibrs_break=brk, **span)
        scope = {"scope": "all incidents"}
    rows = table.assign(period_start=table["period_start"].dt.strftime("%Y-%m-%d")).to_dict(orient="records")
    _emit({**scope, "freq": args.freq, "nibrs_break": brk.isoformat(), "series": rows}, args.out)
    return 0


# --- near-repeat ---------------------------------------------------------------------------


def _run_nearrepeat(args: argparse.Namespace) -> int:
    from geo.analysis.knox import near_repeat

    settings = settings_for(args)
    space = _numbers(args.space_m, "--space-m")
    times = _numbers(args.time_days, "--time-days")
    inc = _incidents(args, settings)
    if args.place:
        from geo.analysis.rings import distance_to_place

        within = args.within_m if args.within_m is not None else settings.distances.rings_m[-1]
        inc = inc[(distance_to_place(inc, _place_geoms(settings, [args.place])) <= within).to_numpy()]
    cov = _coverage(args)
    if cov is not None:
        from geo.analysis.study import study_area
        from geo.core.validate import metric_xy

        inc = inc[study_area(cov, buffer_m=1.0).contains_xy(metric_xy(inc))]
    a = settings.analysis
    table = near_repeat(
        inc, space_bands_m=space, time_bands_days=times, permutations=args.permutations, seed=args.seed,
        same_location_m=a.knox_same_location_m, dedupe_minutes=a.knox_dedupe_minutes, strata=args.strata,
    )  # fmt: skip
    note = table.attrs["multiple_testing"]
    payload = {
        "n_events": table.attrs["n"],
        "deduplicated": table.attrs["deduplicated"],
        "strata": table.attrs["strata_rule"],
        "n_strata": table.attrs["strata"],
        "pairs": table.attrs["pairs"],
        "permutations": table.attrs["permutations"],
        "seed": table.attrs["seed"],
        "multiple_testing": t(note["key"], "en", cells=note["cells"], expected=note["expected"]),
        "table": table.to_dict(orient="records"),
    }
    _emit(payload, args.out)
    return 0


# --- registration --------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add the analysis commands."""
    p = _add(subparsers, "near", "count incidents inside a place and in rings outside its border", _run_near)
    add_focus(p, role="focus", required=False)
    p.add_argument("--rings-m", metavar="A,B,C", help="outer ring edges in metres (default from config)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)

    p = _add(subparsers, "hotspots", "hot spots as GeoJSON: kernel density, counts, Gi* or emerging", _run_hotspots)
    p.add_argument("--method", choices=HOTSPOT_METHODS, default="gistar", help="analysis (default gistar)")
    p.add_argument("--cell-m", type=float, help="grid cell side in metres (default from config)")
    p.add_argument("--hex", type=int, metavar="RES", help="use H3 hexagons of this resolution (grid, gistar)")
    p.add_argument("--bandwidth-m", type=float, help="KDE bandwidth in metres (default: rule of thumb)")
    p.add_argument("--kde-output", choices=("contours", "cells"), default="contours", help="KDE output")
    p.add_argument("--alpha", type=float, help="false discovery rate (default from config)")
    p.add_argument("--inference", choices=("permutation", "normal"), help="Gi* p-values (default from config)")
    p.add_argument("--permutations", type=int, help="Gi* permutations, at least (default from config)")
    p.add_argument(
        "--coverage", metavar="PATH", help="study area: any vector file the store reads (default: data hull)"
    )
    p.add_argument("--out", required=True, metavar="FILE.geojson", help="GeoJSON file to write")
    add_filters(p)

    p = _add(subparsers, "zones", "assign incidents to polygons (divisions, districts...); CSV out", _run_zones)
    p.add_argument("--zones", required=True, metavar="PATH", help="polygon file (shapefile, GeoJSON, GeoPackage)")
    p.add_argument("--key", metavar="FIELD", help="field naming each zone (default: a name-like field)")
    p.add_argument("--out", metavar="FILE.csv", help="write the CSV here instead of stdout")
    add_filters(p)

    p = _add(subparsers, "evaluate", "before/after evaluation of a place-based program (WDQ, WDD, DiD)", _run_evaluate)
    p.add_argument("--treated", required=True, metavar="NAME[,NAME]", help="treated places")
    p.add_argument("--control", required=True, metavar="NAME[,NAME]", help="comparison places")
    p.add_argument("--start", metavar="DATE", help="program start (default: the treated places' program_start)")
    p.add_argument("--buffer-m", type=float, help="displacement buffer in metres (default from config)")
    p.add_argument("--months", type=int, help="months on each side of the start (default: as many as the data allow)")
    p.add_argument("--monthly", action="store_true", help="include the monthly series in the output")
    p.add_argument(
        "--coverage", metavar="PATH", help="study area: any vector file the store reads (default: data hull)"
    )
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)

    p = _add(subparsers, "trend", "monthly or yearly counts, with the legacy/NIBRS break marked", _run_trend)
    p.add_argument("--place", metavar="NAME", help="incidents inside or near this place")
    p.add_argument("--within-m", type=float, help="distance from the place's border in metres (default: outer ring)")
    p.add_argument("--zones", metavar="PATH", help="one series per polygon of this file")
    p.add_argument("--key", metavar="FIELD", help="field naming each zone")
    p.add_argument("--freq", choices=("month", "year"), default="month", help="period (default month)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)

    p = _add(subparsers, "nearrepeat", "Knox near-repeat test over distance and time bands", _run_nearrepeat)
    p.add_argument("--space-m", default="100,200,400", metavar="A,B,C", help="distance band edges in metres")
    p.add_argument("--time-days", default="7,14,30", metavar="A,B,C", help="time band edges in days")
    p.add_argument("--permutations", type=int, default=999, help="Monte Carlo permutations (default 999)")
    p.add_argument("--seed", type=int, default=0, help="permutation seed (default 0)")
    p.add_argument(
        "--strata", choices=("area_month", "month", "none"), default="area_month",
        help="permute times within area and month (default), month, or not at all",
    )  # fmt: skip
    p.add_argument(
        "--coverage", metavar="PATH", help="study area: any vector file the store reads (default: data hull)"
    )
    p.add_argument("--place", metavar="NAME", help="only incidents inside or near this place")
    p.add_argument("--within-m", type=float, help="distance from the place's border in metres (default: outer ring)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)

    p = _add(subparsers, "rank", "rank parks or housing developments by incidents near their border", _run_rank)
    p.add_argument("--kind", default="park", help="place kind to rank (park, housing, csp_site...)")
    p.add_argument("--within-m", type=float, help="distance from the border in metres (default from config)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)
