"""First view in a real browser: navigation to a drawn map, against a bare Streamlit page measured in the same run.

Run: ``python bench/first_view.py [--runs 5] [--json out.json]``. Needs Debian's chromium and
playwright (the browser tier's tools). Every request to anywhere but this machine is blocked.

For each of three servers started here (the demo bundle's homicide view; a 10k-incident file
made from the demo by ``bench.app.synthetic``; a bare page with one heading) it opens the page once
to warm the server's caches, then ``--runs`` times in a new browser context (no HTTP cache: a
first visitor on a warm server) and takes the median seconds from navigation to the map's legend
(the map script's last step) or, for the bare page, to its heading. The ratio map / bare says
how much the map itself costs over what every Streamlit page pays on this machine. The same is
then measured for a returning visitor (one context, so Streamlit's scripts come from the browser's
cache, as for staff who use the dashboard every day); the targets are judged on first visits.

It also writes what the page loads before the map draws (one measured run): every HTTP request
with its type, bytes and milliseconds from navigation, and the bytes of the WebSocket messages
(where Streamlit sends the map's HTML), so the payload can be cut where it is largest.

Targets (DESIGN.md section 8): <= 2 s for the homicide view, <= 3 s at 10k incidents.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MAP_IFRAME = 'iframe[data-testid="stIFrame"]'  # the Map page's static map frame (ui/mapframe.py)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]  # fmt: skip
BARE_PAGE = 'import streamlit as st\n\nst.title("First view floor")\n'
TARGETS_S = {"homicide": 2.0, "10k": 3.0}


@contextlib.contextmanager
def server(script: Path, *, config: Path | None = None) -> Iterator[str]:
    """``streamlit run script`` on a free localhost port; yields the base URL and stops the server after."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "SAFETYMAP__MAP__TILES__ENABLED": "false",
        **({"SAFETYMAP_CONFIG": str(config)} if config else {}),
    }
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), "--server.headless",
           "true", "--server.address", "127.0.0.1"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.2)  # poll until the server answers
        else:
            msg = f"streamlit did not start for {script}"
            raise SystemExit(msg)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _drawn(page: Any, *, bare: bool) -> None:
    if bare:
        page.locator("h1").first.wait_for(timeout=120_000)
    else:
        page.frame_locator(MAP_IFRAME).locator(".safetymap-legend").wait_for(state="attached", timeout=120_000)


def _context(browser: Any, base: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base) else r.abort())
    return ctx


def _visit(page: Any, url: str, *, bare: bool) -> float:
    """Seconds from navigating ``page`` to ``url`` until the map (or the bare page's heading) is drawn."""
    t0 = time.perf_counter()
    page.goto(url)
    _drawn(page, bare=bare)
    return time.perf_counter() - t0


def returning_views(browser: Any, base: str, query: str, *, runs: int, bare: bool) -> list[float]:
    """Seconds from navigation to drawn for a returning visitor: one browser context, so its HTTP cache holds
    Streamlit's scripts (served ``immutable``) from the first visit; a new page (a new session) each time."""
    ctx = _context(browser, base)
    times: list[float] = []
    for i in range(runs + 1):  # the first visit fills the cache and is not counted
        page = ctx.new_page()
        took = _visit(page, f"{base}/?{query}", bare=bare)
        times += [took] if i else []
        page.close()
    ctx.close()
    return times


def first_views(browser: Any, base: str, query: str, *, runs: int, bare: bool) -> tuple[list[float], dict[str, Any]]:
    """Seconds from navigation to drawn, ``runs`` times on a warm server; and the load log of the last run."""
    warm = _context(browser, base)
    _visit(warm.new_page(), f"{base}/?{query}", bare=bare)
    warm.close()
    times: list[float] = []
    log: dict[str, Any] = {}
    for i in range(runs):
        ctx = _context(browser, base)
        page = ctx.new_page()
        requests: list[Any] = []
        frames: list[int] = []
        if i == runs - 1:
            page.on("requestfinished", lambda r, sink=requests: sink.append(r))
            page.on("websocket", lambda ws, sink=frames: ws.on("framereceived", lambda p: sink.append(len(p))))
        times.append(_visit(page, f"{base}/?{query}", bare=bare))
        if i == runs - 1:
            log = _load_log(requests, frames, base)
        ctx.close()
    return times, log


