"""Issue 26 on the real extracts: the City's park polygons win over CPAD points, places are found by their common
name, defaults mean something, and the command line uses the coverage the pages use.

Everything is ingested from ../shared/data into a temporary store (skipped with the reason when the folder is
absent). Expected figures are computed here independently of the product's code path: geodesic distances
(pyproj.Geod, WGS84) from each victim to the polygon's boundary densified every half metre, the polygon read from
the City's shapefile with geopandas (EPSG:3857 to EPSG:4326).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from streamlit.testing.v1 import AppTest

from geo.cli import main
from geo.core.filters import Filters
from tests.conftest import ROOT, SHARED_DATA
from tests.page_helpers import with_controls

pytestmark = pytest.mark.realdata
GEOD = Geod(ellps="WGS84")
RAP = "parks/la_city_rap_boundaries/Los_Angeles_Recreation_and_Parks_Boundaries.shp"
COUNTY = "parks/la_county_dpr_park_facilities/DPR_Park_Facilities_View_(Accessible_Parks).shp"
FILES: dict[str, tuple[str, dict[str, str]]] = {
    "latimes": ("latimes/harvard_park_homicides.json", {}),
    "cpad": ("parks/caliparks_cpad_superunit_points_la_area.csv", {}),
    "rap": (RAP, {"kind": "parks"}),
    "county": (COUNTY, {"kind": "parks"}),
    "hoods": ("boundaries/la_city_neighborhoods_latimes_v3/neighborhoods.shp", {}),
    "county_hoods": ("boundaries/la_neighborhoods_latimes_v6/neighborhoods.shp", {"name": "neighborhoods-county"}),
    "lapd": ("lapd_crime/Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz", {}),
    "divisions": ("boundaries/LAPD_Division_5922489107755548254.geojson", {}),
}
HARVARD_RAP_ID = "384"  # SOURCES.md: JACKIE TATUM HARVARD RECREATION CENTER, 1535 W 62nd St
HARVARD_CPAD = (33.9839398119076, -118.304584027625)  # CPAD id 28621, lat/lon
RINGS = (75.0, 150.0, 400.0)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (see shared/data/SOURCES.md)")
    from geo.data.ingest import ingest_file

    folder = tmp_path_factory.mktemp("store")
    layers = {k: ingest_file(SHARED_DATA / rel, store_dir=folder, **kw)["layer"] for k, (rel, kw) in FILES.items()}
    return {"dir": folder, **layers}


@pytest.fixture
def settings(store: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Any:
    from geo.core.settings import get_settings, use_config

    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store["dir"]))
    use_config(None)
    return get_settings()


def _places(store: dict[str, Any], settings: Any, *keys: str) -> gpd.GeoDataFrame:
    from geo.data.workspace import Workspace, load_workspace_places

    return load_workspace_places(Workspace(incidents=store["latimes"], places=tuple(store[k] for k in keys)), settings)


@pytest.fixture(scope="module")
def harvard_polygon() -> shapely.Polygon:
    """The City's Harvard Park outline read straight from the shapefile (EPSG:3857 -> EPSG:4326)."""
    rap = gpd.read_file(SHARED_DATA / RAP)
    assert rap.crs is not None
    assert rap.crs.to_epsg() == 3857
    one = rap[rap["Park_ID"].astype(str) == HARVARD_RAP_ID].to_crs(4326)
    assert len(one) == 1
    return shapely.make_valid(one.geometry.iloc[0])


def _boundary(poly: shapely.Polygon, step_m: float = 0.5) -> np.ndarray:
    """The polygon's rings as lon/lat points at most ``step_m`` metres apart along the geodesic."""
    pts: list[tuple[float, float]] = []
    parts = [poly] if poly.geom_type == "Polygon" else list(poly.geoms)
    for part in parts:
        for ring in (part.exterior, *part.interiors):
            coords = list(ring.coords)
            for (x0, y0), (x1, y1) in itertools.pairwise(coords):
                n = int(np.ceil(GEOD.inv(x0, y0, x1, y1)[2] / step_m))
                pts.append((x0, y0))
                pts += GEOD.npts(x0, y0, x1, y1, n - 1) if n > 1 else []
    return np.asarray(pts)


