"""The online geocoder behind search (``search.geocoder``): Nominatim or an ArcGIS GeocodeServer, within their terms.

Off unless configured. When on, each search is one GET, asked for by a person (never search-as-you-type, which
Nominatim's usage policy forbids), and:

- **at most one request per** ``min_interval_s`` for the whole server process (one :class:`Throttle` per endpoint,
  shared by every session; a request waits for its turn);
- sent with the application's own ``user_agent`` (Nominatim refuses library defaults) and limited to ``bounds``
  (Nominatim ``viewbox`` + ``bounded=1``, ArcGIS ``searchExtent``); a result outside them is left out;
- **cached**: Nominatim answers on disk in ``cache_dir``, one JSON file per normalised query (case, punctuation and
  the usual street abbreviations ignored: ``1535 West 62nd Street`` and ``1535 w 62nd st`` are one query) with the
  endpoint, language and bounds, so a query asked again makes no request; ArcGIS answers may not be stored (Esri's
  terms, unless a paid ``forStorage`` request), so they are kept in memory for the running process only;
- a timeout, a refused or failed request, an error page or an answer that is not the service's JSON becomes one
  :class:`~geo.core.errors.SourceError` line, and nothing is cached, so a later search asks again.

Results are :class:`geo.data.search.Found` of kind ``geocoded`` with the geocoder's attribution as ``source``
(degrees, EPSG:4326). Tests inject ``session`` (a fake transport), ``clock`` and ``sleep``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import requests

from geo.core.errors import DataError, SourceError
from geo.core.settings_sections import GeocoderSettings
from geo.core.store import write_text_atomic
from geo.data.search import Found, check_query
from geo.data.streetnames import split_intersection, street_words

Clock = Callable[[], float]
Sleep = Callable[[float], None]
CACHE_VERSION = 1
MEMORY_ENTRIES = 256
"""Answers kept in memory per geocoder (the most recent)."""
LABEL_PARTS = 4
"""A Nominatim ``display_name`` is shown to its first parts (place, street, neighbourhood, city)."""


@dataclass
class Throttle:
    """At most one request per ``min_interval_s`` seconds, for every caller that shares this object."""

    min_interval_s: float
    last: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def turn(self, clock: Clock, sleep: Sleep) -> None:
        """Wait (with ``sleep``) until a request may go, and mark that it goes now (by ``clock``, seconds)."""
        with self.lock:
            now = clock()
            if self.last is not None and now - self.last < self.min_interval_s:
                sleep(self.min_interval_s - (now - self.last))
                now = clock()
            self.last = now


_THROTTLES: dict[str, Throttle] = {}
_THROTTLES_LOCK = threading.Lock()


def shared_throttle(settings: GeocoderSettings) -> Throttle:
    """The process-wide :class:`Throttle` of the geocoder's host (one per host, whatever asks)."""
    host = urlparse(settings.endpoint).netloc.lower()
    with _THROTTLES_LOCK:
        throttle = _THROTTLES.get(host)
        if throttle is None or throttle.min_interval_s < settings.min_interval_s:
            throttle = _THROTTLES[host] = Throttle(settings.min_interval_s, throttle.last if throttle else None)
        return throttle


def query_key(query: str) -> str:
    """A query as cached: its words as :func:`geo.data.streetnames.street_words` writes them (two streets joined
    by ``&``)."""
    pair = split_intersection(query)
    if pair is not None:
        return " & ".join(" ".join(street_words(p)) for p in pair)
    return " ".join(street_words(query))


