"""Argument helpers shared by the CLI commands: dates and the focus place or point."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from pathlib import Path

import geopandas as gpd

from geo.core.categories import CATEGORIES
from geo.core.errors import AnalysisError
from geo.core.filters import AGE_BAND_KEYS, DESCENTS, SEXES, WEAPON_GROUPS, Filters
from geo.core.settings import Settings, get_settings, use_config


def parse_date(text: str | None, flag: str) -> dt.date | None:
    """``YYYY-MM-DD`` from option ``flag`` (None when absent); one clear error otherwise."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        msg = f"{flag} must be a date like 2017-01-31, got {text!r}"
        raise AnalysisError(msg) from None


def finite(text: str) -> float:
    """A finite number from an option (``inf``, ``nan`` and ``1e400`` are refused before any arithmetic)."""
    try:
        value = float(text)
    except ValueError:
        msg = f"not a number: {text!r}"
        raise argparse.ArgumentTypeError(msg) from None
    if not math.isfinite(value):
        msg = f"not a finite number: {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def add_focus(p: argparse.ArgumentParser, *, role: str = "focus", required: bool = True) -> None:
    """``--place NAME`` or ``--lat LAT --lon LON`` (degrees, EPSG:4326)."""
    where = p.add_mutually_exclusive_group(required=required)
    where.add_argument("--place", metavar="NAME", help=f'{role} place, e.g. "Harvard Park"')
    where.add_argument("--lat", type=finite, metavar="LAT", help=f"{role} latitude (degrees; with --lon)")
    p.add_argument("--lon", type=finite, metavar="LON", help=f"{role} longitude (degrees; with --lat)")


def focus_point(args: argparse.Namespace) -> tuple[float, float] | None:
    """``(lat, lon)`` from ``--lat/--lon`` (None when ``--place`` was given), validated."""
    lat, lon = getattr(args, "lat", None), getattr(args, "lon", None)
    if getattr(args, "place", None) is not None:
        if lat is not None or lon is not None:
            msg = "give either --place or --lat/--lon, not both"
            raise AnalysisError(msg)
        return None
    if lat is None or lon is None:
        msg = "give both --lat and --lon (degrees), or --place NAME"
        raise AnalysisError(msg)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"--lat/--lon must be degrees, got {lat}, {lon}"
        raise AnalysisError(msg)
    return float(lat), float(lon)


def add_filters(p: argparse.ArgumentParser, *, incidents: bool = True) -> None:
    """The filter options every command that selects incidents shares (the same fields as the dashboard)."""
    g = p.add_argument_group("filters (the same as the dashboard's sidebar)")
    g.add_argument("--from", dest="date_from", metavar="DATE", help="first date, inclusive (YYYY-MM-DD)")
    g.add_argument("--to", dest="date_to", metavar="DATE", help="last date, inclusive (YYYY-MM-DD)")
    g.add_argument("--category", metavar="C[,C]", help=f"keep only these categories, of {', '.join(CATEGORIES)}")
    g.add_argument("--weapon", metavar="W[,W]", help=f"weapon groups, of {', '.join(WEAPON_GROUPS)}")
    g.add_argument("--age", metavar="A[,A]", help=f"victim age bands, of {', '.join(AGE_BAND_KEYS)}")
    g.add_argument("--sex", metavar="S[,S]", help=f"victim sex, of {', '.join(SEXES)}")
    g.add_argument("--descent", metavar="D[,D]", help=f"victim descent groups, of {', '.join(DESCENTS)}")
    g.add_argument("--hours", metavar="H-H", help="hours of the day, inclusive, e.g. 18-23 or 22-3")
    g.add_argument("--weekday", metavar="N[,N]", help="weekdays, 0 = Monday .. 6 = Sunday")
    if incidents:
        p.add_argument(
            "--incidents",
            metavar="PATH",
            help="incident store file or any raw file `ingest` reads (default: the configured source)",
        )


# CLI flag -> the dashboard's URL key, so both read filters through Filters.from_query.
_FILTER_FLAGS = {
    "date_from": ("--from", "from"),
    "date_to": ("--to", "to"),
    "category": ("--category", "cat"),
    "weapon": ("--weapon", "weapon"),
    "age": ("--age", "age"),
    "sex": ("--sex", "sex"),
    "descent": ("--descent", "descent"),
    "hours": ("--hours", "hours"),
    "weekday": ("--weekday", "wd"),
}


def filters_from_args(args: argparse.Namespace) -> Filters:
    """The :class:`~geo.core.filters.Filters` the filter options ask for; one clear error for a bad value."""
    for attr, flag in (("date_from", "--from"), ("date_to", "--to")):
        parse_date(getattr(args, attr, None), flag)
    query: dict[str, str] = {}
    flags: dict[str, str] = {}
    for attr, (flag, key) in _FILTER_FLAGS.items():
        value = getattr(args, attr, None)
        if value is not None:
            query[key] = str(value)
            flags[key] = flag
    filters, problems = Filters.from_query(query)
    if problems:
        first = problems[0]
        bad_key = first.split("=", 1)[0]
        bad_flag = flags.get(bad_key)
        if bad_flag is None:  # fields valid alone but not together
            msg = f"--from {query.get('from')} is after --to {query.get('to')}"
        else:
            reason = first.split(": ", 1)[1] if ": " in first else first
            reason = reason.replace(f"unknown {_FIELD_NAMES.get(bad_key, bad_key)}", f"unknown {bad_flag.lstrip('-')}")
            msg = f"{bad_flag} {query[bad_key]!r}: {reason}"
        raise AnalysisError(msg)
    return filters


_FIELD_NAMES = {
    "cat": "categories",
    "weapon": "weapons",
    "age": "age_bands",
    "sex": "sexes",
    "descent": "descents",
    "wd": "weekdays",
}


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings chosen by ``--config`` (or the default/environment)."""
    use_config(getattr(args, "config", None))
    return get_settings()


STORE_HELP = "store folder or postgresql:// URL (default: sources.store, else sources.store_dir)"


def store_dir_of(args: argparse.Namespace) -> str | Path:
    """The store a command reads or writes: ``--store`` (a folder or a PostGIS URL), else the configured one."""
    from geo.data.stores import store_location
    from geo.data.stores.api import is_url

    given = getattr(args, "store", None)
    if given:
        return str(given) if is_url(given) else Path(given)
    return store_location(settings_for(args).sources)


def incidents_path(args: argparse.Namespace, settings: Settings) -> Path:
    """The incident file a command reads: ``--incidents`` (a file, a store layer's name or folder), else the
    workspace's incident layer (``python -m geo use``), else the configured ``sources.incidents``."""
    from geo.data.ingest import layer_paths
    from geo.data.workspace import incident_path, read_workspace, workspace_file

    given = getattr(args, "incidents", None)
    if not given:
        return incident_path(read_workspace(workspace_file(settings)), settings)
    path = Path(given)
    if path.is_dir():  # a store layer's folder
        return layer_paths(path.parent, path.name)[0]
    if not path.exists():
        stored = layer_paths(settings.sources.store_dir, str(given))[0]
        if stored.exists():  # a store layer's name, as `info` lists it
            return stored
    return path


def places_table(settings: Settings) -> gpd.GeoDataFrame:
    """The places a command looks names up in: the workspace's place layers (CSP sites derived), else
    the configured ``sources.places``."""
    from geo.data.workspace import load_workspace_places, read_workspace, workspace_file

    return load_workspace_places(read_workspace(workspace_file(settings)), settings)
