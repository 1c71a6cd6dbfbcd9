"""deploy/k8s rendered the way `kubectl apply -k` renders it and every object validated
against the Kubernetes schemas, offline (kubernetes-validate bundles them), strictly: an
unknown or misspelt field fails. Then what the schemas cannot say: that the probes, the
security settings, the selectors and the references hold together.

The renderer here does what these kustomizations use of Kustomize — `resources`
(files and other kustomizations), `images` and `labels` — and fails on anything else,
so a kustomization that grows another feature cannot pass unrendered.
"""

from __future__ import annotations

import copy
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from support import REPO_ROOT

K8S = REPO_ROOT / "deploy" / "k8s"
KUBERNETES_VERSION = "1.31.0"
SUPPORTED = {"apiVersion", "kind", "resources", "images", "labels"}


def render(directory: Path) -> list[dict]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - SUPPORTED
    assert not unknown, f"{directory}: this test's renderer does not know {unknown}"
    objects: list[dict] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            objects += render(path)
        else:
            objects += [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    for rule in kustomization.get("labels", []):
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(rule["pairs"])
    for image in kustomization.get("images", []):
        for container in containers(objects):
            if container["image"].split(":")[0] == image["name"]:
                container["image"] = f"{image.get('newName', image['name'])}:{image['newTag']}"
    return objects


def containers(objects: list[dict]) -> list[dict]:
    found = []
    for obj in objects:
        spec = obj.get("spec", {})
        pod = spec.get("template", {}).get("spec", {}) if obj["kind"] != "Pod" else spec
        if obj["kind"] == "CronJob":
            pod = spec["jobTemplate"]["spec"]["template"]["spec"]
        found += pod.get("containers", []) + pod.get("initContainers", [])
    return found


def find(objects: list[dict], kind: str, name: str) -> dict:
    matches = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name}: {len(matches)} found"
    return matches[0]


OVERLAYS = ["bundled", "external"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_against_the_kubernetes_schemas(overlay):
    objects = render(K8S / "overlays" / overlay)
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(copy.deepcopy(obj), KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {e.message} at {list(e.path)}")
    # Every image was given a real name and tag by the kustomization.
    for container in containers(objects):
        name, _, tag = container["image"].partition(":")
        assert "/" in name or name in {"mariadb", "redis"}, container["image"]
        assert tag, f"{container['name']}: untagged image {container['image']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_web_tier_is_replicated_probed_confined_and_wired(overlay):
    objects = render(K8S / "overlays" / overlay)
    deployment = find(objects, "Deployment", "folio")
    spec = deployment["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, "a rollout never drops below the replica count"
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert pod["securityContext"]["runAsNonRoot"] is True
    (web,) = pod["containers"]
    assert web["securityContext"]["readOnlyRootFilesystem"] is True
    assert web["securityContext"]["allowPrivilegeEscalation"] is False
    assert web["resources"]["requests"] and web["resources"]["limits"]["memory"]
    assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert web["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert web["livenessProbe"]["httpGet"]["path"] == "/healthz", "liveness must not depend on the database"
    assert pod["terminationGracePeriodSeconds"] >= 10
    mounted = {m["name"] for m in web["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert mounted <= set(volumes)
    assert any(m["mountPath"] == "/data" for m in web["volumeMounts"]), "the only writable path"
    secret_name = volumes["secret"]["secret"]["secretName"]
    find(objects, "Secret", secret_name)
    for source in web.get("envFrom", []):
        find(objects, "ConfigMap", source["configMapRef"]["name"])
    claim = volumes["media"]["persistentVolumeClaim"]["claimName"]
    assert "ReadWriteMany" in find(objects, "PersistentVolumeClaim", claim)["spec"]["accessModes"]

    service = find(objects, "Service", "folio")
    assert service["spec"]["selector"].items() <= labels.items()
    port_names = {p["name"] for p in web["ports"]}
    assert all(p["targetPort"] in port_names for p in service["spec"]["ports"])
    ingress = find(objects, "Ingress", "folio")
    backends = [p["backend"]["service"]["name"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert backends == ["folio"]
    hpa = find(objects, "HorizontalPodAutoscaler", "folio")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "folio"}
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = find(objects, "PodDisruptionBudget", "folio")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"], "a drain can always proceed"
    job = find(objects, "Job", "folio-migrate")
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["args"] == ["migrate"] and migrate["image"] == web["image"]

    # The names the configuration points at exist in the namespace.
    config = find(objects, "ConfigMap", "folio")["data"]
    assert config["FOLIO_REDIS_URL"] == "redis://redis:6379"
    find(objects, "Service", "redis")
    find(objects, "Service", "db")
    if overlay == "bundled":
        for name in ("folio-db", "folio-redis"):
            stateful = find(objects, "StatefulSet", name)
            assert find(objects, "Service", stateful["spec"]["serviceName"])
