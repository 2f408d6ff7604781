"""The Rates page under AppTest: both languages, public view, denominators chosen by the victim filters."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import LOCALE_DIR, catalog, fmt_int, t
from tests.page_helpers import map_page

pytestmark = pytest.mark.app
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
PAGE = "app_pages/rates.py"


def _page(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in ("title", "subheader", "caption", "markdown", "info", "warning"):
        out += [e.value for e in getattr(at, kind)]
    out += [m.label for m in at.metric] + [w.label for w in at.selectbox] + [w.label for w in at.checkbox]
    for df in at.dataframe:
        out += [str(c) for c in df.value.columns] + [str(v) for v in df.value.to_numpy().ravel()]
    return out


@pytest.mark.parametrize("lang", ["en", "es"])
def test_rates_page_in_both_languages(lang: str, fresh_settings) -> None:
    at = _page({"lang": lang})
    assert at.title[0].value == catalog(lang)["rates.title"]
    ranking = at.dataframe[0].value
    assert catalog(lang)["rates.field.rate"] in ranking.columns
    assert len(ranking) == len(gpd.read_file(DEMO / "rate_zones.geojson"))
    labels = [m.label for m in at.metric]
    assert catalog(lang)["rates.all_zones"] in labels
    assert catalog(lang)["rates.note.synthetic"] in [c.value for c in at.caption]
    if lang == "es":  # no English text of this page's catalog on the Spanish page
        en = json.loads((LOCALE_DIR / "en.rates.json").read_text(encoding="utf-8"))
        es = catalog("es")
        english = {v for k, v in en.items() if es[k] != v and len(v) >= 5 and "{" not in v}
        shown = _shown(at)
        assert not [p for p in english if any(p in s for s in shown)]


def test_public_view_shows_fewer_than_3_and_no_rate(fresh_settings) -> None:
    at = _page({"lang": "en", "cat": "homicide", "from": "2012-01-01", "to": "2012-12-31"})
    ranking = at.dataframe[0].value
    counts = ranking["Incidents"].tolist()
    assert "fewer than 3" in counts
    assert not {"1", "2"} & set(counts)
    hidden = ranking[ranking["Incidents"] == "fewer than 3"]
    assert (hidden["Rate per year"] == "n/a").all()
    assert any("Public view" in c.value for c in at.caption)


def test_descent_filter_divides_by_that_group(fresh_settings) -> None:
    at = _page({"lang": "en", "descent": "B"})
    assert any("Black residents" in c.value for c in at.caption)
    # the ranking's residents are the synthetic Black residents of the zones (share of each block group's area)
    pop = gpd.read_file(DEMO / "population.geojson").to_crs("EPSG:32611")
    zones = gpd.read_file(DEMO / "rate_zones.geojson").to_crs("EPSG:32611").union_all()
    expected = (pop["descent_B"] * pop.intersection(zones).area / pop.area).sum()
    shown = sum(int(v.replace(",", "")) for v in at.dataframe[0].value["Residents"] if v != "n/a")
    assert shown == pytest.approx(expected, rel=0.001)
    both = _page({"lang": "en", "descent": "B", "sex": "F"})
    assert any("one kind of group" in w.value for w in both.warning)
    assert not both.dataframe


def test_counts_match_a_join_done_here(fresh_settings) -> None:
    at = _page({"lang": "en", "from": "2016-01-01", "to": "2017-12-31"})
    inc = gpd.read_parquet(DEMO / "incidents.parquet")
    dates = inc["occurred_at"].dt.tz_localize(None)
    inc = inc[(dates >= "2016-01-01") & (dates < "2018-01-01")]
    counts = gpd.sjoin(inc, gpd.read_file(DEMO / "rate_zones.geojson"), predicate="within").groupby("name").size()
    ranking = at.dataframe[0].value.set_index("Zone")
    for zone, n in counts.items():
        assert ranking.loc[zone, "Incidents"] == (fmt_int(n, "en") if n >= 3 else "fewer than 3")


def test_fetched_census_layer_is_offered(tmp_path, fake_http, no_sleep, monkeypatch, fresh_settings) -> None:
    from geo.core.settings import load_settings
    from geo.data.sources import census
    from tests.test_census import ACS_FILES, TIGER_FILES

    session, _ = fake_http([json.loads(p.read_text()) for p in (*ACS_FILES, *TIGER_FILES)])
    store = tmp_path / "store"
    census.fetch_census(load_settings(environ={}), year=2022, store_dir=store, session=session, sleep=no_sleep.append)
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    at = _page({"lang": "es"})
    options = at.selectbox(key="r_pop").options
    # the demo's incidents are synthetic: their synthetic population first, the fetched ACS beside it, with its vintage
    assert options == [
        f"{catalog('es')['rates.population.configured']}: {catalog('es')['rates.vintage.synthetic']}",
        f"{catalog('es')['rates.population.acs']}: ACS 2018-2022",
    ]
    at.selectbox(key="r_pop").set_value("acs").run()
    assert not at.exception
    residents = [v for v in at.dataframe[0].value["Residentes"] if v != "n/d"]
    assert residents  # the recorded block groups lie in some of the demo zones


# --- real incidents: the LA Times Harvard Park file (../shared/data) ------------------------------------------

HOODS_V6 = ("boundaries", "la_neighborhoods_latimes_v6", "neighborhoods.shp")
VINTAGE = "LA Times 2016 neighbourhood table"


@pytest.fixture(scope="module")
def real_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two stores with the LA Times victims and neighbourhoods: ``bare`` without a population, ``full`` with the
    LA Times' Black-resident table ingested as one."""
    from geo.data.ingest import ingest_file
    from geo.data.population import ingest_population_table
    from geo.data.sources.population_table import spec_from_args
    from tests.conftest import shared_file

    victims, hoods = shared_file("latimes", "harvard_park_homicides.json"), shared_file(*HOODS_V6)
    table = shared_file("latimes", "black_homicide_rate_2016_by_hood.json")
    out: dict[str, Any] = {}
    for name in ("bare", "full"):
        folder = tmp_path_factory.mktemp(name)
        out[name] = folder
        out["latimes"] = ingest_file(victims, store_dir=folder)["layer"]
        out["hoods"] = ingest_file(hoods, store_dir=folder)["layer"]
    spec = spec_from_args(key="neighborhood=name", total=None, groups=["B=black"], vintage=VINTAGE)
    out["population"] = ingest_population_table(table, hoods, spec, store_dir=out["full"])["layer"]
    return out