class Geocoder:
    """Search the configured geocoder (see the module docstring); one per process is enough, and shares its throttle.

    Parameters
    ----------
    settings
        ``search.geocoder`` (``kind`` must not be ``off``).
    session
        The requests Session (a fake transport in tests); a new one by default.
    clock, sleep
        Seconds now, and how to wait (tests advance a fake clock instead of sleeping).
    throttle
        The request pace (default: :func:`shared_throttle`, one per host for the whole process).
    """

    def __init__(
        self,
        settings: GeocoderSettings,
        *,
        session: requests.Session | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        throttle: Throttle | None = None,
    ) -> None:
        if settings.kind == "off":
            msg = "the online geocoder is off (search.geocoder.kind); set nominatim or arcgis with a user_agent"
            raise DataError(msg)
        self.settings = settings
        self.session = session or requests.Session()
        self.clock, self.sleep = clock, sleep
        self.throttle = throttle or shared_throttle(settings)
        self._memory: OrderedDict[str, list[Found]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def stores_answers(self) -> bool:
        """Whether answers are kept on disk (Nominatim); ArcGIS answers are kept in memory only."""
        return self.settings.kind == "nominatim"

    def search(self, query: str, *, lang: str = "en") -> list[Found]:
        """The geocoder's results for ``query`` (best first), from the cache when it was asked before.

        Raises
        ------
        DataError
            ``query`` is not text or too long (:func:`geo.data.search.check_query`).
        SourceError
            No answer in time, a refused or failed request, or an answer that is not the service's JSON.
        """
        text = check_query(query)
        key = query_key(text)
        if not key:
            return []
        name = self._cache_name(key, lang)
        with self._lock:
            if name in self._memory:
                self._memory.move_to_end(name)
                return list(self._memory[name])
        cached = self._read_cache(name)
        if cached is None:
            cached = self._ask(text, lang)
            self._write_cache(name, key, lang, cached)
        with self._lock:
            self._memory[name] = cached
            while len(self._memory) > MEMORY_ENTRIES:
                self._memory.popitem(last=False)
        return list(cached)

    # --- the request ------------------------------------------------------------------------------------------

    def _params(self, text: str, lang: str) -> dict[str, Any]:
        s = self.settings
        west, south, east, north = s.bounds
        if s.kind == "nominatim":
            return {
                "q": text, "format": "jsonv2", "limit": s.max_results, "viewbox": f"{west},{north},{east},{south}",
                "bounded": 1, "countrycodes": "us", "addressdetails": 0, "accept-language": lang,
            }  # fmt: skip
        params: dict[str, Any] = {
            "SingleLine": text, "f": "json", "outSR": 4326, "maxLocations": s.max_results,
            "searchExtent": f"{west},{south},{east},{north}", "countryCode": "USA", "langCode": lang.upper(),
            "outFields": "Match_addr,Addr_type", "forStorage": "false",
        }  # fmt: skip
        if s.token:
            params["token"] = s.token
        return params

    def _ask(self, text: str, lang: str) -> list[Found]:
        s = self.settings
        host = urlparse(s.endpoint).netloc
        headers = {"User-Agent": str(s.user_agent), "Accept": "application/json", "Accept-Language": lang}
        self.throttle.turn(self.clock, self.sleep)
        try:
            resp = self.session.get(s.endpoint, params=self._params(text, lang), headers=headers, timeout=s.timeout_s)
        except requests.Timeout as exc:
            msg = f"the geocoder ({host}) did not answer within {s.timeout_s:g} s; try again later"
            raise SourceError(msg) from exc
        except requests.RequestException as exc:
            msg = f"cannot reach the geocoder ({host}): {type(exc).__name__}; are you offline?"
            raise SourceError(msg) from exc
        if resp.status_code >= 400:
            why = {403: "refused (check search.geocoder.user_agent)", 429: "too many requests"}
            msg = f"the geocoder ({host}) answered HTTP {resp.status_code} {why.get(resp.status_code, '')}".strip()
            raise SourceError(msg)
        try:
            body = resp.json()
        except ValueError as exc:
            msg = f"the geocoder ({host}) answered with something that is not JSON (an error page?); try again later"
            raise SourceError(msg) from exc
        found = _nominatim(body, host) if s.kind == "nominatim" else _arcgis(body, host)
        return [replace(f, source=s.credit) for f in found if self._inside(f)][: s.max_results]

    def _inside(self, found: Found) -> bool:
        west, south, east, north = self.settings.bounds
        return west <= found.lon <= east and south <= found.lat <= north

    # --- the cache --------------------------------------------------------------------------------------------

    def _cache_name(self, key: str, lang: str) -> str:
        s = self.settings
        ident = json.dumps([CACHE_VERSION, s.kind, s.endpoint, list(s.bounds), s.max_results, lang, key])
        return f"{s.kind}-{hashlib.sha256(ident.encode('utf-8')).hexdigest()[:32]}.json"

    def _read_cache(self, name: str) -> list[Found] | None:
        if not self.stores_answers:
            return None
        path = Path(self.settings.cache_dir) / name
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            return [self._found(r["label"], r["lat"], r["lon"]) for r in doc["results"]]
        except (OSError, ValueError, KeyError, TypeError):  # absent, or unreadable: asked again and rewritten
            return None

    def _write_cache(self, name: str, key: str, lang: str, found: list[Found]) -> None:
        if not self.stores_answers:
            return
        doc = {
            "query": key, "lang": lang, "kind": self.settings.kind, "endpoint": self.settings.endpoint,
            "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "results": [{"label": f.label, "lat": f.lat, "lon": f.lon} for f in found],
        }  # fmt: skip
        with contextlib.suppress(OSError):  # a cache that cannot be written costs a later request, not this answer
            write_text_atomic(Path(self.settings.cache_dir) / name, json.dumps(doc, ensure_ascii=False) + "\n")

    def _found(self, label: object, lat: object, lon: object) -> Found:
        return Found(str(label), "geocoded", float(str(lat)), float(str(lon)), source=self.settings.credit)


def _number(value: object) -> float | None:
    try:
        number = float(str(value))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _nominatim(body: object, host: str) -> list[Found]:
    """Results of a Nominatim ``jsonv2`` answer: a list of places with ``lat``/``lon`` text and a ``display_name``."""
    if isinstance(body, dict) and "error" in body:
        msg = f"the geocoder ({host}) refused the search: {str(body['error'])[:200]}"
        raise SourceError(msg)
    if not isinstance(body, list):
        msg = f"the geocoder ({host}) answered {type(body).__name__}, not a list of places (jsonv2)"
        raise SourceError(msg)
    out = []
    for item in body:
        if not isinstance(item, dict):
            continue
        lat, lon = _number(item.get("lat")), _number(item.get("lon"))
        name = str(item.get("display_name") or item.get("name") or "").strip()
        if lat is None or lon is None or not name or abs(lat) > 90 or abs(lon) > 180:
            continue
        label = ", ".join(p.strip() for p in name.split(",")[:LABEL_PARTS])
        out.append(Found(label, "geocoded", lat, lon))
    if body and not out:
        msg = f"the geocoder ({host}) answered {len(body)} result(s) without coordinates"
        raise SourceError(msg)
    return out


def _arcgis(body: object, host: str) -> list[Found]:
    """Candidates of an ArcGIS ``findAddressCandidates`` answer (``location`` x/y in EPSG:4326), best score first."""
    if not isinstance(body, dict):
        msg = f"the geocoder ({host}) answered {type(body).__name__}, not ArcGIS JSON"
        raise SourceError(msg)
    if "error" in body:
        error = body["error"] if isinstance(body["error"], dict) else {}
        msg = f"the geocoder ({host}) refused the search: {error.get('code', '')} {str(error.get('message', ''))[:200]}"
        raise SourceError(msg.strip())
    candidates = body.get("candidates")
    wkid = (body.get("spatialReference") or {}).get("latestWkid") or (body.get("spatialReference") or {}).get("wkid")
    if not isinstance(candidates, list) or (wkid is not None and int(wkid) != 4326):
        msg = f"the geocoder ({host}) answered no candidate list in EPSG:4326 (spatial reference {wkid})"
        raise SourceError(msg)
    scored: list[tuple[float, int, Found]] = []
    for item in candidates:
        where = item.get("location") if isinstance(item, dict) else None
        if not isinstance(where, dict):
            continue
        lon, lat = _number(where.get("x")), _number(where.get("y"))
        label = str(item.get("address") or "").strip()
        if lat is None or lon is None or not label or abs(lat) > 90 or abs(lon) > 180:
            continue
        scored.append((-(_number(item.get("score")) or 0.0), len(scored), Found(label, "geocoded", lat, lon)))
    if candidates and not scored:
        msg = f"the geocoder ({host}) answered {len(candidates)} candidate(s) without coordinates"
        raise SourceError(msg)
    return [f for _, _, f in sorted(scored, key=lambda s: (s[0], s[1]))]
