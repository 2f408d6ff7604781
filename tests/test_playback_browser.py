"""The Map page's playback in the browser: the keyboard steps it, the play button runs it, a step is fast, and the
control fits a phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from geo.core.i18n import t
from tests.conftest import MAP_IFRAME, OfflinePage

if TYPE_CHECKING:
    from playwright.sync_api import Frame

pytestmark = pytest.mark.browser

STEPPED = "step=month&from=2024-01-01&to=2024-12-31"


def _frame(page: OfflinePage, url: str) -> Frame:
    page.page.goto(url)
    page.map_frame()
    frame = page.page.locator(MAP_IFRAME).element_handle(timeout=60_000).content_frame()
    assert frame is not None
    frame.wait_for_function("() => window.safetymapPlayback !== undefined", timeout=60_000)
    return frame


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_keyboard_steps_the_period_and_the_button_plays_it(app_server: str, offline_page: OfflinePage,
                                                               lang: str) -> None:  # fmt: skip
    frame = _frame(offline_page, f"{app_server}/?lang={lang}&{STEPPED}")
    assert frame.evaluate("window.safetymapPlayback.frames") == 12
    out = frame.locator(".playback output")
    assert out.inner_text() == ("January 2024" if lang == "en" else "enero 2024")
    slider = frame.locator(".playback input[type=range]")
    assert slider.get_attribute("aria-label") == t("playback.period", lang)
    slider.focus()
    slider.press("ArrowRight")
    slider.press("ArrowRight")
    assert out.inner_text() == ("March 2024" if lang == "en" else "marzo 2024")
    assert frame.evaluate("window.safetymapPlayback.at()") == 2
    button = frame.locator(".playback button")
    assert button.get_attribute("aria-label") == t("playback.play", lang)
    button.focus()
    button.press("Enter")  # plays from March on
    assert button.get_attribute("aria-label") == t("playback.pause", lang)
    frame.wait_for_function("() => window.safetymapPlayback.at() >= 3", timeout=5_000)
    button.press("Enter")
    assert button.get_attribute("aria-label") == t("playback.play", lang)
    assert not offline_page.errors


def test_a_step_is_drawn_well_within_a_third_of_a_second(app_server: str, offline_page: OfflinePage) -> None:
    frame = _frame(offline_page, f"{app_server}/?{STEPPED}&view=internal")
    timing = frame.evaluate(
        """() => { const p = window.safetymapPlayback, times = [];
                   for (let k = 0; k < p.frames; k++) {
                       const t0 = performance.now(); p.show(k); times.push(performance.now() - t0); }
                   return Math.max(...times); }"""
    )
    assert timing < 300, f"slowest step {timing:.0f} ms"
    legend = frame.locator(".safetymap-legend").inner_text()
    assert t("layer.homicides", "en") not in legend  # squares only while it steps: no layer of points
    assert t("playback.layer", "en", step=t("playback.step.month", "en")) in legend


def test_the_control_fits_a_phone(app_server: str, phone_page: OfflinePage) -> None:
    frame = _frame(phone_page, f"{app_server}/?lang=es&{STEPPED}")
    box = frame.locator(".playback").bounding_box()
    map_box = phone_page.page.locator(MAP_IFRAME).bounding_box()
    assert box is not None
    assert map_box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= map_box["width"] + 1
    button = frame.locator(".playback button").bounding_box()
    assert button is not None
    assert button["width"] >= 44
    assert button["height"] >= 44
