"""A fake HTTP transport for requests: scripted replies, every request recorded (no network)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests
from requests.adapters import BaseAdapter

Reply = int | bytes | str | dict[str, Any] | list[Any] | Exception | tuple[int, Any, dict[str, str]]


class FakeAdapter(BaseAdapter):
    """A requests transport that answers from a script and records every request.

    Each reply is an exception to raise (e.g. ``requests.Timeout``), a JSON-able object (status 200),
    raw ``bytes``/``str`` (status 200, for truncated bodies) or ``(status, body, headers)``.
    A callable ``route(request) -> reply`` may be given instead of a list.
    """

    def __init__(self, replies: list[Reply] | Callable[[requests.PreparedRequest], Reply]) -> None:
        super().__init__()
        self.replies = replies
        self.requests: list[requests.PreparedRequest] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.requests.append(request)
        if callable(self.replies):
            reply = self.replies(request)
        else:
            if not self.replies:
                raise AssertionError(f"unexpected request {request.url}")
            reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        status, body, headers = 200, reply, {}
        if isinstance(reply, tuple):
            status, body, headers = reply
        resp = requests.Response()
        resp.status_code = status
        resp.headers.update(headers)
        if isinstance(body, bytes):
            resp._content = body
        elif isinstance(body, str):
            resp._content = body.encode()
        else:
            resp._content = json.dumps(body).encode()
        resp.url = request.url or ""
        resp.request = request
        return resp

    def close(self) -> None:
        pass


def fake_session(
    replies: list[Reply] | Callable[[requests.PreparedRequest], Reply],
) -> tuple[requests.Session, FakeAdapter]:
    """A Session whose every request goes to a :class:`FakeAdapter`."""
    session = requests.Session()
    adapter = FakeAdapter(replies)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter
