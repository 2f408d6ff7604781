"""The animation of a period for slides (geo/exports/animate.py, geo/exports/animframe.py): one frame per step,
the legend fixed, the squares' classes and hidden squares those of the Map page's playback, and the GIF and MP4
files read back."""

from __future__ import annotations

import datetime as dt
import gc
import json
import subprocess
import warnings
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import geopandas as gpd
import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
import shapely
from matplotlib.colors import to_rgb
from matplotlib.text import Text
from PIL import Image

from geo.core.disclosure import Disclosure
from geo.core.errors import AnalysisError
from geo.core.filters import Filters
from geo.core.i18n import t
from geo.core.projection import to_metric
from geo.core.settings import Settings
from geo.exports.animate import Stage, animate, animation_frames, write_animation
from geo.exports.animframe import (
    MAP_BACKGROUND,
    SLIDE_SIZE,
    AnimationCanvas,
    PixelBox,
    animation_canvas,
)
from geo.exports.focus import report_focus
from geo.exports.playback import Playback, playback
from geo.exports.privacy import LEVEL_COLOURS, SUPPRESSED_COLOUR
from tests.report_helpers import demo_tables

SMALL = (640, 360)
HARVARD = (378_700.0, 3_760_300.0)  # EPSG:32611 metres, near Harvard Park
NEAR_M = 1_500.0
"""Half the side of the square of demo incidents the pixel tests count (a small map: squares of ~20 pixels)."""


def _rgb(colour: str) -> np.ndarray:
    return np.round(np.asarray(to_rgb(colour)) * 255).astype(np.uint8)


@cache
def near_harvard() -> gpd.GeoDataFrame:
    """The demo incidents within a square of :data:`NEAR_M` around Harvard Park (EPSG:4326)."""
    inc = demo_tables()[0]
    xy = to_metric(inc).geometry
    x0, y0 = HARVARD
    return inc[xy.within(shapely.box(x0 - NEAR_M, y0 - NEAR_M, x0 + NEAR_M, y0 + NEAR_M)).to_numpy()]


@cache
def steps(public: bool, step: str = "quarter", lang: str = "en") -> Playback:
    rule = Disclosure.from_settings(Settings().privacy, public=public)
    return playback(near_harvard(), start=dt.date(2021, 1, 1), end=dt.date(2024, 12, 31), step=step,
                    cell_m=150.0, rule=rule, lang=lang)  # fmt: skip


def canvas_of(pb: Playback, *, lang: str = "en", with_context: bool = False, size: tuple[int, int] = SMALL,
              title: str = "Incidents near Harvard Park") -> AnimationCanvas:  # fmt: skip
    _, places, streets = demo_tables()
    focus = report_focus(places, "Harvard Park", lang=lang, ring_m=400.0) if with_context else None
    return animation_canvas(pb, lang=lang, title=title, source_line="Sources: synthetic demo data",
                            streets=streets if with_context else None, focus=focus, size=size,
                            synthetic=True)  # fmt: skip


@cache
def rendered(public: bool, with_context: bool = False, step: str = "quarter") -> tuple[AnimationCanvas, np.ndarray]:
    canvas = canvas_of(steps(public, step), with_context=with_context)
    return canvas, np.stack(list(canvas.frames()))


def crop(frames: np.ndarray, box: PixelBox) -> np.ndarray:
    left, top, right, bottom = box
    return frames[..., top:bottom, left:right, :]


def video(path: Path) -> tuple[tuple[int, ...], dict[str, object]]:
    """A video file's shape (imageio v3 ``improps``) and metadata (``immeta``). imageio's ffmpeg reader leaves the
    pipes of its ffmpeg process unclosed (a ResourceWarning when they are collected): that warning alone is
    ignored, for this reader alone, and the pipes collected here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        props = iio.improps(path, plugin="FFMPEG")
        meta = iio.immeta(path, plugin="FFMPEG")
        gc.collect()
    return props.shape, meta


def decoded(path: Path, size: tuple[int, int]) -> np.ndarray:
    """Every frame of a video file, decoded by ffmpeg itself to RGB (imageio's ffmpeg reader leaves its pipes
    open when it reads to the end)."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    raw = subprocess.run([ffmpeg, "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size[1], size[0], 3)


