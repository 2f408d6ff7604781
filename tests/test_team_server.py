"""The README's team server, tried: two dashboard processes on one PostGIS behind nginx (``ip_hash``).

A throwaway PostGIS holds an LAPD layer; two ``streamlit run app.py`` processes read it (the same
``SAFETYMAP__SOURCES__STORE`` and ``SAFETYMAP__SOURCES__INCIDENTS``); nginx sits in front with the README's
``upstream`` (``ip_hash``) and websocket upgrade on ``/_stcore/stream``, and names the process that
answered in an ``X-Upstream`` header. Clients bind different loopback source addresses (``ip_hash``
keys on the first three octets), so each lands on a process of its own.

No browser: the test speaks Streamlit's own protocol over the websocket, through nginx, as the page
does (a ``rerun_script`` BackMsg with the page and the link's query string) and reads the elements the
process sends back (the Data page's "Rows" metric and title). It shows that
1. both processes serve through nginx, each client sticking to one of them;
2. a CLI ingest into the store (``python -m geo ingest ... --store URL``) of a newer file with more rows is
   shown by both processes (each had rendered the old rows just before) within the version cache's
   refresh (``ui.data.VERSION_TTL_S``) plus 3 s for the renders;
3. after a ``kill -9`` of one process, nginx answers that process's client from the other one, and
   a reload of the same link (page and ``lang=es``) renders there with the link's language and the new rows.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import pwd
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from geo.core.i18n import t
from tests.pg_server import free_port
from tests.test_store_kill import lapd
from ui.data import VERSION_TTL_S

pytestmark = pytest.mark.postgis
ROOT = Path(__file__).resolve().parents[1]
LAYER = "lapd_csv-crime"  # the layer `geo ingest crime.csv` names (<kind>-<file name>)
# Loopback source addresses to try: ip_hash hashes the first three octets of a client's IPv4 address.
SOURCES = ("127.0.0.1", "127.0.1.1", "127.0.2.1", "127.0.3.1", "127.0.4.1", "127.0.5.1")
NGINX_CONF = """
daemon off;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    upstream safetymap {{
        ip_hash;
        server 127.0.0.1:{port_a};
        server 127.0.0.1:{port_b};
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        add_header X-Upstream $upstream_addr always;
        location / {{
            proxy_pass http://safetymap;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
        location /_stcore/stream {{
            proxy_pass http://safetymap;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 86400;
        }}
    }}
}}
"""


def _tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _wait_health(port: int, proc: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited with {proc.returncode}:\n{_tail(log)}")
        with contextlib.suppress(OSError):
            if get(port, "127.0.0.1", "/_stcore/health")[0] == 200:
                return
        time.sleep(0.1)  # poll until the server answers
    pytest.fail(f"{what} did not answer /_stcore/health within 60 s:\n{_tail(log)}")


def get(port: int, source: str, path: str) -> tuple[int, str]:
    """GET ``path`` from 127.0.0.1:``port`` with the client bound to ``source``: (status, X-Upstream)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5, source_address=(source, 0))
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("X-Upstream", "")
    finally:
        conn.close()


@dataclass
class Page:
    """What one script run sent: the process that ran it and its elements as (kind, label, body)."""

    upstream: str
    elements: list[tuple[str, str, str]] = field(default_factory=list)

    def metric(self, label: str) -> str:
        return next(body for kind, lab, body in self.elements if kind == "metric" and lab == label)

    def headings(self) -> list[str]:
        return [body for kind, _, body in self.elements if kind == "heading"]


def render(port: int, source: str, page: str, query: str = "") -> Page:
    """Open a session over the websocket (through nginx, from ``source``), run ``page`` with the link's query."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    with connect(url, sock=sock, subprotocols=[Subprotocol("streamlit")], max_size=None, open_timeout=10) as ws:
        out = Page(upstream=ws.response.headers.get("X-Upstream", "") if ws.response else "")
        back = BackMsg()
        back.rerun_script.query_string = query
        back.rerun_script.page_name = page
        ws.send(back.SerializeToString())
        deadline = time.monotonic() + 60
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            kind = msg.WhichOneof("type")
            if kind == "script_finished":
                return out
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                el = msg.delta.new_element
                what = str(el.WhichOneof("type"))
                body: Any = getattr(el, what)
                if what == "exception":
                    pytest.fail(f"the {page} page raised on {out.upstream}: {body.type}: {body.message}")
                out.elements.append((what, getattr(body, "label", ""), getattr(body, "body", "")))


@dataclass
class Team:
    """The running setup: nginx's port, the dashboard processes by address, the store URL and the CSV."""

    port: int
    procs: dict[str, subprocess.Popen[bytes]]
    store: str
    csv: Path


