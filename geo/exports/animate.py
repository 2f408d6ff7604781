"""The animation of a period for slides: the squares' counts step by step, as an animated GIF or an MP4.

The frames are the Map page's playback (:class:`geo.exports.playback.Playback`): the same squares, the same
classes (one set of breaks for the whole period, so a colour means the same counts in every frame) and the
same hidden squares (in the public view the whole table is protected by
:meth:`geo.core.disclosure.Disclosure.cross`). No frame holds a point. They are drawn by
:mod:`geo.exports.animframe` (the slide drawn once, only the squares' colours and the period changing) and
written by :func:`write_animation`; :func:`animate` goes from the incidents to the file as the report command
frames its slide (the focus, the period and the title of :func:`geo.exports.report.build_report`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import imageio_ffmpeg
import numpy as np
from matplotlib.colors import to_rgba_array
from PIL import Image

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.filters import Filters, apply
from geo.core.i18n import t
from geo.core.projection import to_metric
from geo.core.settings import Settings
from geo.core.store import atomic_path
from geo.exports.animframe import KEY_COLOURS, SLIDE_SIZE, SMALL_SIZE, AnimationCanvas, animation_canvas, check_size
from geo.exports.focus import Focus
from geo.exports.playback import STEPS, Playback, Step, playback
from geo.exports.report import build_report

FORMATS = ("gif", "mp4")
"""File formats of the animation, by file suffix."""
FPS = 2.0
"""Frames per second of the written animation (each period on screen half a second)."""
HOLD_S = 3.0
"""How much longer the GIF holds its last frame before it starts again, seconds."""
MP4_CRF = "18"
"""H.264 constant rate factor: small type stays sharp."""
PALETTE_GAP = 12.0
"""Other GIF colours keep this far from a key colour (RGB distance, 0-255 a channel): Pillow matches a colour
by the corner of its 4x4x4 cell (up to 5.2 away), so no other colour can be nearer to a key colour's corner."""


@dataclass(frozen=True)
class Stage:
    """What the map of :func:`animate` is drawn with besides the incidents, and the file's pixels and pace.

    ``places`` (the table the focus place is looked up in) and ``streets`` (lines with ``name``, EPSG:4326)
    default to the configured ones (``sources.places``, the workspace's place layers; ``sources.streets``);
    ``lat``/``lon`` (degrees) give a focus point instead of a place.
    """

    places: gpd.GeoDataFrame | None = None
    streets: gpd.GeoDataFrame | None = None
    lat: float | None = None
    lon: float | None = None
    size: tuple[int, int] = SLIDE_SIZE
    fps: float = FPS


def animation_frames(
    playback: Playback,
    *,
    lang: str,
    title: str,
    source_line: str,
    streets: gpd.GeoDataFrame | None = None,
    focus: Focus | None = None,
    size: tuple[int, int] = SLIDE_SIZE,
    synthetic: bool = False,
) -> Iterator[np.ndarray]:
    """The frames of ``playback``, one per step, as RGB arrays (``uint8``, height x width x 3).

    Parameters
    ----------
    playback
        The steps of the period (:func:`geo.exports.playback.playback`), already as the view may show them.
    lang
        ``"en"`` or ``"es"``.
    title
        The slide's title (plain text); the period and the step are printed under it.
    source_line
        The line naming the data and what the view may show, at the foot of every frame.
    streets
        Context street lines (``name``, any CRS), drawn over the squares with their names; optional.
    focus
        The focus place or point (:class:`geo.exports.focus.Focus`): its outline, ring and name, and the map's
        frame; default the squares' extent.
    size
        ``(width, height)`` pixels, 16:9: :data:`SLIDE_SIZE` (1920x1080) or :data:`SMALL_SIZE` (1280x720).
    synthetic
        Print the synthetic-data banner under the title.
    """
    canvas = animation_canvas(playback, lang=lang, title=title, source_line=source_line, streets=streets,
                              focus=focus, size=size, synthetic=synthetic)  # fmt: skip
    yield from canvas.frames()


# --- writing the file ----------------------------------------------------------------------------


