"""Rates for the Rates page: choices of zones and population, cached tables, public-view text.

Every cached function is keyed on plain, frozen values (each data file's FileKey, the filters, a
:class:`RateQuery`, the rate settings), never on a GeoDataFrame. Whether a population may divide the
incidents is decided by :func:`geo.data.population.denominator` (the same rule as ``python -m geo rates``);
the zones the incidents do not cover are "no data" (:func:`geo.analysis.rates.zone_rates`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.analysis.rates import border_zone, ring_zones, shown_rates, zone_rates
from geo.core.disclosure import Disclosure
from geo.core.filters import Filters
from geo.core.i18n import fmt_int, fmt_num, t
from geo.core.settings import RateSettings, Settings
from geo.core.store import read_vector
from geo.data.population import (
    MISSING,
    Denominator,
    PopulationSource,
    choice_order,
    denominator,
    describe_population,
    population_layers,
    read_population,
)
from ui import analysis, data
from ui.data import FileKey

CONFIGURED = "configured"
BLOCK_GROUPS = "block_groups"
ACS = "acs"
LAYER = "layer:"
"""Choice prefix of a population layer ingested into the store (``layer:<name>``)."""


def zone_choices(settings: Settings) -> dict[str, tuple[str, str | None]]:
    """Zone layers offered: choice -> (path, key field or None for the layer's default name field)."""
    out: dict[str, tuple[str, str | None]] = {}
    if Path(settings.sources.rate_zones).is_file():
        out[CONFIGURED] = (str(settings.sources.rate_zones), None)
    for layer in data.zone_layers(Path(settings.sources.store_dir)):
        out[f"zones:{layer['name']}"] = (str(layer["path"]), None)
    if Path(settings.sources.population).is_file():
        out[BLOCK_GROUPS] = (str(settings.sources.population), "geoid")
    return out


def zone_label(choice: str, lang: str, settings: Settings) -> str:
    """The name of a zone choice in ``lang``."""
    if choice.startswith("zones:"):
        kinds = {str(z["name"]): str(z["kind"]) for z in data.zone_layers(Path(settings.sources.store_dir))}
        return t(f"layer.zones.{kinds.get(choice.removeprefix('zones:'), 'divisions')}", lang)
    return t(f"rates.zones.{choice}", lang)


def population_choices(settings: Settings) -> dict[str, str]:
    """Population sources offered: layers ingested into the store, the store's ACS layer when fetched, and the
    configured layer (the demo's synthetic one unless the config names another); choice -> locator."""
    from geo.core.errors import DataError
    from geo.data.sources.census import newest_layer

    out: dict[str, str] = {}
    with contextlib.suppress(DataError):
        for name, locator in population_layers(data.inventory(Path(settings.sources.store_dir))).items():
            out[f"{LAYER}{name}"] = locator
    with contextlib.suppress(DataError):
        out[ACS] = str(newest_layer(settings.sources.store_dir))
    if Path(settings.sources.population).is_file():
        out[CONFIGURED] = str(settings.sources.population)
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def _source(key: FileKey) -> PopulationSource:
    return describe_population(key.path, _population(key))


def population_source(path: str) -> PopulationSource:
    """What the population at ``path`` is: synthetic or not, its vintage, its count columns."""
    return _source(data.file_key(path))


def population_options(pops: dict[str, str], *, incidents_synthetic: bool, columns: tuple[str, ...]) -> list[str]:
    """The population choices in the order offered (:func:`geo.data.population.choice_order`): real ones first
    (those counting ``columns`` first); ``missing`` first when the incidents are real and only a synthetic
    population exists."""
    sources = {k: population_source(v) for k, v in pops.items()}
    return choice_order(sources, incidents_synthetic=incidents_synthetic, columns=columns)


def verdict(pops: dict[str, str], choice: str, *, incidents_synthetic: bool) -> Denominator:
    """Whether the chosen population may divide the incidents (a choice on the page is a deliberate one)."""
    source = None if choice == MISSING else population_source(pops[choice])
    return denominator(source, incidents_synthetic=incidents_synthetic, chosen=True)


def population_label(choice: str, pops: dict[str, str], lang: str) -> str:
    """A population choice in words: its kind or layer name, and its vintage, or that it is synthetic."""
    if choice == MISSING:
        return t("rates.population.missing", lang)
    source = population_source(pops[choice])
    name = choice.removeprefix(LAYER) if choice.startswith(LAYER) else t(f"rates.population.{choice}", lang)
    return t("rates.population.named", lang, name=name, vintage=vintage_text(source, lang))


def vintage_text(source: PopulationSource, lang: str) -> str:
    """The vintage shown beside every rate: ``ACS 2013-2017``, "synthetic (demo)" or "vintage not stated"."""
    if source.synthetic:
        return t("rates.vintage.synthetic", lang)
    return source.vintage or t("rates.vintage.unknown", lang)


@st.cache_resource(show_spinner=False, max_entries=8)
def _vector(key: FileKey) -> gpd.GeoDataFrame:
    return read_vector(key.path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _population(key: FileKey) -> pd.DataFrame:
    return read_population(key.path)


@dataclass(frozen=True)
class RateQuery:
    """What a rate table is asked for: the zone layer (and its key field, None for the layer's name field), the
    population file and its columns, the period's length in years, the rate's base and the small-number rule, and
    the share of a zone the incidents must cover for it to have a rate (``workspace.coverage_min_share``)."""

    zones: str
    key: str | None
    population: str
    columns: tuple[str, ...]
    years: float
    per: float
    suppress: bool
    min_share: float


# Every data input is keyed by its FileKey (a PostGIS layer's is a LayerKey with its published version, so a new
# ingest is a new key on both stores) and loaded inside; filters and settings sections are frozen, hashed as given.


@st.cache_data(show_spinner=False, max_entries=32)
def _rates(
    incidents: FileKey, f: Filters, zones: FileKey, population: FileKey, ask: RateQuery, rules: RateSettings,
    store_dir: str,
) -> gpd.GeoDataFrame:  # fmt: skip
    return zone_rates(
        analysis.incidents_in_view(incidents, f), _vector(zones), _population(population), key=ask.key,
        columns=ask.columns, years=ask.years, rules=rules, per=ask.per, suppress=ask.suppress,
        coverage=data.coverage_for(incidents, store_dir), min_share=ask.min_share,
    )  # fmt: skip


def rate_table(settings: Settings, f: Filters, lang: str, ask: RateQuery) -> gpd.GeoDataFrame:
    """Rates of every zone of ``ask.zones`` for the incidents matching ``f`` (EPSG:4326; ``attrs['total']``);
    zones outside the incidents' coverage have no count and no rate."""
    inc = Path(settings.sources.incidents)
    data.incidents(inc, lang)  # an error panel when the file cannot be read
    ask = replace(ask, years=round(ask.years, 6))
    keys = data.file_key(inc), data.file_key(ask.zones), data.file_key(ask.population)
    return _rates(keys[0], f, keys[1], keys[2], ask, settings.rates, str(settings.sources.store_dir))


@st.cache_data(show_spinner=False, max_entries=32)
def _place_rates(
    incidents: FileKey, f: Filters, places: FileKey, place: str, rings: tuple[float, ...], population: FileKey,
    ask: RateQuery, rules: RateSettings, store_dir: str,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:  # fmt: skip
    pop, rows, shape = (
        _population(population),
        analysis.incidents_in_view(incidents, f),
        analysis.focus_place(places, place),
    )
    cover = data.coverage_for(incidents, store_dir)
    ring_table = zone_rates(
        rows, ring_zones(shape, rings_m=rings), pop, key="zone", columns=ask.columns, years=ask.years, rules=rules,
        per=ask.per, coverage=cover, min_share=ask.min_share,
    )  # fmt: skip
    border = zone_rates(
        rows, border_zone(shape, within_m=max(rings)), pop, key="zone", columns=ask.columns, years=ask.years,
        rules=rules, per=ask.per, coverage=cover, min_share=ask.min_share,
    )  # fmt: skip
    return ring_table, border


def place_rates(
    settings: Settings, f: Filters, lang: str, *, place: str, rings: tuple[float, ...], ask: RateQuery
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Rates of the place's rings and of its whole border (within the outer ring), EPSG:4326 (``ask.zones`` unused)."""
    src = settings.sources
    inc, places = Path(src.incidents), Path(src.places)
    data.incidents(inc, lang)
    analysis.place(places, place, lang)  # an error panel when the place file cannot be read
    ask = replace(ask, years=round(ask.years, 6))
    return _place_rates(
        data.file_key(inc), f, data.file_key(places), place, rings, data.file_key(ask.population), ask, settings.rates,
        str(src.store_dir),
    )  # fmt: skip


def flag_text(flag: object, lang: str, *, settings: Settings) -> str:
    """The flags of a row in words (empty when none)."""
    if not isinstance(flag, str) or not flag:
        return ""
    params = {"pop": fmt_int(settings.rates.min_population, lang), "n": settings.rates.min_count}
    return "; ".join(t(f"rates.flag.{k}", lang, **params) for k in flag.split(","))


def public_view(
    table: gpd.GeoDataFrame, *, lang: str, settings: Settings, vintage: str, digits: int = 1
) -> gpd.GeoDataFrame:
    """``table`` as the public may see it, with display text columns (``vintage``: the population's, beside
    every rate).

    The zones with data are one group under their combined count (:mod:`geo.core.disclosure`): a hidden
    count reads "fewer than N" or "withheld", and its rate and smoothed rate are withheld too, since rate,
    population and period would give the count back; so is the combined rate (``attrs["total"]``)
    when the combined count is hidden. Zones the incidents do not cover read "no data".
    """
    out, shown = shown_rates(table, Disclosure.from_settings(settings.privacy, public=True))
    small = shown.hidden
    none = t("coverage.no_data", lang)

    def number(values: pd.Series) -> list[str]:
        return [
            none if not ok else t("na", lang) if np.isnan(r) else fmt_num(r, lang, digits=digits)
            for r, ok in zip(values, shown.has_data, strict=True)
        ]

    out["count_text"] = shown.texts(lang)
    out["population_text"] = [fmt_int(p, lang) if p > 0 else t("na", lang) for p in out["population"].fillna(0)]
    out["rate_text"] = number(out["rate"])
    out["rate_eb_text"] = number(out["rate_eb"])
    out["vintage_text"] = vintage
    out["reliability_text"] = [
        t(f"rates.reliability.{r}", lang) if isinstance(r, str) else t("na", lang) for r in out["reliability"]
    ]
    out["flag_text"] = [flag_text(fl, lang, settings=settings) for fl in out["flag"]]
    out["public_small"] = small
    out["has_data"] = shown.has_data
    return out


def ranking(shown: gpd.GeoDataFrame, lang: str, *, smoothing: bool, coverage: bool) -> pd.DataFrame:
    """The ranking table by rate (highest first) with counts and population beside it."""
    ordered = shown.sort_values(["rate", "zone"], ascending=[False, True], na_position="last").reset_index(drop=True)
    has_rate = ordered["rate"].notna()
    cols = {
        t("rates.col.rank", lang): [str(i + 1) if ok else "" for i, ok in enumerate(has_rate)],
        t("rates.field.zone", lang): ordered["zone"].astype(str),
        t("rates.field.count", lang): ordered["count_text"],
        t("rates.field.population", lang): ordered["population_text"],
        t("rates.field.vintage", lang): ordered["vintage_text"],
        t("rates.field.rate", lang): ordered["rate_text"],
    }
    if smoothing:
        cols[t("rates.field.rate_eb", lang)] = ordered["rate_eb_text"]
    cols[t("rates.field.reliability", lang)] = ordered["reliability_text"]
    if coverage:
        cols[t("rates.col.coverage", lang)] = [f"{round(c * 100)}%" for c in ordered["coverage"].fillna(0)]
    cols[t("rates.field.flag", lang)] = ordered["flag_text"]
    return pd.DataFrame(cols)
