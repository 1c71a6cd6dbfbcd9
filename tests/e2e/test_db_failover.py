"""A primary database failover with a read replica, on PostgreSQL and on MariaDB: the
primary dies, its replica is promoted, and the address Folio writes to moves to it (a TCP
relay of the test's own, standing in for the virtual IP, DNS name or proxy of a real
site). Folio is not restarted.

Checked, under a continuous load of page reads (cached and uncached): no reader sees an
error at any point; writes are refused with 503 while there is no primary, and succeed
again once the address reaches the promoted server; nothing acknowledged before the
primary died is lost (the replica is synchronous: PostgreSQL's synchronous standby,
MariaDB's semi-synchronous replication waiting after sync, as a site that must not lose
an acknowledged write runs them). The timings are printed (`pytest -s`).

The servers are this test's own (initdb and pg_basebackup; mariadb-install-db and GTID
replication; from Debian's packages, on free loopback ports), so promoting one never
touches the servers other tests use.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from support import Folio, Relay, free_port, http_request

PG_BINS = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: float(p.parent.parent.name))
MARIADBD = shutil.which("mariadbd") or "/usr/sbin/mariadbd"


def as_postgres(*command: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    """Runs a PostgreSQL program as the `postgres` user when this is root (they refuse to
    run as root)."""
    args = [str(c) for c in command]
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, check=check, cwd="/tmp", timeout=120)


class Postgres:
    """A PostgreSQL primary and a synchronous hot standby streaming from it."""

    name = "PostgreSQL"

    def __init__(self, root: Path) -> None:
        self.bin = PG_BINS[-1].parent
        self.root = root
        self.primary_port, self.standby_port = free_port(), free_port()
        self.primary = root / "primary"
        self.standby = root / "standby"

    def conf(self, data: Path, port: int) -> None:
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                f"\nport = {port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\n"
                "synchronous_commit = on\n"
                "fsync = off\nfull_page_writes = off\n"
            )

    def start(self) -> None:
        as_postgres(self.bin / "initdb", "-D", self.primary, "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.conf(self.primary, self.primary_port)
        self.pg_ctl(self.primary, "start")
        self.psql(self.primary_port, "CREATE ROLE folio LOGIN")
        self.psql(self.primary_port, "CREATE DATABASE folio OWNER folio")
        as_postgres(
            self.bin / "pg_basebackup", "-h", self.root, "-p", self.primary_port, "-U", "postgres",
            "-D", self.standby, "-X", "stream", "-R", "--checkpoint=fast",
        )
        with open(self.standby / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.standby_port}\n")
        self.pg_ctl(self.standby, "start")
        # Synchronous from now on: a commit is acknowledged once the standby has it.
        self.psql(self.primary_port, "ALTER SYSTEM SET synchronous_standby_names = '*'")
        self.psql(self.primary_port, "SELECT pg_reload_conf()")
        deadline = time.monotonic() + 30
        while self.psql(self.primary_port, "SELECT sync_state FROM pg_stat_replication").strip() != "sync":
            assert time.monotonic() < deadline, "the standby did not become synchronous"
            time.sleep(0.1)

    def pg_ctl(self, data: Path, *args: str) -> None:
        as_postgres(self.bin / "pg_ctl", "-D", data, "-l", data.parent / f"{data.name}.log", "-w", "-t", "60", *args)

    def psql(self, port: int, sql: str) -> str:
        return as_postgres(
            self.bin / "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", self.root,
            "-p", port, "-U", "postgres", "-d", "postgres", "-c", sql,
        ).stdout

    def url(self, port: int) -> str:
        return f"postgres://folio@127.0.0.1:{port}/folio"

    def kill_primary(self) -> None:
        as_postgres(self.bin / "pg_ctl", "-D", self.primary, "stop", "-m", "immediate")

    def promote(self) -> None:
        self.pg_ctl(self.standby, "promote")

    def stop(self) -> None:
        for data in (self.primary, self.standby):
            as_postgres(self.bin / "pg_ctl", "-D", data, "stop", "-m", "immediate", check=False)


class MariaDB:
    """A MariaDB primary and a replica following it by GTID, semi-synchronously (a commit
    is acknowledged once the replica has it)."""

    name = "MariaDB"
    owner = "mysql"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.primary_port, self.standby_port = free_port(), free_port()
        self.servers: dict[int, subprocess.Popen] = {}

    def socket(self, port: int) -> Path:
        return self.root / f"{port}.sock"

    def run(self, port: int, *extra: str) -> None:
        data = self.root / f"data-{port}"
        install = ["mariadb-install-db", "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db"]
        if os.geteuid() == 0:
            install.append("--user=mysql")
        subprocess.run(install, capture_output=True, check=True, timeout=120)
        command = [
            MARIADBD, "--no-defaults", f"--datadir={data}", f"--socket={self.socket(port)}",
            f"--port={port}", "--bind-address=127.0.0.1", "--skip-name-resolve",
            f"--log-error={self.root}/{port}.log", f"--pid-file={self.root}/{port}.pid",
            "--character-set-server=utf8mb4", "--innodb-flush-log-at-trx-commit=0",
            "--log-bin", "--binlog-format=ROW", *extra,
        ]
        if os.geteuid() == 0:
            command.append("--user=mysql")
        self.servers[port] = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while self.sql(port, "SELECT 1", check=False).returncode != 0:
            assert time.monotonic() < deadline and self.servers[port].poll() is None, (self.root / f"{port}.log").read_text()[-3000:]
            time.sleep(0.2)

    def sql(self, port: int, statement: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["mariadb", "--no-defaults", f"--socket={self.socket(port)}", "-uroot", "-N", "-B", "-e", statement],
            capture_output=True, text=True, check=check, timeout=60,
        )

    def start(self) -> None:
        self.run(self.primary_port, "--server-id=1", "--rpl-semi-sync-master-wait-point=AFTER_SYNC",
                 "--rpl-semi-sync-master-timeout=60000")
        self.run(self.standby_port, "--server-id=2", "--rpl-semi-sync-slave-enabled=ON")
        self.sql(self.primary_port, "CREATE USER 'replicator'@'127.0.0.1' IDENTIFIED BY 'replicator'; "
                 "GRANT REPLICATION SLAVE ON *.* TO 'replicator'@'127.0.0.1'")
        position = self.sql(self.primary_port, "SELECT @@gtid_binlog_pos").stdout.strip()
        self.sql(self.standby_port, f"SET GLOBAL gtid_slave_pos = '{position}'; "
                 f"CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {self.primary_port}, "
                 "MASTER_USER = 'replicator', MASTER_PASSWORD = 'replicator', MASTER_USE_GTID = slave_pos, "
                 "MASTER_CONNECT_RETRY = 1; START REPLICA")
        # Semi-synchronous from now on: a commit is acknowledged once the replica has it.
        self.sql(self.primary_port, "SET GLOBAL rpl_semi_sync_master_enabled = ON")
        deadline = time.monotonic() + 30
        while self.sql(self.primary_port, "SHOW STATUS LIKE 'Rpl_semi_sync_master_clients'").stdout.split()[-1] != "1":
            assert time.monotonic() < deadline, self.sql(self.standby_port, "SHOW REPLICA STATUS\\G").stdout
            time.sleep(0.1)
        # Made on the primary, so the replica gets the database and the account by replication.
        self.sql(self.primary_port, "CREATE DATABASE folio CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; "
                 "CREATE USER 'folio'@'127.0.0.1'; GRANT ALL PRIVILEGES ON folio.* TO 'folio'@'127.0.0.1'; "
                 "GRANT SLAVE MONITOR ON *.* TO 'folio'@'127.0.0.1'")

    def url(self, port: int) -> str:
        return f"mysql://folio@127.0.0.1:{port}/folio"

    def kill_primary(self) -> None:
        self.servers[self.primary_port].kill()
        self.servers[self.primary_port].wait()

    def promote(self) -> None:
        self.sql(self.standby_port, "STOP REPLICA; RESET REPLICA ALL; SET GLOBAL read_only = 0")

    def stop(self) -> None:
        for server in self.servers.values():
            server.kill()
            server.wait()


@pytest.fixture(params=["postgres", "mariadb"])
def cluster(request: pytest.FixtureRequest) -> Iterator[Postgres | MariaDB]:
    kind = Postgres if request.param == "postgres" else MariaDB
    if kind is Postgres and not PG_BINS:
        pytest.skip("needs PostgreSQL (Debian: postgresql)")
    if kind is MariaDB and not Path(MARIADBD).exists():
        pytest.skip("needs MariaDB (Debian: mariadb-server)")
    root = Path(tempfile.mkdtemp(prefix="folio-failover-", dir="/tmp"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres" if kind is Postgres else "mysql")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    c = kind(root)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_a_primary_failover_costs_readers_nothing_and_writes_resume_without_a_restart(
    cluster: Postgres | MariaDB, folio_path: Path, tmp_path: Path
) -> None:
    relay = Relay(("127.0.0.1", cluster.primary_port))
    site = Folio(
        folio_path,
        tmp_path,
        extra_env={
            "FOLIO_DATABASE_URL": cluster.url(relay.port),
            "FOLIO_DATABASE_REPLICA_URLS": cluster.url(cluster.standby_port),
        },
    )
    site.setup_owner()
    site.start()
    try:
        acknowledged = [site.create_post(title=f"Before {n}", markdown="Words.", status="published", tags=["kept"]) for n in range(5)]
        paths = [site.path_of(p["url"]) for p in acknowledged]

        errors: list[str] = []
        reads = 0
        stop = threading.Event()

        def readers() -> None:
            nonlocal reads
            n = 0
            while not stop.is_set():
                n += 1
                # Cached pages, and pages no one asked for before (rendered now).
                for path in ["/", paths[0], "/feed.xml", f"/tag/kept/?n={n}", f"/search?q=Before&n={n}"]:
                    try:
                        reply = http_request(site.url + path, timeout=10)
                        if reply.status != 200:
                            errors.append(f"{path}: {reply.status}")
                    except OSError as e:
                        errors.append(f"{path}: {e}")
                    reads += 1

        thread = threading.Thread(target=readers, daemon=True)
        thread.start()
        time.sleep(1)

        # The primary dies.
        cluster.kill_primary()
        died = time.monotonic()
        refused = site.api("POST", "/api/v1/admin/posts", {"title": "During", "markdown": "x", "status": "published"})
        assert refused.status == 503, refused
        refused_after = time.monotonic() - died

        # The standby is promoted, and the primary's address moved to it.
        time.sleep(1)
        cluster.promote()
        relay.target = ("127.0.0.1", cluster.standby_port)
        moved = time.monotonic()
        while True:
            reply = site.api("POST", "/api/v1/admin/posts", {"title": "After", "markdown": "x", "status": "published"})
            if reply.status == 201:
                break
            assert reply.status == 503, reply
            assert time.monotonic() - moved < 30, "writes did not resume within 30 s of the move"
            time.sleep(0.1)
        resumed_after = time.monotonic() - moved
        time.sleep(1)
        stop.set()
        thread.join(timeout=30)

        print(
            f"\n{cluster.name} primary failover: a write {refused_after:.2f} s after the primary died was refused with 503; "
            f"writes resumed {resumed_after:.2f} s after the address moved to the promoted standby; "
            f"{reads} reads, {len(errors)} failed"
        )
        assert not errors, f"{len(errors)} of {reads} reads failed: {errors[:5]}"
        assert reads >= 10, f"only {reads} reads during the failover"
        # Nothing acknowledged is lost, and the new primary serves it.
        for path in paths:
            page = site.get(path)
            assert page.status == 200, (path, page)
        assert "After" in site.get("/").text
    finally:
        site.stop()
        relay.close()
