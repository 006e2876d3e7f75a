"""The production launcher refuses to start Rasa when a service is unreachable; the endpoints file is complete."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from ops import stack
from ops.supervisor import free_port

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize(
    "service, variable", [("PostgreSQL", "POSTGRES_PORT"), ("Redis", "REDIS_PORT"), ("RabbitMQ", "RABBITMQ_PORT")]
)
def test_the_launcher_refuses_to_start_and_names_the_unreachable_service(service: str, variable: str) -> None:
    env = stack.environment(
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
        POSTGRES_DB="postgres",  # creates no database
        REST_CHANNEL_TOKEN="a-token",
        SENDER_KEY_SECRET="k" * 32,
        **{variable: str(free_port())},
    )
    result = subprocess.run([sys.executable, "-m", "ops.stack"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "refusing to start Rasa" in result.stderr
    assert f"{service} at 127.0.0.1:{env[variable]} is unreachable" in result.stderr
    assert "Starting Rasa server" not in result.stdout + result.stderr


@pytest.mark.parametrize("missing", ["REST_CHANNEL_TOKEN", "SENDER_KEY_SECRET"])
def test_the_launcher_refuses_to_start_without_the_rest_token_and_the_key_secret(missing: str) -> None:
    env = {**stack.environment(REST_CHANNEL_TOKEN="a-token", SENDER_KEY_SECRET="k" * 32), missing: ""}
    result = subprocess.run([sys.executable, "-m", "ops.stack"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"refusing to start: set {missing}" in result.stderr
    assert "Starting Rasa server" not in result.stdout + result.stderr


def test_every_setting_of_the_production_endpoints_is_substituted() -> None:
    env = stack.environment()
    script = "import json, rasa.shared.utils.io as io; print(json.dumps(io.read_config_file('endpoints.production.yml')))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    config = result.stdout.strip().splitlines()[-1]
    assert "${" not in config, config
    assert f'"db": "{env["POSTGRES_DB"]}"' in config and f'"queues": ["{env["RABBITMQ_QUEUE"]}"]' in config
    variables = set(re.findall(r"\$\{(\w+)\}", (ROOT / "endpoints.production.yml").read_text()))
    assert variables <= set(env) and "RABBITMQ_EXCHANGE" in variables
