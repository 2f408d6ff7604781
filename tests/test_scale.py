"""Speed paths give the same answers as the plain way: grouped filter columns and the near-place box."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.core.errors import DataError
from geo.core.filters import derived_columns, descent_group, near, sex_group, weapon_group


def test_derived_groups_match_the_per_row_functions() -> None:
    rng = np.random.default_rng(3)
    weapons = np.array(["HAND GUN", "KNIFE", None, "STRONG-ARM", "", "VEHICLE", "UNKNOWN WEAPON/OTHER WEAPON"], object)
    sexes = np.array(["M", "F", "X", "H", None, " m "], object)
    descents = np.array(["H", "B", "K", "I", None, "Z", "w"], object)
    n = 500
    frame = pd.DataFrame(
        {
            "weapon": pd.array(rng.choice(weapons, n), dtype="string"),
            "victim_sex": pd.array(rng.choice(sexes, n), dtype="string"),
            "victim_descent": pd.array(rng.choice(descents, n), dtype="string"),
            "victim_age": pd.array(rng.integers(0, 90, n), dtype="Int64"),
            "occurred_at": pd.date_range("2023-01-01", periods=n, freq="7h", tz="America/Los_Angeles"),
        }
    )
    d = derived_columns(frame)
    assert d["weapon_group"].tolist() == [weapon_group(w) for w in frame["weapon"]]
    assert d["sex_group"].tolist() == [sex_group(s) for s in frame["victim_sex"]]
    assert d["descent_group"].tolist() == [descent_group(c) for c in frame["victim_descent"]]


def test_near_keeps_every_point_within_the_distance() -> None:
    rng = np.random.default_rng(5)
    lon = rng.uniform(-118.40, -118.20, 4000)
    lat = rng.uniform(33.90, 34.05, 4000)
    pts = gpd.GeoDataFrame({"lon": lon, "lat": lat}, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    place = gpd.GeoDataFrame(geometry=[Point(-118.30, 33.97).buffer(0.004)], crs=4326)
    distance = 800.0
    metres = pts.to_crs(32611).distance(place.to_crs(32611).geometry.iloc[0]).to_numpy()
    kept = near(pts, place, distance)
    assert kept[metres <= distance].all()
    assert kept.sum() < len(pts) / 4  # and it is a real cut, not everything
    with pytest.raises(DataError, match="distance_m"):
        near(pts, place, -1.0)
