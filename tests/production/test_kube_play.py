"""The Kubernetes manifests played by podman (`podman kube play`) with the image `make image` builds, on the local
PostgreSQL, Redis and RabbitMQ, then a chat through nginx in front of the two Rasa pods.

What podman cannot play is left out: Services, Ingress, PDB, HPA and CronJob (the offline checks in
tests/unit/test_deploy.py cover them), the liveness probes (podman runs them from systemd timers, which this
machine has not) and the container ports (podman publishes them on the host). The pods reach the services through
forwarders on the podman network's gateway (the services listen on 127.0.0.1 only), and the Rasa pods reach the
action server at its pod's address, as a Service would give it. Readiness is polled on each Rasa pod at the
manifest's own readiness probe.
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest
import yaml

from ops import client, image, preflight, proxy, stack, supervisor
from ops.supervisor import free_port
from tests.bot import texts
from tests.production import services
from tests.production.services import Forwarder
from tests.unit.test_deploy import manifests, resource

DANGER = "he's got a knife and he's coming at me"


def podman(*args: str, stdin: str | None = None) -> str:
    """One podman command with the repository's containers.conf; its output."""
    done = subprocess.run(["podman", *args], input=stdin, env=image.podman_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def pod_networks(deployment: str, replicas: int) -> List[Dict[str, Any]]:
    """The network settings (IPAddress, Gateway) of each pod podman made for a Deployment (`<name>-pod-<n>`)."""
    found = []
    for index in range(replicas):
        infra = json.loads(podman("pod", "inspect", f"{deployment}-pod-{index}"))
        infra = infra[0] if isinstance(infra, list) else infra
        details = json.loads(podman("inspect", infra["InfraContainerID"]))[0]
        found.append(next(iter(details["NetworkSettings"]["Networks"].values())))
    return found


def playable(deployment: Dict[str, Any], image_tag: str, secret: str) -> Dict[str, Any]:
    """A Deployment as podman can play it here: this run's image and Secret, no liveness or start-up probe, and
    no container ports (the pods are reached at their own addresses, as through a Service)."""
    spec = deployment["spec"]["template"]["spec"]
    for container in spec["containers"]:
        container["image"] = image_tag
        container.pop("livenessProbe", None)
        container.pop("startupProbe", None)
        container.pop("ports", None)  # podman would publish each on the host, where the replicas would collide
        for variable in container.get("env", []):
            if "secretKeyRef" in variable.get("valueFrom", {}):
                variable["valueFrom"]["secretKeyRef"]["name"] = secret
    return deployment


def wait_ready(url: str, timeout: float = 300) -> None:
    """Polls a URL until it answers 200."""
    deadline = time.monotonic() + timeout
    while not client.answers(url, timeout=3):
        assert time.monotonic() < deadline, f"{url} not ready within {timeout:.0f} s"
        time.sleep(2)


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dict[str, Any]]:
    """The local overlay's action server and Rasa Deployments, played; yields the Rasa pods' addresses and env."""
    tag = uuid.uuid4().hex[:10]
    env = stack.environment(
        **services.own_stores("kube", tag),
    )
    services.skip_unless_reachable(env)
    assert not preflight.run_checks(env)  # creates the test database
    image_tag = image.build()  # built once per change of its inputs (make image, or the first test that needs it)
    documents = manifests("local")
    secret = f"youarenotalone-secrets-{tag}"
    values = {"POSTGRES_PASSWORD": env["POSTGRES_PASSWORD"], "REDIS_PASSWORD": env["REDIS_PASSWORD"]}
    values |= {"RABBITMQ_USER": env["RABBITMQ_USER"], "RABBITMQ_PASSWORD": env["RABBITMQ_PASSWORD"]}
    values |= {"SENDER_KEY_SECRET": services.SECRET}  # the key services.stored_events looks conversations up by
    # podman 4.3 reads a Secret's keys from a podman secret holding a JSON object of base64 values.
    encoded = {key: base64.b64encode(value.encode()).decode() for key, value in values.items() if value}
    podman("secret", "create", secret, "-", stdin=json.dumps(encoded))
    config = resource(documents, "ConfigMap", "youarenotalone-settings")
    actions = playable(resource(documents, "Deployment", "youarenotalone-actions"), image_tag, secret)
    rasa = playable(resource(documents, "Deployment", "youarenotalone-rasa"), image_tag, secret)
    files = tmp_path_factory.mktemp("kube")
    forwarders: List[Forwarder] = []
    try:
        (files / "actions.yaml").write_text(yaml.safe_dump_all([config, actions]))
        podman("kube", "play", str(files / "actions.yaml"))
        action_network = pod_networks("youarenotalone-actions", actions["spec"]["replicas"])[0]
        action_address, gateway = action_network["IPAddress"], action_network["Gateway"]
        wait_ready(f"http://{action_address}:5055/health")
        for name in ("POSTGRES", "REDIS", "RABBITMQ"):
            forwarders.append(Forwarder(int(env[f"{name}_PORT"]), host=gateway))
            forwarders[-1].open()
            config["data"] |= {f"{name}_HOST": gateway, f"{name}_PORT": str(forwarders[-1].port)}
        config["data"] |= {key: env[key] for key in ("POSTGRES_DB", "RABBITMQ_QUEUE", "RABBITMQ_EXCHANGE", "REDIS_KEY_PREFIX")}
        config["data"] |= {"POSTGRES_USER": env["POSTGRES_USER"], "ACTION_ENDPOINT_URL": f"http://{action_address}:5055/webhook"}
        (files / "rasa.yaml").write_text(yaml.safe_dump_all([config, rasa]))
        started = time.monotonic()
        podman("kube", "play", str(files / "rasa.yaml"))
        probe = rasa["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"]
        addresses = [network["IPAddress"] for network in pod_networks("youarenotalone-rasa", rasa["spec"]["replicas"])]
        for address in addresses:
            wait_ready(f"http://{address}:5005{probe}")
        print(f"\n{len(addresses)} Rasa pods ready {time.monotonic() - started:.0f} s after kube play ({image_tag})")
        yield {"env": env, "rasa": addresses, "probe": probe}
    finally:
        for deployment in (rasa, actions):  # `kube down` leaves the pods of a play that failed half-way
            for index in range(deployment["spec"]["replicas"]):
                pod = f"{deployment['metadata']['name']}-pod-{index}"
                subprocess.run(["podman", "pod", "rm", "--force", "--ignore", pod], env=image.podman_env(), capture_output=True)
        subprocess.run(["podman", "secret", "rm", secret], env=image.podman_env(), capture_output=True)
        for forwarder in forwarders:
            forwarder.cut()
        services.remove_test_data(env)


