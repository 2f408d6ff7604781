"""Sign-in, roles and the record of internal use on the dashboard.

The rule (who may do what) is :mod:`geo.core.access`'s; this module finds the person (``st.user``, signed in
through Streamlit's own OpenID Connect support, ``st.login``), draws the sign-in panel in the sidebar, and
writes the audit record (:mod:`geo.data.audit`) when someone uses what their role allows. Pages ask
:func:`session_access` and leave out what it does not allow: absent, not disabled.

A use the record cannot keep (the store is down) is refused: the page says so and shows the public view.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from geo.core.access import Access, access_of
from geo.core.errors import SafetyMapError
from geo.core.filters import Filters
from geo.core.i18n import t
from geo.core.settings import Settings
from geo.core.text import echo
from geo.data import audit
from geo.data.signin import provider_problem, provider_section
from ui import data
from ui.source import session_workspace

ACCESS = "_access"
SIGNIN_PROBLEM = "_signin_problem"
RECORDED = "_recorded_uses"
_LOG = logging.getLogger(__name__)


def secrets_auth() -> Mapping[str, Any] | None:
    """The ``[auth]`` section of ``.streamlit/secrets.toml`` (None when there is none, or no secrets file)."""
    try:
        section = st.secrets.get("auth")
    except (FileNotFoundError, KeyError, ValueError):  # no secrets file, or one that does not parse
        return None
    return section if isinstance(section, Mapping) else None


def _claims() -> dict[str, object] | None:
    try:
        if not st.user.is_logged_in:
            return None
        return dict(st.user.to_dict())
    except (KeyError, AttributeError):
        return None


def current_access(settings: Settings) -> Access:
    """This visitor's access under ``settings.auth`` (kept for the pages of this run)."""
    auth = settings.auth
    access = access_of(_claims() if auth.mode == "required" else None, auth, now=dt.datetime.now(dt.UTC))
    if auth.mode == "required" and not access.signed_in and provider_section(secrets_auth(), auth.provider) is None:
        access = Access("public", access.who, problem="not_configured", mode="required")
    st.session_state[ACCESS] = access
    return access


def session_access(settings: Settings | None = None) -> Access:
    """The access :func:`current_access` found on this run (found again when it has not run)."""
    found = st.session_state.get(ACCESS)
    if isinstance(found, Access):
        return found
    from geo.core.settings import get_settings

    return current_access(settings or get_settings())


def account_panel(access: Access, settings: Settings, lang: str) -> None:
    """The sidebar's sign-in panel: who is signed in and with which role, or the sign-in button (absent when
    ``auth.mode`` is ``off``); why a signed-in person sees the public view; why a sign-in could not start."""
    if access.mode == "off":
        return
    box = st.sidebar.container(key="account")
    if access.problem is not None:
        box.warning(t(f"auth.{access.problem}", lang, who=echo(access.who, markup="markdown")))
    if access.signed_in:
        if access.problem is None:
            role = t(f"auth.role.{access.role}", lang)
            box.caption(t("auth.signed_in", lang, who=echo(access.who, markup="markdown"), role=role))
        if access.problem == "expired" and box.button(t("auth.sign_in_again", lang), key="account_again"):
            _sign_in(settings)
        if box.button(t("auth.sign_out", lang), key="account_out"):
            st.session_state.pop(RECORDED, None)
            st.logout()
    elif access.problem != "not_configured":
        box.caption(t("auth.public_only", lang))
        if box.button(t("auth.sign_in", lang), key="account_in", type="primary"):
            _sign_in(settings)
    problem = st.session_state.get(SIGNIN_PROBLEM)
    if problem:
        box.error(t(f"auth.provider_{problem}", lang))


