"""A real OpenID Connect provider (``oidc-provider-mock``) and dashboards that sign in through it, for the tests.

The provider runs in this process on a free local port and requires clients to register, so a wrong client
secret is refused as a real provider refuses it. Each dashboard is ``streamlit run app.py`` with its own
``secrets.toml`` (``[auth]`` naming the provider) and the settings ``auth.mode: required`` with roles:
addresses at ``@lacity.example`` are staff, the group ``csp-admins`` is admin, anyone else has no role.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import requests

from tests.conftest import OfflinePage, _need_browser, streamlit_app
from tests.pg_server import free_port

ROOT = Path(__file__).resolve().parents[1]
LAYER = "cases"
CASE_PREFIX = "CASE-7Q"
"""Case numbers of the test layer: distinctive, so a page that shows one is found by a text search."""
STAFF = "ana@lacity.example"
ADMIN = "bo@partner.example"
NOBODY = "carl@elsewhere.example"
ROLES = '{staff: ["@lacity.example"], admin: ["group:csp-admins"]}'


@contextlib.contextmanager
def provider() -> Iterator[str]:
    """An OpenID Connect provider on a free local port (its base URL), with the three people above."""
    try:
        from oidc_provider_mock import User, run_server_in_thread
    except ImportError:
        _need_browser("oidc-provider-mock is not installed (pip install -r requirements-dev.txt)")
    people = [
        User(sub=STAFF, claims={"email": STAFF, "email_verified": True}),
        User(sub=ADMIN, claims={"email": ADMIN, "email_verified": True, "groups": ["csp-admins"]}),
        User(sub=NOBODY, claims={"email": NOBODY, "email_verified": True}),
    ]
    with run_server_in_thread(port=free_port(), require_client_registration=True, user_claims=people) as server:
        yield f"http://localhost:{server.server_port}"


def register(issuer: str, redirect_uri: str) -> tuple[str, str]:
    """Register a client with the provider; its id and secret."""
    answer = requests.post(f"{issuer}/oauth2/clients", json={"redirect_uris": [redirect_uri]}, timeout=10)
    answer.raise_for_status()
    body = answer.json()
    return str(body["client_id"]), str(body["client_secret"])


def case_layer(store: Path | str) -> list[str]:
    """Write the demo incidents as a real-shaped layer (not marked synthetic, case numbers ``CASE-7Q...``) into
    ``store`` (a folder or a PostGIS URL) and make it the team's workspace; the case numbers."""
    from geo.data.datasets import load_incidents
    from geo.data.stores import open_store

    frame = load_incidents(ROOT / "data" / "demo" / "incidents.parquet")
    frame["incident_id"] = [f"{CASE_PREFIX}{i:05d}" for i in range(len(frame))]
    frame["incident_id"] = frame["incident_id"].astype("string")
    frame["synthetic"] = False
    frame["source"] = "lapd"
    empty = pd.DataFrame({"source_row": pd.Series([], dtype="int64"), "reason": pd.Series([], dtype=str)})
    report = {"layer": LAYER, "kind": "lapd_csv", "source": "LAPD test extract", "synthetic": False,
              "rows_in": len(frame), "rows_kept": len(frame), "dropped": {}, "table": "incidents"}  # fmt: skip
    open_store(store).write(LAYER, frame, empty, report)
    return frame["incident_id"].tolist()


def use_layer(store_dir: Path, incidents: str = LAYER) -> None:
    """Make ``incidents`` the team's default incident layer (the workspace file of ``store_dir``)."""
    from geo.data.workspace import Workspace, write_workspace

    write_workspace(Workspace(incidents), store_dir / "workspace.json")


@contextlib.contextmanager
def signin_app(
    name: str,
    issuer: str,
    folder: Path,
    *,
    store_dir: Path,
    env: dict[str, str] | None = None,
    secret: str | None = None,
    metadata_url: str | None = None,
) -> Iterator[str]:
    """The dashboard with sign-in required through ``issuer`` (``secret``: a wrong client secret instead of the
    registered one; ``metadata_url``: another discovery address), its store folder ``store_dir``."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    client_id, client_secret = register(issuer, f"{base}/oauth2callback")
    auth = {
        "redirect_uri": f"{base}/oauth2callback",
        "cookie_secret": secrets.token_hex(16),
        "client_id": client_id,
        "client_secret": secret or client_secret,
        "server_metadata_url": metadata_url or f"{issuer}/.well-known/openid-configuration",
    }
    path = folder / f"secrets-{name}.toml"
    path.write_text("[auth]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in auth.items()), encoding="utf-8")
    settings = {
        "SAFETYMAP__AUTH__MODE": "required",
        "SAFETYMAP__AUTH__ROLES": ROLES,
        "SAFETYMAP__SOURCES__STORE_DIR": str(store_dir),
        **(env or {}),
    }
    with streamlit_app(f"signin-{name}", settings, args=("--secrets.files", str(path)), port=port) as url:
        yield url


def sign_in(page: OfflinePage, base: str, who: str) -> None:
    """Sign in as ``who`` through the provider's form, and wait for the dashboard to come back."""
    page.page.goto(f"{base}/?lang=en")
    page.page.get_by_role("button", name="Sign in").click()
    page.page.wait_for_url(re.compile(r"/oauth2/authorize"), timeout=60_000)
    page.page.locator("input[name=sub]").fill(who)
    page.page.get_by_role("button", name="Authorize").click()
    page.page.wait_for_url(re.compile(re.escape(base) + r"/?(\?.*)?$"), timeout=60_000)
    page.page.get_by_text("Signed in as").first.wait_for(timeout=60_000)


def everything_shown(page: OfflinePage) -> str:
    """The HTML of the page and of every frame in it (the maps' data are in their frames)."""
    parts = []
    for frame in page.page.frames:
        with contextlib.suppress(Exception):  # a frame being replaced by a rerun
            parts.append(frame.content())
    return "\n".join(parts)


def audit_rows(store: Any) -> list[dict[str, str]]:
    """The audit record of ``store`` (a folder or a PostGIS URL)."""
    from geo.data.stores import open_store

    return open_store(store).audit()
