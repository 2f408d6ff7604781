"""Every page under AppTest, in both languages, with the numbers the filters should give on the demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import catalog, fmt_int
from tests.page_helpers import html_tables, map_page, with_controls

pytestmark = pytest.mark.app
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
PAGES = (
    "app_pages/map.py",
    "app_pages/trends.py",
    "app_pages/route.py",
    "app_pages/present.py",
    "app_pages/data.py",
    "app_pages/methods.py",
)


@pytest.fixture(scope="module")
def demo() -> gpd.GeoDataFrame:
    return gpd.read_parquet(DEMO / "incidents.parquet")


def app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def metric(at: AppTest, label: str) -> str:
    for m in at.metric:
        if m.label == label:
            return m.value
    raise AssertionError(f"no metric {label!r} in {[m.label for m in at.metric]}")


def texts(at: AppTest) -> list[str]:
    """Every visible text of the page: headings, captions, markdown, alerts, metrics and widget labels."""
    out: list[str] = []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        out += [e.value for e in getattr(at, kind)]
    out += [m.label for m in at.metric]
    for kind in ("selectbox", "multiselect", "radio", "button", "text_input", "number_input", "slider", "date_input",
                 "time_input", "checkbox"):  # fmt: skip
        out += [w.label for w in getattr(at, kind)]
    for df in [d.value for d in at.dataframe] + html_tables(at):
        out += [str(c) for c in df.columns]
    return out


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_both_languages(page: str, lang: str, fresh_settings) -> None:
    at = app({"lang": lang}).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value


@pytest.mark.parametrize("page", PAGES)
def test_spanish_pages_show_no_english_interface_text(page: str, fresh_settings) -> None:
    en, es = catalog("en"), catalog("es")
    english_only = {v for k, v in en.items() if es.get(k) != v and len(v) >= 5 and "{" not in v}
    at = app({"lang": "es"}).run()
    at.switch_page(page).run()
    assert not at.exception
    shown = texts(at)
    # phrases must not appear anywhere; single words (which may be part of a proper name such as the
    # LA Times "Homicide Report") must not stand alone as a label
    leaks = sorted({e for e in english_only for s in shown if (e in s if " " in e else e == s.strip())})
    assert not leaks, leaks
    # Streamlit's own English placeholders must be replaced too
    placeholders = [w.proto.placeholder for kind in ("multiselect", "selectbox") for w in getattr(at, kind)]
    assert not [p for p in placeholders if p.startswith("Choose")], placeholders


def test_each_filter_changes_the_counts(demo: gpd.GeoDataFrame, fresh_settings) -> None:
    local = demo["occurred_at"]
    in_2016 = local.dt.year == 2016
    at = app({"from": "2016-01-01", "to": "2016-12-31"}).run()
    assert metric(at, "Incidents in view") == fmt_int(int(in_2016.sum()), "en")
    assert metric(at, "Homicides in view") == fmt_int(int((in_2016 & (demo["category"] == "homicide")).sum()), "en")

    with_controls(at)
    at.sidebar.multiselect(key="f_cat").set_value(["robbery"]).run()
    robbery = in_2016 & (demo["category"] == "robbery")
    assert metric(at, "Incidents in view") == fmt_int(int(robbery.sum()), "en")

    at.sidebar.multiselect(key="f_sex").set_value(["F"]).run()
    female = robbery & (demo["victim_sex"] == "F")
    assert metric(at, "Incidents in view") == fmt_int(int(female.sum()), "en")

    at.sidebar.multiselect(key="f_sex").set_value([]).run()
    at.sidebar.multiselect(key="f_wd").set_value([5, 6]).run()
    weekend = robbery & local.dt.day_of_week.isin([5, 6])
    assert metric(at, "Incidents in view") == fmt_int(int(weekend.sum()), "en")

    at.sidebar.multiselect(key="f_wd").set_value([]).run()
    at.sidebar.selectbox(key="f_hour_from").set_value(20).run()
    at.sidebar.selectbox(key="f_hour_to").set_value(3).run()
    hours = local.dt.hour
    night = robbery & demo["time_known"] & ((hours >= 20) | (hours <= 3))
    assert metric(at, "Incidents in view") == fmt_int(int(night.sum()), "en")

    at.sidebar.selectbox(key="f_hour_from").set_value(0).run()
    at.sidebar.selectbox(key="f_hour_to").set_value(23).run()
    at.sidebar.multiselect(key="f_age").set_value(["unknown"]).run()
    unknown_age = robbery & demo["victim_age"].isna()
    assert metric(at, "Incidents in view") == fmt_int(int(unknown_age.sum()), "en")
    assert not at.exception


def test_period_quick_picks(demo: gpd.GeoDataFrame, fresh_settings) -> None:
    at = app().run()
    assert metric(at, "Incidents in view") == fmt_int(len(demo), "en")
    with_controls(at)
    at.sidebar.selectbox(key="f_period").set_value("year:2017").run()
    assert metric(at, "Incidents in view") == fmt_int(int((demo["occurred_at"].dt.year == 2017).sum()), "en")
    assert at.query_params["from"] in ("2017-01-01", ["2017-01-01"])
    at.sidebar.selectbox(key="f_period").set_value("last12").run()
    last = demo["occurred_at"].max().tz_localize(None).normalize()
    start = last - pd.DateOffset(months=12) + pd.Timedelta(days=1)
    dates = demo["occurred_at"].dt.tz_localize(None).dt.normalize()
    assert metric(at, "Incidents in view") == fmt_int(int(((dates >= start) & (dates <= last)).sum()), "en")


def test_ring_count_matches_an_independent_distance_computation(demo: gpd.GeoDataFrame, fresh_settings) -> None:
    places = gpd.read_file(DEMO / "places.geojson")
    park = places[(places["name"] == "Harvard Park") & (places["kind"] == "park")].to_crs(32611).geometry.iloc[0]
    d = demo.to_crs(32611).distance(park)
    at = app({"from": "2016-01-01", "to": "2016-12-31"}).run()
    expected = int(((d <= 400) & (demo["occurred_at"].dt.year == 2016)).sum())
    assert metric(at, "Within 400 m of Harvard Park") == fmt_int(expected, "en")


def test_query_parameters_round_trip(fresh_settings) -> None:
    query = {
        "lang": "es",
        "from": "2015-03-01",
        "to": "2017-06-30",
        "cat": "homicide,shots_fired",
        "weapon": "firearm",
        "sex": "M",
        "wd": "4,5,6",
        "hours": "20-3",
        "place": "Jordan Downs",
        "rings": "100,250",
        "layers": "homicides,gistar,rings,streets",
    }
    at = app(query).run()
    assert not at.exception
    with_controls(at)
    assert at.sidebar.multiselect(key="f_cat").value == ["homicide", "shots_fired"]
    assert at.sidebar.selectbox(key="f_place").value == "Jordan Downs"
    assert at.sidebar.text_input(key="f_rings").value == "100,250"
    assert at.multiselect(key="m_layers").value == ["homicides", "gistar", "rings", "streets"]
    kept = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert kept == query
    assert metric(at, "A menos de 250 m de Jordan Downs")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_new_session_lists_the_filters_and_the_button_draws_the_same_values(lang: str, fresh_settings) -> None:
    query = {"lang": lang, "from": "2016-02-01", "to": "2016-11-30", "cat": "homicide", "wd": "5,6",
             "place": "Jordan Downs", "rings": "100,250", "layers": "homicides,rings"}  # fmt: skip
    at = app(query).run()
    assert not at.exception
    assert not at.sidebar.multiselect  # no filter widget in the first view
    assert not at.sidebar.selectbox
    assert not [m for m in at.multiselect if m.key == "m_layers"]
    listed = " ".join(m.value for m in at.sidebar.markdown).replace("\\", "")  # markdown escapes
    cat = catalog(lang)
    for shown in ("2016-02-01", "2016-11-30", cat["category.homicide"], "Jordan Downs", "100, 250"):
        assert shown in listed, (shown, listed)
    assert cat["category.robbery"] not in listed
    drawn = " ".join(m.value for m in at.markdown)
    assert cat["layer.homicides"] in drawn
    figures = {m.label: m.value for m in at.metric}
    assert at.sidebar.button(key="f_open_btn").label == cat["filters.change"]
    with_controls(at)
    assert at.sidebar.multiselect(key="f_cat").value == ["homicide"]
    assert at.sidebar.multiselect(key="f_wd").value == [5, 6]
    assert at.sidebar.date_input(key="f_dates").value == (dt.date(2016, 2, 1), dt.date(2016, 11, 30))
    assert at.multiselect(key="m_layers").value == ["homicides", "rings"]
    assert {m.label: m.value for m in at.metric} == figures  # the same view, now with its widgets
    assert not [b for b in at.sidebar.button if b.key == "f_open_btn"]
    kept = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert kept == query


def test_long_lists_are_listed_whole(fresh_settings) -> None:
    from geo.core.categories import CATEGORIES
    from geo.core.text import ECHO_LIMIT

    layers = ("homicides", "incidents", "parks", "housing", "csp", "rings", "streets")
    at = app({"cat": ",".join(CATEGORIES), "place": "Jordan Downs", "layers": ",".join(layers)}).run()
    assert not at.exception
    cat = catalog("en")
    listed = " ".join(m.value for m in at.sidebar.markdown).replace("\\", "")
    assert len(", ".join(cat[f"category.{c}"] for c in CATEGORIES)) > ECHO_LIMIT  # longer than one echoed value
    for c in CATEGORIES:
        assert cat[f"category.{c}"] in listed, c
    drawn = " ".join(m.value for m in at.markdown).replace("\\", "")
    for key in ("layer.homicides", "layer.parks", "layer.streets"):  # the first, a middle and the last
        assert cat[key] in drawn, key
    assert "Jordan Downs" in drawn  # the rings' label names the place


def test_the_layer_list_opens_the_widgets_too(fresh_settings) -> None:
    at = app().run()
    at.button(key="m_layers_open").click().run()
    assert not at.exception
    assert at.multiselect(key="m_layers").value
    assert at.sidebar.multiselect(key="f_cat").value == []


def test_bad_link_parameters_are_reported_not_fatal(fresh_settings) -> None:
    at = app({"from": "2016-02-30", "cat": "arson", "place": "Atlantis"}).run()
    assert not at.exception
    warning = " ".join(w.value for w in at.sidebar.warning)
    assert "from=" in warning
    assert "arson" in warning
    assert "Atlantis" in warning


def test_empty_result_shows_a_clear_state(fresh_settings) -> None:
    at = app({"cat": "kidnapping"}).run()  # the demo has no kidnapping
    assert not at.exception
    assert metric(at, "Incidents in view") == "0"
    assert any("No incidents match" in i.value for i in at.info)
    for page in ("app_pages/trends.py", "app_pages/route.py"):
        at.switch_page(page).run()
        assert not at.exception
        assert at.info


def test_hotspot_layers_render_and_say_their_method(fresh_settings) -> None:
    at = app({"layers": "homicides,kde,gistar,grid,rings", "from": "2016-01-01", "to": "2017-12-31"}).run()
    assert not at.exception
    assert "Hot spot, 99% confidence" in map_page(at)
    assert any("Heat bandwidth" in c.value for c in at.caption)


def test_map_payload_stays_small_at_100k_incidents(tmp_path: Path, fresh_settings) -> None:
    from geo.core.schema import coerce_incidents
    from geo.core.store import write_geoparquet

    demo = gpd.read_parquet(DEMO / "incidents.parquet")
    rng = np.random.default_rng(7)
    big = demo.iloc[rng.integers(0, len(demo), 100_000)].reset_index(drop=True)
    big["incident_id"] = [f"bench-{i:06d}" for i in range(len(big))]
    big["lat"] = big["lat"] + rng.normal(0, 0.004, len(big))
    big["lon"] = big["lon"] + rng.normal(0, 0.004, len(big))
    big = gpd.GeoDataFrame(big, geometry=gpd.points_from_xy(big["lon"], big["lat"]), crs=4326)
    path = write_geoparquet(coerce_incidents(big), tmp_path / "big.parquet")
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"sources:\n  incidents: {path}\n  places: {DEMO / 'places.geojson'}\n  streets: {DEMO / 'streets.geojson'}\n",
        encoding="utf-8",
    )
    import sys

    saved = sys.argv
    sys.argv = ["app.py", "--config", str(cfg)]
    try:
        at = app().run()
    finally:
        sys.argv = saved
    assert not at.exception
    payload = len(map_page(at).encode())
    assert payload <= 5_000_000, payload
    assert metric(at, "Incidents in view") == "100,000"
    assert any("too many to draw one by one" in c.value for c in at.caption)


def test_present_page_is_public_unless_internal_is_confirmed(fresh_settings) -> None:
    at = app({"from": "2016-01-01", "to": "2016-12-31"}).run()
    at.switch_page("app_pages/present.py").run()
    assert not at.exception
    public = image_url(at)
    at.radio(key="p_mode").set_value("internal").run()
    assert any("Tick the box" in i.value for i in at.info)
    still_public = image_url(at)
    at.checkbox(key="p_confirm").check().run()
    internal = image_url(at)
    assert not at.exception
    assert len(at.get("download_button")) == 4
    assert public == still_public  # same rendered slide: still the public version
    assert internal != public


def test_the_export_language_follows_the_page_language_until_one_is_chosen(fresh_settings) -> None:
    """An organizer who switches the page to Spanish gets a Spanish handout; choosing English on a
    Spanish page keeps English (a bilingual meeting), until the page's language changes again."""
    at = app({"from": "2016-01-01", "to": "2016-12-31"}).run()
    at.switch_page("app_pages/present.py").run()
    assert not at.exception
    english = at.text[0].value  # the text version of the slide

    def export_lang() -> str:
        return str(at.radio(key="p_lang").value)

    assert export_lang() == "en"
    at.sidebar.radio(key="lang_switch").set_value("es").run()
    assert export_lang() == "es"
    spanish = at.text[0].value
    assert spanish != english
    at.radio(key="p_lang").set_value("en").run()
    assert export_lang() == "en"  # chosen on a Spanish page: kept
    assert at.text[0].value == english
    at.run()
    assert export_lang() == "en"
    at.sidebar.radio(key="lang_switch").set_value("en").run()
    at.sidebar.radio(key="lang_switch").set_value("es").run()
    assert export_lang() == "es"  # the page's language changed: the export follows it again
    assert not at.exception


