"""Hotspot layers: Gi* classes, kernel-density contours, grid counts, and border rings.

Palettes are colour-blind safe (ColorBrewer RdBu / YlOrBr); hot and cold cells also differ by
outline (solid vs dashed), and every tooltip and legend row names the class in words.
"""

from __future__ import annotations

from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np

from geo.core.i18n import fmt_int, fmt_num, t
from layers._escape import esc
from layers._geojson import feature_collection
from layers.cells import shade_cells
from layers.style import Symbol

GI_COLOURS = {3: "#b2182b", 2: "#ef8a62", 1: "#fddbc7", -1: "#d1e5f0", -2: "#67a9cf", -3: "#2166ac"}
GI_CONFIDENCE = {3: 99, 2: 95, 1: 90, -1: 90, -2: 95, -3: 99}
COUNT_COLOURS = ("#fff7bc", "#fec44f", "#ec7014", "#993404")
KDE_COLOURS = ("#fee391", "#fe9929", "#cc4c02")
RING_COLOUR = "#000000"


def gi_label(cls: int, lang: str) -> str:
    """``Hot spot, 99% confidence`` / ``Zona caliente, 99 % de confianza``."""
    kind = "hot" if cls > 0 else "cold"
    return t(f"gi.{kind}", lang, confidence=GI_CONFIDENCE[cls])


def gi_symbol(cls: int) -> Symbol:
    """The symbol of one Gi* class."""
    return Symbol("area", GI_COLOURS[cls], fill_opacity=0.6, dash=None if cls > 0 else "4 3", weight=1)


NOTE = Symbol("area", "#ffffff", fill_opacity=0.0, weight=0)
LegendRows = list[tuple[str, Symbol]]


def share_text(share: float, lang: str) -> str:
    """A share of incidents as a whole percentage: ``70%`` / ``70 %``."""
    number = fmt_int(round(100 * share), lang)
    return f"{number} %" if lang == "es" else f"{number}%"


def gi_inference_text(lang: str, *, inference: str, permutations: int = 0, alpha: float) -> str:
    """``Gi*, permutation p (9,999 permutations), false discovery rate 0.05`` (or normal p)."""
    key = "gi.inference.permutation" if inference == "permutation" else "gi.inference.normal"
    return t(key, lang, permutations=fmt_int(permutations, lang), alpha=fmt_num(alpha, lang, digits=2))


def gi_layer(
    cells: gpd.GeoDataFrame,
    *,
    lang: str,
    show: bool = True,
    inference: str | None = None,
    permutations: int = 0,
    alpha: float,
    cold_possible: bool | None = None,
    resolution_limited: bool = False,
    study_area_guess: bool = False,
    n_cells: int = 0,
) -> tuple[folium.FeatureGroup, LegendRows]:
    """Significant Gi* cells (``gi_class`` != 0); returns the layer and its legend rows.

    With ``inference`` (from the result's ``attrs``) the first legend row names it; cold
    classes are listed only when present, and when ``cold_possible`` is False (or no cell of
    ``cells["cold_possible"]`` is True) a row says a cold spot is impossible with these counts.
    ``resolution_limited``, ``study_area_guess`` and ``n_cells`` (also from ``attrs``) add a
    row each when the permutations cannot show a lone cell at 99 % or the area is a guess.
    """
    group = folium.FeatureGroup(name=t("layer.gistar", lang), show=show)
    sig = cells[cells["gi_class"] != 0]
    rows: list[tuple[str, Symbol]] = []
    if inference is not None:
        text = gi_inference_text(lang, inference=inference, permutations=permutations, alpha=alpha)
        rows.append((t("legend.gi_title", lang, inference=text), NOTE))
    if cold_possible is None and "cold_possible" in cells.columns:
        cold_possible = bool(cells["cold_possible"].fillna(False).astype(bool).any())
    if cold_possible is False:
        rows.append((t("gi.no_cold", lang), NOTE))
    if resolution_limited:
        count = fmt_int(permutations, lang)
        rows.append((t("gi.resolution_limited", lang, permutations=count, cells=fmt_int(n_cells, lang)), NOTE))
    if study_area_guess:
        rows.append((t("gi.study_area_guess", lang), NOTE))
    if sig.empty:
        return group, rows
    frame = sig.copy()
    frame["what"] = [gi_label(int(c), lang) for c in frame["gi_class"]]
    frame["n"] = [fmt_int(int(c), lang) for c in frame["count"]]
    frame["z"] = [fmt_num(float(z), lang, digits=2) for z in frame["gi_z"]]
    data = feature_collection(frame, ["what", "n", "z", "gi_class"])
    folium.GeoJson(
        data,
        style_function=lambda f: _gi_style(int(f["properties"]["gi_class"])),
        tooltip=folium.GeoJsonTooltip(
            fields=["what", "n", "z"],
            aliases=[esc(t("field.class", lang)), esc(t("field.count", lang)), esc(t("field.z", lang))],
        ),
        control=False,
    ).add_to(group)
    for cls in (3, 2, 1, -1, -2, -3):
        if cls < 0 and cold_possible is False:
            continue
        if (frame["gi_class"] == cls).any():
            rows.append((gi_label(cls, lang), gi_symbol(cls)))
    return group, rows


