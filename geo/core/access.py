"""Who may see what: a signed-in person's role from the settings' ``auth.roles``, and what each role may do.

One owner for the rule every page and export asks: :class:`Access` says whether this person may see the internal
view (exact points, case numbers), make internal exports, change the team's workspace and run ingests. Pages draw
the controls for what the access allows and leave the others out; they never decide it themselves.

Roles come from the provider's claims (``email``, ``email_verified`` and the group claim), matched against the
settings: an exact address, a whole domain (``@lacity.org``; a subdomain or a look-alike domain does not match) or
a group (``group:csp-analysts``, exactly as the provider names it). An address gives a role only when the
provider says it is verified (``email_verified``), unless ``auth.require_verified_email`` is false.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from geo.core.settings_sections import ROLE_NAMES, AuthSettings

Role = Literal["public", "staff", "admin"]
Problem = Literal["no_role", "expired", "not_configured"]
"""Why a signed-in or signing-in person sees the public view (a catalog key ``auth.<problem>`` says it)."""


@dataclass(frozen=True)
class Access:
    """What this person may do: their role, who they are (for the audit record) and, for a person who sees the
    public view though they tried to sign in, why."""

    role: Role
    who: str
    mode: Literal["off", "required"]
    signed_in: bool = False
    problem: Problem | None = None
    until: dt.datetime | None = None
    """When the sign-in ends (``auth.session_hours`` after it began); None: no sign-in to end."""

    def lasts(self, now: dt.datetime) -> bool:
        """Whether what this access allows is still allowed at ``now`` (a download pressed later, on a page
        drawn before the sign-in ended, is not)."""
        return self.until is None or now < self.until

    @property
    def internal(self) -> bool:
        """May see the internal view (after its confirmation) and make internal exports."""
        return self.role in ("staff", "admin")

    @property
    def admin(self) -> bool:
        """May change the team's workspace, run ingests and read the audit record."""
        return self.role == "admin"


def operator() -> Access:
    """The access of ``auth.mode: off`` and of the command line: whoever runs it has the files."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        user = "unknown"
    return Access("admin", f"operator:{user}", "off")


def _groups(claims: Mapping[str, object], claim: str) -> set[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        return {value.strip()}
    if isinstance(value, list | tuple):
        return {str(v).strip() for v in value}
    return set()


def _email(claims: Mapping[str, object], auth: AuthSettings) -> str | None:
    """The person's address when it may give a role: one ``@``, plain ASCII (a look-alike letter such as the
    Kelvin sign would lower-case into another address), and verified by the provider unless the settings say
    the provider's addresses are all the city's own (``auth.require_verified_email: false``)."""
    email = claims.get("email")
    if not isinstance(email, str) or email.count("@") != 1 or not email.isascii():
        return None
    if auth.require_verified_email and str(claims.get("email_verified")).lower() != "true":
        return None  # missing, false, "no": the address may be one the person typed, not one they own
    return email.strip().lower()


def _matches(entry: str, email: str | None, groups: set[str]) -> bool:
    entry = entry.strip()
    if entry.startswith("group:"):
        return entry.removeprefix("group:") in groups  # group names and ids exactly as the provider sends them
    if email is None:
        return False
    if entry.startswith("@"):
        return email.rsplit("@", 1)[1] == entry[1:].lower()
    return email == entry.lower()


def role_of(claims: Mapping[str, object], auth: AuthSettings) -> Role | None:
    """The strongest role ``auth.roles`` gives the person these claims describe; None when it gives none."""
    email = _email(claims, auth)
    groups = _groups(claims, auth.group_claim)
    found: Role | None = None
    for role in ROLE_NAMES[1:]:  # staff, then admin: the later (stronger) one wins
        if any(_matches(entry, email, groups) for entry in auth.roles.get(role, ())):  # type: ignore[call-overload]
            found = role  # type: ignore[assignment]
    return found


def signed_in_at(claims: Mapping[str, object]) -> dt.datetime | None:
    """When the provider issued the sign-in (the ID token's ``iat``), UTC; None when it does not say."""
    value = claims.get("iat")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return None


def expired(claims: Mapping[str, object], auth: AuthSettings, *, now: dt.datetime) -> bool:
    """Whether the sign-in is older than ``auth.session_hours`` (or says nothing of when it began)."""
    began = signed_in_at(claims)
    return (
        began is None or now - began >= dt.timedelta(hours=auth.session_hours) or began - now > dt.timedelta(minutes=5)
    )


def who(claims: Mapping[str, object]) -> str:
    """The name the audit record keeps for a signed-in person: the e-mail address, else the provider's subject."""
    email = claims.get("email")
    if isinstance(email, str) and email.strip():
        return email.strip()
    return f"sub:{claims.get('sub', '?')}"


def access_of(claims: Mapping[str, object] | None, auth: AuthSettings, *, now: dt.datetime) -> Access:
    """The access of a visitor: ``claims`` of the signed-in person (None: anonymous) under ``auth``."""
    if auth.mode == "off":
        return operator()
    if claims is None:
        return Access("public", "anonymous", mode="required")
    name = who(claims)
    if expired(claims, auth, now=now):
        return Access("public", name, signed_in=True, problem="expired", mode="required")
    role = role_of(claims, auth)
    if role is None:
        return Access("public", name, signed_in=True, problem="no_role", mode="required")
    began = signed_in_at(claims)
    until = None if began is None else began + dt.timedelta(hours=auth.session_hours)
    return Access(role, name, signed_in=True, mode="required", until=until)
