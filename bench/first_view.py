"""First view in a real browser: navigation to a drawn map, against a bare Streamlit page measured in the same run.

Run: ``python bench/first_view.py [--runs 5] [--json out.json]``. Needs Debian's chromium and
playwright (the browser tier's tools). Every request to anywhere but this machine is blocked.

Four servers are started here: a bare page with one heading (the floor every Streamlit page pays
on this machine); a page with the Map page's widgets, the same kinds and counts, and a one-line
frame but no data (floor 2: what Streamlit's frontend costs to draw those widgets); the demo
bundle's homicide view; a 10k-incident file made from the demo by ``bench.app.synthetic``. Each is
opened once to warm the server's caches, then the four are visited in turn ``--runs`` times (so a
machine whose speed drifts moves every figure alike), each visit in a new browser context (no HTTP
cache: a first visitor on a warm server), timed from navigation to the map's legend (the map
script's last step) or, for the bare page, to its heading; medians are reported, with the ratio to
the bare page and the seconds over the widget page. The same is measured for a returning visitor
(one context, so Streamlit's scripts come from the browser's cache, as for staff who use the
dashboard every day); the targets are judged on first visits.

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MAP_IFRAME = 'iframe[data-testid="stIFrame"]'  # the Map page's static map frame (ui/mapframe.py)
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]  # fmt: skip
OFFLINE_FLAGS = ["--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
"""Chromium itself refuses every address but this machine's: other hosts resolve to nothing and any
other address goes to a proxy that is not there (loopback is never proxied). Routing each request
through playwright instead (``--intercept``) adds a round trip to this process for every file the
page loads, which a person's browser does not pay."""
BARE_PAGE = 'import streamlit as st\n\nst.title("First view floor")\n'
WIDGETS_PAGE = """
import datetime as dt
import streamlit as st

st.set_page_config(layout="wide")
sb = st.sidebar
sb.radio("Language", ["English", "Espanol"], horizontal=True)
sb.header("Filters")
sb.markdown("- **Period:** 2024-01-01 - 2024-12-31\\n- **Offense:** Homicide\\n- **Focus place:** Harvard Park\\n"
            "- **Rings:** 100, 200, 400")
sb.button("Change filters", icon=":material/tune:", width="stretch")
st.title("South LA Safety Map")
st.warning("Synthetic demo data")
st.caption("Source line")
layers = st.expander("Layers")
layers.markdown("**Drawn:** homicides, parks")
layers.button("Change layers")
c1, c2 = st.columns([2, 3])
c1.radio("View", ["Public", "Internal"], horizontal=True)
for col in st.columns(3):
    col.metric("In view", "1,234", delta="+3%")
st.iframe("<html><body><div class='safetymap-legend'>legend</div></body></html>", height=600, alt="Map")
st.html("<p>What the map shows.</p>")
with st.expander("Table"):
    st.html("<table><tr><th>a</th></tr><tr><td>1</td></tr></table>")
    st.download_button("CSV", "a\\n1\\n", file_name="x.csv", mime="text/csv")
st.subheader("Focus")
st.html("<table><tr><th>year</th></tr><tr><td>2024</td></tr></table>")
"""
"""The Map page's first view (the same kinds and counts of widgets, in the same places: the filters and the
layers listed with their "Change" buttons, ui.filters.OPEN) with no data and a one-line frame: what Streamlit's
frontend costs to draw them on this machine, the floor for the map page's own work."""
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


INTERCEPT = False
"""Block other hosts by routing every request through playwright (``--intercept``), not in Chromium."""
OUTSIDE: list[str] = []
"""Requests to anywhere but this machine that a page tried (they are refused either way)."""


def _local(url: str, base: str) -> bool:
    return url.startswith((base, "data:", "blob:", "about:"))


def _context(browser: Any, base: str) -> Any:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    if INTERCEPT:
        ctx.route("**/*", lambda r: r.continue_() if _local(r.request.url, base) else r.abort())
    ctx.on("request", lambda r: None if _local(r.url, base) else OUTSIDE.append(r.url))
    return ctx


def _visit(page: Any, url: str, *, bare: bool) -> float:
    """Seconds from navigating ``page`` to ``url`` until the map (or the bare page's heading) is drawn."""
    t0 = time.perf_counter()
    page.goto(url)
    _drawn(page, bare=bare)
    return time.perf_counter() - t0


@dataclass
class Case:
    """One server measured: its name, its base URL, the query it opens and whether it is the bare page."""

    name: str
    base: str
    query: str
    bare: bool
    first: list[float] = field(default_factory=list)
    again: list[float] = field(default_factory=list)
    log: dict[str, Any] = field(default_factory=dict)
    cache: Any = None  # the returning visitor's browser context (its HTTP cache)


