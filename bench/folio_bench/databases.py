"""MariaDB, PostgreSQL and Redis for the scale-out scenarios, and the databases a run makes
on them: named folio_b_<pid>_<what>, dropped when measured and again (if still there) at the
end of the run, also when it fails or is interrupted."""

from __future__ import annotations

import os
import re
import subprocess
import urllib.parse
from dataclasses import dataclass

from .processes import say, warn
from .settings import REPO, BenchError


@dataclass(frozen=True)
class Servers:
    mariadb_url: str
    postgres_url: str
    redis_url: str


def find_servers(env: dict[str, str]) -> Servers:
    """The servers named by FOLIO_TEST_{MARIADB,POSTGRES,REDIS}_URL, else those of
    scripts/services (which starts them when they are not running)."""
    names = ("FOLIO_TEST_MARIADB_URL", "FOLIO_TEST_POSTGRES_URL", "FOLIO_TEST_REDIS_URL")
    urls = {k: env.get(k, "") for k in names}
    if not all(urls.values()):
        say("scripts/services start (MariaDB, PostgreSQL and Redis on loopback)")
        proc = subprocess.run([str(REPO / "scripts" / "services"), "start"], check=False, stdout=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True)
        if proc.returncode != 0:
            raise BenchError(f"scripts/services start failed (exit {proc.returncode})")
        # It prints `export NAME=value` lines (for a shell's eval), everything else on stderr.
        for line in proc.stdout.splitlines():
            m = re.fullmatch(r"export (FOLIO_TEST_\w+_URL)=(\S+)", line.strip())
            if m:
                urls[m.group(1)] = m.group(2)
    missing = [k for k in names if not urls.get(k)]
    if missing:
        raise BenchError(f"no URL for {', '.join(missing)}")
    return Servers(*(urls[k] for k in names))


def url_with_db(url: str, name: str) -> str:
    """The server's URL with the database name as its path."""
    return urllib.parse.urlsplit(url)._replace(path="/" + name).geturl()


class Databases:
    """The run's databases. `servers` is found on first use, so that scenarios on SQLite
    alone need none."""

    def __init__(self, env: dict[str, str], child_env: dict[str, str]) -> None:
        self._env, self._child_env = env, child_env
        self._servers: Servers | None = None
        self.made: list[tuple[str, str]] = []  # (backend, name), not yet dropped

    @property
    def servers(self) -> Servers:
        if self._servers is None:
            self._servers = find_servers(self._env)
        return self._servers

    def sql(self, backend: str, statement: str) -> None:
        """One SQL statement on the server, with its command-line client."""
        url = self.servers.mariadb_url if backend == "mariadb" else self.servers.postgres_url
        p = urllib.parse.urlsplit(url)
        env = dict(self._child_env)
        if backend == "mariadb":
            env["MYSQL_PWD"] = urllib.parse.unquote(p.password or "")
            argv = ["mysql", "--protocol=TCP", "-h", str(p.hostname), "-P", str(p.port), "-u", str(p.username),
                    "-e", statement]
        else:
            env["PGPASSWORD"] = urllib.parse.unquote(p.password or "")
            env["PGOPTIONS"] = "-c client_min_messages=warning"
            argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(p.hostname), "-p", str(p.port),
                    "-U", str(p.username), "-d", "postgres", "-c", statement]
        proc = subprocess.run(argv, check=False, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise BenchError(f"{backend}: `{statement}` failed (exit {proc.returncode})")

    def name(self, suffix: str) -> str:
        return f"folio_b_{os.getpid()}_{suffix}"

    def create(self, backend: str, suffix: str) -> str:
        """A fresh database folio_b_<pid>_<suffix>; its URL."""
        name = self.name(suffix)
        if backend == "mariadb":
            self.sql(backend, f"DROP DATABASE IF EXISTS {name}")
            self.sql(backend, f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
            url = self.servers.mariadb_url
        elif backend == "postgres":
            self.sql(backend, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            self.sql(backend, f"CREATE DATABASE {name}")
            url = self.servers.postgres_url
        else:
            raise BenchError(f"create_db: unknown backend {backend}")
        self.made.append((backend, name))
        return url_with_db(url, name)

    def drop(self, backend: str, name: str) -> None:
        force = " WITH (FORCE)" if backend == "postgres" else ""
        self.sql(backend, f"DROP DATABASE IF EXISTS {name}{force}")
        if (backend, name) in self.made:
            self.made.remove((backend, name))

    def drop_all(self) -> None:
        for backend, name in list(self.made):
            try:
                self.drop(backend, name)
            except BenchError:
                warn(f"bench/run.sh: could not drop database {name}")
        self.made.clear()
