"""Load benchmark: many people on one dashboard server with a million incidents (issue 14).

One ``streamlit run`` server (loopback only) on 1M synthetic incidents (made here from the demo
bundle, as in ``bench/app.py``, never committed). Each of ``--sessions`` concurrent sessions opens
the Map page and changes two filters (category, then victim sex). A few sessions are real headless
Chromium pages (Debian's ``/usr/bin/chromium`` through playwright; they change the filters through
the link, as a shared URL does); the rest are a light client that speaks Streamlit's own websocket
protocol (``BackMsg`` rerun requests with the query string and widget states, ``ForwardMsg``
replies read until ``script_finished``): 2 cores cannot run 20 browsers and a server.

The sessions are people: each starts at a random moment within ``--ramp`` seconds and waits a
think time (``--think``, uniform, seconds) before each filter change, as a person reading the map
does (seeded draws, so runs compare). The paced load runs ``--repeat`` turns with different draws
(this machine's speed drifts); the target is judged on the median turn. The same sessions are then
run as a burst (every session at once, no think time): a stress figure, where one interpreter
answers ~60 runs queued together and the last waits for all the others (no target; it says how
long a queue takes to drain).

Each websocket session opens the Map page, presses "Change filters" (pages open with the filters
listed) and changes the two filters: four runs. The paced turns run in each of ``--setups``:
``direct`` (every request to the server) and ``proxy`` (nginx in front, serving Streamlit's scripts
and the dashboard's static files from disk and passing the rest on, as the README's deployment does).
The browsers run on the server's machine, which people's browsers, on their own devices, would not:
the server therefore gets a core of its own and everything else (browsers, websocket clients, proxy)
runs on the others (Linux, 2 cores or more; the single-session figure is pinned the same way), as a
load generator is kept off the system it measures; ``--no-pin`` shares every core. Each browser runs
in a process of its own at ``--browser-nice`` and, as root, without the right to raise its threads
(Chromium would otherwise put its drawing threads at niceness -8).
``--json`` writes every run (phase, kind, step, start time, seconds) for a timeline.

Prints p50/p95 of the time from a request to the map's data sent (the map frame's element; for
browsers, to the drawn legend), server CPU seconds per rerun, errors, server RSS before and after
(psutil), and the ratios against one session alone. Targets (on the paced sessions): no error,
p95 <= 3x the single-session time, RSS growth <= 300 MB over the single-session figure. Every loop
is bounded in count and time.

    python bench/load.py [--sessions 20] [--browsers 2] [--rows 1000000] [--ramp 10] [--think 2,6] [--repeat 3]
                         [--browser-nice 0] [--no-pin] [--setups direct,proxy] [--json runs.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import importlib.util
import json
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from ui.filters import OPEN_BUTTON  # noqa: E402  (the button that draws the filter widgets)

RUN_TIMEOUT_S = 180.0
"""Longest wait for one script run before it counts as an error (seconds)."""
BROWSER_SPAWN_S = 5.0
"""Head start for the browsers' processes (interpreter, imports) before the paced clock starts (seconds)."""
START_TIMEOUT_S = 120.0
"""Longest wait for the server to answer its health check (seconds)."""
P95_RATIO_TARGET = 3.0
SINGLE_SESSIONS = 3
"""One session alone is run this many times, one after another; the ratio's denominator is the median
of their worst runs (one sample of a 0.05 s run varies by half)."""
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


@dataclass(frozen=True)
class Pace:
    """When a session acts: seconds after the start of the load, then a think time before each change."""

    start_s: float = 0.0
    thinks_s: tuple[float, ...] = (0.0,) * len(CHANGES)


def paces(n: int, *, ramp_s: float, think_s: tuple[float, float], seed: int = 14) -> list[Pace]:
    """``n`` sessions' paces: starts uniform over ``ramp_s``, think times uniform in ``think_s`` (seeded)."""
    rng = np.random.default_rng(seed)
    starts = rng.uniform(0.0, ramp_s, n) if ramp_s > 0 else np.zeros(n)
    thinks = rng.uniform(*think_s, (n, len(CHANGES)))
    return [Pace(float(s), tuple(float(x) for x in row)) for s, row in zip(starts, thinks, strict=True)]