@pytest.fixture(scope="module")
def victims(harvard_polygon: shapely.Polygon) -> pd.DataFrame:
    """Every LA Times victim with the geodesic distance (metres) from the polygon's edge, 0 inside."""
    raw = pd.DataFrame(json.loads((SHARED_DATA / FILES["latimes"][0]).read_text(encoding="utf-8")))
    lon, lat = raw["longitude"].astype(float).to_numpy(), raw["latitude"].astype(float).to_numpy()
    edge = _boundary(harvard_polygon)
    dist = np.array([GEOD.inv(np.full(len(edge), x), np.full(len(edge), y), edge[:, 0], edge[:, 1])[2].min()
                     for x, y in zip(lon, lat, strict=True)])  # fmt: skip
    inside = np.array([harvard_polygon.covers(shapely.Point(x, y)) for x, y in zip(lon, lat, strict=True)])
    _, _, from_point = GEOD.inv(np.full(len(raw), HARVARD_CPAD[1]), np.full(len(raw), HARVARD_CPAD[0]), lon, lat)
    day = pd.to_datetime(raw["death_date"].str[:10])
    return pd.DataFrame({"day": day, "edge_m": np.where(inside, 0.0, dist), "inside": inside, "point_m": from_point})


def _bands(v: pd.DataFrame, start: str, end: str) -> dict[str, int]:
    sel = v[(v["day"] >= start) & (v["day"] <= end)]
    d = sel.loc[~sel["inside"], "edge_m"]
    # no victim lies within a metre of a band's edge, so UTM metres and geodesic metres give the same bands
    assert not any(abs(d - r).min() < 1.0 for r in RINGS if len(d))
    return {
        "inside": int(sel["inside"].sum()),
        "0-75": int((d <= 75).sum()),
        "75-150": int(((d > 75) & (d <= 150)).sum()),
        "150-400": int(((d > 150) & (d <= 400)).sum()),
    }


# --- the City's polygons in the workspace ------------------------------------------------------------------------


def test_city_and_county_polygons_are_repaired_and_every_polygon_kept(store: dict[str, Any], settings: Any) -> None:
    from geo.data.ingest import store_inventory

    inventory = {e["name"]: e for e in store_inventory(store["dir"])}
    for key, rows, invalid in (("rap", 561, 4), ("county", 292, 1)):  # SOURCES.md section 7
        entry = inventory[store[key]]
        assert entry["rows_in"] == entry["rows_kept"] + sum(entry["dropped"].values()) == rows
        report = json.loads((Path(entry["path"]).parent / "report.json").read_text(encoding="utf-8"))
        assert report["repaired_geometries"] == invalid
    merged = _places(store, settings, "cpad", "rap", "county")
    assert bool(shapely.is_valid(merged.geometry.to_numpy()).all())
    rap = merged[merged["Park_ID"].notna()] if "Park_ID" in merged.columns else merged.iloc[0:0]
    assert len(rap) == 561  # no City polygon merged away: sub-parks and overlapping parks stay places
    assert (rap["IsSubPark"] == "Y").sum() == 76
    metric = rap.to_crs(32611).geometry.to_numpy()
    tree = shapely.STRtree(metric)
    a, b = tree.query(metric, predicate="intersects")
    pairs = [(i, j) for i, j in zip(a, b, strict=True) if i < j and shapely.intersection(metric[i], metric[j]).area > 1]
    assert len(pairs) >= 50  # overlaps kept (the raw layer has 59 overlapping pairs)


