"""The Patrol page never routes real incidents on the demo's generated grid unless the person chooses it."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from geo.data.walknet_import import import_network
from tests.page_helpers import open_page
from tests.test_walknet_import import DEMO_INCIDENTS, centreline_grid

pytestmark = pytest.mark.app


@pytest.fixture
def real_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_settings: None) -> Path:
    """Demo rows marked real (``synthetic=False``) as the configured incidents, and an empty store."""
    path = tmp_path / "real.parquet"
    gpd.read_parquet(DEMO_INCIDENTS).head(400).assign(synthetic=False).to_parquet(path)
    store = tmp_path / "store"
    store.mkdir()
    monkeypatch.setenv("SAFETYMAP__SOURCES__INCIDENTS", str(path))
    monkeypatch.setenv("SAFETYMAP__SOURCES__STORE_DIR", str(store))
    from geo.core.settings import use_config

    use_config(None)
    return store


def _warnings(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(w.value for w in at.warning)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_real_incidents_ask_for_a_network_before_any_route(real_env: Path, lang: str) -> None:
    at = open_page("route", {"lang": lang})
    assert not at.exception, at.exception
    assert ("not real streets" if lang == "en" else "no calles reales") in _warnings(at)
    assert at.selectbox(key="r_network").value is None
    assert not at.get("iframe")  # no map of a route was drawn
    assert "network" not in {k for k, _ in at.query_params.items()}


def test_an_imported_network_is_offered_and_the_link_carries_it(real_env: Path, tmp_path: Path) -> None:
    import_network(centreline_grid(tmp_path / "streets.geojson"), store_dir=real_env)
    at = open_page("route", {"lang": "en", "network": "imported"})
    assert not at.exception, at.exception
    assert "Imported street network" in at.selectbox(key="r_network").options
    assert at.selectbox(key="r_network").value == "imported"
    assert "not real streets" not in _warnings(at)
    assert dict(at.query_params.items()).get("network") in ("imported", ["imported"])


def test_the_generated_grid_chosen_knowingly_plans_a_route(real_env: Path) -> None:
    at = open_page("route", {"lang": "en", "network": "demo"})
    assert not at.exception, at.exception
    assert at.selectbox(key="r_network").value == "demo"
    assert [m.label for m in at.metric][:1] == ["Distance"]  # the route is planned and measured
