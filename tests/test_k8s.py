"""deploy/k8s cannot be applied here (no cluster, and kubeconform is on no registry this
machine reaches), so we check its shape by reading it, as tests/test_compose.py does."""

import ast
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import resolve

from generation.services.engines import engine_queue
from provenance.identity import LEAF_CHAIN, LEAF_KEY, ROOT_CERT

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
KNOWN_KINDS = {
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "Namespace"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("batch/v1", "Job"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
}
# Read by libraries, not by config/: boto3's checksum mode for S3-compatible stores.
LIBRARY_ENV = {"AWS_REQUEST_CHECKSUM_CALCULATION"}


def _documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


KUSTOMIZATIONS = {path.parent: _documents(path)[0] for path in K8S.rglob("kustomization.yaml")}
PATCHES = {
    folder / patch["path"]: _documents(folder / patch["path"])
    for folder, kustomization in KUSTOMIZATIONS.items()
    for patch in kustomization.get("patches", [])
}
MANIFESTS = {
    path: _documents(path)
    for path in sorted(K8S.rglob("*.yaml"))
    if path.name not in ("kustomization.yaml", "secrets.example.yaml") and path not in PATCHES
}
RESOURCES = [doc for docs in MANIFESTS.values() for doc in docs]
OPERATOR_SECRETS = {
    doc["metadata"]["name"]: doc for doc in _documents(K8S / "secrets.example.yaml")
}


def _of_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in RESOURCES if doc["kind"] == kind}


DEPLOYMENTS = _of_kind("Deployment")
SCALED_OBJECTS = _of_kind("ScaledObject")
CONFIG = _of_kind("ConfigMap")["promptfolio-config"]["data"]
WORKLOADS = {**DEPLOYMENTS, **_of_kind("Job")}