def _sign_in(settings: Settings) -> None:
    """Send the browser to the provider, once it answers and accepts this client (else say why, and stay)."""
    section = provider_section(secrets_auth(), settings.auth.provider)
    problem = provider_problem(section, timeout_s=settings.auth.check_timeout_s)
    st.session_state[SIGNIN_PROBLEM] = problem
    if problem is None:
        st.login(settings.auth.provider) if settings.auth.provider else st.login()
    else:
        st.rerun()


def _synthetic(settings: Settings) -> bool:
    meta = data.layer_meta(settings.sources.incidents, session_workspace(settings).incidents)
    return bool(meta.get("synthetic"))


def _layers(settings: Settings) -> list[str]:
    ws = session_workspace(settings)
    return [ws.incidents, *ws.places]


def use_entry(
    settings: Settings, action: audit.Action, what: str, *, filters: Filters | None = None
) -> audit.AuditEntry | None:
    """The audit entry of this person doing ``action`` now (None for the internal view or an internal export of
    synthetic incidents: there is nobody to protect). Made in the page's run, where the session is known."""
    if action in ("internal_view", "internal_export") and _synthetic(settings):
        return None
    query = urlencode(filters.to_query()) if filters is not None else ""
    return audit.entry(session_access(settings), action, what, data=_layers(settings), filters=query)


def keep(settings: Settings, item: audit.AuditEntry | None) -> bool:
    """Append ``item`` to the audit record; False when the record cannot keep it (the use must not happen)."""
    if item is None:
        return True
    try:
        audit.record(settings, item)
    except (SafetyMapError, OSError) as exc:
        _LOG.warning("the audit record could not keep %s by %s: %s", item.action, item.who, exc)
        return False
    return True


def record_use(settings: Settings, action: audit.Action, what: str, *, filters: Filters | None = None) -> bool:
    """Add this person's use to the audit record now; False when the record cannot keep it."""
    return keep(settings, use_entry(settings, action, what, filters=filters))


def record_switch(settings: Settings, page: str, filters: Filters, lang: str) -> bool:
    """Record what the internal view of ``page`` shows: once per data and filters (a new place, period or
    victim filter is a new row; a rerun of the same view is not); False, with a message, when the record cannot
    keep it (the page then stays public)."""
    seen: dict[str, tuple[object, ...]] = st.session_state.setdefault(RECORDED, {})
    shown = (tuple(_layers(settings)), tuple(sorted(filters.to_query().items())))
    if seen.get(page) == shown:
        return True
    if not record_use(settings, "internal_view", page, filters=filters):
        st.error(t("auth.audit_failed", lang))
        return False
    seen[page] = shown
    return True


def forget_switch(page: str) -> None:
    """The page shows the public view again: the next switch to internal is recorded."""
    st.session_state.get(RECORDED, {}).pop(page, None)


def recorded_export(
    settings: Settings, make: Callable[[], bytes | str], *, what: str, filters: Filters | None
) -> Callable[[], bytes | str]:
    """``make`` for a download button of an internal export: it first adds the export to the audit record
    and refuses (raises) when the record cannot keep it."""

    access = session_access(settings)  # the session is known in the page's run, not when the button is pressed
    who = use_entry(settings, "internal_export", what, filters=filters)

    def run() -> bytes | str:  # run when the button is pressed, outside the page's run: stamped with that time
        now = dt.datetime.now(dt.UTC)
        if not access.lasts(now):
            msg = "the sign-in has ended since the page was drawn; sign in again for an internal export"
            raise SafetyMapError(msg)
        if who is not None and not keep(settings, dataclasses.replace(who, at=now)):
            msg = "the audit record cannot keep this internal export; nothing was made"
            raise SafetyMapError(msg)
        return make()

    return run


def download_data(
    settings: Settings, make: Callable[[], bytes | str], *, public: bool, what: str, filters: Filters | None
) -> Callable[[], bytes | str]:
    """A download button's data: ``make`` itself for a public file, :func:`recorded_export` of it otherwise."""
    return make if public else recorded_export(settings, make, what=what, filters=filters)