def square_centres(canvas: AnimationCanvas, pb: Playback) -> Iterator[tuple[int, slice, slice]]:
    """Each square's index and the rows and columns of the middle half of it in a frame."""
    ax = canvas.map_axes
    height = canvas.figure.canvas.get_width_height()[1]
    squares = to_metric(pb.cells).geometry
    for i, geom in enumerate(squares):
        (x0, y0), (x1, y1) = ax.transData.transform([geom.bounds[:2], geom.bounds[2:]])
        qx, qy = (x1 - x0) / 4, (y1 - y0) / 4
        rows = slice(int(np.ceil(height - y1 + qy)), int(np.floor(height - y0 - qy)))
        cols = slice(int(np.ceil(x0 + qx)), int(np.floor(x1 - qx)))
        yield i, rows, cols


# --- the frames -------------------------------------------------------------------------------------


def test_one_frame_per_period_of_the_asked_size() -> None:
    pb = steps(True)
    _, frames = rendered(True)
    assert len(pb.frames) == 16  # four years of quarters
    assert frames.shape == (len(pb.frames), SMALL[1], SMALL[0], 3)
    assert frames.dtype == np.uint8
    monthly = steps(True, "month")
    assert len(list(animation_frames(monthly, lang="en", title="T", source_line="S", size=SMALL))) == 48


@pytest.mark.parametrize(("public", "step"), [(True, "year"), (True, "quarter"), (False, "quarter")])
def test_every_square_has_its_class_colour_in_every_frame(public: bool, step: str) -> None:
    """A hidden square (level 0) is the hidden grey in every frame where it is hidden, a square with no incident
    that step is not drawn, and every other square has the colour of its class: the Map page's playback."""
    pb = steps(public, step)
    canvas, frames = rendered(public, False, step)
    colours = {-1: _rgb(MAP_BACKGROUND), 0: _rgb(SUPPRESSED_COLOUR)}
    colours |= {i + 1: _rgb(c) for i, c in enumerate(LEVEL_COLOURS)}
    checked = {level: 0 for level in colours}
    for i, rows, cols in square_centres(canvas, pb):
        assert rows.stop - rows.start >= 3, "the squares are too small to test"
        assert cols.stop - cols.start >= 3
        for k in range(len(pb.frames)):
            level = int(pb.levels[i, k])
            assert (frames[k, rows, cols] == colours[level]).all(), (i, k, level)
            checked[level] += 1
    assert checked[-1] > 0
    assert (sum(checked[level] for level in colours if level > 0) > 0) == (not public or step == "year")
    assert (checked[0] > 0) == public, "only the public view hides squares"


def test_the_legend_is_the_same_in_every_frame_while_the_map_changes() -> None:
    for public in (True, False):
        canvas, frames = rendered(public, with_context=True)
        legend = crop(frames, canvas.regions["legend"])
        assert (legend == legend[0]).all()
        assert (legend[0] != 255).any(), "the legend region is blank"
        squares = crop(frames, canvas.regions["map"])
        assert any((squares[k] != squares[0]).any() for k in range(1, len(frames)))


def test_the_legend_shows_every_class_and_the_hidden_grey() -> None:
    pb = steps(True)
    canvas, frames = rendered(True, with_context=True)
    legend = crop(frames, canvas.regions["legend"])[0]
    for colour in (*LEVEL_COLOURS[: len(pb.class_labels)], SUPPRESSED_COLOUR):
        assert (legend == _rgb(colour)).all(axis=-1).sum() >= 4, colour
    words = [x.get_text() for x in canvas.figure.findobj(Text)]
    assert all(label in words for label in pb.class_labels)
    assert "Hidden" in " ".join(words)


def test_nothing_changes_outside_the_map_except_the_period() -> None:
    canvas, frames = rendered(False, with_context=True)
    changed = (frames != frames[0]).any(axis=(0, 3))
    allowed = np.zeros_like(changed)
    for name in ("map", "period"):
        left, top, right, bottom = canvas.regions[name]
        allowed[top:bottom, left:right] = True
    assert not (changed & ~allowed).any()
    period = crop(frames, canvas.regions["period"])
    assert all((period[k] != period[k - 1]).any() for k in range(1, len(frames))), "the period must change"


def test_public_and_internal_frames_differ_on_the_demo() -> None:
    (pub_canvas, public), (_, internal) = rendered(True), rendered(False)
    region = pub_canvas.regions["map"]
    assert (crop(public, region) != crop(internal, region)).any()
    assert (steps(True).levels == 0).any()
    assert not (steps(False).levels == 0).any()


