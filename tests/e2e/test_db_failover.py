"""A primary database failover with a read replica, on PostgreSQL: the primary dies, its
hot standby is promoted, and the address Folio writes to moves to it (a TCP relay of the
test's own, standing in for the virtual IP, DNS name or proxy of a real site). Folio is
not restarted.

Checked, under a continuous load of page reads (cached and uncached): no reader sees an
error at any point; writes are refused with 503 while there is no primary, and succeed
again once the address reaches the promoted server; nothing acknowledged before the
primary died is lost (the standby is synchronous, as a site that must not lose an
acknowledged write runs it). The timings are printed (`pytest -s`).

The two PostgreSQL servers are this test's own (initdb and pg_basebackup from Debian's
packages, on free loopback ports), so promoting one never touches the servers other tests
use.
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
pytestmark = pytest.mark.skipif(not PG_BINS, reason="needs PostgreSQL (Debian: postgresql)")


def as_postgres(*command: str | Path, check: bool = True) -> subprocess.CompletedProcess:
    """Runs a PostgreSQL program as the `postgres` user when this is root (they refuse to
    run as root)."""
    args = [str(c) for c in command]
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, capture_output=True, text=True, check=check, cwd="/tmp", timeout=120)


class Cluster:
    """A PostgreSQL primary and a synchronous hot standby streaming from it."""

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

    def stop(self) -> None:
        for data in (self.primary, self.standby):
            as_postgres(self.bin / "pg_ctl", "-D", data, "stop", "-m", "immediate", check=False)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="folio-failover-", dir="/tmp"))
    if os.geteuid() == 0:
        uid = pwd.getpwnam("postgres")
        os.chown(root, uid.pw_uid, uid.pw_gid)
    c = Cluster(root)
    try:
        c.start()
        yield c
    finally:
        c.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_a_primary_failover_costs_readers_nothing_and_writes_resume_without_a_restart(
    cluster: Cluster, folio_path: Path, tmp_path: Path
) -> None:
    relay = Relay(("127.0.0.1", cluster.primary_port))
    site = Folio(
        folio_path,
        tmp_path,
        extra_env={
            "FOLIO_DATABASE_URL": f"postgres://folio@127.0.0.1:{relay.port}/folio",
            "FOLIO_DATABASE_REPLICA_URLS": f"postgres://folio@127.0.0.1:{cluster.standby_port}/folio",
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
        as_postgres(cluster.bin / "pg_ctl", "-D", cluster.primary, "stop", "-m", "immediate")
        died = time.monotonic()
        refused = site.api("POST", "/api/v1/admin/posts", {"title": "During", "markdown": "x", "status": "published"})
        assert refused.status == 503, refused
        refused_after = time.monotonic() - died

        # The standby is promoted, and the primary's address moved to it.
        time.sleep(1)
        cluster.pg_ctl(cluster.standby, "promote")
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
            f"\nprimary failover: a write {refused_after:.2f} s after the primary died was refused with 503; "
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
