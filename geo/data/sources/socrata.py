"""The City of LA open-data API (Socrata SODA): LAPD legacy ``2nrs-mtv8`` and NIBRS ``k7nn-b2ep``.

Queries are SoQL (``$where`` on offense codes and dates, ``$order`` on the record id for stable paging,
``$limit``/``$offset``); pages are fetched until a short page comes back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from geo.core.categories import FETCH_CODES, NIBRS_FETCH_CODES
from geo.core.errors import DataError, SourceError
from geo.core.settings import SocrataSettings
from geo.data.sources import lapd, nibrs
from geo.data.sources._accounting import LoadResult
from geo.data.sources._http import Client, Progress

LEGACY = "legacy"
NIBRS = "nibrs"
NIBRS_VIOLENT = NIBRS_FETCH_CODES
MAX_PAGES = 10_000
"""Safety stop for paging (pages); a source that never sends a short page is an error."""


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def where_clause(
    *, code_field: str, codes: Sequence[str] | None, date_field: str, since: dt.date | None, until: dt.date | None
) -> str:
    """SoQL ``$where`` for offense codes (IN list) and an occurrence date range (inclusive days)."""
    parts = []
    if codes:
        cleaned = [str(c).strip() for c in codes if str(c).strip()]
        if not cleaned:
            msg = "offense code list is empty"
            raise DataError(msg)
        parts.append(f"{code_field} in({', '.join(_quote(c) for c in cleaned)})")
    if since is not None:
        parts.append(f"{date_field} >= '{since.isoformat()}T00:00:00'")
    if until is not None:
        parts.append(f"{date_field} < '{(until + dt.timedelta(days=1)).isoformat()}T00:00:00'")
    return " AND ".join(parts) or "1=1"


def fetch_rows(
    client: Client,
    url: str,
    *,
    where: str,
    order: str,
    page_size: int,
    progress: Progress | None = None,
    what: str = "",
) -> list[dict[str, Any]]:
    """All rows matching ``where``, paged by ``$offset`` until a page shorter than ``page_size``.

    Raises
    ------
    SourceError
        A page fails after retries, or the API answers with something other than a list of rows.
    """
    rows: list[dict[str, Any]] = []
    for page in range(MAX_PAGES):
        params = {"$where": where, "$order": order, "$limit": page_size, "$offset": page * page_size}
        data = client.get_json(url, params=params, what=what or url)
        if isinstance(data, dict) and data.get("error"):
            msg = f"{what or url}: the API refused the query: {data.get('message', data)}"
            raise SourceError(msg)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            msg = f"{what or url}: expected a JSON list of rows, got {type(data).__name__}"
            raise SourceError(msg)
        rows.extend(data)
        if progress is not None:
            progress(f"{what or url}: page {page + 1}, {len(rows):,} rows")
        if len(data) < page_size:
            return rows
    msg = f"{what or url}: more than {MAX_PAGES} pages; narrow the query (--since, --codes)"
    raise SourceError(msg)


def fetch_dataset(
    which: str,
    *,
    client: Client,
    socrata: SocrataSettings,
    since: dt.date | None = None,
    until: dt.date | None = None,
    codes: Sequence[str] | None = None,
    series_break: dt.date | None = None,
    progress: Progress | None = None,
) -> LoadResult:
    """Fetch the legacy (``2nrs-mtv8``) or NIBRS (``k7nn-b2ep``) dataset into canonical incidents.

    Parameters
    ----------
    which
        ``"legacy"`` or ``"nibrs"``.
    codes
        Offense codes (``crm_cd`` for legacy, ``nibr_code`` for NIBRS); default: the violent-crime codes.
    series_break
        Date the legacy series stops and NIBRS starts (``analysis.nibrs_break``), recorded in the notes.
    """
    if which not in (LEGACY, NIBRS):
        msg = f"unknown Socrata source {which!r}; expected {LEGACY!r} or {NIBRS!r}"
        raise DataError(msg)
    if which == LEGACY:
        dataset, code_field, order = socrata.legacy_dataset, "crm_cd", "dr_no"
        codes = codes or FETCH_CODES
    else:
        dataset, code_field, order = socrata.nibrs_dataset, "nibr_code", "caseno"
        codes = codes or NIBRS_VIOLENT
    url = f"{socrata.base_url.rstrip('/')}/{dataset}.json"
    where = where_clause(code_field=code_field, codes=codes, date_field="date_occ", since=since, until=until)
    rows = fetch_rows(
        client, url, where=where, order=order, page_size=socrata.page_size, progress=progress, what=dataset
    )
    origin = f"{url}?$where={where}"
    result = lapd.load_records(rows, origin=origin) if which == LEGACY else nibrs.load_records(rows, origin=origin)
    if series_break is not None:
        result.notes["series_break"] = series_break.isoformat()
    result.notes["dataset"] = dataset
    return result
