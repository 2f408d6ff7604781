"""The record of internal use: every internal view, internal export, workspace change, ingest, change of the
stored patrol tracks and reading of a resident's own words in the survey review.

Kept in the configured store (``audit.jsonl`` in a store folder, the table ``safetymap_audit`` on PostGIS), only
ever appended: the dashboard and the command line add rows and read them (``python -m geo audit``, the Audit
page); nothing in the product changes or removes one, and the PostGIS table refuses it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from geo.core.access import Access
from geo.core.settings import Settings
from geo.data.stores import open_store, store_location

Action = Literal["internal_view", "internal_export", "workspace", "ingest", "tracks", "survey_words", "services"]
ACTIONS: tuple[Action, ...] = (
    "internal_view", "internal_export", "workspace", "ingest", "tracks", "survey_words", "services",
)  # fmt: skip
"""``tracks``: officers' GPS tracks kept in or deleted from the store."""
FIELDS = ("at", "who", "role", "action", "what", "data", "filters")
"""The columns of the record, in the order they are printed."""


@dataclass(frozen=True)
class AuditEntry:
    """One row: who (the signed-in address, or ``operator:<user>`` without sign-in), with which role, did what
    (the page or export, the new workspace, the ingested file), on which layers, with which filters (the link's
    query text), when (UTC)."""

    who: str
    role: str
    action: Action
    what: str
    data: str = ""
    filters: str = ""
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def row(self) -> dict[str, str]:
        """The entry as the store keeps it (text, the time in ISO 8601 UTC to the second)."""
        values: dict[str, Any] = asdict(self)
        values["at"] = self.at.astimezone(dt.UTC).isoformat(timespec="seconds")
        return {k: str(values[k]) for k in FIELDS}


def entry(access: Access, action: Action, what: str, *, data: Iterable[str] = (), filters: str = "") -> AuditEntry:
    """The entry for ``access`` doing ``action`` now; ``data`` names the layers shown, ``filters`` the link query."""
    return AuditEntry(access.who, access.role, action, what, ", ".join(d for d in data if d), filters)


def record(settings: Settings, item: AuditEntry) -> None:
    """Append ``item`` to the audit record of the configured store (raises the store's error when it cannot)."""
    open_store(store_location(settings.sources)).append_audit(item.row())


def read(settings: Settings, *, since: dt.date | dt.datetime | None = None) -> list[dict[str, str]]:
    """The audit record's rows from ``since`` (a date: from its start, UTC), oldest first."""
    if isinstance(since, dt.date) and not isinstance(since, dt.datetime):
        since = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    elif isinstance(since, dt.datetime) and since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return open_store(store_location(settings.sources)).audit(since=since)
