"""Walking networks (geo.data.walknet): the generated demo grid, GraphML, the osmnx cache. No network access."""

from __future__ import annotations

import networkx as nx
import pytest
from shapely.geometry import LineString

from geo.core.errors import DataError, SourceError
from geo.core.settings import PROJECT_ROOT, get_settings
from geo.data.walknet import (
    DEMO_NOTE,
    build_demo_network,
    cached_network_path,
    edge_line,
    load_demo_network,
    load_osm_network,
    read_graphml,
    write_demo_network,
    write_graphml,
)
from tests.route_helpers import grid_graph

HTTP = get_settings().sources.http

DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "walk.graphml"


@pytest.fixture(scope="module")
def demo() -> nx.MultiDiGraph:
    return build_demo_network()


def test_demo_network_is_labelled_approximate(demo):
    assert demo.graph["crs"] == "EPSG:4326"
    assert demo.graph["approximate"] is True
    assert demo.graph["note"] == DEMO_NOTE
    assert "approximate" in DEMO_NOTE
    assert "Generated" in DEMO_NOTE


def test_demo_network_covers_harvard_park_and_watts(demo):
    xs = [d["x"] for _, d in demo.nodes(data=True)]
    ys = [d["y"] for _, d in demo.nodes(data=True)]
    assert min(xs) <= -118.31
    assert max(xs) >= -118.225
    assert min(ys) <= 33.93
    assert max(ys) >= 33.99
    assert nx.is_strongly_connected(demo)


def test_demo_network_street_names_and_lengths(demo):
    names = {d.get("name") for _, _, d in demo.edges(data=True)}
    for expected in (
        "W 62nd St",
        "Normandie Ave",
        "Western Ave",
        "Gage Ave",
        "Manchester Ave",
        "E 103rd St",
        "W 61st St",
        "Central Ave",
        "103rd St",
    ):
        assert expected in names
    lengths = [d["length"] for _, _, d in demo.edges(data=True)]
    assert min(lengths) > 50
    assert max(lengths) < 260
    # every street both ways, with the same attributes
    for u, v, d in list(demo.edges(data=True))[:200]:
        assert any(e == d for e in demo.get_edge_data(v, u).values())


