"""Starts the whole bot: action server, Rasa server and the website demo page; stops them all on Ctrl-C.

Used by `make run` and by the end-to-end tests (tests/conftest.py), so both run the bot the same way.
Ports and files come from the environment (see README); defaults are the embedded SQLite set-up.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
Processes = Dict[str, subprocess.Popen]

DEFAULTS = {
    "RASA_PORT": "5005",
    "ACTION_SERVER_PORT": "5055",
    "WEB_PORT": "8080",
    "SQLITE_TRACKER_DB": str(ROOT / ".data" / "tracker.db"),
    "RASA_MODEL": str(ROOT / "models" / "current.tar.gz"),
    "RASA_ENDPOINTS": str(ROOT / "endpoints.yml"),
    "RASA_CREDENTIALS": str(ROOT / "credentials.yml"),
    "CORS_ORIGINS": "http://localhost:8080 http://127.0.0.1:8080",
    "RETENTION_DAYS": "90",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "LOG_LEVEL": "INFO",
    # Rasa answers one message at a time per process: one process per CPU core (up to 4) behind the balancer.
    "RASA_REPLICAS": str(min(os.cpu_count() or 1, 4)),
}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment() -> Dict[str, str]:
    """The process environment with defaults filled in and the project importable."""
    env = {**DEFAULTS, **os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    Path(env["SQLITE_TRACKER_DB"]).parent.mkdir(parents=True, exist_ok=True)
    return env


def commands(env: Dict[str, str]) -> Dict[str, List[str]]:
    """The command line of each server."""
    cors = env["CORS_ORIGINS"].split()
    # Rasa runs through deploy/rasa_server.py: `rasa run` with Rasa patched (speed fixes, no TensorFlow).
    rasa_server = [
        sys.executable,
        "-m",
        "deploy.rasa_server",
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
        # What `rasa run actions` runs, without first importing Rasa (about 80 MB resident and 2 s of CPU).
        "actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", env["ACTION_SERVER_PORT"]],
        "rasa": rasa_server,
        "web": [sys.executable, str(ROOT / "web" / "server.py")],
    }


def health_urls(env: Dict[str, str]) -> Dict[str, str]:
    """Where each server says it is ready."""
    return {
        "actions": f"http://127.0.0.1:{env['ACTION_SERVER_PORT']}/health",
        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/",
        "web": f"http://127.0.0.1:{env['WEB_PORT']}/healthz",
    }


def post(url: str, body: bytes, headers: Optional[Dict[str, str]] = None, timeout: float = 60) -> Tuple[int, Message, bytes]:
    """POSTs raw bytes (JSON unless `headers` say otherwise); returns the status, headers and body, also for errors."""
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def post_message(rasa_url: str, sender: str, text: str, timeout: float = 60, token: Optional[str] = None) -> List[Dict[str, Any]]:
    """Sends one message to the REST webhook (with the channel's bearer token, if any); returns the bot's messages."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = json.dumps({"sender": sender, "message": text}).encode()
    status, _, reply = post(f"{rasa_url}/webhooks/rest/webhook", body, headers, timeout)
    if status != 200:
        raise RuntimeError(f"The REST webhook answered {status}: {reply[:300]!r}")
    return json.loads(reply)


def wait_until_ready(url: str, process: subprocess.Popen, timeout: float = 300) -> None:
    """Polls `url` until it answers 200; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{' '.join(process.args[:3])} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
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
        first = int(env.get("RASA_PORT", "5005")) + 1
        ports = [str(first + i) for i in range(int(env["RASA_REPLICAS"]))]
    return [f"http://127.0.0.1:{port}" for port in ports]


def start(names: List[str], env: Dict[str, str]) -> Processes:
    """Starts the named servers (each in its own process group) and waits until all are ready.

    "rasa" is one Rasa process on RASA_PORT, or, when RASA_REPLICAS > 1, that many Rasa processes ("rasa-0",
    "rasa-1", ...) with deploy/balancer.py ("rasa") in front of them on RASA_PORT.
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
            processes[name] = subprocess.Popen(commands(job_env)[server[name]], cwd=ROOT, env=job_env, start_new_session=True)
        for name, process in processes.items():
            wait_until_ready(health_urls(jobs[name])[server[name]], process)
        if balanced:
            processes["rasa"] = start_balancer(env, replica_urls(env))
    except BaseException:
        stop(processes)
        raise
    return processes


def start_balancer(env: Dict[str, str], urls: List[str]) -> subprocess.Popen:
    """Starts deploy/balancer.py on RASA_PORT in front of the replicas and waits until it answers."""
    balancer_env = {**env, "BALANCER_PORT": env["RASA_PORT"], "BALANCER_UPSTREAMS": " ".join(urls)}
    process = subprocess.Popen([sys.executable, "-m", "deploy.balancer"], cwd=ROOT, env=balancer_env, start_new_session=True)
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


def apply_retention(env: Dict[str, str]) -> None:
    """Deletes stored conversations older than RETENTION_DAYS (review/store.py), so none is kept for ever."""
    subprocess.run([sys.executable, "-m", "review.cli", "purge", env["RETENTION_DAYS"]], cwd=ROOT, env=env, check=True)


def main() -> None:
    """Applies the retention limit, then runs everything until Ctrl-C."""
    stop_on_signals()
    env = environment()
    apply_retention(env)
    processes = start(["actions", "rasa", "web"], env)
    replicas = int(env["RASA_REPLICAS"])
    print(
        f"\nThe bot is running ({replicas} Rasa process{'es behind the balancer' if replicas > 1 else ''}).\n"
        f"  Website chat:  http://localhost:{env['WEB_PORT']}/\n"
        f"  REST:          curl -X POST http://localhost:{env['RASA_PORT']}/webhooks/rest/webhook "
        f'-d \'{{"sender": "me", "message": "how do I report domestic abuse"}}\'\n'
        f"Press Ctrl-C to stop.\n",
        flush=True,
    )
    supervise(processes)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stop_on_signal(*_: Any) -> None:
    """Exits through the `finally` blocks that stop the servers; later signals are ignored, so they cannot cut the
    stopping short (make, for one, passes its own SIGTERM on to serve.py)."""
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


if __name__ == "__main__":
    main()
