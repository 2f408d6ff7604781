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
    base += ["--privacy", "internal"]  # exact counts and any ring, as SOURCES.md gives them
    everything = run(base, capsys)
    # SOURCES.md: 45 of the 64 victims lie within 800 m by haversine; UTM metres may move one
    # victim that sits on the 800 m line.
    assert everything["point_place"] is True
    assert abs(everything["total_within"] - 45) <= 1
    in_2016 = run([*base, "--from", "2016-01-01", "--to", "2016-12-31"], capsys)
    assert in_2016["total_within"] == 7


def test_near_in_public_shows_no_small_count_on_the_la_times_json(capsys: pytest.CaptureFixture[str]) -> None:
    """The per-victim file is public by default: one day becomes its month, an 800 m ring the configured rings,
    and a count of 1 or 2 reads "fewer than 3" (the issue's 2017-06-18: one death)."""
    path = shared_file("latimes", "harvard_park_homicides.json")
    argv = ["near", "--lat", "33.9904", "--lon", "-118.3041", "--from", "2017-06-18", "--to", "2017-06-18"]
    argv += ["--rings-m", "800"]  # beside the 2017-06-18 victim
    assert main([*argv, "--incidents", str(path)]) == 0
    out, err = capsys.readouterr()
    shown = json.loads(out)
    assert shown["privacy"] == "public"
    assert [r["to_m"] for r in shown["rings"]] == [75.0, 150.0, 400.0]
    assert "whole months, 2017-06-01 .. 2017-06-30" in err
    assert "rings at" in err
    values = [shown["inside"], shown["total_within"], *(r["count"] for r in shown["rings"])]
    assert not {1, 2} & {v for v in values if isinstance(v, int)}
    assert "fewer than 3" in values


def test_near_on_the_lapd_homicide_sample(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_file("lapd_crime", "lapd_homicides_from_samples.csv")
    base = ["near", "--lat", "33.9833", "--lon", "-118.3053", "--privacy", "internal", "--incidents", str(path)]
    out = run([*base, "--rings-m", "800"], capsys)
    assert out["total_within"] == 0  # SOURCES.md: none of the 13 lies within 800 m of Harvard Park
    wide = run([*base, "--rings-m", "3000"], capsys)
    assert wide["total_within"] >= 1  # the nearest, DR_NO 201214818, is about 2.9 km away