def animation_format(path: str | Path) -> str:
    """``"gif"`` or ``"mp4"`` from ``path``'s suffix; anything else raises :class:`AnalysisError`."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        msg = f"an animation file must end in .gif or .mp4, got {Path(path).name!r}"
        raise AnalysisError(msg)
    return fmt


def write_animation(path: str | Path, frames: Iterable[np.ndarray], *, fps: float = FPS) -> Path:
    """Write ``frames`` (RGB ``uint8`` arrays, all of one size) to ``path``: an animated GIF that loops forever
    and holds its last frame :data:`HOLD_S` seconds longer, or an H.264 MP4 (yuv420p, even dimensions: an odd
    row or column is repeated). ``fps`` frames per second. The file appears whole or not at all. (A GIF shows two
    identical frames in a row as one, for their time together; the frames of :func:`animation_frames` all differ
    by their period.)

    Raises
    ------
    AnalysisError
        A suffix other than ``.gif``/``.mp4``, a bad ``fps``, no frame, frames of different sizes.
    """
    dest = Path(path)
    fmt = animation_format(dest)
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not math.isfinite(fps) or not 0 < fps <= 60:
        msg = f"fps must be a number of frames per second above 0 and up to 60, got {fps!r}"
        raise AnalysisError(msg)
    with atomic_path(dest, suffix=f".{fmt}") as tmp:
        if fmt == "gif":
            _write_gif(tmp, frames, fps)
        else:
            _write_mp4(tmp, frames, fps)
    return dest


def _checked(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """The frames, each checked to be RGB ``uint8`` of the first one's size."""
    shape: tuple[int, ...] | None = None
    for k, frame in enumerate(frames):
        arr = np.asarray(frame)
        if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
            msg = f"frame {k} must be an RGB uint8 array (height, width, 3), got {arr.dtype} {arr.shape}"
            raise AnalysisError(msg)
        if shape is not None and arr.shape != shape:
            msg = f"frame {k} is {arr.shape[1]}x{arr.shape[0]} pixels, the first one {shape[1]}x{shape[0]}"
            raise AnalysisError(msg)
        shape = arr.shape
        yield arr
    if shape is None:
        msg = "no frame to write"
        raise AnalysisError(msg)


