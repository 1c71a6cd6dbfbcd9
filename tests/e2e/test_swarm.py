"""The Swarm stack files (deploy/swarm/) on this engine's swarm mode.

stack.yaml puts the services on an overlay network, which carries nothing on this
kernel (no VXLAN or IPVS; see docs/DEPLOYMENT.md, "Swarm"), and swarm services are found
by name only on an overlay. What swarm mode can check of it, the first test checks:
`docker stack deploy` accepts the shipped file with the images built here (no image
pulled), and the services it creates carry what the file promises — three Folio
replicas, updated one at a time with the new task started first and rolled back on
failure, restarted when they stop, read-only, the database URL as a Docker secret; Nginx
published on the host and pointed at `tasks.folio` — and `docker stack rm` takes it all
away again.

stack-host.yaml runs the same services on the host's network, the replicas sharing one
address (SO_REUSEPORT). That one really serves here, so the second test takes it through
what an orchestrator is for, under a bounded load through Nginx on loopback: a
start-first rolling update to a new image, a replica's container killed, and scaling
3 → 5 → 2, each with no failed GET.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid

import pytest

from support import free_port, gradient_png, http_request, upload_with_token
from test_compose import Load, images, run  # noqa: F401  (`images` is a fixture)

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs Docker")


def swarm_state() -> str:
    return run("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()


@pytest.fixture
def swarm():
    """This engine in swarm mode for the test; left again if the test turned it on, with
    the docker_gwbridge network that `docker swarm init` creates (leaving keeps it)."""
    joined = swarm_state() != "active"
    had_gwbridge = run("docker", "network", "inspect", "docker_gwbridge", check=False).returncode == 0
    if joined:
        run("docker", "swarm", "init", "--advertise-addr", "127.0.0.1")
    try:
        yield
    finally:
        if joined:
            run("docker", "swarm", "leave", "--force", check=False)
            if not had_gwbridge:
                # Removable once the swarm's ingress endpoint on it is gone.
                deadline = time.monotonic() + 30
                while run("docker", "network", "inspect", "docker_gwbridge", check=False).returncode == 0:
                    if run("docker", "network", "rm", "docker_gwbridge", check=False).returncode != 0:
                        assert time.monotonic() < deadline, "docker_gwbridge is still in use 30 s after leaving the swarm"
                        time.sleep(0.5)


def service_status(name: str) -> dict:
    """Where the service's last update stands (`UpdateStatus`: updating, completed, ...)."""
    return json.loads(run("docker", "service", "inspect", name).stdout)[0].get("UpdateStatus") or {}


def service(name: str) -> dict:
    return json.loads(run("docker", "service", "inspect", name).stdout)[0]["Spec"]


def test_the_stack_deploys_with_the_promised_update_restart_and_secret_settings(images, swarm, tmp_path):  # noqa: F811
    stack = f"foliotest{uuid.uuid4().hex[:8]}"
    secrets = tmp_path / "secrets"
    env = dict(os.environ, **images, FOLIO_SECRETS_DIR=str(secrets), FOLIO_PORT=str(free_port()))
    run("scripts/compose-secrets", env=env)
    try:
        run("docker", "stack", "deploy", "--resolve-image", "never", "-c", "deploy/swarm/stack.yaml", stack, env=env)

        folio = service(f"{stack}_folio")
        assert folio["Mode"]["Replicated"]["Replicas"] == 3
        update = folio["UpdateConfig"]
        assert (update["Parallelism"], update["Order"], update["FailureAction"]) == (1, "start-first", "rollback")
        assert folio["RollbackConfig"]["Order"] == "start-first"
        task = folio["TaskTemplate"]
        assert task["RestartPolicy"]["Condition"] == "any"
        container = task["ContainerSpec"]
        assert container["Image"] == images["FOLIO_IMAGE"]
        assert container["ReadOnly"] is True
        assert "FOLIO_DATABASE_URL_FILE=/run/secrets/folio_database_url" in container["Env"]
        assert sorted(s["File"]["Name"] for s in container["Secrets"]) == ["folio_database_url", "s3_key_id", "s3_secret"]
        assert "FOLIO_MEDIA_URL=s3://folio-media" in container["Env"]
        assert not container.get("Mounts"), "the web tier mounts no volume: the media library is in the bucket"
        assert container["StopGracePeriod"] == 30 * 10**9, "time to drain before SIGKILL"

        nginx = service(f"{stack}_nginx")
        assert nginx["TaskTemplate"]["ContainerSpec"]["Image"] == images["NGINX_IMAGE"]
        assert "FOLIO_UPSTREAM=tasks.folio:8080" in nginx["TaskTemplate"]["ContainerSpec"]["Env"]
        assert [p["PublishMode"] for p in nginx["EndpointSpec"]["Ports"]] == ["host"]

        s3 = service(f"{stack}_s3")["TaskTemplate"]["ContainerSpec"]
        assert s3["Image"] == images["GARAGE_IMAGE"]
        assert "GARAGE_BUCKET=folio-media" in s3["Env"]
        assert [m["Target"] for m in s3["Mounts"]] == ["/var/lib/garage"]

        db = service(f"{stack}_db")
        assert "MARIADB_PASSWORD_FILE=/run/secrets/db_password" in db["TaskTemplate"]["ContainerSpec"]["Env"]

        # The orchestrator places the three Folio tasks (on this engine they cannot reach
        # the database over the overlay; see the module's notes).
        deadline = time.monotonic() + 60
        while True:
            tasks = run("docker", "service", "ps", "-q", f"{stack}_folio").stdout.split()
            if len(tasks) >= 3:
                break
            assert time.monotonic() < deadline, f"{len(tasks)} Folio tasks after 60 s"
            time.sleep(1)
    finally:
        remove_stack(stack)


