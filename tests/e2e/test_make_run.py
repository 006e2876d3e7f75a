"""scripts/serve.py as `make run` runs it: everything it started stops with it, even when signalled twice."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

from ops import supervisor
from ops.settings import ROOT


def listening(port: int) -> bool:
    """Whether something accepts connections on the local port."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_supervisor(tmp_path: Path) -> Tuple[subprocess.Popen, Dict[str, str], List[int]]:
    """scripts/serve.py (what `make run` runs) on free ports, with 2 Rasa replicas; returns it, its env and ports."""
    env = supervisor.isolated_environment(tmp_path, RASA_REPLICAS="2")
    ports = [int(env[name]) for name in ("RASA_PORT", "ACTION_SERVER_PORT", "WEB_PORT")]
    ports += [int(port) for port in env["RASA_REPLICA_PORTS"].split()]
    serving = subprocess.Popen(
        [sys.executable, "-m", "scripts.serve"], cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL
    )
    return serving, env, ports


def assert_all_stopped(serving: subprocess.Popen, ports: List[int]) -> None:
    """serve.py exits, and nothing it started still listens."""
    serving.wait(timeout=90)
    still = [port for port in ports if listening(port)]
    assert not still, f"still listening after serve.py stopped: {still}"


def test_a_second_sigterm_does_not_leave_servers_behind(tmp_path: Path) -> None:
    serving, env, ports = start_supervisor(tmp_path)
    try:
        supervisor.wait_until_ready(f"http://127.0.0.1:{env['RASA_PORT']}/_balancer/health", serving)
        supervisor.wait_until_ready(f"http://127.0.0.1:{env['WEB_PORT']}/healthz", serving)
        assert all(listening(port) for port in ports)
        serving.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        serving.send_signal(signal.SIGTERM)  # as make passes its own SIGTERM on
        assert_all_stopped(serving, ports)
    finally:
        if serving.poll() is None:
            serving.kill()


def test_a_sigterm_during_start_up_stops_what_has_started(tmp_path: Path) -> None:
    serving, env, ports = start_supervisor(tmp_path)
    try:
        supervisor.wait_until_ready(f"http://127.0.0.1:{env['WEB_PORT']}/healthz", serving)  # the replicas still load
        serving.send_signal(signal.SIGTERM)
        assert_all_stopped(serving, ports)
    finally:
        if serving.poll() is None:
            serving.kill()
