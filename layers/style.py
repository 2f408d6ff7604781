"""Symbol styles shared by the layers and the legend, so both always agree.

Colour is never the only cue: each layer also differs by shape (dot, ring, line) or by
outline pattern (solid, dashed, dotted).
"""

from __future__ import annotations

from dataclasses import dataclass

from geo.core.settings import ColourSettings


@dataclass(frozen=True)
class Symbol:
    """How one layer is drawn; ``shape`` is ``dot``, ``ring``, ``area`` or ``line``."""

    shape: str
    colour: str
    fill_opacity: float = 0.0
    dash: str | None = None
    weight: float = 2.0
    radius: float = 5.0


def symbols(colours: ColourSettings) -> dict[str, Symbol]:
    """The symbol of every layer kind."""
    return {
        "homicide": Symbol("dot", colours.homicide, fill_opacity=0.85, weight=1.5, radius=6),
        "incident": Symbol("ring", colours.incident, fill_opacity=0.15, weight=1.5, radius=4),
        "park": Symbol("area", colours.park, fill_opacity=0.35, weight=2),
        "housing": Symbol("area", colours.housing, fill_opacity=0.3, dash="6 4", weight=2),
        "csp_site": Symbol("area", colours.csp_site, fill_opacity=0.0, dash="2 5", weight=3),
        "street": Symbol("line", colours.street, weight=2.5),
        "focus": Symbol("area", colours.focus, fill_opacity=0.0, weight=3),
    }


def path_style(sym: Symbol) -> dict[str, object]:
    """Leaflet path options for ``sym``."""
    style: dict[str, object] = {
        "color": sym.colour,
        "weight": sym.weight,
        "fillColor": sym.colour,
        "fillOpacity": sym.fill_opacity,
        "opacity": 0.95,
        "fill": sym.shape != "line",
    }
    if sym.dash:
        style["dashArray"] = sym.dash
    return style