def remove_stack(stack: str) -> None:
    """`docker stack rm`, then waits until nothing of it is left, volumes included."""
    run("docker", "stack", "rm", stack, check=False)
    # Tasks being started when the stack went may still create a container: gone means
    # nothing left on two looks two seconds apart.
    deadline, quiet = time.monotonic() + 120, 0
    while quiet < 2 and time.monotonic() < deadline:
        quiet = 0 if leftovers(stack) else quiet + 1
        time.sleep(2)
    for volume in run("docker", "volume", "ls", "-q", "--filter", f"label=com.docker.stack.namespace={stack}").stdout.split():
        run("docker", "volume", "rm", "-f", volume, check=False)
    assert leftovers(stack) == [], "nothing left running"


def leftovers(stack: str) -> list[str]:
    label = f"label=com.docker.stack.namespace={stack}"
    return run("docker", "service", "ls", "-q", "--filter", label).stdout.split() + \
        run("docker", "ps", "-aq", "--filter", label).stdout.split()


class HostStack:
    """stack-host.yaml deployed under a fresh name, every port a free one."""

    def __init__(self, images: dict[str, str], tmp_path):
        self.name = f"foliohost{uuid.uuid4().hex[:8]}"
        ports = {var: str(free_port()) for var in ("FOLIO_PORT", "FOLIO_REPLICA_PORT", "DB_PORT", "REDIS_PORT")}
        ports["S3_PORT"] = str(free_port(4))  # Garage's API, RPC, website and admin
        self.port = int(ports["FOLIO_PORT"])
        self.env = dict(os.environ, **images, **ports, FOLIO_SECRETS_DIR=str(tmp_path / "secrets"), DB_HOST="127.0.0.1",
                        FOLIO_BASE_URL=f"http://127.0.0.1:{self.port}")
        run("scripts/compose-secrets", env=self.env)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def containers(self, service: str) -> list[str]:
        """The running containers of one of the stack's services."""
        return run("docker", "ps", "-q", "--filter", f"label=com.docker.swarm.service.name={self.name}_{service}").stdout.split()

    def wait_healthy(self, service: str, count: int, image: str | None = None, limit: float = 180) -> list[str]:
        deadline = time.monotonic() + limit
        while True:
            ids = self.containers(service)
            found = [json.loads(run("docker", "inspect", c).stdout)[0] for c in ids]
            states = [(c["State"].get("Health", {}).get("Status"), c["Config"]["Image"]) for c in found]
            if len(ids) == count and all(h == "healthy" and image in (None, i) for h, i in states):
                return ids
            if time.monotonic() > deadline:
                tasks = run("docker", "service", "ps", "--no-trunc", f"{self.name}_{service}", check=False).stdout
                logs = run("docker", "service", "logs", "--tail", "20", f"{self.name}_{service}", check=False)
                raise AssertionError(f"{service}: wanted {count} healthy, have {states}\n{tasks[-3000:]}\n"
                                     f"--- the service's last log lines ---\n{(logs.stdout + logs.stderr)[-3000:]}")
            time.sleep(0.5)