def image_url(at: AppTest) -> str:
    images = at.get("image")
    assert len(images) == 1
    return images[0].proto.imgs[0].url


@pytest.mark.realdata
def test_boundary_layers_from_the_store_are_offered_and_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings
) -> None:
    from geo.data.ingest import ingest_file
    from tests.conftest import shared_file

    divisions = shared_file("boundaries", "LAPD_Division_5922489107755548254.geojson")
    report = ingest_file(divisions, store_dir=tmp_path)
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    from geo.core.settings import use_config

    use_config(None)
    name = Path(report["output"]).stem
    at = app({"layers": f"homicides,zones:{name}"}).run()
    assert not at.exception
    drawn = " ".join(m.value for m in at.markdown)
    assert "LAPD divisions" in drawn  # listed while the layer widget is folded
    assert f"zones:{name}" in with_controls(at).multiselect(key="m_layers").value
    script = map_page(at)
    assert "LAPD divisions" in script
    assert "77TH STREET" in script.upper()


def test_park_ranking_puts_harvard_park_first_in_2016(demo: gpd.GeoDataFrame, fresh_settings) -> None:
    at = app({"from": "2016-01-01", "to": "2016-12-31"}).run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    ranked = next(d.value for d in at.dataframe if "Rank" in d.value.columns)
    assert ranked.iloc[0]["Place"] == "Harvard Park"
    places = gpd.read_file(DEMO / "places.geojson")
    park = places[(places["name"] == "Harvard Park") & (places["kind"] == "park")].to_crs(32611).geometry.iloc[0]
    near = demo.to_crs(32611).distance(park) <= 150
    expected = int((near & (demo["occurred_at"].dt.year == 2016)).sum())
    assert int(ranked.iloc[0]["Incidents within 150 m"]) == expected  # the column names its distance


