"""``python -m geo find``: one JSON line per result, from the workspace's data and the store's address points."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.core.settings import use_config
from geo.data.demo_addresses import ADDRESS_SOURCE
from geo.data.demo_places import STREETS
from geo.data.sources.addresses import SOURCE_CITY


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Path:
    """An empty store of its own (search then reads the demo's synthetic addresses, beside the demo)."""
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path / "store"))
    use_config(None)
    return tmp_path / "store"


def lines(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, object]], str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def test_an_intersection_prints_its_point(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found, _ = lines(capsys, "find", "Western Ave & W 62nd St")
    assert code == 0
    western = next(s for s in STREETS if s[0] == "Western Ave")
    sixty_second = next(s for s in STREETS if s[0] == "W 62nd St")
    assert found[0] == {
        "label": "Western Ave & W 62nd St",
        "kind": "intersection",
        "lat": sixty_second[2],
        "lon": western[2],
        "source": "generated demo (approximate)",
    }


def test_places_carry_their_name_and_addresses_their_source(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, found, _ = lines(capsys, "find", "harvard", "--limit", "1")
    assert len(found) == 1
    assert (found[0]["kind"], found[0]["place"]) == ("place", "Harvard Park")
    _, found, _ = lines(capsys, "find", "1535 West 62nd Street")
    assert (found[0]["kind"], found[0]["label"], found[0]["source"]) == ("address", "1535 W 62nd St", ADDRESS_SOURCE)


def test_the_stores_address_points_replace_the_demos(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    city = tmp_path / "addresses.csv"
    city.write_text(
        "HSE_ID,HSE_NBR,HSE_FRAC_NBR,HSE_DIR_CD,STR_NM,STR_SFX_CD,STR_SFX_DIR_CD,ZIP_CD,LON,LAT\n"
        "9001,1535,1/2,W,62ND,ST,,90047,-118.30450,33.98390\n",
        encoding="utf-8",
    )
    assert main(["ingest", str(city)]) == 0
    capsys.readouterr()
    _, found, _ = lines(capsys, "find", "1535 1/2 W 62nd St")
    assert [(f["label"], f["source"]) for f in found] == [("1535 1/2 W 62nd St", SOURCE_CITY)]
    _, found, _ = lines(capsys, "find", "1535 W 62nd St")
    assert [(f["label"], f["source"]) for f in found] == [("1535 1/2 W 62nd St", SOURCE_CITY)], (
        "the nearest number of the store's layer; the demo's synthetic 1535 is not mixed in"
    )


def test_nothing_found_says_so_and_bad_input_exits_2(store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, found, err = lines(capsys, "find", "zzqx")
    assert (code, found) == (0, [])
    assert "nothing found for 'zzqx'" in err
    code, _, err = lines(capsys, "find", "   ")
    assert code == 2
    assert "nothing to find" in err
    code, _, err = lines(capsys, "find", "x" * 201)
    assert code == 2
    assert "at most 200 characters" in err
    code, _, err = lines(capsys, "find", "Harvard Park", "--online")
    assert code == 2
    assert "search.geocoder.kind" in err, "the online geocoder is off unless configured"
