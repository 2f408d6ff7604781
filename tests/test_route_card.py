"""The printable route card (geo.exports.routecard): renders, is not blank, speaks the chosen language."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import matplotlib.image as mpimg
import numpy as np
import pytest

from geo.core.errors import AnalysisError, ConfigError
from geo.exports.routecard import route_card_bytes, write_route_card
from tests.route_helpers import small_route

POPPLER = shutil.which("pdftoppm") is not None and shutil.which("pdftotext") is not None
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftoppm, pdftotext) is not installed")


@pytest.fixture(scope="module")
def planned():
    return small_route()


def not_blank(png: bytes) -> None:
    img = mpimg.imread(io.BytesIO(png))
    grey = img[..., :3].mean(axis=2)
    assert grey.shape[0] > 300
    assert grey.shape[1] > 250
    assert (grey < 0.9).mean() > 0.01, "the card is (almost) blank"
    assert grey.std() > 0.05


def test_png_card_renders(planned):
    route, graph = planned
    png = route_card_bytes(route, fmt="png", lang="en", graph=graph, dpi=60)
    assert png.startswith(b"\x89PNG")
    not_blank(png)


@needs_poppler
@pytest.mark.parametrize(
    ("lang", "expect", "absent"),
    [
        ("en", ["Foot patrol route", "Directions", "Time", "Why this stop", "Officer's notes", "December 31, 2024",
                "SYNTHETIC DEMO DATA"], "Parada"),
        ("es", ["Ruta de patrullaje a pie", "Indicaciones", "Hora", "Por qué esta parada", "Notas del agente",
                "31 de diciembre de 2024", "DATOS SINTÉTICOS"], "Directions"),
    ],
)  # fmt: skip
def test_pdf_card_renders_in_the_chosen_language(planned, tmp_path, lang, expect, absent):
    route, graph = planned
    pdf = write_route_card(route, tmp_path / f"card_{lang}.pdf", lang=lang, graph=graph)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    not_blank((tmp_path / "page.png").read_bytes())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    for phrase in expect:
        assert phrase in text
    assert absent not in text
    assert "Test Park" in text
    for k in route.stops["order"]:
        assert f"{route.stops['arrive'].iloc[k - 1]:%H:%M}" in text


def test_card_without_graph_and_bad_inputs(planned, tmp_path):
    route, graph = planned
    bare = route_card_bytes(route, fmt="png", dpi=50)
    not_blank(bare)
    # with the walking network the map draws the streets around the route: a different picture
    streets = mpimg.imread(io.BytesIO(route_card_bytes(route, fmt="png", dpi=50, graph=graph)))[..., :3]
    plain = mpimg.imread(io.BytesIO(bare))[..., :3]
    assert streets.shape == plain.shape
    assert np.abs(streets - plain).max() > 0.1
    with pytest.raises(AnalysisError, match=r"\.pdf or \.png"):
        write_route_card(route, tmp_path / "card.svg")
    with pytest.raises(ConfigError, match="unsupported language"):
        route_card_bytes(route, lang="de")


# --- a card an officer can use: the start where the route starts, why each stop, room for notes ------------


def _map_axes(fig):
    return next(ax for ax in fig.axes if any(c.get_gid() == "start" for c in ax.collections))


def test_the_start_star_is_where_the_drawn_route_starts(planned):
    from geo.core.projection import lonlat_to_metric
    from geo.exports.routecard import render_route_card

    route, graph = planned
    ax = _map_axes(render_route_card(route, graph=graph))
    star = next(c for c in ax.collections if c.get_gid() == "start").get_offsets()[0]
    lon, lat = route.path.coords[0]
    (x,), (y,) = lonlat_to_metric(np.array([lon]), np.array([lat]))
    line = next(ln for ln in ax.lines if len(ln.get_xdata()) > 2)  # the route
    assert (float(star[0]), float(star[1])) == pytest.approx((x, y), abs=0.01)
    assert (float(line.get_xdata()[0]), float(line.get_ydata()[0])) == pytest.approx((x, y), abs=0.01)


def test_the_start_is_named_by_its_place_not_by_a_street_alone(planned):
    from geo.exports.routewords import start_text

    route, _ = planned
    assert start_text(route, "en") == f"Test Park (at {route.start_where})"
    assert start_text(route, "es") == f"Test Park (en {route.start_where})"


@needs_poppler
@pytest.mark.parametrize(
    ("lang", "fewer", "exact"), [("en", "fewer than 3 incidents in 24 months", "4 incidents in 24 months"),
                                 ("es", "menos de 3 incidentes en 24 meses", "4 incidentes en 24 meses")]
)  # fmt: skip
def test_each_stop_says_why_it_is_there_with_small_counts_hidden(planned, tmp_path, lang, fewer, exact):
    from geo.core.disclosure import Disclosure
    from geo.core.settings import get_settings
    from tests.layout_helpers import pdf_page

    route, graph = planned
    public = Disclosure.from_settings(get_settings().privacy, public=True)
    weights = sorted(round(w) for w in route.stops["weight"])
    assert weights[0] < 3 <= weights[-1]  # the fixture has a small and a large stop
    text = pdf_page(route_card_bytes(route, fmt="pdf", lang=lang, graph=graph, rule=public)).text
    assert fewer in text
    assert exact in text
    assert not re.search(r"\b[12] incident", text)  # the small counts are nowhere
    internal = pdf_page(route_card_bytes(route, fmt="pdf", lang=lang, graph=graph)).text
    assert fewer not in internal  # the internal card gives the exact counts


def test_a_per_victim_card_says_people_killed(planned):
    from geo.core.disclosure import Disclosure
    from geo.exports.routewords import stop_reasons

    route, _ = planned
    reasons = stop_reasons(route, "en", Disclosure(3, public=True, period="month"), unit="victims")
    assert all("people killed" in r for r in reasons)
    assert any("fewer than 3 people killed" in r for r in reasons)


def _extents_in(fig):
    """Vertical extents (inches from the bottom) of everything drawn on the card: texts, axes, lines, shapes."""
    renderer = fig.canvas.get_renderer()
    dpi = fig.dpi
    boxes = [t.get_window_extent(renderer) for t in fig.texts if t.get_text().strip()]
    boxes += [ax.get_window_extent(renderer) for ax in fig.axes]
    boxes += [a.get_window_extent(renderer) for a in fig.artists]
    return sorted((b.y0 / dpi, b.y1 / dpi) for b in boxes)


def test_the_card_fills_its_page_with_a_map_and_a_place_for_notes(planned):
    from geo.exports.routecard import MARGIN_IN, MIN_MAP_IN, PAGE_IN, render_route_card

    route, graph = planned
    fig = render_route_card(route, graph=graph)
    ax = _map_axes(fig)
    assert ax.get_position().height * PAGE_IN[1] >= MIN_MAP_IN
    spans = _extents_in(fig)
    assert spans[0][0] <= MARGIN_IN + 0.2  # the footer reaches the bottom margin: no empty bottom third
    reach = spans[0][1]
    for lo, hi in spans[1:]:
        assert lo - reach < 0.6, f"an empty band of {lo - reach:.2f} in at {reach:.2f} in from the bottom"
        reach = max(reach, hi)
    texts = [t.get_text() for t in fig.texts]
    assert "Officer's notes" in texts
    rules = [a for a in fig.artists if getattr(a, "get_xdata", None) and len(a.get_xdata()) == 2
             and a.get_ydata()[0] == a.get_ydata()[1] and a.get_xdata()[1] - a.get_xdata()[0] > 7]  # fmt: skip
    assert len(rules) >= 3  # ruled lines across the page to write on


def test_street_names_are_legible_above_the_route(planned):
    from matplotlib.colors import to_rgb

    from geo.exports.routecard import render_route_card

    route, graph = planned
    ax = _map_axes(render_route_card(route, graph=graph))
    streets = {d.get("name") for _, _, d in graph.edges(data=True)} - {None}
    names = [t for t in ax.texts if t.get_text() in streets]
    assert names
    route_z = max(ln.get_zorder() for ln in ax.lines)
    for t in names:
        assert t.get_fontsize() >= 7.5
        assert sum(to_rgb(t.get_color())) / 3 < 0.25  # near black, not light grey
        assert t.get_path_effects()  # a white halo
        assert t.get_zorder() > route_z


def test_the_card_reads_the_unit_the_planner_recorded(planned):
    import dataclasses

    from geo.exports.routecard import render_route_card

    route, graph = planned
    victims = dataclasses.replace(route, meta={**route.meta, "unit": "victims"})
    said = " ".join(t.get_text() for t in render_route_card(victims, graph=graph).texts)
    assert "people killed" in said
    assert "people killed" not in " ".join(t.get_text() for t in render_route_card(route, graph=graph).texts)
