"""The analysis commands, run in-process on the demo bundle (the default config)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.core.settings import PROJECT_ROOT


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_near_place(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "near", "--place", "Harvard Park", "--from", "2016-01-01", "--to", "2017-12-31")
    assert code == 0
    data = json.loads(out)
    assert data["place"] == "Harvard Park"
    assert [(r["from_m"], r["to_m"]) for r in data["rings"]] == [(0, 75), (75, 150), (150, 400)]
    assert data["total_within"] == data["inside"] + sum(r["count"] for r in data["rings"])
    assert data["total_within"] > 50  # the demo cluster peaks in 2016-2017


def test_near_point_with_custom_rings_and_category(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "near", "--lat", "33.98394", "--lon", "-118.30458", "--rings-m", "100,800", "--category", "homicide"
    )
    assert code == 0
    data = json.loads(out)
    assert data["inside"] == 0
    assert data["point_place"] is True
    assert [r["to_m"] for r in data["rings"]] == [100, 800]


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["near", "--place", "Nowhere Park"], "no place named"),
        (["near", "--place", "Harvard Park", "--rings-m", "150,75"], "increase strictly"),
        (["near", "--place", "Harvard Park", "--rings-m", "a,b"], "comma-separated numbers"),
        (["near", "--lat", "33.9"], "both --lat and --lon"),
        (["near", "--place", "Harvard Park", "--from", "2017-13-01"], "--from must be a date"),
        (["near", "--place", "Harvard Park", "--from", "2018-01-01", "--to", "2017-01-01"], "is after"),
        (["near", "--place", "Harvard Park", "--category", "jaywalking"], "unknown category"),
        (["near", "--place", "Harvard Park", "--incidents", "/nonexistent/x.parquet"], "not found"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], needle: str) -> None:
    code, out, err = _run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert needle in err
    assert len(err.strip().splitlines()) == 1


def test_rank_parks(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "rank.json"
    code, out, _ = _run(capsys, "rank", "--kind", "park", "--out", str(dest))
    assert code == 0
    assert json.loads(out)["output"] == str(dest)
    data = json.loads(dest.read_text())
    assert data["places"][0]["name"] == "Harvard Park"
    assert [p["rank"] for p in data["places"]] == list(range(1, len(data["places"]) + 1))


@pytest.mark.parametrize("method", ["kde", "grid", "gistar", "emerging"])
def test_hotspots_write_geojson(capsys: pytest.CaptureFixture[str], tmp_path: Path, method: str) -> None:
    dest = tmp_path / f"{method}.geojson"
    code, out, _ = _run(capsys, "hotspots", "--method", method, "--out", str(dest), "--from", "2014-01-01")
    assert code == 0
    summary = json.loads(out)
    assert summary["method"] == method
    assert summary["output"] == str(dest)
    features = json.loads(dest.read_text())["features"]
    assert len(features) == summary["features"] > 0
    if method == "kde":
        assert summary["bandwidth_rule"] == "normal_reference_2d"
    if method == "gistar":
        assert {"gi_z", "p", "q", "gi_class"} <= set(features[0]["properties"])


def test_hotspots_hex_and_few_events_warning(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "hex.geojson"
    code, out, err = _run(
        capsys, "hotspots", "--method", "gistar", "--hex", "9", "--category", "homicide",
        "--from", "2017-01-01", "--to", "2017-12-31", "--out", str(dest),
    )  # fmt: skip
    assert code == 0
    summary = json.loads(out)
    assert summary["h3_resolution"] == 9
    assert summary["n_events"] < 30
    assert "warning: Too sparse" in err
    assert summary["warnings"]


def test_hotspots_bad_out_and_bandwidth(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "hotspots", "--method", "kde", "--out", str(tmp_path / "x.csv"))
    assert code == 2
    assert "--out must end in .geojson" in err
    code, _, err = _run(
        capsys, "hotspots", "--method", "kde", "--bandwidth-m", "-5", "--out", str(tmp_path / "x.geojson")
    )
    assert code == 2
    assert "positive" in err
    with pytest.raises(SystemExit) as exc:
        main(["hotspots", "--method", "magic", "--out", str(tmp_path / "x.geojson")])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_zones_csv_and_stderr_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import geopandas as gpd
    import shapely

    zones = gpd.GeoDataFrame(
        {"zone_name": ["Harvard box"], "OBJECTID": [1]},
        geometry=[shapely.box(-118.32, 33.97, -118.29, 34.0)],
        crs="EPSG:4326",
    )
    zpath = tmp_path / "zones.geojson"
    zones.to_file(zpath, driver="GeoJSON")
    dest = tmp_path / "zones.csv"
    code, _, err = _run(capsys, "zones", "--zones", str(zpath), "--out", str(dest), "--from", "2016-01-01")
    assert code == 0
    lines = dest.read_text().splitlines()
    assert lines[0] == "incident_id,zone"
    assert any(line.endswith(",Harvard box") for line in lines[1:])
    assert any(line.endswith(",") for line in lines[1:])  # outside every polygon: empty zone
    assert "zones by 'zone_name'" in err
    assert "Harvard box:" in err


def test_zones_bad_file_and_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(capsys, "zones", "--zones", str(tmp_path / "missing.shp"))
    assert code == 2
    assert "not found" in err
    code, _, err = _run(capsys, "zones", "--zones", str(PROJECT_ROOT / "data/demo/places.geojson"), "--key", "nope")
    assert code == 2
    assert "no field 'nope'" in err


def test_evaluate_watts_from_program_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "evaluate", "--treated", "Jordan Downs,Nickerson Gardens,Imperial Courts",
        "--control", "Pueblo del Rio,Avalon Gardens", "--monthly",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["start"] == "2011-11-01"  # from the places' program_start
    assert set(data["counts"]) == {"Tb", "Ta", "Db", "Da", "Cb", "Ca", "Eb", "Ea"}
    d = data
    assert d["wdd_local"] == (d["treated_after"] - d["treated_before"]) - (d["control_after"] - d["control_before"])
    disp = (d["buffer_after"] - d["buffer_before"]) - (d["control_buffer_after"] - d["control_buffer_before"])
    assert d["wdd_displacement"] == disp
    assert d["wdd_total"] == d["wdd_local"] + disp
    assert d["wdd_local_se"] ** 2 == pytest.approx(
        d["treated_after"] + d["treated_before"] + d["control_after"] + d["control_before"]
    )
    assert {"wdd_displacement_se", "wdd_total_se", "warnings", "wdq_readable"} <= set(d)
    assert data["reading"]["key"] in {"decrease", "increase", "no_clear_change", "too_few_events"}
    assert data["text_en"]
    assert len(data["monthly"]) == 2 * data["months"]


def test_evaluate_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "evaluate", "--treated", "Harvard Park,Jordan Downs", "--control", "Jesse Owens Park")
    assert code == 2
    assert "give --start" in err
    code, _, err = _run(
        capsys, "evaluate", "--treated", "Harvard Park", "--control", "Jesse Owens Park", "--start", "2017-02-30"
    )
    assert code == 2
    assert "--start must be a date" in err


def test_trend_place_yearly_marks_break(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "trend", "--place", "Harvard Park", "--freq", "year", "--within-m", "150")
    assert code == 0
    data = json.loads(out)
    assert data["nibrs_break"] == "2024-03-07"
    eras = {row["period"]: row["era"] for row in data["series"]}
    assert eras["2016"] == "legacy"
    assert eras["2024"] == "break"
    counts = {row["period"]: row["count"] for row in data["series"]}
    assert counts["2016"] > counts["2012"]  # the demo cluster peaks in 2016-2017


def test_trend_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "trend", "--place", "Harvard Park", "--zones", "x.geojson")
    assert code == 2
    assert "not both" in err


def test_nearrepeat_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(
        capsys, "nearrepeat", "--space-m", "100,400", "--time-days", "7,30", "--permutations", "49",
        "--from", "2016-01-01", "--to", "2017-12-31",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert data["permutations"] == 49
    assert len(data["table"]) == 12  # same place, 2 distance bands and the rest x 3 time bands
    assert data["table"][0]["space_band"] == "same"
    assert sum(r["observed"] for r in data["table"]) == data["pairs"]
    assert (data["strata"], data["strata_asked"]) == ("month", "area_month")  # the demo has no area code
    assert data["deduplicated"] >= 0
    assert "12 cells" in data["multiple_testing"]
    assert all(1 / 50 <= r["p_value"] <= 1 for r in data["table"])


def test_nearrepeat_bad_bands(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "nearrepeat", "--space-m", "400,100")
    assert code == 2
    assert "increase strictly" in err
    code, _, err = _run(capsys, "nearrepeat", "--permutations", "0")
    assert code == 2
    assert "permutations" in err


def test_a_public_evaluation_starts_on_the_first_of_its_month(capsys: pytest.CaptureFixture[str]) -> None:
    """As on the Trends page: moving the start a day at a time must not tell when an incident happened."""
    places = ["--treated", "Harvard Park", "--control", "Jesse Owens Park"]

    def counts(start: str, privacy: str) -> tuple[dict, str]:
        code, out, err = _run(capsys, "evaluate", *places, "--start", start, "--privacy", privacy)
        assert code == 0, err
        data = json.loads(out)
        return {k: data[k] for k in ("start", "counts")}, err

    mid, said = counts("2017-03-15", "public")
    first, quiet = counts("2017-03-01", "public")
    assert mid == first
    assert mid["start"] == "2017-03-01"
    assert "first of its month" in said
    assert "first of its month" not in quiet
    internal, _ = counts("2017-03-15", "internal")
    assert internal["start"] == "2017-03-15"
