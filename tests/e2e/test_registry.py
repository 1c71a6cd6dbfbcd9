"""The Folio image through a real registry: Debian's `docker-registry` on loopback.

The image is tagged with the version and the git revision, pushed, removed from the
engine entirely, pulled back by its revision tag, and run: the pulled image serves.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from support import REPO_ROOT, folio_bin, free_port, http_request, wait_for_ok

pytestmark = pytest.mark.skipif(
    shutil.which("docker") is None or shutil.which("docker-registry") is None,
    reason="needs Docker and Debian's docker-registry",
)


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=300)
    if check and out.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {out.stderr[-2000:]}")
    return out


@pytest.fixture
def registry(tmp_path):
    """A registry on a free loopback port (Docker trusts 127.0.0.0/8 without TLS)."""
    port = free_port()
    config = tmp_path / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: warn}\n"
        f"storage: {{filesystem: {{rootdirectory: {tmp_path / 'data'}}}, delete: {{enabled: true}}}}\n"
        f"http: {{addr: '127.0.0.1:{port}'}}\n"
    )
    proc = subprocess.Popen(["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wait_for_ok(f"http://127.0.0.1:{port}/v2/", 15, alive=lambda: proc.poll() is None, why=lambda: "docker-registry did not start")
    yield f"127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


def test_images_are_tagged_pushed_removed_pulled_back_and_run(registry):
    env = dict(os.environ, FOLIO_BIN=str(folio_bin()), FOLIO_IMAGE="folio-registry-test/folio")
    built = subprocess.run(["scripts/images", "folio"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    local = built.stdout.split()[-1]
    revision = local.rsplit(":", 1)[1]
    version = json.loads(docker("inspect", local).stdout)[0]["Config"]["Labels"]["org.opencontainers.image.version"]
    remote = f"{registry}/folio/folio"

    for tag in (version, revision):
        docker("tag", local, f"{remote}:{tag}")
        docker("push", f"{remote}:{tag}")
    catalog = http_request(f"http://{registry}/v2/folio/folio/tags/list").json()
    assert sorted(catalog["tags"]) == sorted({version, revision})

    # Gone from the engine, every tag of it: what runs next can only come from the registry.
    image_id = json.loads(docker("inspect", local).stdout)[0]["Id"]
    tags = json.loads(docker("inspect", image_id).stdout)[0]["RepoTags"]
    docker("rmi", "-f", *tags)
    assert docker("image", "inspect", image_id, check=False).returncode != 0

    docker("pull", f"{remote}:{revision}")
    assert json.loads(docker("inspect", f"{remote}:{revision}").stdout)[0]["Id"] == image_id, "the same image came back"
    port = free_port()
    name = f"folio-registry-test-{revision}"
    docker("run", "-d", "--name", name, "--read-only", "--tmpfs", "/data:uid=10001", "-p", f"127.0.0.1:{port}:8080", f"{remote}:{revision}")
    try:
        wait_for_ok(f"http://127.0.0.1:{port}/readyz", 30, why=lambda: docker("logs", name, check=False).stderr[-1500:])
        assert http_request(f"http://127.0.0.1:{port}/").status == 200
    finally:
        docker("rm", "-f", name, check=False)
        docker("rmi", "-f", f"{remote}:{revision}", f"{remote}:{version}", check=False)
