"""Talking to the bot's servers over HTTP, with the standard library only (used by the launchers, tests, benchmarks)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from email.message import Message
from typing import Any, Dict, List, Optional, Tuple


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
    """Sends one message to the REST webhook (with the channel's bearer token, if any); returns the bot's messages,
    also those of a 202 (the turn still runs) and a 503 (the last-resort reply; the message may not be stored)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = json.dumps({"sender": sender, "message": text}).encode()
    status, _, reply = post(f"{rasa_url}/webhooks/rest/webhook", body, headers, timeout)
    if status not in (200, 202, 503):
        raise RuntimeError(f"The REST webhook answered {status}: {reply[:300]!r}")
    return json.loads(reply)


def answers(url: str, timeout: float = 2) -> bool:
    """Whether a GET of `url` answers 200 within `timeout` seconds."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status == 200
    except OSError:
        return False
