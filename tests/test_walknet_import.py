"""Importing a real walking network (``ingest --kind walknet``), ``route --network imported`` and the refusal to
plan real incidents on the demo's generated grid unless it is chosen. No network access."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString

from geo.cli import main
from geo.core.settings import PROJECT_ROOT, get_settings
from geo.data.walknet import read_graphml, write_graphml
from geo.data.walknet_import import imported_path, name_column
from geo.patrol.request import PlanRequest, network_choice_needed
from tests.route_helpers import grid_graph

DEMO_INCIDENTS = PROJECT_ROOT / "data" / "demo" / "incidents.parquet"
ROUTE = ["route", "--place", "Harvard Park", "--budget-min", "60", "--start", "18:00", "--date", "2025-05-02"]
# a grid of street centrelines around Harvard Park's start (33.98415, -118.30375): 21 x 21 lines, ~110 m apart
CENTRE_LAT, CENTRE_LON, STEP_LAT, STEP_LON, HALF = 33.984, -118.304, 0.001, 0.0012, 10

OSM_XML = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
  <node id="1" lat="33.9800" lon="-118.3000"/>
  <node id="2" lat="33.9800" lon="-118.2990"/>
  <node id="3" lat="33.9800" lon="-118.2980"/>
  <node id="4" lat="33.9810" lon="-118.2990"/>
  <node id="5" lat="33.9790" lon="-118.2990"/>
  <node id="6" lat="33.9900" lon="-118.2990"/>
  <node id="7" lat="33.9910" lon="-118.2990"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="name" v="W 62nd St"/><tag k="oneway" v="yes"/></way>
  <way id="11"><nd ref="4"/><nd ref="2"/><nd ref="5"/>
    <tag k="highway" v="secondary"/><tag k="name" v="Harvard Blvd"/></way>
  <way id="12"><nd ref="4"/><nd ref="3"/><tag k="highway" v="motorway"/><tag k="name" v="Harbor Fwy"/></way>
  <way id="13"><nd ref="6"/><nd ref="7"/><tag k="building" v="yes"/></way>
</osm>
"""


pytestmark = pytest.mark.usefixtures("offline")  # no connection, no osmnx download (tests/conftest.py)


def run(capsys, *argv):
    code = main([*map(str, argv)])
    out = capsys.readouterr()
    return code, out.out, out.err


def ingest(capsys, path: Path, store: Path, *extra: str):
    return run(capsys, "ingest", path, "--kind", "walknet", "--store", store, *extra)


def centreline_grid(path: Path, *, jitter_deg: float = 0.0) -> Path:
    """Street centrelines as GeoJSON: a segment between each pair of neighbouring crossings, with a NAME column.

    ``jitter_deg`` moves every segment's far end by that much (a few cm), as digitised files do; touching segments
    must still join."""
    rows = []
    lats = [CENTRE_LAT + i * STEP_LAT for i in range(-HALF, HALF + 1)]
    lons = [CENTRE_LON + j * STEP_LON for j in range(-HALF, HALF + 1)]
    for i, lat in enumerate(lats):
        for j, lon in enumerate(lons):
            if j + 1 < len(lons):
                rows.append(
                    {"NAME": f"Test St {i}", "geometry": LineString([(lon, lat), (lons[j + 1] + jitter_deg, lat)])}
                )
            if i + 1 < len(lats):
                rows.append(
                    {"NAME": f"Probe Ave {j}", "geometry": LineString([(lon, lat), (lon, lats[i + 1] + jitter_deg)])}
                )
    gpd.GeoDataFrame(rows, crs="EPSG:4326").to_file(path, driver="GeoJSON")
    return path


@pytest.fixture
def real_incidents(tmp_path: Path) -> Path:
    """A few demo rows around Harvard Park marked real (``synthetic=False``), as an --incidents file."""
    inc = gpd.read_parquet(DEMO_INCIDENTS)
    path = tmp_path / "real.parquet"
    inc.head(400).assign(synthetic=False).to_parquet(path)
    return path


# --- the import ---------------------------------------------------------------------------------


