"""Helpers shared by the analysis and statistics commands: incidents, places, coverage, JSON output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.cli._args import (
    filters_from_args,
    incidents_path,
    places_table,
)
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError, DataError
from geo.core.filters import apply, check_distances
from geo.core.settings import Settings
from geo.data.datasets import place_by_name
from geo.data.ingest import incidents_from_path


def numbers(text: str, what: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        msg = f"{what} must be comma-separated numbers like 75,150,400, got {text!r}"
        raise AnalysisError(msg) from None
    if not values:
        msg = f"{what} must list at least one number, got {text!r}"
        raise AnalysisError(msg)
    if not all(math.isfinite(v) for v in values):
        msg = f"{what} must be finite numbers, got {text!r}"
        raise AnalysisError(msg)
    return values


def distances(text: str, what: str) -> tuple[float, ...]:
    """Increasing distances in metres from an option (:func:`geo.core.filters.check_distances`)."""
    try:
        return check_distances(numbers(text, what), what)
    except DataError as exc:
        raise AnalysisError(str(exc)) from None


def names(text: str, what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        msg = f"{what} must name at least one place, got {text!r}"
        raise AnalysisError(msg)
    return names


def incidents(args: argparse.Namespace, settings: Settings) -> gpd.GeoDataFrame:
    """The incidents the filters of ``args`` choose; with ``--privacy`` (:func:`add_privacy`) the period is
    the one the privacy mode may use (whole months in public)."""
    path = incidents_path(args, settings)
    table = incidents_from_path(path)
    f = filters_from_args(args)
    if hasattr(args, "privacy"):
        used = disclosure(args, settings, table).restrict(f, rings_m=settings.distances.rings_m)
        if (used.start, used.end) != (f.start, f.end):
            print(f"public: whole months, {used.start} .. {used.end} (--privacy internal for days)", file=sys.stderr)
        f = used
    return apply(table, f)


def add_privacy(p: argparse.ArgumentParser) -> None:
    """``--privacy public|internal``: how the counts a command prints are shown (DESIGN.md section 7)."""
    p.add_argument(
        "--privacy",
        choices=("public", "internal"),
        default=None,
        help="public (the default for real data): small counts read 'fewer than N', and periods are whole "
        "months; internal (the default for the synthetic demo): exact counts",
    )


def disclosure(args: argparse.Namespace, settings: Settings, rows: gpd.GeoDataFrame | None = None) -> Disclosure:
    """The small-count rule of a command: ``--privacy``, else public unless every incident is synthetic
    (as the dashboard's view opens)."""
    asked = getattr(args, "privacy", None)
    if asked is None:
        table = incidents_from_path(incidents_path(args, settings)) if rows is None else rows
        flags = table["synthetic"] if "synthetic" in table.columns else pd.Series(False, index=table.index)
        asked = "internal" if len(table) and bool(flags.fillna(False).astype(bool).all()) else "public"
    return Disclosure.from_settings(settings.privacy, public=asked == "public")


def layer_coverage(
    args: argparse.Namespace, settings: Settings, rows: gpd.GeoDataFrame | None = None
) -> dict[str, Any]:
    """``coverage=`` and ``min_share=`` for rings, rankings, trends and reports: the area the incident layer
    covers (outside it is no data, never zero). ``rows``: the layer's incidents, when already read."""
    from geo.data.coverage import layer_coverage as judged_by
    from geo.data.datasets import incidents_metadata
    from geo.data.stores import store_location

    path = incidents_path(args, settings)
    meta = incidents_metadata(path) if path.suffix.lower() in (".parquet", ".geoparquet") else {}
    table = incidents_from_path(path) if rows is None else rows
    coverage = judged_by(meta, table, store=store_location(settings.sources))
    return {"coverage": coverage, "min_share": settings.workspace.coverage_min_share}


def known_places(settings: Settings) -> gpd.GeoDataFrame:
    return places_table(settings)


def place_geoms(settings: Settings, names: list[str]) -> gpd.GeoDataFrame:
    places = known_places(settings)
    return pd.concat([place_by_name(places, n) for n in names])


def coverage(args: argparse.Namespace) -> gpd.GeoDataFrame | None:
    """The study area from ``--coverage PATH`` (any vector file the store reads), or None."""
    path = getattr(args, "coverage", None)
    if not path:
        return None
    from geo.core.store import read_vector

    return read_vector(path)


def clean(value: Any) -> Any:
    """JSON-safe: NaN -> None, numpy scalars -> Python."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | pd.Timestamp):
        return value.isoformat()
    return value


def emit(payload: dict[str, Any], out: str | None) -> None:
    text = json.dumps(clean(payload), sort_keys=False, ensure_ascii=False)
    if out:
        from geo.core.store import write_text_atomic

        write_text_atomic(out, text + "\n")
        print(json.dumps({"output": str(out)}))
    else:
        print(text)


@contextmanager
def warnings_to_stderr() -> Iterator[list[str]]:
    """Collect analysis warnings and print each as one ``warning:`` line on stderr."""
    seen: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield seen
    for w in caught:
        seen.append(str(w.message))
        print(f"warning: {w.message}", file=sys.stderr)


def add(subparsers: Any, name: str, help_text: str, fn: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(handler=fn)
    return p
