"""``python -m geo rates`` on the demo bundle and on small files made in the test."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geo.cli import main
from geo.core.filters import Filters, apply
from geo.data.datasets import load_incidents

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, object]]:
    assert main(list(argv)) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_rates_of_the_demo_zones_per_100k(capsys, fresh_settings) -> None:
    zones = str(DEMO / "rate_zones.geojson")
    got = _run(capsys, "rates", "--zones", zones, "--key", "name", "--per", "100000", "--category", "homicide",
               "--from", "2016-01-01", "--to", "2017-12-31")  # fmt: skip
    assert {"zone", "count", "population", "rate", "flag"} <= set(got[0])
    # counts checked against a point-in-polygon join done here
    inc = apply(load_incidents(DEMO / "incidents.parquet"), Filters.from_query({"cat": "homicide", "from": "2016-01-01",
                                                                               "to": "2017-12-31"})[0])  # fmt: skip
    joined = gpd.sjoin(inc, gpd.read_file(zones), predicate="within")
    expected = joined.groupby("name").size()
    by = {r["zone"]: r for r in got}
    assert sum(int(r["count"]) for r in got) == len(joined)
    for zone, n in expected.items():
        assert by[zone]["count"] == n
        row = by[zone]
        if row["population"]:
            assert row["rate"] == pytest.approx(n / 2.0 / row["population"] * 100_000, abs=0.01)  # two calendar years
    rates = [r["rate"] for r in got if r["rate"] is not None]
    assert rates == sorted(rates, reverse=True)


def test_rates_with_a_csv_population_table_and_descent(tmp_path, capsys, fresh_settings) -> None:
    zones = gpd.read_file(DEMO / "rate_zones.geojson")
    table = pd.DataFrame({"area": zones["name"], "total": 50_000, "black": 20_000})
    path = tmp_path / "pop.csv"
    table.to_csv(path, index=False)
    got = _run(capsys, "rates", "--zones", str(DEMO / "rate_zones.geojson"), "--key", "name", "--population",
               str(path), "--population-key", "area", "--population-field", "black", "--descent", "B", "--per", "1000",
               "--from", "2020-01-01", "--to", "2020-12-31")  # fmt: skip
    inc = apply(load_incidents(DEMO / "incidents.parquet"), Filters.from_query({"descent": "B", "from": "2020-01-01",
                                                                               "to": "2020-12-31"})[0])  # fmt: skip
    n = gpd.sjoin(inc, zones, predicate="within").groupby("name").size()
    top = got[0]
    assert top["population"] == 20_000
    assert top["rate"] == pytest.approx(n.max() / 1.0 / 20_000 * 1000, abs=0.01)  # 2020: one calendar year


def test_rings_of_a_place_with_pooling_and_suppression(capsys, fresh_settings) -> None:
    got = _run(capsys, "rates", "--place", "Harvard Park", "--pool-years", "3", "--to", "2017-12-31", "--suppress")
    zones = [r["zone"] for r in got]
    assert set(zones) == {"inside", "0-75", "75-150", "150-400", "border"}
    assert all(r["years"] == pytest.approx(3.0, abs=0.01) for r in got)
    # ring populations are far under 10,000 residents: flagged, and the rate withheld
    assert all("small_population" in str(r["flag"]) and r["rate"] is None and r["suppressed"] for r in got)


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["--zones", "x.geojson", "--per", "-5"], "--per must be"),
        (["--place", "Harvard Park", "--descent", "B", "--sex", "F"], "one kind"),
        (["--place", "Harvard Park", "--population", "acs", "--store", "/nonexistent"], "fetch census"),
        (["--place", "Harvard Park", "--population-field", "nope"], "no column 'nope'"),
    ],
)
def test_bad_input_is_one_clear_line(argv, match, capsys, fresh_settings) -> None:
    assert main(["rates", *argv]) == 2
    assert match in capsys.readouterr().err


def test_interpolated_population_sums_to_the_layer(capsys, fresh_settings) -> None:
    got = _run(capsys, "rates", "--zones", str(DEMO / "population.geojson"), "--key", "geoid")
    layer = gpd.read_file(DEMO / "population.geojson")
    assert sum(float(r["population"]) for r in got) == pytest.approx(layer["population"].sum(), rel=1e-6)
    assert np.allclose([r["coverage"] for r in got], 1.0)
