"""The Map page's playback: squares shaded by their count in one step of the period, stepped in the browser.

Every frame travels with the map once (:class:`geo.exports.playback.Playback`: each square's class and words
per step, already as the view may show them), so stepping and playing change colours in the page without a
round trip to the server. A control on the map (a play/pause button, a slider and the period in words) is
reached with the keyboard; the period it shows is announced to screen readers when it changes by hand.
The legend's classes are the same in every frame.
"""

from __future__ import annotations

import folium
import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from geo.core.i18n import t
from geo.exports.playback import Playback
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR
from layers._escape import esc
from layers.cells import corner_rows
from layers.style import Symbol

FRAME_MS = 1200
"""Time each frame stays on screen while playing."""


class PlaybackControl(MacroElement):
    """Squares drawn once, recoloured per frame, and the control that steps them."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .playback { background: #fff; padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,.35);
                    font: 14px/1.3 system-ui, sans-serif; display: flex; gap: 8px; align-items: center;
                    flex-wrap: wrap; max-width: min(440px, calc(100vw - 40px)); }
        .playback button { min-width: 44px; min-height: 44px; font-size: 18px; cursor: pointer; }
        .playback button:focus-visible, .playback input:focus-visible {
            outline: 3px solid #1d4ed8; outline-offset: 2px; }
        .playback input[type=range] { flex: 1 1 120px; min-width: 100px; min-height: 44px; }
        .playback output { font-weight: 600; min-width: 7em; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function() {
            var cells = {{ this.cells|tojson }}, frames = {{ this.frames|tojson }};
            var texts = {{ this.texts|tojson }}, periods = {{ this.periods|tojson }};
            var fills = {{ this.fills|tojson }}, words = {{ this.words|tojson }};
            var group = {{ this._parent.get_name() }}, map = {{ this._parent._parent.get_name() }};
            var shapes = [], hidden = {fillOpacity: 0, opacity: 0, interactive: false};
            for (var i = 0; i < cells.length; i++) {
                var ring = [];
                for (var j = 0; j < cells[i].length; j += 2) { ring.push([cells[i][j], cells[i][j + 1]]); }
                var shape = L.polygon(ring, Object.assign({color: "#7a5a00", weight: 0.5}, hidden));
                shape.bindTooltip("", {sticky: true});
                shapes.push(shape.addTo(group));
            }
            var at = 0, timer = null, box = null, slider = null, out = null, button = null;
            function show(k) {
                at = k;
                for (var i = 0; i < shapes.length; i++) { shapes[i].setStyle(hidden); }
                var rows = frames[k];
                for (var r = 0; r < rows.length; r++) {
                    var c = rows[r], s = shapes[c[0]];
                    s.setStyle({fillColor: fills[c[1]], fillOpacity: 0.7, opacity: 1, interactive: true});
                    s.setTooltipContent(words.alias + ": " + texts[c[2]] + " (" + periods[k] + ")");
                }
                if (slider) { slider.value = k; slider.setAttribute("aria-valuetext", periods[k]); }
                if (out) { out.textContent = periods[k]; }
                if (box) { box.setAttribute("data-frame", String(k)); }
            }
            function stop() {
                if (timer) { clearInterval(timer); timer = null; }
                if (button) { button.textContent = "\u25b6"; button.setAttribute("aria-label", words.play); }
                if (out) { out.setAttribute("aria-live", "polite"); }
            }
            function play() {
                if (at >= frames.length - 1) { show(0); }
                out.setAttribute("aria-live", "off");
                button.textContent = "\u23f8"; button.setAttribute("aria-label", words.pause);
                timer = setInterval(function() { if (at >= frames.length - 1) { stop(); } else { show(at + 1); } },
                                    {{ this.frame_ms }});
            }
            var control = L.control({position: "bottomleft"});
            control.onAdd = function() {
                box = L.DomUtil.create("div", "playback");
                box.setAttribute("role", "group");
                box.setAttribute("aria-label", words.title);
                button = L.DomUtil.create("button", "playback-play", box);
                button.type = "button";
                slider = L.DomUtil.create("input", "playback-step", box);
                slider.type = "range"; slider.min = 0; slider.max = frames.length - 1; slider.step = 1;
                slider.setAttribute("aria-label", words.period);
                out = L.DomUtil.create("output", "playback-period", box);
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                button.addEventListener("click", function() { if (timer) { stop(); } else { play(); } });
                slider.addEventListener("input", function() { stop(); show(parseInt(slider.value, 10)); });
                return box;
            };
            control.addTo(map);
            stop();
            show(0);
            window.safetymapPlayback = {show: show, frames: frames.length, at: function() { return at; }};
        })();
        {% endmacro %}
        """
    )

    def __init__(self, playback: Playback, *, lang: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "PlaybackControl"
        texts = playback.texts(lang)
        distinct = sorted({str(v) for v in texts.ravel() if v})
        index = {text: i for i, text in enumerate(distinct)}
        self.cells = corner_rows(playback.cells.geometry.to_numpy())
        levels = playback.levels
        self.frames = [
            [[int(i), int(levels[i, k]), index[str(texts[i, k])]] for i in np.flatnonzero(levels[:, k] >= 0)]
            for k in range(len(playback.frames))
        ]
        self.texts = [esc(text) for text in distinct]
        self.periods = [esc(label) for label in playback.labels(lang)]
        self.fills = [SUPPRESSED_COLOUR, *LEVEL_COLOURS]
        self.words = {key: esc(t(f"playback.{key}", lang)) for key in ("title", "play", "pause", "period")} | {
            "alias": esc(t("field.count", lang))
        }
        self.frame_ms = FRAME_MS


def playback_layer(playback: Playback, *, lang: str, name: str) -> tuple[folium.FeatureGroup, list[tuple[str, Symbol]]]:
    """The playback as a map layer and its legend rows (the classes of every frame, then the hidden squares)."""
    group = folium.FeatureGroup(name=name, show=True)
    PlaybackControl(playback, lang=lang).add_to(group)
    colours = (SUPPRESSED_COLOUR, *LEVEL_COLOURS)
    rows = [
        (f"{name}: {label}", Symbol("area", colours[i + 1], fill_opacity=0.7, weight=1))
        for i, label in enumerate(playback.class_labels)
    ]
    if (playback.levels == 0).any():
        rows.append((t("playback.hidden", lang), Symbol("area", SUPPRESSED_COLOUR, fill_opacity=0.7, weight=1)))
    return group, rows
