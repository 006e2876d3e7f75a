"""Starting and stopping the bot's processes: action server, Rasa (one process, or replicas behind the balancer),
website. Used by `make run` (scripts/serve.py), the production launcher (ops/stack.py), the tests and the benchmarks,
so all run the bot the same way. Every process gets the settings as its environment (ops/settings.py).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

from ops import client, settings

Processes = Dict[str, subprocess.Popen]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**overrides: str) -> Dict[str, str]:
    """The settings as the servers' environment."""
    env = settings.environment(**overrides)
    Path(env["SQLITE_TRACKER_DB"]).parent.mkdir(parents=True, exist_ok=True)
    return env


def isolated_environment(tmp: Path, **overrides: str) -> Dict[str, str]:
    """environment() on free ports (the replicas' too) with a fresh SQLite tracker store and conversation-key secret
    in `tmp`: a bot of its own."""
    ports = {name: str(free_port()) for name in ("RASA_PORT", "ACTION_SERVER_PORT", "WEB_PORT")}
    own = {"SQLITE_TRACKER_DB": str(tmp / "tracker.db"), "SENDER_KEY_SECRET": secrets.token_hex(32)}
    env = environment(**{**ports, **own, **overrides})
    if not env["RASA_REPLICA_PORTS"]:
        env["RASA_REPLICA_PORTS"] = " ".join(str(free_port()) for _ in range(int(env["RASA_REPLICAS"])))
    return env


def commands(env: Dict[str, str]) -> Dict[str, List[str]]:
    """The command line of each server."""
    cors = env["CORS_ORIGINS"].split()
    # Rasa runs through the plugins package: `rasa run` with Rasa patched (speed fixes, no TensorFlow).
    rasa_server = [
        sys.executable,
        "-m",
        "plugins",
        "run",
        "--model",
        env["RASA_MODEL"],
        "--port",
        env["RASA_PORT"],
        "--endpoints",
        env["RASA_ENDPOINTS"],
        "--credentials",
        env["RASA_CREDENTIALS"],
        "--cors",
        *cors,
    ]
    if env.get("RASA_AUTH_TOKEN"):
        rasa_server += ["--enable-api", "--auth-token", env["RASA_AUTH_TOKEN"]]
    return {
        "actions": [sys.executable, "-m", "actions"],
        "rasa": rasa_server,
        "web": [sys.executable, "-m", "web.server"],
    }


def health_urls(env: Dict[str, str]) -> Dict[str, str]:
    """Where each server says it is ready."""
    return {
        "actions": f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}/health",
        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/",
        "web": f"http://127.0.0.1:{env['WEB_PORT']}/healthz",
    }


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    """Polls `url` until it answers 200; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(process.args[:3])} exited with {process.returncode}")
        if client.answers(url):
            return
        time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def replicated(env: Dict[str, str]) -> bool:
    """Whether Rasa runs as several processes behind the balancer (RASA_REPLICAS > 1)."""
    return int(env.get("RASA_REPLICAS", "1")) > 1


def rasa_urls(env: Dict[str, str]) -> List[str]:
    """Base URLs of the Rasa processes themselves: the replicas, or the one Rasa process on RASA_PORT."""
    return replica_urls(env) if replicated(env) else [f"http://127.0.0.1:{env['RASA_PORT']}"]


def replica_urls(env: Dict[str, str]) -> List[str]:
    """Base URLs of the Rasa replicas: RASA_REPLICA_PORTS, or RASA_REPLICAS consecutive ports after RASA_PORT."""
    ports = env.get("RASA_REPLICA_PORTS", "").split()
    if not ports:
        first = int(env["RASA_PORT"]) + 1
        ports = [str(first + i) for i in range(int(env["RASA_REPLICAS"]))]
    return [f"http://127.0.0.1:{port}" for port in ports]


def start(names: List[str], env: Dict[str, str]) -> Processes:
    """Starts the named servers (each in its own process group) and waits until all are ready.

    "rasa" is one Rasa process on RASA_PORT, or, when RASA_REPLICAS > 1, that many Rasa processes ("rasa-0",
    "rasa-1", ...) with ops/balancer.py ("rasa") in front of them on RASA_PORT.
    """
    jobs = {name: env for name in names}
    balanced = "rasa" in names and replicated(env)
    if balanced:
        del jobs["rasa"]
        jobs.update({f"rasa-{i}": {**env, "RASA_PORT": url.rsplit(":", 1)[1]} for i, url in enumerate(replica_urls(env))})
    server = {name: name.partition("-")[0] for name in jobs}  # "rasa-0" runs the "rasa" command
    processes: Processes = {}
    try:
        for name, job_env in jobs.items():
            processes[name] = subprocess.Popen(
                commands(job_env)[server[name]], cwd=settings.ROOT, env=job_env, start_new_session=True
            )
        for name, process in processes.items():
            wait_until_ready(health_urls(jobs[name])[server[name]], process)
        if balanced:
            processes["rasa"] = start_balancer(env, replica_urls(env))
    except BaseException:
        stop(processes)
        raise
    return processes


def start_balancer(env: Dict[str, str], urls: List[str]) -> subprocess.Popen:
    """Starts ops/balancer.py on RASA_PORT in front of the replicas and waits until it answers."""
    balancer_env = {**env, "BALANCER_PORT": env["RASA_PORT"], "BALANCER_UPSTREAMS": " ".join(urls)}
    process = subprocess.Popen(
        [sys.executable, "-m", "ops.balancer"], cwd=settings.ROOT, env=balancer_env, start_new_session=True
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{env['RASA_PORT']}/_balancer/health", process, timeout=30)
    except BaseException:
        stop({"balancer": process})
        raise
    return process


def rasa_processes(processes: Processes) -> List[subprocess.Popen]:
    """The processes that serve Rasa: the Rasa process(es) and the balancer in front of replicas."""
    return [process for name, process in processes.items() if name == "rasa" or name.startswith("rasa-")]


def stop(processes: Processes) -> None:
    """Stops the servers and their children."""
    for process in processes.values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes.values():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _stop_on_signal(*_: Any) -> None:
    """Exits through the `finally` blocks that stop the servers; later signals are ignored, so they cannot cut the
    stopping short (make, for one, passes its own SIGTERM on)."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, signal.SIG_IGN)
    sys.exit(0)


def stop_on_signals() -> None:
    """From now on Ctrl-C, SIGTERM or a closed terminal (SIGHUP) exits through `finally` blocks, so whatever has
    been started is stopped: call it before starting anything."""
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _stop_on_signal)


def supervise(processes: Processes) -> None:
    """Waits until a stop signal (see stop_on_signals) or one server stopping, then stops them all."""
    try:
        while all(process.poll() is None for process in processes.values()):
            time.sleep(1)
        print("A server stopped; stopping the others.", file=sys.stderr)
    finally:
        stop(processes)
