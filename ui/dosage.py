"""Patrol dosage on the Patrol page: upload GPX tracks, see the time spent at each planned stop.

The view is public: per stop (place), never per officer; dates are whole days; tracks are never
drawn. Uploaded tracks are kept only when asked, in the local store, and can be deleted here or
with ``python -m geo tracks delete --all``.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.core.disclosure import Disclosure
from geo.core.errors import SafetyMapError
from geo.core.i18n import fmt_date, fmt_int, fmt_num, t
from geo.core.schema import TZ
from geo.data.tracks import Track, delete_tracks, read_gpx, save_track, stored_tracks, track_dir
from geo.patrol.dosage import DosageReport, measure_dosage, stops_from_route, track_warnings, weekly_dosage
from geo.patrol.model import PatrolRoute
from geo.patrol.text import minutes
from layers.compose import MapComposer
from layers.dosage import DOSAGE_CSS, dosage_class, dosage_layers
from layers.legend import add_css
from layers.overview import add_places, add_streets
from ui.access import record_use, session_access
from ui.common import PageContext
from ui.mapframe import show_map
from ui.style import error_text

KEY = "r_dosage"


@st.cache_data(show_spinner=False, max_entries=64)
def _read(data: bytes, name: str, zone: str, max_mb: float) -> Track:
    return read_gpx(data, name=name, naive_time_zone=zone, max_mb=max_mb)


def _uploads(ctx: PageContext) -> list[Track]:
    d = ctx.settings.dosage
    files = st.file_uploader(
        t("dosage.upload", ctx.lang), type=["gpx"], accept_multiple_files=True, key=f"{KEY}_files",
        help=t("dosage.upload_help", ctx.lang),
    )  # fmt: skip
    st.caption(t("dosage.upload_limit", ctx.lang, mb=f"{d.max_file_mb:g}"))  # Streamlit's own line is English
    tracks: list[Track] = []
    for f in files or []:
        try:
            tracks.append(_read(f.getvalue(), f.name, d.naive_time_zone, d.max_file_mb))
        except SafetyMapError as exc:
            st.warning(t("dosage.file_error", ctx.lang, error=error_text(exc)))
    return tracks


def _day(value: Any) -> str:
    if value is None or pd.isna(value):
        return ""
    return str(pd.Timestamp(value).tz_convert(TZ).date())


def _minutes(values: pd.Series, lang: str) -> list[str]:
    """Minutes as text, "—" where there is none (one visit or none: no gap; no planned dwell)."""
    return ["—" if pd.isna(v) else fmt_num(float(v), lang, digits=1) for v in values]


def _stop_table(report: DosageReport, lang: str) -> pd.DataFrame:
    s = report.stops
    return pd.DataFrame(
        {
            t("route.col_order", lang): s["order"].astype(int),
            t("dosage.col.visits", lang): s["visits"].astype(int),
            t("dosage.col.minutes", lang): s["minutes"].round(1),
            t("dosage.col.planned", lang): _minutes(s["planned_min"], lang),
            t("dosage.col.first", lang): [_day(v) for v in s["first_visit"]],
            t("dosage.col.last", lang): [_day(v) for v in s["last_visit"]],
            t("dosage.col.gap", lang): _minutes(s["longest_gap_min"], lang),
            t("dosage.col.passes", lang): s["passes"].astype(int),
            t("dosage.col.no_signal", lang): s["no_signal_min"].round(1),
            t("dosage.col.status", lang): [
                t(f"dosage.status.{dosage_class(m, p, v, tolerance_min=report.params.met_tolerance_min)}", lang)
                for m, p, v in zip(s["minutes"], s["planned_min"], s["visits"], strict=True)
            ],
        }
    )


def _weekly_table(weekly: pd.DataFrame, lang: str, rule: Disclosure) -> pd.DataFrame:
    def count(n: float | None) -> str:  # each stop's week on its own (the stops' circles may overlap)
        if n is None or pd.isna(n):  # a week outside the data's period, or a stop outside its area: never 0
            return t("source.no_data", lang)
        return rule.text(int(n), lang)

    return pd.DataFrame(
        {
            t("dosage.col.week", lang): [str(w) for w in weekly["week"]],
            t("route.col_order", lang): weekly["order"].astype(int),
            t("dosage.col.minutes", lang): weekly["minutes"].round(1),
            t("dosage.col.visits", lang): weekly["visits"].astype(int),
            t("dosage.col.incidents", lang): [count(n) for n in weekly["incidents"]],
        }
    )


def _store_controls(ctx: PageContext, tracks: list[Track]) -> list[Track]:
    """Keep the uploaded tracks, add the stored ones, delete them: for staff only (the stored tracks are where
    officers walked, and every control here writes); anyone else measures their own uploads, kept nowhere."""
    if not session_access(ctx.settings).internal:
        return tracks
    d, lang = ctx.settings.dosage, ctx.lang
    folder = track_dir(ctx.settings.sources.store_dir, d.store_subdir)
    keep = st.checkbox(t("dosage.keep", lang), value=False, key=f"{KEY}_keep", help=t("dosage.keep_help", lang))
    if keep and tracks:
        ids = ", ".join(sorted(tr.track_id for tr in tracks))
        if st.session_state.get(f"{KEY}_kept") != ids:  # recorded once per set of tracks, before they are kept
            if not record_use(ctx.settings, "tracks", f"keep {ids}"):
                st.error(t("auth.audit_failed", lang))
                return tracks
            st.session_state[f"{KEY}_kept"] = ids
        for tr in tracks:
            save_track(tr, folder=folder)
    stored = stored_tracks(folder)
    if not stored:
        return tracks
    have = {tr.track_id for tr in tracks}
    extra = [tr for tr in stored if tr.track_id not in have]
    c1, c2 = st.columns(2)
    use = c1.checkbox(t("dosage.use_stored", lang, n=len(stored)), value=True, key=f"{KEY}_stored")
    if c2.button(t("dosage.delete", lang), key=f"{KEY}_delete"):
        if not record_use(ctx.settings, "tracks", f"delete {len(stored)} stored tracks"):
            st.error(t("auth.audit_failed", lang))
            return tracks
        n = delete_tracks(folder)
        st.success(t("dosage.deleted", lang, n=n))
        return tracks
    return tracks + extra if use else tracks


def dosage_section(route: PatrolRoute, ctx: PageContext, incidents: gpd.GeoDataFrame | None = None) -> None:
    """The dosage part of the Patrol page: upload, per-stop table, weekly table, map layer, accounting.

    ``incidents`` (default: every incident of the page's data) are counted near each stop per week.
    """
    s, lang = ctx.settings, ctx.lang
    d = s.dosage
    st.subheader(t("dosage.title", lang))
    st.caption(
        t("dosage.intro", lang, radius=fmt_int(d.radius_m, lang), hysteresis=fmt_int(d.hysteresis_m, lang),
          stay=fmt_int(d.min_stay_min, lang), gap=fmt_int(d.visit_gap_min, lang))
    )  # fmt: skip
    tracks = _store_controls(ctx, _uploads(ctx))
    if not tracks:
        st.info(t("dosage.none", lang))
        return
    try:
        report = measure_dosage(tracks, stops_from_route(route), params=d)
    except SafetyMapError as exc:
        st.error(t("dosage.error", lang, error=error_text(exc)))
        return
    for line in track_warnings(report, lang):
        st.warning(error_text(line))

    done = report.stops
    reached = int((done["visits"] > 0).sum())
    walked = float(report.walks["minutes"].sum())
    m1, m2, m3 = st.columns(3)
    m1.metric(t("dosage.reached", lang), f"{reached} / {len(done)}")
    m2.metric(t("dosage.at_stops", lang), minutes(float(done["minutes"].sum()), lang))
    m3.metric(t("dosage.walked", lang), minutes(walked, lang))
    if report.order.get("budget_min") is not None:
        m3.caption(t("dosage.budget", lang, budget=minutes(float(report.order["budget_min"]), lang)))
    in_order = report.order.get("as_planned") or []
    if in_order:
        st.caption(t("dosage.order_ok" if all(in_order) else "dosage.order_changed", lang))
    if report.unvisited:
        orders = ", ".join(str(int(o)) for o in done.loc[done["visits"] == 0, "order"])
        st.warning(t("dosage.unvisited", lang, stops=orders))
    st.dataframe(_stop_table(report, lang), hide_index=True, width="stretch", key=f"{KEY}_table")
    st.caption(t("dosage.gap_note", lang))

    weekly = weekly_dosage(
        report,
        ctx.incidents if incidents is None else incidents,
        incident_radius_m=d.incident_radius_m,
        min_count=s.privacy.min_count,
        period=(ctx.first, ctx.last) if incidents is None and len(ctx.incidents) else None,
        coverage=ctx.coverage,
    )
    st.markdown(f"**{t('dosage.weekly', lang)}**")
    rule = Disclosure.from_settings(s.privacy, public=True)
    st.dataframe(_weekly_table(weekly, lang, rule), hide_index=True, width="stretch")
    st.caption(t("dosage.weekly_note", lang, radius=fmt_int(d.incident_radius_m, lang), n=s.privacy.min_count))
    if len(weekly) and bool(weekly["no_data"].fillna(False).astype(bool).any()):
        st.caption(t("dosage.weekly_no_data", lang, first=fmt_date(ctx.first, lang), last=fmt_date(ctx.last, lang)))

    composer = MapComposer(s, lang=lang, center=(route.start_lat, route.start_lon), zoom=16)
    add_css(composer.map, DOSAGE_CSS, "dosage_css")
    add_streets(composer, ctx.streets)
    add_places(composer, ctx.places, kinds=("park", "housing"))
    for group, rows in dosage_layers(report, lang=lang, weekly=weekly, planned_path=route.path, max_weeks=d.map_weeks):
        composer.add(group, rows)
    m = composer.finish(synthetic=ctx.synthetic)
    show_map(m, height=420, lang=lang, title=t("frame.dosage", lang))

    with st.expander(t("dosage.accounting", lang)):
        table = [
            {t("dosage.col.track", lang): a["track"], t("dosage.col.read", lang): a["read"],
             t("dosage.col.kept", lang): a["kept"],
             t("dosage.col.dropped", lang): sum((a.get("dropped") or {}).values()),
             t("dosage.col.nearest", lang): a["nearest_stop_m"]}
            for a in report.tracks
        ]  # fmt: skip
        st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch")
