"""Real denominators on the real extracts: the LA Times' Harvard Park 2016 rate, the ACS tract table, coverage.

The extracts in ../shared/data are ingested into a temporary store (skipped with the reason when the folder is
absent); expected figures are computed here without the code under test (point in polygon, the LA Times' own
table).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from geo.cli import main
from geo.core.errors import DataError
from tests.conftest import shared_file

pytestmark = pytest.mark.realdata
HOODS = ("boundaries", "la_neighborhoods_latimes_v6", "neighborhoods.shp")
LA_TIMES_TABLE = ("latimes", "black_homicide_rate_2016_by_hood.json")
TRACTS = ("census", "census_tracts_data_la.csv")
TRACT_SHAPES = ("census", "census-tracts-2012.geojson")
VINTAGE = "LA Times 2016 neighbourhood table"
HARVARD_PARK = (-118.3053, 33.9833)  # SOURCES.md reference point (lon, lat)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """LA Times victims, the LA Times neighbourhoods (their coverage) and the LA Times Black-resident table."""
    victims, hoods = shared_file("latimes", "harvard_park_homicides.json"), shared_file(*HOODS)
    table = shared_file(*LA_TIMES_TABLE)
    from geo.data.ingest import ingest_file
    from geo.data.population import ingest_population_table
    from geo.data.sources.population_table import spec_from_args

    folder = tmp_path_factory.mktemp("store")
    out: dict[str, Any] = {"dir": folder, "victims": victims, "hoods": hoods, "table": table}
    out["latimes"] = ingest_file(victims, store_dir=folder)["layer"]
    out["neighborhoods"] = ingest_file(hoods, store_dir=folder)["layer"]
    spec = spec_from_args(key="neighborhood=name", total=None, groups=["B=black"], vintage=VINTAGE)
    out["population"] = ingest_population_table(table, hoods, spec, store_dir=folder)["layer"]
    return out


@pytest.fixture
def env(store: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> dict[str, Any]:
    from geo.core.settings import use_config

    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store["dir"]))
    use_config(None)
    return store


def _rates(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[list[dict[str, Any]], str]:
    assert main(["rates", *argv]) == 0, capsys.readouterr().err
    out = capsys.readouterr()
    return json.loads(out.out), out.err


def _harvard_2016(env: dict[str, Any]) -> list[str]:
    return ["--incidents", env["latimes"], "--zones", env["neighborhoods"], "--key", "name", "--descent", "B",
            "--from", "2016-01-01", "--to", "2016-12-31", "--per", "10000"]  # fmt: skip


def test_harvard_park_2016_reproduces_the_la_times_rate(env: dict[str, Any], capsys) -> None:  # type: ignore[no-untyped-def]
    got, err = _rates(capsys, *_harvard_2016(env), "--population", env["population"])
    by = {r["zone"]: r for r in got}
    harvard = by["Harvard Park"]
    published = json.loads(env["table"].read_text())
    lat = next(r for r in published if r["neighborhood"] == "Harvard Park")
    # the LA Times' figure: 7 Black victims / 4,325 Black residents x 10,000, one (calendar) year
    assert harvard["rate"] == round(lat["2016_black_homicide_rate"], 2) == 16.18
    # the count, computed here: Black victims of 2016 inside the LA Times' Harvard Park polygon
    hoods = gpd.read_file(env["hoods"])
    park = hoods.loc[hoods["name"] == "Harvard Park"].geometry.iloc[0]
    victims = json.loads(env["victims"].read_text())
    count = sum(
        1
        for v in victims
        if v["death_date"].startswith("2016") and v["race"].lower() == "black"
        and park.contains(Point(v["longitude"], v["latitude"]))
    )  # fmt: skip
    assert harvard["count"] == count == lat["black_homicides"] == 7
    assert harvard["population"] == pytest.approx(lat["black"], abs=0.01)
    assert harvard["years"] == 1.0
    assert harvard["flag"] == "small_population"  # about 4,300 Black residents: under 10,000
    # the file covers Harvard Park only: every other neighbourhood is no data, never 0.0
    others = [r for r in got if r["zone"] != "Harvard Park"]
    assert len(others) == 269
    assert all(r["count"] is None and r["rate"] is None and r["rate_eb"] is None for r in others)
    assert {r["data_coverage"] for r in others} <= {"no_data", "partial"}
    assert not [r for r in got if r["rate"] == 0.0]
    # smoothing uses the neighbourhoods with data only: here Harvard Park alone, so its own rate (13.96 before)
    assert harvard["rate_eb"] == 16.18
    # the vintage beside every rate
    assert {(r["population_vintage"], r["population_synthetic"]) for r in got} == {(VINTAGE, False)}
    assert "269 zones without data (not wholly in Harvard Park)" in err


def test_smoothing_before_and_after_coverage(env: dict[str, Any]) -> None:
    """The figures of the issue: 13.96 with the 107 zeros, 8.00 on the LA Times' own 109-neighbourhood table."""
    from geo.analysis.rates import empirical_bayes, zone_rates
    from geo.core.settings import get_settings
    from geo.data.datasets import load_incidents, read_layer
    from geo.data.ingest import layer_paths
    from geo.data.population import read_population

    published = json.loads(env["table"].read_text())
    e = np.array([r["black_homicides"] for r in published])
    b = np.array([r["black"] for r in published])
    names = [r["neighborhood"] for r in published]
    assert empirical_bayes(e, b)[names.index("Harvard Park")] * 10_000 == pytest.approx(8.00, abs=0.005)
    inc = load_incidents(layer_paths(env["dir"], env["latimes"])[0])
    year = inc[(inc["occurred_at"].dt.year == 2016) & (inc["victim_descent"] == "B")]
    zones = read_layer(layer_paths(env["dir"], env["neighborhoods"])[0])
    pop = read_population(layer_paths(env["dir"], env["population"])[0])
    # before: no coverage, so 107 neighbourhoods with Black residents and no victim in the file count as 0.0 and
    # pull Harvard Park's smoothed rate down (the issue measured it with 366 / 365.25 years)
    opts = {"key": "name", "columns": ("descent_B",), "rules": get_settings().rates, "per": 10_000}
    blind = zone_rates(year, zones, pop, years=366 / 365.25, **opts).set_index("zone")
    assert blind.loc["Harvard Park", "rate_eb"] == pytest.approx(13.96, abs=0.005)
    assert int((blind["rate"] == 0).sum()) == 107


