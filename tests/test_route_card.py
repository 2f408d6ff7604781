"""The printable route card (geo.exports.routecard): renders, is not blank, speaks the chosen language."""

from __future__ import annotations

import io
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
        ("en", ["Foot patrol route", "Directions", "Arrive", "December 31, 2024", "SYNTHETIC DEMO DATA"], "Parada"),
        ("es", ["Ruta de patrullaje a pie", "Indicaciones", "Llegada", "31 de diciembre de 2024", "DATOS SINTÉTICOS"],
         "Directions"),
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
