"""Every page under random links: no exception, and nothing from the link rendered as a link, an image or HTML.

Property-based (hypothesis): query strings drawn from the keys the pages read (filters, layers, language,
data layer, and keys no page knows), with real-looking values, junk, Markdown links and images, HTML,
very long values and odd Unicode, in both languages. Every hostile value carries the word ``evil``;
:func:`tests.page_helpers.live_markup` finds markup made from it in every text the page sends.
The examples per page are few (AppTest runs a whole page each time) so the test stays within about a
minute; over many runs of the suite the draws differ.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from geo.core.categories import CATEGORIES
from tests.page_helpers import MARKER, PAGES, PHISH, TRACKER, live_markup, open_page
from ui import link

pytestmark = pytest.mark.app
EXAMPLES_PER_PAGE = 2
KEYS = tuple(link.STATE)
"""Every key a link carries (ui/link.py), on every page."""
HOSTILE = (
    PHISH,
    TRACKER,
    f"<img src=x onerror=alert('{MARKER}')>",
    f"<script>{MARKER}()</script>",
    f"<a href='http://{MARKER}.example'>log in</a>",
    f"http://{MARKER}.example/login",
    f"www.{MARKER}.example",
    f"admin@{MARKER}.example",
    f"[{MARKER}]: http://{MARKER}.example",
    f"**{MARKER}** _x_ `y` # z $x^2$ :red[{MARKER}]",
    f"Harvard Park](http://{MARKER}.example)",
    f"2016-01-01<b>{MARKER}</b>",
    f"homicide,<i>{MARKER}</i>",
    f"\u202e{MARKER}\u200b\x00\r\n[x](http://{MARKER}.example)",
)
REAL = (
    "2016-01-01", "2017-12-31", "0001-01-01", "9999-12-31", "2016-02-30", "1900-01-01", "2100-12-31",
    ",".join(CATEGORIES[:2]), "firearm,knife", "18-24,50+", "M,F", "H,B,X", "0,6", "4,5,6", "20-3", "0-23", "25-1",
    "Harvard Park", "Jordan Downs", "Atlantis", "100,250", "400,150", "-5", "nan,inf", "homicides,kde,gistar",
    "zones:nowhere", "es", "en", "fr", "demo", "../../etc/passwd", "",
)  # fmt: skip
EXTREMES = ("inf", "-inf", "nan", "1e308", "1e400", "-0", "1e-300", "1e9", "75,inf", "nan,150", "0.0000001", "-1")
"""Numbers at the edge of what a float holds: every number a link carries is parsed into a bounded, finite value."""
TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
LONG = st.integers(min_value=600, max_value=100_000).map(lambda n: (MARKER + " [x](http://e.x) ") * (n // 20 + 1))
DATES = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(dt.date.isoformat)
VALUES = st.one_of(st.sampled_from(REAL), st.sampled_from(HOSTILE), st.sampled_from(EXTREMES), TEXT, LONG, DATES)
QUERY = st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=12)), VALUES, max_size=6)
EVERY_KEY_HOSTILE = {key: HOSTILE[i % len(HOSTILE)] for i, key in enumerate(KEYS) if key != "lang"}
EVERY_KEY_EXTREME = {key: EXTREMES[i % len(EXTREMES)] for i, key in enumerate(KEYS) if key != "lang"}


@pytest.mark.parametrize("page", list(PAGES))
@settings(
    max_examples=EXAMPLES_PER_PAGE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(query=QUERY, lang=st.sampled_from(["en", "es"]))
@example(query=EVERY_KEY_HOSTILE, lang="es")
@example(query=EVERY_KEY_EXTREME, lang="en")
@example(query={"rings": "inf", "budget": "1e400", "speed": "nan", "buffer": "1e308", "dwell": "-0"}, lang="es")
def test_no_link_breaks_a_page_or_puts_markup_on_it(page: str, query: dict[str, str], lang: str, fresh_settings):
    at = open_page(page, {"lang": lang, **query})
    assert not at.exception, [e.value for e in at.exception]
    assert live_markup(at) == []
