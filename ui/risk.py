"""The Trends page's conditions and risk factors near the focus place: the City's service requests around it (how many
of each condition, still open, median days to close), incidents near each chosen condition against far from it, and
the risk terrain model (:mod:`geo.analysis.riskterrain`), computed once per data, filters and choice.

Counts of incidents near and far are shown as the view's rule says (:class:`geo.core.disclosure.Disclosure`, with its
secondary protection: a pair whose one hidden count the other would give back is hidden whole, and so is its ratio);
per-cell counts are never shown.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.analysis import conditions
from geo.analysis.riskterrain import RiskTerrain, near_far, risk_terrain, shown_near_far
from geo.analysis.study import study_area_around
from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.filters import Filters
from geo.core.i18n import fmt_int, fmt_num, t
from geo.core.projection import METRIC
from geo.core.settings import RiskSettings, Settings
from geo.core.text import echo
from geo.data.services import NothingToShow, requests_of
from layers.compose import MapComposer
from layers.fit import fit
from layers.overview import add_places
from layers.risk import rrv_layer
from ui import analysis, data
from ui.data import FileKey, file_key
from ui.mapview import settings_digest


@dataclass(frozen=True)
class RiskResult:
    """What the section shows: the requests near the place by condition, near versus far, and the model (or why
    there is none)."""

    near_place: pd.DataFrame
    near_far: pd.DataFrame
    model: RiskTerrain | None
    refused: str
    demo: bool


@st.cache_data(show_spinner=False, max_entries=16)
def _risk(
    key: FileKey, f: Filters, places: FileKey, store: float, factors: tuple[str, ...], synthetic: bool,
    _settings: Settings, digest: str,
) -> RiskResult:  # fmt: skip
    s = _settings
    shown = requests_of(s, beside_synthetic=synthetic)
    incidents = analysis.incidents_in_view(key, f)
    requests = conditions.in_period(shown.frame, *conditions.span_of(f.start, f.end, incidents))
    focus = analysis.focus_place(places, f.place or s.focus.default_place)
    ring = focus.to_crs(METRIC).buffer(max(f.rings_m or s.distances.rings_m)).to_crs(focus.crs).union_all()
    near_place = conditions.summary(conditions.within(requests, ring))
    if not factors:
        return RiskResult(near_place, pd.DataFrame(), None, "", shown.demo)
    area = study_area_around(focus, buffer_m=s.analysis.focus_area_m).geometry
    layers = {c: conditions.points_of(shown.frame, c) for c in factors}
    layers = {c: p for c, p in layers.items() if len(p)}
    if not layers:
        return RiskResult(near_place, pd.DataFrame(), None, "", shown.demo)
    table = near_far(incidents, layers, area=area, settings=s.risk)
    try:
        model: RiskTerrain | None = risk_terrain(incidents, layers, area=area, settings=s.risk)
        refused = ""
    except AnalysisError as exc:
        model, refused = None, str(exc)
    return RiskResult(near_place, table, model, refused, shown.demo)


def risk_result(settings: Settings, f: Filters, factors: tuple[str, ...], *, synthetic: bool) -> RiskResult:
    """The section's figures for the view ``f`` and the chosen conditions (cached per data, filters and choice).

    Raises
    ------
    NothingToShow
        No service requests may be shown beside these incidents (the message says how to get them).
    """
    src = settings.sources
    return _risk(file_key(src.incidents), f, file_key(src.places), data.mtime(Path(src.store_dir)), factors,
                 synthetic, settings, settings_digest(settings))  # fmt: skip


def condition_label(condition: str, lang: str) -> str:
    """A condition in words (``streetlight`` -> "streetlight out"), first letter up."""
    text = t(f"conditions.{condition}", lang)
    return text[:1].upper() + text[1:]


def near_place_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The requests near the place, by condition, with the page's column names."""
    return pd.DataFrame(
        {
            t("risk.col.condition", lang): [condition_label(c, lang) for c in frame["condition"]],
            t("risk.col.requests", lang): [fmt_int(int(v), lang) for v in frame["requests"]],
            t("risk.col.open", lang): [fmt_int(int(v), lang) for v in frame["open"]],
            t("risk.col.days", lang): ["—" if pd.isna(v) else fmt_num(float(v), lang) for v in frame["median_days"]],
        }
    )


