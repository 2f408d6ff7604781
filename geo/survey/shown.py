"""What may be shown of the residents' answers: the one owner of ``survey.min_responses`` (DESIGN.md section 7).

Residents are protected more than victims, in every view (public and internal alike):

- **Areas.** Respondents are placed in areas by their home corner (never shown). An area's respondents are
  counted as a group of the wave's total with the small-count rule of :class:`geo.core.disclosure.Disclosure`
  at ``min_responses`` (primary and secondary protection): an area under the minimum, or withheld so that it
  cannot be recovered from the others, shows no count and no score, only "fewer than N".
- **Scores.** A share is shown only where at least ``min_responses`` respondents of a shown area answered the
  question (don't know left out); with its 95 % Wilson interval, the number who answered, the weighted and the
  unweighted share, and its change from the area's previous wave (Newcombe's interval) when both are shown.
- **Marks.** A place a resident marked is never a point: marks are counted on the map's square grid as the
  number of distinct respondents who marked the cell (avoid and safe apart), and a cell is drawn only with at
  least ``min_responses`` of them.
- **Concerns and demographics** are counts of respondents, each under the same rule; free text is never read here
  (only the topic a reviewer gave it, ``concern_topic``).

Weighting (raking to the area's residents by the groups asked, :func:`geo.survey.scores.rake`) uses the population
layer only where the rule of :func:`geo.data.population.denominator` lets it stand behind these answers (never a
synthetic population behind real answers).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.analysis.grid import make_grid
from geo.core.disclosure import Disclosure, Shown
from geo.core.errors import DataError
from geo.core.projection import METRIC, WGS84
from geo.core.validate import metric_xy
from geo.survey.questions import CHOICES, MEASURES, NOT_ANSWERED, RAKING, by_name, choices_of
from geo.survey.scores import Share, change, rake, share

AREA, WAVE = "area", "wave"


@dataclass(frozen=True)
class SurveyRule:
    """The minimum number of respondents behind anything shown (``survey.min_responses``)."""

    min_responses: int

    @property
    def counts(self) -> Disclosure:
        """The small-count rule at the survey's minimum, applied in every view."""
        return Disclosure(int(self.min_responses), public=True)

    def enough(self, n: float) -> bool:
        """Whether ``n`` respondents are enough to show a figure resting on them."""
        return int(n) >= self.min_responses

    def count(self, n: float) -> Shown:
        """One count of respondents as it may be shown."""
        return self.counts.count(n)


