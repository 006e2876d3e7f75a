"""Starting, supervising and stopping the bot's processes: action server, Rasa (one process, or replicas behind
nginx), website. Used by `make run` (scripts/serve.py), the production launcher (ops/stack.py), the tests and the benchmarks,
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

from ops import client, proxy, settings

Processes = Dict[str, subprocess.Popen]
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
STABLE_SECONDS = 60.0  # a server up this long has its restart back-off reset


_HANDED_OUT: Set[int] = set()


def free_port() -> int:
    """A TCP port nobody listens on right now, and never one this process was handed before: the kernel may give
    the same port to two bind(0) calls once the first socket is closed, and a Rasa replica and the action server once
    drew the same one."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


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


def commands(env: Dict[str, str], interface: str = "") -> Dict[str, List[str]]:
    """The command line of each server; Rasa listens on `interface` (default PUBLIC_HOST)."""
    cors = env["CORS_ORIGINS"].split()
    # Rasa runs through the plugins package: `rasa run` with Rasa patched (speed fixes, no TensorFlow).
    rasa_server = [
        sys.executable,
        "-m",
        "plugins",
        "run",
        "--model",
        env["RASA_MODEL"],
        "--interface",
        interface or env["PUBLIC_HOST"],
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
    """Whether Rasa runs as several processes behind nginx (RASA_REPLICAS > 1)."""
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


@dataclass(frozen=True)
class Job:
    """How to run one server process, and where it says it is ready."""

    argv: List[str]
    env: Dict[str, str]
    health_url: str
    front: bool = False  # started once the others are ready (nginx), so the public port opens on a ready bot


def plan(names: List[str], env: Dict[str, str]) -> Dict[str, Job]:
    """The processes that serve the named servers.

    "rasa" is one Rasa process on RASA_PORT, or, when RASA_REPLICAS > 1, that many Rasa processes ("rasa-0",
    "rasa-1", ...) on 127.0.0.1 with nginx ("rasa", ops/proxy.py) in front of them on RASA_PORT.
    """
    jobs: Dict[str, Job] = {}
    for name in names:
        if name == "rasa" and replicated(env):
            for index, url in enumerate(replica_urls(env)):
                replica = {**env, "RASA_PORT": url.rsplit(":", 1)[1]}
                jobs[f"rasa-{index}"] = Job(commands(replica, "127.0.0.1")["rasa"], replica, health_urls(replica)["rasa"])
            upstreams = [url.removeprefix("http://") for url in replica_urls(env)]
            jobs["rasa"] = Job(proxy.command(env, upstreams), env, f"http://127.0.0.1:{env['RASA_PORT']}/healthz", front=True)
        else:
            jobs[name] = Job(commands(env)[name], env, health_urls(env)[name])
    return jobs


def launch(job: Job) -> subprocess.Popen:
    """Starts one server in its own process group."""
    return subprocess.Popen(job.argv, cwd=settings.ROOT, env=job.env, start_new_session=True)


def start(names: List[str], env: Dict[str, str]) -> Processes:
    """Starts the named servers (see plan()) and waits until all are ready."""
    jobs = plan(names, env)
    processes: Processes = {}
    try:
        for front in (False, True):
            names = [name for name, job in jobs.items() if job.front == front]
            for name in names:
                processes[name] = launch(jobs[name])
            for name in names:
                wait_until_ready(jobs[name].health_url, processes[name])
    except BaseException:
        stop(processes)
        raise
    return processes


def rasa_processes(processes: Processes) -> List[subprocess.Popen]:
    """The processes that serve Rasa: the Rasa process(es) and nginx in front of replicas."""
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


def log(message: str) -> None:
    """One supervisor line on stderr (never a message's text: the supervisor sees none)."""
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} supervisor: {message}", file=sys.stderr, flush=True)


@dataclass
class Restarts:
    """One server's restart state: how often it failed in a row, when it started, when it is due again."""

    failures: int = 0
    started: float = field(default_factory=time.monotonic)
    due: Optional[float] = None


def supervise(processes: Processes, env: Dict[str, str]) -> None:
    """Until a stop signal (see stop_on_signals): restarts any server that exits, after a back-off (1 s, doubling up
    to RESTART_BACKOFF_MAX; reset after STABLE_SECONDS up), while the others keep serving; then stops them all."""
    jobs = plan(sorted({name.partition("-")[0] for name in processes}), env)
    backoff_max = float(env["RESTART_BACKOFF_MAX"])
    state = {name: Restarts() for name in processes}
    try:
        while True:
            now = time.monotonic()
            for name, process in processes.items():
                restart = state[name]
                if process.poll() is None:
                    continue
                if restart.due is None:
                    if now - restart.started > STABLE_SECONDS:
                        restart.failures = 0
                    delay = min(2.0**restart.failures, backoff_max)
                    restart.failures += 1
                    restart.due = now + delay
                    log(f"{name} exited with status {process.returncode}; restart {restart.failures} in {delay:g} s")
                elif now >= restart.due:
                    processes[name] = launch(jobs[name])
                    state[name] = Restarts(failures=restart.failures)
                    log(f"{name} restarted (pid {processes[name].pid})")
            time.sleep(0.5)
    finally:
        stop(processes)
