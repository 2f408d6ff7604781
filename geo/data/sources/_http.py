"""The one HTTP layer for live sources: a requests Session, timeouts, retries with backoff.

Retries (``sources.http.retries``) cover timeouts, connection errors, HTTP 429 and 5xx and bodies
that are not valid JSON (a connection cut mid-body); the wait is ``backoff_s * 2**attempt`` seconds,
or the server's ``Retry-After`` when it gives one in seconds. Other 4xx fail at once. Every failure
becomes :class:`geo.core.errors.SourceError` with one clear line. Tests inject ``session`` (a Session with a
fake adapter mounted) and ``sleep`` so nothing touches the network or waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from geo.core.errors import SourceError
from geo.core.settings import HttpSettings

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 300.0
"""Longest ``Retry-After`` honoured (seconds); longer asks are capped."""

Sleep = Callable[[float], None]
Progress = Callable[[str], None]


def make_session(http: HttpSettings, *, app_token: str | None = None) -> requests.Session:
    """A Session with the project's User-Agent and, when given, the Socrata ``X-App-Token`` header."""
    session = requests.Session()
    session.headers["User-Agent"] = http.user_agent
    session.headers["Accept"] = "application/json"
    if app_token:
        session.headers["X-App-Token"] = app_token
    return session


@dataclass
class Client:
    """GET JSON with timeouts and retries; ``session`` and ``sleep`` are injectable."""

    http: HttpSettings
    session: requests.Session = field(default_factory=requests.Session)
    sleep: Sleep = time.sleep
    headers: Mapping[str, str] = field(default_factory=dict)

    def _wait(self, attempt: int, resp: requests.Response | None) -> float:
        if resp is not None:
            after = resp.headers.get("Retry-After", "")
            try:
                return min(max(float(after), 0.0), MAX_RETRY_AFTER_S)
            except ValueError:
                pass
        return float(self.http.backoff_s * (2**attempt))

    def get_json(self, url: str, *, params: Mapping[str, Any] | None = None, what: str = "") -> Any:
        """GET ``url`` and decode JSON, retrying transient failures.

        Raises
        ------
        SourceError
            After the last retry, or at once for a 4xx other than 429; the message names ``what``/URL.
        """
        label = what or url
        last = ""
        attempts = self.http.retries + 1
        for attempt in range(attempts):
            resp: requests.Response | None = None
            try:
                resp = self.session.get(url, params=params, timeout=self.http.timeout_s, headers=dict(self.headers))
            except requests.Timeout:
                last = f"no answer within {self.http.timeout_s:g} s"
            except requests.ConnectionError as exc:
                last = f"cannot connect ({type(exc).__name__}); are you offline?"
            except requests.RequestException as exc:
                msg = f"{label}: request failed: {exc}"
                raise SourceError(msg) from exc
            else:
                if resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                elif resp.status_code >= 400:
                    snippet = resp.text[:200].replace("\n", " ")
                    msg = f"{label}: HTTP {resp.status_code}: {snippet}"
                    raise SourceError(msg)
                else:
                    try:
                        return resp.json()
                    except ValueError:
                        last = f"the answer is not valid JSON (truncated? {len(resp.content)} bytes)"
            if attempt + 1 < attempts:
                self.sleep(self._wait(attempt, resp))
        msg = f"{label}: {last} after {attempts} attempt(s)"
        raise SourceError(msg)
