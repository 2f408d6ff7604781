"""Services and conditions on the real extracts: the MyLA311 sample beside the LAPD and LA Times layers on the Map
and Trends pages, in both languages, with no demo entry beside real data.

The extracts in ../shared/data are ingested into a temporary store (skipped with the reason when the folder is absent).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.page_helpers import app_on_store, page_texts, real_store

pytestmark = [pytest.mark.app, pytest.mark.realdata]
FILES = {
    "latimes": "latimes/harvard_park_homicides.json",
    "killings": "latimes/los-angeles-police-killings.csv",  # 2000 to 2023: the only layer that spans the requests
    "cpad": "parks/caliparks_cpad_superunit_points_la_area.csv",
    "lapd": "lapd_crime/Crime_Data_from_2020_to_Present__sample10k_Ivanco19.csv.gz",
    "requests": "myla311/MyLA311_Service_Request_Data_2017_Subset.csv.gz",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return real_store(tmp_path_factory, FILES)


@pytest.fixture
def app(store: dict[str, Any], monkeypatch: pytest.MonkeyPatch, fresh_settings: None):  # type: ignore[no-untyped-def]
    return app_on_store(store, monkeypatch)


@pytest.mark.parametrize(("lang", "in_view", "none_yet"), [
    ("en", "Service requests created Dec 1, 2017 to Dec 31, 2017: 8,246 in view", "No services are registered"),
    ("es", "Solicitudes de servicio creadas del 1 dic 2017 al 31 dic 2017: 8,246 a la vista",
     "Todavía no hay servicios registrados"),
])  # fmt: skip
def test_the_real_requests_draw_beside_a_layer_of_their_period(app, store: dict[str, Any], lang: str, in_view: str,
                                                          none_yet: str) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    at = app(data=store["killings"], places=store["cpad"], place="Harvard Park", lang=lang,
             layers="conditions,services,parks", **{"from": "2017-12-01", "to": "2017-12-31"})  # fmt: skip
    assert not at.exception
    texts = " ".join(page_texts(at)).replace("\\", "")  # Markdown escapes
    assert in_view in texts  # every kept request of the sample was created in those days
    assert none_yet in texts  # no registry in the store: nothing, and no example entry, beside real data
    assert "988" not in texts
    assert "ynthetic service requests" not in texts
    assert "sintéticas" not in texts


def test_requests_of_another_period_are_never_set_beside_the_incidents(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = app(data=store["latimes"], places=store["cpad"], place="Harvard Park", lang="en", layers="conditions")
    assert not at.exception
    texts = " ".join(page_texts(at)).replace("\\", "")  # Markdown escapes
    # no period chosen: the incidents' own span (the LA Times file ends in June 2017), not every request
    assert "No service requests were created Jul 18, 2000 to Jun 18, 2017" in texts
    assert "the requests run Dec 27, 2017 to Dec 31, 2017" in texts


def test_the_trends_page_compares_real_incidents_with_real_requests(app, store: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    at = app("app_pages/trends.py", data=store["lapd"], place="Harvard Park", lang="es", factors="streetlight")
    assert not at.exception
    texts = " ".join(page_texts(at)).replace("\\", "")  # Markdown escapes
    assert "Condiciones y factores de riesgo cerca de Harvard Park" in texts
    assert "sintéticas" not in texts
    # the LAPD sample runs from 2020, the requests are of December 2017: nothing near the place in the period
    assert "No se crearon solicitudes de servicio a menos de 400 m de Harvard Park en el periodo." in texts
