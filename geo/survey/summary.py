"""The residents' assessment beside the crime data: one summary for the Community page, the CLI and the exports.

:func:`community` puts the answers in areas (each park and housing development with the largest ring distance
around it, the focus place's rings, or a boundary layer's zones), scores them per wave with what
:mod:`geo.survey.shown` lets be shown, weights them to the area's residents where the population may stand behind
them, and counts the concerns and the marked cells.
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
from geo.survey.layer import is_synthetic, marks, respondents
from geo.survey.shown import AREA, ScoreInput, SurveyRule, area_scores, choice_counts, mark_cells

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
    profiles: dict[str, pd.DataFrame]
    """Who answered in each wave, beside who lives in the areas (:func:`who_answered`)."""
    weighting: str
    """"" when weighted to the area's residents; otherwise why not, one of :data:`UNWEIGHTED` (the unweighted shares
    are shown)."""


UNWEIGHTED = ("no_population", "unreadable", "synthetic_population", "off")
"""Why the shares are not weighted (message keys ``community.unweighted.<reason>``)."""


def _population_source(path: Path | None, *, synthetic: bool) -> tuple[pd.DataFrame | None, str]:
    """The population layer that may weight these answers, or None and why not (one of :data:`UNWEIGHTED`)."""
    from geo.data.population import denominator, describe_population, read_population

    if path is None or not Path(path).exists():
        return None, "no_population"
    try:
        frame = read_population(path)
        source = describe_population(path, frame)
    except DataError:
        return None, "unreadable"
    if not denominator(source, incidents_synthetic=synthetic, chosen=False).allowed:
        return None, "synthetic_population"
    return frame, ""


def _population(areas: gpd.GeoDataFrame, path: Path | None, *, synthetic: bool) -> tuple[pd.DataFrame | None, str]:
    """Each area's residents by group (indexed by area name), or None and why not."""
    from geo.analysis.areal import area_interpolate
    from geo.data.sources.census import GROUP_COLUMNS

    frame, why = _population_source(path, synthetic=synthetic)
    if frame is None or not len(areas):
        return None, why or "no_population"
    columns = [c for c in GROUP_COLUMNS if c in frame.columns]
    table = area_interpolate(frame, areas, columns=columns)
    table.index = areas[AREA].astype(str).to_numpy()
    return table, ""


def community(
    layer: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    *,
    rules: SurveySettings,
    cell_m: float,
    population: Path | None = None,
) -> Community:
    """The summary of the answers in ``layer`` over ``areas`` (``area`` and polygons): the parks and housing
    developments (:func:`geo.survey.shown.areas_around`), a place's rings (:func:`geo.survey.shown.ring_areas`) or
    a boundary layer's zones (:func:`geo.survey.shown.zone_areas`)."""
    synthetic = is_synthetic(layer)
    people = respondents(layer)
    rule = SurveyRule(rules.min_responses)
    pop, why = _population(areas, population, synthetic=synthetic) if rules.weighting else (None, "off")
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
        profiles={
            w: who_answered(people[people["wave"].astype(str) == w], areas, rules=rules, population=population)
            for w in waves
        },
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


SAID = ("safe_night", "safe_park", "trust_officers")
"""The scores a handout or slide prints under "Residents say"."""
TOP_CONCERNS = 3