@dataclass
class Outcome:
    """What one session saw: seconds to the map's data for each run, and errors."""

    kind: str
    times: list[float] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # what each run was: open, the press, a filter's key
    starts: list[float] = field(default_factory=list)  # wall-clock time (time.time()) each run was asked for
    errors: list[str] = field(default_factory=list)


class WsSession:
    """A light client: Streamlit's websocket protocol, no browser."""

    def __init__(self, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/_stcore/stream"
        self.widgets: dict[str, Any] = {}  # user key -> element proto (multiselects, the open button)
        self.states: dict[str, Any] = {}  # widget id -> WidgetState
        self.asked = 0.0  # when the last run was asked for (time.time())

    async def run(self, ws: Any, query: str) -> float:
        """One rerun; seconds from the request to the map's element (raises on an error or no map)."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.widget_states.widgets.extend(self.states.values())
        self.asked = time.time()
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
                if what == "button" and el.button.id.endswith(f"-{OPEN_BUTTON}"):
                    self.widgets[OPEN_BUTTON] = el.button
            elif kind == "script_finished":
                # a button's press counts for one run only, as the browser sends it
                self.states = {k: v for k, v in self.states.items() if v.WhichOneof("value") != "trigger_value"}
                if took is None:
                    raise RuntimeError("the run finished without a map")
                return took

    def press(self, key: str) -> None:
        """Press the button ``key`` for the next run (as a person clicking it)."""
        widget = self.widgets.get(key)
        if widget is None:
            msg = f"no button {key!r} on the page"
            raise RuntimeError(msg)
        state = _widget_state(widget.id)
        state.trigger_value = True
        self.states[widget.id] = state

    def change(self, key: str, picks: int) -> None:
        """Select the first ``picks`` options of the multiselect ``key`` (as a person clicking them)."""
        widget = self.widgets.get(key)
        if widget is None:
            msg = f"no widget {key!r} on the page"
            raise RuntimeError(msg)
        state = self.states.setdefault(widget.id, _widget_state(widget.id))
        del state.string_array_value.data[:]
        state.string_array_value.data.extend(list(widget.options)[:picks])

    async def session(self, pace: Pace | None = None) -> Outcome:
        """Open the Map page, press "Change filters" and change the two filters (after ``pace``'s waits,
        if any; the press comes with the first change's); bounded by :data:`RUN_TIMEOUT_S` a run."""
        out = Outcome("websocket")
        pace = pace or Pace()
        try:
            await asyncio.sleep(pace.start_s)
            async with websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=30) as ws:  # type: ignore[list-item]
                out.times.append(await self.run(ws, ""))
                out.steps.append("open")
                out.starts.append(self.asked)
                for i, ((key, picks), think) in enumerate(zip(CHANGES, pace.thinks_s, strict=True)):
                    await asyncio.sleep(think)
                    if i == 0:  # the widgets are drawn once asked for
                        self.press(OPEN_BUTTON)
                        out.times.append(await self.run(ws, ""))
                        out.steps.append(OPEN_BUTTON)
                        out.starts.append(self.asked)
                    self.change(key, picks)
                    out.times.append(await self.run(ws, ""))
                    out.steps.append(key)
                    out.starts.append(self.asked)
        except (OSError, RuntimeError, TimeoutError, websockets.WebSocketException) as exc:
            out.errors.append(f"{type(exc).__name__}: {exc}")
        return out


def _widget_state(widget_id: str) -> Any:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState()
    state.id = widget_id
    return state


PR_CAPBSET_DROP = 24
CAP_SYS_NICE = 23


def browser_priority(nice: int) -> None:
    """Run what the calling thread starts after this at niceness ``nice``, and no higher.

    On Linux niceness and capabilities belong to a thread and a child takes its creator's, so a
    browser session's playwright driver and Chromium (with every renderer) get ``nice`` while the
    websocket clients, in the main thread, stay at the server's priority. Chromium raises its own
    drawing threads to niceness -8 where it may (as root), above the server; the thread therefore
    gives up that right (``CAP_SYS_NICE`` leaves its bounding set), so the browser runs at the
    niceness it is given. Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_CAPBSET_DROP, CAP_SYS_NICE, 0, 0, 0) != 0:
            print(f"could not drop CAP_SYS_NICE for the browsers: {os.strerror(ctypes.get_errno())}")
    if nice > 0:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)


def browser_session(port: int, pace: Pace | None = None, nice: int = 0, start: float | None = None) -> Outcome:
    """A real headless Chromium: the Map page, then the two filter changes through the link.

    One browser context for the session, as one person's browser: the first visit loads Streamlit's
    scripts, the links opened after find them in its HTTP cache (each link is still a new page and
    a new Streamlit session). ``nice``: the browser's priority (:func:`browser_priority`); ``start``:
    the wall-clock time (``time.time()``) the pace counts from (default: now)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    browser_priority(nice)
    out = Outcome("browser")
    pace = pace or Pace()
    first = pace.start_s if start is None else max(start + pace.start_s - time.time(), 0.0)
    waits = (first, *pace.thinks_s)
    base = f"http://127.0.0.1:{port}"
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"]  # fmt: skip
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=flags)
            person = browser.new_context(viewport={"width": 1400, "height": 1000})
            person.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
            for query, wait in zip(("", "cat=robbery", "cat=robbery&sex=F"), waits, strict=True):
                time.sleep(wait)
                page = person.new_page()
                out.starts.append(time.time())
                out.steps.append(query or "open")
                t0 = time.perf_counter()
                page.goto(f"{base}/?{query}", timeout=RUN_TIMEOUT_S * 1000)
                legend = page.frame_locator('iframe[data-testid="stIFrame"]').locator(".safetymap-legend")
                legend.wait_for(timeout=RUN_TIMEOUT_S * 1000)
                out.times.append(time.perf_counter() - t0)
                page.close()
            person.close()
            browser.close()
    except PlaywrightError as exc:
        out.errors.append(f"browser: {str(exc).splitlines()[0]}")
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def split_cpus() -> tuple[set[int], set[int]] | None:
    """This process's CPUs as (the server's, everything else's): the first alone against the rest;
    None where there is one CPU or affinity cannot be set (not Linux)."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


def pin_to(cpus: set[int]) -> Any:
    """A ``preexec_fn`` that puts the child, and every thread it will start, on ``cpus``."""
    return lambda: os.sched_setaffinity(0, cpus)


def start_server(cfg: Path, port: int, cpus: set[int] | None = None) -> subprocess.Popen[bytes]:
    """``streamlit run`` on ``cfg`` at ``port``, on ``cpus`` (every thread it starts: set before exec)."""
    env = {**os.environ, "SAFETYMAP_CONFIG": str(cfg), "SAFETYMAP__MAP__TILES__ENABLED": "false"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=None if cpus is None else pin_to(cpus))  # fmt: skip
    _wait_healthy(proc, port)
    return proc


def _wait_healthy(proc: subprocess.Popen[bytes], port: int) -> None:
    """Wait for Streamlit's health check on ``port`` (directly or through the proxy); stop ``proc`` if it
    never answers."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    msg = f"nothing answered on port {port} within {START_TIMEOUT_S:.0f} s"
    raise SystemExit(msg)