def test_spanish_words_on_every_frame() -> None:
    pb = steps(False, "month", "es")
    canvas = canvas_of(pb, lang="es", with_context=True)
    labels = pb.labels("es")
    assert labels[0] == "enero 2021"
    for k in (0, 5, len(labels) - 1):
        canvas.frame(k)
        words = " ".join(x.get_text() for x in canvas.figure.findobj(Text) if x.get_text())
        assert labels[k] in words
    assert t("playback.step.month", "es") in words
    assert "Incidentes por cuadro de 150 m" in words
    assert t("report.synthetic", "es").upper() in words
    assert "Harvard Park" in words


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_text_stays_inside_the_slide_at_full_size(lang: str) -> None:
    title = t("report.title_all", lang, place="Harvard Park") + " " + "y sus alrededores " * 8
    pb = steps(True, "month", lang)
    canvas = canvas_of(pb, lang=lang, with_context=True, size=SLIDE_SIZE, title=title)
    renderer = canvas.figure.canvas.get_renderer()
    page = canvas.figure.bbox
    labels = pb.labels(lang)
    longest = sorted(range(len(labels)), key=lambda k: -len(labels[k]))[:4]
    left, top, right, bottom = canvas.regions["period"]
    height = SLIDE_SIZE[1]
    for k in {0, len(labels) - 1, *longest}:
        canvas.frame(k)
        texts = [x for x in canvas.figure.findobj(Text) if x.get_text() and x.get_visible()]
        assert len(texts) > 10
        for text in texts:
            box = text.get_window_extent(renderer)
            assert page.x0 <= box.x0, text
            assert box.x1 <= page.x1, text
            assert page.y0 <= box.y0, text
            assert box.y1 <= page.y1, text
        periods = [x for x in canvas.figure.texts if x.get_animated() and x.get_text()]
        assert " ".join(x.get_text() for x in periods) == labels[k]
        for text in periods:  # the period stays in its own box, whatever its length
            box = text.get_window_extent(renderer)
            assert left - 1 <= box.x0, text.get_text()
            assert box.x1 <= right + 1, text.get_text()
            assert top - 1 <= height - box.y1, text.get_text()
            assert height - box.y0 <= bottom + 1, text.get_text()


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(AnalysisError, match="16:9"):
        canvas_of(steps(True), size=(640, 480))
    with pytest.raises(AnalysisError, match="16:9"):
        canvas_of(steps(True), size=(160, 90))
    with pytest.raises(AnalysisError, match="Playback"):
        animation_canvas("frames", lang="en", title="T", source_line="S")
    with pytest.raises(AnalysisError, match="does not exist"):
        rendered(True)[0].frame(99)


# --- the files --------------------------------------------------------------------------------------


def test_the_gif_reads_back_frame_for_frame_loops_and_holds_its_last_frame(tmp_path) -> None:
    _, frames = rendered(True, with_context=True)
    out = write_animation(tmp_path / "quarters.gif", frames, fps=4)
    assert out == tmp_path / "quarters.gif"
    props = iio.improps(out, index=None)
    assert props.n_images == len(frames)
    back = iio.imread(out, index=None)[..., :3]
    assert back.shape == frames.shape
    assert np.abs(back.astype(int) - frames.astype(int)).mean() < 1.0
    for k in range(len(frames)):  # the hidden grey and the classes are written exactly
        for colour in (SUPPRESSED_COLOUR, MAP_BACKGROUND, *LEVEL_COLOURS):
            exact = (frames[k] == _rgb(colour)).all(axis=-1)
            assert (back[k][exact] == _rgb(colour)).all(), colour
    with Image.open(out) as gif:
        assert gif.info["loop"] == 0
        durations = []
        for k in range(gif.n_frames):
            gif.seek(k)
            durations.append(gif.info["duration"])
    assert durations[:-1] == [250] * (len(frames) - 1)
    assert durations[-1] > 250


def test_the_mp4_is_h264_yuv420p_and_reads_back_frame_for_frame(tmp_path) -> None:
    _, frames = rendered(False, with_context=True)
    out = write_animation(tmp_path / "quarters.mp4", frames, fps=2)
    shape, meta = video(out)
    assert shape[1:] == (SMALL[1], SMALL[0], 3)
    assert meta["codec"] == "h264"
    assert str(meta["pix_fmt"]).startswith("yuv420p")
    assert round(float(meta["duration"]) * float(meta["fps"])) == len(frames)
    back = decoded(out, SMALL)
    assert back.shape == frames.shape
    assert np.abs(back.astype(int) - frames.astype(int)).mean() < 6.0


