"""Many geometries at once (geo.core.bulk): the same geometries as shapely's, the collector left as found."""

from __future__ import annotations

import gc

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo.core.bulk import collector_paused, points, points_from_xy


def test_points_are_shapely_points_and_the_collector_runs_again_after() -> None:
    rng = np.random.default_rng(3)
    xy = rng.uniform(-118.5, -118.2, (1_000, 2))
    assert gc.isenabled()
    got = points(xy)
    assert gc.isenabled()
    assert shapely.equals(got, shapely.points(xy)).all()
    arr = points_from_xy(xy[:, 0], xy[:, 1], crs=4326)
    expected = gpd.points_from_xy(xy[:, 0], xy[:, 1], crs=4326)
    assert arr.crs == expected.crs
    assert shapely.equals(np.asarray(arr), np.asarray(expected)).all()


def _fail_while_paused() -> None:
    with collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("boom")


def test_the_collector_is_paused_inside_and_restored_on_error() -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _fail_while_paused()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
