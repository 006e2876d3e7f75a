"""Conversation keys nobody can type in: `<channel>:<HMAC-SHA256 of the provider's user id>`.

- The key is SENDER_KEY_SECRET (ops/settings.py; `make run` generates one into .data/): knowing a phone number, a
  Telegram chat id or a Messenger PSID is not enough to name its conversation, and the channel's name is part of
  both the key's input and its prefix, so no channel can address another channel's conversation.
- The provider's own id is never stored. `keyed` holds it in memory while the turn runs, and `Addressed` output
  channels send the turn's replies to it; nothing is sent to a user after the turn (the bot sends no reminders).
- Web chat: the server issues session ids (`issue_session`: 128 random bits and their HMAC); a session id the
  server did not sign starts a new, empty conversation (`issued`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

from ops.settings import Settings, sender_secret

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
_held: Dict[str, List[Any]] = {}  # conversation key -> [provider's id, turns running]


def _mac(purpose: str, value: str, secret: Optional[bytes] = None) -> str:
    """HMAC-SHA256 (hex) of `value` for one purpose, with the given key or SENDER_KEY_SECRET."""
    key = secret if secret is not None else sender_secret(Settings.load())
    return hmac.new(key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()


def sender_key(channel: str, user_id: str, secret: Optional[bytes] = None) -> str:
    """The conversation key of a provider's user id on a channel."""
    return f"{channel}:{_mac(channel, user_id, secret)}"


async def keyed(channel: str, message: UserMessage, handle: OnNewMessage) -> None:
    """Handles the message under its conversation key on `channel` (the receiving channel's own name, never one the
    request names), holding the provider's id in memory for the turn only."""
    user_id = str(message.sender_id)
    message.sender_id = key = sender_key(channel, user_id)
    _held.setdefault(key, [user_id, 0])[1] += 1
    try:
        await handle(message)
    finally:
        _held[key][1] -= 1
        if not _held[key][1]:
            del _held[key]


def keyed_turns(channel: str, on_new_message: OnNewMessage) -> OnNewMessage:
    """`on_new_message` with every message keyed on `channel` (for Rasa's own webhooks, which make the UserMessage)."""

    async def handle(message: UserMessage) -> None:
        await keyed(channel, message, on_new_message)

    return handle


class Addressed(OutputChannel):
    """Sends to the provider's id of the conversation whose turn is running; first in an output channel's bases."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Sends the message to the user behind the conversation key (only while the turn runs)."""
        held = _held.get(recipient_id)
        if held is None:
            logger.error("A %s message outside a turn was not sent: the user's address is kept only for the turn.", self.name())
            return
        await super().send_response(held[0], message)


def issue_session(secret: Optional[bytes] = None) -> str:
    """A new web-chat session id: 128 random bits and the server's signature of them."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_mac('session', nonce, secret)}"


def issued(session_id: Any, secret: Optional[bytes] = None) -> bool:
    """Whether the server issued this session id (a forged or altered one is not)."""
    if not isinstance(session_id, str) or session_id.count(".") != 1 or len(session_id) > 200:
        return False
    nonce, signature = session_id.split(".")
    return len(nonce) >= 22 and hmac.compare_digest(signature.encode(), _mac("session", nonce, secret).encode())