def _pod(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def _containers() -> list[tuple[str, dict]]:
    return [(name, c) for name, w in WORKLOADS.items() for c in _pod(w)["containers"]]


def _env(container: dict) -> dict[str, str]:
    return {item["name"]: item.get("value", "") for item in container.get("env", [])}


def _settings_engines() -> set[str]:
    """Engine names config/settings/base.py can define (the dict literal and each
    GENERATION_ENGINES["name"] = ... assignment)."""
    tree = ast.parse((ROOT / "config" / "settings" / "base.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            for target in targets:
                if isinstance(target, ast.Name) and target.id == "GENERATION_ENGINES":
                    names |= {key.value for key in node.value.keys}
                if isinstance(target, ast.Subscript) and getattr(target.value, "id", "") == (
                    "GENERATION_ENGINES"
                ):
                    names.add(target.slice.value)
    return names


def _settings_env_names() -> set[str]:
    pattern = re.compile(r'env_(?:str|int|bool|list)\(\s*"([A-Z0-9_]+)"')
    return {
        name
        for path in (ROOT / "config").rglob("*.py")
        for name in pattern.findall(path.read_text())
    }


def test_every_document_is_a_known_kind_with_a_name():
    assert RESOURCES and PATCHES
    for path, docs in {**MANIFESTS, **PATCHES}.items():
        for doc in docs:
            assert (doc["apiVersion"], doc["kind"]) in KNOWN_KINDS, path
            assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", doc["metadata"]["name"]), path


@pytest.mark.parametrize("folder", ["base", "overlays/production"])
def test_each_kustomization_lists_every_file_of_its_folder(folder):
    kustomization = KUSTOMIZATIONS[K8S / folder]
    assert kustomization["kind"] == "Kustomization"
    files = {p.name for p in (K8S / folder).glob("*.yaml")} - {"kustomization.yaml"}
    listed = set(kustomization["resources"]) | {p["path"] for p in kustomization.get("patches", [])}
    assert {entry for entry in listed if not entry.startswith("..")} == files
    for entry in listed - files:
        assert (K8S / folder / entry / "kustomization.yaml").exists(), entry
    images = {image["name"] for image in kustomization["images"]}
    assert images == {c["image"] for _, c in _containers()}


def test_deployment_selectors_match_their_pods_and_services_find_them():
    for name, deployment in DEPLOYMENTS.items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items(), name
    pod_labels = [d["spec"]["template"]["metadata"]["labels"] for d in DEPLOYMENTS.values()]
    selectors = [s["spec"]["selector"] for s in _of_kind("Service").values()]
    selectors += [
        p["spec"]["selector"]["matchLabels"] for p in _of_kind("PodDisruptionBudget").values()
    ]
    for selector in selectors:
        assert any(selector.items() <= labels.items() for labels in pod_labels), selector


def test_every_container_has_an_image_resources_probes_and_runs_unprivileged():
    for name, container in _containers():
        assert container["image"] in ("promptfolio", "promptfolio-gpu"), name
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
        assert _pod(WORKLOADS[name])["securityContext"]["runAsNonRoot"] is True, name
        if WORKLOADS[name]["kind"] == "Deployment":
            assert "livenessProbe" in container, name


def test_web_is_live_on_livez_ready_on_healthz_and_autoscaled():
    web = _pod(DEPLOYMENTS["promptfolio-web"])["containers"][0]
    probes = {kind: web[kind]["httpGet"] for kind in ("livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"]["path"] == "/livez"
    assert probes["readinessProbe"]["path"] == "/healthz"
    for probe in probes.values():
        assert resolve(probe["path"]).url_name == probe["path"].strip("/")
        headers = {h["name"]: h["value"] for h in probe["httpHeaders"]}
        assert headers["X-Forwarded-Proto"] == "https"
        assert headers["Host"] in CONFIG["DJANGO_ALLOWED_HOSTS"].split(",")
    hpa = _of_kind("HorizontalPodAutoscaler")["promptfolio-web"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "promptfolio-web",
    }
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["spec"]["minReplicas"] >= 2


def test_beat_is_a_singleton_and_autoscaled_deployments_leave_replicas_to_the_scaler():
    beat = DEPLOYMENTS["promptfolio-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"]["type"] == "Recreate"
    assert "beat" in beat["spec"]["template"]["spec"]["containers"][0]["command"]
    scaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in _of_kind("HorizontalPodAutoscaler").values()
    }
    scaled |= {s["spec"]["scaleTargetRef"]["name"] for s in SCALED_OBJECTS.values()}
    assert scaled == set(DEPLOYMENTS) - {"promptfolio-beat"}
    for name in scaled:
        assert "replicas" not in DEPLOYMENTS[name]["spec"], name


def _gpu_deployments() -> dict[str, dict]:
    return {
        _env(c)["GENERATION_WORKER_ENGINES"]: DEPLOYMENTS[name]
        for name, c in _containers()
        if "GENERATION_WORKER_ENGINES" in _env(c)
    }


def test_each_engine_has_a_gpu_deployment_with_one_gpu_and_read_only_checkpoints():
    gpu = _gpu_deployments()
    assert set(gpu) == _settings_engines() and "diffusers" in gpu
    claims = set(_of_kind("PersistentVolumeClaim"))
    for engine, deployment in gpu.items():
        pod = _pod(deployment)
        container = pod["containers"][0]
        assert container["resources"]["limits"]["nvidia.com/gpu"] == 1, engine
        assert _env(container)["GENERATION_DEVICE"] == "cuda"
        command = container["command"]
        assert command[command.index("-Q") + 1] == "gpu" and "--pool" in command, engine
        volumes = {v["name"]: v for v in pod["volumes"]}
        mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/checkpoints")
        assert mount["readOnly"] is True
        claim = volumes[mount["name"]]["persistentVolumeClaim"]
        assert claim["claimName"] in claims and claim["readOnly"] is True
        assert CONFIG["GENERATION_DIFFUSERS_PATH"].startswith("/checkpoints/")
        assert any(t["key"] == "nvidia.com/gpu" for t in pod["tolerations"]), engine


def test_keda_scales_each_worker_on_the_queue_the_code_routes_to():
    gpu = {d["metadata"]["name"]: engine for engine, d in _gpu_deployments().items()}
    default_worker = DEPLOYMENTS["promptfolio-worker-default"]["spec"]["template"]["spec"]
    command = default_worker["containers"][0]["command"]
    assert command[command.index("-Q") + 1] == settings.CELERY_TASK_DEFAULT_QUEUE
    expected = {name: engine_queue(engine) for name, engine in gpu.items()}
    expected["promptfolio-worker-default"] = settings.CELERY_TASK_DEFAULT_QUEUE
    lookup_queue = settings.CELERY_TASK_ROUTES["provenance.tasks.match_keypoints"]["queue"]
    lookup_worker = DEPLOYMENTS["promptfolio-worker-lookup"]["spec"]["template"]["spec"]
    command = lookup_worker["containers"][0]["command"]
    assert command[command.index("-Q") + 1] == lookup_queue
    expected["promptfolio-worker-lookup"] = lookup_queue
    auth = _of_kind("TriggerAuthentication")
    found = {}
    for scaled in SCALED_OBJECTS.values():
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "redis"
        assert int(trigger["metadata"]["listLength"]) > 0
        assert trigger["authenticationRef"]["name"] in auth
        found[scaled["spec"]["scaleTargetRef"]["name"]] = trigger["metadata"]["listName"]
    assert found == expected


def test_every_reference_exists_in_the_manifests_or_the_operator_secrets():
    config_maps = set(_of_kind("ConfigMap"))
    for name, container in _containers():
        for source in container["envFrom"]:
            if "configMapRef" in source:
                assert source["configMapRef"]["name"] in config_maps, name
            else:
                assert source["secretRef"]["name"] in OPERATOR_SECRETS, name
        for volume in _pod(WORKLOADS[name])["volumes"]:
            if "secret" in volume:
                keys = OPERATOR_SECRETS[volume["secret"]["secretName"]]["stringData"]
                assert {item["key"] for item in volume["secret"]["items"]} <= set(keys)
    for auth in _of_kind("TriggerAuthentication").values():
        for ref in auth["spec"]["secretTargetRef"]:
            assert ref["key"] in OPERATOR_SECRETS[ref["name"]]["stringData"]
    for secret in OPERATOR_SECRETS.values():
        assert all(value.startswith("<") or "<" in value for value in secret["stringData"].values())


def test_every_pod_mounts_the_signing_identity_read_only_where_settings_look():
    identity = {ROOT_CERT, LEAF_CHAIN, LEAF_KEY}
    for name, container in _containers():
        mount = next(m for m in container["volumeMounts"] if m["name"] == "signing")
        assert mount["mountPath"] == CONFIG["PROVENANCE_SIGNING_DIR"], name
        assert mount["readOnly"] is True, name
        volume = next(v for v in _pod(WORKLOADS[name])["volumes"] if v["name"] == "signing")
        assert {item["path"] for item in volume["secret"]["items"]} == identity, name


def test_environment_names_are_ones_the_settings_read():
    known = _settings_env_names() | LIBRARY_ENV
    names = set(CONFIG) | set(OPERATOR_SECRETS["promptfolio-env"]["stringData"])
    names |= {n for _, c in _containers() for n in _env(c)}
    for docs in PATCHES.values():
        names |= {name for doc in docs if doc["kind"] == "ConfigMap" for name in doc["data"]}
    assert names - known == set()
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY"} <= set(
        OPERATOR_SECRETS["promptfolio-env"]["stringData"]
    )


def test_the_migration_job_runs_migrate_once():
    job = _of_kind("Job")["promptfolio-migrate"]
    container = _pod(job)["containers"][0]
    assert container["command"][-2:] == ["migrate", "--noinput"]
    assert _pod(job)["restartPolicy"] in ("Never", "OnFailure")
    assert job["spec"]["backoffLimit"] <= 3


def test_what_the_migration_needs_first_carries_the_config_label():
    """docs/operations.md applies `component=config` (namespace, ConfigMap), then the Job,
    then the rest: the Job's ConfigMap must be in that first step."""
    namespace = _documents(K8S / "overlays" / "production" / "namespace.yaml")[0]
    config_map = _of_kind("ConfigMap")["promptfolio-config"]
    for doc in (namespace, config_map):
        assert doc["metadata"]["labels"]["app.kubernetes.io/component"] == "config"
    job = _of_kind("Job")["promptfolio-migrate"]
    assert job["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"
    (source,) = [s for s in _pod(job)["containers"][0]["envFrom"] if "configMapRef" in s]
    assert source["configMapRef"]["name"] == config_map["metadata"]["name"]
