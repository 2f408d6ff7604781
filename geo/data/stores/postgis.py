"""The shared store: layers as PostGIS tables behind a small catalog (psycopg 3).

One catalog table, ``safetymap_layers``, names each layer's data and quarantine tables, its
version, when it was written, the pandas dtypes of its columns and its quality report. A write
creates two new tables (random names), fills them with ``COPY``, builds the indexes (GiST on the
geometry, B-tree on ``occurred_at`` and ``category``), points the catalog row at them and drops
the old ones, all in one transaction: a failed, interrupted or killed write (or a server that
goes away) rolls back and leaves the previous layer as it was. One writer per layer at a time
(a transaction-level advisory lock).

Reads push a :class:`geo.data.stores.Window` down to SQL (``occurred_at`` range, ``category =
ANY``, ``geom && ST_MakeEnvelope``), so a page reads only the rows it shows. Geometry is stored
as ``geometry(Geometry, 4326)`` and comes back as EPSG:4326.

Every failure a user can cause (a bad URL, a refused connection, a database without PostGIS,
a server lost mid-write) is one :class:`geo.core.errors.StoreError` naming the server without
its password (:func:`geo.core.errors.mask_secrets`, also for a URL that does not parse).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import psycopg.errors
import shapely
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geo.core.errors import StoreError, mask_secrets, remember_secrets
from geo.data.stores.api import ALL, Window, remember_url
from geo.data.stores.parquet import count_problems, inventory_entry

CATALOG = "safetymap_layers"
GEOM = "geom"
GEOMETRY_DTYPE = "geometry"
ROW = "_row"
"""Row number of each stored row (the frame's position at write): reads keep the written order."""
CONNECT_TIMEOUT_S = 10
_CATALOG_DDL = f"""
CREATE TABLE IF NOT EXISTS {CATALOG} (
    name text PRIMARY KEY,
    data_table text NOT NULL,
    quarantine_table text NOT NULL,
    version text NOT NULL,
    updated_at timestamptz NOT NULL,
    columns jsonb NOT NULL,
    quarantine_columns jsonb NOT NULL,
    report jsonb NOT NULL
)"""


AUDIT = "safetymap_audit"
AUDIT_COLUMNS = ("at", "who", "role", "action", "what", "data", "filters")
_AUDIT_DDL = f"""
CREATE TABLE IF NOT EXISTS {AUDIT} (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    who text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    what text NOT NULL,
    data text NOT NULL,
    filters text NOT NULL
);
CREATE OR REPLACE FUNCTION {AUDIT}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit record {AUDIT} is append-only';
END $$;
CREATE OR REPLACE TRIGGER {AUDIT}_no_change BEFORE UPDATE OR DELETE ON {AUDIT}
    FOR EACH ROW EXECUTE FUNCTION {AUDIT}_append_only();
CREATE OR REPLACE TRIGGER {AUDIT}_no_truncate BEFORE TRUNCATE ON {AUDIT}
    FOR EACH STATEMENT EXECUTE FUNCTION {AUDIT}_append_only();
"""
"""The audit record: rows are only inserted (a trigger refuses UPDATE, DELETE and TRUNCATE, whoever asks)."""


def _has_catalog(conn: psycopg.Connection[Any]) -> bool:
    """Whether the catalog table exists (a database nothing was written to yet has none)."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (CATALOG,)).fetchone()
    return bool(row and row[0])


def redact(url: str) -> str:
    """``url`` without its password (for messages and inventory paths): ``postgresql://user@host:port/db``.

    A URL that does not parse is shown with its password masked (:func:`geo.core.errors.mask_secrets`).
    """
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return mask_secrets(url, url)
    host, port, db = parts.get("host", "localhost"), parts.get("port"), parts.get("dbname", "")
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{host}{':' + str(port) if port else ''}/{db}"


def _first_line(exc: BaseException) -> str:
    """The first line of a driver's message (psycopg's carry hints and context on further lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _sql_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series.dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(series.dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(series.dtype):
        return "double precision"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return "timestamp"
    return "text"


def _values(series: pd.Series) -> list[Any]:
    """Plain Python values of a column (None for missing), as psycopg sends them."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        obj = series.astype(object)
        return [None if pd.isna(v) else v.item() if isinstance(v, np.generic) else v for v in obj]
    return [None if pd.isna(v) else str(v) for v in series.astype(object)]


def _restore(frame: pd.DataFrame, dtypes: dict[str, str]) -> pd.DataFrame:
    """Parse the text columns read back (``COPY ... CSV``) into the pandas dtypes they were written with."""
    out = {}
    for col, dtype in dtypes.items():
        s = frame[col]
        kind = pd.api.types.pandas_dtype(dtype)
        if dtype.startswith("datetime64"):
            if isinstance(kind, pd.DatetimeTZDtype):
                parsed = pd.to_datetime(s, utc=True, format="ISO8601").dt.tz_convert(kind.tz)
            else:
                parsed = pd.to_datetime(s, format="ISO8601")
            out[col] = parsed.astype(kind)
        elif dtype in ("bool", "boolean"):
            out[col] = s.map({"t": True, "f": False}).astype(kind)
        elif pd.api.types.is_numeric_dtype(kind):
            out[col] = pd.to_numeric(s).astype(kind)
        else:
            out[col] = s.astype(kind)
    return pd.DataFrame(out, index=frame.index)


Query = tuple[sql.Composed, list[Any], list[str]]
"""A statement, its parameters and the names of the columns it returns."""
NULL = "\\N"
"""How ``COPY ... TO STDOUT CSV`` writes NULL (every other value is quoted, so an empty text stays empty)."""


def _refuse_other_source(cur: psycopg.Cursor[Any], name: str, report: dict[str, Any], location: str) -> None:
    """Raise unless layer ``name`` is absent, holds the same source as ``report``, or ``report`` replaces it."""
    if report.get("replace_source") or not report.get("source_sha256"):
        return
    row = cur.execute(f"SELECT report FROM {CATALOG} WHERE name = %s", (name,)).fetchone()
    stored = row[0] if row else None
    if isinstance(stored, str):
        stored = json.loads(stored)
    if not stored or stored.get("source_sha256") in (None, report["source_sha256"]):
        return
    if stored.get("source_path") and stored.get("source_path") == report.get("source_path"):
        return  # a newer download of the same file
    msg = (
        f"layer {name!r} in {location} was just written from another file ({stored.get('url_or_file')}); the store "
        "keeps it. Use --name NAME to store this file as another layer, or --replace to replace it"
    )
    raise StoreError(msg)


class PostgisStore:
    """The :class:`geo.data.stores.LayerStore` of a PostGIS database (``postgresql://`` URL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        remember_secrets(url)  # every later message of this process masks its password, wherever it appears
        try:
            conninfo_to_dict(url)
        except psycopg.Error as exc:
            # the driver quotes the URL or its bad part: masked, and not chained (a traceback would show it)
            msg = f"the store URL {redact(url)} is not a valid postgresql:// URL: {_first_line(exc)}"
            raise StoreError(mask_secrets(msg, url)) from None
        remember_url(redact(url), url)

    @property
    def location(self) -> str:
        """The URL without its password."""
        return redact(self.url)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[psycopg.Connection[Any]]:
        where = self.location
        try:
            conn = psycopg.connect(
                make_conninfo(self.url, connect_timeout=CONNECT_TIMEOUT_S, options="-c TimeZone=UTC"),
                application_name="safetymap",
            )
        except psycopg.Error as exc:
            msg = f"cannot connect to the PostGIS store {where}: {_first_line(exc)}"
            raise StoreError(mask_secrets(msg, self.url)) from exc
        try:
            with conn:
                has = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
                if has is None:
                    msg = (
                        f"the database {where} has no PostGIS extension; ask its owner to run "
                        "CREATE EXTENSION postgis; in it"
                    )
                    raise StoreError(msg)
                conn.commit()
                yield conn
        except psycopg.Error as exc:
            msg = f"the PostGIS store {where} failed: {_first_line(exc)}; nothing was changed by this operation"
            raise StoreError(mask_secrets(msg, self.url)) from exc

    # --- writing ----------------------------------------------------------------------------

    def _create(self, cur: psycopg.Cursor[Any], table: str, frame: pd.DataFrame, *, geometry: bool) -> None:
        cols = [c for c in frame.columns if not (geometry and c == frame.geometry.name)]
        defs = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(ROW))]
        defs += [sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_sql_type(frame[c]))) for c in cols]
        if geometry:
            defs.append(sql.SQL("{} geometry(Geometry, 4326)").format(sql.Identifier(GEOM)))
        cur.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), sql.SQL(", ").join(defs)))
        names = [ROW, *cols, *([GEOM] if geometry else [])]
        columns = [list(range(len(frame)))] + [_values(frame[c]) for c in cols]
        if geometry:
            geoms = shapely.set_srid(np.asarray(frame.geometry.array, dtype=object), 4326)
            columns.append(list(shapely.to_wkb(geoms, hex=True, include_srid=True)))
        copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        with cur.copy(copy_sql) as copy:
            for row in zip(*columns, strict=True):
                copy.write_row(row)
        indexes = [(GEOM, "gist")] if geometry else []
        indexes += [(c, "btree") for c in ("occurred_at", "category") if c in cols]
        for col, method in indexes:
            cur.execute(
                sql.SQL("CREATE INDEX ON {} USING {} ({})").format(
                    sql.Identifier(table), sql.SQL(method), sql.Identifier(col)
                )
            )
        cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))

    def write(
        self, name: str, frame: gpd.GeoDataFrame, quarantine: pd.DataFrame, report: dict[str, Any]
    ) -> dict[str, Any]:
        """Publish the layer in one transaction (new tables, catalog switch, old tables dropped).

        Under the layer's lock the stored source is compared with the new one: an ingest of another file that
        started while this one ran is refused (it saw no layer, or the old one, when it checked), unless the
        report says the person asked to replace the layer (``replace_source``).
        """
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            msg = f"refusing to write layer {name} to {self.location}: its CRS is {frame.crs}, not EPSG:4326"
            raise StoreError(msg)
        now = dt.datetime.now(dt.UTC)
        version = f"v{now.strftime('%Y%m%dT%H%M%S%fZ')}-{secrets.token_hex(4)}"
        data_t, q_t = f"sm_{secrets.token_hex(6)}", f"sm_{secrets.token_hex(6)}_q"
        meta = {**report, "version": version, "quarantine": f"{self.locator(name)}/quarantine"}
        # lists of [column, dtype] (jsonb objects do not keep their order); the geometry as GEOMETRY_DTYPE
        geom_name = frame.geometry.name
        dtypes = [[c, GEOMETRY_DTYPE if c == geom_name else str(frame[c].dtype)] for c in frame.columns]
        q_dtypes = [[c, str(quarantine[c].dtype)] for c in quarantine.columns]
        with self._connect() as conn, conn.transaction(), conn.cursor() as cur:
            if not _has_catalog(conn):  # the first write creates it (readers need no CREATE privilege)
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (CATALOG,))
                cur.execute(_CATALOG_DDL)
            cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{CATALOG}:{name}",))
            _refuse_other_source(cur, name, report, self.location)  # checked again under the layer's lock
            self._create(cur, data_t, frame, geometry=True)
            self._create(cur, q_t, quarantine, geometry=False)
            old = cur.execute(
                f"SELECT data_table, quarantine_table FROM {CATALOG} WHERE name = %s FOR UPDATE", (name,)
            ).fetchone()
            cur.execute(
                f"""INSERT INTO {CATALOG} AS c VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (name) DO UPDATE SET data_table = EXCLUDED.data_table,
                  quarantine_table = EXCLUDED.quarantine_table, version = EXCLUDED.version,
                  updated_at = EXCLUDED.updated_at, columns = EXCLUDED.columns,
                  quarantine_columns = EXCLUDED.quarantine_columns, report = EXCLUDED.report""",
                (
                    name,
                    data_t,
                    q_t,
                    version,
                    now,
                    json.dumps(dtypes),
                    json.dumps(q_dtypes),
                    json.dumps(meta, sort_keys=True, default=str),
                ),
            )
            for table in old or ():
                cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        return {**meta, "output": self.locator(name)}

    # --- reading ----------------------------------------------------------------------------

    def _entry(self, conn: psycopg.Connection[Any], name: str) -> tuple[Any, ...]:
        row = (
            None
            if not _has_catalog(conn)
            else conn.execute(
                f"SELECT data_table, quarantine_table, columns, quarantine_columns FROM {CATALOG} WHERE name = %s",
                (name,),
            ).fetchone()
        )
        if row is None:
            msg = f"the PostGIS store {self.location} has no layer {name!r}"
            raise StoreError(msg)
        return tuple(row)

    @staticmethod
    def _copy_out(
        conn: psycopg.Connection[Any], statement: sql.Composed, params: list[Any], names: list[str]
    ) -> pd.DataFrame:
        """The rows of a query as text columns, through ``COPY TO STDOUT`` and pandas' C CSV reader.

        Much faster than fetching tuples. NULL is ``\\N``; a text value that is exactly ``\\N``
        would read back as missing.
        """
        copy_sql = sql.SQL("COPY ({}) TO STDOUT WITH (FORMAT csv, NULL {}, FORCE_QUOTE *)").format(
            statement, sql.Literal(NULL)
        )
        buf = io.BytesIO()
        with conn.cursor() as cur, cur.copy(copy_sql, params or None) as copy:
            for block in copy:
                buf.write(block)
        buf.seek(0)
        if not buf.getbuffer().nbytes:
            return pd.DataFrame({n: pd.Series([], dtype=str) for n in names})
        return pd.read_csv(buf, header=None, names=names, dtype=str, keep_default_na=False, na_values=[NULL])

    def _fetch(self, name: str, query: Callable[[tuple[Any, ...]], Query]) -> tuple[pd.DataFrame, tuple[Any, ...]]:
        """Look the layer up in the catalog and run ``query(entry)``; its rows (text columns) and the entry.

        A write that commits between the two statements drops the tables the entry names; the
        lookup is then repeated once (the new tables are there by then).
        """
        with self._connect() as conn:
            for attempt in range(2):
                try:
                    with conn.transaction():
                        entry = self._entry(conn, name)
                        statement, params, names = query(entry)
                        return self._copy_out(conn, statement, params, names), entry
                except psycopg.errors.UndefinedTable:
                    if attempt:
                        raise
        msg = f"the layer {name!r} of {self.location} kept changing while it was read"
        raise StoreError(msg)  # pragma: no cover - the loop returns or raises

    def read(self, name: str, *, window: Window = ALL) -> gpd.GeoDataFrame:
        """The layer's rows inside ``window``; the filter runs in SQL on the server's indexes."""

        def query(entry: tuple[Any, ...]) -> Query:
            cols = [c for c, d in entry[2] if d != GEOMETRY_DTYPE]
            where, params = self._where(window, cols)
            statement = sql.SQL("SELECT {}, encode(ST_AsBinary({}), 'hex') FROM {} WHERE {} ORDER BY {}").format(
                sql.SQL(", ").join(map(sql.Identifier, [ROW, *cols])),
                sql.Identifier(GEOM),
                sql.Identifier(entry[0]),
                where,
                sql.Identifier(ROW),
            )
            return statement, params, [ROW, *cols, GEOM]

        raw, entry = self._fetch(name, query)
        pairs = entry[2]
        dtypes = {c: d for c, d in pairs if d != GEOMETRY_DTYPE}
        geom_name = next((c for c, d in pairs if d == GEOMETRY_DTYPE), "geometry")
        index = pd.Index(raw[ROW].to_numpy(dtype="int64"))
        frame = _restore(raw.set_index(index), dtypes)
        # bytes.fromhex + binary WKB is several times faster than GEOS parsing hex WKB
        geoms = shapely.from_wkb([None if pd.isna(h) else bytes.fromhex(h) for h in raw[GEOM].to_numpy(dtype=object)])
        frame[geom_name] = gpd.GeoSeries(geoms, index=index, crs="EPSG:4326")
        frame = frame[[c for c, _ in pairs]]
        return gpd.GeoDataFrame(frame, geometry=geom_name, crs="EPSG:4326")

    @staticmethod
    def _where(window: Window, cols: list[str]) -> tuple[sql.Composed, list[Any]]:
        parts: list[sql.Composable] = [sql.SQL("TRUE")]
        params: list[Any] = []
        lo, hi = window.time_bounds()
        if "occurred_at" in cols:
            for bound, op in ((lo, ">="), (hi, "<")):
                if bound is not None:
                    parts.append(sql.SQL("{} " + op + " %s").format(sql.Identifier("occurred_at")))
                    params.append(bound.to_pydatetime())
        if window.categories and "category" in cols:
            parts.append(sql.SQL("{} = ANY(%s)").format(sql.Identifier("category")))
            params.append(list(window.categories))
        if window.bbox is not None:
            parts.append(sql.SQL("{} && ST_MakeEnvelope(%s, %s, %s, %s, 4326)").format(sql.Identifier(GEOM)))
            params.extend(float(v) for v in window.bbox)
        return sql.SQL(" AND ").join(parts), params

    def read_quarantine(self, name: str) -> pd.DataFrame:
        """The dropped rows of layer ``name``, in the order they were written."""

        def query(entry: tuple[Any, ...]) -> Query:
            cols = [c for c, _ in entry[3]]
            statement = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                sql.SQL(", ").join(map(sql.Identifier, cols)) if cols else sql.SQL("NULL"),
                sql.Identifier(entry[1]),
                sql.Identifier(ROW),
            )
            return statement, [], cols or ["none"]

        raw, entry = self._fetch(name, query)
        return _restore(raw, dict(entry[3])).reset_index(drop=True)

    def report(self, name: str) -> dict[str, Any] | None:
        """The stored report (None when the layer does not exist)."""
        with self._connect() as conn:
            if not _has_catalog(conn):
                return None
            row = conn.execute(f"SELECT report FROM {CATALOG} WHERE name = %s", (name,)).fetchone()
        return None if row is None else dict(row[0])

    def version(self, name: str) -> str | None:
        """The published version of layer ``name`` (None when absent): part of the dashboard's cache key."""
        with self._connect() as conn:
            if not _has_catalog(conn):
                return None
            row = conn.execute(f"SELECT version FROM {CATALOG} WHERE name = %s", (name,)).fetchone()
        return None if row is None else str(row[0])

    def locator(self, name: str) -> str:
        """``postgresql://user@host:port/db#<name>`` (no password; this process maps it back)."""
        return f"{self.location}#{name}"

    def layers(self, *, hashes: bool = False, now: dt.datetime | None = None) -> list[dict[str, Any]]:
        """One inventory entry per layer; row counts are checked against each report."""
        now = now or dt.datetime.now(dt.UTC)
        out = []
        with self._connect() as conn:
            if not _has_catalog(conn):
                return []
            rows = conn.execute(f"SELECT name, data_table, quarantine_table, report FROM {CATALOG} ORDER BY name")
            for name, data_t, q_t, meta in rows.fetchall():
                counts = [
                    conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(t))).fetchone()
                    for t in (data_t, q_t)
                ]
                kept, quarantined = (int(c[0]) if c else 0 for c in counts)
                problems = count_problems(dict(meta), kept, quarantined)
                where = self.locator(name)
                entry = inventory_entry(
                    name, where, dict(meta), quarantine=f"{where}/quarantine", problems=problems, now=now
                )
                out.append(entry)
        return out

    # --- the audit record ----------------------------------------------------------------------

    def append_audit(self, row: dict[str, str]) -> None:
        """Insert ``row`` into the audit table (created, with its append-only triggers, by the first append)."""
        values = [row.get(c, "") for c in AUDIT_COLUMNS]
        with self._connect() as conn, conn.transaction(), conn.cursor() as cur:
            if conn.execute("SELECT to_regclass(%s)", (AUDIT,)).fetchone() == (None,):
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (AUDIT,))
                cur.execute(_AUDIT_DDL)
            cur.execute(f"INSERT INTO {AUDIT} ({', '.join(AUDIT_COLUMNS)}) VALUES (%s, %s, %s, %s, %s, %s, %s)", values)

    def audit(self, *, since: dt.datetime | None = None) -> list[dict[str, str]]:
        """The audit table's rows at or after ``since``, oldest first (none before the first append)."""
        with self._connect() as conn:
            if conn.execute("SELECT to_regclass(%s)", (AUDIT,)).fetchone() == (None,):
                return []
            rows = conn.execute(
                f"SELECT {', '.join(AUDIT_COLUMNS)} FROM {AUDIT} WHERE %s::timestamptz IS NULL OR at >= %s "
                "ORDER BY at, id",
                (since, since),
            ).fetchall()
        return [
            {
                c: (v.astimezone(dt.UTC).isoformat() if isinstance(v, dt.datetime) else str(v))
                for c, v in zip(AUDIT_COLUMNS, row, strict=True)
            }
            for row in rows
        ]
