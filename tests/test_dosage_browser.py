"""Browser tier: the dosage layer on the Patrol page after a GPX upload, offline, with a screenshot."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.conftest import CLICK_MAP, STATIC_MAP
from tests.dosage_helpers import Walker, metric, to_gpx

pytestmark = pytest.mark.browser

STOPS_JS = """() => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    const out = [];
    m.eachLayer(l => {
        const html = l.options && l.options.icon && l.options.icon.options.html;
        if (html && html.includes('route-stop')) {
            out.push([parseInt(html.replace(/<[^>]+>/g, ''), 10), l.getLatLng().lat, l.getLatLng().lng]);
        }
    });
    return out.sort((a, b) => a[0] - b[0]);
}"""
CIRCLES_JS = """() => {
    const m = Object.values(window).find(v => v instanceof L.Map);
    const c = {circles: 0, none: 0, met: 0, short: 0, labels: document.querySelectorAll('.dosage-label').length};
    m.eachLayer(l => {
        if (l instanceof L.Circle) {
            c.circles++;
            for (const k of ['none', 'met', 'short']) if ((l.options.className || '').includes('dosage-' + k)) c[k]++;
        }
    });
    return c;
}"""


def _frames(page: object, marker: str) -> object:
    for fr in page.frames:  # type: ignore[attr-defined]
        if fr != page.main_frame and fr.locator(marker).count():  # type: ignore[attr-defined]
            return fr
    return None


def test_dosage_layer_after_an_upload(app_server: str, offline_page, tmp_path: Path) -> None:
    page = offline_page.page
    page.goto(f"{app_server}/route?lang=es&from=2015-01-01&to=2017-12-31")
    page.wait_for_function(f"() => document.querySelectorAll({json.dumps(CLICK_MAP)}).length >= 1", timeout=90_000)
    page.frame_locator(CLICK_MAP).first.locator(".route-stop").first.wait_for(timeout=90_000)
    offline_page.settle()
    route_frame = _frames(page, ".route-stop")
    stops = route_frame.evaluate(STOPS_JS)
    assert len(stops) >= 2, stops

    # a walk: 15 minutes at stop 1, 5 at stop 2, the others not reached
    (_, lat1, lon1), (_, lat2, lon2) = stops[0], stops[1]
    x1, y1 = metric(lon1, lat1)
    w = Walker(x1 - 300, y1, dt.datetime(2025, 5, 6, 17, 0, tzinfo=dt.UTC), jitter_m=5.0, seed=9)
    w.walk_to(x1, y1)
    w.stay(15)
    w.walk_to(*metric(lon2, lat2))
    w.stay(5)
    path = tmp_path / "walk.gpx"
    path.write_text(to_gpx(w.points), encoding="utf-8")
    page.locator('input[type="file"]').set_input_files(str(path))

    page.wait_for_function(f"() => document.querySelectorAll({json.dumps(STATIC_MAP)}).length >= 1", timeout=90_000)
    page.frame_locator(STATIC_MAP).first.locator(".dosage-label").first.wait_for(timeout=90_000)
    offline_page.settle()
    frame = _frames(page, ".dosage-label")
    counts = frame.evaluate(CIRCLES_JS)
    assert counts["circles"] == len(stops), counts
    assert counts["labels"] == len(stops), counts
    assert counts["none"] == len(stops) - 2, counts
    assert counts["met"] + counts["short"] == 2, counts
    legend = frame.locator(".safetymap-legend").inner_text()
    assert "sin visita" in legend
    assert not offline_page.blocked or all(not u.startswith("http://127.0.0.1") for u in offline_page.blocked)
    page.locator(STATIC_MAP).first.scroll_into_view_if_needed()
    shot = offline_page.shot("dosage_layer_es.png")
    page.locator(STATIC_MAP).first.screenshot(path=str(shot.with_name("dosage_map_es.png")))
    assert shot.stat().st_size > 20_000
    assert shot.with_name("dosage_map_es.png").stat().st_size > 10_000
    assert not offline_page.errors, offline_page.errors
