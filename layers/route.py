"""A planned foot-patrol route: the walking path, numbered stops, the start and other candidates."""

from __future__ import annotations

import folium
import shapely

from geo.core.i18n import t
from geo.patrol.model import PatrolRoute
from geo.patrol.text import clock, stop_kind
from layers._escape import esc
from layers.compose import LegendRows
from layers.style import Symbol

ROUTE_COLOUR = "#0072B2"
STOP_COLOUR = "#D55E00"
STOP_BADGE_COLOUR = "#A34400"  # the stop colour, darkened so its white number has a contrast of at least 4.5:1
CANDIDATE_COLOUR = "#777777"

ROUTE_CSS = (
    "<style>.route-stop{display:flex;align-items:center;justify-content:center;width:24px;height:24px;"
    "margin:-12px 0 0 -12px;border-radius:50%;background:" + STOP_BADGE_COLOUR + ";color:#fff;border:2px solid #fff;"
    "font:700 13px system-ui,sans-serif;box-shadow:0 0 3px rgba(0,0,0,.6)}"
    ".route-start{width:18px;height:18px;margin:-9px 0 0 -9px;background:#000;transform:rotate(45deg);"
    "border:2px solid #fff}</style>"
)


def route_bounds(route: PatrolRoute) -> list[list[float]]:
    """``[[south, west], [north, east]]`` degrees (EPSG:4326) around the walking path, every stop and the start."""
    lats, lons = [route.start_lat], [route.start_lon]
    for pt in route.stops.geometry:
        lats.append(float(pt.y))
        lons.append(float(pt.x))
    if route.path is not None and not shapely.is_empty(route.path):
        west, south, east, north = shapely.bounds(route.path).tolist()
        lats += [south, north]
        lons += [west, east]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def route_layers(route: PatrolRoute, *, lang: str) -> list[tuple[folium.FeatureGroup, LegendRows]]:
    """Feature groups for the route (EPSG:4326) and their legend rows."""
    out: list[tuple[folium.FeatureGroup, LegendRows]] = []

    others = route.candidates[route.candidates["status"] != "visited"]
    cand = folium.FeatureGroup(name=t("rp.layer.candidates", lang))
    for _, row in others.iterrows():
        pt = row.geometry
        tip = f"{esc(stop_kind(row['kind'], row['label'], lang))} · {esc(t('rp.status.' + row['status'], lang))}"
        folium.CircleMarker(
            [pt.y, pt.x], radius=5, color=CANDIDATE_COLOUR, weight=1.5, fill=True, fill_opacity=0.3, tooltip=tip
        ).add_to(cand)
    out.append((cand, [(t("rp.layer.candidates", lang), Symbol("ring", CANDIDATE_COLOUR, fill_opacity=0.3))]))

    path = folium.FeatureGroup(name=t("rp.layer.route", lang))
    if route.path is not None and not shapely.is_empty(route.path):
        coords = [(y, x) for x, y in route.path.coords]
        folium.PolyLine(coords, color=ROUTE_COLOUR, weight=5, opacity=0.85).add_to(path)  # type: ignore[no-untyped-call]
    out.append((path, [(t("rp.layer.route", lang), Symbol("line", ROUTE_COLOUR, weight=4))]))

    stops = folium.FeatureGroup(name=t("rp.layer.stops", lang))
    for _, row in route.stops.iterrows():
        pt = row.geometry
        tip = (
            f"{int(row['order'])}. {esc(stop_kind(row['kind'], row['label'], lang))} · {esc(row['where'] or '')} · "
            f"{clock(row['arrive'])}–{clock(row['depart'])}"
        )
        folium.Marker(
            [pt.y, pt.x],
            icon=folium.DivIcon(html=f'<div class="route-stop">{int(row["order"])}</div>', icon_size=(0, 0)),
            tooltip=tip,
        ).add_to(stops)
    folium.Marker(
        [route.start_lat, route.start_lon],
        icon=folium.DivIcon(html='<div class="route-start"></div>', icon_size=(0, 0)),
        tooltip=esc(t("rp.layer.start", lang)),
    ).add_to(stops)
    out.append(
        (
            stops,
            [
                (t("rp.layer.stops", lang), Symbol("dot", STOP_COLOUR, fill_opacity=1.0, radius=7)),
                (t("rp.layer.start", lang), Symbol("area", "#000000", fill_opacity=1.0)),
            ],
        )
    )
    return out
