"""The online geocoder: its settings, Nominatim and ArcGIS answers, the cache, the pace, and every failure (no network:
a scripted transport answers with the documented formats in tests/fixtures/geocode/)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from pydantic import ValidationError

from geo.core.errors import DataError, SourceError
from geo.core.settings_sections import ATTRIBUTIONS, GeocoderSettings
from geo.data.geocoder import Geocoder, Throttle, query_key, shared_throttle
from tests.fakehttp import Reply, fake_session

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "geocode"
AGENT = "south-la-safety-map-tests/1.0 (tests@example.org)"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def nominatim(tmp_path: Path, **extra: object) -> GeocoderSettings:
    return GeocoderSettings(kind="nominatim", user_agent=AGENT, cache_dir=tmp_path / "geocode", **extra)


class FakeClock:
    """Seconds that pass only when something sleeps (or the test moves them on)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def geocoder(
    settings: GeocoderSettings, replies: list[object]
) -> tuple[Geocoder, list[requests.PreparedRequest], FakeClock]:
    session, adapter = fake_session(cast(list[Reply], replies))
    clock = FakeClock()
    made = Geocoder(
        settings, session=session, clock=clock, sleep=clock.sleep, throttle=Throttle(settings.min_interval_s)
    )
    return made, adapter.requests, clock


def params(request: requests.PreparedRequest) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}


# --- settings ---------------------------------------------------------------------------------------------------


def test_the_geocoder_is_off_by_default_and_refuses_to_run_off() -> None:
    off = GeocoderSettings()
    assert off.kind == "off"
    with pytest.raises(DataError, match="off"):
        Geocoder(off)
    assert GeocoderSettings.model_validate({"kind": False}).kind == "off", "YAML reads an unquoted off as false"


@pytest.mark.parametrize("agent", [None, "", "python-requests/2.32", "Mozilla/5.0 (X11; Linux)"])
def test_a_geocoder_that_is_on_needs_the_applications_own_user_agent(agent: str | None) -> None:
    with pytest.raises(ValidationError, match="user_agent"):
        GeocoderSettings(kind="nominatim", user_agent=agent)


def test_the_public_nominatim_server_takes_at_most_one_request_a_second() -> None:
    with pytest.raises(ValidationError, match="min_interval_s"):
        GeocoderSettings(kind="nominatim", user_agent=AGENT, min_interval_s=0.5)
    own = GeocoderSettings(kind="nominatim", user_agent=AGENT, url="https://geo.example.org/search", min_interval_s=0)
    assert own.endpoint == "https://geo.example.org/search"
    with pytest.raises(ValidationError, match="bounds"):
        GeocoderSettings(bounds=(-118.1, 33.9, -118.4, 34.1))


def test_each_kind_has_its_endpoint_and_attribution() -> None:
    arc = GeocoderSettings(kind="arcgis", user_agent=AGENT)
    assert "findAddressCandidates" in arc.endpoint
    assert arc.credit == ATTRIBUTIONS["arcgis"]
    assert "OpenStreetMap" in GeocoderSettings(kind="nominatim", user_agent=AGENT).credit
    assert GeocoderSettings(kind="nominatim", user_agent=AGENT, attribution="Ours").credit == "Ours"


# --- Nominatim --------------------------------------------------------------------------------------------------


def test_nominatim_results_are_read_within_bounds_with_the_attribution(tmp_path: Path) -> None:
    settings = nominatim(tmp_path)
    answer = fixture("nominatim_jsonv2_harvard_park.json")
    made, sent, _ = geocoder(settings, [answer])
    found = made.search("Harvard Park", lang="es")
    inside = [r for r in answer if float(r["lon"]) < settings.bounds[2]]
    assert len(inside) < len(answer), "the fixture holds a place outside South LA"
    assert [(f.lat, f.lon) for f in found] == [(float(r["lat"]), float(r["lon"])) for r in inside]
    assert all(f.kind == "geocoded" and f.source == settings.credit for f in found)
    assert found[0].label == ", ".join(inside[0]["display_name"].split(", ")[:4])
    (request,) = sent
    asked = params(request)
    assert asked["q"] == "Harvard Park"
    assert asked["format"] == "jsonv2"
    assert asked["bounded"] == "1"
    assert asked["accept-language"] == "es"
    west, south, east, north = settings.bounds
    assert [float(v) for v in asked["viewbox"].split(",")] == [west, north, east, south]
    assert request.headers["User-Agent"] == AGENT


def test_an_answer_asked_again_comes_from_the_disk_cache_without_a_request(tmp_path: Path) -> None:
    settings = nominatim(tmp_path)
    first, sent, _ = geocoder(settings, [fixture("nominatim_jsonv2_address.json")])
    found = first.search("1535 W 62nd St")
    assert len(sent) == 1
    assert list((tmp_path / "geocode").glob("nominatim-*.json")), "the answer is kept on disk"
    again, sent_again, _ = geocoder(settings, [])  # a new process: no answer scripted, any request fails the test
    assert again.search("1535 west 62nd STREET") == found, "case, punctuation and abbreviations do not matter"
    assert sent_again == []
    assert query_key("1535 W. 62nd St") == query_key("1535 West 62nd Street")