def areas_around(
    places: gpd.GeoDataFrame, *, within_m: float, kinds: Sequence[str] = ("park", "housing")
) -> gpd.GeoDataFrame:
    """One area per place of ``kinds``: the place and ``within_m`` metres around it (``area``, geometry, EPSG:4326)."""
    chosen = places[places["kind"].astype(str).isin(kinds)] if "kind" in places.columns else places
    if not len(chosen):
        return gpd.GeoDataFrame({AREA: []}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    grown = chosen.to_crs(METRIC).geometry.buffer(float(within_m))
    out = gpd.GeoDataFrame({AREA: chosen["name"].astype(str).to_numpy()}, geometry=grown.to_numpy(), crs=METRIC)
    return out.dissolve(by=AREA, as_index=False).to_crs(WGS84)


def ring_areas(place: gpd.GeoDataFrame, *, rings_m: Sequence[float]) -> gpd.GeoDataFrame:
    """The focus place's bands as areas, innermost first: ``inside`` and ``0-75``, ``75-150``... metres outside it."""
    from geo.analysis.rings import ring_polygons

    bands = ring_polygons(place, rings_m=rings_m)
    return gpd.GeoDataFrame({AREA: bands["band"].astype(str).to_numpy()}, geometry=bands.geometry.to_numpy(), crs=WGS84)


def zone_areas(zones: gpd.GeoDataFrame, *, key: str | None = None) -> gpd.GeoDataFrame:
    """A boundary layer's zones as areas (neighbourhoods, divisions...), named by ``key`` (else its name field);
    zones sharing a name are one area."""
    from geo.analysis.zones import default_zone_key

    if zones.crs is None:
        msg = "the zone layer has no coordinate reference system"
        raise DataError(msg)
    field = key or default_zone_key(zones)
    if field not in zones.columns:
        msg = f"the zone layer has no field {field!r}"
        raise DataError(msg)
    frame = gpd.GeoDataFrame(
        {AREA: zones[field].astype(str).to_numpy()}, geometry=zones.geometry.to_numpy(), crs=zones.crs
    )
    return frame.dissolve(by=AREA, as_index=False).to_crs(WGS84)


PLACES, RINGS = "places", "rings"
"""The area sets besides a boundary layer's zones: the parks and housing developments, a place's rings."""


def area_set(
    kind: str,
    places: gpd.GeoDataFrame,
    *,
    rings_m: Sequence[float],
    focus: str,
    zones: gpd.GeoDataFrame | None = None,
    key: str | None = None,
) -> gpd.GeoDataFrame:
    """The areas answers are scored in (one rule for the Community page and ``survey scores``): :data:`PLACES`
    each park and housing development with the largest ring around it, :data:`RINGS` the bands of the place
    ``focus``, anything else the ``zones`` of a boundary layer (named by ``key``).

    Raises
    ------
    DataError
        ``focus`` is not in the place layer, or no zones were given.
    """
    if kind == PLACES:
        return areas_around(places, within_m=max(rings_m))
    if kind == RINGS:
        place = places[(places["name"] == focus) & (places["kind"] != "csp_site")]
        if not len(place):
            msg = f"the place {focus!r} is not in the place layer"
            raise DataError(msg)
        return ring_areas(place, rings_m=rings_m)
    if zones is None:
        msg = f"no zone layer for the areas {kind!r}"
        raise DataError(msg)
    return zone_areas(zones, key=key)


def place_in_areas(people: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.DataFrame:
    """Which respondent (row position of ``people``) lives in which area: columns ``row`` and ``area``.

    A respondent with no home corner is in no area; one in two overlapping areas is in both.
    """
    located = people.geometry.notna() & ~people.geometry.is_empty
    pts = gpd.GeoDataFrame(
        {"row": np.flatnonzero(located.to_numpy())}, geometry=people.geometry[located].to_numpy(), crs=WGS84
    )
    if not len(pts) or not len(areas):
        return pd.DataFrame({"row": pd.Series(dtype=int), AREA: pd.Series(dtype=str)})
    hit = gpd.sjoin(pts, areas[[AREA, "geometry"]].to_crs(WGS84), predicate="within", how="inner")
    return pd.DataFrame(hit[["row", AREA]].reset_index(drop=True))


def yes_of(answers: pd.Series, measure: str) -> np.ndarray:
    """1.0 where the answer counts as yes for ``measure``, 0.0 where no, NaN where not answered or don't know."""
    _, yes = MEASURES[measure]
    text = answers.astype("string")
    out = np.where(text.isin(list(yes)).fillna(False).to_numpy(), 1.0, 0.0)
    out[(text.isna() | text.isin(list(NOT_ANSWERED)).fillna(False)).to_numpy()] = np.nan
    return out


def margins_of(population: pd.Series) -> dict[str, dict[str, float]]:
    """Raking margins (question -> answer -> residents) from an area's interpolated group counts."""
    out: dict[str, dict[str, float]] = {}
    for question, groups in RAKING.items():
        values = {answer: float(population.get(col, np.nan)) for answer, col in groups.items()}
        if all(np.isfinite(v) for v in values.values()) and sum(values.values()) > 0:
            out[question] = values
    return out


def weights_for(people: pd.DataFrame, margins: Mapping[str, Mapping[str, float]]) -> tuple[np.ndarray | None, str]:
    """Raking weights of ``people`` to ``margins`` (None and why not, when they cannot be weighted)."""
    if not margins or len(people) == 0:
        return None, "no population groups for this area"
    sample = pd.DataFrame(
        {q: people[q].astype("string").where(people[q].isin(list(RAKING[q])), None) for q in margins}
    ).astype(object)
    sample = sample.where(sample.notna(), np.nan)
    try:
        result = rake(sample, margins)
    except DataError as exc:
        return None, str(exc)
    if not result.converged:
        return None, "the answers could not be weighted to this area's residents (too few in some groups)"
    return np.asarray(result.weights, dtype=float), "; ".join(result.notes)


@dataclass(frozen=True)
class ScoreInput:
    """What scoring needs: the respondents, the areas, the rule, and each area's residents by group (optional)."""

    people: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    rule: SurveyRule
    population: pd.DataFrame | None = None
    """Indexed by area name: the population layer's group columns interpolated onto each area."""
    weighting: bool = True


def _share_columns(out: dict[str, object], measure: str, s: Share | None, raw: Share | None) -> None:
    shown = s is not None and raw is not None
    out[measure] = s.estimate if shown and s else None
    out[f"{measure}_low"] = s.low if shown and s else None
    out[f"{measure}_high"] = s.high if shown and s else None
    out[f"{measure}_n"] = raw.respondents if shown and raw else None
    out[f"{measure}_unweighted"] = raw.estimate if shown and raw else None


def _score_row(group: pd.DataFrame, weights: np.ndarray | None, rule: SurveyRule) -> dict[str, object]:
    row: dict[str, object] = {}
    for measure, (question, _) in MEASURES.items():
        yes = yes_of(group[question], measure)
        raw = share(yes)
        if not rule.enough(raw.respondents):
            _share_columns(row, measure, None, None)
            continue
        _share_columns(row, measure, share(yes, weights=weights) if weights is not None else raw, raw)
    return row


def _area_wave_rows(data: ScoreInput, wave: str, people: pd.DataFrame, where: pd.DataFrame) -> list[dict[str, object]]:
    names = list(data.areas[AREA].astype(str))
    members = {a: where.loc[where[AREA] == a, "row"].to_numpy() for a in names}
    shown = data.rule.counts.counts([len(members[a]) for a in names])
    rows = []
    for i, area in enumerate(names):
        row: dict[str, object] = {AREA: area, WAVE: wave, "respondents": shown.values[i], "status": shown.status[i]}
        row["weighted"], row["weighting_note"] = False, ""
        if shown.status[i] == "shown" and data.rule.enough(len(members[area])):
            group = people.iloc[members[area]]
            weights, note = None, ""
            if data.weighting and data.population is not None and area in data.population.index:
                weights, note = weights_for(group, margins_of(data.population.loc[area]))
            row["weighted"], row["weighting_note"] = weights is not None, note
            row.update(_score_row(group, weights, data.rule))
        else:
            for measure in MEASURES:
                _share_columns(row, measure, None, None)
        rows.append(row)
    return rows


def area_scores(data: ScoreInput) -> pd.DataFrame:
    """Scores per area and wave (waves in order), as they may be shown; with the change from the previous wave.

    Columns: ``area``, ``wave``, ``respondents`` (None where hidden), ``status`` (shown/fewer/withheld),
    ``weighted``, ``weighting_note``; per measure ``<m>``, ``<m>_low``, ``<m>_high``, ``<m>_n``,
    ``<m>_unweighted`` (None where not shown) and ``<m>_change``, ``<m>_change_low``, ``<m>_change_high``.
    """
    people = data.people.reset_index(drop=True)
    where = place_in_areas(people, data.areas)
    rows: list[dict[str, object]] = []
    for wave in waves_of(people):
        in_wave = (people[WAVE].astype(str) == wave).to_numpy()
        kept = where[in_wave[where["row"].to_numpy()]] if len(where) else where
        rows += _area_wave_rows(data, wave, people, kept)
    table = pd.DataFrame(rows)
    if not len(table):
        return table
    whole = ["respondents", *(f"{m}_n" for m in MEASURES)]
    table[whole] = table[whole].astype("Float64").round().astype("Int64")
    return _with_change(table)


def _with_change(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for measure in MEASURES:
        for suffix in ("change", "change_low", "change_high"):
            table[f"{measure}_{suffix}"] = None
    for _, positions in table.groupby(AREA, sort=False).indices.items():
        for before, after in itertools.pairwise(positions):
            for measure in MEASURES:
                a, b = (_as_share(table.iloc[p], measure) for p in (before, after))
                if a is None or b is None:
                    continue
                c = change(a, b)
                table.loc[
                    table.index[after], [f"{measure}_change", f"{measure}_change_low", f"{measure}_change_high"]
                ] = [c.estimate, c.low, c.high]
    return table


def _as_share(row: pd.Series, measure: str) -> Share | None:
    if row[measure] is None or pd.isna(row[measure]):
        return None
    n = int(row[f"{measure}_n"])
    return Share(
        float(row[measure]),
        float(row[f"{measure}_low"]),
        float(row[f"{measure}_high"]),
        n,
        float(n),
        bool(row["weighted"]),
    )


def waves_of(people: pd.DataFrame) -> list[str]:
    """The waves of the answers, oldest first (by their first day, then name)."""
    if not len(people):
        return []
    first = people.groupby(people[WAVE].astype(str))["wave_start"].min()
    return [str(w) for w in first.sort_values(kind="stable").index]


def choice_counts(people: pd.DataFrame, question: str, rule: SurveyRule) -> pd.DataFrame:
    """How many respondents chose each answer of ``question``: a single-choice question's answers as a group of the
    respondents (secondary protection, as :class:`geo.core.disclosure.Disclosure` gives), a select-multiple's each on
    its own.

    Columns ``choice``, ``respondents`` (None where under the minimum), ``status``; in form order. For concerns,
    the topic a reviewer gave a free-text answer counts as that answer (the words themselves never do).
    """

    picked = people[question].astype("string").fillna("").str.split()
    if question == "concerns" and "concern_topic" in people.columns:
        topics = people["concern_topic"].astype("string").fillna("")
        picked = pd.Series([sorted(set(p) | ({t} if t else set())) for p, t in zip(picked, topics, strict=True)])
    choices = choices_of(question)
    counts = [int(sum(c in p for p in picked)) for c in choices]

    if by_name()[question].kind == "select_one":  # the answers and "not answered" add up to the respondents
        group = rule.counts.counts([*counts, len(people) - sum(counts)])
        values, status = list(group.values[: len(choices)]), list(group.status[: len(choices)])
    else:  # each answer on its own: a person may pick several, so the counts add up to nothing printed
        status = ["shown" if n == 0 or rule.enough(n) else "fewer" for n in counts]
        values = [n if s == "shown" else None for n, s in zip(counts, status, strict=True)]
    return pd.DataFrame({"choice": list(choices), "respondents": values, "status": status})


def mark_cells(marks: gpd.GeoDataFrame, *, cell_m: float, rule: SurveyRule) -> gpd.GeoDataFrame:
    """Cells of the map's square grid with the number of distinct respondents who marked them, avoid and safe apart.

    Only cells with at least ``min_responses`` respondents of a kind are returned (for that kind; the other kind's
    count is None there unless it too reaches the minimum). ``attrs["hidden_cells"]`` counts the cells left out.
    """
    empty = gpd.GeoDataFrame({"cell_id": [], "avoid": [], "safe": []}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    located = marks[marks.geometry.notna()] if len(marks) else marks
    if not len(located):
        empty.attrs["hidden_cells"] = 0
        return empty
    xy = metric_xy(located)
    grid = make_grid(xy, cell_m=cell_m, pad_cells=0)
    rows, cols, inside = grid.locate(xy)
    cell = np.where(inside, rows * grid.nx + cols, -1)
    frame = pd.DataFrame(
        {
            "cell": cell,
            "who": located["submission_id"].astype(str).to_numpy(),
            "kind": located["mark_kind"].astype(str).to_numpy(),
        }
    )
    distinct = frame[frame["cell"] >= 0].drop_duplicates().groupby(["cell", "kind"]).size().unstack(fill_value=0)
    for kind in CHOICES["mark_kind"]:
        if kind not in distinct.columns:
            distinct[kind] = 0
    keep = (distinct[list(CHOICES["mark_kind"])] >= rule.min_responses).any(axis=1)
    shown = distinct[keep]
    polys = grid.polygons_lonlat()
    out = gpd.GeoDataFrame(
        {
            "cell_id": shown.index.to_numpy(),
            **{k: [int(v) if v >= rule.min_responses else None for v in shown[k]] for k in CHOICES["mark_kind"]},
        },
        geometry=[polys[int(c)] for c in shown.index],
        crs=WGS84,
    )
    out.attrs["hidden_cells"] = int((~keep).sum())
    return out
