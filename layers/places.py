"""Parks, housing developments and CSP site outlines."""

from __future__ import annotations

import folium
import geopandas as gpd

from geo.core.disclosure import Disclosure
from geo.core.i18n import catalog, t
from layers._escape import esc
from layers._geojson import feature_collection
from layers.style import Symbol, path_style

FIELDS = ("name", "kind_label", "since", "note")
POINT_RADIUS_PX = 7


def places_layer(
    places: gpd.GeoDataFrame, *, name: str, symbol: Symbol, lang: str, show: bool = True
) -> folium.FeatureGroup:
    """One feature group of place outlines (EPSG:4326) with escaped tooltips."""
    group = folium.FeatureGroup(name=name, show=show)
    if places.empty:
        return group
    labels = catalog(lang)
    frame = places.copy()
    frame["kind_label"] = [labels.get(f"kind.{k}", k) for k in frame["kind"]]
    frame["since"] = frame["program_start"].fillna("") if "program_start" in frame.columns else ""
    approx = frame["approximate"].fillna(False).astype(bool) if "approximate" in frame.columns else [False] * len(frame)
    frame["note"] = [t("note.approximate", lang) if a else "" for a in approx]
    aliases = [t("field.name", lang), t("field.kind", lang), t("field.program_start", lang), t("field.note", lang)]
    data = feature_collection(frame, list(FIELDS))
    style = path_style(symbol)
    folium.GeoJson(
        data,
        # A place known only as a point is a circle in the place's style, not Leaflet's image marker.
        marker=folium.CircleMarker(radius=POINT_RADIUS_PX),
        style_function=lambda _f, s=style: s,
        highlight_function=lambda _f: {"weight": symbol.weight + 2},
        tooltip=folium.GeoJsonTooltip(fields=list(FIELDS), aliases=[esc(a) for a in aliases], sticky=True),
        control=False,
    ).add_to(group)
    return group


ZONE_SYMBOL = Symbol("area", "#444444", fill_opacity=0.0, dash="1 4", weight=1.5)


def zones_layer(
    zones: gpd.GeoDataFrame, *, name: str, lang: str, rule: Disclosure, show: bool = True
) -> folium.FeatureGroup:
    """Boundary polygons (``zone``, ``count`` columns, EPSG:4326) with the incidents in view in each.

    The covered zones are one group under the incidents in view, shown as ``rule`` says; a zone the data
    do not cover says "no data"."""
    group = folium.FeatureGroup(name=name, show=show)
    if zones.empty:
        return group
    covered = zones["count"].notna().to_numpy()
    texts = iter(rule.counts(zones.loc[covered, "count"].to_numpy(dtype=float)).texts(lang))
    shown = [next(texts) if ok else t("source.no_data", lang) for ok in covered]
    data = feature_collection(zones.assign(count=shown), ["zone", "count"])
    folium.GeoJson(
        data,
        style_function=lambda _f: path_style(ZONE_SYMBOL),
        tooltip=folium.GeoJsonTooltip(
            fields=["zone", "count"], aliases=[esc(t("field.zone", lang)), esc(t("field.count", lang))]
        ),
        control=False,
    ).add_to(group)
    return group
