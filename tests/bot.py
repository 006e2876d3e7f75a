"""Starting the real servers for tests, and talking to them over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from scripts import serve
from scripts.serve import free_port


@dataclass
class Bot:
    """A running bot: its environment, processes and REST endpoint."""

    env: Dict[str, str]
    processes: Dict[str, Any]

    @property
    def url(self) -> str:
        """The Rasa server's base URL."""
        return f"http://127.0.0.1:{self.env['RASA_PORT']}"

    def send(self, sender: str, message: str, timeout: float = 60) -> List[Dict[str, Any]]:
        """Posts one message to the REST webhook and returns the bot's messages."""
        return serve.post_message(self.url, sender, message, timeout)

    def post_raw(self, body: bytes, timeout: float = 60, headers: Dict[str, str] | None = None) -> tuple[int, bytes]:
        """Posts raw bytes to the REST webhook; returns the status and body."""
        status, _, reply = serve.post(f"{self.url}/webhooks/rest/webhook", body, headers, timeout)
        return status, reply

    def stop(self) -> None:
        """Stops every server of this bot."""
        serve.stop(self.processes)


def bot_environment(tmp: Path, **overrides: str) -> Dict[str, str]:
    """serve.py's environment on free ports (the replicas' too) with a fresh SQLite tracker store in `tmp`."""
    env = serve.environment()
    env.update(
        RASA_PORT=str(free_port()),
        ACTION_SERVER_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
        SQLITE_TRACKER_DB=str(tmp / "tracker.db"),
    )
    env.update(overrides)
    env.setdefault("RASA_REPLICA_PORTS", " ".join(str(free_port()) for _ in range(int(env["RASA_REPLICAS"]))))
    return env


def start_bot(tmp: Path, names: List[str], **overrides: str) -> Bot:
    """Starts the named servers in bot_environment(tmp, **overrides)."""
    env = bot_environment(tmp, **overrides)
    return Bot(env, serve.start(names, env))


def texts(messages: List[Dict[str, Any]]) -> str:
    """All text of the bot's messages, joined."""
    return " ".join(m.get("text", "") for m in messages)


def escalated(messages: List[Dict[str, Any]]) -> bool:
    """Whether a reply carries the escalation marker."""
    return any((m.get("custom") or {}).get("escalation") for m in messages)
