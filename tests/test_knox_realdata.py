"""Near-repeat strata on the real LAPD sample: the division code (``AREA``) survives loading and stratifies Knox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.data.datasets import load_incidents
from geo.data.ingest import ingest_file
from tests.conftest import shared_file

pytestmark = pytest.mark.realdata


def test_the_lapd_area_code_is_kept_and_stratifies_the_knox_test(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_file("lapd_crime", "Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz")
    rep = ingest_file(path, store_dir=tmp_path)
    inc = load_incidents(rep["output"])
    assert inc["area"].notna().all()
    assert inc["area"].nunique() == 21  # LAPD's 21 divisions
    argv = ["nearrepeat", "--incidents", rep["output"], "--privacy", "internal", "--permutations", "9"]
    assert main([*argv, "--space-m", "400", "--time-days", "7"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["strata"] == "area_month"
    assert out["n_strata"] > 12 * 20  # divisions x months, not 12 months


def test_the_la_times_file_has_no_area_code_and_says_its_strata_are_the_month(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = shared_file("latimes", "harvard_park_homicides.json")
    argv = ["nearrepeat", "--incidents", str(path), "--privacy", "internal", "--permutations", "9"]
    assert main([*argv, "--space-m", "400", "--time-days", "30"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["strata"], out["strata_asked"]) == ("month", "area_month")
