"""Aliases, the polygon-over-point rule, CSP sites from HUD names and place lookup (small frames)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from geo.core.errors import DataError
from geo.data.aliases import ALIAS_TABLE, csp_sites, default_aliases, load_aliases, merge_places, name_key, read_aliases
from geo.data.datasets import place_by_name

GEOD = Geod(ellps="WGS84")
HARVARD = (-118.304584, 33.983940)


def places(rows: list[tuple[str, str, str, object]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "place_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
            "source": "test",
            "approximate": False,
        },
        geometry=[r[3] for r in rows],
        crs="EPSG:4326",
    )


def east_of(lon: float, lat: float, metres: float) -> Point:
    x, y, _ = GEOD.fwd(lon, lat, 90, metres)
    return Point(x, y)


def test_name_keys_ignore_case_accents_and_punctuation() -> None:
    assert name_key("Jackie Tatum/Harvard  Recreation Center") == name_key("jackie tatum harvard recreation center")
    assert name_key("Pueblo del Río") == name_key("PUEBLO DEL RIO")
    assert name_key(None) == ""


def test_committed_table_and_config_extension() -> None:
    al = default_aliases()
    assert al.key("Jackie Tatum/Harvard Recreation Center") == al.key("Harvard Park")
    assert al.canonical_name("RAMONA/ROSE") == "Ramona Gardens"
    assert al.key("AVALON/GONZAQUE") == al.key("Gonzaque Village")
    assert al.is_csp("Jordan Downs")
    assert not al.is_csp("Harvard Park")
    more = load_aliases({"Harvard Park": ["Harvard Rec"]})
    assert more.key("harvard rec") == more.key("Harvard Park")
    assert default_aliases().key("harvard rec") != default_aliases().key("Harvard Park")


def test_alias_table_refuses_one_alias_for_two_places(tmp_path: Path) -> None:
    bad = tmp_path / "aliases.csv"
    bad.write_text("name,alias,csp,note\nA Park,X,,\nB Park,X,,\n", encoding="utf-8")
    with pytest.raises(DataError, match="already an alias"):
        read_aliases(bad)
    assert len(read_aliases(ALIAS_TABLE).canonical) > 0


def test_polygon_wins_when_name_matches_and_point_is_close() -> None:
    lon, lat = HARVARD
    poly = box(lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002)
    edge_lon = lon + 0.002
    rows = [
        ("park:poly", "Harvard Park", "park", poly),
        ("park:pt", "Jackie Tatum/Harvard Recreation Center", "park", Point(lon, lat)),  # inside, alias
        ("park:near", "Harvard Park", "park", east_of(edge_lon, lat, 200)),  # 200 m outside the border
        ("park:far", "Harvard Park", "park", east_of(edge_lon, lat, 300)),  # beyond match_m
        ("park:other", "Van Ness Recreation Center", "park", Point(lon, lat)),  # inside, other name
    ]
    merged = merge_places([places(rows)], match_m=250)
    assert merged["place_id"].tolist() == ["park:poly", "park:far", "park:other"]
    assert merged.loc[0, "matched_ids"] == "park:pt park:near"
    with pytest.raises(DataError, match="match_m"):
        merge_places([places(rows)], match_m=-1)


def test_csp_sites_from_hud_names() -> None:
    rows = [
        ("housing:1", "RAMONA/ROSE", "housing", Point(-118.192442, 34.086933)),
        ("housing:2", "AVALON/GONZAQUE", "housing", Point(-118.263694, 33.956662)),
        ("housing:3", "CARMELITOS", "housing", Point(-118.2, 33.85)),
    ]
    sites = csp_sites(places(rows))
    assert sites["name"].tolist() == ["Ramona Gardens", "Avalon Gardens / Gonzaque Village"]
    assert sites["place_id"].tolist() == ["csp_site:housing:1", "csp_site:housing:2"]
    assert set(sites["kind"]) == {"csp_site"}


def test_place_by_name_aliases_and_ambiguity() -> None:
    lon, lat = HARVARD
    table = places(
        [
            ("park:1", "Jackie Tatum/Harvard Recreation Center", "park", Point(lon, lat)),
            ("park:2", "Harvard Parkette", "park", Point(lon + 0.1, lat)),
            ("park:3", "South Park", "park", Point(-118.267, 33.997)),
            ("park:4", "South Park", "park", Point(-118.214, 33.884)),
        ]
    )
    assert place_by_name(table, "Harvard Park")["place_id"].tolist() == ["park:1"]
    assert place_by_name(table, "harvard parkette")["place_id"].tolist() == ["park:2"]
    with pytest.raises(DataError, match=r"ambiguous: 2 places match.*park:3.*park:4"):
        place_by_name(table, "South Park")
    assert place_by_name(table, "PARK:4")["place_id"].tolist() == ["park:4"]
    with pytest.raises(DataError, match="did you mean"):
        place_by_name(table, "Harvard")
    with pytest.raises(DataError, match="non-empty"):
        place_by_name(table, "  ")