def measure(browser: Any, cases: list[Case], *, runs: int) -> None:
    """Each case ``runs`` times in turn (case A, B, C, then A, B, C ...), so a machine whose speed drifts
    moves every figure alike: a first visit (new context, no HTTP cache) on a warm server, then a
    returning visitor (one context per case, so Streamlit's scripts come from the browser's cache; a
    new page, that is a new session, each time). The first visit of each case warms the server and
    the returning visitor's cache and is not counted; the last counted first visit logs its loads."""
    for case in cases:
        warm = _context(browser, case.base)
        _visit(warm.new_page(), f"{case.base}/?{case.query}", bare=case.bare)
        warm.close()
        case.cache = _context(browser, case.base)
        _visit(case.cache.new_page(), f"{case.base}/?{case.query}", bare=case.bare)
    for i in range(runs):
        for case in cases:
            ctx = _context(browser, case.base)
            page = ctx.new_page()
            requests: list[Any] = []
            frames: list[int] = []
            if i == runs - 1:
                page.on("requestfinished", lambda r, sink=requests: sink.append(r))
                page.on("websocket", lambda ws, sink=frames: ws.on("framereceived", lambda p: sink.append(len(p))))
            case.first.append(_visit(page, f"{case.base}/?{case.query}", bare=case.bare))
            if i == runs - 1:
                case.log = _load_log(requests, frames, case.base)
            ctx.close()
            page = case.cache.new_page()
            case.again.append(_visit(page, f"{case.base}/?{case.query}", bare=case.bare))
            page.close()
    for case in cases:
        case.cache.close()


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
    parser.add_argument("--intercept", action="store_true",
                        help="block other hosts by routing every request through playwright (the old way)")  # fmt: skip
    args = parser.parse_args(argv)
    global INTERCEPT  # one switch for the whole run
    INTERCEPT = args.intercept
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install chromium): nothing measured")
        return 1
    from playwright.sync_api import sync_playwright

    from bench.app import config_for, synthetic

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as d, sync_playwright() as pw, contextlib.ExitStack() as servers:
        tmp = Path(d)
        bare_script = tmp / "bare.py"
        bare_script.write_text(BARE_PAGE, encoding="utf-8")
        widgets_script = tmp / "widgets.py"
        widgets_script.write_text(WIDGETS_PAGE, encoding="utf-8")
        cfg10k = config_for(synthetic(10_000, tmp / "inc10k.parquet"), tmp)
        browser = pw.chromium.launch(executable_path=chromium, args=FLAGS + ([] if INTERCEPT else OFFLINE_FLAGS))
        specs: list[tuple[str, Path, Path | None, str, bool]] = [
            ("bare", bare_script, None, "", True),
            ("widgets", widgets_script, None, "", False),
            ("homicide", ROOT / "app.py", None, "cat=homicide", False),
            ("10k", ROOT / "app.py", cfg10k, "", False),
        ]
        cases = [
            Case(name, servers.enter_context(server(script, config=config)), query, bare)
            for name, script, config, query, bare in specs
        ]
        measure(browser, cases, runs=args.runs)
        browser.close()
    for case in cases:
        out[case.name] = {"median_s": statistics.median(case.first), "runs_s": [round(x, 3) for x in case.first],
                          "load": case.log, "returning_median_s": statistics.median(case.again)}  # fmt: skip
    rows = (
        ("widgets", "the same widgets, no data (floor 2)"),
        ("homicide", "homicide view, drawn map"),
        ("10k", "10k incidents, drawn map"),
    )
    for key, heading in (("median_s", f"first view (median of {args.runs})"),
                         ("returning_median_s", "returning visitor (scripts in the browser's cache)")):  # fmt: skip
        floor, widgets = out["bare"][key], out["widgets"][key]
        print(f"\n{heading:<38} {'seconds':>8} {'x bare':>7} {'- widgets':>10}   target")
        print(f"{'bare Streamlit page (floor)':<38} {floor:>8.2f} {1.0:>7.2f}")
        for name, label in rows:
            med = out[name][key]
            target = ""
            if name in TARGETS_S and key == "median_s":
                target = f"<= {TARGETS_S[name]:.0f} s {'OK' if med <= TARGETS_S[name] else 'MISSED'}"
            over = f"{med - widgets:>+10.2f}" if name != "widgets" else f"{'':>10}"
            print(f"{label:<38} {med:>8.2f} {med / floor:>7.2f} {over}   {target}")
    print(
        "\nThe targets are judged on first visits. '- widgets': seconds over the page with the same widgets, no data."
    )
    how = "routed through playwright (--intercept)" if INTERCEPT else "refused by Chromium (proxy and resolver rules)"
    print(f"Requests to other hosts {how}: {len(OUTSIDE)} tried{': ' + ', '.join(OUTSIDE[:5]) if OUTSIDE else ''}")
    for name in ("bare", "widgets", "homicide", "10k"):
        _print_log(name, out[name]["load"])
    if args.json:
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
