"""No synthetic stand-in behind a real figure, and no data where the incidents do not reach.

The one rule (:func:`geo.data.population.denominator`) read by the CLI and the page; the vintage beside every
rate; zones outside the incidents' coverage without a count, a rate or a place in the smoothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.analysis.rates import empirical_bayes, rows, shown_rates, zone_rates
from geo.cli import main
from geo.core.disclosure import Disclosure
from geo.core.i18n import t
from geo.core.projection import METRIC, WGS84
from geo.core.settings import RateSettings
from geo.core.store import write_geoparquet
from geo.data.coverage import Coverage
from geo.data.population import (
    MISSING,
    SYNTHETIC,
    PopulationSource,
    choice_order,
    denominator,
    describe_population,
    ingest_population_table,
    refusal,
)
from geo.data.sources.population_table import GroupMap, TableSpec
from tests.analysis_helpers import ORIGIN, metric_points, square

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
X0, Y0 = ORIGIN
RULES = RateSettings()


def _source(*, synthetic: bool, name: str = "p") -> PopulationSource:
    return PopulationSource(name, name, synthetic, None if synthetic else "ACS 2013-2017", ("population",))


def test_the_rule_refuses_synthetic_residents_under_real_incidents_unless_chosen() -> None:
    fake, real = _source(synthetic=True), _source(synthetic=False)
    refused = denominator(fake, incidents_synthetic=False, chosen=False)
    assert (refused.allowed, refused.refused, refused.synthetic) == (False, SYNTHETIC, True)
    text = refusal(refused)
    assert "synthetic" in text
    assert "python -m geo ingest" in text
    assert "python -m geo fetch census" in text
    assert "--population demo" in text
    chosen = denominator(fake, incidents_synthetic=False, chosen=True)
    assert (chosen.allowed, chosen.synthetic) == (True, True)  # allowed, and the figure is labelled synthetic
    assert denominator(real, incidents_synthetic=False, chosen=False).synthetic is False
    assert denominator(fake, incidents_synthetic=True, chosen=False).allowed  # the demo on its own residents
    nothing = denominator(None, incidents_synthetic=False, chosen=True)
    assert (nothing.allowed, nothing.refused) == (False, MISSING)
    assert "no population" in refusal(nothing)
    assert refusal(chosen) == ""


def test_choices_open_on_a_population_of_the_incidents_kind() -> None:
    both = {"demo": _source(synthetic=True), "acs": _source(synthetic=False)}
    assert choice_order(both, incidents_synthetic=False) == ["acs", "demo"]
    assert choice_order(both, incidents_synthetic=True) == ["demo", "acs"]
    only_fake = {"demo": _source(synthetic=True)}
    assert choice_order(only_fake, incidents_synthetic=False) == [MISSING, "demo"]  # the refusal is the default
    assert choice_order(only_fake, incidents_synthetic=True) == ["demo"]
    black = PopulationSource("b", "b", False, "LA Times 2016", ("descent_B",))
    real = {"acs": _source(synthetic=False), "black": black, "demo": _source(synthetic=True)}
    assert choice_order(real, incidents_synthetic=False, columns=("descent_B",)) == ["black", "acs", "demo"]
    assert choice_order(real, incidents_synthetic=False, columns=("population",)) == ["acs", "black", "demo"]


def test_what_a_population_is() -> None:
    demo = describe_population(DEMO / "population.geojson")
    assert demo.synthetic
    assert demo.vintage is None
    assert "descent_B" in demo.columns
    assert demo.label() == "population.geojson (synthetic residents)"


# --- coverage ------------------------------------------------------------------------------


def _zones() -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame, Coverage]:
    """Four 1 km zones in a row; the incidents cover A, B and half of C (not D)."""
    zones = gpd.GeoDataFrame(
        {"z": ["A", "B", "C", "D"]}, geometry=[square(X0 + 1000 * i, Y0, 1000) for i in range(4)], crs=METRIC
    )
    table = pd.DataFrame({"z": ["A", "B", "C", "D"], "population": [10_000.0, 20_000.0, 5_000.0, 8_000.0]})
    xy = [(X0 + 500, Y0 + 500)] * 6 + [(X0 + 1500, Y0 + 500)] + [(X0 + 2200, Y0 + 500)] * 2
    area = shapely.box(X0, Y0, X0 + 2500, Y0 + 1000)
    cover = Coverage(gpd.GeoSeries([area], crs=METRIC).to_crs(WGS84).iloc[0], "latimes_neighborhood", area_name="AB")
    return zones, table, metric_points(xy), cover


def test_zones_outside_the_coverage_have_no_data_and_stay_out_of_the_smoothing() -> None:
    zones, table, inc, cover = _zones()
    got = zone_rates(inc, zones, table, key="z", years=1.0, rules=RULES, per=10_000, coverage=cover).set_index("zone")
    assert got["data_coverage"].to_dict() == {"A": "covered", "B": "covered", "C": "partial", "D": "no_data"}
    assert got.loc["A", "count"] == 6
    assert got.loc["B", "count"] == 1
    assert pd.isna(got.loc["C", "count"])  # 2 incidents in its covered half: not a count of the zone
    assert pd.isna(got.loc["D", "count"])  # not 0
    assert np.isnan(got.loc[["C", "D"], ["rate", "rate_eb"]].to_numpy()).all()
    assert got.loc["A", "rate"] == pytest.approx(6.0)
    expected = empirical_bayes(np.array([6.0, 1.0]), np.array([10_000.0, 20_000.0])) * 10_000
    np.testing.assert_allclose(got.loc[["A", "B"], "rate_eb"].to_numpy(), expected)
    assert got.attrs["no_data"] == 2
    assert got.attrs["total"] == {"count": 7, "population": 30_000.0, "rate": pytest.approx(7 / 30_000 * 10_000)}
    # without a coverage every zone counts, D's zero pulls A's smoothed rate down: the figure the issue saw
    blind = zone_rates(inc, zones, table, key="z", years=1.0, rules=RULES, per=10_000).set_index("zone")
    assert blind.loc["D", "rate"] == 0.0
    assert blind.loc["A", "rate_eb"] < got.loc["A", "rate_eb"]
    # JSON rows: no count, no rate, and why
    d = next(r for r in rows(got.reset_index()) if r["zone"] == "D")
    assert (d["count"], d["rate"], d["rate_eb"], d["data_coverage"]) == (None, None, None, "no_data")


def test_zones_without_data_read_no_data_and_are_not_part_of_the_protected_group() -> None:
    zones, table, inc, cover = _zones()
    got = zone_rates(inc, zones, table, key="z", years=1.0, rules=RULES, per=10_000, coverage=cover)
    shown_table, shown = shown_rates(got, Disclosure(3, public=True))
    by = dict(zip(shown_table["zone"], shown.texts("en"), strict=True))
    assert by["C"] == by["D"] == "no data"
    assert by["B"] == "fewer than 3"
    assert by["A"] == "withheld"  # the combined 7 would pin B's 1 down
    assert dict(zip(shown_table["zone"], shown.plain(), strict=True))["D"] is None
    assert len(shown.counts) == 2
    assert shown.hidden.tolist() == [z in ("A", "B") for z in shown_table["zone"]]
    assert t("coverage.no_data", "es") in shown.texts("es")


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def real_incidents(tmp_path: Path) -> Path:
    """The demo's points marked real (a stand-in for any real incident layer: the rule reads the marking)."""
    inc = gpd.read_parquet(DEMO / "incidents.parquet").assign(synthetic=False)
    return write_geoparquet(inc, tmp_path / "real.parquet", metadata={"source": "test_real"})


