"""Benchmark of the animation of a period for slides (geo/exports/animate.py) against the naive way.

Run: ``python bench/bench_animate.py [--months 60] [--size 1920x1080] [--naive-frames 10] [--no-browser]``.
Prints, on the same data in the same run, for the public and the internal view:

- the frames' data: :func:`geo.exports.playback.playback` for ``--months`` monthly frames;
- the animation: the slide drawn once (layout, streets and their names, legend) then each frame recoloured
  (:func:`geo.exports.animframe.animation_canvas`), alone and written to a GIF and to an MP4
  (:func:`geo.exports.animate.write_animation`); target: each file within 10 s;
- the naive way: a whole matplotlib figure built and drawn for every frame (the same parts: title, banner,
  legend, street lines and names, squares through ``GeoDataFrame.plot``, period, scale strip), timed on
  ``--naive-frames`` frames and scaled to all of them (the line says so), and the ratio;
- ``animate()`` end to end around Harvard Park (the report's focus and period, then the GIF);
- the Map page's step in Chromium (optional, Debian's ``chromium`` through Playwright, every request that is not
  the page itself refused): the playback layer of the same frames, each step timed from ``show(k)`` to the next
  painted frame (target: a playback step <= 0.3 s at 10k incidents, DESIGN.md section 8).

Data: the real LAPD 10k sample of ../shared/data (SOURCES.md) when it is there, else the demo bundle. The sample
covers 2020 only: its locations are kept and its dates spread over the ``--months`` months (each incident keeps
its day and time and gets a year drawn with a fixed seed), so that every frame has incidents as a long period
would. The map frame is the view's whole extent (the Map page's playback), with the demo bundle's streets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo.core.disclosure import Disclosure
from geo.core.filters import Filters
from geo.core.i18n import fmt_int, t
from geo.core.projection import to_metric
from geo.core.settings import Settings
from geo.data.datasets import load_places, load_streets
from geo.data.ingest import incidents_from_path
from geo.exports.animate import Stage, animate, write_animation
from geo.exports.animframe import MAP_BACKGROUND, PAGE_IN, animation_canvas
from geo.exports.blocks import Entry, legend
from geo.exports.mapdraw import LabelSpace, draw_scale_strip, fill_extent, merged_streets, set_frame, street_labels
from geo.exports.playback import Playback, playback
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR
from geo.exports.sheet import SLIDE
from geo.exports.textfit import Box, fit, put

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "data" / "lapd_crime" / "Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz"
DEMO = ROOT / "data" / "demo"
TARGET_S = 10.0
STEP_TARGET_MS = 300.0
START = dt.date(2020, 1, 1)


def timed(fn: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def incidents(months: int, seed: int) -> tuple[Any, str]:
    """The incidents and a line saying what they are."""
    if not SAMPLE.exists():
        inc = incidents_from_path(DEMO / "incidents.parquet")
        return inc, f"demo bundle ({len(inc):,} synthetic incidents; ../shared/data is absent)"
    inc = incidents_from_path(SAMPLE).reset_index(drop=True)
    years = np.random.default_rng(seed).integers(0, max(1, months // 12), size=len(inc))
    when = inc["occurred_at"].copy()
    for y in range(1, int(years.max()) + 1):
        when[years == y] = inc.loc[years == y, "occurred_at"] + pd.DateOffset(years=y)
    inc["occurred_at"] = when
    return inc, (
        f"LAPD 10k sample ({len(inc):,} incidents with a location): locations as recorded, dates spread over "
        f"{months} months (day and time kept, year drawn with seed {seed}; the sample covers 2020 only)"
    )


WORDS: dict[str, Any] = {
    "lang": "en",
    "title": "Reported incidents, City of Los Angeles",
    "source_line": "Sources: LAPD",
}


def naive_frame(pb: Playback, k: int, streets: Any, size: tuple[int, int]) -> np.ndarray:
    """Frame ``k`` the naive way: a new figure with every part built and drawn."""
    fig = Figure(figsize=PAGE_IN, dpi=size[0] / PAGE_IN[0])
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    page = Box(0.4, 0.4, PAGE_IN[0] - 0.8, PAGE_IN[1] - 0.8)
    title = fit(WORDS["title"], page.w, 2.0, SLIDE.title)
    put(fig, title, page.x, page.top, page.w)
    put(fig, fit(t("report.synthetic", "en").upper(), page.w, 1.0, SLIDE.banner), page.x, page.top - 1.0, page.w)
    body = Box(page.x, page.y + 0.5, page.w, page.h - 2.1)
    map_col, side = body.take_left(body.w * 0.64, gap=0.45)
    strip_box, map_box = map_col.take_bottom(SLIDE.map.strip * 2.0 / 72)
    ax = fig.add_axes(map_box.fraction(fig))
    cells = to_metric(pb.cells)
    x0, y0, x1, y1 = cells.total_bounds
    extent = fill_extent((x0, x1, y0, y1), map_box.w, map_box.h)
    set_frame(ax, extent, background=MAP_BACKGROUND)
    level = pb.levels[:, k]
    shown = cells[level >= 0]
    colours = [([SUPPRESSED_COLOUR, *LEVEL_COLOURS])[v] for v in level[level >= 0]]
    if len(shown):
        shown.plot(ax=ax, color=colours, edgecolor="white", linewidth=0.75, zorder=3)
    sm = to_metric(streets)
    sm.plot(ax=ax, color="#8c8c8c", linewidth=1.0, zorder=4)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    named = merged_streets(list(sm["name"]), list(sm.geometry), shapely.box(extent[0], extent[2], extent[1], extent[3]))
    street_labels(LabelSpace(ax, fig.canvas.get_renderer()), named, fontsize=SLIDE.map.street, zorder=7)
    draw_scale_strip(fig.add_axes(strip_box.fraction(fig)), extent, label=lambda m: f"{fmt_int(m, 'en')} m",
                     north="N", fontsize=SLIDE.map.strip, linewidth=5)  # fmt: skip
    put(fig, fit(pb.labels("en")[k], side.w, 1.6, SLIDE.title.at(48)), side.x, side.top, side.w)
    entries = [Entry("cell", LEVEL_COLOURS[i], label) for i, label in enumerate(pb.class_labels)]
    legend(fig, side.take_top(2.0, gap=0.3)[1], "Incidents per 150 m square",
           [*entries, Entry("cell", SUPPRESSED_COLOUR, t("playback.hidden", "en"))], SLIDE.legend)  # fmt: skip
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()


def browser_steps(pb: Playback, settings: Settings) -> tuple[float, float, float] | None:
    """(median, max of the step painted, max of ``show`` alone) in ms in Chromium, or None when it cannot run."""
    try:
        from playwright.sync_api import Error as BrowserError
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    from geo.data.webassets import inline_tags
    from layers.compose import MapComposer
    from layers.page import map_html
    from layers.playback import playback_layer

    composer = MapComposer(settings, lang="en", asset_base=None)
    composer.add(*playback_layer(pb, lang="en", name="Incidents per square, month by month"))
    html = map_html(composer.finish(synthetic=False), lang="en", title="Playback").replace(
        "</head>", inline_tags() + "</head>", 1
    )
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-first-run"]  # fmt: skip
    script = """async () => { const p = window.safetymapPlayback, painted = [], sync = [];
        const paint = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (let k = 0; k < p.frames; k++) {
            const t0 = performance.now(); p.show(k); sync.push(performance.now() - t0);
            await paint(); painted.push(performance.now() - t0); }
        return [painted, sync]; }"""
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        page_file = Path(tmp) / "map.html"
        page_file.write_text(html, encoding="utf-8")
        try:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=flags)
        except BrowserError as exc:
            print(f"  (no browser: {str(exc).splitlines()[0]})")
            return None
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        page.goto(page_file.as_uri())
        page.wait_for_function("() => window.safetymapPlayback !== undefined", timeout=60_000)
        painted, sync = page.evaluate(script)
        browser.close()
    return statistics.median(painted), max(painted), max(sync)


def row(name: str, seconds: float, extra: str = "") -> None:
    print(f"  {name:<50} {seconds:>8.2f} s  {extra}")


def bench_view(inc: Any, args: argparse.Namespace, public: bool, streets: Any) -> None:
    settings = Settings()
    rule = Disclosure.from_settings(settings.privacy, public=public)
    end = (pd.Timestamp(START) + pd.DateOffset(months=args.months) - pd.Timedelta(days=1)).date()
    shown = inc[(inc["occurred_at"].dt.date >= START) & (inc["occurred_at"].dt.date <= end)]
    t_pb, pb = timed(lambda: playback(shown, start=START, end=end, step="month", cell_m=150.0, rule=rule), repeat=3)
    levels = pb.levels
    print(f"\n{'public' if public else 'internal'} view: {len(pb.frames)} monthly frames, {len(pb.cells):,} squares "
          f"with an incident; per frame {np.mean((levels >= 0).sum(axis=0)):,.0f} drawn, "
          f"{np.mean((levels == 0).sum(axis=0)):,.0f} hidden; classes {', '.join(pb.class_labels)}")  # fmt: skip
    row("playback(...), the frames' data", t_pb, "(best of 3; the others best of 2, the naive way once)")
    size = args.size
    t_first, canvas = timed(lambda: animation_canvas(pb, streets=streets, size=size, synthetic=False, **WORDS), 2)
    t_frames, frames = timed(lambda: list(canvas.frames()), 2)
    row("the slide drawn once (layout, streets, names)", t_first)
    row(f"{len(frames)} frames recoloured", t_frames, f"({t_frames / len(frames) * 1000:.0f} ms a frame)")
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in ("gif", "mp4"):
            out = Path(tmp) / f"anim.{suffix}"

            def whole(out: Path = out) -> Path:
                c = animation_canvas(pb, streets=streets, size=size, synthetic=False, **WORDS)
                return write_animation(out, c.frames(), fps=2.0)

            t_all, _ = timed(whole, 2)
            ok = "OK" if t_all <= TARGET_S else "OVER"
            row(f"{len(frames)} frames -> {suffix.upper()} (draw and write)", t_all,
                f"target <= {TARGET_S:.0f} s: {ok}   {out.stat().st_size / 1e6:.1f} MB")  # fmt: skip
    n = min(args.naive_frames, len(frames))
    t_naive, _ = timed(lambda: [naive_frame(pb, k, streets, size) for k in range(n)])
    scaled = t_naive * len(frames) / n
    row(f"naive: a whole figure drawn per frame, {len(frames)} frames", scaled,
        f"ratio {scaled / (t_first + t_frames):.1f}x against the frames above (timed on {n} frames, "
        f"scaled to {len(frames)})")  # fmt: skip
    if public and not args.no_browser:
        steps = browser_steps(pb, settings)
        if steps is None:
            print("  Map page step in Chromium: skipped (no Playwright or no chromium)")
        else:
            median, worst, sync = steps
            ok = "OK" if worst <= STEP_TARGET_MS else "OVER"
            name = "Map page: a step in Chromium, show(k) to painted"
            print(f"  {name:<50} {median:>8.1f} ms median, {worst:.1f} ms slowest (show alone {sync:.1f} ms); "
                  f"target <= {STEP_TARGET_MS:.0f} ms: {ok}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--months", type=int, default=60, help="monthly frames (default 60)")
    parser.add_argument("--size", default="1920x1080", help="frame pixels, 16:9 (default 1920x1080)")
    parser.add_argument("--naive-frames", type=int, default=10, help="frames the naive way is timed on")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-browser", action="store_true", help="leave out the Map page's step in Chromium")
    args = parser.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    args.size = (w, h)
    inc, what = incidents(args.months, args.seed)
    streets = load_streets(DEMO / "streets.geojson")
    print(f"data: {what}")
    print(f"frames: {args.months} months from {START}, squares of 150 m, {w}x{h} pixels; streets: the demo bundle's")
    for public in (True, False):
        bench_view(inc, args, public, streets)
    places = load_places(DEMO / "places.geojson")
    stage = Stage(places=places, streets=streets, size=args.size)
    end = (pd.Timestamp(START) + pd.DateOffset(months=args.months) - pd.Timedelta(days=1)).date()
    filters = Filters(place="Harvard Park", start=START, end=end)
    with tempfile.TemporaryDirectory() as tmp:
        t_all, out = timed(lambda: animate(inc, settings=Settings(), filters=filters, step="month",
                                           out=Path(tmp) / "harvard.gif", stage=stage))  # fmt: skip
        print()
        row(f"animate(), Harvard Park frame, public, {args.months} months -> GIF", t_all,
            f"(report focus and period, playback, frames, file: {out.stat().st_size / 1e6:.1f} MB)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