def server_usage(proc: psutil.Process) -> tuple[float, float]:
    """CPU seconds used so far and resident memory (MB) of the server."""
    cpu = proc.cpu_times()
    return cpu.user + cpu.system, proc.memory_info().rss / 1e6


async def websocket_sessions(port: int, n: int, pace: list[Pace] | None = None) -> list[Outcome]:
    pace = pace or [Pace()] * n
    return list(await asyncio.gather(*(WsSession(port).session(p) for p in pace[:n])))


def concurrent(
    port: int, sessions: int, browsers: int, pace: list[Pace] | None = None, browser_nice: int = 0
) -> list[Outcome]:
    """``browsers`` Chromium sessions (at niceness ``browser_nice``) and the rest as websocket clients,
    paced by ``pace`` (one a session, browsers first) or all at once.

    Each browser session runs in a process of its own: playwright's Python (a callback for every
    request the page makes) would otherwise hold this process's interpreter while the websocket
    clients wait to read the replies they time."""
    pace = pace or [Pace()] * sessions
    results: list[Outcome] = []
    start = time.time() + (BROWSER_SPAWN_S if browsers else 0.0)  # the browsers' processes are ready by then
    with ProcessPoolExecutor(max_workers=max(browsers, 1), mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(browser_session, port, pace[i], browser_nice, start) for i in range(browsers)]
        if browsers:
            time.sleep(max(start - time.time(), 0.0))
        results.extend(asyncio.run(websocket_sessions(port, sessions - browsers, pace[browsers:])))
        for fut in futures:
            try:
                results.append(fut.result(timeout=RUN_TIMEOUT_S * 4))
            except (TimeoutError, OSError, RuntimeError) as exc:
                results.append(Outcome("browser", errors=[f"browser process: {type(exc).__name__}: {exc}"]))
    return results


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {run}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream dashboard {{ server 127.0.0.1:{upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{        # Streamlit's own scripts, styles and fonts (content-hashed names)
            alias {streamlit_static}/static/;
            add_header Cache-Control "public, immutable, max-age=31536000";
        }}
        location /app/static/ {{    # the dashboard's static folder (Leaflet)
            alias {app_static}/;
        }}
        location /_stcore/stream {{
            proxy_pass http://dashboard;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_read_timeout 86400;
        }}
        location / {{
            proxy_pass http://dashboard;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
        }}
    }}
}}
"""
"""The README's proxy, reduced to one upstream, serving the static files itself (as a deployment's proxy does)."""


def nginx_binary() -> str | None:
    """nginx on this machine (Debian puts it in /usr/sbin), or None."""
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def proxy_conf(run: Path, upstream: int, port: int) -> Path:
    """Write the proxy's config into ``run`` (its working folder): listen on ``port``, pass on to ``upstream``."""
    spec = importlib.util.find_spec("streamlit")
    if spec is None or spec.origin is None:
        msg = "streamlit is not installed"
        raise SystemExit(msg)
    run.mkdir(parents=True, exist_ok=True)
    conf = run / "nginx.conf"
    text = NGINX_CONF.format(run=run, upstream=upstream, port=port, app_static=ROOT / "static",
                             streamlit_static=Path(spec.origin).parent / "static")  # fmt: skip
    conf.write_text(text, encoding="utf-8")
    return conf