def _rates(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["rates", "--zones", str(DEMO / "rate_zones.geojson"), "--key", "name", "--from", "2016-01-01",
                 "--to", "2016-12-31", *argv])  # fmt: skip
    out = capsys.readouterr()
    return code, out.out, out.err


def _ingest_zone_population(store: Path, tmp_path: Path, name: str, *, black: bool = False) -> str:
    zones = gpd.read_file(DEMO / "rate_zones.geojson")
    table = pd.DataFrame({"zone": zones["name"], "total": 50_000, "black": 20_000})
    path = tmp_path / f"{name}.csv"
    table.to_csv(path, index=False)
    groups = (GroupMap("descent_B", "black"),)
    spec = TableSpec("zone", "name", "total", groups if black else (), f"Test {name}")
    return str(ingest_population_table(path, DEMO / "rate_zones.geojson", spec, store_dir=store)["layer"])


def test_the_command_refuses_the_demo_residents_under_real_incidents(
    real_incidents: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    store = tmp_path / "store"
    code, out, err = _rates(capsys, "--incidents", str(real_incidents), "--store", str(store))
    assert code == 2
    assert out == ""
    assert "synthetic" in err
    assert "python -m geo ingest" in err
    assert "python -m geo fetch census" in err
    # a synthetic file named by its path is not the labelled choice either
    code, _, err = _rates(capsys, "--incidents", str(real_incidents), "--population", str(DEMO / "population.geojson"))
    assert code == 2
    assert "--population demo" in err
    # chosen by name: computed, and every row says the residents are synthetic
    code, out, err = _rates(capsys, "--incidents", str(real_incidents), "--population", "demo", "--store", str(store))
    assert code == 0, err
    got = json.loads(out)
    assert got
    assert all(r["population_synthetic"] is True for r in got)
    assert "synthetic residents" in err
    # the demo's own incidents on its own synthetic residents, as before
    code, out, _ = _rates(capsys, "--store", str(store))
    assert code == 0
    assert all(r["population_synthetic"] for r in json.loads(out))


def test_the_command_uses_the_one_real_population_and_names_its_vintage(
    real_incidents: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    store = tmp_path / "store"
    layer = _ingest_zone_population(store, tmp_path, "zones_a")
    code, out, err = _rates(capsys, "--incidents", str(real_incidents), "--store", str(store), "--privacy", "internal")
    assert code == 0, err
    got = json.loads(out)
    assert {r["population_source"] for r in got} == {layer}
    assert {r["population_vintage"] for r in got} == {"Test zones_a"}
    assert not any(r["population_synthetic"] for r in got)
    assert [r["population"] for r in got] == pytest.approx([50_000] * len(got))
    assert "(Test zones_a)" in err
    # the layer counts no Black residents: a descent filter cannot use it, and the message says what it holds
    code, _, err = _rates(capsys, "--incidents", str(real_incidents), "--store", str(store), "--descent", "B")
    assert code == 2
    assert "no real population counts ['descent_B']" in err
    # two real populations that fit: the person chooses
    _ingest_zone_population(store, tmp_path, "zones_b", black=True)
    code, _, err = _rates(capsys, "--incidents", str(real_incidents), "--store", str(store))
    assert code == 2
    assert "several real populations" in err
    code, out, err = _rates(capsys, "--incidents", str(real_incidents), "--store", str(store), "--descent", "B")
    assert code == 0, err
    counts = [r["population"] for r in json.loads(out)]
    assert counts == pytest.approx([20_000] * len(counts))
