"""A real neighbourhood rate: LA Times homicide victims in the LA Times Harvard Park boundary, per Black resident."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.cli import main
from tests.conftest import shared_file

pytestmark = pytest.mark.realdata


def test_harvard_park_black_homicide_rate_2016(tmp_path, capsys, fresh_settings) -> None:
    victims_path = shared_file("latimes", "harvard_park_homicides.json")
    hoods_path = shared_file("boundaries", "la_neighborhoods_latimes_v6", "neighborhoods.shp")
    published = json.loads(shared_file("latimes", "black_homicide_rate_2016_by_hood.json").read_text())
    # the population table: the LA Times' Black population of each neighbourhood
    table = pd.DataFrame({"hood": [r["neighborhood"] for r in published], "black": [r["black"] for r in published]})
    pop_csv = tmp_path / "black_population.csv"
    table.to_csv(pop_csv, index=False)

    argv = ["rates", "--zones", str(hoods_path), "--key", "name", "--population", str(pop_csv),
            "--population-key", "hood", "--population-field", "black", "--incidents", str(victims_path),
            "--descent", "B", "--from", "2016-01-01", "--to", "2016-12-31", "--per", "10000"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    rows = {r["zone"]: r for r in json.loads(capsys.readouterr().out)}
    got = rows["Harvard Park"]

    # computed here without the code under test: point in polygon, one victim at a time
    hoods = gpd.read_file(hoods_path)
    park = hoods.loc[hoods["name"] == "Harvard Park"].geometry.iloc[0]
    victims = json.loads(victims_path.read_text())
    count = sum(
        1
        for v in victims
        if v["death_date"].startswith("2016") and v["race"].lower() == "black"
        and park.contains(Point(v["longitude"], v["latitude"]))
    )  # fmt: skip
    population = next(r["black"] for r in published if r["neighborhood"] == "Harvard Park")
    years = 366 / 365.25  # 2016 is a leap year
    assert got["count"] == count
    assert got["population"] == pytest.approx(population, abs=0.01)
    assert got["rate"] == pytest.approx(count / years / population * 10_000, abs=0.01)
    assert got["flag"] == "small_population"  # about 4,300 Black residents: under 10,000
    # and the LA Times' own figure for that year (per 10,000, one calendar year)
    lat = next(r for r in published if r["neighborhood"] == "Harvard Park")
    assert count == lat["black_homicides"]
    assert got["rate"] * years == pytest.approx(lat["2016_black_homicide_rate"], rel=1e-3)
