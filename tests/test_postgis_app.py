"""The dashboard on a PostGIS store: the same analysis results as from GeoParquet, and every page's data path.

The demo bundle's incidents, places, streets and rate zones are written as layers of a database on
the throwaway server; the sources then name them as ``postgresql://host/db#layer``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from streamlit.testing.v1 import AppTest

from geo.core.filters import Filters
from geo.core.settings import Settings, get_settings, use_config
from geo.core.store import read_metadata, read_vector
from geo.data.stores import open_store
from tests.test_app_pages import PAGES, metric

pytestmark = [pytest.mark.postgis, pytest.mark.app]
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
FILES = {
    "incidents": DEMO / "incidents.parquet",
    "places": DEMO / "places.geojson",
    "streets": DEMO / "streets.geojson",
    "rate_zones": DEMO / "rate_zones.geojson",
}


@pytest.fixture(scope="module")
def layers(pg_server: Any) -> dict[str, str]:
    """Locators of the demo layers written to a PostGIS database (source key -> postgresql://...#layer)."""
    url = pg_server.create_db("t_app_layers")
    store = open_store(url)
    out = {}
    for key, path in FILES.items():
        frame = read_vector(path)
        meta = read_metadata(path) if path.suffix == ".parquet" else {}
        empty = pd.DataFrame({"source_row": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype=str)})
        report = {**meta, "layer": f"demo-{key}", "rows_in": len(frame), "rows_kept": len(frame), "dropped": {}}
        store.write(f"demo-{key}", frame, empty, report)
        out[key] = store.locator(f"demo-{key}")
    out["store"] = url
    return out


@pytest.fixture
def on_postgis(layers: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The settings' sources and store pointed at the PostGIS layers (environment overrides)."""
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE", layers["store"])
    for key in FILES:
        monkeypatch.setenv(f"SAFETYMAP__SOURCES__{key.upper()}", layers[key])
    use_config(None)
    yield layers
    monkeypatch.undo()
    use_config(None)


def same(a: Any, b: Any) -> None:
    """Equal analysis results: frames column by column, dicts and tuples item by item."""
    if isinstance(a, gpd.GeoDataFrame):
        assert_geodataframe_equal(a, b, check_index_type="equiv")
    elif isinstance(a, pd.DataFrame | pd.Series):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b), check_index_type="equiv")
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            same(a[k], b[k])
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same(x, y)
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


FILTERS = [
    Filters(),
    Filters(start=dt.date(2016, 1, 1), end=dt.date(2019, 12, 31), categories=("homicide", "assault_with_weapon")),
]


@pytest.mark.parametrize("f", FILTERS, ids=["all", "2016-2019 two categories"])
def test_every_analysis_gives_the_same_result_from_geoparquet_and_postgis(
    layers: dict[str, str], f: Filters, fresh_settings: None
) -> None:
    from ui import analysis, exports

    s = get_settings()
    a, settings = s.analysis, s
    place, others = s.focus.default_place, tuple(s.focus.places[1:3])
    rings_m = tuple(s.distances.rings_m)

    def results(inc: Path, places: Path, streets: Path, zones: Path) -> dict[str, Any]:
        """Every page-facing analysis; the sources are Paths, as in the settings (a URL's ``//`` collapsed)."""
        sources = settings.sources.model_copy(update={"incidents": inc, "places": places, "streets": streets})
        here = settings.model_copy(update={"sources": sources})
        return {
            "view": analysis.view(inc, f, "en"),
            "categories": analysis.category_counts(inc, f),
            "homicides": analysis.rows_of(inc, f, only="homicide"),
            "grid": analysis.grid_counts(inc, f, 250.0),
            "gistar": gistar(analysis, here, inc, f),
            "kde": heat(analysis, here, inc, f),
            "rings": analysis.rings(places, place, rings_m),
            "ring_table": analysis.ring_table(inc, f, places, place, rings_m),
            "zones": analysis.zone_counts(inc, f, zones),
            "trends": analysis.series(
                inc,
                f,
                places,
                (place, *others),
                within_m=400.0,
                freq="year",
                nibrs_break=str(a.nibrs_break),
            ),
            "evaluation": analysis.evaluation(
                inc,
                f,
                places,
                treated=place,
                control=others,
                start="2017-01-01",
                buffer_m=400.0,
                rules=a,
            ),
            "ranking": analysis.ranking(inc, f, places, within_m=150.0, kinds=("park",)),
            "report": exports.report_text(here, f, lang="en", privacy="public"),
        }

    files = results(*(FILES[k] for k in ("incidents", "places", "streets", "rate_zones")))
    stored = results(*(Path(layers[k]) for k in ("incidents", "places", "streets", "rate_zones")))
    assert len(files["view"]) > 0
    assert int(files["grid"]["count"].sum()) == len(files["view"])  # the grid holds every incident in view
    for key in files:
        same(files[key], stored[key])


def gistar(analysis: Any, settings: Settings, inc: Path, f: Filters) -> Any:
    """The page's Gi* helper, called as ``gistar(settings, f)`` (the focus-area form) or ``gistar(path, f, ...)``."""
    import inspect

    if "settings" in inspect.signature(analysis.gistar).parameters:
        return analysis.gistar(settings, f)
    return analysis.gistar(inc, f, cell_m=250.0, alpha=0.05, min_events=settings.analysis.min_events)