def _palette(first: Image.Image) -> Image.Image:
    """A GIF palette: the map's own colours exactly (squares, hidden grey, background, text), then the first
    frame's other colours (antialiased edges; the legend shows every class), less those so near a key colour
    that a flat area of it would be written in them."""
    keys = (to_rgba_array(list(KEY_COLOURS))[:, :3] * 255 + 0.5).astype(np.uint8)
    keys = keys[np.sort(np.unique(keys, axis=0, return_index=True)[1])]
    found = first.quantize(colors=256 - len(keys), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    rest = np.frombuffer(bytes(found.getpalette() or []), dtype=np.uint8).reshape(-1, 3)
    near = np.sqrt(((rest[:, None, :].astype(float) - keys[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    colours = np.vstack([keys, rest[near > PALETTE_GAP]])[:256]
    palette = Image.new("P", (1, 1))
    palette.putpalette(colours.tobytes() + bytes(768 - colours.size))
    return palette


def _write_gif(tmp: Path, frames: Iterable[np.ndarray], fps: float) -> None:
    """One palette for every frame (:func:`_palette`), no dithering: a colour is the same in every frame."""
    images: list[Image.Image] = []
    palette: Image.Image | None = None
    for arr in _checked(frames):
        image = Image.fromarray(arr)
        palette = palette or _palette(image)
        images.append(image.quantize(palette=palette, dither=Image.Dither.NONE))
    step_ms = round(1000 / fps)
    durations = [step_ms] * (len(images) - 1) + [step_ms + round(HOLD_S * 1000)]
    images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)


def _write_mp4(tmp: Path, frames: Iterable[np.ndarray], fps: float) -> None:
    try:
        imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        msg = f"an MP4 needs ffmpeg (the imageio-ffmpeg package of requirements.txt): {exc}"
        raise AnalysisError(msg) from None
    writer = None
    try:
        for arr in _checked(frames):
            even = np.pad(arr, ((0, arr.shape[0] % 2), (0, arr.shape[1] % 2), (0, 0)), mode="edge")
            if writer is None:
                writer = imageio_ffmpeg.write_frames(
                    str(tmp), (even.shape[1], even.shape[0]), fps=fps, codec="libx264", pix_fmt_in="rgb24",
                    pix_fmt_out="yuv420p", quality=None, macro_block_size=2, ffmpeg_log_level="error",
                    output_params=["-crf", MP4_CRF, "-movflags", "+faststart"],
                )  # fmt: skip
                writer.send(None)
            writer.send(np.ascontiguousarray(even))
    finally:
        if writer is not None:
            writer.close()


# --- from the incidents to the file ---------------------------------------------------------------


def animate(
    incidents: gpd.GeoDataFrame,
    *,
    settings: Settings,
    filters: Filters | None = None,
    step: Step = "month",
    public: bool = True,
    lang: str = "en",
    out: str | Path,
    stage: Stage | None = None,
) -> Path:
    """Write the animation of the squares' counts through a period around a place, as ``python -m geo report``
    frames its slide.

    The focus (``filters.place``, default ``settings.focus.default_place``, or ``stage.lat``/``lon``), the
    period (``filters.start``/``end``, default the 12 months ending with the data's latest date; whole months in
    the public view) and the title are :func:`geo.exports.report.build_report`'s. The squares are the Map page's
    playback of the rows ``filters`` select in that period (:func:`geo.exports.playback.playback`, the grid
    ``settings.analysis.grid_cell_m`` metres), under ``Disclosure.from_settings(settings.privacy, public=...)``,
    so the file shows the classes and hidden squares the page shows.

    Returns
    -------
    Path
        ``out``, a ``.gif`` or ``.mp4`` (:func:`write_animation`).

    Raises
    ------
    AnalysisError
        A bad suffix, step or size, no incident in the period, a missing folder.
    DataError
        An unknown place name.
    """
    dest = Path(out)
    animation_format(dest)
    if step not in STEPS:
        msg = f"unknown time step {step!r}: use one of {', '.join(STEPS)}"
        raise AnalysisError(msg)
    if not dest.parent.is_dir():
        msg = f"the folder of the animation file does not exist: {dest.parent}"
        raise AnalysisError(msg)
    where = stage if stage is not None else Stage()
    check_size(where.size)
    wanted = filters if filters is not None else Filters()
    places, streets = _surroundings(where, settings)
    report = build_report(incidents, places, None, filters=wanted, lat=where.lat, lon=where.lon, lang=lang,
                          privacy="public" if public else "internal", settings=settings)  # fmt: skip
    rule = Disclosure.from_settings(settings.privacy, public=public)
    first, last = rule.dates(report.period_start, report.period_end)  # whole months in the public view
    start, end = first or report.period_start, last or report.period_end
    rows = apply(incidents, wanted.replace(start=start, end=end))  # the view's rows, as the Map page selects them
    frames = playback(rows, start=start, end=end, step=step, cell_m=float(settings.analysis.grid_cell_m), rule=rule,
                      lang=report.lang)  # fmt: skip
    geom_m = to_metric(report.focus).geometry.iloc[0]
    focus = Focus(report.focus_name, report.focus, False, geom_m, report.ring_m, report.ring, report.extent_m)
    if public:
        mode = t("playback.public_note", report.lang, n=rule.min_count)
    else:
        mode = report.text("report.privacy", mode=report.mode_label)
    source = " · ".join(part for part in (mode, report.attribution) if part)
    drawn = animation_frames(frames, lang=report.lang, title=report.title, source_line=source, streets=streets,
                             focus=focus, size=where.size, synthetic=report.synthetic)  # fmt: skip
    return write_animation(dest, drawn, fps=where.fps)


def _surroundings(stage: Stage, settings: Settings) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The stage's place table and street lines, else the configured ones (as the report command reads them)."""
    from geo.data.datasets import load_streets
    from geo.data.workspace import load_workspace_places, read_workspace, workspace_file

    places = stage.places
    if places is None:
        places = load_workspace_places(read_workspace(workspace_file(settings)), settings)
    streets = stage.streets if stage.streets is not None else load_streets(settings.sources.streets)
    return places, streets


__all__ = [
    "FORMATS",
    "SLIDE_SIZE",
    "SMALL_SIZE",
    "AnimationCanvas",
    "Stage",
    "animate",
    "animation_canvas",
    "animation_format",
    "animation_frames",
    "write_animation",
]
