"""The dashboard on the real extracts: real places, the data's own coverage, the public view, links.

The extracts in ../shared/data are ingested into a temporary store (skipped with the reason when the
folder is absent); expected figures are computed here independently (pyproj geodesic distances).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd
import pytest
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from geo.core.i18n import catalog
from tests.conftest import ROOT, SHARED_DATA
from tests.page_helpers import app_on_store, map_page, page_texts, real_store

pytestmark = pytest.mark.app
FILES = {
    "latimes": "latimes/harvard_park_homicides.json",
    "cpad": "parks/caliparks_cpad_superunit_points_la_area.csv",
    "lapd": "lapd_crime/Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz",
    "divisions": "boundaries/LAPD_Division_5922489107755548254.geojson",
}
HARVARD_CPAD = (33.9839398119076, -118.304584027625)  # SOURCES.md: CPAD id 28621, lat/lon
GEOD = Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return real_store(tmp_path_factory, FILES)


@pytest.fixture
def app(store: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fresh_settings: None):  # type: ignore[no-untyped-def]
    return app_on_store(store, monkeypatch)


def metric(at: AppTest, start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(start))


@pytest.mark.realdata
def test_harvard_park_on_the_la_times_layer_with_cpad_parks(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = app(data=store["latimes"], places=store["cpad"], place="Harvard Park")
    assert not at.exception
    raw = pd.DataFrame(json.loads((SHARED_DATA / FILES["latimes"]).read_text(encoding="utf-8")))
    lat = pd.to_numeric(raw["latitude"]).to_numpy()
    lon = pd.to_numeric(raw["longitude"]).to_numpy()
    _, _, dist = GEOD.inv([HARVARD_CPAD[1]] * len(raw), [HARVARD_CPAD[0]] * len(raw), lon, lat)
    expected = int((dist <= 400).sum())
    assert expected == 16  # issue 11: 16 within 400 m of the real park point
    label = next(m.label for m in at.metric if m.label.startswith("Within 400 m of"))
    assert "Harvard" in label
    assert metric(at, "Within 400 m of") == str(expected)
    assert metric(at, "People killed in view") == str(len(raw))
    assert any("Los Angeles Times" in c.value for c in at.caption)
    assert not any("Synthetic" in w.value for w in at.warning)


@pytest.mark.realdata
def test_a_place_outside_the_coverage_shows_no_data(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = app(data=store["latimes"], places=store["cpad"], place="Jordan Downs Recreation Center")
    assert not at.exception
    assert metric(at, "Within 400 m of") == "No data"


@pytest.mark.realdata
def test_the_public_view_sends_no_case_number_and_no_point(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = app(data=store["latimes"], places=store["cpad"], place="Harvard Park")
    assert not at.exception
    assert at.radio(key="map_view").value == "public"
    raw = pd.DataFrame(json.loads((SHARED_DATA / FILES["latimes"]).read_text(encoding="utf-8")))
    cases = [str(c) for c in raw["case_number"].dropna() if str(c).strip()]
    # each victim's point as the map would write it (GeoJSON lon, lat at 5 decimals)
    points = [f"[{float(x):.5f}, {float(y):.5f}]" for x, y in zip(raw["longitude"], raw["latitude"], strict=True)]

    def shown(script: str) -> tuple[int, int]:
        return sum(c in script for c in cases), sum(p in script for p in points)

    assert shown(map_page(at)) == (0, 0)
    at.radio(key="map_view").set_value("internal").run()  # not yet confirmed: still public
    assert shown(map_page(at)) == (0, 0)
    at.checkbox(key="map_view_ok").check().run()
    assert at.query_params["view"] in ("internal", ["internal"])
    cases_shown, points_shown = shown(map_page(at))
    assert cases_shown > 0  # the internal view does send them: the checks above can fail
    assert points_shown > 0


@pytest.mark.realdata
def test_trends_on_the_lapd_sample_in_both_languages(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    for lang in ("en", "es"):
        at = app(data=store["lapd"], lang=lang)
        at.switch_page("app_pages/trends.py").run()
        assert not at.exception, lang


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_evaluation_opens_computed_on_the_lapd_2020_extract(app, store: dict[str, Any], lang: str) -> None:  # type: ignore[no-untyped-def]
    """The 2020 extract starts after the program's 2017 start: the page used to clamp the start to the data's
    first day and open on an error (in English, on the Spanish page); it opens mid-data, computed, and says why."""
    at = app(data=store["lapd"], lang=lang)
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    assert str(at.date_input(key="e_start").value) == "2020-07-01"
    failed = catalog(lang)["eval.error"].split(":")[0]
    assert not [w.value for w in at.warning if failed in w.value]
    outside = catalog(lang)["eval.start_outside"].split("(")[0]
    assert any(outside in c.value for c in at.caption)


@pytest.mark.realdata
def test_a_data_link_survives_a_page_change(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = app(data=store["latimes"])
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    at.switch_page("app_pages/map.py").run()
    assert at.query_params["data"] in (store["latimes"], [store["latimes"]])
    assert metric(at, "People killed in view") == "64"


def test_an_empty_layer_says_so_on_the_map_and_trends(tmp_path, fresh_settings: None) -> None:  # type: ignore[no-untyped-def]
    import sys

    import geopandas as gpd

    from geo.core.schema import coerce_incidents
    from geo.core.store import write_geoparquet

    demo = gpd.read_parquet(ROOT / "data" / "demo" / "incidents.parquet")
    empty = write_geoparquet(coerce_incidents(demo.iloc[0:0]), tmp_path / "empty.parquet")
    cfg = tmp_path / "c.yaml"
    demo_dir = ROOT / "data" / "demo"
    cfg.write_text(
        f"sources:\n  incidents: {empty}\n  places: {demo_dir / 'places.geojson'}\n"
        f"  streets: {demo_dir / 'streets.geojson'}\n  store_dir: {tmp_path / 'store'}\n",
        encoding="utf-8",
    )
    saved = sys.argv
    sys.argv = ["app.py", "--config", str(cfg)]
    try:
        for lang in ("en", "es"):
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.query_params["lang"] = lang
            at.run()
            assert not at.exception, lang
            word = "no rows" if lang == "en" else "no tiene filas"
            assert any(word in i.value for i in at.info), lang
            at.switch_page("app_pages/trends.py").run()
            assert not at.exception, lang
            assert any(word in i.value for i in at.info), lang
    finally:
        sys.argv = saved


def test_trend_colours_are_keyed_on_the_place_in_both_languages(fresh_settings: None) -> None:
    domains = {}
    for lang in ("en", "es"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("app_pages/trends.py").run()
        assert not at.exception
        spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
        line = next(layer for layer in spec["layer"] if "color" in layer.get("encoding", {}))
        assert line["encoding"]["color"]["field"] == "place"
        domains[lang] = line["encoding"]["color"]["scale"]["domain"]
    assert domains["en"] == domains["es"]
    assert domains["en"][0] == "Harvard Park"


@pytest.mark.realdata
def test_a_compared_place_without_data_is_named_not_drawn_in_the_trend_legend(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """The LAPD sample covers the City of Los Angeles; Abalone Cove (Rancho Palos Verdes) is outside it: the trend
    names it as having no data and its legend lists only the places drawn, each in the colour of its slot."""
    at = app(data=store["lapd"], places=store["cpad"], place="Harvard Park")
    at.switch_page("app_pages/trends.py").run()
    options = at.multiselect(key="t_cmp").options  # real places: each label names its kind and where it is
    outside = next(o for o in options if o.startswith("Abalone Cove Shoreline Park (Park, "))
    inside = next(o for o in options if o.startswith("Chesterfield Square (Park, "))  # 1.3 km from Harvard Park
    at.multiselect(key="t_cmp").set_value([outside, inside]).run()
    assert not at.exception
    assert any("Abalone Cove Shoreline Park" in i.value for i in at.info)  # named as having no data
    assert not any("Chesterfield Square" in i.value for i in at.info)
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    line = next(layer for layer in spec["layer"] if "color" in layer.get("encoding", {}))
    scale = line["encoding"]["color"]["scale"]
    assert "Harvard" in scale["domain"][0]  # the focus place (CPAD names it after its recreation center)
    assert scale["domain"][1:] == [inside]
    palette = ["#4c78a8", "#f58518", "#e45756"]  # Vega's tableau10: the third slot keeps the third colour
    assert scale["range"] == [palette[0], palette[2]]


@pytest.mark.realdata
def test_zones_outside_the_coverage_have_no_data(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    import re

    at = app(data=store["latimes"], layers=f"zones:{store['divisions']}")
    assert not at.exception
    counts = re.findall(r'"count": "([^"]*)"', map_page(at))
    assert "No data" in counts  # divisions far from Harvard Park: the LA Times file says nothing there
    assert "0" not in counts
    assert "64" in counts  # the division holding the neighbourhood has every victim


# --- privacy on the real LA Times file (issue: counts of 1 and 2 on the Map and Trends pages) ----------------------


def _small_numbers(text: str) -> list[str]:
    """Counts of 1 or 2 printed as a number in ``text`` (not inside a date, a distance or a longer number)."""
    return re.findall(r"(?<![\w.,\-/:])[12](?![\w.,\-/:%])", text)


@pytest.mark.realdata
def test_one_day_on_the_map_reads_fewer_than_3_everywhere(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """2017-06-18: one death. The public view counts June 2017 and says so; the key figures and the text version
    agree ("fewer than 3"), and no figure is 1."""
    at = app(
        data=store["latimes"], places=store["cpad"], place="Harvard Park", **{"from": "2017-06-18", "to": "2017-06-18"}
    )
    assert not at.exception
    assert metric(at, "People killed in view") == "fewer than 3"
    assert metric(at, "Homicides in view") == "fewer than 3"
    texts = page_texts(at)
    assert any("whole months, Jun 1, 2017 to Jun 30, 2017" in x for x in texts)
    assert any("fewer than 3 people killed" in x for x in texts)


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_ring_table_by_year_gives_no_small_count_back(app, store: dict[str, Any], lang: str) -> None:  # type: ignore[no-untyped-def]
    at = app(data=store["latimes"], places=store["cpad"], place="Harvard Park", lang=lang)  # every year
    assert not at.exception
    tables = [h.proto.body for h in at.get("html") if "<table" in h.proto.body and "2016</th>" in h.proto.body]
    assert tables, "the ring-by-year table is drawn"
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", tables[0])
    assert cells
    assert not [c for c in cells if c.strip() in ("1", "2")]
    fewer = "fewer than 3" if lang == "en" else "menos de 3"
    withheld = "withheld" if lang == "en" else "reservado"
    assert fewer in cells or withheld in cells


@pytest.mark.realdata
def test_trends_name_no_busiest_month_of_two(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = app(data=store["latimes"], places=store["cpad"], place="Harvard Park")
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "with 2 people killed" not in text
    assert "with 1 person killed" not in text
    for frame in at.dataframe:  # counts, monthly tables and the evaluation's (ranks are not counts)
        counts = frame.value.drop(columns=[c for c in frame.value.columns if str(c) in ("Rank", "Rango")])
        shown = counts.astype(str).to_numpy().ravel().tolist()
        assert not [v for v in shown if v in ("1", "2")], counts.head()
    assert "1 incidents before" not in " ".join(w.value for w in at.warning)


@pytest.mark.realdata
def test_one_day_on_the_rates_page_gives_no_count_back(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """2017-06-18 (one death): the Rates page counts June 2017, and the rate of all zones together, which times the
    residents gave back exactly 1, is withheld with the count."""
    at = app(
        data=store["latimes"], places=store["cpad"], place="Harvard Park", pop="configured",  # demo residents, asked
        **{"from": "2017-06-18", "to": "2017-06-18"},
    )  # fmt: skip
    at.switch_page("app_pages/rates.py").run()
    assert not at.exception
    assert any("whole months, Jun 1, 2017 to Jun 30, 2017" in x for x in page_texts(at))
    combined = next(m.value for m in at.metric if m.label.startswith("Rate of all zones"))
    assert not any(ch.isdigit() for ch in combined), combined


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_route_starts_at_the_focus_place_in_either_language(app, store: dict[str, Any], lang: str) -> None:  # type: ignore[no-untyped-def]
    """On real data the pickers' labels name the kind in the page's language ("Park"/"Parque"): the Route page's
    start must be offered in the same language as the filters, or the focus place is not found and the first
    park alphabetically (105th Street Pocket Park) becomes the start."""
    at = app(data=store["latimes"], places=store["cpad"], place="Harvard Park", lang=lang)
    at.switch_page("app_pages/route.py").run()
    assert not at.exception, at.exception
    assert "Jackie Tatum" in str(at.selectbox(key="r_place").value)


@pytest.mark.realdata
def test_an_area_drawn_round_harvard_park_counts_as_the_raw_file_says(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """Your own area on the LA Times layer: the key figure is the raw file's deaths within 400 m of the drawn square,
    measured here in metres on the file itself; the Trends page opens on the same focus."""
    import geopandas as gpd
    from shapely.geometry import Point, box

    from geo.data.ownplaces import make_place, write_place

    lat, lon = HARVARD_CPAD
    square = box(lon - 0.003, lat - 0.0025, lon + 0.003, lat + 0.0025)
    link = write_place(make_place("Blocks round the park", square))
    at = app(data=store["latimes"], places=store["cpad"], area=link, place="Blocks round the park")
    assert not at.exception
    raw = pd.DataFrame(json.loads((SHARED_DATA / FILES["latimes"]).read_text(encoding="utf-8")))
    points = gpd.GeoSeries(
        [Point(x, y) for x, y in zip(pd.to_numeric(raw["longitude"]), pd.to_numeric(raw["latitude"]), strict=True)],
        crs=4326,
    ).to_crs(32611)
    zone = gpd.GeoSeries([square], crs=4326).to_crs(32611).iloc[0].buffer(400)
    expected = int(points.within(zone).sum())
    assert expected >= 3  # shown as a number in the public view
    assert metric(at, "Within 400 m of Blocks round the park") == str(expected)
    at.switch_page("app_pages/trends.py").run()  # the session keeps the area on another page
    assert not at.exception
    assert any("Blocks round the park" in x for x in page_texts(at))