def test_the_played_manifests_chat_through_nginx(played: Dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> None:
    env = supervisor.environment(RASA_PORT=str(free_port()))
    nginx = subprocess.Popen(proxy.command(env, [f"{address}:5005" for address in played["rasa"]]), start_new_session=True)
    url = f"http://127.0.0.1:{env['RASA_PORT']}"
    try:
        supervisor.wait_until_ready(f"{url}/healthz", nginx, timeout=30)
        sender = f"kube-{uuid.uuid4().hex}"
        started = time.monotonic()
        reply = client.post_message(url, sender, DANGER, timeout=10)
        waited = time.monotonic() - started
        assert "999" in texts(reply), reply
        second = client.post_message(url, sender, DANGER, timeout=10)
        assert "999" in texts(second), second
        asker = f"kube-{uuid.uuid4().hex}"  # a question in another conversation (an emergency asks first if you are safe)
        assert "101" in texts(client.post_message(url, asker, "how do I report domestic abuse", timeout=30))
        assert services.user_texts(services.stored_events(played["env"], sender)) == [DANGER, DANGER]
        assert services.user_texts(services.stored_events(played["env"], asker)) == ["how do I report domestic abuse"]
        print(f"999 guidance through nginx and the pods in {waited:.2f} s")
    finally:
        supervisor.stop({"nginx": nginx})