def test_the_pace_is_one_request_per_interval_without_sleeping_in_the_test(tmp_path: Path) -> None:
    settings = nominatim(tmp_path)
    answer = fixture("nominatim_jsonv2_address.json")
    made, sent, clock = geocoder(settings, [answer, answer, answer])
    made.search("1535 W 62nd St")
    clock.now += 0.25
    made.search("1537 W 62nd St")
    assert clock.slept == [pytest.approx(0.75)], "the second request waited out the rest of the second"
    clock.now += 5
    made.search("1539 W 62nd St")
    assert len(clock.slept) == 1, "a request after the interval does not wait"
    assert len(sent) == 3
    made.search("1535 W 62nd St")
    assert len(sent) == 3, "a cached answer takes no turn"


def test_geocoders_of_one_host_share_one_pace() -> None:
    a = shared_throttle(GeocoderSettings(kind="nominatim", user_agent=AGENT))
    b = shared_throttle(GeocoderSettings(kind="nominatim", user_agent="another-app/2 (x@example.org)"))
    assert a is b
    assert shared_throttle(GeocoderSettings(kind="arcgis", user_agent=AGENT)) is not a


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (requests.Timeout("read timed out"), "did not answer within"),
        (requests.ConnectionError("no route"), "cannot reach"),
        ((503, (FIXTURES / "nominatim_error_page.html").read_text(encoding="utf-8"), {}), "HTTP 503"),
        ((429, "Too Many Requests", {}), "too many requests"),
        ((200, (FIXTURES / "nominatim_error_page.html").read_text(encoding="utf-8"), {}), "not JSON"),
        (b'[{"place_id": 297447163, "lat": "33.98387', "not JSON"),
        ({"places": []}, "not a list"),
        ([{"place_id": 1, "display_name": "Harvard Park"}], "without coordinates"),
        ({"error": "Bad Request"}, "refused"),
    ],
)
def test_a_failure_is_one_clear_error_and_the_cache_is_not_poisoned(tmp_path: Path, reply: object, said: str) -> None:
    settings = nominatim(tmp_path)
    made, sent, clock = geocoder(settings, [reply, fixture("nominatim_jsonv2_address.json")])
    with pytest.raises(SourceError, match=said):
        made.search("1535 W 62nd St")
    assert not list((tmp_path / "geocode").glob("*.json")), "nothing is cached from a failure"
    clock.now += 2
    found = made.search("1535 W 62nd St")
    assert len(sent) == 2, "the next search asks again"
    assert [f.kind for f in found] == ["geocoded"]


def test_an_unreadable_cache_file_is_asked_again_and_rewritten(tmp_path: Path) -> None:
    settings = nominatim(tmp_path)
    answer = fixture("nominatim_jsonv2_address.json")
    made, _, _ = geocoder(settings, [answer])
    made.search("1535 W 62nd St")
    (cached,) = (tmp_path / "geocode").glob("*.json")
    cached.write_text('{"results": [{"label": "x"', encoding="utf-8")
    again, sent, _ = geocoder(settings, [answer])
    assert again.search("1535 W 62nd St")[0].lat == float(answer[0]["lat"])
    assert len(sent) == 1
    assert json.loads(cached.read_text(encoding="utf-8"))["results"], "rewritten whole"


def test_queries_are_checked_before_anything_is_asked(tmp_path: Path) -> None:
    made, sent, _ = geocoder(nominatim(tmp_path), [])
    assert made.search("   ") == []
    with pytest.raises(DataError, match="at most 200"):
        made.search("x" * 201)
    assert sent == []


# --- ArcGIS -----------------------------------------------------------------------------------------------------


def test_arcgis_candidates_best_score_first_kept_in_memory_never_on_disk(tmp_path: Path) -> None:
    settings = GeocoderSettings(kind="arcgis", user_agent=AGENT, cache_dir=tmp_path / "geocode", token="t0k3n")
    answer = fixture("arcgis_find_address_candidates.json")
    made, sent, _ = geocoder(settings, [answer])
    found = made.search("1535 W 62nd St")
    best = max(answer["candidates"], key=lambda c: c["score"])
    assert (found[0].label, found[0].lat, found[0].lon) == (
        best["address"],
        best["location"]["y"],
        best["location"]["x"],
    )
    by_score = sorted(answer["candidates"], key=lambda c: -c["score"])
    assert [f.label for f in found] == [c["address"] for c in by_score]
    assert all(f.source == ATTRIBUTIONS["arcgis"] for f in found)
    asked = params(sent[0])
    assert asked["SingleLine"] == "1535 W 62nd St"
    assert asked["outSR"] == "4326"
    assert asked["forStorage"] == "false"
    assert asked["token"] == "t0k3n"
    west, south, east, north = settings.bounds
    assert [float(v) for v in asked["searchExtent"].split(",")] == [west, south, east, north]
    assert made.search("1535 W 62nd St") == found
    assert len(sent) == 1, "asked again in the same process: from memory"
    assert not (tmp_path / "geocode").exists() or not list((tmp_path / "geocode").iterdir()), "never stored on disk"


def test_an_arcgis_error_object_is_a_clear_error(tmp_path: Path) -> None:
    settings = GeocoderSettings(kind="arcgis", user_agent=AGENT, cache_dir=tmp_path / "geocode")
    made, _, _ = geocoder(settings, [fixture("arcgis_error_invalid_token.json")])
    with pytest.raises(SourceError, match="498 Invalid Token"):
        made.search("1535 W 62nd St")
    made, _, _ = geocoder(settings, [{"spatialReference": {"wkid": 2229}, "candidates": []}])
    with pytest.raises(SourceError, match="EPSG:4326"):
        made.search("1535 W 62nd St")
