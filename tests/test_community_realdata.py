"""The Community page on the LA Times homicide file: the demo's synthetic answers never stand beside real victims, and
an export of the assessment, once ingested, is compared with the people killed in the same area and year."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pytest

from geo.core.i18n import t
from tests.page_helpers import map_page, open_page, page_texts

pytestmark = [pytest.mark.realdata, pytest.mark.app]

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def real_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> tuple[Path, str]:
    """A store holding the LA Times Harvard Park victims (and, so far, no survey)."""
    from geo.core.settings import use_config
    from geo.data.ingest import ingest_file
    from tests.conftest import shared_file

    path = shared_file("latimes", "harvard_park_homicides.json")
    name = Path(ingest_file(path, store_dir=tmp_path)["output"]).stem
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    use_config(None)
    return tmp_path, name


def test_real_victims_never_get_the_demo_answers(real_store: tuple[Path, str]) -> None:
    _, name = real_store
    at = open_page("community", {"lang": "en", "data": name})
    assert not at.exception
    assert [i.value for i in at.info] == [t("community.none.demo_refused", "en")]
    assert not at.dataframe
    assert not [w for w in at.warning if w.value == t("community.synthetic", "en")]
    mapped = open_page("map", {"lang": "en", "data": name, "layers": "perception,parks"})
    assert not mapped.exception
    assert "residents avoid this square" not in map_page(mapped)
    assert t("community.none.demo_refused", "en") in page_texts(mapped)


def test_an_ingested_wave_is_set_beside_the_people_killed_in_the_same_area_and_year(
    real_store: tuple[Path, str], tmp_path: Path
) -> None:
    from geo.core.disclosure import Disclosure
    from geo.core.settings import get_settings
    from geo.data.stores import open_store
    from geo.survey.layer import ingest_answers
    from tests.survey_helpers import odk_zip, rows_of

    store, name = real_store
    demo = gpd.read_parquet(ROOT / "data" / "demo" / "survey.parquet")
    people, marks = rows_of(demo[demo["wave"] == "2024-Q4"])
    for i, person in enumerate(people):  # interviewed in the autumn of 2016, inside the LA Times file's span
        person["day"] = dt.date(2016, 10, 1) + dt.timedelta(days=i % 60)
    report = ingest_answers(odk_zip(tmp_path / "wave.zip", people, marks), store_dir=store, rules=get_settings().survey)
    assert report["written"]

    at = open_page("community", {"lang": "en", "data": name})
    assert not at.exception
    assert not [w for w in at.warning if w.value == t("community.synthetic", "en")]
    assert at.selectbox(key="c_wave").value == "2016-Q4"
    assert t("community.unweighted.synthetic_population", "en") in [c.value for c in at.caption]
    beside = next(d.value for d in at.dataframe if t("community.col.incidents", "en") in d.value.columns)
    row = beside[beside[t("community.col.area", "en")] == "Harvard Park"].iloc[0]

    victims = open_store(store).read(name)
    places = gpd.read_file(ROOT / "data" / "demo" / "places.geojson")
    park = places[(places["name"] == "Harvard Park") & (places["kind"] == "park")].to_crs(32611)
    area = park.geometry.buffer(400.0).union_all()
    when = victims["occurred_at"].dt.tz_convert("America/Los_Angeles").dt.date
    in_year = victims[(when >= dt.date(2016, 1, 1)) & (when <= dt.date(2016, 12, 31))].to_crs(32611)
    expected = int(in_year.within(area).sum())
    assert expected > 0, "the LA Times file has 2016 victims near Harvard Park"
    assert row[t("community.col.incidents", "en")] == Disclosure(3, public=True).text(expected, "en")
