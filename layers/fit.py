"""Fitting a map to what it shows, clear of its legend and badge, again whenever its frame is resized."""

from __future__ import annotations

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

FIT_MARGIN_PX = 16
"""Room kept between the map's edge (or the legend and the badge) and the nearest feature, pixels."""

FIT_MAX_ZOOM = 17
"""The closest zoom a fit goes to (a short loop is not blown up to single buildings)."""


class FitToBounds(MacroElement):
    """Fit the map to ``bounds`` so nothing in them is cut at the edge or drawn under the legend or the badge.

    Added after the legend and the badge: the script measures them (their size follows the
    language and the width) and pads the fit by their boxes: the badge's height at the top; the
    legend's height at the bottom, or its width at the right where that costs less of the map.
    It fits again whenever the map's frame is resized, until the reader moves or zooms the map.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var bounds = {{ this.bounds|tojson }};
            var m = {{ this.margin }};
            function fit() {
                var c = map.getContainer(), box = c.getBoundingClientRect(), size = map.getSize();
                var tl = [m, m], br = [m, m];
                var badge = c.querySelector(".safetymap-banner");
                if (badge) { tl[1] = Math.max(m, badge.getBoundingClientRect().bottom - box.top + m); }
                var legend = c.querySelector(".safetymap-legend");
                if (legend) {
                    var l = legend.getBoundingClientRect();
                    var below = box.bottom - l.top + m, beside = box.right - l.left + m;
                    if (below / Math.max(size.y, 1) <= beside / Math.max(size.x, 1)) { br[1] = below; }
                    else { br[0] = beside; }
                }
                // between the margin and 40% of the map on a side (a control not yet laid out measures wrong)
                function clamp(v, n) { return Math.max(m, Math.min(v, 0.4 * n)); }
                tl = [clamp(tl[0], size.x), clamp(tl[1], size.y)];
                br = [clamp(br[0], size.x), clamp(br[1], size.y)];
                // no animation: a fit asked for while a zoom animates would be dropped by Leaflet
                map.fitBounds(bounds, {
                    paddingTopLeft: tl, paddingBottomRight: br, maxZoom: {{ this.max_zoom }}, animate: false
                });
            }
            // the controls are measured once Leaflet's style sheet has placed them (it may load after this script)
            var tries = 0;
            function fitWhenPlaced() {
                var corner = map.getContainer().querySelector(".leaflet-top");
                var placed = corner && window.getComputedStyle(corner).position === "absolute";
                fit();
                if (!placed && tries++ < 100) { window.setTimeout(fitWhenPlaced, 50); }
            }
            fitWhenPlaced();
            // the frame may be laid out or resized later: fit again, until the reader moves the map
            var moved = false;
            ["pointerdown", "wheel", "keydown", "touchstart"].forEach(function (name) {
                map.getContainer().addEventListener(name, function () { moved = true; }, {passive: true});
            });
            map.on("resize", function () { if (!moved) { fit(); } });
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self, bounds: list[list[float]], *, max_zoom: int = FIT_MAX_ZOOM, margin_px: int = FIT_MARGIN_PX
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "FitToBounds"
        self.bounds = bounds
        self.max_zoom = int(max_zoom)
        self.margin = int(margin_px)


def fit(m: folium.Map, frame: gpd.GeoDataFrame) -> None:
    """Frame ``m`` on ``frame`` (EPSG:4326) when it has anything to frame, clear of the legend and the badge and
    again when the map's frame is resized (a map drawn in a folded expander). Add it after the legend."""
    if len(frame):
        west, south, east, north = (float(v) for v in frame.total_bounds)
        FitToBounds([[south, west], [north, east]]).add_to(m)
