"""``python -m geo survey``: the residents' assessment as an XLSForm, and its scores as they may be shown.

- ``survey form --out assessment.xlsx`` writes the bilingual XLSForm (checked with pyxform) for ODK Collect,
  KoboCollect or Enketo; ``survey form --check FORM.xlsx`` checks a form somebody edited.
- ``survey scores`` prints the scores per area and wave (CSV, or ``--json``) with every rule of
  :mod:`geo.survey.shown` applied: areas under ``survey.min_responses`` respondents show none.

Answers come in with ``python -m geo ingest EXPORT`` (an ODK Central .zip/.csv or a KoboToolbox .xlsx).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from geo.cli._args import STORE_HELP, places_table, settings_for, store_dir_of
from geo.core.i18n import t


def _form(args: argparse.Namespace) -> int:
    from geo.survey.xlsform import check_form, write_form

    if args.check:
        added = check_form(args.check)
        print(json.dumps({"form": str(args.check), "ok": True, "added_questions": added}))
        if added:
            print(f"note: questions added to the form are collected but not read: {', '.join(added)}", file=sys.stderr)
        return 0
    if not args.out:
        print("error: give --out assessment.xlsx (write the form) or --check FORM.xlsx", file=sys.stderr)
        return 2
    path = write_form(args.out)
    print(json.dumps({"form": str(path), "ok": True}))
    print(
        "hint: upload it to ODK Central or KoboToolbox; ingest their export with python -m geo ingest", file=sys.stderr
    )
    return 0


def ingest_survey(path: Path, args: argparse.Namespace, store: str | Path) -> int:
    """``python -m geo ingest EXPORT`` for an export of the assessment: add it to the survey layer."""
    from geo.survey.layer import LAST_INGEST, ingest_answers

    rep = ingest_answers(path, store_dir=store, rules=settings_for(args).survey)
    out: dict[str, Any] = {k: rep.get(k) for k in ("layer", "kind", "rows_in", "rows_kept", "dropped", "written")}
    out[LAST_INGEST] = rep[LAST_INGEST]
    print(json.dumps(out, sort_keys=False, default=str))
    if not rep["written"]:
        print("note: nothing new in this export (every answer is already stored or was set aside)", file=sys.stderr)
    other = rep.get("not_in_questionnaire") or []
    if other:
        print(f"note: columns not in the assessment, not read: {', '.join(map(str, other))}", file=sys.stderr)
    return 0


def _areas(args: argparse.Namespace, settings: Any) -> Any:
    from geo.core.store import read_vector
    from geo.survey.shown import PLACES, RINGS, area_set

    zones = None if args.areas in (PLACES, RINGS) else read_vector(args.areas)
    focus = args.place or settings.focus.default_place
    return area_set(args.areas, places_table(settings), rings_m=settings.distances.rings_m, focus=focus,
                    zones=zones, key=args.key)  # fmt: skip


def _scores(args: argparse.Namespace) -> int:
    from geo.survey.layer import survey_of
    from geo.survey.summary import community

    settings = settings_for(args)
    # the scores alone, beside no incidents: the demo wave may stand in, labelled (a "synthetic" column too)
    layer, _, where = survey_of(store_dir_of(args), settings.survey, settings.sources.survey, beside_synthetic=True)
    summary = community(
        layer,
        _areas(args, settings),
        rules=settings.survey,
        cell_m=settings.analysis.grid_cell_m,
        population=settings.sources.population,
    )
    table = summary.scores.assign(synthetic=summary.synthetic)
    if args.wave:
        table = table[table["wave"] == args.wave]
    note = "synthetic demo answers" if summary.synthetic else where
    print(
        f"# residents' assessment: {note}; areas under {settings.survey.min_responses} respondents hidden",
        file=sys.stderr,
    )
    if summary.weighting:
        print(f"note: {t(f'community.unweighted.{summary.weighting}', 'en')}", file=sys.stderr)
    if args.json:
        print(table.to_json(orient="records"))
    else:
        table.to_csv(sys.stdout, index=False, float_format="%.4f")
    return 0


def register(subparsers: Any) -> None:
    """Add the ``survey`` command."""
    p = subparsers.add_parser("survey", help="the residents' assessment: its XLSForm and its scores")
    sub = p.add_subparsers(dest="survey_command", metavar="WHAT", required=True)
    f = sub.add_parser("form", help="write the bilingual XLSForm (--out) or check an edited one (--check)")
    f.add_argument("--out", metavar="FILE.xlsx", help="where to write the form")
    f.add_argument("--check", metavar="FORM.xlsx", help="check a form edited by hand")
    f.set_defaults(handler=_form)
    s = sub.add_parser("scores", help="scores per area and wave as they may be shown (CSV or --json)")
    s.add_argument("--store", metavar="DIR|URL", help=STORE_HELP)
    s.add_argument("--wave", metavar="NAME", help="one wave only")
    s.add_argument(
        "--areas",
        default="places",
        metavar="places|rings|FILE",
        help="each park and housing development with the largest ring around it (default), the rings of --place, "
        "or the zones of a polygon file or store layer (neighbourhoods, divisions)",
    )
    s.add_argument("--place", metavar="NAME", help="the place whose rings are the areas (default: focus.default_place)")
    s.add_argument("--key", metavar="FIELD", help="the zones' name field (default: the layer's name field)")
    s.add_argument("--json", action="store_true", help="JSON records instead of CSV")
    s.set_defaults(handler=_scores)
