"""Empty databases for black-box tests, on each backend Folio runs on: a file on SQLite,
else a fresh `folio_t_*` database on the server of FOLIO_TEST_MARIADB_URL or
FOLIO_TEST_POSTGRES_URL (the servers `scripts/services start` runs), created and dropped
here with the mysql and psql clients.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import subprocess
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from support import REPO_ROOT

BACKENDS = ("sqlite", "mariadb", "postgres")
MIGRATIONS = REPO_ROOT / "crates" / "folio-store" / "migrations"


@dataclass
class Database:
    """An empty database for one run: a file on SQLite, else a fresh `folio_t_*` database on
    the server of FOLIO_TEST_MARIADB_URL / FOLIO_TEST_POSTGRES_URL, read with its CLI client."""

    backend: str  # sqlite | mariadb | postgres
    url: str  # FOLIO_DATABASE_URL
    name: str = ""  # the database's name on a server
    server: urllib.parse.SplitResult | None = None
    extra_env: dict[str, str] = field(default_factory=dict)  # more for every replica

    @property
    def migrations_dir(self) -> Path:
        return MIGRATIONS / {"sqlite": "sqlite", "mariadb": "mysql", "postgres": "postgres"}[self.backend]

    def sql(self, statement: str, database: str | None = None) -> list[tuple[str, ...]]:
        """Runs one statement; returns the rows, each value as text (NULL as "")."""
        if self.backend == "sqlite":
            conn = sqlite3.connect(self.url.removeprefix("sqlite://"), timeout=10)
            try:
                return [tuple("" if v is None else str(v) for v in row) for row in conn.execute(statement)]
            finally:
                conn.close()
        out = self.client(statement, self.name if database is None else database)
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def client(self, statement: str, database: str) -> str:
        """`mysql` or `psql` with the server's account; asserts success, returns stdout."""
        s = self.server
        assert s is not None
        if self.backend == "mariadb":
            cmd = ["mysql", "--no-defaults", "-h", s.hostname, "-P", str(s.port or 3306), "-u", s.username,
                   "--batch", "--skip-column-names", "-e", statement]
            env = {**os.environ, "MYSQL_PWD": urllib.parse.unquote(s.password or "")}
        else:
            cmd = ["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", s.hostname,
                   "-p", str(s.port or 5432), "-U", s.username, "-c", statement]
            env = {**os.environ, "PGPASSWORD": urllib.parse.unquote(s.password or "")}
        if database:
            cmd += [database] if self.backend == "mariadb" else ["-d", database]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, f"{cmd[0]} failed on {statement!r}: {proc.stderr.strip()}"
        return proc.stdout

    def create(self) -> None:
        if self.backend == "mariadb":
            self.client(f"CREATE DATABASE {self.name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", "")
        elif self.backend == "postgres":
            self.client(f"CREATE DATABASE {self.name}", "postgres")

    def drop(self) -> None:
        if self.backend == "postgres":
            self.client(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", "postgres")
        elif self.backend == "mariadb":
            # Folio's processes are stopped by now; a connection still open (a replica that
            # could not be stopped) would make DROP wait for its metadata lock.
            ids = self.client(f"SELECT ID FROM information_schema.PROCESSLIST WHERE DB = '{self.name}'", "")
            for conn_id in ids.split():
                try:
                    self.client(f"KILL {int(conn_id)}", "")
                except AssertionError:
                    pass  # it ended by itself meanwhile
            self.client(f"DROP DATABASE IF EXISTS {self.name}", "")


SERVERS = {"mariadb": "FOLIO_TEST_MARIADB_URL", "postgres": "FOLIO_TEST_POSTGRES_URL"}


def from_environment(variable: str) -> str:
    value = os.environ.get(variable, "").strip()
    if not value:
        pytest.fail(
            f"{variable} is not set: start the test servers with `eval \"$(scripts/services start)\"` "
            "(it prints FOLIO_TEST_MARIADB_URL, FOLIO_TEST_POSTGRES_URL and FOLIO_TEST_REDIS_URL)",
            pytrace=False,
        )
    return value.rstrip("/")




@contextlib.contextmanager
def empty_database(backend: str, purpose: str, folder: Path) -> Iterator[Database]:
    """An empty database on `backend` (a file in `folder` on SQLite), dropped afterwards;
    `purpose` goes into the server database's name."""
    if backend == "sqlite":
        yield Database(backend, f"sqlite://{folder / 'folio.db'}")
        return
    base = from_environment(SERVERS[backend])
    name = f"folio_t_{purpose}_{os.getpid()}_{secrets.token_hex(3)}"
    db = Database(backend, f"{base}/{name}", name, urllib.parse.urlsplit(base))
    db.create()
    try:
        yield db
    finally:
        db.drop()
