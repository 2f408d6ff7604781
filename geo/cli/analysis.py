"""Analysis commands: ``near``, ``rank``, ``zones``, ``trend``.

Each prints JSON to stdout (or writes ``--out``) and exits 2 with one line for bad input.
Distances are metres (EPSG:32611); dates are local (America/Los_Angeles) and inclusive.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from geo.analysis.rings import shown_ranking
from geo.cli import _common as c
from geo.cli._args import (
    add_filters,
    add_focus,
    finite,
    focus_point,
    parse_date,
    settings_for,
)
from geo.core.disclosure import plain_values
from geo.core.errors import AnalysisError
from geo.core.projection import WGS84

# --- near ----------------------------------------------------------------------------------


def _run_near(args: argparse.Namespace) -> int:
    from geo.analysis.rings import ring_summary

    settings = settings_for(args)
    rings = c.distances(args.rings_m, "--rings-m") if args.rings_m else settings.distances.rings_m
    point = focus_point(args)
    if point is None:
        place: Any = c.place_geoms(settings, [args.place])
        label = args.place
    else:
        place = gpd.GeoSeries([Point(point[1], point[0])], crs=WGS84)
        label = f"{args.lat},{args.lon}"
    rule = c.disclosure(args, settings)
    allowed = rule.rings(rings, settings.distances.rings_m) or settings.distances.rings_m
    if tuple(allowed) != tuple(rings):
        print(f"public: rings at {list(allowed)} m only (--privacy internal for others)", file=sys.stderr)
    rings = allowed
    inc = c.incidents(args, settings)
    summary = ring_summary(inc, place, rings_m=rings, **c.layer_coverage(args, settings)).to_dict()
    if summary["total_within"] is not None:  # no data: every count stays None, never 0
        shown = rule.counts([summary["inside"], *(r["count"] for r in summary["rings"])])  # one group under the total
        summary["inside"] = shown[0].plain()
        for ring, value in zip(summary["rings"], list(shown)[1:], strict=True):
            ring["count"] = value.plain()
        summary["total_within"] = shown.total.plain()
    if summary["point_place"] and point is None:  # a place known only as a point has no area: no inside, not 0
        summary["inside"] = None
        summary["note"] = f"{label} is known only as a point: rings are measured from the point; it has no inside"
    payload = {"place": label, **summary, "from": args.date_from, "to": args.date_to, "category": args.category}
    payload["privacy"] = "public" if rule.public else "internal"
    c.emit(payload, getattr(args, "out", None))
    return 0


def _run_rank(args: argparse.Namespace) -> int:
    from geo.analysis.rings import rank_places

    settings = settings_for(args)
    within = args.within_m if args.within_m is not None else settings.distances.ranking_within_m
    inc = c.incidents(args, settings)
    start = parse_date(args.date_from, "--from")
    end = parse_date(args.date_to, "--to")
    years = None
    if start and end:
        years = ((end - start).days + 1) / 365.25
    table = rank_places(
        inc, c.known_places(settings), within_m=within, kind=args.kind, years=years, **c.layer_coverage(args, settings)
    )
    shown = shown_ranking(table.drop(columns="geometry"), c.disclosure(args, settings), lang="en")
    shown["count"] = pd.Series(plain_values(shown), index=shown.index, dtype=object)  # 4, "fewer than 3" or None
    rows = shown.drop(columns="label").to_dict(orient="records")
    c.emit({"kind": args.kind, "within_m": within, "places": rows}, args.out)
    return 0


# --- zones ---------------------------------------------------------------------------------


def _run_zones(args: argparse.Namespace) -> int:
    from geo.analysis.zones import assign_zones, default_zone_key
    from geo.core.store import read_vector, write_text_atomic
    from geo.core.text import to_csv_text

    settings = settings_for(args)
    zones = read_vector(args.zones)
    key = args.key or default_zone_key(zones)
    rule = c.disclosure(args, settings)
    inc = c.incidents(args, settings)
    zone = assign_zones(inc, zones, key=key)
    counts = zone.value_counts(dropna=True)
    outside = int(zone.isna().sum())
    if rule.public:  # no record ids in public: counts per zone, one group under the incidents counted
        shown = rule.counts(counts.to_numpy())
        table = pd.DataFrame({"zone": counts.index.astype(str), "count": [s.plain() for s in shown]})
    else:
        table = pd.DataFrame({"incident_id": inc["incident_id"].astype(str).to_numpy(), "zone": zone.to_numpy()})
    text = to_csv_text(table)  # names such as "=HYPERLINK(...)" open as text in a spreadsheet
    if args.out:
        write_text_atomic(args.out, text)
    else:
        sys.stdout.write(text)
    print(
        f"zones by {key!r}: {rule.count(len(inc)).plain()} incidents, {rule.count(outside).plain()} outside every zone",
        file=sys.stderr,
    )
    if not rule.public:
        for name, n in counts.items():
            print(f"  {name}: {n}", file=sys.stderr)
    return 0


# --- trend ---------------------------------------------------------------------------------


def _run_trend(args: argparse.Namespace) -> int:
    from geo.analysis.trends import place_series, time_series, zone_series
    from geo.core.store import read_vector

    settings = settings_for(args)
    brk = settings.analysis.nibrs_break
    inc = c.incidents(args, settings)
    span = {"start": args.date_from, "end": args.date_to}
    if args.place and args.zones:
        msg = "give --place or --zones, not both"
        raise AnalysisError(msg)
    if args.place:
        within = args.within_m if args.within_m is not None else settings.distances.rings_m[-1]
        table = place_series(
            inc,
            c.place_geoms(settings, [args.place]),
            within_m=within,
            freq=args.freq,
            nibrs_break=brk,
            **span,
            **c.layer_coverage(args, settings),
        )
        scope: dict[str, Any] = {"place": args.place, "within_m": within}
    elif args.zones:
        table = zone_series(
            inc, read_vector(args.zones), key=args.key, freq=args.freq, nibrs_break=brk, **span,
            **c.layer_coverage(args, settings),
        )  # fmt: skip
        scope = {"zones": args.zones}
    else:
        table = time_series(inc, freq=args.freq, nibrs_break=brk, **span)
        scope = {"scope": "all incidents"}
    rule = c.disclosure(args, settings)
    group = "place" if "place" in table.columns else "zone" if "zone" in table.columns else None
    shown = rule.column(table, lang="en", by=group)  # each place's or zone's periods, one group
    shown["count"] = plain_values(shown)
    table = shown.drop(columns=["label", "status"])
    rows = table.assign(period_start=table["period_start"].dt.strftime("%Y-%m-%d")).to_dict(orient="records")
    c.emit({**scope, "freq": args.freq, "nibrs_break": brk.isoformat(), "series": rows}, args.out)
    return 0


# --- registration --------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add the analysis commands: near, rank, zones, trend."""
    p = c.add(subparsers, "near", "count incidents inside a place and in rings outside its border", _run_near)
    add_focus(p, role="focus", required=False)
    p.add_argument("--rings-m", metavar="A,B,C", help="outer ring edges in metres (default from config)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)
    c.add_privacy(p)

    p = c.add(subparsers, "zones", "assign incidents to polygons (divisions, districts...); CSV out", _run_zones)
    p.add_argument("--zones", required=True, metavar="PATH", help="polygon file (shapefile, GeoJSON, GeoPackage)")
    p.add_argument("--key", metavar="FIELD", help="field naming each zone (default: a name-like field)")
    p.add_argument("--out", metavar="FILE.csv", help="write the CSV here instead of stdout")
    add_filters(p)
    c.add_privacy(p)

    p = c.add(subparsers, "trend", "monthly or yearly counts, with the legacy/NIBRS break marked", _run_trend)
    p.add_argument("--place", metavar="NAME", help="incidents inside or near this place")
    p.add_argument("--within-m", type=finite, help="distance from the place's border in metres (default: outer ring)")
    p.add_argument("--zones", metavar="PATH", help="one series per polygon of this file")
    p.add_argument("--key", metavar="FIELD", help="field naming each zone")
    p.add_argument("--freq", choices=("month", "year"), default="month", help="period (default month)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)
    c.add_privacy(p)

    p = c.add(subparsers, "rank", "rank parks or housing developments by incidents near their border", _run_rank)
    p.add_argument("--kind", default="park", help="place kind to rank (park, housing, csp_site...)")
    p.add_argument("--within-m", type=finite, help="distance from the border in metres (default from config)")
    p.add_argument("--out", metavar="FILE", help="write the JSON here instead of stdout")
    add_filters(p)
    c.add_privacy(p)
