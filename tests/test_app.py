"""The dashboard under AppTest: no exception, an offline map, both languages, clear error panels."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import t
from tests.page_helpers import map_page

pytestmark = pytest.mark.app
ROOT = Path(__file__).resolve().parents[1]
EXTERNAL_URL = re.compile(r"https?://", re.I)
EXTERNAL_TAG = re.compile(r"<(?:script|link)[^>]+(?:src|href)=[\"']?(https?:)?//", re.I)


def run_app(lang: str | None = None, argv: list[str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if lang:
        at.query_params["lang"] = lang
    if argv is not None:
        import sys

        saved = sys.argv
        sys.argv = ["app.py", *argv]
        try:
            return at.run()
        finally:
            sys.argv = saved
    return at.run()


ASSET = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']([^\"']+)", re.I)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_map_page_runs_and_sends_an_offline_map(lang: str, fresh_settings) -> None:
    at = run_app(lang)
    assert not at.exception
    html = map_page(at)
    links = ASSET.findall(html)
    assert any(u.endswith("/leaflet.js") for u in links)
    assert not [u for u in links if EXTERNAL_URL.match(u)]
    assert not EXTERNAL_TAG.search(html)
    assert "L.CircleMarker(" in html
    assert f'<html lang="{lang}">' in html
    # the frame is named for screen readers, in the page's language
    assert at.get("iframe")[0].proto.alt == t("frame.map", lang)
    assert not at.get("component_instance")  # a static frame: no component to load and answer
    title = at.title[0].value
    assert title == (
        "South LA Community Safety Map" if lang == "en" else "Mapa de Seguridad Comunitaria del Sur de Los Ángeles"
    )
    warning = at.warning[0].value
    assert ("Synthetic demo data" if lang == "en" else "Datos sintéticos") in warning


def test_language_switch_updates_the_url(fresh_settings) -> None:
    at = run_app("en")
    at.sidebar.radio(key="lang_switch").set_value("es").run()
    assert not at.exception
    assert at.title[0].value.startswith("Mapa")
    assert "Homicidios" in map_page(at)


def test_bad_config_shows_an_error_panel_not_a_traceback(tmp_path: Path, fresh_settings) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("map:\n  zoom: far\n", encoding="utf-8")
    at = run_app(argv=["--config", str(cfg)])
    assert not at.exception
    assert "map.zoom" in at.error[0].value.replace("\\", "")  # quoted escaped
    assert str(cfg) in at.error[0].value.replace("\\", "")  # quoted escaped


def test_missing_data_file_shows_an_error_panel(tmp_path: Path, fresh_settings) -> None:
    bad = tmp_path / "incidents.parquet"
    bad.write_bytes(b"not parquet at all")
    demo = ROOT / "data" / "demo"
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"sources:\n  incidents: {bad}\n  places: {demo / 'places.geojson'}\n  streets: {demo / 'streets.geojson'}\n",
        encoding="utf-8",
    )
    at = run_app(argv=["--config", str(cfg)])
    assert not at.exception
    assert "incidents.parquet" in at.error[0].value.replace("\\", "")  # quoted escaped


def test_sessions_with_the_same_view_share_one_render_of_the_map(fresh_settings) -> None:
    def frame(query: dict[str, str]) -> str:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception
        return map_page(at)

    view = {"lang": "en", "from": "2016-01-01", "to": "2016-12-31", "cat": "homicide"}
    first, second = frame(view), frame(view)
    # folium names every element with fresh random ids: equal documents are one render, shared
    assert first == second
    assert frame({**view, "to": "2016-06-30"}) != first  # another view is another map
    assert frame({**view, "lang": "es"}) != first


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_public_map_legend_names_every_shade(lang: str, fresh_settings) -> None:
    from geo.core.filters import Filters
    from geo.core.settings import get_settings
    from geo.exports.privacy import public_cells
    from ui import analysis

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = lang
    at.query_params["view"] = "public"
    at.run()
    assert not at.exception
    s = get_settings()
    view = analysis.view(s.sources.incidents, Filters(place=s.focus.default_place), lang)
    cells = public_cells(view, cell_m=s.analysis.grid_cell_m, min_count=s.privacy.min_count, lang=lang)
    labels = cells.attrs["class_labels"]
    assert labels  # the demo has cells above the threshold: the check can fail
    legend = json.loads(re.search(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', map_page(at)).group(1))
    for label in labels:
        assert label in legend, (label, legend)