def test_a_polygon_wins_over_the_point_of_the_same_place(store: dict[str, Any], settings: Any) -> None:
    from geo.data.datasets import place_by_name

    merged = _places(store, settings, "cpad", "rap", "county")
    park = place_by_name(merged, "Harvard Park")
    assert len(park) == 1
    assert park["Park_ID"].iloc[0] == HARVARD_RAP_ID
    assert park.geometry.iloc[0].geom_type == "Polygon"
    assert "28621" in park["matched_ids"].iloc[0]  # the CPAD point, absorbed
    # one id, one place: CPAD's park:129 and the City's are different parks, both kept under their own ids
    per_id = merged.groupby(merged["place_id"].astype(str))["name"].nunique()
    assert per_id.max() == 1
    ids = merged["place_id"].astype(str)
    assert "park:cpad-129" in set(ids)
    assert ids.str.endswith("-129").sum() == 2  # and the City's, qualified by its own source
    assert "park:129" not in set(ids)
    # the Reseda trap: "Jesse Owens Park" is the County's park in South LA, never the City's mini-park in Reseda
    owens = place_by_name(merged, "Jesse Owens Park")
    assert owens["name"].iloc[0] == "Jesse Owens Community Regional Park"
    assert owens.geometry.iloc[0].geom_type in ("Polygon", "MultiPolygon")
    assert 33.94 < owens.geometry.iloc[0].centroid.y < 33.95
    with pytest.raises(Exception, match="did you mean") as asked:
        place_by_name(merged, "Jesse Owens")
    assert "Mini" in str(asked.value)
    assert "Community Regional" in str(asked.value)


def test_the_ring_figure_is_measured_from_the_polygon_edge(
    store: dict[str, Any], settings: Any, victims: pd.DataFrame
) -> None:
    from geo.analysis.rings import ring_summary
    from geo.data.datasets import load_incidents, place_by_name
    from geo.data.ingest import layer_paths

    incidents = load_incidents(layer_paths(store["dir"], store["latimes"])[0])
    park = place_by_name(_places(store, settings, "cpad", "rap"), "Harvard Park")
    for start, end in (("2016-01-01", "2016-12-31"), ("2016-02-01", "2017-01-31"), ("2000-01-01", "2017-12-31")):
        dates = incidents["occurred_at"].dt.tz_convert("America/Los_Angeles").dt.strftime("%Y-%m-%d")
        rows = incidents[((dates >= start) & (dates <= end)).to_numpy()]
        got = ring_summary(rows, park, rings_m=RINGS)
        expected = _bands(victims, start, end)
        assert not got.point_place
        assert {"inside": got.inside, **{f"{r.from_m:g}-{r.to_m:g}": r.count for r in got.rings}} == expected
    everything = _bands(victims, "2000-01-01", "2017-12-31")
    from_point = int((victims["point_m"] <= 400).sum())
    assert sum(everything.values()) == 23
    assert from_point == 16


