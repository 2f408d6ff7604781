"""Helpers for page tests under AppTest: every text a page shows, and markup that came from a link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from ui.filters import OPEN_BUTTON

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "map": "app_pages/map.py",
    "trends": "app_pages/trends.py",
    "present": "app_pages/present.py",
    "route": "app_pages/route.py",
    "data": "app_pages/data.py",
    "methods": "app_pages/methods.py",
    "rates": "app_pages/rates.py",
    "community": "app_pages/community.py",
}
MARKER = "evil"
"""Every hostile value a test puts in a link carries this word, so markup made from it can be told apart."""
PHISH = f"[Click here to log in](http://{MARKER}.example/phish)"
TRACKER = f"![x](http://{MARKER}.example/track.png)"
_FIELDS = ("body", "label", "help", "caption", "placeholder", "text", "value")
# Markdown that would be live on the page, built from a hostile value (an escaped character has a backslash before it)
LIVE_MARKUP = re.compile(
    rf"(?<!\\)\[[^\]\n]*(?<!\\)\]\([^)\n]*{MARKER}"  # a link or an image: [text](url), ![alt](url)
    rf"|(?<!\\)<[a-zA-Z!/?][^>\n]*{MARKER}"  # an HTML tag
    rf"|https?://[^\s]*{MARKER}|www\.{MARKER}"  # a bare URL, which GitHub-flavoured Markdown links
    rf"|[\w.+-]@{MARKER}",  # an e-mail address, likewise
    re.IGNORECASE,
)


def open_page(page: str, query: dict[str, str]) -> AppTest:
    """Run ``page`` (a key of :data:`PAGES`) with the link's ``query`` in a fresh session."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.switch_page(PAGES[page]).run()


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def page_texts(at: AppTest) -> list[str]:
    """Every Markdown or text body the page sends: alerts, headings, captions, labels, help, metrics."""
    out: list[str] = []
    for root in (at.main, at.sidebar):
        for node in _walk(root):
            proto = getattr(node, "proto", None)
            if proto is None:
                continue
            for name in _FIELDS:
                value = getattr(proto, name, None)
                if isinstance(value, str) and value:
                    out.append(value)
    return out


def live_markup(at: AppTest) -> list[str]:
    """Markup made from a hostile link value that the page would render as a link, an image or HTML."""
    return [m.group(0) for text in page_texts(at) for m in LIVE_MARKUP.finditer(text)]


def map_frames(at: AppTest) -> list[str]:
    """The HTML document of every static map frame on the page (``st.iframe``), in page order."""
    return [str(e.proto.srcdoc) for e in at.get("iframe")]


def map_page(at: AppTest) -> str:
    """The HTML of the page's one static map (fails when the page drew none or several)."""
    frames = map_frames(at)
    assert len(frames) == 1, f"expected one map frame, found {len(frames)}"
    return frames[0]


class _TableReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(at: AppTest) -> list[pd.DataFrame]:
    """Every HTML table the page writes (``st.html``), as text cells under their header row."""
    reader = _TableReader()
    for element in at.get("html"):
        reader.feed(str(element.proto.body))
    return [pd.DataFrame(rows[1:], columns=rows[0]) for rows in reader.tables if rows]


def html_bodies(at: AppTest) -> list[str]:
    """The HTML every ``st.html`` element writes (text alternatives' sentences and tables), in page order."""
    return [str(element.proto.body) for element in at.get("html")]


def with_controls(at: AppTest) -> AppTest:
    """Ask for the filter and layer widgets ("Change filters": until then the filters are listed) and rerun."""
    at.sidebar.button(key=OPEN_BUTTON).click().run()
    assert not at.exception, at.exception
    return at


def real_store(tmp_path_factory: Any, files: dict[str, str]) -> dict[str, Any]:
    """The extracts ``files`` (key -> path under ../shared/data) ingested into a temporary store: ``dir`` and each
    key's layer name (skipped, with the reason, when the folder is absent)."""
    import pytest

    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see shared/data/SOURCES.md)")
    from geo.data.ingest import ingest_file

    folder = tmp_path_factory.mktemp("store")
    return {"dir": folder, **{k: ingest_file(SHARED_DATA / rel, store_dir=folder)["layer"] for k, rel in files.items()}}


def app_on_store(store: dict[str, Any], monkeypatch: Any) -> Any:
    """A runner of the whole app (``run(page=None, **query)``) on the store of :func:`real_store`."""
    from geo.core.settings import use_config

    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store["dir"]))
    use_config(None)

    def run(page: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        for k, v in query.items():
            at.query_params[k] = v
        return at.switch_page(page).run() if page else at.run()

    return run