def test_route_page_leaves_out_an_excluded_stop(fresh_settings) -> None:
    at = app({"from": "2015-01-01", "to": "2017-12-31"}).run()
    at.switch_page("app_pages/route.py").run()
    assert not at.exception
    before = [s["stop_id"] for s in at.session_state["r_plan"]["stops"]]
    assert before
    at.multiselect(key="r_exclude").select(before[0]).run()  # a stop on the route
    assert not at.exception
    assert at.multiselect(key="r_exclude").value == [before[0]]
    assert not at.exception
    after = [s["stop_id"] for s in at.session_state["r_plan"]["stops"]]
    assert after
    assert before[0] not in after
    table = next(d.value for d in at.dataframe if "Arrive" in d.value.columns)
    assert len(table) == len(after)


@pytest.mark.realdata
def test_a_store_layer_can_be_shown_instead_of_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings
) -> None:
    from geo.core.settings import use_config
    from geo.data.ingest import ingest_file
    from tests.conftest import shared_file

    path = shared_file("latimes", "harvard_park_homicides.json")
    name = Path(ingest_file(path, store_dir=tmp_path)["output"]).stem
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    use_config(None)
    at = app().run()
    at.switch_page("app_pages/data.py").run()
    at.selectbox(key="d_source").set_value(name).run()
    assert not at.exception
    assert at.query_params["data"] in (name, [name])
    at.switch_page("app_pages/map.py").run()
    assert not at.exception
    assert metric(at, "People killed in view") == "64"  # SOURCES.md: 64 victims
    assert not at.warning or not any("Synthetic" in w.value for w in at.warning)
    at.switch_page("app_pages/trends.py").run()  # the ranking counts people killed, as the source does
    headers = [c for df in at.dataframe for c in df.value.columns]
    assert "People killed within 150 m" in headers
    assert "Incidents within 150 m" not in headers
    # a shared link with the choice opens the same data in a new session
    again = app({"data": name}).run()
    assert metric(again, "People killed in view") == "64"
    # the choice is this session's: a new session with no link still opens the team's default, the demo
    assert metric(app().run(), "Incidents in view") == "4,116"
    # the operator (auth.mode off) makes it the team's default on the Data page
    at.switch_page("app_pages/data.py").run()
    at.button(key="d_team_default").click().run()
    assert not at.exception
    assert metric(app().run(), "People killed in view") == "64"
    # the team's default: an unknown layer name in a link falls back to it, and says so
    other = app({"data": "no-such-layer"}).run()
    assert not other.exception
    assert metric(other, "People killed in view") == "64"
    assert any("no\\-such\\-layer" in w.value or "no-such-layer" in w.value for w in other.warning)
    # choosing the demo again on the Data page brings the demo back
    other.switch_page("app_pages/data.py").run()
    other.selectbox(key="d_source").set_value("demo").run()
    other.switch_page("app_pages/map.py").run()
    assert metric(other, "Incidents in view") == "4,116"
    # while the team's default is the layer, the link of that choice names the demo, and opens it
    assert other.query_params["data"] in ("demo", ["demo"])
    assert metric(app({"data": "demo"}).run(), "Incidents in view") == "4,116"


