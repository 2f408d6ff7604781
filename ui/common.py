"""What every data page starts with: settings, language, data, filters and the demo notice."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import streamlit as st

from geo.core.categories import CATEGORIES
from geo.core.disclosure import Disclosure
from geo.core.filters import Filters
from geo.core.i18n import fmt_date, fmt_int, t
from geo.core.settings import Settings
from geo.core.text import echo
from geo.data.coverage import Coverage
from geo.data.labels import layer_unit, source_line
from ui import analysis, data, link
from ui.access import forget_switch, record_switch, session_access
from ui.boot import current_lang
from ui.filters import sidebar_filters
from ui.source import rejected_link_values, session_settings, session_workspace

SOURCE_LINE_LIMIT = 600
"""Longest source line shown, in characters (it names the source, span, rows, as of and coverage)."""


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
    meta: dict[str, object] = field(default_factory=dict)
    coverage: Coverage | None = None

    @property
    def unit(self) -> str:
        """What one row counts: ``victims`` (per-victim sources) or ``incidents``."""
        return layer_unit(self.meta)


def source_text(ctx: PageContext) -> str:
    """The source line of the data shown (source, span, rows, as of, coverage; the synthetic notice for the demo)."""
    return source_line(ctx.meta, ctx.lang, coverage=ctx.coverage)


def synthetic_notice(ctx: PageContext) -> None:
    """Under the page title: the synthetic-data banner for the demo, and always the line naming the data."""
    if ctx.synthetic:
        st.warning(t("banner.synthetic", ctx.lang), icon=":material/science:")
    st.caption(echo(source_text(ctx), limit=SOURCE_LINE_LIMIT, markup="markdown"))
    rejected = "; ".join(echo(v, markup="markdown") for v in rejected_link_values())
    if rejected:
        st.warning(t("source.rejected", ctx.lang, values=rejected))


def picker_places(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The places a picker offers: parks and housing developments."""
    return places[places["kind"].isin(analysis.PICKER_KINDS)]


def focus_places(settings: Settings, places: gpd.GeoDataFrame, *, lang: str = "en") -> list[str]:
    """Configured focus places first, then every other park and housing development, by picker label.

    Labels tell places apart and, on real data, show each one's kind and neighbourhood or city, with the alias
    table's name first (``"Harvard Park · Jackie Tatum / Harvard Recreation Center (Park, Harvard Park)"``), so
    typing "Harvard Park" finds the park; a label resolves back to its place through :func:`ui.analysis.place`.
    """
    shown = analysis.labels(settings.sources.places, lang)
    known = list(dict.fromkeys(shown[shown.index.isin(picker_places(places).index)].astype(str)))
    first = [p for p in settings.focus.places if p in known]  # already resolved by page_context
    rest = sorted(set(known) - set(first), key=lambda label: (label.casefold(), label))
    return first + rest


def known_place(ctx: PageContext, name: str | None) -> bool:
    """Whether ``name`` (a picker label, a place name or an alias) is a place of the page's place table."""
    return bool(name) and analysis.place_label(ctx.settings.sources.places, str(name), ctx.lang) is not None


def _span(incidents: gpd.GeoDataFrame) -> tuple[dt.date, dt.date]:
    if len(incidents):
        return incidents["occurred_at"].min().date(), incidents["occurred_at"].max().date()
    today = dt.date.today()
    return today, today


NOT_BY_DEFAULT = ("property", "other")
"""Categories left out of the default selection: the dashboard is about violence (property is its own category)."""


def _starting_filters(incidents: gpd.GeoDataFrame) -> Filters:
    """What a new session starts from when its link chooses no categories: on a layer with property or other
    crime, the violent categories and shots fired (the sidebar then shows the selection); else everything."""
    if not len(incidents) or not incidents["category"].isin(NOT_BY_DEFAULT).any():
        return Filters()
    return Filters(categories=tuple(c for c in CATEGORIES if c not in NOT_BY_DEFAULT))


