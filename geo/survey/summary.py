"""The residents' assessment beside the crime data: one summary for the Community page, the CLI and the exports.

:func:`community` puts the answers in areas (each park and housing development with the largest ring distance
around it), scores them per wave with what :mod:`geo.survey.shown` lets be shown, weights them to the area's
residents where the population may stand behind them, and counts the concerns and the marked cells.
:func:`beside_crime` puts the latest wave's "feel safe after dark" next to the incidents recorded in the same
area in the twelve months up to the wave's end, and ranks both, so a meeting sees where they disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.core.disclosure import Disclosure
from geo.core.errors import DataError
from geo.core.schema import TZ
from geo.core.settings_sections import SurveySettings
from geo.survey.layer import marks, respondents
from geo.survey.shown import AREA, ScoreInput, SurveyRule, area_scores, areas_around, choice_counts, mark_cells

COMPARED = "safe_night"
"""The score set beside recorded crime."""
DISAGREE_SHARE = 1 / 3
"""Two ranks this far apart (as a share of the areas ranked) mark an area where residents and the record disagree."""


@dataclass(frozen=True)
class Community:
    """What the Community page, ``python -m geo survey scores`` and the handout show of the answers."""

    scores: pd.DataFrame
    concerns: pd.DataFrame
    wanted: pd.DataFrame
    cells: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    waves: tuple[str, ...]
    latest: str | None
    respondents: int
    synthetic: bool
    weighting: str
    """"" when weighted to the area's residents; otherwise why not (the unweighted shares are shown)."""


def _population(areas: gpd.GeoDataFrame, path: Path | None, *, synthetic: bool) -> tuple[pd.DataFrame | None, str]:
    from geo.analysis.areal import area_interpolate
    from geo.data.population import denominator, describe_population, read_population
    from geo.data.sources.census import GROUP_COLUMNS

    if path is None or not Path(path).exists() or not len(areas):
        return None, "no population layer: the shares are not weighted"
    try:
        frame = read_population(path)
        source = describe_population(path, frame)
    except DataError as exc:
        return None, f"the population layer cannot be read ({exc}): the shares are not weighted"
    rule = denominator(source, incidents_synthetic=synthetic, chosen=False)
    if not rule.allowed:
        return None, "the only population is synthetic: real answers are not weighted to it"
    columns = [c for c in GROUP_COLUMNS if c in frame.columns]
    table = area_interpolate(frame, areas, columns=columns)
    table.index = areas[AREA].astype(str).to_numpy()
    return table, ""


def community(
    layer: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    *,
    rules: SurveySettings,
    within_m: float,
    cell_m: float,
    population: Path | None = None,
) -> Community:
    """The summary of the answers in ``layer`` around ``places`` (see the module docstring)."""
    synthetic = "synthetic" in layer.columns and bool(layer["synthetic"].fillna(False).astype(bool).all())
    people = respondents(layer)
    rule = SurveyRule(rules.min_responses)
    areas = areas_around(places, within_m=within_m)
    pop, why = _population(areas, population, synthetic=synthetic) if rules.weighting else (None, "weighting is off")
    scores = area_scores(ScoreInput(people, areas, rule, pop, rules.weighting))
    waves = tuple(dict.fromkeys(scores["wave"].astype(str))) if len(scores) else ()
    latest = waves[-1] if waves else None
    now = people[people["wave"].astype(str) == latest] if latest else people
    return Community(
        scores=scores,
        concerns=choice_counts(now, "concerns", rule),
        wanted=choice_counts(now, "services_wanted", rule),
        cells=mark_cells(
            marks(layer)[marks(layer)["wave"].astype(str) == latest] if latest else marks(layer),
            cell_m=cell_m,
            rule=rule,
        ),
        areas=areas,
        waves=waves,
        latest=latest,
        respondents=len(now),
        synthetic=synthetic,
        weighting=why,
    )


def wave_end(summary: Community, rules: SurveySettings, layer: gpd.GeoDataFrame, wave: str) -> dt.date:
    """The last day of ``wave``: its configured end, or the end of its calendar quarter."""
    for w in rules.waves:
        if w.name == wave:
            return w.end
    start = pd.Timestamp(layer.loc[layer["wave"].astype(str) == wave, "wave_start"].min())
    return (start + pd.offsets.QuarterEnd(0)).date()


def beside_crime(
    summary: Community, incidents: gpd.GeoDataFrame, *, wave: str, end: dt.date, rule: Disclosure
) -> pd.DataFrame:
    """The areas of ``wave``: feeling safe after dark beside the incidents recorded there in the year to ``end``.

    Columns: ``area``, ``respondents``, ``safe_night`` (+ ``_low``/``_high``), ``incidents`` (as ``rule`` lets it
    be shown), ``incidents_label``, ``rank_unsafe`` and ``rank_incidents`` (1 = least safe / most incidents, among
    areas with both shown) and ``disagree`` ("residents" where residents feel less safe than the record ranks
    the area, "record" where the record is worse than residents feel, "" otherwise).
    """
    latest = summary.scores[summary.scores["wave"] == wave].reset_index(drop=True)
    start = end - dt.timedelta(days=365) + dt.timedelta(days=1)
    when = incidents["occurred_at"]
    lo, hi = pd.Timestamp(start).tz_localize(TZ), pd.Timestamp(end + dt.timedelta(days=1)).tz_localize(TZ)
    recent = incidents[((when >= lo) & (when < hi)).fillna(False).to_numpy()]
    hit = gpd.sjoin(recent[["geometry"]], summary.areas[[AREA, "geometry"]], predicate="within")
    counts = hit.groupby(AREA).size().reindex(latest[AREA]).fillna(0).astype(int)
    shown = [rule.count(int(n)) for n in counts]
    out = latest[[AREA, "respondents", COMPARED, f"{COMPARED}_low", f"{COMPARED}_high", f"{COMPARED}_n"]].copy()
    out["incidents"] = [s.value for s in shown]
    out["incidents_status"] = [s.status for s in shown]
    both = out[COMPARED].notna() & out["incidents"].notna()
    out["rank_unsafe"] = pd.Series(out.loc[both, COMPARED].astype(float).rank(method="min")).astype("Int64")
    out["rank_incidents"] = pd.Series(
        out.loc[both, "incidents"].astype(float).rank(method="min", ascending=False)
    ).astype("Int64")
    gap = (out["rank_unsafe"] - out["rank_incidents"]).astype(float).fillna(0.0).to_numpy()
    far = max(1.0, DISAGREE_SHARE * int(both.sum()))
    out["disagree"] = np.where(gap <= -far, "residents", np.where(gap >= far, "record", ""))
    out.loc[~both, "disagree"] = ""
    return out
