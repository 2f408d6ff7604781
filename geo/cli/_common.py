"""Helpers shared by the analysis and statistics commands: incidents, places, coverage, JSON output.

:func:`output_file` is the one rule for a path a user gives a command to write (``--out``, ``--card``):
only a regular file, or a new one, is written; a folder, a device, a FIFO, a socket or a symbolic link
is refused with one line and left as it was. :func:`write_output` writes such a file atomically (a
temporary file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import stat
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.cli._args import (
    filters_from_args,
    incidents_path,
    places_table,
)
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError, DataError
from geo.core.filters import apply, check_distances
from geo.core.settings import Settings
from geo.core.text import clean as clean_text
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

    given = getattr(args, "coverage", None)
    if given:  # the person says which area the data cover
        from geo.core.projection import to_wgs84
        from geo.core.store import read_vector
        from geo.data.coverage import Coverage

        area = to_wgs84(read_vector(given))
        stated = Coverage(shapely.union_all(area.geometry.to_numpy()), "given", area_name=Path(given).name)
        return {"coverage": stated, "min_share": settings.workspace.coverage_min_share}
    path = incidents_path(args, settings)
    meta = incidents_metadata(path) if path.suffix.lower() in (".parquet", ".geoparquet") else {}
    table = incidents_from_path(path) if rows is None else rows
    coverage = judged_by(meta, table, store=store_location(settings.sources))
    return {"coverage": coverage, "min_share": settings.workspace.coverage_min_share}


def known_places(settings: Settings) -> gpd.GeoDataFrame:
    return places_table(settings)


def place_geoms(settings: Settings, names: list[str]) -> gpd.GeoDataFrame:
    """The places named (names, labels, ids, aliases, words: :func:`geo.data.datasets.place_by_name`); candidates
    are told apart by kind and neighbourhood (the store's neighbourhood layers). A name read as a place of another
    name (by its words) is said on stderr."""
    from geo.data.aliases import load_aliases
    from geo.data.coverage import area_layers
    from geo.data.labels import place_labels
    from geo.data.stores import store_location

    places = known_places(settings)
    al, within = load_aliases(settings.workspace.aliases), settings.workspace.match_m
    shown: pd.Series | None = None
    found = []
    for n in names:
        try:
            hit = place_by_name(places, n, aliases=al, match_m=within)
        except DataError:  # again with the labels (a label asked for; candidates with their kind and area)
            if shown is None:
                shown = place_labels(places, "en", areas=area_layers(store_location(settings.sources)), aliases=al)
            hit = place_by_name(places, n, labels=shown, aliases=al, match_m=within)
        if al.key(n) not in {al.key(h) for h in hit["name"]}:  # found by its words, a label or an id: say which
            print(f"place {n!r}: {hit['name'].iloc[0]} [{hit['place_id'].iloc[0]}]", file=sys.stderr)
        found.append(hit)
    return pd.concat(found)


def coverage(args: argparse.Namespace, settings: Settings | None = None, rows: gpd.GeoDataFrame | None = None) -> Any:
    """The study area: ``--coverage PATH`` (any vector file the store reads), else, given ``settings``, the area the
    incident layer is known to cover (:func:`geo.data.coverage.layer_coverage`: the City from a division layer in
    the store, an LA Times neighbourhood), as the pages use it; None when neither is known (the points' hull, named
    as a guess, is then the fallback). ``rows``: the layer's incidents, when already read."""
    path = getattr(args, "coverage", None)
    if path:
        from geo.core.store import read_vector

        return read_vector(path)
    if settings is None:
        return None
    known = layer_coverage(args, settings, rows)["coverage"]
    return None if known is None or known.guess else known


def coverage_note(area: Any) -> dict[str, Any]:
    """What a command's JSON says of its study area: the file given, the layer's known area, or the guess."""
    if area is None:
        return {"coverage": "points_hull (a guess: give --coverage or ingest the layer's area)"}
    method = getattr(area, "method", None)
    if method is None:
        return {"coverage": "given (--coverage)"}
    return {"coverage": method, "coverage_area": getattr(area, "area_name", None)}


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


_NOT_REGULAR = (
    (stat.S_ISLNK, "a symbolic link", " (give the path of the file it points to)"),
    (stat.S_ISDIR, "a folder", " (give a file name in it)"),
    (stat.S_ISCHR, "a character device", ""),
    (stat.S_ISBLK, "a block device", ""),
    (stat.S_ISFIFO, "a named pipe (FIFO)", ""),
    (stat.S_ISSOCK, "a socket", ""),
)
"""What a path that is not a regular file is, and a hint; the first test that holds names it (lstat: a link first)."""


def output_file(path: str | os.PathLike[str], option: str = "--out") -> Path:
    """``path`` if a command may write it: a regular file (replaced) or a new file.

    Raises
    ------
    DataError
        ``path`` is a folder, a device, a FIFO, a socket or a symbolic link (none is ever replaced),
        or its folder is not a folder; the message is one line naming ``option`` and the path.
    """
    out = Path(path)
    shown = clean_text(out)
    try:
        mode: int | None = out.lstat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        msg = f"{option} {shown} cannot be written: {exc.strerror or exc}; nothing was written"
        raise DataError(msg) from None
    if mode is not None and not stat.S_ISREG(mode):
        what, hint = next(((what, hint) for test, what, hint in _NOT_REGULAR if test(mode)), ("special", ""))
        msg = f"{option} {shown} is {what}, not a regular file: nothing was written{hint}"
        raise DataError(msg)
    folder = out.parent
    if folder.exists() and not folder.is_dir():
        msg = f"{option} {shown} cannot be written: {clean_text(folder)} is not a folder; nothing was written"
        raise DataError(msg)
    return out


def write_output(path: str | os.PathLike[str], data: str | bytes, option: str = "--out") -> Path:
    """Write ``data`` (text as UTF-8) to the user-given ``path`` atomically, after :func:`output_file`'s checks."""
    from geo.core.store import write_bytes_atomic

    out = output_file(path, option)
    try:
        return write_bytes_atomic(out, data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        msg = f"{option} {clean_text(out)} cannot be written: {exc.strerror or exc}; nothing was written"
        raise DataError(msg) from None


def emit(payload: dict[str, Any], out: str | None) -> None:
    text = json.dumps(clean(payload), sort_keys=False, ensure_ascii=False)
    if out:
        written = write_output(out, text + "\n")
        print(json.dumps({"output": str(written)}))
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
        print(f"warning: {clean_text(w.message)}", file=sys.stderr)  # one line, no escape codes from data


def add(subparsers: Any, name: str, help_text: str, fn: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(handler=fn)
    return p