def start_proxy(upstream: int, tmp: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """nginx in front of the server on ``upstream``: static files from disk, the rest passed on.
    None without nginx (``apt-get install nginx-light``)."""
    nginx = nginx_binary()
    if nginx is None:
        return None
    run = tmp / "nginx"
    port = free_port()
    conf = proxy_conf(run, upstream, port)
    cmd = [nginx, "-p", str(run), "-c", str(conf), "-e", str(run / "error.log")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_healthy(proc, port)
    return proc, port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--browsers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ramp", type=float, default=10.0, help="sessions start within this many seconds")
    parser.add_argument("--think", default="2,6", help="think time before each change: low,high seconds")
    parser.add_argument("--repeat", type=int, default=3, help="paced turns (the target is judged on their median)")
    parser.add_argument("--browser-nice", type=int, default=0,
                        help="niceness of the browsers (server, proxy, websocket clients: 0)")  # fmt: skip
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True,
                        help="the server on a core of its own, browsers, clients and proxy on the others "
                             "(default); --no-pin: every process on every core")  # fmt: skip
    parser.add_argument("--setups", default="direct,proxy",
                        help="direct: every request to the server; proxy: through nginx serving the static files "
                             "(skipped without nginx); --repeat paced turns each")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write every run (phase, kind, step, start, seconds) here")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    browsers = args.browsers if shutil.which("chromium") else 0
    if browsers != args.browsers:
        print("chromium not found: websocket clients only")
    app = _bench_app()
    notes: list[str] = []
    split = split_cpus() if args.pin else None
    if args.pin and split is None:
        notes.append("one CPU or no affinity here: the server shares its core")
    if split is not None:
        os.sched_setaffinity(0, split[1])  # before any thread: the clients, browsers and proxy inherit it
        notes.append(f"pinned: the server on CPU {sorted(split[0])}, everything else on CPU {sorted(split[1])}")
    with tempfile.TemporaryDirectory() as d, contextlib.ExitStack() as stack:
        tmp = Path(d)
        t0 = time.perf_counter()
        cfg = app.config_for(app.synthetic(args.rows, tmp / "incidents.parquet"), tmp)
        print(f"{args.rows:,} synthetic incidents written in {time.perf_counter() - t0:.0f} s")
        port = free_port()
        server = stack.enter_context(_stopped(start_server(cfg, port, split[0] if split else None)))
        ports = {"direct": port}
        if "proxy" in args.setups.split(","):
            proxy = start_proxy(port, tmp)
            if proxy is None:
                notes.append("nginx not found (apt-get install nginx-light): no proxy setup")
            else:
                stack.enter_context(_stopped(proxy[0]))
                ports["proxy"] = proxy[1]
        setups = [x for x in args.setups.split(",") if x in ports]
        proc = psutil.Process(server.pid)
        _, rss_idle = server_usage(proc)
        warm = asyncio.run(websocket_sessions(port, 1))[0]  # first visitor: reads the file into the process
        _, rss_warm = server_usage(proc)
        singles: dict[str, tuple[Outcome, float]] = {}
        rss_single = rss_warm
        measured = []
        for setup in setups:
            c0, _ = server_usage(proc)
            alone = [asyncio.run(websocket_sessions(ports[setup], 1))[0] for _ in range(SINGLE_SESSIONS)]
            c1, rss_now = server_usage(proc)
            single = sorted(alone, key=lambda o: max(o.times, default=float("inf")))[len(alone) // 2]
            single.errors.extend(e for o in alone if o is not single for e in o.errors)  # none goes unreported
            singles[setup] = (single, (c1 - c0) / len(alone))
            rss_single = rss_now if setup == setups[0] else rss_single
            phases: list[tuple[str, list[Pace] | None]] = [
                (f"paced, {setup}, turn {i + 1} of {args.repeat}: starts within {args.ramp:g} s, "
                 f"{low:g}-{high:g} s think time before each change (the targets)",
                 paces(args.sessions, ramp_s=args.ramp, think_s=(low, high), seed=14 + i))
                for i in range(args.repeat)
            ]  # fmt: skip
            if setup == setups[-1]:
                phases.append((f"burst, {setup}: every session at once, no think time (stress; no target)", None))
            for label, pace in phases:
                c0, _ = server_usage(proc)
                t0 = time.perf_counter()
                many = concurrent(ports[setup], args.sessions, browsers, pace, args.browser_nice)
                wall = time.perf_counter() - t0
                c1, rss_after = server_usage(proc)
                measured.append((label, setup, many, wall, c1 - c0, rss_after))
    print(f"\nload benchmark: {args.sessions} sessions ({browsers} browsers), {args.rows:,} incidents, "
          f"{os.cpu_count()} cores")  # fmt: skip
    for note in notes:
        print(note)
    print(f"first visitor (file read): runs {', '.join(f'{t:.2f}' for t in warm.times)} s")
    shared = "; the server has a core of its own" if split else " but share this machine's cores with the server"
    print(f"the server, the proxy and the websocket clients at niceness 0, the browsers at {args.browser_nice} "
          f"(they stand for people's own machines{shared})")  # fmt: skip
    if args.json:
        runs = [{"phase": label, "kind": o.kind, "step": step, "start": start, "s": took}
                for label, _, many, *_ in measured for o in many
                for step, start, took in zip(o.steps, o.starts, o.times, strict=False)]  # fmt: skip
        args.json.write_text(json.dumps(runs, indent=0), encoding="utf-8")
    ratios: dict[str, list[float]] = {}
    for label, setup, many, wall, cpu, rss_after in measured:
        print(f"\n{label}")
        single, single_cpu = singles[setup]
        ratio = report(single, many, wall, (single_cpu, cpu), (rss_idle, rss_warm, rss_single, rss_after))
        if label.startswith("paced"):
            ratios.setdefault(setup, []).append(ratio)
    print()
    for setup, turns in ratios.items():
        med = statistics.median(turns)
        print(f"paced p95 / one session, {setup}, median of {len(turns)} turns: {med:.1f}x "
              f"(turns {', '.join(f'{r:.1f}x' for r in turns)}; target <= {P95_RATIO_TARGET:g}x) "
              f"{'OK' if med <= P95_RATIO_TARGET else 'MISSED'}")  # fmt: skip
    return 0


@contextlib.contextmanager
def _stopped(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Yield ``proc``; stop it after."""
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(
    single: Outcome,
    many: list[Outcome],
    wall: float,
    cpu: tuple[float, float],
    rss: tuple[float, float, float, float],
) -> float:
    """Print one phase's figures; returns its p95 over the single-session time (websocket clients).

    ``single``: the median one-session outcome; ``cpu``: its server CPU seconds and the phase's."""
    rss_idle, rss_warm, rss_single, rss_after = rss
    errors = [e for o in (single, *many) for e in o.errors]
    ws_times = np.array([t for o in many if o.kind == "websocket" for t in o.times])
    br_times = np.array([t for o in many if o.kind == "browser" for t in o.times])
    one = max(single.times) if single.times else float("nan")
    reruns = sum(len(o.times) for o in many if o.kind == "websocket") + sum(
        len(o.times) for o in many if o.kind == "browser"
    )
    print(f"one session alone: open {single.times[0] if single.times else float('nan'):.2f} s, "
          f"filter changes {', '.join(f'{t:.2f}' for t in single.times[1:])} s (worst {one:.2f} s; the median "
          f"of {SINGLE_SESSIONS} sessions one after another); "
          f"server CPU {cpu[0] / max(len(single.times), 1):.3f} s per rerun")  # fmt: skip
    ratio = float("nan")
    if len(ws_times):
        p50, p95 = np.percentile(ws_times, [50, 95])
        ratio = float(p95 / one)
        ok = p95 <= P95_RATIO_TARGET * one
        print(f"concurrent, websocket clients ({len(ws_times)} runs): p50 {p50:.2f} s, p95 {p95:.2f} s = "
              f"{p95 / one:.1f}x one session (target <= {P95_RATIO_TARGET:g}x) {'OK' if ok else 'MISSED'}")  # fmt: skip
        ws_runs = [o for o in many if o.kind == "websocket"]
        runs = sorted(((t, step) for o in ws_runs for t, step in zip(o.times, o.steps, strict=True)), reverse=True)
        print(f"  slowest runs: {', '.join(f'{t:.2f} s ({step})' for t, step in runs[:6])}")
        by_step: dict[str, list[float]] = {}
        for t, step in runs:
            by_step.setdefault(step, []).append(t)
        print("  p95 by step: " + ", ".join(f"{step} {np.percentile(ts, 95):.2f} s" for step, ts in by_step.items()))
    if len(br_times):
        b50, b95 = np.percentile(br_times, [50, 95])
        print(f"concurrent, browsers ({len(br_times)} page loads, navigation to drawn map): "
              f"p50 {b50:.2f} s, p95 {b95:.2f} s")  # fmt: skip
    print(f"concurrent wall time {wall:.1f} s; server CPU {cpu[1] / max(reruns, 1):.3f} s per rerun "
          f"({cpu[1]:.1f} s for {reruns} runs)")  # fmt: skip
    growth = rss_after - rss_single
    print(f"server RSS: idle {rss_idle:.0f} MB, after the first visitor {rss_warm:.0f} MB, after one session "
          f"{rss_single:.0f} MB, after the load {rss_after:.0f} MB: {growth:+.0f} MB (target <= +"
          f"{RSS_GROWTH_TARGET_MB:.0f} MB) {'OK' if growth <= RSS_GROWTH_TARGET_MB else 'MISSED'}")  # fmt: skip
    print(f"errors: {len(errors)} {'OK' if not errors else 'MISSED'}")
    for e in errors[:10]:
        print(f"  {e}")
    return ratio


if __name__ == "__main__":
    sys.exit(main())
