"""Starting each side for the benchmark (our bot as `make run` runs it; stock Rasa with its defaults)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

from scripts import serve
from scripts.serve import BIN, ROOT
from tests.bot import free_port, start_bot


@dataclass
class Server:
    """A running side: what it runs, its processes, REST URL and how long it took to answer."""

    name: str
    runs: str
    processes: Dict[str, subprocess.Popen]
    base_url: str
    ready_seconds: float
    tmp: tempfile.TemporaryDirectory = field(repr=False)
    tracker_db: Optional[Path] = None

    @property
    def webhook(self) -> str:
        """The REST webhook URL."""
        return f"{self.base_url}/webhooks/rest/webhook"

    @property
    def rasa_pids(self) -> List[int]:
        """The process ids of the Rasa server(s) and, in front of replicas, the balancer."""
        return [process.pid for process in serve.rasa_processes(self.processes)]

    def stored(self) -> Dict[str, Optional[int]]:
        """Events in the SQLite tracker store, and escalations the action server recorded (slot `escalated`);
        None when the side keeps trackers in memory."""
        if self.tracker_db is None or not self.tracker_db.exists():
            return {"stored_events": None, "escalations_recorded": None}
        with sqlite3.connect(self.tracker_db) as db:
            events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
            recorded = db.execute("SELECT COUNT(*) FROM events WHERE type_name = 'slot' AND action_name = 'escalated'"
                                  " AND data LIKE '%\"value\": true%'").fetchone()[0]
        return {"stored_events": events, "escalations_recorded": recorded}

    def stop(self) -> None:
        """Stops every process of this side and removes its temporary folder."""
        serve.stop(self.processes)
        self.tmp.cleanup()


def start_ours(tmpfs: bool = False, **overrides: str) -> Server:
    """Our bot as `make run` runs it (action server, RASA_REPLICAS Rasa processes behind the balancer, SQLite
    tracker and lock store) on free ports; `tmpfs` puts the SQLite file in memory, `overrides` set variables."""
    tmp = tempfile.TemporaryDirectory(prefix="bench-ours-", dir="/dev/shm" if tmpfs else None)
    started = time.monotonic()
    try:
        bot = start_bot(Path(tmp.name), ["actions", "rasa"], **overrides)
    except BaseException:
        tmp.cleanup()
        raise
    replicas = int(bot.env["RASA_REPLICAS"])
    front = f"{replicas} Rasa processes behind deploy/balancer.py" if replicas > 1 else "1 Rasa process"
    runs = (f"scripts/serve.py: {front} ({Path(bot.env['RASA_MODEL']).relative_to(ROOT)}) + action server, "
            f"SQLite tracker and lock store{' on tmpfs' if tmpfs else ''}, channels/rest.py")
    if overrides:
        runs += " " + " ".join(f"{k}={v}" for k, v in overrides.items())
    return Server("ours", runs, bot.processes, bot.url, time.monotonic() - started, tmp, Path(bot.env["SQLITE_TRACKER_DB"]))


def start_stock(folder: Path, model: Path) -> Server:
    """Stock Rasa's starter bot: `rasa run` in its own folder with its defaults (in-memory tracker store)."""
    tmp = tempfile.TemporaryDirectory(prefix="bench-stock-")
    port = free_port()
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    command = [str(BIN / "rasa"), "run", "--model", str(model), "--port", str(port)]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=folder, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        serve.wait_until_ready(f"{base}/webhooks/rest/", process)
    except BaseException:
        serve.stop({"rasa": process})
        tmp.cleanup()
        raise
    runs = "rasa init --no-prompt bot, default config (DIET+TED), in-memory tracker store, no action server"
    return Server("stock", runs, {"rasa": process}, base, time.monotonic() - started, tmp)


def train_ours(out: Path) -> tuple[float, Path]:
    """Trains our bot from scratch (empty Rasa cache) into `out`; returns the seconds and the model."""
    env = {**serve.environment(), "RASA_CACHE_DIRECTORY": str(out / "cache"), "RASA_TELEMETRY_ENABLED": "false"}
    command: List[str] = [str(BIN / "rasa"), "train", "--fixed-model-name", "bench", "--out", str(out), "--quiet"]
    started = time.monotonic()
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=900,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - started, out / "bench.tar.gz"
