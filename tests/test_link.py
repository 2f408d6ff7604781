"""The link round trip (ui/link.py): every piece of state on every page, read from the link and written back.

Opened with no link, a page writes only what it must (the language); a link opened in a fresh session comes
back unchanged; each widget changed shows in the link, and that link opened in a new session reproduces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from geo.core.filters import QUERY_KEYS
from geo.core.settings import get_settings
from tests.page_helpers import open_page, with_controls
from ui import link
from ui.rates import population_choices, zone_choices

pytestmark = pytest.mark.usefixtures("fresh_settings")


def _link(at: AppTest) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in at.query_params.items():
        out[key] = str(value[-1] if isinstance(value, list) else value)
    return out


def _bound(page: str) -> list[str]:
    return [s.key for s in link.STATE.values() if page in s.pages and s.owner == "ui.link"]


def _other(values: list[Any], current: Any) -> Any:
    return next(v for v in values if v != current)


def _route_stop(at: AppTest, current: Any) -> list[str]:
    return [at.session_state["r_plan"]["stops"][0]["stop_id"]]


CHANGE: dict[str, Callable[[AppTest, Any], Any]] = {
    "view": lambda at, v: _other(["public", "internal"], v),
    "layers": lambda at, v: ["homicides", "gistar"],
    "step": lambda at, v: _other(["", "year"], v),
    "freq": lambda at, v: _other(["month", "year"], v),
    "compare": lambda at, v: [_other(list(at.multiselect(key="t_cmp").options), v[0] if v else None)],
    "rank": lambda at, v: _other(["park", "housing"], v),
    "controls": lambda at, v: list(at.multiselect(key="e_ctrl").options)[-1:],
    "since": lambda at, v: v - dt.timedelta(days=31),
    "buffer": lambda at, v: v + 50,
    "factors": lambda at, v: ["streetlight"],
    "pa": lambda at, v: (v[0] - dt.timedelta(days=31), v[1] - dt.timedelta(days=31)),
    "pb": lambda at, v: (v[0] - dt.timedelta(days=365), v[1] - dt.timedelta(days=365)),
    "zones": lambda at, v: _other(list(zone_choices(get_settings())), v),
    "pop": lambda at, v: next((p for p in population_choices(get_settings()) if p != v), None),
    "per": lambda at, v: _other(list(get_settings().rates.per_choices), v),
    "pool": lambda at, v: not v,
    "suppress": lambda at, v: not v,
    "areas": lambda at, v: _other(["places", "rings"], v),
    "wave": lambda at, v: _other(["2024-Q3", "2024-Q4"], v),
    "score": lambda at, v: "trust_officers" if v != "trust_officers" else "safe_day",
    "start": lambda at, v: _other(list(at.selectbox(key="r_place").options), v),
    "budget": lambda at, v: v + 30,
    "dwell": lambda at, v: v + 1,
    "stops": lambda at, v: v - 1,
    "speed": lambda at, v: round(v + 0.2, 1),
    "hotspots": lambda at, v: "grid" if v != "grid" else "gistar",
    "leave": lambda at, v: dt.time(20, 30),
    "add": lambda at, v: [(33.98912, -118.2951)],
    "skip": _route_stop,
    "network": lambda at, v: None,  # the demo offers one network offline: tests/test_route_network_page.py
}
"""For each state a page binds, a value other than the one shown (a choice the page offers)."""

CASES = [(page, key) for page in link.EVERY_PAGE for key in _bound(page)]


def test_every_bound_state_has_a_change_and_every_filter_key_a_widget() -> None:
    assert {key for _, key in CASES} == set(CHANGE)
    assert set(link.FILTER_KEYS) == set(QUERY_KEYS)  # one list of filter keys, shared with geo.core.filters
    keys = [s.key for s in link.STATE.values()]
    assert len(keys) == len(set(keys))
    for page in link.EVERY_PAGE:  # no state bound on a page shares its widget with another state
        bound = [link.STATE[k].widget_key(page) for k in _bound(page)]
        composite = {w for s in link.STATE.values() if s.owner != "ui.link" for w in (s.widget, *s.also)}
        assert len(bound) == len(set(bound)), (page, bound)
        assert not set(bound) & composite, (page, bound)


@pytest.mark.app
@pytest.mark.parametrize("page", ["map", "trends", "route", "rates", "data", "present"])
def test_a_link_opened_unchanged_stays_unchanged(page: str) -> None:
    first = _link(open_page(page, {"lang": "es"}))
    assert first.get("lang") == "es"
    assert not set(first) & set(_bound(page)), first  # defaults are left out of the link
    full = {**first, "from": "2023-01-01", "to": "2023-06-30", "cat": "homicide,robbery", "hours": "18-23"}
    again = open_page(page, full)
    assert not again.exception, again.exception
    assert _link(again) == full


@pytest.mark.app
@pytest.mark.parametrize(("page", "key"), CASES)
def test_each_widget_changed_is_carried_by_the_link_and_reopens(page: str, key: str) -> None:
    state = link.STATE[key]
    widget = state.widget_key(page)
    at = open_page(page, {"lang": "en"})
    if key == "layers":
        at = with_controls(at)
    assert not at.exception, at.exception
    before = at.session_state[widget]
    wanted = CHANGE[key](at, before)
    if wanted is None:
        pytest.skip(f"{key}: the demo offers no other value it can show offline (see CHANGE)")
    assert wanted != before
    at.session_state[widget] = wanted
    at.run()
    assert not at.exception, at.exception
    carried = _link(at)
    assert carried.get(key) == state.write(wanted), (key, carried)

    reopened = open_page(page, carried)
    assert not reopened.exception, reopened.exception
    assert reopened.session_state[widget] == wanted
    assert _link(reopened) == carried  # and it comes back unchanged

    at.session_state[widget] = before  # back to the default: out of the link
    at.run()
    assert key not in _link(at)


@pytest.mark.app
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("budget", "9999"),
        ("speed", "nan"),
        ("freq", "decade"),
        ("leave", "25:00"),
        ("add", "91,0"),
        ("since", "x"),
        ("pop", "moon"),
    ],
)
def test_a_link_value_a_widget_cannot_show_is_refused_with_a_warning(key: str, value: str) -> None:
    page = next(p for p, k in CASES if k == key)
    at = open_page(page, {"lang": "en", key: value})
    assert not at.exception, at.exception
    assert key not in _link(at)
    warnings = " ".join(w.value for w in at.warning)
    assert f"{key}=" in warnings


def test_bind_refuses_a_state_the_page_does_not_draw() -> None:
    with pytest.raises(KeyError, match="budget"):
        link.bind("budget", 120, page="map")
    with pytest.raises(KeyError, match="cat"):
        link.bind("cat", [], page="map")  # a composite: ui.filters reads and writes it
