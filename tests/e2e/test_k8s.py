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
from urllib.parse import urlsplit

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


def validate_strictly(objects: list[dict]) -> None:
    """Every object against the Kubernetes schemas: an unknown or misspelt field fails."""
    assert objects
    for obj in objects:
        try:
            kubernetes_validate.validate(copy.deepcopy(obj), KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            pytest.fail(f"{obj['kind']}/{obj['metadata']['name']}: {e.message} at {list(e.path)}")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_valid_against_the_kubernetes_schemas(overlay):
    objects = render(K8S / "overlays" / overlay)
    validate_strictly(objects)
    # Every image was given a real name and tag by the kustomization.
    for container in containers(objects):
        name, _, tag = container["image"].partition(":")
        assert "/" in name or name in {"mariadb", "redis"}, container["image"]
        assert tag, f"{container['name']}: untagged image {container['image']}"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_web_tier_is_replicated_probed_confined_and_wired(overlay):
    objects = render(K8S / "overlays" / overlay)
    wiring = check_web_tier(objects)
    # The names the configuration points at exist in the namespace.
    config = wiring["config"]
    assert config["FOLIO_REDIS_URL"] == "redis://redis:6379"
    find(objects, "Service", "redis")
    find(objects, "Service", "db")
    assert config["FOLIO_MEDIA_S3_ENDPOINT"] == "http://s3:3900"
    find(objects, "Service", "s3")
    if overlay == "bundled":
        check_bundled_stores(objects, wiring)


# The Secret's keys, as a Secret made by hand must have them (the web tier reads them as files).
SECRET_KEYS = {"database-url", "s3-key-id", "s3-secret"}


def check_web_tier(objects: list[dict], *, ingress: bool = True, made_elsewhere: frozenset[str] = frozenset()) -> dict:
    """What holds of the web tier however it is rendered (these overlays, the Helm chart
    in test_helm.py): replicated, probed, confined, stateless, and wired to objects that
    exist. `ingress`: whether an Ingress is expected (else none may be there);
    `made_elsewhere`: Secrets the user makes, which the rendering names but does not
    hold. Returns the wiring `check_bundled_stores` needs: the ConfigMap's data, the
    web tier's *_FILE variables and the Secret's name."""
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
    if secret_name in made_elsewhere:
        assert not [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == secret_name], \
            f"Secret/{secret_name} is the user's, yet rendered"
        secret = dict.fromkeys(SECRET_KEYS)
    else:
        secret = find(objects, "Secret", secret_name)["stringData"]
    for source in web.get("envFrom", []):
        find(objects, "ConfigMap", source["configMapRef"]["name"])
    # No pod of the web tier keeps anything: /data is scratch, the media library is in
    # a bucket, and nothing needs a volume every node mounts.
    data = next(m["name"] for m in web["volumeMounts"] if m["mountPath"] == "/data")
    assert "emptyDir" in volumes[data], volumes[data]
    assert not [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    assert all(v.keys() & {"emptyDir", "secret", "configMap"} for v in volumes.values()), volumes
    mount = next(m["mountPath"] for m in web["volumeMounts"] if m["name"] == "secret")
    files = {e["name"]: e["value"] for e in web["env"] if e["name"].endswith("_FILE")}
    assert set(files) == {"FOLIO_DATABASE_URL_FILE", "FOLIO_MEDIA_S3_ACCESS_KEY_ID_FILE",
                          "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY_FILE"}
    for path in files.values():
        assert path.startswith(mount + "/") and path.removeprefix(mount + "/") in secret, path

    service = find(objects, "Service", "folio")
    assert service["spec"]["selector"].items() <= labels.items()
    port_names = {p["name"] for p in web["ports"]}
    assert all(p["targetPort"] in port_names for p in service["spec"]["ports"])
    if ingress:
        ingress_object = find(objects, "Ingress", "folio")
        backends = [p["backend"]["service"]["name"] for r in ingress_object["spec"]["rules"] for p in r["http"]["paths"]]
        assert backends == ["folio"]
    else:
        assert not [o for o in objects if o["kind"] == "Ingress"], "no Ingress was asked for"
    hpa = find(objects, "HorizontalPodAutoscaler", "folio")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "folio"}
    assert hpa["spec"]["minReplicas"] >= 2
    pdb = find(objects, "PodDisruptionBudget", "folio")
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"], "a drain can always proceed"
    job = find(objects, "Job", "folio-migrate")
    (migrate,) = job["spec"]["template"]["spec"]["containers"]
    assert migrate["args"] == ["migrate"] and migrate["image"] == web["image"]
    job_secrets = {v["secret"]["secretName"] for v in job["spec"]["template"]["spec"]["volumes"] if "secret" in v}
    assert job_secrets == {secret_name}, "the Job migrates the database the web tier uses"

    config = find(objects, "ConfigMap", "folio")["data"]
    assert config["FOLIO_MEDIA_URL"].startswith("s3://")
    # An address in the namespace (a bare name, no dots) is a Service there.
    addresses = [config.get("FOLIO_REDIS_URL"), config.get("FOLIO_MEDIA_S3_ENDPOINT"), secret.get("database-url")]
    for address in filter(None, addresses):
        host = urlsplit(address).hostname
        if host and "." not in host:
            find(objects, "Service", host)
    return {"config": config, "files": files, "secret_name": secret_name}


def check_bundled_stores(objects: list[dict], wiring: dict) -> None:
    """MariaDB, Redis and Garage in the namespace, each behind the Service its StatefulSet
    names; Garage makes the bucket the web tier names, with the key the web tier is
    given, from the same Secret. `wiring`: what `check_web_tier` returned."""
    config, files, secret_name = wiring["config"], wiring["files"], wiring["secret_name"]
    for name in ("folio-db", "folio-redis", "folio-s3"):
        stateful = find(objects, "StatefulSet", name)
        assert find(objects, "Service", stateful["spec"]["serviceName"])
    garage = find(objects, "StatefulSet", "folio-s3")["spec"]["template"]["spec"]
    (store,) = garage["containers"]
    env = {e["name"]: e["value"] for e in store["env"]}
    assert "s3://" + env["GARAGE_BUCKET"] == config["FOLIO_MEDIA_URL"]
    assert env.get("GARAGE_REGION", "garage") == config["FOLIO_MEDIA_S3_REGION"], "Garage answers to the region Folio signs for"
    assert env["GARAGE_KEY_ID_FILE"].rsplit("/", 1)[1] == files["FOLIO_MEDIA_S3_ACCESS_KEY_ID_FILE"].rsplit("/", 1)[1]
    assert env["GARAGE_SECRET_FILE"].rsplit("/", 1)[1] == files["FOLIO_MEDIA_S3_SECRET_ACCESS_KEY_FILE"].rsplit("/", 1)[1]
    assert {v["secret"]["secretName"] for v in garage["volumes"] if "secret" in v} == {secret_name}
    assert store["securityContext"]["readOnlyRootFilesystem"] is True
    assert any(m["mountPath"] == "/run/garage" for m in store["volumeMounts"]), "where its configuration is written"
