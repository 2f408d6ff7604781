"""Patrol dosage on the map: one circle per planned stop (its radius in metres), by minutes measured.

Only places are drawn, never tracks: each stop is a circle of the dosage radius, labelled with
its minutes, filled by whether the planned dwell was met, fell short, or the stop got no visit.
Colour is never the only cue: the three classes also differ by outline (solid, dashed, dotted).
"""

from __future__ import annotations

from typing import Any

import folium
import pandas as pd
from shapely.geometry import LineString

from geo.core.i18n import fmt_int, t
from geo.patrol.dosage import DosageReport
from geo.patrol.dosage import rows as dosage_rows
from layers._escape import esc
from layers.compose import LegendRows
from layers.style import Symbol

CLASS_STYLE = {
    "met": Symbol("area", "#009E73", fill_opacity=0.45, weight=3),
    "short": Symbol("area", "#E69F00", fill_opacity=0.35, dash="8 5", weight=3),
    "none": Symbol("area", "#555555", fill_opacity=0.05, dash="2 6", weight=3),
}
PLANNED = Symbol("line", "#0072B2", dash="6 6", weight=2.5)
DOSAGE_CSS = (
    "<style>.dosage-label{display:inline-block;transform:translate(-50%,-50%);padding:1px 5px;border-radius:9px;"
    "background:rgba(255,255,255,.9);border:1px solid #333;font:700 12px system-ui,sans-serif;"
    "white-space:nowrap}</style>"
)


def dosage_class(minutes: float, planned: float, visits: int, *, tolerance_min: float = 0.0) -> str:
    """``none`` (no visit), ``short`` (more than ``tolerance_min`` below the planned dwell) or ``met``."""
    if visits == 0:
        return "none"
    if pd.notna(planned) and minutes < planned - tolerance_min:
        return "short"
    return "met"


def _weeks_text(weekly: pd.DataFrame | None, stop_id: str, lang: str) -> str:
    if weekly is None or weekly.empty:
        return ""
    rows = weekly[weekly["stop_id"] == stop_id]
    parts = [
        t("dosage.tip.week", lang, week=str(r.week), minutes=fmt_int(float(r.minutes), lang)) for r in dosage_rows(rows)
    ]
    return "<br>" + "<br>".join(esc(p) for p in parts) if parts else ""


def dosage_layers(
    report: DosageReport,
    *,
    lang: str,
    weekly: pd.DataFrame | None = None,
    planned_path: LineString | None = None,
    max_weeks: int = 8,
) -> list[tuple[folium.FeatureGroup, LegendRows]]:
    """Feature groups (EPSG:4326) for the stops' dosage and their legend rows.

    Parameters
    ----------
    report
        From :func:`geo.patrol.dosage.measure_dosage`; the circle radius is its ``radius_m`` (metres).
    lang
        Language of tooltips and legend.
    weekly
        Minutes per stop per week (:func:`geo.patrol.dosage.weekly_dosage`), listed in each tooltip.
    planned_path
        The planned route (EPSG:4326), drawn thin and dashed under the stops for orientation.
    max_weeks
        With ``weekly``, one more layer per week for the last ``max_weeks`` weeks (hidden until
        chosen in the layer control): the minutes of that week at each stop.
    """
    if not isinstance(report, DosageReport):
        msg = f"expected a DosageReport, got {type(report).__name__}"
        raise TypeError(msg)
    radius = float(report.params.radius_m)
    out: list[tuple[folium.FeatureGroup, LegendRows]] = []
    if planned_path is not None and not planned_path.is_empty:
        line = folium.FeatureGroup(name=t("dosage.layer.planned", lang))
        coords = [(y, x) for x, y in planned_path.coords]
        folium.PolyLine(  # type: ignore[no-untyped-call]
            coords, color=PLANNED.colour, weight=PLANNED.weight, dash_array=PLANNED.dash, opacity=0.8
        ).add_to(line)
        out.append((line, [(t("dosage.layer.planned", lang), PLANNED)]))
    tol = report.params.met_tolerance_min
    group = folium.FeatureGroup(name=t("dosage.layer.name", lang))
    seen: set[str] = set()
    for r in dosage_rows(report.stops):
        kind = dosage_class(float(r.minutes), float(r.planned_min), int(r.visits), tolerance_min=tol)
        seen.add(kind)
        planned = "" if pd.isna(r.planned_min) else t("dosage.tip.planned", lang, planned=fmt_int(r.planned_min, lang))
        tip = t(
            "dosage.tip.stop", lang, order=int(r.order) or r.label, minutes=fmt_int(float(r.minutes), lang),
            visits=int(r.visits),
        )  # fmt: skip
        tooltip = esc(tip) + (esc(" · " + planned) if planned else "") + _weeks_text(weekly, str(r.stop_id), lang)
        _mark(group, r, kind, tooltip, float(r.minutes), radius=radius, lang=lang)
    rows: LegendRows = [
        (t(f"dosage.layer.{k}", lang, radius=fmt_int(radius, lang)), CLASS_STYLE[k]) for k in CLASS_STYLE if k in seen
    ]
    out.append((group, rows))
    if weekly is not None and not weekly.empty:
        out += _week_groups(report, weekly, lang=lang, radius=radius, last=max_weeks)
    return out


def _mark(
    group: folium.FeatureGroup, r: Any, kind: str, tooltip: str, minutes: float, *, radius: float, lang: str
) -> None:
    """A stop's circle (``radius`` metres) and its minutes label."""
    sym = CLASS_STYLE[kind]
    folium.Circle(
        [float(r.lat), float(r.lon)], radius=radius, color=sym.colour, weight=sym.weight, fill=True,
        fill_color=sym.colour, fill_opacity=sym.fill_opacity, dash_array=sym.dash, tooltip=tooltip,
        class_name=f"dosage-{kind}",
    ).add_to(group)  # fmt: skip
    label = t("dosage.label", lang, minutes=fmt_int(minutes, lang))
    folium.Marker(
        [float(r.lat), float(r.lon)],
        icon=folium.DivIcon(html=f'<div class="dosage-label">{esc(label)}</div>', icon_size=(0, 0)),
    ).add_to(group)


def _week_groups(
    report: DosageReport, weekly: pd.DataFrame, *, lang: str, radius: float, last: int
) -> list[tuple[folium.FeatureGroup, LegendRows]]:
    """One layer per week (the ``last`` weeks, hidden until chosen): the minutes of that week at each stop."""
    tol = report.params.met_tolerance_min
    stops = report.stops.set_index("stop_id")
    out: list[tuple[folium.FeatureGroup, LegendRows]] = []
    for week in sorted(weekly["week"].unique())[-last:]:
        group = folium.FeatureGroup(name=t("dosage.layer.week", lang, week=str(week)), show=False)
        for w in weekly[weekly["week"] == week].itertuples():
            stop = stops.loc[w.stop_id]
            kind = dosage_class(float(w.minutes), float(stop["planned_min"]), int(w.visits), tolerance_min=tol)
            tip = t(
                "dosage.tip.stop_week", lang, order=int(w.order) or stop["label"], week=str(week),
                minutes=fmt_int(float(w.minutes), lang), visits=int(w.visits),
            )  # fmt: skip
            _mark(group, stop, kind, esc(tip), float(w.minutes), radius=radius, lang=lang)
        out.append((group, []))
    return out