@pytest.fixture
def team(pg_url: str, nginx: str, tmp_path: Path) -> Iterator[Team]:
    csv = lapd(tmp_path / "crime.csv", good=3, zero=1)
    ingest = [sys.executable, "-m", "geo", "ingest", str(csv), "--store", pg_url]
    subprocess.run(ingest, cwd=ROOT, check=True, capture_output=True, timeout=120)
    env = {
        **os.environ,
        "SAFETYMAP__MAP__TILES__ENABLED": "false",
        "SAFETYMAP__SOURCES__STORE": pg_url,
        "SAFETYMAP__SOURCES__INCIDENTS": f"{pg_url}#{LAYER}",
    }
    with contextlib.ExitStack() as stack:
        procs: dict[str, subprocess.Popen[bytes]] = {}
        for name in ("a", "b"):
            port = free_port()
            log = tmp_path / f"streamlit-{name}.log"
            cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
                   "--server.headless", "true", "--server.address", "127.0.0.1"]  # fmt: skip
            out = stack.enter_context(open(log, "wb"))
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
            stack.callback(_stop, proc)
            procs[f"127.0.0.1:{port}"] = proc
            _wait_health(port, proc, log, f"streamlit {name}")
        port = free_port()
        port_a, port_b = (int(addr.rsplit(":", 1)[1]) for addr in procs)
        # as root, nginx's workers would run as nobody and could not reach tmp_path; as anyone else it keeps the user
        user = f"user {pwd.getpwuid(os.geteuid()).pw_name};" if os.geteuid() == 0 else ""
        conf = tmp_path / "nginx.conf"
        conf.write_text(NGINX_CONF.format(tmp=tmp_path, user=user, port=port, port_a=port_a, port_b=port_b))
        log = tmp_path / "nginx-error.log"
        proc = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        stack.callback(_stop, proc)
        _wait_health(port, proc, log, "nginx")
        yield Team(port=port, procs=procs, store=pg_url, csv=csv)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_two_processes_behind_nginx_share_the_store_and_survive_a_kill(team: Team) -> None:
    t0 = time.monotonic()
    rows = t("data.rows", "en")
    # 1. Both processes serve through nginx; each client address sticks to one of them.
    clients: dict[str, str] = {}  # process address -> a client source address that lands on it
    for source in SOURCES:
        try:
            first, second = (get(team.port, source, "/_stcore/health") for _ in range(2))
        except OSError:
            continue  # this loopback address cannot be bound here
        assert first == second, f"client {source} moved between processes: {first} then {second}"
        assert first[0] == 200, first
        assert first[1] in team.procs, first
        clients.setdefault(first[1], source)
        if len(clients) == 2:
            break
    assert set(clients) == set(team.procs), f"nginx sent every client to one process: {clients}"
    for addr, source in clients.items():
        page = render(team.port, source, "data")
        assert page.upstream == addr  # the websocket went through nginx to the same process as the HTTP requests
        assert page.metric(rows) == "3", page.elements  # ... whose caches now hold the 3-row version

    # 2. An ingest through the CLI reaches both processes within the version cache's refresh.
    lapd(team.csv, good=5, zero=1)  # a newer download of the same file
    ingest = [sys.executable, "-m", "geo", "ingest", str(team.csv), "--store", team.store]
    done = subprocess.run(ingest, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ingested = time.monotonic()
    seen: dict[str, float] = {}
    while len(seen) < 2 and time.monotonic() < ingested + VERSION_TTL_S + 10:
        for addr, source in clients.items():
            if addr not in seen and render(team.port, source, "data").metric(rows) == "5":
                seen[addr] = time.monotonic() - ingested
        time.sleep(0.2)
    assert set(seen) == set(team.procs), f"the new rows reached only {seen} within {VERSION_TTL_S} s + 10 s"
    # the renders themselves take up to about a second each, hence the margin over the cache's TTL
    assert max(seen.values()) <= VERSION_TTL_S + 3, seen

    # 3. kill -9 one process: nginx answers its client from the other, and a reload of the link renders there.
    victim, survivor = list(clients)
    team.procs[victim].send_signal(signal.SIGKILL)
    team.procs[victim].wait(timeout=10)
    for source in clients.values():
        for _ in range(5):
            status, upstream = get(team.port, source, "/_stcore/health")
            if status == 200:
                break
            time.sleep(0.2)
        assert status == 200, f"nginx did not serve client {source} after the kill: {status} {upstream}"
        assert upstream.rsplit(", ", 1)[-1] == survivor, upstream  # a retry names the dead one first
    page = render(team.port, clients[victim], "data", query="lang=es")
    assert page.upstream == survivor
    assert t("data.title", "es") in page.headings(), page.elements  # the link's language
    assert page.metric(t("data.rows", "es")) == "5"  # the store's current rows
    took = time.monotonic() - t0
    print(f"team server: new rows on both processes after {seen} s; whole check {took:.1f} s")
