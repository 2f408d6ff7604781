"""The map's locator inset: the wider area (a boundary layer, else the rectangle of the data) with the handout's
map frame drawn on it and the label "South Los Angeles" / "Sur de Los Ángeles", in a corner of the map, clear of
every other word of the page (``pdftotext -bbox-layout``)."""

from __future__ import annotations

import geopandas as gpd
import matplotlib.pyplot as plt
import pytest
import shapely
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from geo.core.i18n import t
from geo.core.projection import to_metric
from geo.core.settings import Settings
from geo.exports import sheet
from geo.exports.report import build_report
from tests.layout_helpers import assert_clean_layout, needs_poppler, region, words_of
from tests.report_helpers import demo_report, demo_tables, report_filters

LABELS = {"en": "South Los Angeles", "es": "Sur de Los Ángeles"}


def _locator(fig: Figure) -> tuple[Axes, Axes]:
    """The locator inset and the map it lies on."""
    found = [(a, ax) for ax in fig.axes for a in ax.child_axes if a.get_gid() == "locator"]
    assert len(found) == 1, "one locator inset"
    return found[0]


def _box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1).buffer(1e-6)


def test_the_label_is_in_both_catalogs() -> None:
    assert {lang: t("report.inset_area", lang) for lang in LABELS} == LABELS


def test_the_wider_area_holds_the_frame_and_is_wider_than_it() -> None:
    r = demo_report()
    assert r.area is not None
    area = shapely.union_all(list(to_metric(r.area).geometry))
    x0, x1, y0, y1 = r.extent_m
    frame = shapely.box(x0, y0, x1, y1)
    assert area.covers(frame)
    assert area.area > 2 * frame.area


@pytest.mark.parametrize("size", ["letter", "slide"])
def test_the_inset_draws_the_frame_inside_the_area_in_a_corner_of_the_map(size: str) -> None:
    r = demo_report()
    fig = sheet.figure(r, size=size)
    inset, _ = _locator(fig)
    frame = next(p for p in inset.patches if p.get_gid() == "locator-frame")
    fx0, fy0 = frame.get_xy()  # type: ignore[attr-defined]
    fw, fh = frame.get_width(), frame.get_height()  # type: ignore[attr-defined]
    x0, x1, y0, y1 = r.extent_m
    assert _box(fx0, fy0, fx0 + fw, fy0 + fh).covers(shapely.box(x0, y0, x1, y1))  # the map's frame, never smaller
    area = shapely.union_all(list(to_metric(r.area).geometry))  # type: ignore[arg-type]
    assert area.buffer(1e-6).covers(shapely.box(x0, y0, x1, y1))  # ...inside the wider area
    (ix0, ix1), (iy0, iy1) = inset.get_xlim(), inset.get_ylim()
    assert _box(ix0, iy0, ix1, iy1).covers(area)  # the whole area shows
    assert (inset.get_xlabel(), inset.get_ylabel()) == ("", "")
    plt.close("all")


def test_a_boundary_layer_is_drawn_as_the_wider_area() -> None:
    inc, places, streets = demo_tables()
    r0 = demo_report()
    x0, x1, y0, y1 = r0.extent_m
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    shapes = [shapely.box(cx - 6000, cy - 5000, cx, cy + 5000), shapely.box(cx, cy - 5000, cx + 6000, cy + 5000)]
    divisions = gpd.GeoDataFrame({"name": ["A", "B"]}, geometry=shapes, crs="EPSG:32611").to_crs("EPSG:4326")
    r = build_report(inc, places, streets, filters=report_filters("Harvard Park", "2023-06-01", "2024-05-31"),
                     settings=Settings(), boundaries=divisions)  # fmt: skip
    assert r.area is not None
    assert len(r.area) == 2
    bounds = to_metric(r.area).total_bounds
    assert (bounds[0], bounds[2]) == pytest.approx((cx - 6000, cx + 6000), abs=1)
    assert _locator(sheet.figure(r, size="letter"))
    plt.close("all")


@needs_poppler
@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("size", ["letter", "slide"])
def test_the_inset_label_is_printed_inside_the_map_and_over_no_other_word(size: str, lang: str) -> None:
    r = demo_report(lang=lang)
    page = assert_clean_layout(sheet.figure_bytes(r, size=size, fmt="pdf"), what=f"inset {size} {lang}")
    label = words_of(page, LABELS[lang])
    assert label, f"no {LABELS[lang]!r} on the page"
    fig = sheet.figure(r, size=size)
    inset, ax = _locator(fig)
    fig.canvas.draw()  # type: ignore[no-untyped-call]
    box, map_box = inset.get_window_extent(), ax.get_window_extent()
    assert _box(map_box.x0, map_box.y0, map_box.x1, map_box.y1).covers(_box(box.x0, box.y0, box.x1, box.y1))
    top, scale = fig.get_figheight() * 72, 72 / fig.dpi  # the PDF's points, y down from the top
    got = region(label)
    printed = shapely.box(box.x0 * scale, top - box.y1 * scale, box.x1 * scale, top - box.y0 * scale).buffer(1.0)
    assert printed.covers(shapely.box(got.x0, got.y0, got.x1, got.y1)), "the label is not inside the inset"
    plt.close("all")
