"""Load benchmark: many people on one dashboard server with a million incidents (issue 14).

One ``streamlit run`` server (loopback only) on 1M synthetic incidents (made here from the demo
bundle, as in ``bench/app.py``, never committed). Each of ``--sessions`` concurrent sessions opens
the Map page and changes two filters (category, then victim sex). A few sessions are real headless
Chromium pages (Debian's ``/usr/bin/chromium`` through playwright; they change the filters through
the link, as a shared URL does); the rest are a light client that speaks Streamlit's own websocket
protocol (``BackMsg`` rerun requests with the query string and widget states, ``ForwardMsg``
replies read until ``script_finished``): 2 cores cannot run 20 browsers and a server.

Prints p50/p95 of the time from a request to the map's data sent (the map frame's element; for
browsers, to the drawn legend), server CPU seconds per rerun, errors, server RSS before and after
(psutil), and the ratios against one session alone. Targets: no error, p95 <= 3x the single-session
time, RSS growth <= 300 MB over the single-session figure. Every loop is bounded in count and time.

    python bench/load.py [--sessions 20] [--browsers 2] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
RUN_TIMEOUT_S = 180.0
"""Longest wait for one script run before it counts as an error (seconds)."""
START_TIMEOUT_S = 120.0
"""Longest wait for the server to answer its health check (seconds)."""
P95_RATIO_TARGET = 3.0
RSS_GROWTH_TARGET_MB = 300.0
CHANGES = (("f_cat", 1), ("f_sex", 1))
"""The two filter changes of every session: widget key and how many options to pick."""


def _bench_app() -> Any:
    spec = importlib.util.spec_from_file_location("bench_app", Path(__file__).with_name("app.py"))
    if spec is None or spec.loader is None:
        msg = "cannot load bench/app.py beside this file"
        raise SystemExit(msg)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class Outcome:
    """What one session saw: seconds to the map's data for each run, and errors."""

    kind: str
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class WsSession:
    """A light client: Streamlit's websocket protocol, no browser."""

    def __init__(self, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.widgets: dict[str, Any] = {}  # user key -> element proto (multiselects)
        self.states: dict[str, Any] = {}  # widget id -> WidgetState

    async def run(self, ws: Any, query: str) -> float:
        """One rerun; seconds from the request to the map's element (raises on an error or no map)."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.widget_states.widgets.extend(self.states.values())
        t0 = time.perf_counter()
        await ws.send(msg.SerializeToString())
        took = None
        deadline = t0 + RUN_TIMEOUT_S
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(deadline - time.perf_counter(), 0.1))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                el = fwd.delta.new_element
                what = el.WhichOneof("type")
                if what == "exception":
                    raise RuntimeError(f"page raised: {el.exception.message[:200]}")
                if what == "iframe" and el.iframe.srcdoc:  # the Map page's static map frame
                    took = time.perf_counter() - t0
                if what == "multiselect":
                    for key, _ in CHANGES:
                        if el.multiselect.id.endswith(f"-{key}"):
                            self.widgets[key] = el.multiselect
            elif kind == "script_finished":
                if took is None:
                    raise RuntimeError("the run finished without a map")
                return took

    def change(self, key: str, picks: int) -> None:
        """Select the first ``picks`` options of the multiselect ``key`` (as a person clicking them)."""
        widget = self.widgets.get(key)
        if widget is None:
            msg = f"no widget {key!r} on the page"
            raise RuntimeError(msg)
        state = self.states.setdefault(widget.id, _widget_state(widget.id))
        del state.string_array_value.data[:]
        state.string_array_value.data.extend(list(widget.options)[:picks])

    async def session(self) -> Outcome:
        """Open the Map page, then change the two filters; bounded by :data:`RUN_TIMEOUT_S` a run."""
        out = Outcome("websocket")
        try:
            async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=30) as ws:  # type: ignore[list-item]
                out.times.append(await self.run(ws, ""))
                for key, picks in CHANGES:
                    self.change(key, picks)
                    out.times.append(await self.run(ws, ""))
        except (OSError, RuntimeError, TimeoutError, websockets.WebSocketException) as exc:
            out.errors.append(f"{type(exc).__name__}: {exc}")
        return out


def _widget_state(widget_id: str) -> Any:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState()
    state.id = widget_id
    return state


def browser_session(port: int, results: list[Outcome]) -> None:
    """A real headless Chromium: the Map page, then the two filter changes through the link."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    out = Outcome("browser")
    base = f"http://127.0.0.1:{port}"
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"]  # fmt: skip
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=flags)
            for query in ("", "cat=robbery", "cat=robbery&sex=F"):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
                t0 = time.perf_counter()
                page.goto(f"{base}/?{query}", timeout=RUN_TIMEOUT_S * 1000)
                legend = page.frame_locator('iframe[data-testid="stIFrame"]').locator(".safetymap-legend")
                legend.wait_for(timeout=RUN_TIMEOUT_S * 1000)
                out.times.append(time.perf_counter() - t0)
                page.close()
            browser.close()
    except PlaywrightError as exc:
        out.errors.append(f"browser: {str(exc).splitlines()[0]}")
    results.append(out)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(cfg: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SAFETYMAP_CONFIG": str(cfg), "SAFETYMAP__MAP__TILES__ENABLED": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    msg = f"the server did not answer on port {port} within {START_TIMEOUT_S:.0f} s"
    raise SystemExit(msg)


def server_usage(proc: psutil.Process) -> tuple[float, float]:
    """CPU seconds used so far and resident memory (MB) of the server."""
    cpu = proc.cpu_times()
    return cpu.user + cpu.system, proc.memory_info().rss / 1e6


async def websocket_sessions(port: int, n: int) -> list[Outcome]:
    return list(await asyncio.gather(*(WsSession(port).session() for _ in range(n))))


def concurrent(port: int, sessions: int, browsers: int) -> list[Outcome]:
    """``browsers`` Chromium sessions in threads and the rest as websocket clients, all at once."""
    results: list[Outcome] = []
    threads = [threading.Thread(target=browser_session, args=(port, results)) for _ in range(browsers)]
    for th in threads:
        th.start()
    results.extend(asyncio.run(websocket_sessions(port, sessions - browsers)))
    for th in threads:
        th.join(timeout=RUN_TIMEOUT_S * 4)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--browsers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    browsers = args.browsers if shutil.which("chromium") else 0
    if browsers != args.browsers:
        print("chromium not found: websocket clients only")
    app = _bench_app()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        cfg = app.config_for(app.synthetic(args.rows, tmp / "incidents.parquet"), tmp)
        print(f"{args.rows:,} synthetic incidents written in {time.perf_counter() - t0:.0f} s")
        port = free_port()
        server = start_server(cfg, port)
        try:
            proc = psutil.Process(server.pid)
            _, rss_idle = server_usage(proc)
            warm = asyncio.run(websocket_sessions(port, 1))[0]  # first visitor: reads the file into the process
            cpu0, rss_warm = server_usage(proc)
            single = asyncio.run(websocket_sessions(port, 1))[0]
            cpu1, rss_single = server_usage(proc)
            t0 = time.perf_counter()
            many = concurrent(port, args.sessions, browsers)
            wall = time.perf_counter() - t0
            cpu2, rss_after = server_usage(proc)
        finally:
            server.terminate()
            server.wait(timeout=30)
    report(args, warm, single, many, wall, (cpu0, cpu1, cpu2), (rss_idle, rss_warm, rss_single, rss_after))
    return 0


def report(
    args: argparse.Namespace,
    warm: Outcome,
    single: Outcome,
    many: list[Outcome],
    wall: float,
    cpu: tuple[float, float, float],
    rss: tuple[float, float, float, float],
) -> None:
    rss_idle, rss_warm, rss_single, rss_after = rss
    errors = [e for o in (warm, single, *many) for e in o.errors]
    ws_times = np.array([t for o in many if o.kind == "websocket" for t in o.times])
    br_times = np.array([t for o in many if o.kind == "browser" for t in o.times])
    one = max(single.times) if single.times else float("nan")
    reruns = sum(len(o.times) for o in many if o.kind == "websocket") + sum(
        len(o.times) for o in many if o.kind == "browser"
    )
    n_browsers = sum(o.kind == "browser" for o in many)
    print(f"\nload benchmark: {args.sessions} sessions ({n_browsers} browsers), {args.rows:,} incidents, "
          f"{os.cpu_count()} cores\n")  # fmt: skip
    print(f"first visitor (file read): runs {', '.join(f'{t:.2f}' for t in warm.times)} s")
    print(f"one session alone: open {single.times[0] if single.times else float('nan'):.2f} s, "
          f"filter changes {', '.join(f'{t:.2f}' for t in single.times[1:])} s (worst {one:.2f} s); "
          f"server CPU {(cpu[1] - cpu[0]) / max(len(single.times), 1):.2f} s per rerun")  # fmt: skip
    if len(ws_times):
        p50, p95 = np.percentile(ws_times, [50, 95])
        ok = p95 <= P95_RATIO_TARGET * one
        print(f"concurrent, websocket clients ({len(ws_times)} runs): p50 {p50:.2f} s, p95 {p95:.2f} s = "
              f"{p95 / one:.1f}x one session (target <= {P95_RATIO_TARGET:g}x) {'OK' if ok else 'MISSED'}")  # fmt: skip
    if len(br_times):
        b50, b95 = np.percentile(br_times, [50, 95])
        print(f"concurrent, browsers ({len(br_times)} page loads, navigation to drawn map): "
              f"p50 {b50:.2f} s, p95 {b95:.2f} s")  # fmt: skip
    print(f"concurrent wall time {wall:.1f} s; server CPU {(cpu[2] - cpu[1]) / max(reruns, 1):.2f} s per rerun "
          f"({cpu[2] - cpu[1]:.1f} s for {reruns} runs)")  # fmt: skip
    growth = rss_after - rss_single
    print(f"server RSS: idle {rss_idle:.0f} MB, after the first visitor {rss_warm:.0f} MB, after one session "
          f"{rss_single:.0f} MB, after the load {rss_after:.0f} MB: +{growth:.0f} MB (target <= "
          f"{RSS_GROWTH_TARGET_MB:.0f} MB) {'OK' if growth <= RSS_GROWTH_TARGET_MB else 'MISSED'}")  # fmt: skip
    print(f"errors: {len(errors)} {'OK' if not errors else 'MISSED'}")
    for e in errors[:10]:
        print(f"  {e}")


if __name__ == "__main__":
    sys.exit(main())
