"""Two periods side by side on the Trends page: the same figures as the Map page for each period, the change with
its interval, the months side by side, the squares of both periods, the public view's rules, and the link."""

from __future__ import annotations

import pytest

from tests.page_helpers import map_frames, open_page, page_texts

pytestmark = pytest.mark.app
A, B = "2016-01-01..2016-12-31", "2015-01-01..2015-12-31"


def _metrics(at: object, start: str) -> list[str]:
    return [m.value for m in at.metric if m.label.startswith(start)]  # type: ignore[attr-defined]


def _plain(at: object) -> str:
    return " ".join(page_texts(at)).replace("\\", "")  # type: ignore[arg-type]


@pytest.mark.parametrize(("lang", "within"), [("en", "Within 400 m"), ("es", "A menos de 400 m")])
def test_each_period_has_the_map_pages_figures_and_the_change_between_them(lang: str, within: str) -> None:
    at = open_page("trends", {"lang": lang, "place": "Harvard Park", "view": "internal", "pa": A, "pb": B})
    assert not at.exception
    a_within, b_within = _metrics(at, within)[:2]
    for span, shown in ((A, a_within), (B, b_within)):
        first, last = span.split("..")
        on_map = open_page("map", {"lang": lang, "place": "Harvard Park", "view": "internal", "from": first,
                                   "to": last})  # fmt: skip
        assert _metrics(on_map, within)[0] == shown, span
    text = _plain(at)
    assert ("from B to A" if lang == "en" else "de B a A") in text
    assert ("95% interval" if lang == "en" else "intervalo del 95") in text
    months = next(d.value for d in at.dataframe if d.value.shape[1] == 4)
    assert len(months) == 12


def test_the_squares_of_both_periods_are_drawn_when_asked() -> None:
    at = open_page("trends", {"lang": "en", "place": "Harvard Park", "pa": A, "pb": B})
    before = len(map_frames(at))
    at.toggle(key="t_periods_maps").set_value(True).run()
    assert not at.exception
    assert len(map_frames(at)) == before + 2


def test_public_periods_may_not_overlap_and_small_counts_state_no_change() -> None:
    at = open_page("trends", {"lang": "en", "place": "Harvard Park", "view": "public",
                              "pa": "2016-01-01..2016-06-30", "pb": "2016-03-01..2016-12-31"})  # fmt: skip
    assert not at.exception
    assert "may not overlap" in _plain(at)
    at = open_page("trends", {"lang": "en", "place": "Harvard Park", "view": "public", "cat": "homicide",
                              "pa": "2016-02-01..2016-02-29", "pb": "2015-02-01..2015-02-28"})  # fmt: skip
    assert not at.exception
    shown = _metrics(at, "Within 400 m")[:2]
    assert not any(v in ("1", "2") for v in shown), shown
    assert shown[0] == "fewer than 3"  # one February of the demo's homicides near the park
    assert "not stated: a count of one period is hidden" in _plain(at)


def test_a_link_period_outside_the_data_falls_back_with_a_note() -> None:
    at = open_page("trends", {"lang": "en", "place": "Harvard Park", "pa": "1990-01-01..1990-12-31"})
    assert not at.exception
    assert "outside the data" in _plain(at)


@pytest.mark.parametrize("cat", ["", "homicide", "assault_with_weapon"])
def test_a_hidden_month_is_never_the_only_one_beside_a_shown_total(cat: str) -> None:
    query = {"lang": "en", "place": "Harvard Park", "view": "public", "pa": A, "pb": B}
    at = open_page("trends", {**query, "cat": cat} if cat else query)
    assert not at.exception
    totals = _metrics(at, "Within 400 m")[:2]
    months = next(d.value for d in at.dataframe if d.value.shape[1] == 4)
    for total, column in zip(totals, ("Count (A)", "Count (B)"), strict=True):
        values = [v for v in months[column] if v]
        hidden = [v for v in values if not v.isdigit()]
        if total.isdigit() and hidden:  # the total minus the shown months would give a lone hidden month back
            assert len(hidden) != 1, (cat, column, values, total)
            assert int(total) - sum(int(v) for v in values if v.isdigit()) >= 3 or len(hidden) >= 2


def test_default_periods_lie_within_the_data() -> None:
    import datetime as dt

    from geo.core.filters import Filters
    from ui.periods import default_spans

    first, last = dt.date(2020, 1, 1), dt.date(2020, 12, 20)
    a, b = default_spans(Filters(), first, last)
    assert a == (first, last)  # twelve months to the last day, cut at the data's first
    assert first <= b[0] <= b[1] <= last
    a, b = default_spans(Filters(start=dt.date(2020, 3, 1), end=dt.date(2020, 5, 31)), first, last)
    assert a == (dt.date(2020, 3, 1), dt.date(2020, 5, 31))
    assert b == (first, first)  # a year earlier is before the data: the first day, never outside
    a, b = default_spans(Filters(), dt.date(2010, 1, 1), last)
    assert b == (dt.date(2018, 12, 22), dt.date(2019, 12, 20))
