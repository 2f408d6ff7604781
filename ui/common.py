"""What every data page starts with: settings, language, data, filters and the demo notice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import streamlit as st

from geo.core.filters import Filters
from geo.core.i18n import t
from geo.core.settings import Settings
from ui import data
from ui.boot import current_lang
from ui.filters import sidebar_filters
from ui.source import session_settings


@dataclass(frozen=True)
class PageContext:
    """The state a page works from (all tables shared and read-only)."""

    settings: Settings
    lang: str
    incidents: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    streets: gpd.GeoDataFrame
    filters: Filters
    synthetic: bool
    first: dt.date
    last: dt.date


def synthetic_notice(ctx: PageContext) -> None:
    """The synthetic-data banner, under the page title, whenever the data are synthetic."""
    if ctx.synthetic:
        st.warning(t("banner.synthetic", ctx.lang), icon=":material/science:")


def focus_places(settings: Settings, places: gpd.GeoDataFrame) -> list[str]:
    """Configured focus places first, then every other park and housing development."""
    known = set(places["name"])
    first = [p for p in settings.focus.places if p in known]
    rest = sorted(set(places.loc[places["kind"].isin(["park", "housing"]), "name"]) - set(first))
    return first + rest


def _span(incidents: gpd.GeoDataFrame) -> tuple[dt.date, dt.date]:
    if len(incidents):
        return incidents["occurred_at"].min().date(), incidents["occurred_at"].max().date()
    today = dt.date.today()
    return today, today


def page_context(page: str, *, with_filters: bool = True) -> PageContext:
    """Load settings, language and data; draw the sidebar filters; show the synthetic-data notice."""
    settings = session_settings()
    lang = current_lang(settings)
    src = settings.sources
    incidents = data.incidents(src.incidents, lang)
    places = data.places(src.places, lang)
    streets = data.streets(src.streets, lang)
    synthetic = bool(incidents["synthetic"].any()) if len(incidents) else False
    first, last = _span(incidents)
    f = Filters()
    if with_filters:
        f = sidebar_filters(settings, lang, first=first, last=last, places=focus_places(settings, places), page=page)
    return PageContext(settings, lang, incidents, places, streets, f, synthetic, first, last)
