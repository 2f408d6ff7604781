"""``hotspots --method gistar`` says what its inference did (issue 27, cases 1 and 2): the p floor, whether the
permutations alone could decide, the cells settled by their exact permutation p, and the same classes whatever
the configured seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.core.settings import use_config


def _gistar(capsys: pytest.CaptureFixture[str], dest: Path, *argv: str) -> dict[str, object]:
    assert main(["hotspots", "--method", "gistar", "--out", str(dest), *argv]) == 0
    return dict(json.loads(capsys.readouterr().out))


def test_the_json_names_the_inference_and_its_limits_and_another_seed_gives_the_same_classes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None
) -> None:
    """75 m cells over the demo with the permutations held to 999 (the work capped): 27,458 cells, so the
    smallest p, 0.002, would need 550 cells for Benjamini-Hochberg at 10 %. The output once said nothing of it."""
    monkeypatch.setenv("SAFETYMAP__ANALYSIS__GI_MAX_PERMUTATION_WORK", "1000000")
    runs = []
    for seed in ("0", "1"):
        monkeypatch.setenv("SAFETYMAP__ANALYSIS__SEED", seed)
        use_config(None)
        runs.append(_gistar(capsys, tmp_path / f"g{seed}.geojson", "--cell-m", "75"))
    first, second = runs
    assert first["seed"] == 0
    assert second["seed"] == 1
    assert first["classes"] == second["classes"]
    assert sum(v for k, v in first["classes"].items() if k != "not significant") > 0  # type: ignore[attr-defined]
    for key, value in (("inference", "permutation"), ("inference_requested", "permutation"), ("permutations", 999)):
        assert first[key] == value
    assert first["p_floor"] == pytest.approx(0.002)
    assert first["resolution_limited"] is True
    assert first["exact_cells"] > 0  # type: ignore[operator]
    assert first["mc_confidence"] == 0.999
    warnings = " ".join(first["warnings"])  # type: ignore[arg-type]
    assert "999 permutations alone cannot reach significance over 27,458 cells" in warnings
    assert "a focus area, larger cells or more permutations" in warnings
    assert "take their exact permutation p" in warnings
    features = json.loads((tmp_path / "g0.geojson").read_text())["features"]
    assert {"p_mc_se", "p_exact", "p_sim", "p"} <= set(features[0]["properties"])
    classes = [f["properties"]["gi_class"] for f in features]
    assert classes == [
        f["properties"]["gi_class"] for f in json.loads((tmp_path / "g1.geojson").read_text())["features"]
    ]


def test_the_json_says_when_the_normal_p_stands_in(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.analysis import gi_infer

    monkeypatch.setattr(gi_infer, "EXACT_MAX_WORK", 0)
    out = _gistar(capsys, tmp_path / "n.geojson", "--from", "2015-01-01", "--to", "2017-12-31")
    assert out["inference"] == "normal"
    assert out["inference_requested"] == "permutation"
    assert any("the normal p is used for every cell" in w for w in out["warnings"])  # type: ignore[attr-defined]
