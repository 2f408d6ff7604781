"""At 390 px (a phone): the offline HTML map and the Route page's stop table show everything, nothing cut.

Checked in the DOM: no element of the export's text leaves the screen or overflows its own box, the page
does not scroll sideways, the map takes the screen's width; on the Route page, every column of the stop
table (the "Where"/"Dónde" column too) lies on the screen.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from geo.core.i18n import t
from geo.exports.render import write_report
from tests.conftest import ARTIFACTS, OfflinePage
from tests.report_helpers import demo_report

pytestmark = pytest.mark.browser

PHONE = (390, 844)
LONG_NAME = "Unnamed site - Santa Clarita Watershed Recreation and Conservation Authority"
"""The longest park name in the CPAD file (76 characters)."""

# Every text element of ``selector`` that leaves the screen, overflows its box, or is squeezed narrower than
# ``least`` px; and whether the page scrolls sideways.
CUT = """([selector, least]) => {
    const W = document.documentElement.clientWidth;
    const out = [];
    const wide = document.documentElement.scrollWidth;
    if (wide > W + 1) out.push(`the page scrolls sideways: ${wide} > ${W}`);
    for (const el of document.querySelectorAll(selector)) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue;
        const name = el.tagName.toLowerCase() + (el.className ? "." + String(el.className).replace(/ /g, ".") : "");
        const text = (el.innerText || "").slice(0, 40);
        if (r.left < -0.5 || r.right > W + 0.5) out.push(`${name} "${text}" leaves the screen (${r.left}..${r.right})`);
        if (el.scrollWidth > el.clientWidth + 1) out.push(`${name} "${text}" overflows its box (${el.scrollWidth})`);
        if (least && r.width < least && text.trim()) out.push(`${name} "${text}" is squeezed to ${r.width} px`);
    }
    return out;
}"""
EXPORT_TEXT = (
    "h1, p.meta, .synthetic, .fig, .fig .v, .fig .l, ul.legend li, aside h3, p.summary, ul.caveats li, footer, "
    ".leaflet-control-attribution, .leaflet-control-scale, .north"
)


def _open_export(browser: object, path: Path) -> tuple[object, object, list[str]]:
    context = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})  # type: ignore[attr-defined]
    blocked: list[str] = []

    def route(r: object) -> None:
        url = r.request.url  # type: ignore[attr-defined]
        if url.startswith(("file://", "data:")):
            r.continue_()  # type: ignore[attr-defined]
        else:
            blocked.append(url)
            r.abort()  # type: ignore[attr-defined]

    context.route("**/*", route)
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function("window.reportMap !== undefined", timeout=30_000)
    return context, page, blocked


def _long_named(lang: str) -> object:
    report = demo_report(lang=lang)
    swap = report.focus_name
    return dataclasses.replace(
        report,
        title=report.title.replace(swap, LONG_NAME),
        focus_name=LONG_NAME,
        figures=tuple(dataclasses.replace(f, label=f.label.replace(swap, LONG_NAME)) for f in report.figures),
        legend=tuple((k, c, label.replace(swap, LONG_NAME)) for k, c, label in report.legend),
    )


@pytest.mark.parametrize("long_name", [False, True], ids=["demo", "longest-name"])
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_offline_map_shows_everything_at_390_px(
    browser: object, tmp_path: Path, lang: str, long_name: bool
) -> None:
    report = _long_named(lang) if long_name else demo_report(lang=lang)
    path = write_report(report, tmp_path / f"phone_{lang}.html")  # type: ignore[arg-type]
    context, page, blocked = _open_export(browser, path)
    try:
        assert blocked == []
        problems = page.evaluate(CUT, [EXPORT_TEXT, 0])  # type: ignore[attr-defined]
        problems += page.evaluate(CUT, [".fig", 300])  # type: ignore[attr-defined]
        assert problems == [], problems
        box = page.locator("#map").bounding_box()  # type: ignore[attr-defined]
        assert box is not None
        assert box["width"] >= PHONE[0] - 40  # the map takes the width, not a squeezed column beside the text
        assert box["height"] >= 300
        figures = page.locator(".fig .v")  # type: ignore[attr-defined]
        assert figures.count() == 3
        for i in range(3):
            assert figures.nth(i).is_visible()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-export-{lang}{'-long' if long_name else ''}.png"), full_page=True)  # type: ignore[attr-defined]
    finally:
        context.close()  # type: ignore[attr-defined]


def test_the_check_finds_text_cut_at_390_px(browser: object, tmp_path: Path) -> None:
    """The check above fails on the layout it was written against: a key figure squeezed beside the map."""
    page_html = tmp_path / "squeezed.html"
    page_html.write_text(  # the export's layout before it had a phone layout: the text beside a 58% map
        '<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"><style>'
        "main { display: flex; gap: 24px; padding: 0 28px; } #map { flex: 0 0 58%; height: 300px; }"
        "aside { flex: 1; min-width: 0; } .figs { display: flex; flex-wrap: wrap; } .fig { flex: 1 1 30%; "
        "min-width: 150px; } .fig .v { font-size: 48px; font-weight: bold; }</style></head><body><main>"
        '<div id="map"></div><aside><div class="figs"><div class="fig"><div class="v">sin datos anteriores</div>'
        "</div></div></aside></main><script>window.reportMap = 1;</script></body></html>",
        encoding="utf-8",
    )
    context, page, _ = _open_export(browser, page_html)
    try:
        problems = page.evaluate(CUT, [".fig, .fig .v", 0])  # type: ignore[attr-defined]
        assert any("leaves the screen" in p or "overflows" in p for p in problems), problems
    finally:
        context.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_route_stop_table_keeps_every_column_at_390_px(browser: object, app_server: str, lang: str) -> None:
    page = OfflinePage(browser, *PHONE)
    try:
        page.page.goto(f"{app_server}/route?lang={lang}")
        page.page.locator('[data-testid="stSidebarNav"]').wait_for(state="attached", timeout=60_000)
        page.settle()
        table = page.page.locator(".st-key-route_stops_phone table")
        table.wait_for(timeout=60_000)
        assert table.is_visible()
        assert not page.page.locator(".st-key-route_stops_wide").is_visible()  # the data grid, cut on a phone
        headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        assert t("route.col_where", lang) in headers
        assert t("route.col_weight", lang) in headers
        problems = page.page.evaluate(CUT, [".st-key-route_stops_phone th, .st-key-route_stops_phone td", 0])
        assert problems == [], problems
        region = page.page.locator(".st-key-route_stops_phone .safetymap-table")
        sideways = region.evaluate("el => el.scrollWidth - el.clientWidth")
        assert sideways <= 1, f"the stop table scrolls sideways by {sideways} px"
        assert table.locator("tbody tr").count() >= 1
        table.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.page.locator(".st-key-route_stops_phone").screenshot(path=str(ARTIFACTS / f"phone-route-stops-{lang}.png"))
    finally:
        page.close()


def test_the_route_stop_table_is_the_data_grid_on_a_wide_screen(browser: object, app_server: str) -> None:
    page = OfflinePage(browser, 1400, 1000)
    try:
        page.page.goto(f"{app_server}/route?lang=en")
        page.page.locator('[data-testid="stSidebarNav"]').wait_for(state="attached", timeout=60_000)
        page.settle()
        page.page.locator(".st-key-route_stops_wide [data-testid='stDataFrame']").wait_for(timeout=60_000)
        assert page.page.locator(".st-key-route_stops_wide [data-testid='stDataFrame']").is_visible()
        assert not page.page.locator(".st-key-route_stops_phone table").is_visible()  # one table at a time
    finally:
        page.close()
