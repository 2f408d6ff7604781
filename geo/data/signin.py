"""Before a sign-in leaves the dashboard: can the identity provider be reached, and does it accept this client?

Streamlit's sign-in (``st.login``) sends the browser to the provider; when the provider is down or rejects the
client's secret, the person lands on a bare error page or back on the dashboard with no word why. The sign-in
button asks first, with the settings' timeout:

- the provider's discovery document (``server_metadata_url``) must answer with a token endpoint;
- a token request with a made-up authorization code and the client's own id and secret must be refused as
  ``invalid_grant`` (the provider knows the client; only the code is wrong), not ``invalid_client`` or 401
  (RFC 6749 section 5.2: the client's id or secret is wrong).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Literal

import requests

Problem = Literal["unreachable", "client", "not_configured"]
AUTH_KEYS = ("client_id", "client_secret", "server_metadata_url")


def provider_section(auth: Mapping[str, Any] | None, provider: str | None) -> dict[str, Any] | None:
    """The settings of ``provider`` in the secrets' ``[auth]`` section (its own keys with the shared
    ``redirect_uri``), or None when they are missing."""
    if not auth:
        return None
    own = auth.get(provider) if provider else auth
    if not isinstance(own, Mapping) or any(not own.get(k) for k in AUTH_KEYS) or not auth.get("redirect_uri"):
        return None
    return {**dict(own), "redirect_uri": auth["redirect_uri"]}


def provider_problem(section: Mapping[str, Any] | None, *, timeout_s: float) -> Problem | None:
    """What stops a sign-in with ``section`` (see :func:`provider_section`): None when nothing does."""
    if section is None:
        return "not_configured"
    try:
        found = requests.get(str(section["server_metadata_url"]), timeout=timeout_s)
        found.raise_for_status()
        endpoint = found.json()["token_endpoint"]
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return "unreachable"
    form = {
        "grant_type": "authorization_code",
        "code": secrets.token_urlsafe(16),
        "redirect_uri": section["redirect_uri"],
    }
    try:
        answer = requests.post(
            str(endpoint),
            data=form,
            auth=(str(section["client_id"]), str(section["client_secret"])),
            timeout=timeout_s,
        )
    except requests.RequestException:
        return "unreachable"
    try:
        error = answer.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if answer.status_code == 401 or error in ("invalid_client", "unauthorized_client"):
        return "client"
    if answer.status_code >= 500:
        return "unreachable"
    return None
