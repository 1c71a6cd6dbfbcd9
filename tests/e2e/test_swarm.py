"""The Swarm stack file (deploy/swarm/stack.yaml) on this engine's swarm mode.

Why Swarm's traffic is not tested on the development machine is in docs/DEPLOYMENT.md
("Swarm"): its overlay network carries nothing on this kernel (no VXLAN or IPVS), and
swarm services are found by name only on an overlay. The start-first rolling update, the
killed replica and the 3 → 5 → 2 scaling are shown with Compose (test_compose.py).

What swarm mode here can check, this test checks: `docker stack deploy` accepts the
shipped file with the images built here (no image pulled), and the services it creates
carry what the file promises — three Folio replicas, updated one at a time with the new
task started first and rolled back on failure, restarted when they stop, read-only, the
database URL as a Docker secret; Nginx published on the host and pointed at
`tasks.folio` — and `docker stack rm` takes it all away again.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid

import pytest

from support import free_port
from test_compose import images, run  # noqa: F401  (`images` is a fixture)

pytestmark = pytest.mark.skipif(shutil.which("docker") is None, reason="needs Docker")


def swarm_state() -> str:
    return run("docker", "info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()


@pytest.fixture
def swarm():
    """This engine in swarm mode for the test; left again if the test turned it on."""
    joined = swarm_state() != "active"
    if joined:
        run("docker", "swarm", "init", "--advertise-addr", "127.0.0.1")
    try:
        yield
    finally:
        if joined:
            run("docker", "swarm", "leave", "--force", check=False)


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
        assert [s["File"]["Name"] for s in container["Secrets"]] == ["folio_database_url"]
        assert container["StopGracePeriod"] == 30 * 10**9, "time to drain before SIGKILL"

        nginx = service(f"{stack}_nginx")
        assert nginx["TaskTemplate"]["ContainerSpec"]["Image"] == images["NGINX_IMAGE"]
        assert "FOLIO_UPSTREAM=tasks.folio:8080" in nginx["TaskTemplate"]["ContainerSpec"]["Env"]
        assert [p["PublishMode"] for p in nginx["EndpointSpec"]["Ports"]] == ["host"]

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
        run("docker", "stack", "rm", stack, check=False)
        # Tasks being started when the stack went may still create a container: gone
        # means nothing left on two looks two seconds apart.
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