def test_imports_a_graphml_file(capsys, tmp_path):
    src = write_graphml(grid_graph(4, 4, 100), tmp_path / "streets.graphml")
    code, out, err = ingest(capsys, src, tmp_path / "store")
    assert code == 0, err
    report = json.loads(out)
    assert report["network"] == "imported"
    assert report["format"] == "graphml"
    assert (report["nodes"], report["edges"], report["named_share"], report["unnamed_edges"]) == (16, 48, 1.0, 0)
    assert report["output"] == str(imported_path(tmp_path / "store"))
    stored = read_graphml(report["output"])
    assert "streets.graphml" in stored.graph["note"]
    assert stored.graph["approximate"] is False
    assert {d["name"] for _, _, d in stored.edges(data=True)} >= {"Row 0 St", "Col 3 Ave"}


def test_imports_an_osm_extract_with_walkable_ways_only(capsys, tmp_path):
    src = tmp_path / "south_la.osm"
    src.write_text(OSM_XML, encoding="utf-8")
    code, out, err = ingest(capsys, src, tmp_path / "store")
    assert code == 0, err
    report = json.loads(out)
    assert report["format"] == "osm"
    assert report["named_share"] == 1.0
    graph = read_graphml(report["output"])
    names = {d["name"] for _, _, d in graph.edges(data=True)}
    assert names == {"W 62nd St", "Harvard Blvd"}  # the motorway and the building outline are left out
    assert graph.number_of_nodes() == 5
    assert graph.has_edge(3, 2)
    assert graph.has_edge(2, 3)
    assert "south_la.osm" in graph.graph["note"]
    assert "OpenStreetMap" in graph.graph["note"]


def test_imports_a_centreline_layer_joining_touching_segments(capsys, tmp_path):
    src = centreline_grid(tmp_path / "centrelines.geojson", jitter_deg=2e-7)  # ~2 cm: still the same crossing
    code, out, err = ingest(capsys, src, tmp_path / "store")
    assert code == 0, err
    report = json.loads(out)
    side = 2 * HALF + 1
    assert report["format"] == "centreline"
    assert report["nodes"] == side * side  # every crossing is one node
    assert report["edges"] == 2 * 2 * side * (side - 1)  # each segment both ways
    graph = read_graphml(report["output"])
    lengths = sorted(d["length"] for _, _, d in graph.edges(data=True) if d["name"].startswith("Test St"))
    assert 105 < lengths[0] <= lengths[-1] < 115  # 0.0012 degrees of longitude at 33.98 N, in metres
    assert "centrelines.geojson" in graph.graph["note"]


def test_a_centreline_layer_with_some_unnamed_segments_says_how_many(capsys, tmp_path):
    lines = [LineString([(-118.30, 33.98), (-118.299, 33.98)]), LineString([(-118.299, 33.98), (-118.298, 33.98)])]
    src = tmp_path / "streets.geojson"
    gpd.GeoDataFrame({"FULLNAME": ["W 62nd St", None]}, geometry=lines, crs="EPSG:4326").to_file(src)
    code, out, err = ingest(capsys, src, tmp_path / "store")
    assert code == 0, err
    report = json.loads(out)
    assert (report["edges"], report["unnamed_edges"], report["named_share"]) == (4, 2, 0.5)
    assert "2 of 4 edges have no street name" in err


def test_name_columns_are_found_in_any_case():
    assert name_column(["OBJECTID", "ST_NAME", "FULLNAME"]) == "FULLNAME"
    assert name_column(["objectid", "Street"]) == "Street"
    assert name_column(["objectid"]) is None


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("broken.osm", "<osm", "cannot read broken.osm as an OpenStreetMap XML extract"),
        ("empty.osm", '<?xml version="1.0"?><osm version="0.6"></osm>', "holds no nodes or ways"),
        ("broken.graphml", "<graphml", "cannot read walking network"),
        ("streets.txt", "hello", "a walking network is read from .graphml"),
        ("nonames.geojson", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1},'
         '"geometry":{"type":"LineString","coordinates":[[-118.3,33.98],[-118.299,33.98]]}}]}',
         "no street-name column"),
        ("points.geojson", '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"NAME":"A"},'
         '"geometry":{"type":"Point","coordinates":[-118.3,33.98]}}]}', "holds no street lines"),
    ],
)  # fmt: skip
def test_a_bad_file_gets_one_clear_line(capsys, tmp_path, name, text, message):
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    code, out, err = ingest(capsys, src, tmp_path / "store")
    assert code != 0
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not imported_path(tmp_path / "store").exists()


