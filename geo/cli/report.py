"""``python -m geo report``: a community-meeting export (PDF handout, PNG slide/page, offline HTML map).

Focus on a place (``--place "Harvard Park"``) or a point (``--lat/--lon``); incidents from the
configured source or ``--incidents PATH`` (a store file or any raw file ``ingest`` reads). The
privacy mode is ``public`` unless ``--privacy internal`` is given. The rows are chosen by the shared filter
options (one :class:`~geo.core.filters.Filters`, as on the dashboard). Notes for the meeting are placed on the
map with ``--note "lat,lon:text"`` and ``--arrow "lat,lon->lat,lon:text"`` (repeatable, numbered in the order
given, at most :data:`geo.core.notes.MAX_NOTES`). ``--animate month|quarter|year`` with ``--out x.gif`` or ``x.mp4``
writes the counts per square through the period instead (:mod:`geo.exports.animate`). Prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from geo.cli._args import (
    add_filters,
    add_focus,
    filters_from_args,
    focus_point,
    incidents_path,
    places_table,
    settings_for,
)
from geo.cli._common import layer_coverage
from geo.core.errors import AnalysisError
from geo.core.notes import MAX_CHARS, MAX_NOTES, Note, parse_note_option
from geo.data.coverage import division_layer
from geo.data.datasets import load_streets
from geo.data.ingest import incidents_from_path
from geo.data.stores import store_location
from geo.exports.animate import Stage, animate, animation_format
from geo.exports.helpnear import for_meeting
from geo.exports.model import FORMATS, SIZES
from geo.exports.playback import STEPS
from geo.exports.render import write_report
from geo.exports.report import build_report


def _animate(args: argparse.Namespace) -> int:
    """``--animate STEP``: the counts per square through the period as a GIF or an MP4 for slides."""
    animation_format(args.out)
    if args.notes:
        msg = "notes are drawn on the PDF, PNG and HTML exports; an animation has none (leave out --note/--arrow)"
        raise AnalysisError(msg)
    focus_point(args)
    if not Path(args.out).parent.exists():
        msg = f"the folder of --out does not exist: {Path(args.out).parent}"
        raise AnalysisError(msg)
    settings = settings_for(args)
    stage = Stage(places_table(settings), load_streets(settings.sources.streets), args.lat, args.lon)
    written = animate(
        incidents_from_path(incidents_path(args, settings)), settings=settings,
        filters=filters_from_args(args).replace(place=args.place), step=args.animate,
        public=(args.privacy or settings.privacy.default_mode) == "public", lang=args.lang, out=args.out, stage=stage,
    )  # fmt: skip
    print(json.dumps({"output": str(written), "format": written.suffix.lstrip("."), "step": args.animate}))
    return 0


def _run(args: argparse.Namespace) -> int:
    if args.animate:
        return _animate(args)
    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        msg = f"--out must end in .pdf, .png or .html, got {args.out!r}"
        raise AnalysisError(msg)
    if args.size is not None and fmt != "png":
        msg = f"--size applies to PNG output only, got --size {args.size} with {out.name!r}"
        raise AnalysisError(msg)
    focus_point(args)
    if not out.parent.exists():
        msg = f"the folder of --out does not exist: {out.parent}"
        raise AnalysisError(msg)
    filters = filters_from_args(args).replace(place=args.place)
    settings = settings_for(args)
    path = incidents_path(args, settings)
    rows = incidents_from_path(path)
    report = build_report(
        rows,
        places_table(settings),
        load_streets(settings.sources.streets),
        filters=filters,
        lat=args.lat,
        lon=args.lon,
        lang=args.lang,
        privacy=args.privacy,
        settings=settings,
        **layer_coverage(args, settings, rows),
        boundaries=division_layer(store_location(settings.sources)),  # the locator inset's wider area
    )
    report = for_meeting(report, settings).with_notes(args.notes or ())
    size = args.size or "slide"
    written = write_report(report, out, size=size)
    summary: dict[str, Any] = {"output": str(written), "format": fmt}
    if fmt == "png":
        summary["size"] = size
        summary["pixels"] = list(SIZES[size])
    summary.update(report.summary_dict())
    print(json.dumps(summary, ensure_ascii=False))
    return 0


class _NoteAction(argparse.Action):
    """Appends a ``--note`` or ``--arrow`` to ``notes`` in the order given; an unreadable one, or one too many,
    stops with argparse's error naming the option and the reason."""

    def __call__(
        self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: Any = None
    ) -> None:
        try:
            note = parse_note_option(str(values), arrow=option_string == "--arrow")
        except ValueError as exc:
            parser.error(f"argument {option_string}: {exc}")
        notes: list[Note] = list(getattr(namespace, self.dest, None) or [])
        if len(notes) >= MAX_NOTES:
            parser.error(f"argument {option_string}: a map carries at most {MAX_NOTES} notes (--note and --arrow)")
        setattr(namespace, self.dest, [*notes, note])


def register(subparsers: Any) -> None:
    """Add the ``report`` command."""
    p = subparsers.add_parser(
        "report",
        help="community-meeting export: PDF handout, PNG slide or page, or an offline HTML map",
        description="Write a print-ready, bilingual report of the incidents around a place or point. Public "
        "mode (the default) shows only counts on grid squares, with small counts shown as 'fewer than 3'.",
    )
    add_focus(p, role="focus")
    add_filters(p)
    p.add_argument("--lang", choices=("en", "es"), default="en", help="language (default en)")
    p.add_argument(
        "--privacy",
        choices=("public", "internal"),
        default=None,
        help="public (default: counts on grid squares, no points) or internal (points, watermarked)",
    )
    p.add_argument("--size", choices=tuple(SIZES), default=None, help="PNG size: slide 1920x1080 or letter page")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output file: .pdf, .png or .html (with --animate: .gif or .mp4)")  # fmt: skip
    p.add_argument("--animate", choices=STEPS, default=None,
                   help="an animated GIF or MP4 of the counts per square, one frame a month, quarter or year, "
                   "the legend fixed and the privacy rule applied to every frame")  # fmt: skip
    words = f"1 to {MAX_CHARS} characters, drawn as written"
    p.add_argument("--note", dest="notes", action=_NoteAction, metavar="LAT,LON:TEXT",
                   help=f"a note on the map at LAT,LON (degrees, in LA County; {words}); repeatable")  # fmt: skip
    p.add_argument("--arrow", dest="notes", action=_NoteAction, metavar="LAT,LON->LAT,LON:TEXT",
                   help=f"a note at the first point with an arrow to the second ({words}); repeatable")  # fmt: skip
    p.set_defaults(handler=_run)
