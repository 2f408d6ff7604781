"""A throwaway PostgreSQL + PostGIS server for the ``postgis`` tests (initdb + pg_ctl in a temp folder).

Runs as the ``postgres`` user when the tests run as root (PostgreSQL refuses to run as root).
Without the binaries or the extension the tests skip with the reason, unless
``SAFETYMAP_REQUIRE_POSTGIS=1`` (CI), when they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

EXTENSION_DIRS = "/usr/share/postgresql/*/extension/postgis.control"
BIN_DIRS = "/usr/lib/postgresql/*/bin"


@dataclass(frozen=True)
class PgServer:
    """A running server: its port, superuser, and how to make databases on it."""

    port: int
    user: str
    bindir: Path

    def url(self, db: str) -> str:
        """A ``postgresql://`` URL of database ``db`` on this server."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{db}"

    def sql(self, db: str, command: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """Run one SQL command (autocommit) on database ``db``; return its rows (empty when none)."""
        with psycopg.connect(self.url(db), autocommit=True) as conn:
            cur = conn.execute(command, params or None)
            return list(cur.fetchall()) if cur.description else []

    def create_db(self, db: str, *, postgis: bool = True) -> str:
        """Create database ``db`` (from a template with PostGIS unless told not to); return its URL."""
        self.sql("postgres", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        self.sql("postgres", f'CREATE DATABASE "{db}" TEMPLATE "{TEMPLATE if postgis else "template0"}"')
        return self.url(db)


TEMPLATE = "safetymap_template"
"""A database with the PostGIS extension, copied for each test (faster than CREATE EXTENSION each time)."""


def _unavailable(reason: str) -> None:
    if os.environ.get("SAFETYMAP_REQUIRE_POSTGIS") == "1":
        pytest.fail(f"PostGIS tests required (SAFETYMAP_REQUIRE_POSTGIS=1) but {reason}")
    pytest.skip(reason)


def free_port() -> int:
    """A free TCP port on localhost, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_bindir() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (None when absent)."""
    for folder in sorted(glob.glob(BIN_DIRS), reverse=True):
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def start_server() -> Iterator[PgServer]:
    """Start a server in a temp folder on a free port of 127.0.0.1; stop it and remove the folder after."""
    bindir = find_bindir()
    if bindir is None:
        _unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql")
        return
    if not glob.glob(EXTENSION_DIRS):
        _unavailable("the PostGIS extension is not installed; apt-get install postgis (postgresql-15-postgis-3)")
        return
    as_root = os.geteuid() == 0
    runas: list[str] = ["runuser", "-u", "postgres", "--"] if as_root else []
    user = "postgres" if as_root else pwd.getpwuid(os.geteuid()).pw_name
    folder = Path(tempfile.mkdtemp(prefix="safetymap-pg-"))
    data = folder / "data"
    if as_root:
        shutil.chown(folder, "postgres", "postgres")
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    run = {"check": True, "capture_output": True, "text": True, "env": env, "timeout": 120}
    try:
        subprocess.run(
            [*runas, str(bindir / "initdb"), "-D", str(data), "-U", user, "-A", "trust", "-E", "UTF8", "--no-sync"],
            **run,  # type: ignore[call-overload]
        )
        opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [*runas, str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w", "start"],
            **run,  # type: ignore[call-overload]
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        log = (folder / "log").read_text(errors="replace")[-2000:] if (folder / "log").exists() else ""
        err = getattr(exc, "stderr", "") or ""
        shutil.rmtree(folder, ignore_errors=True)
        _unavailable(f"cannot start a throwaway PostgreSQL server: {exc}\n{err}\n{log}")
        return
    server = PgServer(port=port, user=user, bindir=bindir)
    try:
        server.sql("postgres", f'CREATE DATABASE "{TEMPLATE}"')
        server.sql(TEMPLATE, "CREATE EXTENSION postgis")
    except psycopg.Error as exc:  # the extension's files are there but cannot be loaded
        _stop(runas, bindir, data, env, folder)
        _unavailable(f"cannot create the PostGIS extension on the throwaway server: {exc}")
        return
    try:
        yield server
    finally:
        _stop(runas, bindir, data, env, folder)


def _stop(runas: list[str], bindir: Path, data: Path, env: dict[str, str], folder: Path) -> None:
    subprocess.run(
        [*runas, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    shutil.rmtree(folder, ignore_errors=True)
