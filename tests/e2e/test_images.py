"""The images the deployment files name by default are exactly the ones `scripts/images
all` builds, so that after building them Compose, Swarm and Kustomize need nothing
exported and pull nothing; a registry's images are the override (the *_IMAGE variables,
an overlay's `images`). Needs no Docker: `scripts/images tags` lists the names without
building.
"""

from __future__ import annotations

import os
import re
import subprocess

import yaml

from support import REPO_ROOT

STACK_FILES = ["compose.yaml", "deploy/compose/postgres.yaml", "deploy/swarm/stack.yaml", "deploy/swarm/stack-host.yaml"]
KUSTOMIZATIONS = ["deploy/k8s/base/kustomization.yaml", "deploy/k8s/overlays/bundled/kustomization.yaml"]
VARIABLE = re.compile(r"^\$\{([A-Z_]+_IMAGE):-([^}]+)\}$")


def built_tags() -> set[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FOLIO_IMAGE", "FOLIO_IMAGE_PREFIX")}
    out = subprocess.run(["scripts/images", "tags"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
    tags = set(out.stdout.split())
    assert len(tags) == 6 and all(t.startswith("folio-local/") for t in tags), tags
    return tags


def test_every_stack_file_defaults_to_the_images_scripts_images_builds():
    tags = built_tags()
    named: dict[str, str] = {}
    for name in STACK_FILES:
        services = yaml.safe_load((REPO_ROOT / name).read_text())["services"]
        for service, spec in services.items():
            if "image" not in spec:
                continue
            match = VARIABLE.match(spec["image"])
            assert match, f"{name}: {service}'s image {spec['image']!r} is not ${{NAME_IMAGE:-default}}"
            variable, default = match.groups()
            assert default in tags, f"{name}: {service} defaults to {default}, which scripts/images does not build ({sorted(tags)})"
            assert named.setdefault(variable, default) == default, f"{variable} has two defaults"
    # compose.yaml's x-folio anchor carries Folio's image into `migrate` and `folio`.
    assert set(named) == {"FOLIO_IMAGE", "NGINX_IMAGE", "MARIADB_IMAGE", "POSTGRES_IMAGE", "REDIS_IMAGE", "GARAGE_IMAGE"}, named
    assert set(named.values()) == tags, "every image built is used"


def test_the_kustomizations_name_the_images_scripts_images_builds():
    tags = built_tags()
    for name in KUSTOMIZATIONS:
        for image in yaml.safe_load((REPO_ROOT / name).read_text())["images"]:
            assert f"{image['newName']}:{image['newTag']}" in tags, f"{name}: {image}"
