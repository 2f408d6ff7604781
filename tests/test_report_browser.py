"""The standalone HTML export draws in Chromium with every network request blocked (browser tier)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.exports.render import write_report
from tests.conftest import ARTIFACTS, COUNT_LAYERS
from tests.report_helpers import demo_report

pytestmark = pytest.mark.browser


def open_offline(browser, path: Path, *, width: int = 1600, height: int = 1000):
    context = browser.new_context(viewport={"width": width, "height": height})
    blocked: list[str] = []
    errors: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:")):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_function("window.reportMap !== undefined", timeout=30_000)
    return context, page, blocked, errors


@pytest.mark.parametrize(("lang", "privacy"), [("en", "public"), ("es", "public"), ("en", "internal")])
def test_html_export_draws_offline(browser, tmp_path, lang, privacy):
    report = demo_report(lang=lang, privacy=privacy)
    html_path = write_report(report, tmp_path / f"report_{lang}_{privacy}.html")
    context, page, blocked, errors = open_offline(browser, html_path)
    try:
        layers = page.evaluate(COUNT_LAYERS)
        assert errors == []
        assert blocked == [], f"the export asked the network for {blocked}"
        assert layers["tiles"] == 0
        assert layers["polygons"] >= 2  # the place outline and its ring, at least
        if privacy == "public":
            assert layers["polygons"] >= 2 + len(report.cells)
            assert layers["markers"] == 0
        else:
            assert layers["markers"] == len(report.points)
            assert page.locator(".watermark").is_visible()
        assert page.locator(".leaflet-control-scale").is_visible()
        assert page.locator(".north").is_visible()
        drawn = page.locator("#map path.leaflet-interactive").count()
        assert drawn >= 2
        assert report.title in page.locator("h1").inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report_html_{lang}_{privacy}.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("width", [1600, 390])
def test_the_offline_map_places_its_frame_in_south_la(browser, tmp_path, width):
    report = demo_report(lang="es", privacy="public")
    assert report.area is not None
    html_path = write_report(report, tmp_path / f"inset_{width}.html")
    context, page, _blocked, errors = open_offline(browser, html_path, width=width, height=900)
    try:
        locator = page.locator(".locator.leaflet-control")
        assert locator.is_visible()
        assert locator.locator(".locator-label").inner_text().replace("\n", " ") == report.text("report.inset_area")
        assert locator.locator("path.locator-area").get_attribute("d").startswith("M")
        box = {k: float(locator.locator("rect").get_attribute(k)) for k in ("x", "y", "width", "height")}
        # the frame lies inside the wider area's box
        assert min(box["x"], box["y"]) >= 0
        assert max(box["x"] + box["width"], box["y"] + box["height"]) <= 100
        page.evaluate("window.reportMap.setZoom(window.reportMap.getZoom() - 2, {animate: false})")
        page.wait_for_function(
            f"parseFloat(document.querySelector('.locator rect').getAttribute('width')) > {box['width'] * 1.5}"
        )  # zoomed out, the frame on the inset grows
        corner = "topleft" if width < 640 else "bottomleft"
        assert page.locator(f".leaflet-{corner.replace('left', '')}.leaflet-left .locator").count() == 1
        assert errors == []
    finally:
        context.close()
