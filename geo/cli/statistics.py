"""Statistics commands: ``hotspots``, ``evaluate``, ``nearrepeat`` (Gi*, KDE, WDD, Knox).

Each prints JSON to stdout (or writes ``--out``) and exits 2 with one line for bad input.
Distances are metres (EPSG:32611); dates are local (America/Los_Angeles) and inclusive.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.cli import _common as c
from geo.cli._args import (
    add_filters,
    finite,
    incidents_path,
    parse_date,
    settings_for,
)
from geo.core.disclosure import WITHHELD, Disclosure, plain_values
from geo.core.errors import AnalysisError
from geo.core.i18n import t
from geo.core.settings import AnalysisSettings
from geo.data.ingest import incidents_from_path

# --- hotspots ------------------------------------------------------------------------------

HOTSPOT_METHODS = ("kde", "grid", "gistar", "emerging")
COVERAGE_HELP = "study area: any vector file the store reads (default: the layer's known area, else the data hull)"


def _write_geojson(gdf: gpd.GeoDataFrame, out: str) -> None:
    from geo.core.store import write_text_atomic

    if Path(out).suffix.lower() not in (".geojson", ".json"):
        msg = f"--out must end in .geojson or .json, got {out!r}"
        raise AnalysisError(msg)
    plain = gdf.copy()
    plain.attrs = {}
    write_text_atomic(out, plain.to_json(drop_id=True, to_wgs84=True))


def _public_counts(cells: gpd.GeoDataFrame, rule: Disclosure) -> gpd.GeoDataFrame:
    """Grid or hexagon counts as a public view shows them: ``count`` (missing where hidden) and ``label``; no cell
    at all when none can be shown without giving a small count away."""
    shown = rule.column(cells, lang="en")
    if bool((shown["status"] == WITHHELD).all()) and len(shown) and int(cells["count"].sum()):
        shown = shown.iloc[0:0]
    return shown.drop(columns="status")


def _run_hotspots(args: argparse.Namespace) -> int:
    from geo.analysis.gi_infer import note_text
    from geo.analysis.grid import hex_counts, square_counts
    from geo.cli._args import filters_from_args

    settings = settings_for(args)
    if Path(args.out).suffix.lower() not in (".geojson", ".json"):
        msg = f"--out must end in .geojson or .json, got {args.out!r}"
        raise AnalysisError(msg)
    a = _analysis_options(args, settings.analysis)
    rule = c.disclosure(args, settings)
    if rule.public and args.method != "grid":  # as on the map: surfaces and tests over few events draw each of them
        msg = f"--method {args.method} is for the internal view only (public: --method grid); add --privacy internal"
        raise AnalysisError(msg)
    inc = c.incidents(args, settings)
    if inc.empty:
        msg = "no incidents match the filters; widen --from/--to/--category"
        raise AnalysisError(msg)
    area = c.coverage(args, settings)  # --coverage, else the layer's known area (as the pages), else the hull
    summary: dict[str, Any] = {"method": args.method, "n_events": rule.count(len(inc)).plain(), **c.coverage_note(area)}
    notes: list[dict[str, Any]] = []
    with c.warnings_to_stderr() as seen:
        if args.method == "kde":
            f = filters_from_args(args)
            gdf, described, notes = _kde(inc, a, f.start, f.end, args, area)
            summary |= described
        elif args.method == "grid":
            if args.hex is not None:
                gdf = hex_counts(inc, resolution=args.hex)
                summary["h3_resolution"] = args.hex
            else:
                cell = args.cell_m if args.cell_m is not None else a.grid_cell_m
                gdf = square_counts(inc, cell_m=cell)
                summary["cell_m"] = cell
        elif args.method == "gistar":
            gdf, described = _gistar(inc, a, args, area)
            notes = list(gdf.attrs["notes"])
            summary |= described
        else:
            gdf, described = _emerging(inc, a, args, area)
            notes = list(gdf.attrs["notes"])
            summary |= described
    if rule.public:  # the cells, one group under the events counted: "fewer than 3", "withheld", or none drawn
        gdf = _public_counts(gdf, rule)
        summary["privacy"] = "public"
    _write_geojson(gdf, args.out)
    said = [note_text(n, "en") for n in notes]
    summary |= {"features": len(gdf), "warnings": seen + [w for w in said if w not in seen], "output": str(args.out)}
    print(json.dumps(c.clean(summary)))
    return 0


def _analysis_options(args: argparse.Namespace, a: AnalysisSettings) -> AnalysisSettings:
    """The ``analysis`` settings with the command's options (``--alpha``, ``--inference``, ``--permutations``)."""
    given = {"fdr_alpha": args.alpha, "gi_inference": args.inference, "gi_permutations": args.permutations}
    given = {k: v for k, v in given.items() if v is not None}
    if "gi_permutations" in given:
        given["gi_max_permutations"] = max(int(given["gi_permutations"]), a.gi_max_permutations)
    return a.model_copy(update=given)


