"""Conversations reachable only by the person having them (channels/identity.py), against the real Rasa server.

- A signed SMS from a number, then a REST message whose sender is that number: two conversations, neither keyed
  by the number (checked in the SQLite tracker store, down to the file's bytes).
- socket.io: a session id the server did not issue gets a new, empty conversation; a socket cannot post into
  another session by naming its id.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from pathlib import Path
from typing import Any, Dict, List, Tuple

import socketio

from channels.identity import issue_session, issued, sender_key
from tests.bot import Bot, texts
from tests.channels.conftest import phone
from tests.channels.provider import Provider
from tests.channels.test_channels_twilio import bodies_to, send_sms

KEY = re.compile(r"^(twilio|rest|socketio):[0-9a-f]{64}$")


def flip(text: str) -> str:
    """The text with its last character changed."""
    return text[:-1] + ("1" if text[-1] == "0" else "0")


def conversations(bot: Bot) -> Dict[str, List[Tuple[str, str]]]:
    """Every stored conversation: sender id -> its (event, text) rows of user and bot turns."""
    with sqlite3.connect(bot.env["SQLITE_TRACKER_DB"]) as connection:
        rows = connection.execute("SELECT sender_id, type_name, data FROM events ORDER BY id").fetchall()
    found: Dict[str, List[Tuple[str, str]]] = {}
    for sender, kind, data in rows:
        found.setdefault(sender, [])
        if kind in ("user", "bot"):
            found[sender].append((kind, re.search(r'"text": "((?:[^"\\]|\\.)*)"', data).group(1) if '"text": "' in data else ""))
    return found


def user_texts(rows: List[Tuple[str, str]]) -> List[str]:
    return [text for kind, text in rows if kind == "user"]


def test_keys_differ_by_channel_and_sessions_must_be_signed() -> None:
    secret = b"k" * 32
    assert sender_key("twilio", "+447700900123", secret) != sender_key("rest", "+447700900123", secret)
    assert sender_key("rest", "+447700900123", secret) != sender_key("rest", "+447700900123", b"j" * 32)
    session = issue_session(secret)
    assert issued(session, secret) and not issued(session, b"j" * 32)
    nonce, signature = session.split(".")
    assert len(nonce) >= 22  # 16 random bytes, base64url
    for forged in (f"{nonce}.{flip(signature)}", f"{flip(nonce)}.{signature}", nonce, "a" * 32, None, 12, "", "x.y"):
        assert not issued(forged, secret), forged


def test_an_sms_number_and_a_rest_sender_of_that_number_are_two_conversations(channel_bot: Bot, provider: Provider) -> None:
    number = phone(150)
    print(f"\nSMS (signed, Twilio webhook) from {number}: \"I can't speak, he's in the next room\"")
    assert send_sms(channel_bot, number, "I can't speak, he's in the next room") == 204
    sms_replies = bodies_to(provider, number)
    print(f"  bot -> Twilio API To={number}: {sms_replies[0][:90]!r}...")
    assert "55" in sms_replies[0]  # the can't-speak variant reached the person, at her number
    print(f'REST {{"sender": "{number}", "message": "what did I tell you?"}}')
    rest_reply = texts(channel_bot.send(number, "what did I tell you?"))
    print(f"  bot -> REST caller: {rest_reply[:90]!r}...")
    assert "55" not in rest_reply and "can't speak" not in rest_reply.lower()

    stored = conversations(channel_bot)
    sms_key, rest_key = channel_bot.key(number, "twilio"), channel_bot.key(number, "rest")
    print("Stored conversations (SQLite events.sender_id):")
    for sender in (sms_key, rest_key):
        print(f"  {sender}: user turns {user_texts(stored.get(sender, []))}")
    assert sms_key != rest_key and all(KEY.match(sender) for sender in (sms_key, rest_key))
    assert user_texts(stored[sms_key]) == ["I can't speak, he's in the next room"]
    assert user_texts(stored[rest_key]) == ["what did I tell you?"]
    digits = number.lstrip("+")
    assert not [sender for sender in stored if digits[-10:] in sender], "no conversation is keyed by the number"
    raw = Path(channel_bot.env["SQLITE_TRACKER_DB"]).read_bytes()
    assert digits[-10:].encode() not in raw, "the number is nowhere in the tracker store"
    print(f"  the number's digits {digits[-10:]} occur nowhere in the tracker store's {len(raw)} bytes")


async def chat(url: str, session_id: Any, message: str) -> Tuple[str, List[str]]:
    """One socket.io client: asks for `session_id`, sends `message` naming that id, returns the confirmed id and replies."""
    client, confirmed, replies = socketio.AsyncClient(), asyncio.Queue(), []  # type: ignore[var-annotated]
    client.on("session_confirm", lambda given: confirmed.put_nowait(given))
    client.on("bot_uttered", lambda reply: replies.append(str(reply.get("text") or reply)))
    await client.connect(url, transports=["polling"], socketio_path="/socket.io")
    try:
        await client.emit("session_request", {"session_id": session_id})
        session = await asyncio.wait_for(confirmed.get(), 20)
        await client.emit("user_uttered", {"message": message, "session_id": session_id or session})
        for _ in range(200):
            if replies:
                await asyncio.sleep(1.5)  # the rest of the turn
                break
            await asyncio.sleep(0.1)
    finally:
        await client.disconnect()
    return session, replies


def test_socketio_forged_session_ids_get_new_empty_conversations(channel_bot: Bot) -> None:
    url = channel_bot.url
    owner, replies = asyncio.run(chat(url, None, "I'm deaf and he's hitting me"))
    print(f"\nsocket.io session issued by the server: {owner[:12]}…; the owner says \"I'm deaf and he's hitting me\"")
    assert issued(owner, channel_bot.env["SENDER_KEY_SECRET"].encode()) and replies
    owner_key = channel_bot.key(owner, "socketio")
    assert user_texts(conversations(channel_bot)[owner_key]) == ["I'm deaf and he's hitting me"]

    nonce, signature = owner.split(".")
    for forged in (f"{nonce}.{flip(signature)}", nonce, "0123456789abcdef0123456789abcdef"):
        before = set(conversations(channel_bot))
        session, replies = asyncio.run(chat(url, forged, "what did I say?"))
        print(f"forged id {forged[:16]}… -> server confirmed a new id {session[:12]}…; bot: {' '.join(replies)[:70]!r}")
        key = channel_bot.key(session, "socketio")
        assert session != forged and session != owner and key not in before, "a new session, with no stored conversation"
        stored = conversations(channel_bot)
        assert user_texts(stored[key]) == ["what did I say?"]  # the message went into the new, empty conversation
        assert user_texts(stored[owner_key]) == ["I'm deaf and he's hitting me"]  # and not into the owner's
        assert "18000" not in " ".join(replies)  # nothing tailored to what the owner said
    print("the owner's conversation still holds only the owner's message")