def residents_say(
    layer: gpd.GeoDataFrame,
    focus: gpd.GeoDataFrame,
    *,
    name: str,
    ring_m: float,
    rules: SurveySettings,
    lang: str,
    population: Path | None = None,
) -> tuple[str, ...]:
    """The "Residents say" lines of a handout or slide about ``focus``: the latest wave's residents living within
    ``ring_m`` of it, three scores with their intervals and the top concerns; a sentence instead when fewer than
    ``survey.min_responses`` answered (nothing else is said of them). Weighted as the Community page weights the
    same area, so both print the same figure. Empty when there are no answers at all."""
    from geo.core.i18n import fmt_int, fmt_share, t
    from geo.survey.shown import waves_of

    people = respondents(layer)
    waves = waves_of(people)
    if not waves or not len(focus):
        return ()
    area = gpd.GeoDataFrame({AREA: [name]}, geometry=focus.to_crs("EPSG:32611").geometry.buffer(ring_m).to_numpy(),
                            crs="EPSG:32611").dissolve(by=AREA, as_index=False).to_crs("EPSG:4326")  # fmt: skip
    rule = SurveyRule(rules.min_responses)
    wave = waves[-1]
    now = people[people["wave"].astype(str) == wave]
    pop, _ = _population(area, population, synthetic=is_synthetic(layer)) if rules.weighting else (None, "")
    row = area_scores(ScoreInput(now, area, rule, pop, rules.weighting)).iloc[0]
    ring = fmt_int(int(ring_m), lang)
    if row["status"] != "shown" or pd.isna(row["respondents"]):
        return (t("survey.say.too_few", lang, n=rules.min_responses, ring=ring, place=name, wave=wave),)
    lines = [t("survey.say.heading", lang, n=fmt_int(int(row["respondents"]), lang), ring=ring, place=name, wave=wave)]
    for m in SAID:
        if pd.notna(row[m]):
            lines.append(t("survey.say.share", lang, measure=t(f"survey.measure.{m}", lang),
                           share=fmt_share(float(row[m]), lang), low=fmt_share(float(row[f"{m}_low"]), lang),
                           high=fmt_share(float(row[f"{m}_high"]), lang)))  # fmt: skip
    inside = now.reset_index(drop=True).iloc[place_rows(now, area)]
    concerns = choice_counts(inside, "concerns", rule)
    shown = concerns[concerns["status"].eq("shown") & concerns["respondents"].fillna(0).gt(0)]
    top = shown.sort_values("respondents", ascending=False, kind="stable").head(TOP_CONCERNS)["choice"]
    if len(top):
        words = ", ".join(t(f"survey.c.concern.{c}", lang) for c in top)
        lines.append(t("survey.say.concerns", lang, concerns=words))
    return tuple(lines)


def place_rows(people: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> list[int]:
    """Row positions of ``people`` living in any of ``areas`` (each once)."""
    from geo.survey.shown import place_in_areas

    return sorted(set(place_in_areas(people.reset_index(drop=True), areas)["row"].tolist()))


def who_answered(
    people: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, rules: SurveySettings, population: Path | None = None
) -> pd.DataFrame:
    """Who answered, beside who lives there: for each demographic question the weighting uses, how many respondents
    gave each answer (a group under the survey's rule, so a hidden count cannot be worked out from the others), their
    share of those who answered it, and the group's share of the residents of the areas (where the population may
    stand behind these answers). Demographics are only ever shown like this, in aggregate.

    Columns: ``question``, ``answer``, ``respondents`` (None where hidden), ``status``, ``share`` and
    ``residents_share`` (None where not known or not shown).
    """
    from geo.analysis.areal import area_interpolate
    from geo.survey.questions import RAKING

    rule = SurveyRule(rules.min_responses)
    frame, _ = _population_source(population, synthetic=is_synthetic(people))
    whole = None
    if frame is not None and len(areas):
        union = gpd.GeoDataFrame({AREA: ["all"]}, geometry=[areas.to_crs("EPSG:32611").union_all()], crs="EPSG:32611")
        columns = [c for groups in RAKING.values() for c in groups.values() if c in frame.columns]
        whole = area_interpolate(frame, union, columns=columns).iloc[0]
    rows = []
    for question, groups in RAKING.items():
        counts = choice_counts(people, question, rule)
        counts = counts[counts["choice"].isin(list(groups))]
        # those in a Census group (the total the group's counts protect each other within)
        answered = int(people[question].astype("string").isin(list(groups)).fillna(False).sum())
        group_residents = {a: float(whole.get(c, 0.0)) if whole is not None else 0.0 for a, c in groups.items()}
        residents = sum(group_residents.values())
        for _, row in counts.iterrows():
            n, shown = row["respondents"], row["status"] == "shown"
            rows.append({
                "question": question, "answer": row["choice"], "respondents": n if shown else None,
                "status": row["status"], "share": float(n) / float(answered) if shown and answered else None,
                "residents_share": group_residents[row["choice"]] / residents if residents else None,
            })  # fmt: skip
    return pd.DataFrame(rows)