def test_the_evaluation_compares_with_the_nearest_parks_and_labels_months(fresh_settings) -> None:
    """The default comparison places are the three parks nearest Harvard Park outside its displacement buffer (the demo
    has no coverage to judge: every park has data), not the first three alphabetically; the rule is on the page, and
    the monthly chart's axis reads months."""
    import json

    at = app().run()
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    places = gpd.read_file(DEMO / "places.geojson").to_crs(32611)
    park = places[(places["name"] == "Harvard Park") & (places["kind"] == "park")].geometry.iloc[0]
    parks = places[(places["kind"] == "park") & (places["name"] != "Harvard Park")]
    apart = parks[~parks.intersects(park.buffer(400, quad_segs=16))]
    nearest = apart.assign(d=apart.distance(park)).sort_values("d")["name"].head(3).tolist()
    assert sorted(at.multiselect(key="e_ctrl").value) == sorted(nearest)
    assert sorted(nearest) != sorted(parks["name"])[:3]  # not the alphabetical three
    assert any(c.value.startswith("Offered by default: the 3 nearest parks") for c in at.caption)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    monthly = [s for s in specs if any(layer.get("encoding", {}).get("x", {}).get("field") == "month"
                                       for layer in s.get("layer", []))]  # fmt: skip
    assert monthly
    axis = next(layer["encoding"]["x"]["axis"] for layer in monthly[0]["layer"] if "x" in layer.get("encoding", {}))
    assert axis["format"] == "%Y-%m"


def test_a_public_evaluation_starts_on_the_first_of_its_month(fresh_settings) -> None:
    """Moving the start a day at a time must not tell, by the change in the before/after counts, when an
    incident happened: in the public view the start is the first of its month, and the page says so."""

    def shown(since: str, view: str) -> tuple[list[str], list[str]]:
        at = app({"since": since, "view": view}).switch_page("app_pages/trends.py").run()
        assert not at.exception
        values = [f"{m.label}={m.value}" for m in at.metric]
        values += [df.value.to_csv() for df in at.dataframe]
        return values, [c.value for c in at.caption]

    mid, first = shown("2017-03-15", "public"), shown("2017-03-01", "public")
    assert mid[0] == first[0]
    assert any("first of its month" in c for c in mid[1])
    assert not any("first of its month" in c for c in first[1])
    internal = shown("2017-03-15", "internal")
    assert not any("first of its month" in c for c in internal[1])
