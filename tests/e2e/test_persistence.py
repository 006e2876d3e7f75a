"""The embedded tracker store: conversations survive a restart, and the database holds every event of a turn."""

from __future__ import annotations

import secrets
import sqlite3
import uuid
from pathlib import Path

from tests.bot import escalated, start_bot, texts


def stored_events(db: Path, sender: str) -> list[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [row[0] for row in rows]


def test_a_conversation_survives_a_restart_with_every_event_stored(tmp_path: Path) -> None:
    sender, secret = f"restart-{uuid.uuid4()}", secrets.token_hex(32)  # the key secret outlives the restart too
    bot = start_bot(tmp_path, ["actions", "rasa"], SENDER_KEY_SECRET=secret)
    try:
        bot.send(sender, "I'm deaf")
        assert escalated(bot.send(sender, "he's got a knife"))
        before_restart = stored_events(tmp_path / "tracker.db", bot.key(sender))
    finally:
        bot.stop()
    assert before_restart.count("user") == 2 and before_restart.count("bot") >= 3
    assert "slot" in before_restart  # action_escalate_danger's record of the escalation

    bot = start_bot(tmp_path, ["actions", "rasa"], SENDER_KEY_SECRET=secret)
    try:
        still_open = texts(bot.send(sender, "how do I report domestic abuse"))
        safe = texts(bot.send(sender, "yes"))
        reply = texts(bot.send(sender, "how do I report domestic abuse"))
    finally:
        bot.stop()
    assert "Are you somewhere safe now?" in still_open and "18000" in still_open  # the emergency survived too
    assert "18001 101" in safe
    assert reply.startswith("To report domestic abuse, use our textphone service on 18001 101")
    after_restart = stored_events(tmp_path / "tracker.db", bot.key(sender))
    assert after_restart[: len(before_restart)] == before_restart
    assert after_restart.count("user") == 5
