"""The map page as one HTML document (``layers.page``): folium's own output, once, with data kept as data."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import branca.element
import folium
import geopandas as gpd
import jinja2
import pytest

from geo.analysis.grid import square_counts
from geo.core.i18n import t
from geo.core.settings import DEFAULT_CONFIG, Settings, load_settings
from geo.data.datasets import load_incidents, load_places, load_streets
from layers.compose import MapComposer
from layers.hotspots import count_layer
from layers.incidents import incidents_layer
from layers.overview import add_places, add_streets
from layers.page import TextTemplate, data_as_text, map_html, text_or_template
from layers.style import symbols

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
INJECTION = "{{ 7*7 }} {% if true %}run{% endif %} {# gone #}"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(DEFAULT_CONFIG, environ={})


@pytest.fixture(scope="module")
def places() -> gpd.GeoDataFrame:
    return load_places(DEMO / "places.geojson")


def demo_map(settings: Settings, places: gpd.GeoDataFrame, lang: str = "en") -> folium.Map:
    """The Map page's layers on the demo: streets, places, grid counts, incident points, legend and banner."""
    incidents = load_incidents(DEMO / "incidents.parquet")
    composer = MapComposer(settings, lang=lang)
    add_streets(composer, load_streets(DEMO / "streets.geojson"))
    add_places(composer, places, kinds=("park", "housing", "csp_site"))
    cells = square_counts(incidents, cell_m=150)
    composer.add(*count_layer(cells, lang=lang, name=t("layer.grid", lang)))
    sym = symbols(settings.colours)["incident"]
    composer.add(incidents_layer(incidents.iloc[:400], name="Incidents", symbol=sym, lang=lang), [("Incidents", sym)])
    return composer.finish(synthetic=True, note="note")


@pytest.fixture
def same_ids(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call to restart folium's element ids, so two maps built the same way get the same names."""

    def restart() -> None:
        counter = itertools.count()
        monkeypatch.setattr(branca.element, "urandom", lambda n: next(counter).to_bytes(n, "big"))

    restart()
    return restart


def library_html(m: folium.Map, *, lang: str, title: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """What folium itself writes for ``m`` (every wrapped text compiled by Jinja), with the same title and lang."""
    with monkeypatch.context() as patch:
        patch.setattr(branca.element, "Template", jinja2.Template)
        root = m.get_root()
        root.title = title  # type: ignore[attr-defined]
        html = root.render()
    return html.replace("<html>", f'<html lang="{lang}">', 1)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_page_is_folium_own_output_byte_for_byte(
    lang: str, settings: Settings, places: gpd.GeoDataFrame, same_ids: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    expected = library_html(demo_map(settings, places, lang), lang=lang, title="Map", monkeypatch=monkeypatch)
    same_ids()
    got = map_html(demo_map(settings, places, lang), lang=lang, title="Map")
    assert len(got) > 100_000  # the demo's layers are all there
    assert got == expected


def test_the_page_names_itself_and_its_language(settings: Settings, places: gpd.GeoDataFrame) -> None:
    html = map_html(demo_map(settings, places, "es"), lang="es", title="Mapa <de> incidentes")
    assert html.startswith('<!DOCTYPE html>\n<html lang="es">')
    assert "<title>Mapa &lt;de&gt; incidentes</title>" in html
    assert html.count("<html") == 1


def test_text_that_looks_like_a_template_stays_text(
    settings: Settings, places: gpd.GeoDataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = places.copy()
    hostile.loc[hostile.index[0], "name"] = INJECTION
    library = library_html(demo_map(settings, hostile), lang="en", title="Map", monkeypatch=monkeypatch)
    assert "49 run" in library  # folium on its own runs a place name as a template: why this module exists
    html = map_html(demo_map(settings, hostile), lang="en", title="Map")
    assert INJECTION in html
    assert "49 run" not in html


def test_plain_text_outside_a_render_is_kept_and_templates_still_compile() -> None:
    assert isinstance(text_or_template("<style>.a { color: red; }</style>\n"), TextTemplate)
    assert text_or_template("<b>x</b>\n").render() == jinja2.Template("<b>x</b>\n").render()
    loop = "{% for i in range(3) %}{{ i }}{% endfor %}"
    assert text_or_template(loop).render() == "012"  # branca's own containers are templates
    assert isinstance(text_or_template("a\r\nb"), jinja2.Template)  # Jinja rewrites line ends: leave it to Jinja
    with data_as_text():
        assert text_or_template(loop).render() == loop
        assert text_or_template("a\r\nb").render() == jinja2.Template("a\r\nb").render()
    assert text_or_template(loop).render() == "012"  # the block ends with the render