def heat(analysis: Any, settings: Settings, inc: Path, f: Filters) -> Any:
    """The page's KDE helper, with a bandwidth ``rule`` (the newer form) or ``bandwidth=None``."""
    import inspect

    if "rule" in inspect.signature(analysis.heat).parameters:
        a = settings.analysis
        return analysis.heat(inc, f, cell_m=a.kde_cell_m, rule=a.kde_bandwidth_rule)
    return analysis.heat(inc, f, cell_m=100.0, bandwidth=None)


def app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


@pytest.mark.parametrize("page", sorted({*PAGES, "app_pages/rates.py"}))
def test_every_page_runs_on_the_postgis_store(page: str, on_postgis: dict[str, str]) -> None:
    at = app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    if page == "app_pages/map.py":
        assert metric(at, "Incidents in view") == f"{len(gpd.read_parquet(FILES['incidents'])):,}"
    if page == "app_pages/data.py":  # the store's layers are listed from the server
        shown = " ".join(str(df.value.to_dict()) for df in at.dataframe) + " ".join(m.value for m in at.markdown)
        assert "demo-places" in shown


def test_a_store_that_cannot_be_reached_shows_an_error_panel_and_other_pages_still_serve(
    layers: dict[str, str], monkeypatch: pytest.MonkeyPatch, fresh_settings
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead = f"postgresql://nobody@127.0.0.1:{port}/gone"
    monkeypatch.setenv("SAFETYMAP__SOURCES__INCIDENTS", f"{dead}#demo-incidents")
    use_config(None)
    at = app().run()
    assert not at.exception, at.exception
    assert any("cannot connect to the PostGIS store" in e.value for e in at.error)
    at.switch_page("app_pages/methods.py").run()
    assert not at.exception
    assert not at.error


def test_a_window_read_for_a_page_is_the_same_from_the_file_and_from_sql(layers: dict[str, str]) -> None:
    from geo.data.stores import Window
    from ui import data

    demo = gpd.read_parquet(FILES["incidents"])
    cx, cy = demo.geometry.x.median(), demo.geometry.y.median()
    window = Window(
        start=dt.date(2016, 1, 1),
        end=dt.date(2018, 6, 30),
        categories=("robbery",),
        bbox=(cx - 0.02, cy - 0.02, cx, cy),
    )
    from_file = data.incidents_window(data.file_key(FILES["incidents"]), window)
    from_sql = data.incidents_window(data.file_key(layers["incidents"]), window)
    assert isinstance(data.file_key(layers["incidents"]), data.LayerKey)
    assert len(from_file) > 0
    x, y = demo.geometry.x, demo.geometry.y
    local = demo["occurred_at"].dt.tz_convert("America/Los_Angeles").dt.date
    expected = demo[
        (local >= window.start) & (local <= window.end) & (demo["category"] == "robbery")
        & (x >= cx - 0.02) & (x <= cx) & (y >= cy - 0.02) & (y <= cy)
    ]  # fmt: skip
    assert from_file.index.tolist() == expected.index.tolist()
    assert_geodataframe_equal(from_sql, from_file, check_index_type="equiv")


def test_a_new_ingest_on_the_server_shows_on_the_rates_and_route_pages(
    pg_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rates and Patrol cached on (path, modification time) never saw a new version of a PostGIS layer (its
    modification time is always -1): the same session now shows the new rows once the version is asked again."""
    import time

    from ui.data import VERSION_TTL_S

    url = pg_server.create_db("t_app_reingest")
    store = open_store(url)
    everything = read_vector(FILES["incidents"])
    meta = read_metadata(FILES["incidents"])
    empty = pd.DataFrame({"source_row": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype=str)})

    def publish(frame: gpd.GeoDataFrame) -> None:
        report = {**meta, "layer": "demo-incidents", "rows_in": len(frame), "rows_kept": len(frame), "dropped": {}}
        store.write("demo-incidents", frame, empty, report)

    homicides = everything[everything["category"] == "homicide"].reset_index(drop=True)
    publish(homicides.iloc[: len(homicides) // 2])
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE", url)
    monkeypatch.setenv("SAFETYMAP__SOURCES__INCIDENTS", store.locator("demo-incidents"))
    use_config(None)

    def combined(at: AppTest) -> int:  # the incidents of the rate ranking, all zones together
        ranking = at.dataframe[0].value
        column = next(c for c in ranking.columns if str(c).lower().startswith("incidents"))
        return int(pd.to_numeric(ranking[column].astype(str).str.replace(",", ""), errors="coerce").fillna(0).sum())

    def available(at: AppTest) -> str:  # "of N at all candidate stops"
        return next(c.value for c in at.caption if "at all candidate stops" in c.value)

    at = app().run()
    at.switch_page("app_pages/rates.py").run()
    assert not at.exception, at.exception
    before = combined(at)
    at.switch_page("app_pages/route.py").run()
    assert not at.exception, at.exception
    route_before = available(at)

    publish(homicides)  # a new version with every homicide
    time.sleep(VERSION_TTL_S + 0.5)
    at.switch_page("app_pages/rates.py").run()
    assert combined(at) > before
    at.switch_page("app_pages/route.py").run()
    assert available(at) != route_before
    use_config(None)
