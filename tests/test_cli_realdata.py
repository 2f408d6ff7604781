"""CLI commands on the real public extracts: raw files go straight into the analysis commands."""

from __future__ import annotations

import json

import pytest

from geo.cli import main
from tests.conftest import shared_file

pytestmark = pytest.mark.realdata


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_near_reads_the_la_times_json_directly(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file("latimes", "harvard_park_homicides.json")
    base = ["near", "--lat", "33.9833", "--lon", "-118.3053", "--rings-m", "800", "--incidents", str(path)]
    everything = run(base, capsys)
    # SOURCES.md: 45 of the 64 victims lie within 800 m by haversine; UTM metres may move one
    # victim that sits on the 800 m line.
    assert everything["point_place"] is True
    assert abs(everything["total_within"] - 45) <= 1
    in_2016 = run([*base, "--from", "2016-01-01", "--to", "2016-12-31"], capsys)
    assert in_2016["total_within"] == 7


def test_near_on_the_lapd_homicide_sample(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file("lapd_crime", "lapd_homicides_from_samples.csv")
    out = run(["near", "--lat", "33.9833", "--lon", "-118.3053", "--rings-m", "800", "--incidents", str(path)], capsys)
    assert out["total_within"] == 0  # SOURCES.md: none of the 13 lies within 800 m of Harvard Park
    wide = run(
        ["near", "--lat", "33.9833", "--lon", "-118.3053", "--rings-m", "3000", "--incidents", str(path)], capsys
    )
    assert wide["total_within"] >= 1  # the nearest, DR_NO 201214818, is about 2.9 km away
