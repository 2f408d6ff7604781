"""The CLI reads the workspace chosen with `python -m geo use`, and store layers by name."""

from __future__ import annotations

import json

import pytest

from geo.cli import main
from tests.conftest import shared_file

pytestmark = pytest.mark.realdata


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1]) if out.strip().startswith("{") else json.loads(out)


def test_near_reads_the_workspace_and_layer_names(capsys, tmp_path, monkeypatch, fresh_settings) -> None:
    homicides = shared_file("latimes", "harvard_park_homicides.json")
    parks = shared_file("parks", "caliparks_cpad_superunit_points_la_area.csv")
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path))
    layer = _run(capsys, "ingest", str(homicides))["layer"]
    park_layer = _run(capsys, "ingest", str(parks))["layer"]
    # by the layer's name, with the demo's places: the demo polygon of Harvard Park
    by_name = _run(capsys, "near", "--place", "Harvard Park", "--incidents", layer)
    # the workspace: the LA Times layer with the real park point (rings from the point)
    _run(capsys, "use", "--incidents", layer, "--places", park_layer)
    chosen = _run(capsys, "near", "--place", "Harvard Park")
    assert chosen["point_place"] is True
    assert chosen["total_within"] == 16
    assert by_name["total_within"] != chosen["total_within"]