def test_near_and_rank_on_the_command_line_use_the_polygon(
    store: dict[str, Any], settings: Any, victims: pd.DataFrame, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.data.workspace import choose

    choose(settings, incidents=store["latimes"], places=(store["cpad"], store["rap"]))
    period = ["--from", "2016-02-01", "--to", "2017-01-31", "--privacy", "internal"]
    assert main(["near", "--place", "Harvard Park", *period]) == 0
    near = json.loads(capsys.readouterr().out)
    expected = _bands(victims, "2016-02-01", "2017-01-31")
    assert near["point_place"] is False
    assert near["inside"] == expected["inside"]
    assert [r["count"] for r in near["rings"]] == [expected["0-75"], expected["75-150"], expected["150-400"]]
    assert expected["0-75"] == 4  # the four homicides on the border: 0-75 m from the edge, 208-239 m from the point
    assert main(["rank", "--kind", "park", *period]) == 0
    ranked = json.loads(capsys.readouterr().out)
    top = ranked["places"][0]
    assert "Harvard" in top["name"]
    assert top["count"] == sum(v for k, v in expected.items() if k in ("inside", "0-75", "75-150"))  # within 150 m
    assert isinstance(top["count"], int)


def test_the_handout_counts_from_the_polygon_edge(store: dict[str, Any], settings: Any, victims: pd.DataFrame) -> None:
    from geo.data.datasets import load_incidents
    from geo.data.ingest import layer_paths
    from geo.exports.report import build_report

    incidents = load_incidents(layer_paths(store["dir"], store["latimes"])[0])
    places = _places(store, settings, "cpad", "rap")
    f = Filters(place="Harvard Park", start=dt.date(2016, 1, 1), end=dt.date(2016, 12, 31))
    report = build_report(incidents, places, filters=f, privacy="internal", settings=settings)
    assert report.counts["within"] == sum(_bands(victims, "2016-01-01", "2016-12-31").values())


# --- the dashboard --------------------------------------------------------------------------------------------------


def _app(store: dict[str, Any], **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["data"] = store["latimes"]
    at.query_params["places"] = ",".join(store[k] for k in ("cpad", "rap", "county"))
    at.query_params["place"] = "Harvard Park"
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_the_map_measures_harvard_park_from_its_edge_and_the_picker_finds_it(
    store: dict[str, Any], settings: Any, victims: pd.DataFrame
) -> None:
    at = _app(store, **{"from": "2016-01-01", "to": "2016-12-31"})
    assert not at.exception
    metric = next(m for m in at.metric if m.label.startswith("Within 400 m of"))
    expected = sum(_bands(victims, "2016-01-01", "2016-12-31").values())
    assert metric.value == str(expected) == "6"  # the point's rings held 4 (issue 26)
    with_controls(at)
    options = [str(o) for o in at.selectbox(key="f_place").options]
    first = options[0]
    assert first.startswith("Harvard Park · Jackie Tatum")
    assert first.endswith("(Park, Harvard Park)")
    assert at.selectbox(key="f_place").value == first
    # typing "Harvard Park": of the choices holding it, the real park is offered first, each with kind and area
    typed = [o for o in options if "harvard park" in o.casefold()]
    assert typed[0] == first
    assert "Harvard Parkette (Park, Gardena)" in typed
    assert all(o.endswith(")") and ("(Park, " in o or "(Public housing, " in o) for o in options)


def test_the_evaluation_defaults_are_places_with_data(store: dict[str, Any], settings: Any) -> None:
    at = _app(store)
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    # the LA Times file covers its Harvard Park neighbourhood only: no other park has data, and none is offered
    assert at.multiselect(key="e_ctrl").value == []
    assert any("No other parks lie where the data cover" in c.value for c in at.caption)
    assert any("nearest parks whose surroundings" in c.value for c in at.caption)
    # a park chosen outside the coverage is named "no data", never counted as 0
    outside = next(o for o in at.multiselect(key="e_ctrl").options if o.startswith("Chesterfield Square Park"))
    at.multiselect(key="e_ctrl").set_value([outside]).run()
    assert not at.exception
    assert any("No data for Chesterfield Square Park" in i.value for i in at.info)
    assert not [m for m in at.metric if m.label.startswith("WDD")]
    # the ranking names its own distance beside the key figure's
    assert any("within 150 m of its border" in c.value and "within 400 m" in c.value for c in at.caption)


def test_the_evaluation_on_the_lapd_layer_offers_the_nearest_covered_parks(
    store: dict[str, Any], settings: Any
) -> None:
    from geo.data.datasets import place_by_name

    at = _app(store, data=store["lapd"])
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    chosen = at.multiselect(key="e_ctrl").value
    assert len(chosen) == 3
    # independently: the three parks nearest the polygon, outside its 400 m buffer (all inside the City)
    places = _places(store, settings, "cpad", "rap", "county")
    park = place_by_name(places, "Harvard Park").to_crs(32611).geometry.iloc[0]
    parks = places[places["kind"] == "park"].to_crs(32611)
    apart = parks[~parks.intersects(park.buffer(400, quad_segs=16)) & (parks["place_id"] != "park:384")]
    nearest = apart.assign(d=apart.distance(park)).sort_values("d", kind="stable")["name"].head(3).tolist()
    assert [c.split(" (Park, ")[0].split(" · ")[-1] for c in chosen] == nearest
    assert [m for m in at.metric if m.label.startswith("WDD")] or any("fewer than" in i.value for i in at.info)


# --- the command line uses the coverage the pages use ------------------------------------------------------------


def test_evaluate_names_a_comparison_place_without_data(
    store: dict[str, Any], settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from geo.data.workspace import choose

    choose(settings, incidents=store["latimes"], places=(store["cpad"], store["rap"]))
    code = main(
        ["evaluate", "--treated", "Harvard Park", "--control", "Chesterfield Square Park", "--start", "2010-01-01"]
    )
    assert code == 2
    assert "no data for any --control place (Chesterfield Square Park)" in capsys.readouterr().err
    choose(settings, incidents=store["lapd"])
    argv = [
        "evaluate",
        "--treated",
        "Harvard Park",
        "--control",
        "Chesterfield Square Park,Abalone Cove Shoreline Park",
    ]
    assert main([*argv, "--start", "2020-07-01", "--privacy", "internal"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["no_data"] == ["Abalone Cove Shoreline Park"]  # Rancho Palos Verdes: outside the City
    assert "left out of the comparison" in err


def test_hotspots_and_nearrepeat_default_to_the_division_layer(
    store: dict[str, Any], settings: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from geo.data.workspace import choose

    choose(settings, incidents=store["lapd"])
    divisions = str(SHARED_DATA / FILES["divisions"][0])
    base = ["hotspots", "--method", "gistar", "--cell-m", "500", "--inference", "normal", "--privacy", "internal"]
    assert main([*base, "--out", str(tmp_path / "a.geojson")]) == 0
    default = json.loads(capsys.readouterr().out)
    assert main([*base, "--coverage", divisions, "--out", str(tmp_path / "b.geojson")]) == 0
    given = json.loads(capsys.readouterr().out)
    assert default["coverage"] == "lapd_divisions"
    assert default["study_area_guess"] is False
    for key in ("n_cells", "classes", "study_area_km2"):
        assert default[key] == given[key], key
    a = json.loads((tmp_path / "a.geojson").read_text())["features"]
    assert len(a) == len(json.loads((tmp_path / "b.geojson").read_text())["features"])
    near = ["nearrepeat", "--permutations", "19", "--privacy", "internal"]
    assert main(near) == 0
    default_n = json.loads(capsys.readouterr().out)["n_events"]
    assert main([*near, "--coverage", divisions]) == 0
    assert default_n == json.loads(capsys.readouterr().out)["n_events"]


def test_a_point_park_is_not_given_an_area(
    store: dict[str, Any], settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """With the CPAD points only, Harvard Park is a point: its rings are measured from it, and the map's table, the
    command line and the evaluation say it has no inside rather than printing 0."""
    from geo.data.workspace import choose

    choose(settings, incidents=store["latimes"], places=(store["cpad"],))
    assert main(["near", "--place", "Harvard Park", "--privacy", "internal"]) == 0
    near = json.loads(capsys.readouterr().out)
    assert near["point_place"] is True
    assert near["inside"] is None
    assert "known only as a point" in near["note"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    for key, value in {"data": store["latimes"], "places": store["cpad"], "place": "Harvard Park"}.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    assert any("is known only as a point: its rings are measured from the point" in c.value for c in at.caption)
    tables = [h.proto.body for h in at.get("html") if "<table" in h.proto.body and "2016</th>" in h.proto.body]
    assert tables
    assert "Inside" not in tables[0]
    at.switch_page("app_pages/trends.py").run()
    assert not at.exception
    assert any("the evaluation counts a circle of 150 m around it" in c.value for c in at.caption)


def test_a_picker_label_finds_its_place_without_the_labels_at_hand(
    store: dict[str, Any], settings: Any, victims: pd.DataFrame
) -> None:
    """The handouts receive the page's choice as its label: it finds the place by its name and kind."""
    from geo.core.settings import get_settings
    from geo.data.coverage import area_layers
    from geo.data.datasets import place_by_name
    from geo.data.labels import place_labels

    merged = _places(store, settings, "cpad", "rap", "county")
    picks = merged[merged["kind"] == "park"]
    labels = place_labels(picks, "es", areas=area_layers(store["dir"]))
    for name in ("Harvard Park", "Harvard Parkette", "Chesterfield Square Park"):
        label = str(labels[place_by_name(picks, name).index[0]])
        assert place_by_name(picks, label).index.tolist() == place_by_name(picks, name).index.tolist(), label
    at = _app(store, **{"from": "2016-01-01", "to": "2016-12-31"})
    at.switch_page("app_pages/present.py").run()
    assert not at.exception
    assert not at.error
    assert get_settings().sources.store_dir == store["dir"]