def test_an_odd_frame_size_is_written_with_even_sides(tmp_path) -> None:
    frames = np.zeros((3, 27, 49, 3), dtype=np.uint8)
    frames[:, :, :, 0] = np.arange(3)[:, None, None] * 100
    out = write_animation(tmp_path / "odd.mp4", frames, fps=1)
    assert video(out)[0][1:] == (28, 50, 3)
    assert decoded(out, (50, 28)).shape == (3, 28, 50, 3)


@pytest.mark.parametrize("name", ["slides.avi", "slides.png", "slides", "slides.gif.txt"])
def test_a_file_other_than_gif_or_mp4_is_refused(tmp_path, name: str) -> None:
    _, frames = rendered(True)
    with pytest.raises(AnalysisError, match=r"\.gif or \.mp4"):
        write_animation(tmp_path / name, frames[:2])
    with pytest.raises(AnalysisError, match=r"\.gif or \.mp4"):
        animate(demo_tables()[0], settings=Settings(), out=tmp_path / name)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", ["gif", "mp4"])
def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, suffix: str) -> None:
    _, frames = rendered(True)

    def broken() -> Iterator[np.ndarray]:
        yield frames[0]
        yield frames[1]
        msg = "the frames stopped"
        raise RuntimeError(msg)

    new = tmp_path / f"new.{suffix}"
    with pytest.raises(RuntimeError, match="stopped"):
        write_animation(new, broken())
    assert list(tmp_path.iterdir()) == []
    old = tmp_path / f"old.{suffix}"
    old.write_bytes(b"the slides of last month")
    with pytest.raises(AnalysisError, match="frame 1"):
        write_animation(old, [frames[0], frames[1][:-2]])
    with pytest.raises(AnalysisError, match="no frame"):
        write_animation(old, [])
    assert old.read_bytes() == b"the slides of last month"
    assert [p.name for p in tmp_path.iterdir()] == [old.name]


# --- from the incidents to the file -------------------------------------------------------------------


def test_animate_writes_the_report_period_in_whole_months_in_public(tmp_path) -> None:
    inc, places, streets = demo_tables()
    filters = Filters(place="Harvard Park", start=dt.date(2023, 6, 15), end=dt.date(2024, 5, 10))
    stage = Stage(places=places, streets=streets, size=SMALL, fps=4)
    public = animate(inc, settings=Settings(), filters=filters, step="month", out=tmp_path / "public.gif", stage=stage)
    internal = animate(inc, settings=Settings(), filters=filters, step="quarter", public=False, lang="es",
                       out=tmp_path / "internal.mp4", stage=stage)  # fmt: skip
    assert iio.improps(public, index=None).n_images == 12  # June 2023 to May 2024, whole months
    assert decoded(internal, SMALL).shape[0] == 5  # Q2 2023 (from 15 June) to Q2 2024 (to 10 May)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["internal.mp4", "public.gif"]


def test_animate_refuses_an_unknown_step_and_a_missing_folder(tmp_path) -> None:
    inc, places, streets = demo_tables()
    stage = Stage(places=places, streets=streets, size=SMALL)
    with pytest.raises(AnalysisError, match="time step"):
        animate(inc, settings=Settings(), step="week", out=tmp_path / "a.gif", stage=stage)
    with pytest.raises(AnalysisError, match="does not exist"):
        animate(inc, settings=Settings(), out=tmp_path / "no" / "a.gif", stage=stage)
    assert list(tmp_path.iterdir()) == []


def test_the_report_command_writes_the_animation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``python -m geo report --animate``: a GIF of the demo's last year by quarter, and its refusals."""
    from PIL import Image

    from geo.cli import main

    out = tmp_path / "harvard.gif"
    args = ["report", "--place", "Harvard Park", "--from", "2024-01-01", "--to", "2024-12-31", "--out", str(out)]
    assert main([*args, "--animate", "quarter", "--privacy", "internal"]) == 0
    said = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert said == {"output": str(out), "format": "gif", "step": "quarter"}
    with Image.open(out) as gif:
        assert gif.n_frames == 4
    assert main(["report", "--place", "Harvard Park", "--out", str(tmp_path / "x.pdf"), "--animate", "year"]) != 0
    assert "gif or .mp4" in capsys.readouterr().err
    bad = ["report", "--place", "Harvard Park", "--out", str(tmp_path / "y.gif"), "--animate", "year"]
    assert main([*bad, "--note", "33.98,-118.30:Meet here"]) != 0
    assert "an animation has none" in capsys.readouterr().err
    assert not (tmp_path / "y.gif").exists()
