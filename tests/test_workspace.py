"""The workspace chosen once: stored atomically, checked against the store, from a link, by the CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from geo.cli import main
from geo.core.errors import DataError
from geo.core.settings import Settings, SourceSettings
from geo.data.datasets import load_places
from geo.data.ingest import ingest_file, store_inventory
from geo.data.workspace import (
    DEMO,
    MAX_NAME,
    Workspace,
    check_workspace,
    choose,
    from_query,
    load_workspace_places,
    read_workspace,
    workspace_file,
    write_workspace,
)
from tests.conftest import ROOT

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAPD_HEADER = "DR_NO,DATE OCC,TIME OCC,AREA,Rpt Dist No,Crm Cd,Crm Cd Desc,LAT,LON\n"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("ws")
    folder = tmp_path / "cache"
    crimes = tmp_path / "crimes_2021.csv"
    crimes.write_text(
        LAPD_HEADER + "211200001,01/05/2021 12:00:00 AM,2130,12,1233,230,ASSAULT,33.98,-118.30\n", encoding="utf-8"
    )
    parks = tmp_path / "cpad_parks.csv"
    parks.write_text(
        "id,name,lng,lat\n1,Jackie Tatum/Harvard Recreation Center,-118.304584,33.98394\n2,South Park,-118.27,33.99\n",
        encoding="utf-8",
    )
    housing = tmp_path / "hud_housing.csv"
    housing.write_text(
        "DEVELOPMENT_ID,DEVELOPMENT_NAME,STATE_NAME,COUNTY_NAME,LATITUDE,LONGITUDE\n"
        "CA004000416,JORDAN DOWNS,CA,Los Angeles,33.948128,-118.230659\n",
        encoding="utf-8",
    )
    for path in (crimes, parks, housing, FIXTURES / "arcgis_divisions_page1.geojson"):
        ingest_file(path, store_dir=folder)
    return folder


def names(store: Path) -> dict[str, str]:
    return {str(e["kind"]): str(e["name"]) for e in store_inventory(store)}


def test_read_write_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    assert read_workspace(path) == Workspace()
    ws = Workspace(incidents="lapd", places=("a", "b"), boundaries=("c",))
    write_workspace(ws, path)
    assert read_workspace(path) == ws
    assert json.loads(path.read_text())["places"] == ["a", "b"]
    assert [p.name for p in tmp_path.iterdir()] == ["ws.json"]  # no temporary file left
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DataError, match="not a workspace"):
        read_workspace(path)


def test_check_against_the_store(store: Path) -> None:
    n = names(store)
    inventory = store_inventory(store)
    ok = Workspace(incidents=n["lapd_csv"], places=(n["parks"], n["housing"]), boundaries=(n["divisions"],))
    assert check_workspace(ok, inventory) == ok
    with pytest.raises(DataError, match="not an incident layer"):
        check_workspace(Workspace(incidents=n["parks"]), inventory)
    with pytest.raises(DataError, match="not a place layer"):
        check_workspace(Workspace(places=(n["divisions"],)), inventory)
    with pytest.raises(DataError, match="not a boundary layer"):
        check_workspace(Workspace(boundaries=("nope",)), inventory)


def test_choose_persists_and_keeps_unchanged_parts(store: Path) -> None:
    n = names(store)
    cfg = Settings(sources=SourceSettings(store_dir=store))
    first = choose(cfg, incidents=n["lapd_csv"], places=[n["parks"]])
    again = choose(cfg, boundaries=[n["divisions"]])
    assert again == Workspace(incidents=first.incidents, places=first.places, boundaries=(n["divisions"],))
    assert read_workspace(workspace_file(cfg)) == again
    with pytest.raises(DataError):
        choose(cfg, incidents="missing")
    assert read_workspace(workspace_file(cfg)) == again  # a refused choice changes nothing


def test_link_gives_the_same_choice(store: Path) -> None:
    n = names(store)
    inventory = store_inventory(store)
    chosen = Workspace(incidents=n["lapd_csv"], places=(n["parks"], n["housing"]))
    ws, rejected = from_query(chosen.to_query(), base=Workspace(), inventory=inventory)
    assert (ws, rejected) == (chosen, [])
    params = {"data": ["x" * (MAX_NAME + 50)], "places": f"{n['parks']},{n['divisions']},[evil](http://x)"}
    ws, rejected = from_query(params, base=Workspace(), inventory=inventory)
    assert ws == Workspace(incidents=DEMO, places=(n["parks"],))
    assert rejected == ["data=" + "x" * MAX_NAME, f"places={n['divisions']}", "places=[evil](http://x)"]


def test_workspace_places_merge_parks_housing_and_csp_sites(store: Path) -> None:
    n = names(store)
    cfg = Settings(sources=SourceSettings(store_dir=store))
    merged = load_workspace_places(Workspace(places=(n["parks"], n["housing"])), cfg)
    assert sorted(zip(merged["kind"], merged["name"], strict=True)) == [
        ("csp_site", "Jordan Downs"),
        ("housing", "JORDAN DOWNS"),
        ("park", "Jackie Tatum/Harvard Recreation Center"),
        ("park", "South Park"),
    ]


def test_the_merged_places_file_is_written_again_when_it_has_gone(
    store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The dashboard merges a workspace's places into one file in the temporary folder; a folder cleaned
    while the server runs (tmpfiles, a reboot of /tmp) must not leave the pages a path to nothing."""
    import tempfile

    from ui.data import workspace_places_file

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    n = names(store)
    cfg = Settings(sources=SourceSettings(store_dir=store))
    ws = Workspace(places=(n["parks"], n["housing"]))
    first = workspace_places_file(cfg, ws)
    assert first.is_file()
    assert first.is_relative_to(tmp_path)
    first.unlink()
    again = workspace_places_file(cfg, ws)
    assert again == first  # the same choice of layers names the same file
    assert again.is_file()
    assert len(load_places(again)) == 4
    other = workspace_places_file(cfg, Workspace(places=(n["parks"],)))
    assert other != first


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file owners and modes are POSIX")
def test_a_places_folder_others_may_write_to_is_not_used(
    store: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A folder of the expected name that another user could have made (or may write to) is passed over."""
    import tempfile

    from ui.data import workspace_places_file

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    planted = tmp_path / f"safetymap-places-{os.getuid()}"
    planted.mkdir()
    planted.chmod(0o777)
    n = names(store)
    got = workspace_places_file(Settings(sources=SourceSettings(store_dir=store)), Workspace(places=(n["parks"],)))
    assert got.is_file()
    assert got.parent != planted
    assert not list(planted.iterdir())
    assert got.parent.stat().st_mode & 0o077 == 0  # private


def test_cli_use_and_show(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fresh_settings: None
) -> None:
    n = names(store)
    config = tmp_path / "config.yaml"
    demo = ROOT / "data" / "demo"
    config.write_text(
        f"sources:\n  store_dir: {store}\n  incidents: {demo / 'incidents.parquet'}\n"
        f"  places: {demo / 'places.geojson'}\n  streets: {demo / 'streets.geojson'}\n",
        encoding="utf-8",
    )
    code = main(["--config", str(config), "use", "--incidents", n["lapd_csv"], "--places", n["parks"]])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["incidents"] == {"layer": n["lapd_csv"], "title": "LAPD crime 2021"}
    assert out["places"] == [{"layer": n["parks"], "title": "Parks - CPAD"}]
    assert out["link"] == {"data": n["lapd_csv"], "places": n["parks"]}
    assert main(["--config", str(config), "use", "--show", "--lang", "es"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["incidents"]["title"] == "Delitos del LAPD 2021"
    assert main(["--config", str(config), "use", "--incidents", n["parks"]]) == 2
    assert "not an incident layer" in capsys.readouterr().err
    assert main(["--config", str(config), "use"]) == 2


def test_a_development_and_its_derived_csp_site_are_one_place() -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    from geo.data.datasets import place_by_name

    places = gpd.GeoDataFrame(
        {
            "place_id": ["housing:CA004000416", "csp_site:housing:CA004000416", "park:1"],
            "name": ["JORDAN DOWNS", "Jordan Downs", "Jordan Downs Park"],
            "kind": ["housing", "csp_site", "park"],
        },
        geometry=[Point(-118.2307, 33.9481), Point(-118.2307, 33.9481), Point(-118.2, 33.9)],
        crs="EPSG:4326",
    )
    hit = place_by_name(places, "Jordan Downs")
    assert hit["place_id"].tolist() == ["housing:CA004000416"]