def _resolved_focus(settings: Settings, lang: str) -> Settings:
    """Settings whose focus places (and a link's ``place=``) are picker labels of this place table.

    ``Harvard Park`` finds ``Jackie Tatum/Harvard Recreation Center`` among the CPAD parks through
    the alias table; focus places the table does not have are left out.
    """
    path = settings.sources.places
    asked = st.query_params.get("place")
    if asked:
        label = analysis.place_label(path, str(asked), lang)
        if label is not None and label != asked:
            st.query_params["place"] = label
    focus = [x for x in (analysis.place_label(path, p, lang) for p in settings.focus.places) if x]
    default = analysis.place_label(path, settings.focus.default_place, lang) or (focus[0] if focus else None)
    if default is None:
        data.places(path, lang)  # an error panel when the place file cannot be read
        default = next(iter(analysis.labels(path, lang)), None)
    if default is None:
        return settings
    update = {"places": tuple(dict.fromkeys([default, *focus])), "default_place": default}
    return settings.model_copy(update={"focus": settings.focus.model_copy(update=update)})


def page_context(page: str, *, with_filters: bool = True) -> PageContext:
    """Load settings, language and data; draw the sidebar filters; show the synthetic-data notice."""
    settings = session_settings()
    lang = current_lang(settings)
    src = settings.sources
    incidents = data.incidents(src.incidents, lang)
    places = data.places(src.places, lang)
    streets = data.streets(src.streets, lang)
    meta = data.layer_meta(src.incidents, session_workspace(settings).incidents)
    synthetic = bool(meta.get("synthetic"))
    cov = None if synthetic else data.coverage(src.incidents, src.store_dir)
    first, last = _span(incidents)
    settings = _resolved_focus(settings, lang)
    f = Filters()
    if with_filters:
        f = sidebar_filters(
            settings,
            lang,
            first=first,
            last=last,
            places=focus_places(settings, places, lang=lang),
            page=page,
            start=_starting_filters(incidents),
        )
    return PageContext(settings, lang, incidents, places, streets, f, synthetic, first, last, meta, cov)


VIEW_KEY = "view"
VIEWS = ("public", "internal")


def view_mode(ctx: PageContext, *, page: str) -> bool:
    """The Map/Trends view mode, kept in the URL (``view=public|internal``); True for the public view.

    Public (counts per grid cell, small counts suppressed, no points or case numbers) is the
    default for real data; the synthetic demo opens on internal (its points are invented, so the
    points teach the tool without exposing anyone). Internal on real data needs a confirmation and is
    kept in the audit record. A person whose role does not allow the internal view gets no switch at all
    (:mod:`ui.access`); a link asking for it opens the public view and says why.
    """
    if not session_access(ctx.settings).internal:  # no switch at all: the public view is the only one
        if st.query_params.get(VIEW_KEY) == "internal":
            st.info(t("auth.internal_needs_role", ctx.lang))
            del st.query_params[VIEW_KEY]
        return True
    default = "internal" if ctx.synthetic else "public"
    key = link.bind(VIEW_KEY, default, page=page, choices=VIEWS)  # the link names the view when not the default
    c1, c2 = st.columns([2, 3])
    mode = c1.radio(
        t("view.mode", ctx.lang), VIEWS, key=key, horizontal=True, format_func=lambda m: t(f"view.{m}", ctx.lang)
    )
    if mode == "public":
        forget_switch(page)
        return True
    if ctx.synthetic:  # invented points: nothing to confirm or record
        return False
    if not c2.checkbox(t("view.internal_confirm", ctx.lang), key=f"{page}_view_ok"):
        c2.caption(t("view.internal_blocked", ctx.lang))
        forget_switch(page)
        return True
    return not record_switch(ctx.settings, page, ctx.filters, ctx.lang)  # kept in the record, or public


def disclosure(ctx: PageContext, *, public: bool) -> Disclosure:
    """The small-count rule of this page's view (:mod:`geo.core.disclosure`)."""
    return Disclosure.from_settings(ctx.settings.privacy, public=public)


def public_filters(ctx: PageContext, rule: Disclosure) -> Filters:
    """The page's filters as its view may use them: in the public view whole calendar months and the configured
    rings (``privacy.public_period``), said under the filters when they differ from what was asked."""
    f = ctx.filters
    used = rule.restrict(f, rings_m=ctx.settings.distances.rings_m)
    if (used.start, used.end) != (f.start, f.end) and used.start and used.end:
        st.caption(
            t("privacy.months", ctx.lang, start=fmt_date(used.start, ctx.lang), end=fmt_date(used.end, ctx.lang))
        )
    if used.rings_m != f.rings_m:
        st.caption(
            t("privacy.rings", ctx.lang, rings=", ".join(fmt_int(r, ctx.lang) for r in ctx.settings.distances.rings_m))
        )
    return used