def test_other_bad_imports_get_one_line(capsys, tmp_path):
    projected = grid_graph(3, 3, 100)
    projected.graph["crs"] = "EPSG:32611"
    src = write_graphml(projected, tmp_path / "projected.graphml")
    for argv, message in [
        ((src, tmp_path / "store"), "expected an unprojected network"),
        ((tmp_path / "missing.graphml", tmp_path / "store"), "not found"),
        ((src, "postgresql://u@db/x"), "give --store DIR"),
    ]:
        code, _out, err = ingest(capsys, *argv)
        assert code != 0, err
        assert message in err
        assert len(err.strip().splitlines()) == 1, err


def test_another_file_replaces_the_imported_network_only_with_replace(capsys, tmp_path):
    store = tmp_path / "store"
    first = write_graphml(grid_graph(3, 3, 100), tmp_path / "first.graphml")
    second = write_graphml(grid_graph(4, 4, 100), tmp_path / "second.graphml")
    assert ingest(capsys, first, store)[0] == 0
    assert ingest(capsys, first, store)[0] == 0  # the same file again is fine
    code, _, err = ingest(capsys, second, store)
    assert code != 0
    assert "first.graphml" in err
    assert "--replace" in err
    code, out, err = ingest(capsys, second, store, "--replace")
    assert code == 0, err
    assert json.loads(out)["nodes"] == 16


def test_graphml_and_osm_files_need_no_kind(capsys, tmp_path):
    src = tmp_path / "area.osm"
    src.write_text(OSM_XML, encoding="utf-8")
    code, out, err = run(capsys, "ingest", src, "--store", tmp_path / "store")
    assert code == 0, err
    assert json.loads(out)["format"] == "osm"


# --- route on it, and the refusal -----------------------------------------------------------------


def test_route_plans_on_the_imported_network(capsys, tmp_path, monkeypatch, real_incidents):
    store = tmp_path / "store"
    assert ingest(capsys, centreline_grid(tmp_path / "centrelines.geojson"), store)[0] == 0
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    code, out, err = run(capsys, *ROUTE, "--incidents", real_incidents, "--network", "imported")
    assert code == 0, err
    summary = json.loads(out)
    streets = {t["street"] for t in summary["turns"] if t["street"]}
    assert streets
    assert all(s.startswith(("Test St", "Probe Ave")) for s in streets), streets
    assert summary["start"]["where"].startswith(("Test St", "Probe Ave"))
    assert summary["network_approximate"] is False
    assert "centrelines.geojson" in summary["network"]
    assert summary["synthetic"] is False


def test_route_on_an_absent_imported_network_names_the_import_command(capsys, tmp_path, monkeypatch, real_incidents):
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(tmp_path / "empty"))
    code, out, err = run(capsys, *ROUTE, "--incidents", real_incidents, "--network", "imported")
    assert code != 0
    assert out == ""
    assert "no imported walking network" in err
    assert "python -m geo ingest streets.graphml --kind walknet" in err
    assert len(err.strip().splitlines()) == 1


def test_real_incidents_on_the_configured_demo_grid_are_refused(capsys, real_incidents):
    assert get_settings().patrol.network == "demo"
    code, out, err = run(capsys, *ROUTE, "--incidents", real_incidents)
    assert code != 0
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    ways_out = (
        "not real streets",
        "--network osm",
        "needs the internet",
        "python -m geo ingest streets.graphml --kind walknet",
        "--network imported",
        "--network demo",
    )
    for way_out in ways_out:
        assert way_out in err, way_out


def test_the_demo_grid_chosen_on_real_incidents_is_labelled_approximate(capsys, real_incidents):
    code, out, err = run(capsys, *ROUTE, "--incidents", real_incidents, "--network", "demo")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["synthetic"] is False
    assert summary["network_approximate"] is True
    assert "approximate" in summary["network"]
    assert "not OpenStreetMap" in summary["network"]


def test_the_demo_bundle_itself_still_plans_on_the_configured_grid(real_incidents):
    settings = get_settings()
    synthetic = gpd.read_parquet(DEMO_INCIDENTS)
    real = gpd.read_parquet(real_incidents)
    request = PlanRequest(budget_min=60, place="Harvard Park")
    assert not network_choice_needed(request, synthetic, settings)
    assert network_choice_needed(request, real, settings)
    assert not network_choice_needed(request.replace(network="demo"), real, settings)
    assert not network_choice_needed(request, real.drop(columns="synthetic").iloc[:0], settings.model_copy(
        update={"patrol": settings.patrol.model_copy(update={"network": "osm"})}))  # fmt: skip
