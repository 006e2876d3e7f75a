"""Starting the real servers for tests, and talking to them over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List

from channels.identity import sender_key
from ops import client, supervisor


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
        """Posts one message to the REST webhook (with its token, if the bot has one) and returns the bot's messages."""
        return client.post_message(self.url, sender, message, timeout, token=self.env.get("REST_CHANNEL_TOKEN") or None)

    def post_raw(self, body: bytes, timeout: float = 60, headers: Dict[str, str] | None = None) -> tuple[int, bytes]:
        """Posts raw bytes to the REST webhook; returns the status and body."""
        status, _, reply = client.post(f"{self.url}/webhooks/rest/webhook", body, headers, timeout)
        return status, reply

    def key(self, sender: str, channel: str = "rest") -> str:
        """The conversation key under which this bot stores a sender of a channel (channels/identity.py)."""
        return sender_key(channel, sender, self.env["SENDER_KEY_SECRET"].encode())

    def stop(self) -> None:
        """Stops every server of this bot."""
        supervisor.stop(self.processes)


def start_bot(tmp: Path, names: List[str], **overrides: str) -> Bot:
    """Starts the named servers on free ports with their own tracker store in `tmp` (see isolated_environment)."""
    env = supervisor.isolated_environment(tmp, **overrides)
    return Bot(env, supervisor.start(names, env))


def texts(messages: List[Dict[str, Any]]) -> str:
    """All text of the bot's messages, joined."""
    return " ".join(m.get("text", "") for m in messages)


def escalated(messages: List[Dict[str, Any]]) -> bool:
    """Whether a reply carries the escalation marker."""
    return any((m.get("custom") or {}).get("escalation") for m in messages)
