"""Rate choropleth: zones classed by rate (mapclassify), small numbers drawn with a dashed outline.

Classes come from :mod:`mapclassify` (quantiles, Fisher-Jenks natural breaks or equal intervals)
over the zones that have a rate; colours are ColorBrewer YlOrBr (sequential, colour-blind safe).
Colour is never the only cue: a flagged zone (small population or count) has a dashed dark
outline and a zone without a rate (no residents, a withheld rate, or no data: outside the area the
incidents cover) is grey with a dotted outline, and the legend shows the class breaks in numbers and both
patterns. The tooltip names the population's vintage (``vintage_text``) beside the rate. Input is the table
of :func:`geo.analysis.rates.zone_rates` (EPSG:4326) with text columns prepared by the page (``count_text``,
``rate_text``...).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import folium
import geopandas as gpd
import mapclassify
import numpy as np

from geo.core.i18n import fmt_num, t
from layers._escape import esc
from layers._geojson import feature_collection
from layers.style import Symbol

RATE_COLOURS: tuple[str, ...] = ("#ffffd4", "#fee391", "#fec44f", "#fe9929", "#d95f0e", "#993404", "#662506")
"""ColorBrewer YlOrBr, light to dark (the first ``classes`` are used, spread over the ramp)."""
NO_RATE_COLOUR = "#bdbdbd"
FLAG_DASH = "6 4"
NO_RATE_DASH = "1 4"
OUTLINE = "#333333"
SCHEMES = {"quantiles": "Quantiles", "natural_breaks": "FisherJenks", "equal_interval": "EqualInterval"}
TOOLTIP_FIELDS = ("zone", "count_text", "population_text", "rate_text", "rate_eb_text", "reliability_text", "flag_text")
OPTIONAL_FIELDS = ("vintage_text",)
"""Tooltip fields drawn when the table has them: the population's vintage, beside every rate."""


def palette(k: int) -> list[str]:
    """``k`` colours spread over :data:`RATE_COLOURS` (2 <= k <= 7)."""
    if not 2 <= k <= len(RATE_COLOURS):
        msg = f"classes must be 2..{len(RATE_COLOURS)}, got {k}"
        raise ValueError(msg)
    idx = np.round(np.linspace(0, len(RATE_COLOURS) - 1, k)).astype(int)
    return [RATE_COLOURS[i] for i in idx]


def class_breaks(values: Sequence[float] | np.ndarray, *, scheme: str, k: int) -> list[float]:
    """Upper bounds of the classes of ``values`` (NaN ignored) by a mapclassify ``scheme``; the last is the maximum."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return []
    distinct = np.unique(v)
    if distinct.size <= k:
        return [float(x) for x in distinct]
    if scheme not in SCHEMES:
        msg = f"unknown classification scheme {scheme!r}; expected one of {list(SCHEMES)}"
        raise ValueError(msg)
    with warnings.catch_warnings():
        # Fisher-Jenks says so when numba is absent (same result); quantiles say so when ties merge classes
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        warnings.filterwarnings("ignore", message="Not enough unique values", category=UserWarning)
        classifier = getattr(mapclassify, SCHEMES[scheme])(v, k=k)
    return [float(b) for b in np.unique(classifier.bins)]


def classify(values: np.ndarray, breaks: Sequence[float]) -> np.ndarray:
    """Class number of each value (0 = lowest), -1 for NaN."""
    v = np.asarray(values, dtype=float)
    k = np.searchsorted(np.asarray(breaks, dtype=float), v, side="left")
    return np.where(np.isnan(v), -1, np.minimum(k, max(len(breaks) - 1, 0)))


def _style(klass: int, flagged: bool, colours: Sequence[str]) -> dict[str, object]:
    if klass < 0:
        return {"color": OUTLINE, "weight": 1.2, "dashArray": NO_RATE_DASH, "fillColor": NO_RATE_COLOUR,
                "fillOpacity": 0.55}  # fmt: skip
    style: dict[str, object] = {"color": OUTLINE, "weight": 0.8, "fillColor": colours[klass], "fillOpacity": 0.7}
    if flagged:
        style |= {"weight": 2.5, "dashArray": FLAG_DASH}
    return style


def rate_layer(
    table: gpd.GeoDataFrame,
    *,
    lang: str,
    name: str,
    breaks: Sequence[float],
    digits: int = 1,
    show: bool = True,
) -> tuple[folium.FeatureGroup, list[tuple[str, Symbol]]]:
    """The choropleth of ``table`` (``rate``, ``flag`` and the tooltip text columns) and its legend rows.

    Parameters
    ----------
    table
        EPSG:4326 zones with ``rate`` (NaN where there is none or it is withheld), ``flag`` (empty
        when fine) and the columns of :data:`TOOLTIP_FIELDS` as display text.
    breaks
        Class upper bounds (:func:`class_breaks`).
    """
    group = folium.FeatureGroup(name=name, show=show)
    rows: list[tuple[str, Symbol]] = []
    if table.empty:
        return group, rows
    colours = palette(max(len(breaks), 2))
    frame = table.copy()
    frame["k"] = classify(frame["rate"].to_numpy(dtype=float), breaks)
    frame["flagged"] = [bool(f) for f in frame["flag"].fillna("")]
    fields = [*TOOLTIP_FIELDS, *(f for f in OPTIONAL_FIELDS if f in frame.columns)]
    data = feature_collection(frame, [*fields, "k", "flagged"])
    aliases = [t(f"rates.field.{f.removesuffix('_text')}", lang) for f in fields]
    folium.GeoJson(
        data,
        style_function=lambda f: _style(int(f["properties"]["k"]), f["properties"]["flagged"] == "True", colours),
        highlight_function=lambda _f: {"weight": 3.5},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=[esc(a) for a in aliases], sticky=True),
        control=False,
    ).add_to(group)
    low = float(np.nanmin(frame["rate"])) if frame["rate"].notna().any() else 0.0
    for i, high in enumerate(breaks):
        start = low if i == 0 else breaks[i - 1]
        lo_text, hi_text = fmt_num(start, lang, digits=digits), fmt_num(high, lang, digits=digits)
        text = hi_text if lo_text == hi_text else f"{lo_text}–{hi_text}"
        rows.append((text, Symbol("area", colours[i], fill_opacity=0.7, weight=1)))
    if frame["flagged"].any():
        rows.append((t("rates.legend.flagged", lang), Symbol("area", OUTLINE, fill_opacity=0.0, dash=FLAG_DASH)))
    if (frame["k"] < 0).any():
        rows.append(
            (t("rates.legend.no_rate", lang), Symbol("area", NO_RATE_COLOUR, fill_opacity=0.55, dash=NO_RATE_DASH))
        )
    return group, rows