def test_demo_file_is_deterministic_and_committed(tmp_path, demo):
    a = write_demo_network(tmp_path / "a")
    b = write_demo_network(tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()
    assert DEMO_FILE.is_file(), "data/demo/walk.graphml is part of the demo bundle"
    committed = load_demo_network(DEMO_FILE)
    assert committed.number_of_nodes() == demo.number_of_nodes()
    assert committed.number_of_edges() == demo.number_of_edges()
    assert committed.graph["approximate"] is True
    assert sum(d["length"] for *_, d in committed.edges(data=True)) == pytest.approx(
        sum(d["length"] for *_, d in demo.edges(data=True))
    )


def test_graphml_round_trip_keeps_types(tmp_path):
    g = grid_graph(3, 3, 100)
    g.edges[0, 1, 0]["geometry"] = LineString([(g.nodes[0]["x"], g.nodes[0]["y"]), (g.nodes[1]["x"], g.nodes[1]["y"])])
    g.edges[0, 1, 0]["name"] = ["A St", "B St"]
    path = write_graphml(g, tmp_path / "g.graphml")
    h = read_graphml(path)
    assert sorted(h.nodes) == sorted(g.nodes)
    assert isinstance(h.nodes[0]["x"], float)
    assert h.edges[0, 1, 0]["name"] == ["A St", "B St"]
    assert isinstance(h.edges[0, 1, 0]["geometry"], LineString)
    assert h.edges[0, 1, 0]["length"] == pytest.approx(100)


def test_reads_an_osmnx_style_graphml_with_string_attributes(tmp_path):
    g = nx.MultiDiGraph(crs="epsg:4326", created_with="osmnx 2.1")
    g.add_node("101", x="-118.30", y="33.98", street_count="3")
    g.add_node("102", x="-118.299", y="33.98", street_count="3")
    g.add_edge(
        "101",
        "102",
        length="92.6",
        name="['W 62nd St', 'Gage Ave']",
        oneway="False",
        geometry="LINESTRING (-118.299 33.98, -118.2995 33.9801, -118.30 33.98)",
    )
    g.add_edge("102", "101", length="92.6", name="W 62nd St", oneway="False", reversed="True")
    nx.write_graphml(g, tmp_path / "osm.graphml")
    h = read_graphml(tmp_path / "osm.graphml")
    assert set(h.nodes) == {101, 102}
    assert h.edges[101, 102, 0]["name"] == ["W 62nd St", "Gage Ave"]
    assert h.edges[101, 102, 0]["oneway"] is False
    line = edge_line(h, 101, 102, h.edges[101, 102, 0])
    assert line.coords[0] == pytest.approx((-118.30, 33.98))  # reversed to run from u to v


def test_read_graphml_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_graphml(tmp_path / "none.graphml")
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml><oops", encoding="utf-8")
    with pytest.raises(DataError, match="cannot read walking network"):
        read_graphml(bad)
    g = grid_graph(2, 2, 100)
    g.graph["crs"] = "EPSG:32611"
    write_graphml(g, tmp_path / "proj.graphml")
    with pytest.raises(DataError, match="unprojected"):
        read_graphml(tmp_path / "proj.graphml")
    with pytest.raises(DataError, match="python -m geo demo"):
        load_demo_network(tmp_path / "missing.graphml")


def test_osm_network_is_fetched_once_then_cached(tmp_path):
    calls = []

    def fake_fetch(lat, lon, dist_m):
        calls.append((lat, lon, dist_m))
        g = grid_graph(3, 3, 100)
        g.graph.pop("note")
        return g

    g = load_osm_network(
        lat=33.98, lon=-118.30, dist_m=1500, cache_dir=tmp_path, timeout_s=HTTP.timeout_s, fetch=fake_fetch
    )
    assert len(calls) == 1
    assert g.graph["source"] == "OpenStreetMap via osmnx"
    assert "OpenStreetMap" in g.graph["note"]
    assert cached_network_path(tmp_path, lat=33.98, lon=-118.30, dist_m=1500) is not None

    def offline(lat, lon, dist_m):
        msg = "ConnectionError: no route to host"
        raise SourceError(msg)

    # a nearby start is served from the cache, with no fetch
    h = load_osm_network(
        lat=33.981, lon=-118.301, dist_m=1500, cache_dir=tmp_path, timeout_s=HTTP.timeout_s, fetch=offline
    )
    assert h.number_of_nodes() == g.number_of_nodes()
    # far away: not covered, the fetch fails, one clear message
    with pytest.raises(SourceError, match=r"could not fetch the OpenStreetMap walking network .*--network demo"):
        load_osm_network(
            lat=33.93, lon=-118.25, dist_m=1500, cache_dir=tmp_path, timeout_s=HTTP.timeout_s, fetch=offline
        )


def test_fetch_results_are_validated(tmp_path):
    def empty(lat, lon, dist_m):
        return nx.MultiDiGraph(crs="EPSG:4326")

    with pytest.raises(DataError, match="empty"):
        load_osm_network(lat=33.98, lon=-118.30, dist_m=1000, cache_dir=tmp_path, timeout_s=HTTP.timeout_s, fetch=empty)
    assert not list(tmp_path.glob("*.graphml"))


def test_reads_a_file_saved_by_osmnx(tmp_path):
    ox = pytest.importorskip("osmnx", reason="osmnx is optional (only for fetching OpenStreetMap)")
    g = grid_graph(3, 3, 100)
    g.edges[0, 1, 0]["name"] = ["Row 0 St", "Other St"]
    g.edges[0, 1, 0]["osmid"] = [11, 12]
    g.edges[0, 1, 0]["geometry"] = LineString([(g.nodes[0]["x"], g.nodes[0]["y"]), (g.nodes[1]["x"], g.nodes[1]["y"])])
    ox.save_graphml(g, tmp_path / "ox.graphml")
    h = read_graphml(tmp_path / "ox.graphml")
    assert h.number_of_edges() == g.number_of_edges()
    assert h.edges[0, 1, 0]["name"] == ["Row 0 St", "Other St"]
    assert isinstance(h.edges[0, 1, 0]["length"], float)
    assert isinstance(h.edges[0, 1, 0]["geometry"], LineString)
