"""Census population: recorded ACS 5-year and TIGERweb answers parsed into the population layer (no network)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.cli import main
from geo.core.errors import SourceError
from geo.core.settings import load_settings
from geo.core.store import read_metadata
from geo.data.sources import census

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
ACS_FILES = sorted(FIXTURES.glob("census_acs5_2022_part*.json"))
TIGER_FILES = sorted(FIXTURES.glob("tigerweb_bg_2022_page*.geojson"))


def _recorded() -> list[object]:
    return [json.loads(p.read_text()) for p in (*ACS_FILES, *TIGER_FILES)]


def _cells() -> dict[str, dict[str, str]]:
    """Every variable of every block group, read straight from the recorded files."""
    out: dict[str, dict[str, str]] = {}
    for path in ACS_FILES:
        header, *body = json.loads(path.read_text())
        for row in body:
            rec = dict(zip(header, row, strict=True))
            geoid = rec["state"] + rec["county"] + rec["tract"] + rec["block group"]
            out.setdefault(geoid, {}).update(rec)
    return out


def _settings(tmp_path: Path, **census_keys: object):
    cfg = tmp_path / "config.yaml"
    keys = "".join(f"    {k}: {v}\n" for k, v in census_keys.items())
    cfg.write_text(
        f"sources:\n  incidents: {ROOT}/data/demo/incidents.parquet\n  places: {ROOT}/data/demo/places.geojson\n"
        f"  streets: {ROOT}/data/demo/streets.geojson\n  store_dir: {tmp_path}/store\n"
        + (f"  census:\n{keys}" if keys else "")
    )
    return load_settings(cfg, environ={})


def test_recorded_answers_become_the_population_layer(tmp_path, fake_http, no_sleep) -> None:
    session, adapter = fake_http(_recorded())
    rep = census.fetch_census(_settings(tmp_path, api_key="abc123"), year=2022, session=session, sleep=no_sleep.append)
    layer = gpd.read_parquet(rep["output"])
    cells = _cells()
    assert len(ACS_FILES) == math.ceil(len(census.variables()) / 47)
    # four block groups in both answers; the fifth polygon has no estimates
    assert sorted(layer["geoid"]) == sorted(cells)
    assert rep["unmatched"] == 1
    assert layer.crs == "EPSG:4326"
    for geoid, rec in cells.items():
        row = layer.set_index("geoid").loc[geoid]
        assert row["population"] == float(rec["B01003_001E"])
        assert row["descent_B"] == float(rec["B03002_004E"])
        asian = float(rec["B03002_006E"]) + float(rec["B03002_007E"])
        assert row["descent_A"] == asian
        moe_a = math.hypot(float(rec["B03002_006M"]), float(rec["B03002_007M"]))
        assert row["descent_A_moe"] == pytest.approx(moe_a)
        young = sum(float(rec[f"B01001_{i:03d}E"]) for i in (3, 4, 5, 6, 27, 28, 29, 30))
        assert row["age_0-17"] == young
        # every resident is in exactly one age band and one sex
        bands = [c for c in layer.columns if c.startswith("age_") and not c.endswith("_moe")]
        assert sum(row[c] for c in bands) == row["sex_M"] + row["sex_F"] == row["population"]
        if rec["B01003_001M"] == "-555555555":  # a controlled estimate: margin 0
            assert row["population_moe"] == 0
    meta = read_metadata(rep["output"])
    assert meta["year"] == 2022
    assert meta["table"] == "population"
    # what was asked: ACS chunks of at most 48 variables with the key, then TIGERweb pages
    acs = [r for r in adapter.requests if "api.census.gov" in (r.url or "")]
    tiger = [r for r in adapter.requests if "tigerweb" in (r.url or "")]
    assert len(acs) == len(ACS_FILES)
    assert len(tiger) == 2
    q = parse_qs(urlparse(acs[0].url).query)
    assert urlparse(acs[0].url).path == "/data/2022/acs/acs5"
    assert q["for"] == ["block group:*"]
    assert q["in"] == ["state:06 county:037 tract:*"]
    assert q["key"] == ["abc123"]
    assert all(len(parse_qs(urlparse(r.url).query)["get"][0].split(",")) <= 48 for r in acs)
    tq = [parse_qs(urlparse(r.url).query) for r in tiger]
    assert "tigerWMS_ACS2022/MapServer/10/query" in tiger[0].url
    assert tq[0]["where"] == ["STATE='06' AND COUNTY='037'"]
    assert [q["resultOffset"] for q in tq] == [["0"], ["3"]]


def test_annotation_values_are_missing_or_zero() -> None:
    header = ["NAME", "B01003_001E", "B01003_001M", "state", "county", "tract", "block group"]
    rows = [
        header,
        ["x", "-666666666", "-222222222", "06", "037", "000100", "1"],
        ["y", "12", None, "06", "037", "000100", "2"],
    ]
    raw = census.parse_acs(rows)
    assert np.isnan(raw.loc["060370001001", "B01003_001E"])
    assert raw.loc["060370001001", "B01003_001M"] == 0
    assert raw.loc["060370001002", "B01003_001E"] == 12
    assert np.isnan(raw.loc["060370001002", "B01003_001M"])


@pytest.mark.parametrize(
    ("reply", "match"),
    [
        ({"error": "unknown variable"}, "array of rows"),
        ([["NAME", "B01003_001E"]], "geography fields"),
    ],
)
def test_bad_census_answers_are_clear_errors(tmp_path, fake_http, no_sleep, reply, match) -> None:
    session, _ = fake_http([reply])
    with pytest.raises(SourceError, match=match):
        census.fetch_census(_settings(tmp_path), session=session, sleep=no_sleep.append)
    assert not (tmp_path / "store").exists()


def test_fetch_census_command(tmp_path, fake_http, monkeypatch, capsys) -> None:
    session, _ = fake_http(_recorded())
    monkeypatch.setattr(census, "make_session", lambda http: session)
    monkeypatch.setattr(census.time, "sleep", lambda s: None)
    _settings(tmp_path)  # writes config.yaml
    cfg = tmp_path / "config.yaml"
    assert main(["--config", str(cfg), "fetch", "census", "--year", "2022", "--quiet"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["rows_kept"] == 4
    assert Path(out[0]["output"]).name == "census_bg_2022.parquet"
    assert census.newest_layer(tmp_path / "store").name == "census_bg_2022.parquet"
    assert main(["--config", str(cfg), "fetch", "census", "legacy"]) == 2
    capsys.readouterr()
    # the fetched layer is the population of `rates --population acs`
    zones = tmp_path / "zones.geojson"
    gpd.GeoDataFrame({"name": ["all"]}, geometry=[shapely.box(-118.32, 33.97, -118.29, 34.0)], crs=4326).to_file(zones)
    argv = ["--config", str(cfg), "rates", "--zones", str(zones), "--population", "acs", "--descent", "H"]
    assert main(argv) == 0
    row = json.loads(capsys.readouterr().out)[0]
    assert row["population"] == pytest.approx(sum(float(c["B03002_012E"]) for c in _cells().values()))
