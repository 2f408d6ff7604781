"""A legend control: one row per visible layer, symbol drawn like the layer (shape and pattern)."""

from __future__ import annotations

from collections.abc import Sequence

import folium
from branca.element import MacroElement
from jinja2 import Template

from layers._escape import esc
from layers.style import Symbol


def _swatch(sym: Symbol) -> str:
    dash = f' stroke-dasharray="{esc(sym.dash)}"' if sym.dash else ""
    c = esc(sym.colour)
    if sym.shape == "dot":
        body = (
            f'<circle cx="10" cy="8" r="5.5" fill="{c}" fill-opacity="{sym.fill_opacity}" '
            'stroke="#222" stroke-width="1"/>'
        )
    elif sym.shape == "ring":
        body = (
            f'<circle cx="10" cy="8" r="4.5" fill="{c}" fill-opacity="{sym.fill_opacity}" '
            f'stroke="{c}" stroke-width="1.5"/>'
        )
    elif sym.shape == "line":
        body = f'<line x1="1" y1="8" x2="19" y2="8" stroke="{c}" stroke-width="{sym.weight}"/>'
    else:
        body = (
            f'<rect x="2" y="2" width="16" height="12" fill="{c}" fill-opacity="{sym.fill_opacity}" '
            f'stroke="{c}" stroke-width="{min(sym.weight, 2.5)}"{dash}/>'
        )
    return f'<svg width="20" height="16" aria-hidden="true">{body}</svg>'


NARROW_MAP_PX = 560
"""Maps narrower than this (phones) start with the legend folded, so it covers nothing until opened."""


class Legend(MacroElement):
    """A Leaflet control listing ``(label, symbol)`` rows under a title, plus an optional note.

    The legend is a ``<details>`` element: its title folds and unfolds it (by mouse, touch or keyboard),
    and it starts folded on maps narrower than :data:`NARROW_MAP_PX`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: "{{ this.position }}"});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "safetymap-legend");
                div.innerHTML = {{ this.html|tojson }};
                var box = div.querySelector("details");
                if (box && map.getSize().x < {{ this.narrow_px }}) { box.open = false; }
                // never taller than half the map, so it stays clear of the badge at the top
                div.style.maxHeight = Math.max(80, Math.round(map.getSize().y / 2 - 40)) + "px";
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        title: str,
        rows: Sequence[tuple[str, Symbol]],
        *,
        note: str | None = None,
        position: str = "bottomright",
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Legend"
        self.position = position
        self.narrow_px = NARROW_MAP_PX
        items = "".join(f'<div class="row">{_swatch(sym)}<span>{esc(label)}</span></div>' for label, sym in rows)
        foot = f'<div class="note">{esc(note)}</div>' if note else ""
        self.html = f'<details open><summary class="title">{esc(title)}</summary>{items}{foot}</details>'


LEGEND_CSS = (
    "<style>.safetymap-legend{background:rgba(255,255,255,0.92);padding:6px 9px;border-radius:4px;"
    "box-shadow:0 1px 4px rgba(0,0,0,0.35);font:13px/1.35 system-ui,sans-serif;color:#222;max-width:260px;"
    "overflow-y:auto}"
    "@media (max-width:560px){.safetymap-legend{max-width:55vw}}"
    ".safetymap-legend .title{font-weight:600;cursor:pointer}"
    ".safetymap-legend details[open] .title{margin-bottom:3px}"
    ".safetymap-legend .row{display:flex;align-items:center;gap:6px;margin:2px 0}"
    ".safetymap-legend .note{font-size:11px;color:#555;margin-top:3px}"
    ".safetymap-banner{background:#fff3cd;color:#5c4400;border:1px solid #e0c36c;padding:4px 10px;"
    "border-radius:4px;font:600 13px system-ui,sans-serif;max-width:calc(100vw - 80px)}</style>"
)


class Banner(MacroElement):
    """A text banner on the map itself (for screenshots), e.g. the synthetic-data notice."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var banner = L.control({position: "{{ this.position }}"});
            banner.onAdd = function () {
                var div = L.DomUtil.create("div", "safetymap-banner");
                div.textContent = {{ this.text|tojson }};
                return div;
            };
            banner.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, text: str, *, position: str = "topleft") -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Banner"
        self.text = text
        self.position = position


def add_css(m: folium.Map, css: str, name: str) -> None:
    """Add a ``<style>`` block to the map's page header once."""
    from branca.element import Element, Figure

    root = m.get_root()
    assert isinstance(root, Figure)
    root.header.add_child(Element(css), name=name)
