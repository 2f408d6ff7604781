"""A store URL's password is never printed: not by the CLI, not in an error, not on a page (issue 28, case 2).

Three URLs a tired user types: one that does not parse (an IPv6 host left open), one with a bad percent-escape
in the password (the driver quotes the bad part on its own), and a good one whose server is down.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from geo.core.errors import MASK, DataError, StoreError, mask_secrets, secrets_of
from geo.data.stores import open_store
from geo.data.stores.api import parse_locator
from geo.data.stores.postgis import redact
from tests.pg_server import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "s3cretPW"


BAD_URLS = {
    "open_ipv6": f"postgresql://postgres:{PASSWORD}@[::1",
    "bad_escape": "postgresql://postgres:s3cret%ZZPW@localhost/db",
    "server_down": f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/db",
}


def _leaks(text: str) -> bool:
    return any(s in text for s in (PASSWORD, "s3cret%ZZPW", "s3cret"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://ana:pw@host/db", f"postgresql://ana:{MASK}@host/db"),
        ("URI: 'postgresql://ana:pw@[::1'", f"URI: 'postgresql://ana:{MASK}@[::1'"),
        ("postgresql:/ana:pw@host/db#layer", f"postgresql:/ana:{MASK}@host/db#layer"),  # pathlib's form
        ("https://:tok@example.org/x", f"https://:{MASK}@example.org/x"),
        ("postgresql://ana:p@ss@host/db", f"postgresql://ana:{MASK}@host/db"),  # an @ in the password
        ("host=db password=pw user=ana", f"host=db password={MASK} user=ana"),
        ("host=db password='a b' user=ana", f"host=db password={MASK} user=ana"),
        (
            "postgresql://ana@host/db?sslmode=require&password=pw",
            f"postgresql://ana@host/db?sslmode=require&password={MASK}",
        ),
        ("PGPASSWORD=pw psql", f"PGPASSWORD={MASK} psql"),
        (
            "postgresql://ana@host:5432/db and http://host:8080/x",
            "postgresql://ana@host:5432/db and http://host:8080/x",
        ),
        (None, ""),
    ],
)
def test_mask_secrets_masks_the_password_of_any_url(text: str | None, expected: str) -> None:
    assert mask_secrets(text) == expected


def test_a_password_the_driver_quotes_on_its_own_is_masked_too() -> None:
    url = BAD_URLS["bad_escape"]
    assert {"s3cret%ZZPW"} <= secrets_of(url)
    said = 'invalid percent-encoded token: "s3cret%ZZPW"'
    assert mask_secrets(said, url) == f'invalid percent-encoded token: "{MASK}"'
    # a known password is masked as a word only: postgres is not masked inside postgresql
    assert mask_secrets("postgresql://postgres@h/db", "postgresql://postgres:postgres@h/db") == (
        f"postgresql://{MASK}@h/db"
    )
    assert mask_secrets("see postgresql", "postgresql://u:postgres@h/db") == "see postgresql"


def test_every_error_of_the_package_masks_its_message() -> None:
    error = DataError(f"cannot read postgresql://ana:{PASSWORD}@host/db#layer")
    assert PASSWORD not in str(error)
    assert PASSWORD not in repr(error)
    assert all(PASSWORD not in str(a) for a in error.args)


@pytest.mark.parametrize("case", sorted(BAD_URLS))
def test_store_errors_and_their_tracebacks_never_show_the_password(case: str) -> None:
    url = BAD_URLS[case]
    with pytest.raises(StoreError) as info:
        open_store(url).layers()
    shown = "".join(traceback.format_exception(info.value))  # the cause chain included
    assert not _leaks(shown), shown
    assert "\n" not in str(info.value)
    assert not _leaks(redact(url))


def test_a_locator_without_a_layer_is_refused_without_its_password() -> None:
    with pytest.raises(DataError) as info:
        parse_locator(f"postgresql://ana:{PASSWORD}@host/db")
    assert PASSWORD not in str(info.value)
    assert MASK in str(info.value)


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("case", sorted(BAD_URLS))
def test_info_never_prints_the_password(case: str) -> None:
    url = BAD_URLS[case]
    for run in (_cli("info", "--store", url), _cli("info", env={"SAFETYMAP__SOURCES__STORE": url})):
        assert run.returncode == 2, run.stderr
        assert not _leaks(run.stdout + run.stderr), run.stderr
        assert run.stderr.startswith("error: ")
        assert run.stderr.count("\n") == 1, run.stderr
        assert "Traceback" not in run.stderr


def test_a_value_echoed_to_a_person_never_shows_a_password() -> None:
    from geo.core.text import Markup, echo

    value = f"data=postgresql://ana:{PASSWORD}@host/db#layer"
    markups: tuple[Markup, ...] = ("text", "markdown", "html")
    for markup in markups:
        assert PASSWORD not in echo(value, markup=markup)


@pytest.mark.app
def test_a_link_naming_a_store_url_with_a_password_does_not_show_it() -> None:
    from tests.page_helpers import open_page, page_texts

    at = open_page("map", {"data": f"postgresql://ana:{PASSWORD}@host/db#layer", "lang": "es"})
    assert not at.exception, [e.value for e in at.exception]
    texts = page_texts(at)
    assert any("ana\\:\\*\\*\\*\\@" in text for text in texts), "the refused link value is named, masked"
    assert not any(PASSWORD in text for text in texts)


def test_config_prints_the_effective_settings_without_the_password() -> None:
    run = _cli("config", env={"SAFETYMAP__SOURCES__STORE": f"postgresql://ana:{PASSWORD}@host/db"})
    assert run.returncode == 0, run.stderr
    assert f'"store": "postgresql://ana:{MASK}@host/db"' in run.stdout
    assert PASSWORD not in run.stdout + run.stderr
