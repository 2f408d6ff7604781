"""The project's small exception hierarchy, and the one rule that keeps secrets out of every message.

Every error a user can cause (a bad config, a bad file, a dead network) is one of these,
so the CLI and the dashboard can show one clear line instead of a traceback.

:func:`mask_secrets` is the one owner of "a password is never printed": it masks the password of
any URL in a text (``postgresql://user:***@host/db``), whether or not the URL parses, every
``password=`` value, and every password of a URL this process was given (:func:`remember_secrets`),
wherever it appears on its own (a driver quoting the bad part of a URL). Every
:class:`SafetyMapError` masks its message when it is made, so a message, a log line, a page's
error panel or a traceback of one of these errors never shows a password.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

MASK = "***"
"""What a password is replaced with."""
_SCHEME = r"[A-Za-z][A-Za-z0-9+.\-]*:/+"
# scheme://user:PASSWORD@ (also the scheme:/ form pathlib makes); the password runs to the last @ of the token
_URL_PASSWORD = re.compile(rf"(?P<head>\b{_SCHEME}[^\s/?#@:'\"]*:)[^\s'\"]*(?=@)")
# password=VALUE in a libpq keyword string, a URL's query or the environment (PGPASSWORD, sslpassword)
_KEY_PASSWORD = re.compile(
    r"(?P<head>\b(?:pg|ssl)?password\s*=\s*)(?P<value>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^\s&;#'\",]+)",
    re.IGNORECASE,
)
_URL_START = re.compile(_SCHEME)
_MAX_AT = 16
"""At most this many ``@`` of a URL are tried as the end of its user information."""
_KNOWN: set[str] = set()
_KNOWN_LOCK = threading.Lock()


def secrets_of(location: str) -> set[str]:
    """The passwords a URL or a keyword string may carry, as written and percent-decoded.

    Lenient: a URL that does not parse (``postgresql://u:pw@[::1``, ``u:s3cret%ZZ@h``) gives every
    text between ``user:`` and one of its ``@``, so the password is found whichever ``@`` a
    driver would take as the end of it.
    """
    text = str(location)
    found: set[str] = set()
    start = _URL_START.match(text)
    if start:
        rest = text[start.end() :]
        ats = [i for i, ch in enumerate(rest) if ch == "@"][:_MAX_AT]
        for at in ats:
            _, colon, password = rest[:at].partition(":")
            if colon:
                found.add(password)
    for m in _KEY_PASSWORD.finditer(text):
        value = m.group("value")
        found.add(value[1:-1] if value[:1] in "'\"" and len(value) > 1 else value)
    found |= {unquote(s) for s in found}
    return {s for s in found if s and s != MASK}


def remember_secrets(location: str) -> None:
    """Mask the passwords of ``location`` (a store URL this process uses) in every later message."""
    found = secrets_of(location)
    if found:
        with _KNOWN_LOCK:
            _KNOWN.update(found)


def mask_secrets(text: object, *locations: str) -> str:
    """``text`` with every password masked: of any URL in it, of every ``password=``, and of ``locations``.

    Also masks the passwords of every URL given to :func:`remember_secrets`, where they appear on
    their own (as a word: ``postgres`` is not masked inside ``postgresql``).

    >>> mask_secrets("cannot reach postgresql://ana:s3cret@[::1")
    'cannot reach postgresql://ana:***@[::1'
    """
    out = "" if text is None else str(text)
    out = _URL_PASSWORD.sub(rf"\g<head>{MASK}", out)
    out = _KEY_PASSWORD.sub(rf"\g<head>{MASK}", out)
    with _KNOWN_LOCK:
        known = set(_KNOWN)
    for location in locations:
        known |= secrets_of(location)
    for secret in sorted(known, key=len, reverse=True):  # longest first: one secret may contain another
        if secret in out:
            out = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", MASK, out)
    return out


class SafetyMapError(Exception):
    """Base class for every error this package raises on purpose; its message never shows a password."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(mask_secrets(a) if isinstance(a, str) else a for a in args))


class ConfigError(SafetyMapError, ValueError):
    """The configuration file or an override is invalid."""


class DataError(SafetyMapError, ValueError):
    """An input file or frame is missing, corrupt or of the wrong shape."""


class SourceError(SafetyMapError, OSError):
    """A live source (HTTP API, tile server) could not be reached or answered badly."""


class AnalysisError(SafetyMapError, ValueError):
    """An analysis was asked for with arguments it cannot honour."""


class StoreError(DataError):
    """The shared store (a PostGIS server) is unreachable, misconfigured or failed mid-write.

    A :class:`DataError`, so the dashboard's error panels and the CLI's one-line errors show it.
    """
