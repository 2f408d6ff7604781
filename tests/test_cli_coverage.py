"""``--coverage PATH`` on hotspots, nearrepeat and evaluate: cells and incidents outside are left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from pyproj import Geod

from geo.cli import main

BOX = (-118.32, 33.97, -118.29, 33.995)  # lon/lat around Harvard Park (EPSG:4326)


def _coverage(tmp_path: Path) -> Path:
    path = tmp_path / "coverage.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "study"},
        "geometry": shapely.geometry.mapping(shapely.box(*BOX)),
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return path


def test_hotspots_with_coverage_stay_inside_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cov = _coverage(tmp_path)
    dest = tmp_path / "gi.geojson"
    argv = ["hotspots", "--method", "gistar", "--coverage", str(cov), "--out", str(dest), "--from", "2016-01-01"]
    code = main([*argv, "--to", "2016-12-31", "--inference", "normal"])
    out, _ = capsys.readouterr()
    assert code == 0
    summary = json.loads(out)
    assert summary["study_area_guess"] is False
    area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(shapely.box(*BOX))[0]) / 1e6
    assert summary["study_area_km2"] == pytest.approx(area_km2, rel=0.01)
    assert summary["outside"] > 0  # the demo has incidents beyond the box
    assert summary["inference"] == "normal"
    box = shapely.box(*BOX)
    for feat in json.loads(dest.read_text())["features"]:
        assert box.contains(shapely.geometry.shape(feat["geometry"]).centroid)


def test_nearrepeat_and_evaluate_take_a_coverage(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    cov = _coverage(tmp_path)
    code = main(["nearrepeat", "--permutations", "19", "--coverage", str(cov), "--from", "2016-01-01"])
    inside = json.loads(capsys.readouterr()[0])["n_events"]
    code_all = main(["nearrepeat", "--permutations", "19", "--from", "2016-01-01"])
    everything = json.loads(capsys.readouterr()[0])["n_events"]
    assert code == code_all == 0
    assert 0 < inside < everything
    # both lie south-east of the box: no data there, never counted as 0, so the evaluation is refused
    code = main(["evaluate", "--treated", "Jordan Downs", "--control", "Pueblo del Rio", "--coverage", str(cov)])
    out, err = capsys.readouterr()
    assert code == 2
    assert not out
    assert "no data for --treated 'Jordan Downs'" in err
    assert "the area of coverage.geojson" in err  # the area the person gave, named