def near_far_table(frame: pd.DataFrame, rule: Disclosure, lang: str) -> pd.DataFrame:
    """Near versus far as it may be shown: each pair of counts protected together, a hidden pair's ratio withheld."""
    rows = []
    shown, pairs = shown_near_far(frame, rule)  # the one rule: pairs protected together, their ratio with them
    for rec, pair in zip(shown.to_dict("records"), pairs, strict=True):
        ratio = "—"
        if rec["ratio"] == rec["ratio"]:
            ratio, low, high = (fmt_num(rec[k], lang, digits=2) for k in ("ratio", "ratio_low", "ratio_high"))
            ratio = t("risk.ratio", lang, ratio=ratio, low=low, high=high)
        rows.append(
            {
                t("risk.col.condition", lang): condition_label(str(rec["factor"]), lang),
                t("risk.col.cells", lang): f"{fmt_int(rec['cells_near'], lang)} / {fmt_int(rec['cells_far'], lang)}",
                t("risk.col.near", lang): pair[0].text(lang),
                t("risk.col.far", lang): pair[1].text(lang),
                t("risk.col.ratio", lang): ratio,
            }
        )
    return pd.DataFrame(rows)


REASONS = (("no gain", "risk.reason.no_gain"), ("more than max_factors", "risk.reason.max_factors"),
           ("never present", "risk.reason.never"), ("present around every", "risk.reason.everywhere"))  # fmt: skip
"""The model's reasons (:mod:`geo.analysis.riskterrain`) by how they begin -> their words in the page's language."""


def _reason(reason: str, lang: str) -> str:
    for start, key in REASONS:
        if reason.startswith(start):
            return t(key, lang)
    return echo(reason)


def model_table(model: RiskTerrain, lang: str) -> pd.DataFrame:
    """Each factor kept or dropped, with its relative risk (kept) or why it was dropped."""
    rows = []
    for rec in model.factors.to_dict("records"):
        kept = rec["status"] == "kept"
        rr = ""
        estimable = all(isinstance(rec[k], float) and math.isfinite(rec[k]) for k in ("rr", "rr_low", "rr_high"))
        if kept and not estimable:  # kept, but one side has no incident: the model's caution, not a number
            rr = _reason(str(rec["reason"] or ""), lang)
        elif kept:
            rr = t("risk.rr", lang, rr=fmt_num(rec["rr"], lang, digits=2), low=fmt_num(rec["rr_low"], lang, digits=2),
                   high=fmt_num(rec["rr_high"], lang, digits=2),
                   what=t(f"risk.op.{rec['operation']}", lang, band=fmt_int(rec["band_m"], lang),
                          scale=fmt_num(float(rec["scale"] or 1.0), lang, digits=1)))  # fmt: skip
        rows.append(
            {
                t("risk.col.condition", lang): condition_label(str(rec["factor"]), lang),
                t("risk.col.status", lang): t(f"risk.status.{rec['status']}", lang),
                t("risk.col.reading", lang): rr if kept else _reason(str(rec["reason"] or ""), lang),
            }
        )
    return pd.DataFrame(rows)


def risk_map(settings: Settings, model: RiskTerrain, places: gpd.GeoDataFrame, lang: str) -> folium.Map | None:
    """The model's relative risk per square with the parks and housing around, framed on the squares shaded; None
    when no factor was kept (every square has relative risk 1)."""
    group, rows = rrv_layer(model.cells, lang=lang)
    if not rows:
        return None
    composer = MapComposer(settings, lang=lang, tiles=False)
    composer.add(group, rows)
    add_places(composer, places, kinds=("park", "housing"))
    m = composer.finish(synthetic=False, note=t("risk.map.note", lang))
    fit(m, model.cells[model.cells["rrv"] > 1.0])
    return m


def model_name(model: RiskTerrain, lang: str) -> str:
    """The refitted model's name in the page's language."""
    return t("risk.model_name.nb" if model.model.startswith("negative") else "risk.model_name.poisson", lang)


def refusal_text(refused: str, risk: RiskSettings, lang: str) -> str:
    """Why there is no model, in the page's language (the counts read from the model's own message)."""
    found = re.match(r"(\d+) incidents in (\d+) cells", refused)
    if found is None:
        return t("risk.refused", lang, reason=echo(refused))
    return t("risk.refused.few", lang, events=fmt_int(int(found[1]), lang), cells=fmt_int(int(found[2]), lang),
             min_events=fmt_int(risk.min_events, lang), min_cells=fmt_int(risk.min_event_cells, lang))  # fmt: skip


__all__ = [
    "NothingToShow",
    "RiskResult",
    "condition_label",
    "model_name",
    "model_table",
    "near_far_table",
    "near_place_table",
    "refusal_text",
    "risk_result",
]  # fmt: skip