def test_on_the_host_network_updates_kills_and_scaling_fail_no_request(images, swarm, tmp_path):  # noqa: F811
    stack = HostStack(images, tmp_path)
    folio = f"{stack.name}_folio"
    new_image = images["FOLIO_IMAGE"].rsplit(":", 1)[0] + ":swarm-rollout"
    run("docker", "tag", images["FOLIO_IMAGE"], new_image)
    try:
        started = time.monotonic()
        run("docker", "stack", "deploy", "--resolve-image", "never", "-c", "deploy/swarm/stack-host.yaml", stack.name, env=stack.env)
        replicas = stack.wait_healthy("folio", 3)
        stack.wait_healthy("nginx", 1)
        up_after = time.monotonic() - started

        # A post written through Nginx is read back through it (by whichever replicas the
        # kernel hands the connections to).
        run("docker", "exec", "-i", replicas[0], "/usr/local/bin/folio", "user", "create", "--email", "owner@example.com",
            "--name", "Olive Owner", "--role", "owner")
        token = run("docker", "exec", replicas[0], "/usr/local/bin/folio", "token", "create", "--email",
                    "owner@example.com").stdout.strip()
        created = http_request(stack.url("/api/v1/admin/posts"), method="POST",
                               body=json.dumps({"title": "Hello from Swarm", "markdown": "On the host network.",
                                                "status": "published"}).encode(),
                               headers={"authorization": f"Bearer {token}", "content-type": "application/json"})
        assert created.status == 201, created.text
        for _ in range(10):
            assert "Hello from Swarm" in http_request(stack.url("/hello-from-swarm/")).text
        # An image uploaded through one replica goes to the bucket; each replica serves it.
        uploaded = upload_with_token(stack.url(""), token, "harbour.png", gradient_png(320, 200), alt="The harbour")
        assert uploaded.status in (200, 201), uploaded.text
        picture_url = stack.url(uploaded.json()["url"].removeprefix(stack.url("")))
        picture = http_request(picture_url).body
        assert picture.startswith(b"\x89PNG")
        for _ in range(10):
            assert http_request(picture_url).body == picture
        report = [f"up to serving in {up_after:.1f} s"]

        # A rolling update: each new task starts beside the old one (start-first) and
        # listens on the shared address; the old one then drains on SIGTERM.
        traffic = Load(stack)
        run("docker", "service", "update", "--detach=true", "--no-resolve-image", "--image", new_image, folio)
        deadline = time.monotonic() + 300
        while (status := service_status(folio)).get("State") not in ("completed", "paused", "rollback_completed"):
            assert time.monotonic() < deadline, f"the rolling update did not end: {status}"
            time.sleep(1)
        assert status["State"] == "completed", status
        updated = stack.wait_healthy("folio", 3, image=new_image)
        ok, failed = traffic.stop()
        assert failed == 0 and ok > 0, f"rolling update: {failed} failed of {ok + failed}: {traffic.errors[:5]}"
        # Every replica is a new container now, with no volume of the old ones: the image
        # is still there, from the bucket.
        assert not set(updated) & set(replicas)
        for _ in range(10):
            assert http_request(picture_url).body == picture
        report.append(f"rolling update {ok} GETs 0 failed")

        # A replica's container killed outright: its GETs are retried on a fresh
        # connection, which the kernel gives to a live replica; Swarm replaces the task.
        traffic = Load(stack)
        time.sleep(1)
        run("docker", "kill", updated[0])
        time.sleep(4)
        ok, failed = traffic.stop()
        assert failed == 0 and ok > 0, f"replica killed: {failed} failed of {ok + failed}: {traffic.errors[:5]}"
        report.append(f"replica killed {ok} GETs 0 failed")
        stack.wait_healthy("folio", 3, image=new_image)

        # Scaling 3 → 5 → 2 under load.
        traffic = Load(stack)
        run("docker", "service", "scale", "--detach=true", f"{folio}=5")
        stack.wait_healthy("folio", 5)
        run("docker", "service", "scale", "--detach=true", f"{folio}=2")
        stack.wait_healthy("folio", 2)
        time.sleep(3)
        ok, failed = traffic.stop()
        assert failed == 0 and ok > 0, f"scaling 3 → 5 → 2: {failed} failed of {ok + failed}: {traffic.errors[:5]}"
        report.append(f"scale 3→5→2 {ok} GETs 0 failed")
        print("swarm, host network: " + "; ".join(report))
    finally:
        remove_stack(stack.name)
        run("docker", "rmi", new_image, check=False)
