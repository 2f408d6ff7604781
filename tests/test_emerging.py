"""Emerging hot spots (issue 27, case 5): a minimum count per cell, Benjamini-Hochberg across the cells' trends,
and a warning that matches what is drawn. On the demo homicides the map once said "no cell is classed" beside 39
"sporadic" and 4 "new" cells, each "new" cell holding one homicide in fifteen years."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from geo.analysis.emerging import emerging_hotspots
from geo.analysis.gistar import TooFewEventsWarning
from geo.core.settings import AnalysisSettings, get_settings


@pytest.fixture(scope="module")
def demo() -> gpd.GeoDataFrame:
    from geo.data.ingest import incidents_from_path

    return incidents_from_path(get_settings().sources.incidents)


def _emerging(inc: gpd.GeoDataFrame, **kwargs: object) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TooFewEventsWarning)
        return emerging_hotspots(inc, cell_m=150, **kwargs)  # type: ignore[arg-type]


def test_no_cell_is_classed_when_the_warning_says_so(demo: gpd.GeoDataFrame) -> None:
    homicides = demo[demo["category"] == "homicide"]
    with pytest.warns(TooFewEventsWarning, match="no cell is classed"):
        cells = emerging_hotspots(homicides, cell_m=150)
    assert "no cell is classed" in cells.attrs["warning"]
    assert cells.attrs["warning_key"] == "gi.sparse"
    assert set(cells["category"]) == {"no pattern"}
    assert cells.attrs["classed"] == 0
    assert not cells["tested"].any()


def test_a_cell_needs_the_minimum_count_to_be_classed(demo: gpd.GeoDataFrame) -> None:
    least = AnalysisSettings().emerging_min_count
    cells = _emerging(demo)
    assert cells.attrs["min_count"] == least
    np.testing.assert_array_equal(cells["tested"].to_numpy(bool), cells["count"].to_numpy() >= least)
    classed = cells[cells["category"] != "no pattern"]
    assert len(classed) == cells.attrs["classed"] > 0
    assert (classed["count"] >= least).all()  # no "new" hot spot from one incident
    few = int(((cells["count"] > 0) & (cells["count"] < least)).sum())
    assert cells.attrs["notes"] == [{"key": "emerging.min_count", "params": {"n": few, "min": least}}]
    assert cells.attrs["warning"] is None
    # with a minimum of one, cells of a single incident are classed again: the rule is what leaves them out
    loose = _emerging(demo, min_count=1)
    one = loose[(loose["count"] < least) & (loose["category"] != "no pattern")]
    assert len(one) > 0
    assert (one["category"] == "new").any()


def test_trends_are_one_family_corrected_by_benjamini_hochberg(demo: gpd.GeoDataFrame) -> None:
    from statsmodels.stats.multitest import multipletests

    cells = _emerging(demo)
    tested = cells[cells["tested"]]
    _, q, _, _ = multipletests(tested["trend_p"], alpha=0.05, method="fdr_bh")
    np.testing.assert_allclose(tested["trend_q"], q, rtol=0, atol=1e-12)
    assert cells.loc[~cells["tested"], "trend_q"].isna().all()
    trending = cells[cells["category"].isin(["intensifying", "diminishing"])]
    assert (trending["trend_q"] <= 0.05).all()
    # a cell hot in nearly every year whose raw trend p passes 0.05 but whose corrected one does not: persistent
    mostly_hot = cells["years_hot"] >= 0.9 * len(cells.attrs["years"])
    kept = cells[mostly_hot & cells["hot_last"] & (cells["trend_p"] <= 0.05) & (cells["trend_q"] > 0.05)]
    assert len(kept) > 0
    assert set(kept["category"]) == {"persistent"}


def test_the_command_line_says_what_is_drawn(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from geo.cli import main

    dest = str(tmp_path / "e.geojson")
    assert main(["hotspots", "--method", "emerging", "--category", "homicide", "--out", dest]) == 0
    out = json.loads(capsys.readouterr().out)
    assert any("no cell is classed" in w for w in out["warnings"])
    assert out["categories"] == {"no pattern": out["features"]}
    assert out["classed"] == 0
    assert main(["hotspots", "--method", "emerging", "--out", dest]) == 0
    out = json.loads(capsys.readouterr().out)
    assert not any("no cell is classed" in w for w in out["warnings"])
    assert out["classed"] > 0
    assert out["min_count"] == AnalysisSettings().emerging_min_count
    assert out["trend_correction"] == "benjamini-hochberg"
    assert any("cells with fewer than 5 incidents over all the years are not classed" in w for w in out["warnings"])
