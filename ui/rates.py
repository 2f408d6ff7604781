"""Rates for the Rates page: choices of zones and population, cached tables, public-view text.

Every cached function is keyed on plain values (paths, modification times, the filter query,
numbers, the rules as JSON), never on a GeoDataFrame.
"""

from __future__ import annotations

import contextlib
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
from geo.data.population import read_population
from ui import analysis, data
from ui.data import FileKey

CONFIGURED = "configured"
BLOCK_GROUPS = "block_groups"
ACS = "acs"


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
    """Population sources offered: the configured layer and, when fetched, the store's ACS layer."""
    from geo.core.errors import DataError
    from geo.data.sources.census import newest_layer

    out: dict[str, str] = {}
    if Path(settings.sources.population).is_file():
        out[CONFIGURED] = str(settings.sources.population)
    with contextlib.suppress(DataError):
        out[ACS] = str(newest_layer(settings.sources.store_dir))
    return out


@st.cache_resource(show_spinner=False, max_entries=8)
def _vector(key: FileKey) -> gpd.GeoDataFrame:
    return read_vector(key.path)


@st.cache_resource(show_spinner=False, max_entries=4)
def _population(key: FileKey) -> pd.DataFrame:
    return read_population(key.path)


def synthetic_population(path: str) -> bool:
    """Whether the population file is the demo's generated one (every row ``synthetic``)."""
    pop = _population(data.file_key(path))
    return "synthetic" in pop.columns and bool(pop["synthetic"].fillna(False).astype(bool).all())


Query = tuple[tuple[str, str], ...]


def _query(f: Filters) -> Query:
    """A plain, hashable cache key for ``f``."""
    return tuple(sorted(f.to_query().items()))


# The incidents in view and the place are passed as ``_``-prefixed arguments (not hashed); the
# cache key is made of the plain values beside them: each data input's FileKey (a PostGIS layer's is a
# LayerKey with its published version, so a new ingest is a new key on both stores), the filter query, numbers.


@st.cache_data(show_spinner=False, max_entries=32)
def _rates(
    _incidents: gpd.GeoDataFrame, incidents: FileKey, query: Query, zones: FileKey, key: str | None,
    population: FileKey, columns: tuple[str, ...], years: float, per: float, rules_json: str, suppress: bool,
) -> gpd.GeoDataFrame:  # fmt: skip
    rules = RateSettings.model_validate_json(rules_json)
    return zone_rates(
        _incidents, _vector(zones), _population(population), key=key, columns=columns,
        years=years, rules=rules, per=per, suppress=suppress,
    )  # fmt: skip


def rate_table(
    settings: Settings, f: Filters, lang: str, *, zones: str, key: str | None, population: str,
    columns: tuple[str, ...], years: float, per: float, suppress: bool,
) -> gpd.GeoDataFrame:  # fmt: skip
    """Rates of every zone of ``zones`` for the incidents matching ``f`` (EPSG:4326; ``attrs['total']``)."""
    inc = Path(settings.sources.incidents)
    return _rates(
        analysis.view(inc, f, lang), data.file_key(inc), _query(f), data.file_key(zones), key,
        data.file_key(population), columns, round(years, 6), per, settings.rates.model_dump_json(), suppress,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=32)
def _place_rates(
    _incidents: gpd.GeoDataFrame, _place: gpd.GeoDataFrame, incidents: FileKey, query: Query, places: FileKey,
    place: str, rings: tuple[float, ...], population: FileKey, columns: tuple[str, ...], years: float, per: float,
    rules_json: str,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:  # fmt: skip
    rules = RateSettings.model_validate_json(rules_json)
    pop = _population(population)
    opts = {"columns": columns, "years": years, "rules": rules, "per": per}
    ring_table = zone_rates(_incidents, ring_zones(_place, rings_m=rings), pop, key="zone", **opts)  # type: ignore[arg-type]
    border = zone_rates(_incidents, border_zone(_place, within_m=max(rings)), pop, key="zone", **opts)  # type: ignore[arg-type]
    return ring_table, border


def place_rates(
    settings: Settings, f: Filters, lang: str, *, place: str, rings: tuple[float, ...], population: str,
    columns: tuple[str, ...], years: float, per: float,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:  # fmt: skip
    """Rates of the place's rings and of its whole border (within the outer ring), EPSG:4326."""
    src = settings.sources
    inc, places = Path(src.incidents), Path(src.places)
    return _place_rates(
        analysis.view(inc, f, lang), analysis.place(places, place, lang), data.file_key(inc), _query(f),
        data.file_key(places), place, rings, data.file_key(population), columns, round(years, 6), per,
        settings.rates.model_dump_json(),
    )  # fmt: skip


def flag_text(flag: object, lang: str, *, settings: Settings) -> str:
    """The flags of a row in words (empty when none)."""
    if not isinstance(flag, str) or not flag:
        return ""
    params = {"pop": fmt_int(settings.rates.min_population, lang), "n": settings.rates.min_count}
    return "; ".join(t(f"rates.flag.{k}", lang, **params) for k in flag.split(","))


def public_view(table: gpd.GeoDataFrame, *, lang: str, settings: Settings, digits: int = 1) -> gpd.GeoDataFrame:
    """``table`` as the public may see it, with display text columns.

    The zones are one group under their combined count (:mod:`geo.core.disclosure`): a hidden count
    reads "fewer than N" or "withheld", and its rate and smoothed rate are withheld too, since rate,
    population and period would give the count back; so is the combined rate (``attrs["total"]``)
    when the combined count is hidden.
    """
    out, shown = shown_rates(table, Disclosure.from_settings(settings.privacy, public=True))
    small = shown.hidden
    out["count_text"] = shown.texts(lang)
    out["population_text"] = [fmt_int(p, lang) if p > 0 else t("na", lang) for p in out["population"].fillna(0)]
    out["rate_text"] = [t("na", lang) if np.isnan(r) else fmt_num(r, lang, digits=digits) for r in out["rate"]]
    out["rate_eb_text"] = [t("na", lang) if np.isnan(r) else fmt_num(r, lang, digits=digits) for r in out["rate_eb"]]
    out["reliability_text"] = [
        t(f"rates.reliability.{r}", lang) if isinstance(r, str) else t("na", lang) for r in out["reliability"]
    ]
    out["flag_text"] = [flag_text(fl, lang, settings=settings) for fl in out["flag"]]
    out["public_small"] = small
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
        t("rates.field.rate", lang): ordered["rate_text"],
    }
    if smoothing:
        cols[t("rates.field.rate_eb", lang)] = ordered["rate_eb_text"]
    cols[t("rates.field.reliability", lang)] = ordered["reliability_text"]
    if coverage:
        cols[t("rates.col.coverage", lang)] = [f"{round(c * 100)}%" for c in ordered["coverage"].fillna(0)]
    cols[t("rates.field.flag", lang)] = ordered["flag_text"]
    return pd.DataFrame(cols)
