"""The deployment files, offline: nginx's configuration, the systemd units, the Kubernetes manifests and the image.

nginx checks its rendered configuration (`nginx -t`), systemd checks the units (`systemd-analyze verify`), and the
manifests of each overlay, built with kustomize (`kubectl kustomize`), are validated against Kubernetes' schemas
(kubernetes-validate) and checked for what the production set-up relies on.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import kubernetes_validate
import pytest
import yaml

from ops import image, proxy, settings

ROOT = settings.ROOT
K8S = ROOT / "deploy" / "k8s"
SYSTEMD = ROOT / "deploy" / "systemd"
KUBERNETES_VERSION = "1.28.0"


def test_the_nginx_configuration_is_valid(tmp_path: Path) -> None:
    env = settings.environment(RASA_PORT="18080")
    config = proxy.render(env, tmp_path, ["127.0.0.1:18081", "127.0.0.1:18082"])
    assert "@" not in re.sub(r"#.*", "", config), "every placeholder is filled in"
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [env["NGINX_BINARY"], "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    units = sorted(SYSTEMD.iterdir())
    for unit in units:  # installed at /opt/youarenotalone; verified against this checkout
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/youarenotalone", str(ROOT)))
        if unit.suffix == ".service" and "purge" not in unit.name:
            assert "Restart=on-failure" in unit.read_text(), unit.name
    names = [name.replace("@.service", "@5006.service") for name in sorted(p.name for p in units)]
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[f"./{name}" for name in names]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def manifests(overlay: str) -> List[Dict[str, Any]]:
    """The overlay's resources, as kustomize builds them."""
    built = subprocess.run(["kubectl", "kustomize", str(K8S / "overlays" / overlay)], capture_output=True, text=True, check=True)
    return [document for document in yaml.safe_load_all(built.stdout) if document]


def resource(documents: List[Dict[str, Any]], kind: str, name: str) -> Dict[str, Any]:
    """One resource by kind and name."""
    return next(d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name)


@pytest.mark.parametrize("overlay", ["local", "production"])
def test_the_manifests_validate(overlay: str) -> None:
    documents = manifests(overlay)
    for document in documents:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    assert {d["kind"] for d in documents} >= {
        "ConfigMap",
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "CronJob",
    }


def test_no_secret_is_in_any_file() -> None:
    for path in K8S.rglob("*.yaml"):
        for document in yaml.safe_load_all(path.read_text()):
            if isinstance(document, dict):
                assert document.get("kind") != "Secret", path
                assert not any(key.endswith("PASSWORD") for key in (document.get("data") or {})), path


def test_rasa_is_replicated_probed_and_given_every_setting_it_reads() -> None:
    documents = manifests("production")
    rasa = resource(documents, "Deployment", "youarenotalone-rasa")
    assert rasa["spec"]["replicas"] >= 2
    container = rasa["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/webhooks/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/webhooks/health/live"
    assert container["resources"]["requests"]["memory"] and container["resources"]["requests"]["cpu"]
    assert rasa["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    config = resource(documents, "ConfigMap", "youarenotalone-settings")["data"]
    secrets = {e["name"] for e in container["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    endpoints = (ROOT / "endpoints.production.yml").read_text()
    needed = set(re.findall(r"\$\{(\w+)\}", endpoints))
    assert needed <= set(config) | secrets, needed - set(config) - secrets
    assert {name for name in needed if "PASSWORD" in name} <= secrets, "passwords come from the Secret only"


def test_the_ingress_sticks_socketio_by_cookie_and_keeps_the_api_private() -> None:
    documents = manifests("production")
    socketio = resource(documents, "Ingress", "youarenotalone-socketio")
    assert socketio["metadata"]["annotations"]["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    paths = [
        p["path"]
        for ingress in documents
        if ingress["kind"] == "Ingress"
        for r in ingress["spec"]["rules"]
        for p in r["http"]["paths"]
    ]
    assert sorted(paths) == ["/", "/socket.io/", "/webhooks/"]
    for ingress in (d for d in documents if d["kind"] == "Ingress"):
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]
    purge = resource(documents, "CronJob", "youarenotalone-purge")
    assert purge["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["command"][-3:] == [
        "-m",
        "review.cli",
        "purge",
    ]


def test_the_image_tag_follows_its_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "Containerfile").write_text("FROM base\n")
    (tmp_path / "actions" / "__pycache__").mkdir(parents=True)
    (tmp_path / "actions" / "a.py").write_text("A = 1\n")
    monkeypatch.setattr(image, "ROOT", tmp_path)
    monkeypatch.setattr(image, "INPUTS", ("Containerfile", "actions"))
    before = image.tag()
    assert before.startswith(image.NAME + ":") and before == image.tag()
    (tmp_path / "actions" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"compiled")
    assert image.tag() == before, "compiled files are not inputs"
    (tmp_path / "actions" / "a.py").write_text("A = 2\n")
    assert image.tag() != before
