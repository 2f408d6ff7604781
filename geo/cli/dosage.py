"""``python -m geo dosage`` and ``python -m geo tracks``: patrol dosage from GPX tracks, and the track store.

``dosage TRACK.gpx ... --plan ROUTE.gpx | --stops FILE`` measures the time spent at each planned
stop (the rules are in :mod:`geo.patrol.dosage`) and prints a JSON report per place: stops,
visits, walks against the plan's order and budget, minutes per stop per week with the incidents
near each stop beside them, and the accounting of every track point kept and dropped. Public
mode (the default) gives whole days; ``--mode internal`` adds clock times. Nothing names an
officer, a device or a file. ``--keep`` stores the tracks' times and positions in the local
store (``sources.store_dir``); ``--stored`` adds the stored tracks; ``tracks delete --all``
removes them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from geo.cli._args import incidents_path, settings_for
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError, DataError
from geo.core.settings import Settings
from geo.data.ingest import incidents_from_path
from geo.data.tracks import (
    Plan,
    Track,
    delete_tracks,
    read_gpx,
    read_plan_gpx,
    read_stops_file,
    save_track,
    stored_tracks,
    track_dir,
)
from geo.patrol.dosage import DosageReport, measure_dosage, report_json, track_warnings, weekly_dosage
from geo.patrol.dosage import rows as dosage_rows


def _folder(settings: Settings) -> Path:
    return track_dir(settings.sources.store_dir, settings.dosage.store_subdir)


def _plan(args: argparse.Namespace, settings: Settings) -> Plan:
    if (args.plan is None) == (args.stops is None):
        msg = "give the planned stops: either --plan ROUTE.gpx or --stops FILE"
        raise AnalysisError(msg)
    if args.plan is not None:
        return read_plan_gpx(
            Path(args.plan), name=Path(args.plan).name, naive_time_zone=settings.dosage.naive_time_zone,
            max_mb=settings.dosage.max_file_mb,
        )  # fmt: skip
    return read_stops_file(args.stops)


def read_tracks(paths: list[str], settings: Settings) -> list[Track]:
    """Read every GPX file; the first unreadable one stops the command with one clear line."""
    d = settings.dosage
    return [
        read_gpx(Path(p), name=Path(p).name, naive_time_zone=d.naive_time_zone, max_mb=d.max_file_mb) for p in paths
    ]


def _weekly(report: DosageReport, args: argparse.Namespace, settings: Settings, mode: str) -> dict[str, Any]:
    from geo.cli._common import layer_coverage

    path = incidents_path(args, settings)
    incidents = incidents_from_path(path)
    n = settings.privacy.min_count
    known = layer_coverage(args, settings, incidents)["coverage"]  # a stop outside it has no data, not 0
    table = weekly_dosage(
        report, incidents, incident_radius_m=settings.dosage.incident_radius_m, min_count=n, coverage=known
    )
    rule = Disclosure.from_settings(settings.privacy, public=mode == "public")
    rows = []
    for r in dosage_rows(table):
        count: Any = None if pd.isna(r.incidents) else int(r.incidents)
        if count is not None and rule.count(count).hidden:
            count = f"<{n}"
        rows.append(
            {"week": str(r.week), "stop_id": r.stop_id, "order": int(r.order), "minutes": round(float(r.minutes), 1),
             "visits": int(r.visits), "incidents": count, "small_count": None if pd.isna(r.small_count)
             else bool(r.small_count), "no_data": None if pd.isna(r.no_data) else bool(r.no_data)}
        )  # fmt: skip
    synthetic = bool(incidents["synthetic"].any()) if "synthetic" in incidents.columns and len(incidents) else False
    return {
        "rows": rows,
        "incident_radius_m": settings.dosage.incident_radius_m,
        "incidents_synthetic": synthetic,
        "note": f"descriptive only; weeks with fewer than {n} incidents near a stop are too few to read a change into; "
        "incidents null with no_data true: a week outside the data's period or a stop outside their area (not 0)",
    }


def _run_dosage(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    plan = _plan(args, settings)
    tracks = read_tracks(args.tracks, settings)
    folder = _folder(settings)
    if args.keep:
        for tr in tracks:
            save_track(tr, folder=folder)
    if args.stored:
        have = {t.track_id for t in tracks}
        tracks += [t for t in stored_tracks(folder) if t.track_id not in have]
    if not tracks:
        msg = "no tracks: give GPX files, or --stored when tracks were kept before"
        raise DataError(msg)
    report = measure_dosage(tracks, plan, params=settings.dosage)
    out = report_json(report, mode=args.mode)
    out["weekly"] = _weekly(report, args, settings, args.mode)
    if args.keep:
        out["stored_in"] = str(folder)
    for line in track_warnings(report, "en"):
        print(f"warning: {line}", file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False, default=str))
    return 0


def _run_tracks(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    folder = _folder(settings)
    if args.action == "list":
        rows = [
            {"track_id": t.track_id, "points": len(t.points), "first_day": str(t.points["time"].min().date()),
             "last_day": str(t.points["time"].max().date())}
            for t in stored_tracks(folder)
        ]  # fmt: skip
        print(json.dumps({"folder": str(folder), "tracks": rows}))
        return 0
    if not args.all and not args.ids:
        msg = "say which tracks to delete: --all, or their ids (python -m geo tracks list)"
        raise AnalysisError(msg)
    removed = delete_tracks(folder, None if args.all else list(args.ids))
    print(json.dumps({"folder": str(folder), "deleted": removed}))
    return 0


def register(subparsers: Any) -> None:
    """Add the ``dosage`` and ``tracks`` commands."""
    p = subparsers.add_parser(
        "dosage",
        help="time spent at each planned stop, measured from GPX tracks; print a JSON report per place",
        description="Measure patrol dosage from GPX tracks (phones, watches) against the planned stops: visits, "
        "minutes, first and last visit, longest gap, planned against measured dwell, order and time budget.",
    )
    p.add_argument("tracks", nargs="*", metavar="TRACK.gpx", help="GPX 1.0/1.1 tracks with times")
    p.add_argument("--plan", metavar="ROUTE.gpx", help="the planned route (GPX written by `route --out`)")
    p.add_argument("--stops", metavar="FILE", help="hot spots or stops: GeoJSON, GeoPackage, shapefile or CSV")
    p.add_argument("--mode", choices=("public", "internal"), default="public", help="public: whole days (default)")
    p.add_argument("--keep", action="store_true", help="store the tracks (times and positions only) locally")
    p.add_argument("--stored", action="store_true", help="add the tracks stored before")
    p.add_argument("--incidents", metavar="PATH", help="incidents counted near each stop (default: configured)")
    p.set_defaults(handler=_run_dosage)

    t = subparsers.add_parser(
        "tracks",
        help="list or delete the GPX tracks kept in the local store",
        description="The tracks `dosage --keep` stored (times and positions only), on this computer only.",
    )
    t.add_argument("action", choices=("list", "delete"))
    t.add_argument("ids", nargs="*", metavar="TRACK_ID", help="tracks to delete (see `tracks list`)")
    t.add_argument("--all", action="store_true", help="delete every stored track")
    t.set_defaults(handler=_run_tracks)
