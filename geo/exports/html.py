"""The meeting report as one standalone HTML file (Leaflet inlined; opens offline), for geo.exports.render.

No external URL is loaded: Leaflet's script and style are inlined from the installed XStatic
package (:func:`geo.data.webassets.inline_tags`), there is no tile layer (a plain background with the
main streets instead) and Leaflet's attribution prefix (a link to its website) is switched off.
Every text that comes from data is escaped: in the HTML with :func:`html.escape`, in the
embedded JSON by escaping ``<``, ``>`` and ``&``, and again in the browser before a tooltip.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

import geopandas as gpd
import numpy as np

from geo.core.i18n import category_label, fmt_date
from geo.core.projection import METRIC, WGS84, metric_to_lonlat, to_metric
from geo.data.webassets import inline_tags
from geo.exports.model import KeyFigure, Report
from geo.exports.notelist import arrow_head, map_notes, note_lines
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR, round_coords

POINT_COLOUR = "#D55E00"
WARN = "#B00000"


def _fc(gdf: gpd.GeoDataFrame | None, props: list[str]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``gdf`` (EPSG:4326, 6 decimals) with only ``props``."""
    if gdf is None or len(gdf) == 0:
        return {"type": "FeatureCollection", "features": []}
    g = gdf.to_crs(WGS84) if gdf.crs != WGS84 else gdf
    g = g.set_geometry(round_coords(g.geometry))
    keep = [c for c in props if c in g.columns]
    data = json.loads(g.loc[:, [*keep, "geometry"]].to_json(na="drop", drop_id=True))
    return dict(data)


def _cells_fc(report: Report) -> dict[str, Any]:
    cells = report.cells
    if cells is None:
        return {"type": "FeatureCollection", "features": []}
    fc = _fc(cells, ["level", "count", "suppressed", "label"])
    for f in fc["features"]:
        p = f["properties"]
        p["colour"] = SUPPRESSED_COLOUR if p["suppressed"] else LEVEL_COLOURS[int(p["level"]) - 1]
        if p["suppressed"]:
            p.pop("count", None)
    return fc


def _points_fc(report: Report) -> dict[str, Any]:
    """Internal points with their tooltip values in the report's language (babel date, translated category)."""
    fc = _fc(report.points, ["incident_id", "date", "category"])
    for f in fc["features"]:
        p = f["properties"]
        if "date" in p:
            p["date"] = fmt_date(dt.date.fromisoformat(p["date"]), report.lang)
        if "category" in p:
            p["category"] = category_label(p["category"], report.lang)
    return fc


AREA_SIMPLIFY_M = 40.0
"""The locator inset's outline is simplified to this many metres (it is drawn about 150 px wide)."""


def _area_rings(report: Report) -> list[list[list[float]]]:
    """The outer rings of the wider area (:attr:`Report.area`) as ``[[lon, lat], ...]`` lists, simplified."""
    if report.area is None or not len(report.area):
        return []
    simple = to_metric(report.area).geometry.simplify(AREA_SIMPLIFY_M).to_crs(WGS84)
    rings = []
    for geom in simple:
        for part in getattr(geom, "geoms", [geom]):
            if part.geom_type == "Polygon" and not part.is_empty:
                rings.append([[round(float(x), 5), round(float(y), 5)] for x, y in part.exterior.coords])
    return rings


def _figure_html(f: KeyFigure) -> str:
    """One key figure: its value large (the headline of a long one, the rest under it), then its label."""
    e = html.escape
    big = f.short or f.value
    detail = f'<div class="d">{e(f.detail)}</div>' if f.short and f.detail else ""
    return (
        f'<div class="fig" data-key="{e(f.key)}"><div class="v{" long" if len(big) > 6 else ""}">{e(big)}</div>'
        f'{detail}<div class="l">{e(f.label)}</div></div>'
    )


