"""Starting each side for the benchmark (our bot as `make run` runs it; stock Rasa with its defaults)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import sqlalchemy as sa

from ops import client, supervisor
from ops.settings import BIN, ROOT
from ops.supervisor import free_port
from plugins.events_table import EVENTS


@dataclass
class Server:
    """A running side: what it runs, its processes, REST URL, how long until it was up and answered its first
    message."""

    name: str
    runs: str
    processes: Dict[str, subprocess.Popen]
    base_url: str
    ready_seconds: float
    first_answer_seconds: float
    tmp: tempfile.TemporaryDirectory = field(repr=False)
    tracker_db: Optional[Path] = None

    @property
    def webhook(self) -> str:
        """The REST webhook URL."""
        return f"{self.base_url}/webhooks/rest/webhook"

    @property
    def rasa_pids(self) -> List[int]:
        """The process ids of the Rasa server(s) and, in front of replicas, nginx."""
        return [process.pid for process in supervisor.rasa_processes(self.processes)]

    @property
    def replicas(self) -> List[str]:
        """The names of the Rasa processes themselves ("rasa-0", ...; "rasa" when there is no nginx)."""
        return [name for name in self.processes if name.startswith("rasa-")] or ["rasa"]

    def memory_groups(self) -> Dict[str, List[int]]:
        """What the benchmark's memory figures add up: each process, the Rasa tree (Rasa and nginx in front
        of replicas) and the whole tree (everything this side started: `make run`'s tree for ours)."""
        groups = {name: [process.pid] for name, process in self.processes.items()}
        return {**groups, "rasa tree": self.rasa_pids, "whole tree": [p.pid for p in self.processes.values()]}

    def stored(self) -> Dict[str, Optional[int]]:
        """Events in the SQLite tracker store, and escalations the action server recorded (slot `escalated`);
        None when the side keeps trackers in memory."""
        if self.tracker_db is None or not self.tracker_db.exists():
            return {"stored_events": None, "escalations_recorded": None}
        count = sa.select(sa.func.count()).select_from(EVENTS)
        escalations = count.where(
            EVENTS.c.type_name == "slot", EVENTS.c.action_name == "escalated", EVENTS.c.data.like('%"value": true%')
        )
        with sa.create_engine(f"sqlite:///{self.tracker_db}").connect() as db:
            events, recorded = db.execute(count).scalar(), db.execute(escalations).scalar()
        return {"stored_events": events, "escalations_recorded": recorded}

    def stop(self) -> None:
        """Stops every process of this side and removes its temporary folder."""
        supervisor.stop(self.processes)
        self.tmp.cleanup()


def first_answer(base_url: str, text: str, started: float) -> float:
    """Seconds from `started` until the REST webhook has answered one message."""
    if not client.post_message(base_url, f"bench-first-{time.time_ns()}", text):
        raise RuntimeError(f"{base_url} answered its first message with nothing")
    return time.monotonic() - started


def start_ours(tmpfs: bool = False, **overrides: str) -> Server:
    """Our bot as `make run` runs it (action server, RASA_REPLICAS Rasa processes behind nginx, SQLite
    tracker and lock store, website) on free ports; `tmpfs` puts the SQLite file in memory, `overrides` set
    variables."""
    tmp = tempfile.TemporaryDirectory(prefix="bench-ours-", dir="/dev/shm" if tmpfs else None)
    started = time.monotonic()
    try:
        env = supervisor.isolated_environment(Path(tmp.name), **overrides)
        processes = supervisor.start(["actions", "rasa", "web"], env)
    except BaseException:
        tmp.cleanup()
        raise
    ready = time.monotonic() - started
    base_url = f"http://127.0.0.1:{env['RASA_PORT']}"
    try:
        answered = first_answer(base_url, "hi", started)
    except BaseException:
        supervisor.stop(processes)
        tmp.cleanup()
        raise
    replicas = int(env["RASA_REPLICAS"])
    front = f"{replicas} Rasa processes behind nginx" if replicas > 1 else "1 Rasa process"
    runs = (
        f"scripts/serve.py: {front} ({Path(env['RASA_MODEL']).relative_to(ROOT)}) + action server, "
        f"SQLite tracker and lock store{' on tmpfs' if tmpfs else ''}, channels/rest.py, website"
    )
    if overrides:
        runs += " " + " ".join(f"{k}={v}" for k, v in overrides.items())
    return Server("ours", runs, processes, base_url, ready, answered, tmp, Path(env["SQLITE_TRACKER_DB"]))


def start_stock(folder: Path, model: Path) -> Server:
    """Stock Rasa's starter bot: `rasa run` in its own folder with its defaults (in-memory tracker store)."""
    tmp = tempfile.TemporaryDirectory(prefix="bench-stock-")
    port = free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [str(BIN / "rasa"), "run", "--model", str(model), "--port", str(port)]
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=folder, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        supervisor.wait_until_ready(f"{base}/webhooks/rest/", process)
        ready = time.monotonic() - started
        answered = first_answer(base, "hello there", started)
    except BaseException:
        supervisor.stop({"rasa": process})
        tmp.cleanup()
        raise
    runs = "rasa init --no-prompt bot, default config (DIET+TED), in-memory tracker store, no action server"
    return Server("stock", runs, {"rasa": process}, base, ready, answered, tmp)


def train_ours(out: Path) -> tuple[float, Path]:
    """Trains our bot from scratch (empty Rasa cache) into `out`; returns the seconds and the model."""
    env = {**supervisor.environment(), "RASA_CACHE_DIRECTORY": str(out / "cache"), "RASA_TELEMETRY_ENABLED": "false"}
    command: List[str] = [str(BIN / "rasa"), "train", "--fixed-model-name", "bench", "--out", str(out), "--quiet"]
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=900, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started, out / "bench.tar.gz"
