"""``python -m geo risk`` on the demo bundle: near versus far and the risk terrain model, counts as the privacy mode
says, a refusal with too few incidents that says why, and a factor from a point file."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geo.cli import EXIT_BAD_INPUT, main
from geo.core.projection import WGS84


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict, str]:
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, (json.loads(out.out) if code == 0 else {}), out.err


def test_the_demo_risk_model_reads_the_requests_and_names_what_it_kept(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "risk", "--place", "Harvard Park", "--factor", "streetlight", "--factor", "dumping")
    assert code == 0
    assert out["privacy"] == "internal"  # the synthetic demo opens internal, as the pages do
    rows = {r["factor"]: r for r in out["near_far"]}
    assert set(rows) == {"streetlight", "dumping"}
    for row in rows.values():
        assert row["cells_near"] > 0
        assert row["cells_far"] > 0
        assert row["ratio"] == pytest.approx(
            (row["incidents_near"] / row["cells_near"]) / (row["incidents_far"] / row["cells_far"])
        )
        assert row["ratio_low"] < row["ratio"] < row["ratio_high"]
    model = out["model"]
    assert sorted(model["kept"] + model["dropped"]) == ["dumping", "streetlight"]
    assert {f["status"] for f in model["factors"]} <= {"kept", "dropped"}
    assert all(f["reason"] for f in model["factors"] if f["status"] == "dropped")


def test_public_counts_near_and_far_hide_small_numbers_and_their_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "risk", "--place", "Harvard Park", "--factor", "streetlight", "--privacy", "public",
                        "--from", "2024-12-01", "--to", "2024-12-31", "--category", "homicide")  # fmt: skip
    assert code == 0
    row = out["near_far"][0]
    shown = [row["incidents_near"], row["incidents_far"]]
    assert all(isinstance(v, str) or v >= 3 or v == 0 for v in shown), shown
    if any(isinstance(v, str) for v in shown):
        assert row["ratio"] is None
        assert row["per_cell_near"] is None
        assert row["per_cell_far"] is None
    assert "refused" in out["model"]
    assert "incidents in" in out["model"]["refused"]
    assert "needs at least" in out["model"]["refused"]


def test_a_point_file_is_a_factor_and_an_unknown_one_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    points = [shapely.Point(-118.3046, 33.9839), shapely.Point(-118.2950, 33.9760), shapely.Point(-118.3090, 33.99)]
    stops = gpd.GeoDataFrame({"name": ["a", "b", "c"]}, crs=WGS84, geometry=points)
    path = tmp_path / "bus_stops.geojson"
    stops.to_file(path, driver="GeoJSON")
    code, out, _ = _run(capsys, "risk", "--place", "Harvard Park", "--factor", f"stops={path}")
    assert code == 0
    assert out["near_far"][0]["factor"] == "stops"
    assert out["near_far"][0]["points"] == 3
    code, _, err = _run(capsys, "risk", "--place", "Harvard Park", "--factor", "potholes")
    assert code == EXIT_BAD_INPUT
    assert "neither a condition" in err
    assert "streetlight" in err
