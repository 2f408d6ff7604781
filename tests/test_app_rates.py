"""The Rates page under AppTest: both languages, public view, denominators chosen by the victim filters."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from streamlit.testing.v1 import AppTest

from geo.core.i18n import LOCALE_DIR, catalog, fmt_int

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
    assert catalog("es")["rates.population.acs"] in at.selectbox(key="r_pop").options
    at.selectbox(key="r_pop").set_value("acs").run()
    assert not at.exception
    residents = [v for v in at.dataframe[0].value["Residentes"] if v != "n/d"]
    assert residents  # the recorded block groups lie in some of the demo zones
