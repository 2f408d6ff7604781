"""Who may see what: roles from the settings, the length of a sign-in, and the sign-in's check of the provider."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from geo.core.access import Access, access_of, expired, role_of, who
from geo.core.settings import AuthSettings, Settings
from geo.data.signin import provider_problem, provider_section
from tests.pg_server import free_port

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
AUTH = AuthSettings(
    mode="required",
    roles={"staff": ("@lacity.org", "group:csp-analysts"), "admin": ("chief@lacity.org", "group:csp-admins")},
)


def claims(email: str | None = None, *, groups: object = None, verified: object = True, age_h: float = 1) -> dict:
    out: dict[str, object] = {"sub": "s-1", "iat": (NOW - dt.timedelta(hours=age_h)).timestamp()}
    if email is not None:
        out["email"] = email
        out["email_verified"] = verified
    if groups is not None:
        out["groups"] = groups
    return out


@pytest.mark.parametrize(
    ("person", "role"),
    [
        (claims("ana@lacity.org"), "staff"),
        (claims("ANA@LaCity.org"), "staff"),  # addresses and domains match whatever their case
        (claims("chief@lacity.org"), "admin"),  # in two lists: the stronger role
        (claims("x@other.org", groups=["csp-admins"]), "admin"),
        (claims("x@other.org", groups="csp-analysts"), "staff"),  # a provider that sends one group as text
        (claims(None, groups=["csp-analysts"]), "staff"),
        (claims(None, groups=["CSP-Analysts"]), None),  # group names exactly as the provider sends them
        (claims("ana@lacity.org", verified=None), None),  # a provider that does not say: not verified
        (claims("ana@lacity.org", verified="true"), "staff"),
        (claims("ana@lacity.org", verified="no"), None),
        (claims("\u212aim@lacity.org"), None),  # the Kelvin sign lower-cases to k: no role by a look-alike address
        (claims("chief@LACITY.ORG"), "admin"),
        (claims("x@evil-lacity.org"), None),  # a look-alike domain
        (claims("x@sub.lacity.org"), None),  # a subdomain is another domain
        (claims("lacity.org@evil.org"), None),
        (claims("ana@lacity.org", verified=False), None),  # an address the provider has not verified
        (claims("ana@lacity.org", verified="false"), None),
        (claims("ana@lacity.org", verified=False, groups=["csp-analysts"]), "staff"),  # groups still count
        (claims("a@b@lacity.org"), None),
        (claims(None), None),
        (claims("x@other.org", groups=["csp-admins-old"]), None),
    ],
)
def test_roles_come_from_addresses_whole_domains_and_groups(person: dict, role: str | None) -> None:
    assert role_of(person, AUTH) == role


def test_unverified_addresses_count_only_when_the_settings_say_so() -> None:
    trusting = AUTH.model_copy(update={"require_verified_email": False})
    assert role_of(claims("ana@lacity.org", verified=None), trusting) == "staff"
    assert role_of({"email": "ana@lacity.org"}, trusting) == "staff"
    assert role_of({"email": "ana@lacity.org"}, AUTH) is None


def test_the_group_claim_is_the_configured_one() -> None:
    auth = AUTH.model_copy(update={"group_claim": "roles"})
    assert role_of({"roles": ["csp-admins"]}, auth) == "admin"
    assert role_of({"groups": ["csp-admins"]}, auth) is None


@pytest.mark.parametrize(
    "entry", ["lacity.org", "@", "@lacity", "ana@", "group:", "a@b@c.org", "@a@b.org", "ana@lacity"]
)
def test_a_role_entry_that_is_not_an_address_a_domain_or_a_group_is_refused(entry: str) -> None:
    with pytest.raises(ValidationError, match="not an e-mail address"):
        AuthSettings(roles={"staff": (entry,)})


def test_yaml_off_is_the_off_mode_and_unknown_modes_are_refused() -> None:
    assert AuthSettings.model_validate({"mode": False}).mode == "off"
    with pytest.raises(ValidationError):
        AuthSettings.model_validate({"mode": "maybe"})
    assert Settings().auth.mode == "off"


def test_a_sign_in_lasts_the_configured_hours() -> None:
    assert not expired(claims(age_h=11.9), AUTH, now=NOW)
    assert expired(claims(age_h=12), AUTH, now=NOW)
    assert expired({"sub": "s"}, AUTH, now=NOW)  # says nothing of when it began
    assert expired({"iat": "soon"}, AUTH, now=NOW)
    assert expired({"iat": True}, AUTH, now=NOW)
    assert expired(claims(age_h=-1), AUTH, now=NOW)  # issued an hour from now: a clock or a token to distrust
    assert not expired(claims(age_h=-0.01), AUTH, now=NOW)  # a little clock skew is fine
    short = AUTH.model_copy(update={"session_hours": 0.5})
    assert expired(claims(age_h=0.6), short, now=NOW)


def test_access_of_each_kind_of_visitor() -> None:
    off = access_of(claims("x@other.org"), AuthSettings(), now=NOW)  # off: claims are not even read
    assert (off.role, off.mode, off.signed_in, off.problem, off.internal, off.admin) == (
        "admin", "off", False, None, True, True)  # fmt: skip
    assert off.who.startswith("operator:")
    assert access_of(None, AUTH, now=NOW) == Access("public", "anonymous", "required")
    ends = NOW + dt.timedelta(hours=11)  # signed in an hour ago, for 12 hours
    assert access_of(claims("ana@lacity.org"), AUTH, now=NOW) == Access(
        "staff", "ana@lacity.org", "required", signed_in=True, until=ends
    )
    assert access_of(claims("chief@lacity.org"), AUTH, now=NOW) == Access(
        "admin", "chief@lacity.org", "required", signed_in=True, until=ends
    )
    assert access_of(claims("x@other.org"), AUTH, now=NOW) == Access(
        "public", "x@other.org", "required", signed_in=True, problem="no_role"
    )
    assert access_of(claims("chief@lacity.org", age_h=13), AUTH, now=NOW) == Access(
        "public", "chief@lacity.org", "required", signed_in=True, problem="expired"
    )
    staff, public = Access("staff", "a", "required"), Access("public", "b", "required")
    assert (staff.internal, staff.admin, public.internal, public.admin) == (True, False, False, False)
    assert who({"sub": "abc"}) == "sub:abc"
    assert who({"email": "  "}) == "sub:?"


def test_a_role_the_settings_do_not_list_gives_nobody_that_role() -> None:
    only_staff = AuthSettings(mode="required", roles={"staff": ("@lacity.org",)})
    assert role_of(claims("ana@lacity.org", groups=["csp-admins"]), only_staff) == "staff"
    assert role_of(claims("ana@lacity.org"), AuthSettings(mode="required")) is None


def test_a_sign_in_dated_in_the_future_is_trusted_only_within_five_minutes() -> None:
    assert not expired(claims(age_h=-5 / 60), AUTH, now=NOW)
    assert expired(claims(age_h=-5.5 / 60), AUTH, now=NOW)


def test_the_provider_section_is_the_named_one_with_the_shared_redirect() -> None:
    own = {"client_id": "i", "client_secret": "s", "server_metadata_url": "https://idp/.well-known/x"}
    auth = {"redirect_uri": "https://map/oauth2callback", "cookie_secret": "c", **own, "entra": dict(own)}
    default = provider_section(auth, None)
    assert default is not None
    assert (default["client_id"], default["redirect_uri"]) == ("i", "https://map/oauth2callback")
    assert provider_section(auth, "entra") == {**own, "redirect_uri": "https://map/oauth2callback"}
    assert provider_section(auth, "google") is None
    assert provider_section({**auth, "client_secret": ""}, None) is None
    assert provider_section({k: v for k, v in auth.items() if k != "redirect_uri"}, None) is None
    assert provider_section(None, None) is None


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    from tests.signin_helpers import provider

    with provider() as url:
        yield url


def test_the_sign_in_check_tells_a_wrong_secret_and_a_dead_provider_from_a_good_client(issuer: str) -> None:
    from tests.signin_helpers import register

    redirect = "http://127.0.0.1:1/oauth2callback"
    client_id, secret = register(issuer, redirect)
    section = {
        "client_id": client_id,
        "client_secret": secret,
        "server_metadata_url": f"{issuer}/.well-known/openid-configuration",
        "redirect_uri": redirect,
    }
    assert provider_problem(section, timeout_s=5) is None
    assert provider_problem({**section, "client_secret": "wrong"}, timeout_s=5) == "client"
    assert provider_problem({**section, "client_id": "nobody"}, timeout_s=5) == "client"
    dead = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"
    assert provider_problem({**section, "server_metadata_url": dead}, timeout_s=2) == "unreachable"
    not_oidc = f"{issuer}/jwks"  # answers, but is no discovery document
    assert provider_problem({**section, "server_metadata_url": not_oidc}, timeout_s=5) == "unreachable"
    assert provider_problem(None, timeout_s=5) == "not_configured"


def test_what_a_sign_in_allows_ends_with_it() -> None:
    staff = access_of(claims("ana@lacity.org", age_h=11), AUTH, now=NOW)
    assert staff.until == NOW + dt.timedelta(hours=1)
    assert staff.lasts(NOW + dt.timedelta(minutes=59))
    assert not staff.lasts(NOW + dt.timedelta(hours=1))
    assert access_of(None, AuthSettings(), now=NOW).lasts(NOW + dt.timedelta(days=999))  # the operator's does not end
