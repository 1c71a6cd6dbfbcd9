"""The Folio image on the real Docker engine of this machine.

The image is built by `scripts/images folio` from the binary under test (no registry:
the Debian base is made with debootstrap), then run as a user would run it:
`docker run` with a read-only root filesystem and a data volume gives a working blog,
the health check turns healthy, `docker stop` drains and exits 0; a read-only data
volume or a missing secret ends in one clear log line and no serving.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from support import REPO_ROOT as ROOT, folio_bin, free_port, http_request

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs a Docker engine")


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


@pytest.fixture(scope="module")
def image() -> str:
    """Builds the image from the binary under test; returns its revision tag."""
    env = dict(os.environ, FOLIO_BIN=str(folio_bin()), FOLIO_IMAGE="folio-test/folio")
    out = subprocess.run(["scripts/images", "folio"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


@pytest.fixture
def names():
    """Unique container and volume names, removed afterwards whatever happened."""
    made: list[tuple[str, str]] = []

    def make(kind: str) -> str:
        name = f"folio-test-{uuid.uuid4().hex[:10]}"
        made.append((kind, name))
        return name

    yield make
    # Containers first: a volume still mounted by one cannot be removed.
    for kind, name in sorted(made, key=lambda made: made[0] != "container"):
        if kind == "container":
            docker("rm", "-f", "-v", name, check=False)
        else:
            docker("volume", "rm", "-f", name, check=False)
    left = [name for kind, name in made
            if docker(kind, "inspect", name, check=False).returncode == 0]
    assert not left, f"left behind: {left}"


def health(container: str) -> str:
    state = json.loads(docker("inspect", container).stdout)[0]["State"]
    return state.get("Health", {}).get("Status", state["Status"])


def wait_for(container: str, wanted: set[str], limit: float = 40) -> str:
    deadline = time.monotonic() + limit
    status = health(container)
    while status not in wanted and time.monotonic() < deadline:
        time.sleep(0.3)
        status = health(container)
    return status


def test_one_command_runs_a_blog_as_a_non_root_user_on_a_read_only_root(image, names):
    container, volume = names("container"), names("volume")
    port = free_port()
    started = time.monotonic()
    docker("run", "-d", "--name", container, "--read-only", "-v", f"{volume}:/data",
           "-p", f"127.0.0.1:{port}:8080", "-e", f"FOLIO_BASE_URL=http://127.0.0.1:{port}", image)
    assert wait_for(container, {"healthy", "unhealthy", "exited"}) == "healthy", docker("logs", container).stderr
    healthy_after = time.monotonic() - started

    home = http_request(f"http://127.0.0.1:{port}/")
    assert home.status == 200
    assert "<html" in home.text.lower()
    assert f"http://127.0.0.1:{port}/admin/" in home.text, "a new site says where to start"

    # First run, as the README tells it: the host is another machine to the container,
    # so set-up needs the link from the log, and the refusal says how to get in.
    refused = http_request(f"http://127.0.0.1:{port}/admin/setup")
    assert refused.status == 403
    assert "docker exec -i &lt;container&gt; folio user create" in refused.text, refused.text
    logs = docker("logs", container)
    link = next(word for word in (logs.stdout + logs.stderr).replace('"', " ").split()
                if "/admin/setup?token=" in word)
    assert link.startswith(f"http://127.0.0.1:{port}/admin/setup?token="), link
    assert http_request(link).status == 200, "the link from the log opens set-up from the host"
    made = subprocess.run(
        ["docker", "exec", "-i", container, "folio", "user", "create", "--email", "owner@example.com",
         "--name", "Olive Owner", "--role", "owner", "--password-stdin"],
        input="a long passphrase for the owner\n", capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert "created owner user" in made.stderr
    info = json.loads(docker("inspect", container).stdout)[0]
    assert info["Config"]["User"] == "10001:10001", "runs unprivileged"
    assert info["HostConfig"]["ReadonlyRootfs"] is True
    labels = info["Config"]["Labels"]
    assert labels["org.opencontainers.image.version"], labels
    revision = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    assert labels["org.opencontainers.image.revision"] == revision
    assert labels["org.opencontainers.image.source"].startswith("https://")
    # The root is read-only, so the database can only be on the data volume.
    base = os.environ.get("FOLIO_BASE_IMAGE", "folio-local/debian:bookworm")
    assert "folio.db" in docker("run", "--rm", "-v", f"{volume}:/data", base, "ls", "/data").stdout

    stop = docker("stop", "-t", "20", container)
    assert stop.returncode == 0
    info = json.loads(docker("inspect", container).stdout)[0]
    assert info["State"]["ExitCode"] == 0, "a clean stop on SIGTERM"
    logs = docker("logs", container).stdout + docker("logs", container).stderr
    assert "shutting down" in logs and '"stopped"' in logs, logs[-2000:]
    print(f"healthy after {healthy_after:.1f} s")


def test_a_read_only_data_volume_is_named_and_never_served(image, names):
    container, volume = names("container"), names("volume")
    docker("run", "-d", "--name", container, "--read-only", "-v", f"{volume}:/data:ro", image)
    status = wait_for(container, {"exited", "unhealthy", "healthy"})
    assert status in {"exited", "unhealthy"}, status
    logs = docker("logs", container)
    text = (logs.stdout + logs.stderr).strip()
    assert "/data" in text and ("Read-only" in text or "read-only" in text), text[-1500:]


def test_a_missing_secret_file_is_named_and_never_served(image, names):
    container = names("container")
    docker("run", "-d", "--name", container, "--read-only", "--tmpfs", "/data:uid=10001",
           "-e", "FOLIO_DATABASE_URL_FILE=/run/secrets/folio-db-url", image)
    assert wait_for(container, {"exited", "unhealthy", "healthy"}) in {"exited", "unhealthy"}
    logs = docker("logs", container)
    text = (logs.stdout + logs.stderr).strip()
    last = text.splitlines()[-1]
    assert "FOLIO_DATABASE_URL_FILE" in last and "/run/secrets/folio-db-url" in last, text[-1500:]


@pytest.mark.parametrize(
    "url, cause",
    [
        ("mysql://folio:s3cret-pw@127.0.0.1:1/folio", "Connection refused"),
        ("postgres://folio:s3cret-pw@127.0.0.1:{pg_port}/folio", "password authentication failed"),
    ],
    ids=["unreachable", "wrong-password"],
)
def test_a_database_it_cannot_use_is_named_in_one_line_without_the_password(image, names, url, cause):
    pg_url = os.environ.get("FOLIO_TEST_POSTGRES_URL", "postgres://folio:folio@127.0.0.1:5433")
    url = url.format(pg_port=pg_url.rsplit(":", 1)[1].split("/")[0])
    container = names("container")
    # The host's network, so that 127.0.0.1 is the test servers' loopback.
    docker("run", "-d", "--name", container, "--network", "host", "--read-only", "--tmpfs", "/data:uid=10001",
           "-e", f"FOLIO_DATABASE_URL={url}", "-e", f"FOLIO_LISTEN=127.0.0.1:{free_port()}", image)
    assert wait_for(container, {"exited", "unhealthy", "healthy"}) in {"exited", "unhealthy"}
    logs = docker("logs", container)
    text = (logs.stdout + logs.stderr).strip()
    last = text.splitlines()[-1]
    assert cause in last and "FOLIO_DATABASE_URL" in last, text[-1500:]
    assert "s3cret-pw" not in text, "the password is never printed"