def _load_log(requests: list[Any], frames: list[int], base: str) -> dict[str, Any]:
    rows = []
    for req in requests:
        sizes = req.sizes()
        timing = req.timing
        rows.append(
            {
                "path": req.url.removeprefix(base).split("?")[0][:120],
                "type": req.resource_type,
                "bytes": int(sizes.get("responseBodySize", 0)),
                "ms_end": round(float(timing.get("startTime", 0)) + float(timing.get("responseEnd", 0))),
            }
        )
    rows.sort(key=lambda r: -r["bytes"])
    by_type: dict[str, list[int]] = {}
    for r in rows:
        by_type.setdefault(r["type"], []).append(r["bytes"])
    t_min = min((r["ms_end"] for r in rows), default=0)
    for r in rows:
        r["ms_end"] -= t_min
    return {
        "requests": len(rows),
        "http_bytes": sum(r["bytes"] for r in rows),
        "by_type": {k: {"n": len(v), "bytes": sum(v)} for k, v in sorted(by_type.items())},
        "websocket_messages": len(frames),
        "websocket_bytes": sum(frames),
        "largest": rows[:12],
        # the map frame's own loads: Leaflet and the page's vendored assets (and a component's page and bundle, if any)
        "map_assets": sorted(
            (r for r in rows if any(k in r["path"] for k in ("component", "folium", "leaflet", "vendor"))),
            key=lambda r: r["ms_end"],
        ),
    }


def _print_log(name: str, log: dict[str, Any]) -> None:
    print(f"\n{name}: {log['requests']} HTTP requests, {log['http_bytes'] / 1e3:.0f} kB; "
          f"{log['websocket_messages']} WebSocket messages, {log['websocket_bytes'] / 1e3:.0f} kB")  # fmt: skip
    for kind, agg in log["by_type"].items():
        print(f"  {kind:<12} {agg['n']:>4} requests {agg['bytes'] / 1e3:>9.0f} kB")
    for r in log["largest"]:
        print(f"  {r['bytes'] / 1e3:>8.0f} kB  {r['type']:<10} {r['path']}")
    if log["map_assets"]:
        print("  the map frame's loads (ms after the first request ends):")
    for r in log["map_assets"]:
        print(f"  {r['ms_end']:>7} ms {r['bytes'] / 1e3:>7.0f} kB  {r['type']:<10} {r['path']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install chromium): nothing measured")
        return 1
    from playwright.sync_api import sync_playwright

    from bench.app import config_for, synthetic

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as d, sync_playwright() as pw:
        tmp = Path(d)
        bare_script = tmp / "bare.py"
        bare_script.write_text(BARE_PAGE, encoding="utf-8")
        cfg10k = config_for(synthetic(10_000, tmp / "inc10k.parquet"), tmp)
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS)
        # the floor first and last, so a machine that gets busier during the run shows in the spread
        cases: list[tuple[str, Path, Path | None, str, bool]] = [
            ("bare", bare_script, None, "", True),
            ("homicide", ROOT / "app.py", None, "cat=homicide", False),
            ("10k", ROOT / "app.py", cfg10k, "", False),
        ]
        for name, script, config, query, bare in cases:
            with server(script, config=config) as base:
                times, log = first_views(browser, base, query, runs=args.runs, bare=bare)
                again = returning_views(browser, base, query, runs=args.runs, bare=bare)
            out[name] = {"median_s": statistics.median(times), "runs_s": [round(x, 3) for x in times], "load": log,
                         "returning_median_s": statistics.median(again)}  # fmt: skip
        browser.close()
    floor = out["bare"]["median_s"]
    print(f"{'first view (median of ' + str(args.runs) + ')':<34} {'seconds':>8} {'x bare':>7}   target")
    print(f"{'bare Streamlit page (floor)':<34} {floor:>8.2f} {1.0:>7.2f}")
    for name, label in (("homicide", "homicide view, drawn map"), ("10k", "10k incidents, drawn map")):
        med = out[name]["median_s"]
        ok = "OK" if med <= TARGETS_S[name] else "MISSED"
        print(f"{label:<34} {med:>8.2f} {med / floor:>7.2f}   <= {TARGETS_S[name]:.0f} s {ok}")
    floor_again = out["bare"]["returning_median_s"]
    print("\nreturning visitor (scripts in the browser's cache; the targets are judged on first visits above)")
    print(f"{'bare Streamlit page (floor)':<34} {floor_again:>8.2f} {1.0:>7.2f}")
    for name, label in (("homicide", "homicide view, drawn map"), ("10k", "10k incidents, drawn map")):
        med = out[name]["returning_median_s"]
        print(f"{label:<34} {med:>8.2f} {med / floor_again:>7.2f}")
    for name in ("bare", "homicide", "10k"):
        _print_log(name, out[name]["load"])
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
