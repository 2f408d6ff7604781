"""Argument helpers shared by the CLI commands: dates and the focus place or point."""

from __future__ import annotations

import argparse
import datetime as dt

import geopandas as gpd

from geo.core.errors import AnalysisError
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


def add_focus(p: argparse.ArgumentParser, *, role: str = "focus", required: bool = True) -> None:
    """``--place NAME`` or ``--lat LAT --lon LON`` (degrees, EPSG:4326)."""
    where = p.add_mutually_exclusive_group(required=required)
    where.add_argument("--place", metavar="NAME", help=f'{role} place, e.g. "Harvard Park"')
    where.add_argument("--lat", type=float, metavar="LAT", help=f"{role} latitude (degrees; with --lon)")
    p.add_argument("--lon", type=float, metavar="LON", help=f"{role} longitude (degrees; with --lat)")


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


def select_categories(incidents: gpd.GeoDataFrame, text: str | None) -> gpd.GeoDataFrame:
    """The incidents of the comma-separated categories in ``text`` (all when None); unknown ones are refused."""
    if not text:
        return incidents
    cats = [c.strip() for c in text.split(",") if c.strip()]
    known = set(incidents["category"].dropna().unique())
    unknown = [c for c in cats if c not in known]
    if unknown:
        msg = f"unknown category {unknown}; categories present: {sorted(known)}"
        raise AnalysisError(msg)
    return incidents[incidents["category"].isin(cats)]


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings chosen by ``--config`` (or the default/environment)."""
    use_config(getattr(args, "config", None))
    return get_settings()
