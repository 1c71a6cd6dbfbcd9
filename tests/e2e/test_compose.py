"""The Compose stack (compose.yaml) on the real Docker engine, with images built here.

Every image is built by `scripts/images` from this repository and Debian's packages
(Folio from the binary under test), and compose.yaml is pointed at them through its
image variables. The test brings the stack up from nothing, waits for health, publishes
a post through the API behind Nginx, reads it from every replica, scales the web tier
from 1 to 3 and back to 1 while reading through Nginx, and tears everything down.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid

import pytest

from support import REPO_ROOT, folio_bin, free_port, http_request

pytestmark = pytest.mark.skipif(
    shutil.which("docker") is None or shutil.which("docker-compose") is None, reason="needs Docker and docker-compose"
)


def run(*args: str, env: dict[str, str] | None = None, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(list(args), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if check and out.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({out.returncode}):\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
    return out


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    """Builds every image of the stack; returns compose.yaml's image variables."""
    env = dict(os.environ, FOLIO_BIN=str(folio_bin()), FOLIO_IMAGE="folio-test/folio")
    tags = run("scripts/images", "all", env=env, timeout=900).stdout.split()
    by_name = {tag.split("/")[1].split(":")[0]: tag for tag in tags}
    return {
        "FOLIO_IMAGE": by_name["folio"],
        "NGINX_IMAGE": by_name["nginx"],
        "MARIADB_IMAGE": by_name["mariadb"],
        "POSTGRES_IMAGE": by_name["postgres"],
        "REDIS_IMAGE": by_name["redis"],
    }


class Stack:
    def __init__(self, images: dict[str, str], tmp_path, extra_files: tuple[str, ...] = ()):
        self.project = f"foliotest{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        secrets = tmp_path / "secrets"
        self.env = dict(
            os.environ,
            **images,
            FOLIO_SECRETS_DIR=str(secrets),
            FOLIO_PORT=str(self.port),
            FOLIO_BASE_URL=f"http://127.0.0.1:{self.port}",
            DB_SCHEME="postgres" if extra_files else "mysql",
        )
        run("scripts/compose-secrets", env=self.env)
        files: list[str] = ["-f", "compose.yaml"]
        for f in extra_files:
            files += ["-f", f]
        self.base = ["docker-compose", "-p", self.project, *files]

    def compose(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run(*self.base, *args, env=self.env, timeout=timeout, check=check)

    def containers(self, service: str) -> list[str]:
        out = run("docker", "ps", "-q", "--filter", f"label=com.docker.compose.project={self.project}",
                  "--filter", f"label=com.docker.compose.service={service}")
        return out.stdout.split()

    def inspect(self, container: str) -> dict:
        return json.loads(run("docker", "inspect", container).stdout)[0]

    def wait_healthy(self, service: str, count: int, limit: float = 120) -> list[str]:
        deadline = time.monotonic() + limit
        while True:
            ids = self.containers(service)
            states = [self.inspect(c)["State"].get("Health", {}).get("Status") for c in ids]
            if len(ids) == count and all(s == "healthy" for s in states):
                return ids
            if time.monotonic() > deadline:
                raise AssertionError(f"{service}: wanted {count} healthy, have {states}\n" + self.compose("logs", "--tail", "30", check=False).stdout[-4000:])
            time.sleep(0.5)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def get_from(self, container: str, path: str) -> str:
        """GETs `path` from one replica directly, from inside the Nginx container."""
        nginx = self.containers("nginx")[0]
        ip = next(iter(self.inspect(container)["NetworkSettings"]["Networks"].values()))["IPAddress"]
        return run("docker", "exec", nginx, "curl", "-fsS", f"http://{ip}:8080{path}").stdout

    def down(self) -> None:
        self.compose("down", "-v", "--remove-orphans", timeout=180, check=False)


def owner_token(stack: Stack) -> str:
    replica = stack.containers("folio")[0]
    run("docker", "exec", "-i", replica, "/usr/local/bin/folio", "user", "create", "--email", "owner@example.com",
        "--name", "Olive Owner", "--role", "owner")
    return run("docker", "exec", replica, "/usr/local/bin/folio", "token", "create", "--email", "owner@example.com").stdout.strip()


def load(stack: Stack, seconds: float, path: str = "/") -> tuple[int, int]:
    """GETs through Nginx for `seconds`; returns (ok, failed)."""
    ok = failed = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status = http_request(stack.url(path), timeout=5).status
        except OSError:
            status = 0
        if status == 200:
            ok += 1
        else:
            failed += 1
    return ok, failed


@pytest.mark.parametrize("database", ["mariadb", "postgres"])
def test_the_stack_comes_up_serves_every_replica_scales_and_goes_away(images, tmp_path, database):
    stack = Stack(images, tmp_path, () if database == "mariadb" else ("deploy/compose/postgres.yaml",))
    try:
        started = time.monotonic()
        stack.compose("up", "-d", "--scale", "folio=1")
        stack.wait_healthy("folio", 1)
        stack.wait_healthy("nginx", 1)
        up_after = time.monotonic() - started
        migrate = stack.compose("ps", "-a", "migrate").stdout
        assert "Exit 0" in migrate, migrate

        token = owner_token(stack)
        created = http_request(stack.url("/api/v1/admin/posts"), method="POST",
                               body=json.dumps({"title": "Hello from Compose", "markdown": "Served by **every** replica.",
                                                "status": "published"}).encode(),
                               headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
        assert created.status == 201, created.text

        # 1 → 3: the new replicas serve the post; Nginx finds them by name.
        stack.compose("up", "-d", "--no-recreate", "--scale", "folio=3")
        replicas = stack.wait_healthy("folio", 3)
        for replica in replicas:
            assert "Hello from Compose" in stack.get_from(replica, "/hello-from-compose/")
        served = set()
        for _ in range(30):
            reply = http_request(stack.url("/hello-from-compose/"))
            assert reply.status == 200
            served.add(reply.headers.get("x-folio-cache"))
        ok, failed = load(stack, 2)
        assert failed == 0 and ok > 0

        # 3 → 1 while reading through Nginx: removed replicas drain, readers see nothing.
        scaler = subprocess.Popen([*stack.base, "up", "-d", "--no-recreate", "--scale", "folio=1"], cwd=REPO_ROOT,
                                  env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ok, failed = load(stack, 6)
        assert scaler.wait(timeout=120) == 0
        assert len(stack.containers("folio")) == 1
        assert failed == 0, f"{failed} failed of {ok + failed} GETs while scaling 3 → 1"
        print(f"{database}: up to serving in {up_after:.1f} s; scale-down under load: {ok} GETs, {failed} failed")
    finally:
        stack.down()
    left = run("docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={stack.project}").stdout.split()
    assert left == [], "nothing left running"
    volumes = run("docker", "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={stack.project}").stdout.split()
    assert volumes == []