def _kde(
    inc: gpd.GeoDataFrame,
    a: AnalysisSettings,
    start: dt.date | None,
    end: dt.date | None,
    args: argparse.Namespace,
    coverage: Any,
) -> tuple[gpd.GeoDataFrame, dict[str, Any], list[dict[str, Any]]]:
    """Contours or cells of the configured heat surface per year of ``--from``..``--to``; none below the minimum."""
    from geo.analysis.kde import configured_kde, kde_contours

    heat = configured_kde(
        inc, a, start=start, end=end, cell_m=args.cell_m, bandwidth_m=args.bandwidth_m, coverage=coverage
    )  # fmt: skip
    described = heat.describe()
    described.pop("notes", None)
    if heat.result is None:
        return gpd.GeoDataFrame({"density": []}, geometry=[], crs="EPSG:4326"), described, list(heat.notes)
    out = kde_contours(heat.result) if args.kde_output == "contours" else heat.result.to_gdf(min_density=0.0)
    return out, described, list(heat.notes)


def _gistar(
    inc: gpd.GeoDataFrame, a: AnalysisSettings, args: argparse.Namespace, coverage: Any
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Gi* cells or hexagons with the inference used and what it did (settled classes, floor, notes)."""
    from geo.analysis.gistar import hotspots_grid, hotspots_h3, summarise_classes

    out: dict[str, Any] = {}
    if args.hex is not None:
        gdf = hotspots_h3(inc, resolution=args.hex, analysis=a, coverage=coverage)
        out["h3_resolution"] = args.hex
    else:
        gdf = hotspots_grid(inc, analysis=a, cell_m=args.cell_m, coverage=coverage)
        out["cell_m"] = gdf.attrs["grid"].cell_m
    keep = (
        "inference", "inference_requested", "permutations", "p_floor", "resolution_limited", "mc_confidence",
        "unsettled_cells", "exact_cells", "seed", "n_cells", "events_per_cell", "tested", "cold_possible", "outside",
        "study_area_km2", "study_area_rule", "study_area_guess",
    )  # fmt: skip
    out |= {"alpha": a.fdr_alpha, "fdr": "benjamini-hochberg", "classes": summarise_classes(gdf)}
    out |= {k: gdf.attrs[k] for k in keep if k in gdf.attrs}
    se = gdf["p_mc_se"].to_numpy(dtype=float)
    out["max_p_mc_se"] = float(se[~pd.isna(se)].max()) if (~pd.isna(se)).any() else None
    return gdf, out


def _emerging(
    inc: gpd.GeoDataFrame, a: AnalysisSettings, args: argparse.Namespace, coverage: Any
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Emerging-hot-spot cells with their categories, the minimum count and the cells classed."""
    from geo.analysis.emerging import emerging_hotspots

    gdf = emerging_hotspots(inc, analysis=a, cell_m=args.cell_m, coverage=coverage)
    out = {
        "cell_m": gdf.attrs["grid"].cell_m,
        "alpha": a.fdr_alpha,
        "years": gdf.attrs["years"],
        "min_count": gdf.attrs["min_count"],
        "trend_correction": "benjamini-hochberg",
        "classed": gdf.attrs["classed"],
        "categories": {str(k): int(v) for k, v in gdf["category"].value_counts().items()},
    }
    return gdf, out


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
    treated = c.place_geoms(settings, c.names(args.treated, "--treated"))
    control = c.place_geoms(settings, c.names(args.control, "--control"))
    start = args.start or _program_start(treated)
    asked = parse_date(start, "--start")
    buffer_m = args.buffer_m if args.buffer_m is not None else settings.distances.displacement_buffer_m
    path = incidents_path(args, settings)
    dates = local_dates(incidents_from_path(path))
    data_start = args.date_from or (str(dates.min().date()) if len(dates) else None)
    data_end = args.date_to or (str(dates.max().date()) if len(dates) else None)
    rule = c.disclosure(args, settings)
    month_start = rule.dates(asked, None)[0]  # public: a start moved a day at a time would tell a date
    if asked is not None and month_start is not None and month_start != asked:
        print(f"public: the evaluation starts on {month_start}, the first of its month (--privacy internal for "
              "another day)", file=sys.stderr)  # fmt: skip
        start = month_start.isoformat()
    control, no_data = _with_data(args, settings, treated, control)
    inc = c.incidents(args, settings)
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
    if rule.public:
        payload = _public_evaluation(payload, result.counts, rule, monthly=bool(args.monthly))
    payload["no_data"] = no_data
    cov = c.coverage(args, settings)
    if cov is not None:
        from geo.analysis.study import study_area

        area = study_area(cov, buffer_m=1.0)
        outside = [k for k, g in (("control", control), ("treated", treated)) if not _within(g, area.geometry)]
        payload["outside_coverage"] = outside
    if not args.monthly:
        payload.pop("monthly", None)
    c.emit(payload, args.out)
    return 0


def _with_data(
    args: argparse.Namespace, settings: Any, treated: gpd.GeoDataFrame, control: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """The comparison places inside the layer's coverage (:func:`geo.data.coverage.has_data` of the place itself, as
    on the Trends page) and the names of those outside: never counted as 0. Refused when the treated place, or
    every comparison place, has no data."""
    from geo.data.coverage import has_data
    from geo.data.labels import coverage_text

    known = c.layer_coverage(args, settings)
    where = coverage_text(known["coverage"], "en") if known["coverage"] is not None else ""
    if not bool(has_data(treated, within_m=0.0, **known).all()):
        msg = f"no data for --treated {args.treated!r}: it lies outside the area the data cover ({where})"
        raise AnalysisError(msg)
    ok = has_data(control, within_m=0.0, **known).to_numpy(dtype=bool)
    missing = list(dict.fromkeys(str(n) for n in control["name"][~ok]))
    if not ok.any():
        msg = (
            f"no data for any --control place ({', '.join(missing)}): they lie outside the area the data cover "
            f"({where}); choose comparison places inside it"
        )
        raise AnalysisError(msg)
    if missing:
        print(f"no data for {', '.join(missing)} (outside {where}): left out of the comparison", file=sys.stderr)
    return control[ok], missing


def _public_evaluation(
    payload: dict[str, Any], counts: dict[str, int], rule: Disclosure, *, monthly: bool
) -> dict[str, Any]:
    """An evaluation as a public view shows it: each count on its own ("fewer than 3"); with a hidden count no
    estimate, error or reading (each is a sum or difference of the counts), as on the Trends page; monthly
    counts one group per area."""
    from geo.analysis.evaluate import estimates_shown

    shown = {k: rule.count(v) for k, v in counts.items()}
    out = {k: payload[k] for k in ("treated", "control", "start", "before", "after", "months", "buffer_m", "areas_km2")}
    out["counts"] = {k: s.plain() for k, s in shown.items()}
    out["privacy"] = "public"
    if not estimates_shown(counts, rule):
        out["estimates"] = None
        out["note"] = "some counts are under the public threshold: the estimates are in the internal view only"
    else:
        out |= {k: v for k, v in payload.items() if k not in out and k != "monthly" and k != "warnings"}
    if monthly and "monthly" in payload:
        frame = pd.DataFrame(payload["monthly"])
        areas = [c for c in ("treated", "displacement", "control") if c in frame.columns]
        long = frame.melt(id_vars=[c for c in frame.columns if c not in areas], value_vars=areas, var_name="area")
        long = rule.column(long, lang="en", by="area", column="value")
        long["value"] = plain_values(long, "value")
        out["monthly"] = long.drop(columns=["label", "status"]).to_dict(orient="records")
    return out


# --- near-repeat ---------------------------------------------------------------------------


def _run_nearrepeat(args: argparse.Namespace) -> int:
    from geo.analysis.knox import near_repeat

    settings = settings_for(args)
    if c.disclosure(args, settings).public:  # pairs of events close in space and time single out events
        msg = "nearrepeat is for the internal view only; add --privacy internal"
        raise AnalysisError(msg)
    space = c.distances(args.space_m, "--space-m")
    times = c.numbers(args.time_days, "--time-days")
    inc = c.incidents(args, settings)
    if args.place:
        from geo.analysis.rings import distance_to_place

        within = args.within_m if args.within_m is not None else settings.distances.rings_m[-1]
        inc = inc[(distance_to_place(inc, c.place_geoms(settings, [args.place])) <= within).to_numpy()]
    cov = c.coverage(args, settings)  # --coverage, else the layer's known area: events outside are left out
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
        "strata": table.attrs["strata_rule"],  # what was used: month where the source has no area code
        "strata_asked": table.attrs["strata_asked"],
        "n_strata": table.attrs["strata"],
        "pairs": table.attrs["pairs"],
        "permutations": table.attrs["permutations"],
        "seed": table.attrs["seed"],
        "multiple_testing": t(note["key"], "en", cells=note["cells"], expected=note["expected"]),
        "table": table.to_dict(orient="records"),
    }
    c.emit(payload, args.out)
    return 0


# --- registration --------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add the statistics commands: hotspots, evaluate, nearrepeat."""
    p = c.add(subparsers, "hotspots", "hot spots as GeoJSON: kernel density, counts, Gi* or emerging", _run_hotspots)
    p.add_argument("--method", choices=HOTSPOT_METHODS, default="gistar", help="analysis (default gistar)")
    p.add_argument("--cell-m", type=finite, help="grid cell side in metres (default from config)")
    p.add_argument("--hex", type=int, metavar="RES", help="use H3 hexagons of this resolution (grid, gistar)")
    p.add_argument("--bandwidth-m", type=finite, help="KDE bandwidth in metres (default: rule of thumb)")
    p.add_argument("--kde-output", choices=("contours", "cells"), default="contours", help="KDE output")
    p.add_argument("--alpha", type=finite, help="false discovery rate (default from config)")
    p.add_argument("--inference", choices=("permutation", "normal"), help="Gi* p-values (default from config)")
    p.add_argument("--permutations", type=int, help="Gi* permutations, at least (default from config)")
    p.add_argument("--coverage", metavar="PATH", help=COVERAGE_HELP)
    p.add_argument("--out", required=True, metavar="FILE.geojson", help="GeoJSON file to write")
    add_filters(p)
    c.add_privacy(p)

    p = c.add(subparsers, "evaluate", "before/after evaluation of a place-based program (WDQ, WDD, DiD)", _run_evaluate)
    p.add_argument("--treated", required=True, metavar="NAME[,NAME]", help="treated places")
    p.add_argument("--control", required=True, metavar="NAME[,NAME]", help="comparison places")
    p.add_argument("--start", metavar="DATE", help="program start (default: the treated places' program_start)")
    p.add_argument("--buffer-m", type=finite, help="displacement buffer in metres (default from config)")
    p.add_argument("--months", type=int, help="months on each side of the start (default: as many as the data allow)")
    p.add_argument("--monthly", action="store_true", help="include the monthly series in the output")
    p.add_argument("--coverage", metavar="PATH", help=COVERAGE_HELP)
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)
    c.add_privacy(p)

    p = c.add(subparsers, "nearrepeat", "Knox near-repeat test over distance and time bands", _run_nearrepeat)
    p.add_argument("--space-m", default="100,200,400", metavar="A,B,C", help="distance band edges in metres")
    p.add_argument("--time-days", default="7,14,30", metavar="A,B,C", help="time band edges in days")
    p.add_argument("--permutations", type=int, default=999, help="Monte Carlo permutations (default 999)")
    p.add_argument("--seed", type=int, default=0, help="permutation seed (default 0)")
    p.add_argument(
        "--strata", choices=("area_month", "month", "none"), default="area_month",
        help="permute times within area and month (default), month, or not at all",
    )  # fmt: skip
    p.add_argument("--coverage", metavar="PATH", help=COVERAGE_HELP)
    p.add_argument("--place", metavar="NAME", help="only incidents inside or near this place")
    p.add_argument("--within-m", type=finite, help="distance from the place's border in metres (default: outer ring)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)
    c.add_privacy(p)