def _gi_style(cls: int) -> dict[str, object]:
    sym = gi_symbol(cls)
    style: dict[str, object] = {"color": "#444", "weight": sym.weight, "fillColor": sym.colour, "fillOpacity": 0.6}
    if sym.dash:
        style["dashArray"] = sym.dash
    return style


def _breaks(values: np.ndarray, n: int) -> list[float]:
    qs = np.unique(np.quantile(values, np.linspace(0, 1, n + 1)[1:-1])) if len(values) else np.array([])
    return [float(q) for q in qs]


def count_layer(
    cells: gpd.GeoDataFrame, *, lang: str, name: str, show: bool = True
) -> tuple[folium.FeatureGroup, LegendRows]:
    """Incident counts per cell (quantile classes), exact: the internal view's (the public one draws
    :func:`layers.public.public_layer`)."""
    group = folium.FeatureGroup(name=name, show=show)
    rows: LegendRows = []
    cells = cells[cells["count"] > 0]
    if cells.empty:
        return group, rows
    counts = cells["count"].to_numpy()
    breaks = _breaks(counts, len(COUNT_COLOURS))
    klass = np.searchsorted(breaks, counts, side="left")
    labels = {c: fmt_int(c, lang) for c in map(int, np.unique(counts))}
    texts = [labels[int(c)] for c in counts]  # formatted once per distinct count: thousands of cells at 1M
    shade_cells(group, cells, klass, texts, fills=COUNT_COLOURS, alias=t("field.count", lang))
    edges = [int(counts.min()), *[int(np.floor(b)) for b in breaks], int(counts.max())]
    for i in range(len(breaks) + 1):
        lo, hi = edges[i] if i == 0 else edges[i] + 1, edges[i + 1]
        text = fmt_int(lo, lang) if lo >= hi else f"{fmt_int(lo, lang)}–{fmt_int(hi, lang)}"
        rows.append((f"{name}: {text}", Symbol("area", COUNT_COLOURS[i], fill_opacity=0.65, weight=1)))
    return group, rows


def kde_layer(  # type: ignore[no-untyped-def]
    contours: gpd.GeoDataFrame, *, lang: str, bandwidth_m: Sequence[float], show: bool = True, rule: str | None = None
):
    """Filled density contours, each labelled by the share of incidents inside it.

    With ``rule`` (the result's ``bandwidth_rule``) the first legend row states the units
    (incidents per km² per year) and the bandwidth rule.
    """
    h = fmt_int(float(np.mean(bandwidth_m)), lang)
    name = t("layer.kde", lang, h=h)
    group = folium.FeatureGroup(name=name, show=show)
    rows: LegendRows = []
    if rule is not None:
        rows.append((t("legend.kde_title", lang, units=t("kde.units", lang), h=h, rule=t(f"rule.{rule}", lang)), NOTE))
    if contours.empty:
        return group, rows
    frame = contours.sort_values("mass", ascending=False).reset_index(drop=True)
    shares = frame["share_incidents"] if "share_incidents" in frame.columns else frame["mass"]
    frame["share"] = [share_text(float(m), lang) for m in shares]
    frame["k"] = range(len(frame))
    data = feature_collection(frame, ["share", "k"])
    n = len(frame)
    folium.GeoJson(
        data,
        style_function=lambda f: {
            "color": KDE_COLOURS[min(int(f["properties"]["k"]), len(KDE_COLOURS) - 1)],
            "weight": 1,
            "fillColor": KDE_COLOURS[min(int(f["properties"]["k"]), len(KDE_COLOURS) - 1)],
            "fillOpacity": 0.35,
        },
        tooltip=folium.GeoJsonTooltip(fields=["share"], aliases=[esc(t("field.kde_share", lang))]),
        control=False,
    ).add_to(group)
    for i in range(n):
        sym = Symbol("area", KDE_COLOURS[min(i, len(KDE_COLOURS) - 1)], fill_opacity=0.35, weight=1)
        rows.append((t("legend.kde_share", lang, share=frame.loc[i, "share"]), sym))
    return group, rows


def rings_layer(rings: gpd.GeoDataFrame, *, lang: str, place: str, show: bool = True):  # type: ignore[no-untyped-def]
    """Border rings of the focus place (``from_m``/``to_m`` columns), outlined in black dashes."""
    group = folium.FeatureGroup(name=t("layer.rings", lang, place=place), show=show)
    if rings.empty:
        return group, []
    frame = rings.copy()
    frame["band"] = [
        t("ring.inside", lang) if np.isnan(a) else f"{fmt_int(a, lang)}–{fmt_int(b, lang)} m"
        for a, b in zip(frame["from_m"], frame["to_m"], strict=True)
    ]
    data = feature_collection(frame, ["band"])
    folium.GeoJson(
        data,
        style_function=lambda _f: {"color": RING_COLOUR, "weight": 1.5, "dashArray": "5 5", "fillOpacity": 0.0},
        tooltip=folium.GeoJsonTooltip(fields=["band"], aliases=[esc(t("field.ring", lang))]),
        control=False,
    ).add_to(group)
    sym = Symbol("area", RING_COLOUR, fill_opacity=0.0, dash="5 5", weight=1.5)
    return group, [(t("layer.rings", lang, place=place), sym)]