def test_real_incidents_refuse_the_demo_residents(env: dict[str, Any], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "no_population"  # a store without any population layer
    assert main(["rates", *_harvard_2016(env), "--store", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "synthetic" in err
    assert "python -m geo ingest" in err
    assert "python -m geo fetch census" in err
    got, err = _rates(capsys, *_harvard_2016(env), "--store", str(empty), "--population", "demo")
    assert all(r["population_synthetic"] for r in got)
    assert "synthetic residents" in err
    # with the store's one real population (the LA Times table) no --population is needed: it is the default
    got, _ = _rates(capsys, *_harvard_2016(env))
    assert {r["population_source"] for r in got} == {env["population"]}


def test_la_times_table_ingest_command(env: dict[str, Any], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["ingest", str(env["table"]), "--geometry", str(env["hoods"]), "--key", "neighborhood=name",
            "--group", "B=black", "--vintage", VINTAGE, "--store", str(tmp_path / "s")]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr()
    rep = json.loads(out.out)
    assert (rep["rows_in"], rep["rows_kept"], rep["dropped"]) == (109, 108, {"no_geometry": 1})
    assert rep["geometry"]["features"] == 318
    assert rep["geometry"]["areas_without_row"] == 210
    assert "e.g. L.A. County Jail" in out.err
    joined = [r["black"] for r in json.loads(env["table"].read_text()) if r["neighborhood"] != "L.A. County Jail"]
    assert rep["residents"]["descent_B"] == pytest.approx(sum(joined), abs=0.1)


def test_acs_tract_table_with_its_traps(tmp_path: Path) -> None:
    from geo.data.sources.population_table import load_population_table, spec_from_args

    table, shapes = shared_file(*TRACTS), shared_file(*TRACT_SHAPES)
    mapping = {"key": "GEOID10=GEOID", "total": "total_pop", "vintage": "ACS 2013-2017"}
    spec = spec_from_args(**mapping, groups=["B=pct_black%", "H=pct_hispanic%", "W=pct_white%", "A=pct_asian"])
    got = load_population_table(table, shapes, spec)
    # every row of the table and every tract polygon accounted for (SOURCES.md section 8)
    assert (got.rows_in, got.rows_kept, got.dropped) == (2346, 2127, {"no_geometry": 219})
    assert got.notes["geometry"]["features"] == 2690
    assert got.notes["geometry"]["areas_without_row"] == 2690 - 2127
    frame = got.frame.set_index("key")
    harvard = frame.loc["06037237202"]  # the GEOID kept its leading zero
    assert harvard["population"] == 4708
    assert harvard["descent_B"] == pytest.approx(4708 * 31.2 / 100)
    assert harvard["descent_H"] == pytest.approx(4708 * 65.5 / 100)
    assert harvard["geometry"].contains(Point(*HARVARD_PARK))  # the NAD83 GeoJSON, stored in EPSG:4326
    assert got.frame.crs.to_epsg() == 4326
    # the tracts with no residents: 0 in every group, not NaN; no group missing elsewhere
    empty = frame[frame["population"] == 0]
    assert len(empty) == got.notes["zero_total"] >= 1
    assert (empty[["descent_B", "descent_H", "descent_W", "descent_A"]] == 0).all().all()
    assert got.notes["missing_groups"] == {}
    assert frame["descent_A"].max() <= frame["population"].max()  # pct_asian read as the count it is
    with pytest.raises(DataError, match=r"pct_asian is mapped as a share .* without '%'"):
        load_population_table(table, shapes, spec_from_args(**mapping, groups=["A=pct_asian%"]))
    with pytest.raises(DataError, match=r"'med_gross_rent' .*'1471 \(USD\)'"):
        load_population_table(table, shapes, spec_from_args(**mapping, groups=["W=med_gross_rent"]))


def test_rates_on_the_acs_tracts_name_their_vintage(env: dict[str, Any], tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = tmp_path / "acs"
    argv = ["ingest", str(shared_file(*TRACTS)), "--geometry", str(shared_file(*TRACT_SHAPES)), "--key",
            "GEOID10=GEOID", "--total", "total_pop", "--group", "B=pct_black%", "--vintage", "ACS 2013-2017",
            "--store", str(store)]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    layer = json.loads(capsys.readouterr().out)["output"]
    got, err = _rates(capsys, *_harvard_2016(env), "--population", layer)
    harvard = next(r for r in got if r["zone"] == "Harvard Park")
    assert harvard["population_vintage"] == "ACS 2013-2017"
    assert harvard["count"] == 7
    # the tracts give Harvard Park about as many Black residents as the LA Times' table (its own 2016 estimate)
    assert harvard["population"] == pytest.approx(4325, rel=0.25)
    assert "(ACS 2013-2017)" in err
