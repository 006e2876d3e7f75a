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

# endpoints.yml without the tracker store: Rasa falls back to its in-memory store (an experiment only).
# ${VARIABLES} stay unquoted: Rasa substitutes them only in plain YAML scalars.
IN_MEMORY_ENDPOINTS = "action_endpoint:\n  url: http://127.0.0.1:${ACTION_SERVER_PORT}/webhook\n"
# The SQLite store with a Redis lock store, which Rasa needs before it allows SANIC_WORKERS > 1.
REDIS_LOCK_ENDPOINTS = (Path(ROOT / "endpoints.yml").read_text() + "\nlock_store:\n  type: redis\n"
                        "  url: 127.0.0.1\n  port: 6379\n  db: 0\n  key_prefix: bench\n")
# The same SQLite file through bench/wal_store.py (WAL journal, synchronous=NORMAL).
WAL_ENDPOINTS = IN_MEMORY_ENDPOINTS + ("tracker_store:\n  type: bench.wal_store.WalSQLTrackerStore\n"
                                       "  dialect: sqlite\n  db: ${SQLITE_TRACKER_DB}\n")


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
    def rasa_pid(self) -> int:
        """The Rasa server's process id (the root of its process tree)."""
        return self.processes["rasa"].pid

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


def start_ours(variant: str = "default", **overrides: str) -> Server:
    """Our bot with `make run`'s configuration (SQLite tracker store, action server) on free ports; a variant
    changes only the endpoints (in-memory, redis-lock, sqlite-wal) or where the SQLite file lives (tmpfs)."""
    tmp = tempfile.TemporaryDirectory(prefix="bench-ours-", dir="/dev/shm" if variant == "tmpfs" else None)
    endpoints = {"in-memory": IN_MEMORY_ENDPOINTS, "redis-lock": REDIS_LOCK_ENDPOINTS,
                 "sqlite-wal": WAL_ENDPOINTS}.get(variant)
    if endpoints:
        (Path(tmp.name) / "endpoints.yml").write_text(endpoints)
        overrides["RASA_ENDPOINTS"] = str(Path(tmp.name) / "endpoints.yml")
    started = time.monotonic()
    try:
        bot = start_bot(Path(tmp.name), ["actions", "rasa"], **overrides)
    except BaseException:
        tmp.cleanup()
        raise
    store = {"in-memory": "in-memory", "sqlite-wal": "SQLite (WAL)", "tmpfs": "SQLite on tmpfs"}.get(variant, "SQLite")
    runs = (f"scripts/serve.py: rasa run {Path(bot.env['RASA_MODEL']).relative_to(ROOT)} + action server, "
            f"{store} tracker store, channels/rest.py")
    if overrides:
        runs += " " + " ".join(f"{k}={v}" for k, v in overrides.items() if k != "RASA_ENDPOINTS")
    db = None if variant == "in-memory" else Path(bot.env["SQLITE_TRACKER_DB"])
    return Server("ours", runs, bot.processes, bot.url, time.monotonic() - started, tmp, db)


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
