"""A PostGIS store that is down, or a store URL that does not parse (issue 28, cases 2 and 3).

On a freshly started process every page that needs the store shows one panel in the page's language (never
the URL's password); Methods keeps serving; and the next run asks the server again, so the page is back as
soon as the server is (a local port with nothing listening is the server that is down; a plain TCP relay to
the throwaway PostGIS brings it back on the same URL).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from geo.core.i18n import t
from geo.core.settings import use_config
from tests.page_helpers import PAGES, open_page, page_texts
from tests.pg_server import free_port

pytestmark = pytest.mark.app

PASSWORD = "s3cretPW"


URLS = {
    "server_down": f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/db",
    "open_ipv6": f"postgresql://postgres:{PASSWORD}@[::1",
    "bad_escape": "postgresql://postgres:s3cret%ZZPW@localhost/db",
}


@pytest.fixture
def store_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``store_at(url)``: the settings' ``sources.store`` set to ``url`` for this test."""

    def point(url: str) -> None:
        monkeypatch.setenv("SAFETYMAP__SOURCES__STORE", url)
        use_config(None)

    yield point
    monkeypatch.undo()
    use_config(None)


def _store_panel(lang: str) -> str:
    return t("app.store_error", lang)


@pytest.mark.parametrize("case", sorted(URLS))
@pytest.mark.parametrize("page", sorted(PAGES))
def test_pages_that_need_the_store_show_a_panel_and_methods_keeps_serving(store_at: Any, case: str, page: str) -> None:
    store_at(URLS[case])
    at = open_page(page, {"lang": "es"})
    assert not at.exception, [e.value for e in at.exception]
    texts = page_texts(at)
    joined = "\n".join(texts)
    assert "s3cret" not in joined
    if page == "methods":
        assert at.title[0].value == t("nav.methods", "es")
        assert _store_panel("es") not in joined
        assert len(at.markdown)
        assert "###" in at.markdown[0].value
    else:
        assert [e.value for e in at.error]
        assert _store_panel("es") in at.error[0].value
        assert t("app.store_hint", "es") in joined
        if case != "server_down":  # a URL that does not parse is named with its password masked (escaped Markdown)
            assert "\\*\\*\\*" in at.error[0].value
        assert not at.get("iframe"), "a page drew data without the store"


@contextlib.contextmanager
def relay(port: int, target: int) -> Iterator[None]:
    """Relay TCP connections on 127.0.0.1:``port`` to 127.0.0.1:``target`` while the block runs."""
    server = socket.create_server(("127.0.0.1", port))
    server.settimeout(0.1)
    done = threading.Event()
    opened: list[socket.socket] = []
    pipes: list[threading.Thread] = []

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def accept() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", target))
            opened.extend((conn, upstream))
            for a, b in ((conn, upstream), (upstream, conn)):
                pipes.append(threading.Thread(target=pipe, args=(a, b), daemon=True))
                pipes[-1].start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=5)
        server.close()
        for s in opened:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        for p in pipes:
            p.join(timeout=5)
        for s in opened:
            s.close()


@pytest.mark.postgis
def test_the_next_run_asks_the_server_again(store_at: Any, pg_server: Any) -> None:
    db = "t_store_down_retry"
    pg_server.create_db(db)
    port = free_port()
    store_at(f"postgresql://{pg_server.user}:{PASSWORD}@127.0.0.1:{port}/{db}")
    at = open_page("data", {"lang": "es"})
    assert not at.exception, [e.value for e in at.exception]
    assert _store_panel("es") in at.error[0].value
    with relay(port, pg_server.port):
        at.run()  # the same session, the next request: the server is back on the same URL
        assert not at.exception, [e.value for e in at.exception]
        assert not [e.value for e in at.error if _store_panel("es") in e.value]
        texts = page_texts(at)
        assert t("ws.title", "es") in texts, texts[:20]