def _json_for_script(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _legend_html(report: Report) -> str:
    rows = []
    for kind, colour, label in report.legend:
        if kind in ("cell", "suppressed"):
            border = "1px dashed #777" if kind == "suppressed" else "1px solid #fff"
            sw = f'<span class="sw" style="background:{colour};border:{border}"></span>'
        elif kind == "point":
            sw = f'<span class="sw dot" style="background:{colour}"></span>'
        elif kind == "ring":
            sw = f'<span class="sw line" style="border-top:3px dashed {colour}"></span>'
        else:
            sw = f'<span class="sw line" style="border-top:3px solid {colour}"></span>'
        rows.append(f"<li>{sw}{html.escape(label)}</li>")
    return f'<h3>{html.escape(report.legend_title)}</h3><ul class="legend">{"".join(rows)}</ul>'


_CSS = """
html, body { margin: 0; padding: 0; background: #fff; color: #111;
  font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 20px; }
header { padding: 14px 28px 8px; }
h1 { font-size: 42px; margin: 0 0 6px; }
.meta { font-size: 22px; margin: 0; }
.meta.internal { color: #B00000; font-weight: bold; }
.synthetic { display: inline-block; margin-top: 8px; padding: 4px 12px; background: #B00000; color: #fff;
  font-weight: bold; font-size: 24px; text-transform: uppercase; }
main { display: flex; gap: 24px; padding: 0 28px; }
#map { flex: 0 0 58%; height: 72vh; min-height: 480px; background: #f2efe9; border: 1px solid #999; }
aside { flex: 1; min-width: 0; }
.figs { display: flex; gap: 18px; flex-wrap: wrap; }
.fig { flex: 1 1 30%; min-width: 160px; }
.fig .v { font-size: 48px; font-weight: bold; color: #0072B2; line-height: 1.1; }
.fig .v.long { font-size: 24px; overflow-wrap: normal; }
.fig .l { font-size: 18px; }
.fig .d { font-size: 16px; color: #0072B2; margin-bottom: 2px; }
h3 { font-size: 22px; margin: 18px 0 6px; }
ul.legend { list-style: none; padding: 0; margin: 0; }
ul.legend li { margin: 4px 0; display: flex; align-items: center; gap: 10px; }
.sw { display: inline-block; width: 28px; height: 18px; flex: none; }
.sw.dot { width: 16px; height: 16px; border-radius: 50%; }
.sw.line { height: 0; }
.summary { font-size: 21px; line-height: 1.4; }
ul.caveats { font-size: 17px; padding-left: 22px; margin: 0; }
footer { padding: 10px 28px 18px; font-size: 15px; color: #444; }
.north { background: #fff; padding: 4px 8px; border: 1px solid #999; font-weight: bold; font-size: 20px;
  text-align: center; line-height: 1.0; }
.locator { background: #fff; border: 1px solid #444; width: 150px; }
.locator svg { display: block; width: 150px; height: 150px; }
.locator-label { font-size: 13px; text-align: center; padding: 2px 4px 4px; line-height: 1.2; }
.cell-label { background: transparent; border: none; box-shadow: none; font-weight: bold; font-size: 15px; }
.cell-label::before { display: none; }
.focus-label { font-weight: bold; font-size: 16px; }
.note-marker { background: #1a1a1a; color: #fff; border: 2px solid #fff; border-radius: 50%; font-weight: bold;
  font-size: 14px; line-height: 22px; text-align: center; box-sizing: border-box; }
.note-label { font-size: 15px; white-space: normal; width: max-content; max-width: 260px; color: #1a1a1a;
  border: 1px solid #1a1a1a; box-shadow: 0 0 0 3px #fff; }
section.notes { padding: 6px 28px 0; font-size: 17px; }
section.notes ul { margin: 0; padding-left: 22px; }
.watermark { position: fixed; top: 40%; left: -10%; width: 120%; text-align: center; pointer-events: none;
  transform: rotate(-25deg); font-size: 90px; font-weight: bold; color: rgba(176, 0, 0, 0.15); z-index: 10000;
  text-transform: uppercase; }
@media print { #map { height: 560px; } }
body { overflow-wrap: break-word; }
table.trend { border-collapse: collapse; }
table.trend td { padding: 2px 10px 2px 0; }
@media (max-width: 640px) {
  html, body { font-size: 16px; }
  header { padding: 10px 12px 6px; }
  h1 { font-size: 24px; line-height: 1.2; }
  .meta { font-size: 15px; }
  .synthetic { font-size: 15px; }
  main { flex-direction: column; gap: 12px; padding: 0 12px; }
  #map { flex: none; width: 100%; height: 60vh; min-height: 300px; box-sizing: border-box; }
  .figs { gap: 12px; }
  .fig { flex: 1 1 100%; min-width: 0; }
  .fig .v { font-size: 34px; }
  .fig .v.long { font-size: 22px; }
  .fig .l { font-size: 15px; }
  h3 { font-size: 18px; margin: 14px 0 4px; }
  .summary { font-size: 16px; }
  ul.caveats { font-size: 14px; }
  footer { padding: 8px 12px 14px; font-size: 12px; }
  .north { font-size: 15px; }
  .locator, .locator svg { width: 96px; }
  .locator svg { height: 96px; }
  .locator-label { font-size: 11px; }
  .cell-label { font-size: 12px; }
  .focus-label { font-size: 13px; white-space: normal; width: max-content; max-width: 60vw; text-align: center; }
  .fig .d { font-size: 14px; }
  .watermark { font-size: 44px; }
}
"""

_JS = """
(function () {
  "use strict";
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  var D = JSON.parse(document.getElementById("report-data").textContent);
  var map = L.map("map", {maxZoom: 19, minZoom: 10, zoomSnap: 0.25, attributionControl: true});
  map.attributionControl.setPrefix(false);
  if (D.attribution) { map.attributionControl.addAttribution(esc(D.attribution)); }
  L.geoJSON(D.streets, {interactive: false, style: {color: "#9a9a9a", weight: 2}}).addTo(map);
  L.geoJSON(D.cells, {
    style: function (f) {
      var p = f.properties;
      return {fillColor: p.colour, fillOpacity: 0.85, color: p.suppressed ? "#666" : "#fff",
              weight: 1, dashArray: p.suppressed ? "4 3" : null};
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      if (p.suppressed) { layer.bindTooltip(esc(p.label)); }
      else { layer.bindTooltip(esc(p.label), {permanent: true, direction: "center", className: "cell-label"}); }
    }
  }).addTo(map);
  L.geoJSON(D.points, {
    pointToLayer: function (f, ll) {
      return L.circleMarker(ll, {radius: 6, color: "#fff", weight: 1, fillColor: D.point_colour, fillOpacity: 0.9});
    },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindTooltip(esc(p.date) + " \\u00b7 " + esc(p.category) + " \\u00b7 " + esc(p.incident_id));
    }
  }).addTo(map);
  L.geoJSON(D.ring, {interactive: false, style: {color: "#000", weight: 2, dashArray: "8 6", fill: false}}).addTo(map);
  var focus = L.geoJSON(D.focus, {
    style: {color: "#000", weight: 3, fill: false},
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 7, color: "#000", fillOpacity: 1}); }
  }).addTo(map);
  focus.bindTooltip(esc(D.focus_name), {permanent: true, direction: "center", className: "focus-label"});
  map.fitBounds(D.bounds);
  L.control.scale({metric: true, imperial: true, maxWidth: 220, position: "bottomright"}).addTo(map);
  var North = L.Control.extend({
    options: {position: "topright"},
    onAdd: function () {
      var div = L.DomUtil.create("div", "north");
      div.innerHTML = "&#9650;<br>" + esc(D.north);
      return div;
    }
  });
  new North().addTo(map);
  if (D.area && D.area.length) {
    // the locator inset: the wider area, and the map's frame on it (an SVG in a control: no second map)
    var lons = [], lats = [];
    D.area.forEach(function (ring) { ring.forEach(function (p) { lons.push(p[0]); lats.push(p[1]); }); });
    var b = [Math.min.apply(null, lons), Math.min.apply(null, lats),
             Math.max.apply(null, lons), Math.max.apply(null, lats)];
    var k = Math.cos((b[1] + b[3]) / 2 * Math.PI / 180);
    var w = (b[2] - b[0]) * k, h = b[3] - b[1], side = Math.max(w, h) * 1.12;
    var xy = function (lon, lat) {
      return [50 + ((lon - b[0]) * k - w / 2) / side * 100, 50 - ((lat - b[1]) - h / 2) / side * 100];
    };
    var Locator = L.Control.extend({
      // a phone's attribution line takes the bottom of the map: the inset goes under the zoom buttons there
      options: {position: window.matchMedia("(max-width: 640px)").matches ? "topleft" : "bottomleft"},
      onAdd: function () {
        var div = L.DomUtil.create("div", "locator");
        div.setAttribute("aria-hidden", "true");
        var paths = D.area.map(function (ring) {
          return "M" + ring.map(function (p) {
            var q = xy(p[0], p[1]);
            return q[0].toFixed(2) + " " + q[1].toFixed(2);
          }).join("L") + "Z";
        }).join("");
        div.innerHTML = '<svg viewBox="0 0 100 100"><path class="locator-area" d="' + paths +
          '" fill="#e9e6df" stroke="#6b6b6b" stroke-width="0.8"/><rect class="locator-frame" fill="none" ' +
          'stroke="#B00000" stroke-width="2"/></svg><div class="locator-label">' + esc(D.area_label) + "</div>";
        var rect = div.querySelector("rect");
        var frame = function () {
          var mb = map.getBounds(), p0 = xy(mb.getWest(), mb.getNorth()), p1 = xy(mb.getEast(), mb.getSouth());
          var rw = Math.max(p1[0] - p0[0], 4), rh = Math.max(p1[1] - p0[1], 4);
          rect.setAttribute("x", ((p0[0] + p1[0]) / 2 - rw / 2).toFixed(2));
          rect.setAttribute("y", ((p0[1] + p1[1]) / 2 - rh / 2).toFixed(2));
          rect.setAttribute("width", rw.toFixed(2));
          rect.setAttribute("height", rh.toFixed(2));
        };
        map.on("moveend", frame);
        frame();
        return div;
      }
    });
    new Locator().addTo(map);
  }
  (D.notes || []).forEach(function (n) {
    var side = "right";
    if (n.to) {
      L.polyline([n.at, n.to], {color: "#1a1a1a", weight: 3, interactive: false}).addTo(map);
      L.polyline(n.head, {color: "#1a1a1a", weight: 3, interactive: false}).addTo(map);
      side = n.to[1] > n.at[1] ? "left" : "right";
    }
    var icon = L.divIcon({className: "note-marker", html: esc(n.n), iconSize: [26, 26], iconAnchor: [13, 13]});
    L.marker(n.at, {icon: icon, keyboard: false, zIndexOffset: 1000}).bindTooltip(esc(n.text), {
      permanent: true, direction: side, offset: [side === "right" ? 14 : -14, 0], className: "note-label"
    }).addTo(map);
  });
  window.reportMap = map;
})();
"""


def _notes_data(report: Report) -> list[dict[str, Any]]:
    """The notes on the map, numbered: their words as written (escaped in the browser), their point and an
    arrow's target and head (``[lat, lon]`` degrees)."""
    inside, _ = map_notes(report)
    return [
        {"n": m.number, "text": m.note.text, "at": [m.note.lat, m.note.lon],
         "to": [m.note.to_lat, m.note.to_lon] if m.note.is_arrow else None,
         "head": arrow_head(m, report.extent_m)}
        for m in inside
    ]  # fmt: skip


def _notes_html(report: Report) -> str:
    """The notes outside the map's frame, listed under the map; empty when every note is on it."""
    lines = "".join(f"<li>{html.escape(line)}</li>" for line in note_lines(report))
    label = html.escape(report.text("notes.title"))
    return f'<section class="notes" aria-label="{label}"><ul>{lines}</ul></section>' if lines else ""


def _map_data(report: Report) -> dict[str, Any]:
    """What the map's script draws (EPSG:4326 degrees), embedded in the page as JSON."""
    x0, x1, y0, y1 = report.extent_m
    lon, lat = metric_to_lonlat(np.array([x0, x1]), np.array([y0, y1]), crs=METRIC)
    return {
        "cells": _cells_fc(report),
        "points": _points_fc(report),
        "focus": _fc(report.focus.loc[:, ["geometry"]], []),
        "ring": _fc(report.ring.loc[:, ["geometry"]], []),
        "streets": _fc(report.streets, []),
        "bounds": [
            [round(float(lat[0]), 6), round(float(lon[0]), 6)],
            [round(float(lat[1]), 6), round(float(lon[1]), 6)],
        ],
        "focus_name": report.focus_name,
        "attribution": report.attribution,
        "north": report.text("report.north"),
        "point_colour": POINT_COLOUR,
        "area": _area_rings(report),
        "area_label": report.text("report.inset_area"),
        "notes": _notes_data(report),
    }


def html_document(report: Report) -> str:
    """The report as a standalone HTML document (UTF-8 text)."""
    data = _map_data(report)
    e = html.escape
    privacy = report.text("report.privacy", mode=report.mode_label)
    meta_cls = "meta internal" if report.privacy == "internal" else "meta"
    banner = f'<div class="synthetic">{e(report.text("report.synthetic"))}</div>' if report.synthetic else ""
    figs = "".join(_figure_html(f) for f in report.figures)
    caveats = "".join(f"<li>{e(c)}</li>" for c in report.caveats)
    helps = "".join(f"<li>{e(c)}</li>" for c in report.services)
    services = f'<h3>{e(report.services_title)}</h3><ul class="caveats">{helps}</ul>' if helps else ""
    said = "".join(f"<li>{e(c)}</li>" for c in report.residents)
    residents = f'<h3>{e(report.text("survey.say.title"))}</h3><ul class="caveats">{said}</ul>' if said else ""
    if report.form_url:  # an https address (settings), linked and escaped
        invite = e(report.text("survey.say.invite_title"))
        residents += f'<p class="caveats"><a href="{e(report.form_url)}">{invite}</a>: {e(report.form_url)}</p>'
    tr = report.trend
    labelled = "label" in tr
    trend_rows = "".join(
        f"<tr><td>{e(str(period))}</td><td>{e(str(value)) if labelled else int(value)}</td></tr>"
        for period, value in zip(tr["period"], tr["label" if labelled else "count"], strict=True)
    )
    watermark = (
        f'<div class="watermark" aria-hidden="true">{e(report.text("report.watermark"))}</div>'
        if report.privacy == "internal"
        else ""
    )
    foot = "<br>".join(e(x) for x in (report.mode_note, report.attribution, report.made_text) if x)
    return f"""<!DOCTYPE html>
<html lang="{e(report.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="safetymap-privacy" content="{e(report.privacy)}">
<title>{e(report.title)}</title>
{inline_tags()}
<style>{_CSS}</style>
</head>
<body class="privacy-{e(report.privacy)}">
{watermark}
<header>
<h1>{e(report.title)}</h1>
<p class="{meta_cls}">{e(report.period_text)} &middot; {e(report.data_as_of_text)} &middot; {e(privacy)}</p>
{banner}
</header>
<main>
<div id="map" role="img" aria-label="{e(report.title)}"></div>
<aside>
<h3>{e(report.text("report.key_figures"))}</h3>
<div class="figs">{figs}</div>
{_legend_html(report)}
<h3>{e(report.text("report.summary_heading"))}</h3>
<p class="summary">{e(report.summary)}</p>
{residents}{services}<h3>{e(report.text("report.caveats_heading"))}</h3>
<ul class="caveats">{caveats}</ul>
<details><summary>{e(report.trend_heading())}</summary><table class="trend">{trend_rows}</table></details>
</aside>
</main>
{_notes_html(report)}
<footer>{foot}</footer>
<script type="application/json" id="report-data">{_json_for_script(data)}</script>
<script>{_JS}</script>
</body>
</html>
"""
