"""The load benchmark's harness (bench/load.py): pacing, CPU split, browser niceness, websocket sessions, proxy."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.bench_helpers import load_benchmark


@pytest.fixture(scope="module")
def load_bench() -> Any:
    return load_benchmark("load")


def test_paced_sessions_start_within_the_ramp_and_think_within_bounds(load_bench: Any) -> None:
    paces = load_bench.paces(20, ramp_s=10.0, think_s=(2.0, 6.0), seed=3)
    assert len(paces) == 20
    assert all(0.0 <= p.start_s <= 10.0 for p in paces)
    assert all(len(p.thinks_s) == len(load_bench.CHANGES) for p in paces)
    assert all(2.0 <= t <= 6.0 for p in paces for t in p.thinks_s)
    assert len({p.start_s for p in paces}) == 20  # spread, not all at once
    assert paces == load_bench.paces(20, ramp_s=10.0, think_s=(2.0, 6.0), seed=3)  # seeded: turns compare
    assert paces != load_bench.paces(20, ramp_s=10.0, think_s=(2.0, 6.0), seed=4)


def test_no_ramp_starts_every_session_at_once(load_bench: Any) -> None:
    assert {p.start_s for p in load_bench.paces(5, ramp_s=0.0, think_s=(0.0, 0.0))} == {0.0}


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity is Linux's")
def test_the_server_runs_on_a_core_of_its_own_and_its_threads_too(load_bench: Any) -> None:
    """The load benchmark keeps its browsers and clients off the server's core: the split is disjoint and
    covers this process's CPUs, and a child started pinned runs, with the threads it starts, on its share."""
    split = load_bench.split_cpus()
    mine = os.sched_getaffinity(0)
    if len(mine) < 2:
        assert split is None
        pytest.skip("one CPU: nothing to split")
    server, rest = split
    assert server
    assert rest
    assert not server & rest
    assert server | rest == mine
    probe = (
        "import os, threading\n"
        "cpus = lambda: ','.join(map(str, sorted(os.sched_getaffinity(0))))\n"
        "seen = []\nt = threading.Thread(target=lambda: seen.append(cpus()))\nt.start()\nt.join()\n"
        "print(cpus(), seen[0])"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         preexec_fn=load_bench.pin_to(server)).stdout.split()  # fmt: skip
    assert out == [",".join(map(str, sorted(server)))] * 2  # the process and a thread it starts
    assert os.sched_getaffinity(0) == mine  # this process keeps its own


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread niceness and capabilities are Linux's")
def test_browsers_start_at_the_niceness_given_and_cannot_raise_it(load_bench: Any) -> None:
    """The load benchmark's browsers stand for people's own machines: what a browser thread starts runs
    at its niceness and, as root, without the right to raise its threads above the server."""
    seen: dict[str, str] = {}
    probe = "import os; print(os.nice(0)); print(open('/proc/self/status').read())"

    def browser_thread() -> None:
        load_bench.browser_priority(7)
        seen["out"] = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout

    th = threading.Thread(target=browser_thread)
    th.start()
    th.join(timeout=60)
    nice, status = seen["out"].split("\n", 1)
    assert int(nice) == os.nice(0) + 7 or int(nice) == 19  # the child inherits the thread's niceness
    assert os.nice(0) != int(nice)  # this (main) thread keeps its own
    if os.geteuid() == 0:
        bounding = int(next(line for line in status.splitlines() if line.startswith("CapBnd:")).split()[1], 16)
        assert not bounding & (1 << load_bench.CAP_SYS_NICE)
        mine = int(next(line for line in Path("/proc/self/status").read_text().splitlines()
                        if line.startswith("CapBnd:")).split()[1], 16)  # fmt: skip
        assert mine & (1 << load_bench.CAP_SYS_NICE)  # the process itself keeps it


@pytest.mark.app
def test_a_websocket_session_opens_the_filters_and_changes_two(load_bench: Any) -> None:
    """The load benchmark's light client against a served dashboard (demo bundle): it opens the Map page,
    presses "Change filters" and changes two filters, each run ending with the map. The client runs its
    own event loop in a thread of its own: the browser tier's Playwright keeps a loop running in this one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import streamlit_app

    with streamlit_app("ws-client") as base, ThreadPoolExecutor(1) as pool:
        port = int(base.rsplit(":", 1)[1])
        out = pool.submit(asyncio.run, load_bench.websocket_sessions(port, 1)).result()[0]
    assert out.errors == []
    assert len(out.times) == 2 + len(load_bench.CHANGES)  # open, the press, one run per change
    assert all(0 < t < load_bench.RUN_TIMEOUT_S for t in out.times)


def test_the_load_benchmarks_proxy_config_is_valid_nginx(load_bench: Any, tmp_path: Path) -> None:
    """The proxy setup serves Streamlit's scripts from the installed package and passes the websocket on."""
    nginx = load_bench.nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx-light): the load benchmark runs without a proxy")
    run = tmp_path / "nginx"
    conf = load_bench.proxy_conf(run, 8501, 8502)
    text = conf.read_text(encoding="utf-8")
    aliases = [line.split()[1].rstrip(";") for line in text.splitlines() if line.strip().startswith("alias")]
    static = next(a for a in aliases if a.rstrip("/").endswith("static/static"))
    assert Path(static).is_dir()
    assert any(p.suffix == ".js" for p in (Path(static) / "js").iterdir())  # the hashed bundles are there
    assert "proxy_set_header Upgrade $http_upgrade;" in text
    done = subprocess.run([nginx, "-t", "-p", str(run), "-c", str(conf), "-e", str(run / "error.log")],
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