def _real_page(monkeypatch: pytest.MonkeyPatch, store: Path, query: dict[str, str]) -> AppTest:
    from geo.core.settings import use_config

    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    use_config(None)
    return _page(query)


@pytest.mark.realdata
def test_real_incidents_are_not_divided_by_the_demo_residents(
    real_stores: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    from geo.data.population import FETCH_COMMAND, INGEST_COMMAND

    at = _real_page(monkeypatch, real_stores["bare"], {"lang": "en", "data": real_stores["latimes"]})
    refused = t("rates.refuse.missing", "en", ingest=INGEST_COMMAND, fetch=FETCH_COMMAND)
    assert refused in [w.value for w in at.warning]
    assert not at.dataframe  # no rate at all until a population is chosen
    choice = at.selectbox(key="r_pop")
    assert choice.value == "missing"
    assert choice.options == [t("rates.population.missing", "en"), "Configured population layer: "
                              + t("rates.vintage.synthetic", "en")]  # fmt: skip
    # the demo's residents, chosen deliberately: computed, and labelled synthetic beside every rate
    choice.set_value("configured").run()
    assert not at.exception
    assert t("rates.note.synthetic_chosen", "en") in [w.value for w in at.warning]
    ranking = at.dataframe[0].value
    assert set(ranking[t("rates.field.vintage", "en")]) == {t("rates.vintage.synthetic", "en")}
    assert any(t("rates.vintage.synthetic", "en") in c.value for c in at.caption)
    assert at.query_params["pop"] == "configured"  # the choice is in the link
    drawn = map_page(at)  # and on the figure itself: the banner and the legend
    assert t("rates.banner.synthetic_residents", "en").split("'")[0] in drawn  # (the banner is JSON text)
    assert html.escape(t("rates.legend.vintage", "en", vintage=t("rates.vintage.synthetic", "en"))) in drawn


@pytest.mark.realdata
def test_the_la_times_harvard_park_rate_on_the_page(
    real_stores: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    query = {
        "lang": "en", "data": real_stores["latimes"], "zones": f"zones:{real_stores['hoods']}",
        "pop": f"layer:{real_stores['population']}", "descent": "B", "from": "2016-01-01", "to": "2016-12-31",
        "per": "10000",
    }  # fmt: skip
    at = _real_page(monkeypatch, real_stores["full"], query)
    assert not [w.value for w in at.warning if "population" in w.value.lower()]
    ranking = at.dataframe[0].value.set_index("Zone")
    assert ranking.loc["Harvard Park", "Rate per year"] == "16.2"  # the LA Times' 16.18, one decimal
    assert ranking.loc["Harvard Park", "Incidents"] == "7"
    assert ranking.loc["Harvard Park", "Rank"] == "1"
    assert set(ranking[t("rates.field.vintage", "en")]) == {VINTAGE}
    others = ranking.drop(index="Harvard Park")
    assert len(others) == 269
    assert set(others["Incidents"]) == set(others["Rate per year"]) == {"no data"}
    assert set(others["Rank"]) == {""}
    assert any(
        c.value.startswith("269 zones lie outside the area the incidents cover (Harvard Park)") for c in at.caption
    )
    assert any(VINTAGE in c.value for c in at.caption)
    drawn = map_page(at)
    assert html.escape(VINTAGE) in drawn  # the legend and every tooltip name the population's vintage
    assert t("rates.banner.synthetic_residents", "en").split("'")[0] not in drawn
