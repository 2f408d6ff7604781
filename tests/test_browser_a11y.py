"""Accessibility in the browser: axe-core on every page, a keyboard-only run, and phone layouts.

Every page is opened at desktop and phone width in both languages: it draws (its maps with places and streets,
the Present page's slide), raises nothing, asks nothing of the internet, throws no script error, and axe finds
no serious or critical violation.

axe-core comes from the ``axe-playwright-python`` package (it ships the script; nothing is fetched).
A serious or critical violation fails the test; the report of every run is written to tests/artifacts/.
"""

from __future__ import annotations

import json

import pytest

from geo.core.i18n import t
from tests.conftest import ARTIFACTS, MAP_IFRAME, OfflinePage

pytestmark = pytest.mark.browser

PAGES = ("/", "/trends", "/present", "/route", "/rates", "/community", "/data", "/methods", "/audit",
         "/?layers=services,conditions,parks&step=year", "/trends?factors=streetlight,dumping")  # fmt: skip
"""Every page, the Map page's services and conditions layers with its playback, the Trends page's risk factors."""
WIDTHS = {"desktop": (1400, 1000), "phone": (390, 844)}
BLOCKING = ("serious", "critical")


def _open(browser: object, url: str, width: str) -> OfflinePage:
    w, h = WIDTHS[width]
    page = OfflinePage(browser, w, h)
    page.page.goto(url)
    page.page.locator('[data-testid="stSidebarNav"]').wait_for(state="attached", timeout=60_000)
    page.settle()
    return page


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_or_critical_axe_violation(
    browser: object, app_server: str, path: str, lang: str, width: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    where, _, query = path.partition("?")
    page = _open(browser, f"{app_server}{where}?lang={lang}" + (f"&{query}" if query else ""), width)
    try:
        if path in ("/", "/route"):
            page.map_layers(polygons=1, lines=1)  # places and streets are drawn on both maps
        elif where in ("/", "/route", "/rates", "/community"):
            page.map_frame()
        if where == "/present":
            page.page.locator('[data-testid="stImage"] img').first.wait_for(timeout=60_000)
        page.settle()
        assert page.page.locator('[data-testid="stException"]').count() == 0, f"{path} raised"
        name = f"axe{where.replace('/', '-') or '-map'}{'-' + query.split('=')[0] if query else ''}-{lang}-{width}"
        page.shot(f"{name}.png")
        result = Axe().run(page.page)
        violations = result.response["violations"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{name}.json").write_text(json.dumps(violations, indent=1), encoding="utf-8")
        blocking = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations if v["impact"] in BLOCKING
        ]
        assert not blocking, blocking
        assert page.page.evaluate("document.documentElement.lang") == lang
        assert not page.blocked or all(u.startswith(("http://localhost", "http://127")) for u in page.blocked)
        assert not page.errors, page.errors
    finally:
        page.close()


def _tab_to(page: OfflinePage, js_test: str, *, limit: int = 120) -> None:
    """Press Tab until the focused element satisfies ``js_test`` (a JS expression over ``el``)."""
    for _ in range(limit):
        page.page.keyboard.press("Tab")
        if page.page.evaluate(f"(() => {{ const el = document.activeElement; return !!(el && ({js_test})); }})()"):
            return
    msg = f"no focusable element matched {js_test!r} within {limit} Tab presses"
    raise AssertionError(msg)


def test_keyboard_only_filter_language_and_handout(browser: object, app_server: str) -> None:
    page = _open(browser, f"{app_server}/present?lang=en", "desktop")
    try:
        # the language switch: a radio group, moved with the arrow keys
        _tab_to(page, "el.type === 'radio' && el.closest('[data-testid=stRadio]').innerText.includes('Idioma')")
        page.page.keyboard.press("ArrowRight")
        page.page.get_by_role("heading", name=t("pr.title", "es")).wait_for(timeout=60_000)
        page.settle()
        assert page.page.evaluate("document.documentElement.lang") == "es"
        # a filter: the filters are listed until asked for; the button draws them, then the period
        # picker is opened and changed with the keyboard only
        change = t("filters.change", "es")
        _tab_to(page, f"el.tagName === 'BUTTON' && el.innerText.includes({json.dumps(change)})")
        page.page.keyboard.press("Enter")
        label = t("filters.period", "es")
        page.page.locator(f"[aria-label*={json.dumps(label)}]").first.wait_for(timeout=60_000)
        page.settle()
        _tab_to(page, f"el.getAttribute('aria-label') && el.getAttribute('aria-label').includes({json.dumps(label)})")
        page.page.keyboard.press("ArrowDown")  # opens the list on the current choice
        page.page.locator("[role=option]").first.wait_for(timeout=30_000)
        page.page.keyboard.press("ArrowDown")
        page.page.keyboard.press("Enter")
        page.page.wait_for_function("() => location.search.includes('from=')", timeout=60_000)
        page.settle()
        # the handout: reached with Tab and downloaded with Enter
        _tab_to(page, f"el.tagName === 'BUTTON' && el.innerText.includes({json.dumps(t('pr.pdf', 'es'))})")
        page.shot("keyboard-only-before-download.png")
        with page.page.expect_download(timeout=120_000) as info:
            page.page.keyboard.press("Enter")
        download = info.value
        assert download.suggested_filename.endswith(".pdf")
        path = download.path()
        assert path is not None
        with open(path, "rb") as fh:
            assert fh.read(5) == b"%PDF-"
        page.shot("keyboard-only-es.png")
    finally:
        page.close()


def _box(frame: object, selector: str) -> dict[str, float]:
    box = frame.locator(selector).first.bounding_box()  # type: ignore[attr-defined]
    assert box is not None, f"{selector} is not drawn"
    return box


def _intersects(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_phone_legend_never_covers_the_badge_or_the_scale(browser: object, app_server: str, lang: str) -> None:
    page = _open(browser, f"{app_server}/?lang={lang}", "phone")
    try:
        frame = page.map_frame()
        legend, badge = _box(frame, ".safetymap-legend"), _box(frame, ".safetymap-banner")
        scale = _box(frame, ".leaflet-control-scale")
        assert not _intersects(legend, badge), (legend, badge)
        assert not _intersects(legend, scale), (legend, scale)
        # unfolded, it still keeps clear of the badge and the scale
        frame.locator(".safetymap-legend summary").click()  # type: ignore[attr-defined]
        page.page.wait_for_timeout(300)
        legend, badge = _box(frame, ".safetymap-legend"), _box(frame, ".safetymap-banner")
        scale = _box(frame, ".leaflet-control-scale")
        assert not _intersects(legend, badge), (legend, badge)
        assert not _intersects(legend, scale), (legend, scale)
        page.shot(f"phone-legend-open-{lang}.png")
        # the map starts within the first screen
        top = page.page.locator(MAP_IFRAME).bounding_box()
        assert top is not None
        assert top["y"] < WIDTHS["phone"][1] * 0.6, top
    finally:
        page.close()


def test_phone_route_stops_lie_inside_the_visible_map(browser: object, app_server: str) -> None:
    page = _open(browser, f"{app_server}/route?lang=es", "phone")
    try:
        frame = page.map_frame()
        frame.locator(".route-stop").first.wait_for(timeout=60_000)  # type: ignore[attr-defined]
        mapbox = _box(frame, ".leaflet-container")
        legend = _box(frame, ".safetymap-legend")
        stops = frame.locator(".route-stop")  # type: ignore[attr-defined]
        assert stops.count() > 0
        for i in range(stops.count()):
            b = stops.nth(i).bounding_box()
            assert b is not None
            inside = (
                b["x"] >= mapbox["x"]
                and b["y"] >= mapbox["y"]
                and b["x"] + b["width"] <= mapbox["x"] + mapbox["width"]
                and b["y"] + b["height"] <= mapbox["y"] + mapbox["height"]
            )
            assert inside, (i, b, mapbox)
            assert not _intersects(b, legend), (i, b, legend)
        page.shot("phone-route-stops-es.png")
    finally:
        page.close()


def test_keyboard_only_adds_a_stop_at_a_typed_intersection(browser: object, app_server: str) -> None:
    page = _open(browser, f"{app_server}/route?lang=en", "desktop")
    try:
        page.map_frame()
        label = t("rp.add_street", "en")
        _tab_to(
            page, f"el.tagName === 'INPUT' && (el.getAttribute('aria-label') || '') === {json.dumps(label)}", limit=200
        )
        page.page.keyboard.type("Western Ave & W 62nd St")
        page.page.keyboard.press("Enter")  # commits the text; the button is enabled on the rerun
        page.page.get_by_role("button", name=t("rp.add_street_button", "en")).wait_for(timeout=60_000)
        page.page.wait_for_function(
            "name => [...document.querySelectorAll('button')].some(b => b.innerText.includes(name) && !b.disabled)",
            arg=t("rp.add_street_button", "en"),
            timeout=60_000,
        )
        _tab_to(
            page, f"el.tagName === 'BUTTON' && el.innerText.includes({json.dumps(t('rp.add_street_button', 'en'))})"
        )
        page.page.keyboard.press("Enter")
        page.page.get_by_role("button", name=t("rp.clear_added", "en")).wait_for(timeout=60_000)
        page.shot("keyboard-only-intersection-stop.png")
    finally:
        page.close()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_phone_hour_by_weekday_table_shows_all_seven_days(browser: object, app_server: str, lang: str) -> None:
    page = _open(browser, f"{app_server}/trends?lang={lang}", "phone")
    try:
        table = page.page.locator('[data-testid="stTable"] table').first
        table.wait_for(timeout=60_000)
        heads = table.locator("thead th")
        assert heads.count() == 8  # the hour and seven days
        last = heads.nth(7).bounding_box()
        assert last is not None
        assert last["x"] + last["width"] <= WIDTHS["phone"][0], last
        page.shot(f"phone-hour-weekday-{lang}.png")
    finally:
        page.close()
