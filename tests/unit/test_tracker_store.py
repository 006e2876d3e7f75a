"""The embedded tracker store (plugins/tracker_store.py) against a real SQLite file."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import List

import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from plugins.tracker_store import EmbeddedTrackerStore


class CollectingBroker(EventBroker):
    """An event broker that keeps what it is sent."""

    def __init__(self) -> None:
        self.published: List[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


def one_turn(tracker: DialogueStateTracker, text: str) -> None:
    """A user message, an answer and the listen that follows."""
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered("hello"))
    tracker.update(ActionExecuted("action_listen"))


def stored_texts(db: Path, sender: str) -> List[str]:
    """The user texts stored for `sender`, in order."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        return [data for kind, data in rows if kind == "user"]


def store(db: Path, **kwargs: object) -> EmbeddedTrackerStore:
    """A store on `db`, as endpoints.yml configures it."""
    return EmbeddedTrackerStore(dialect="sqlite", db=str(db), **kwargs)


async def test_each_event_is_stored_once_and_read_back_by_a_new_process(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    first = store(db)
    tracker = DialogueStateTracker("alice", [])
    for text in ("one", "two", "three"):
        one_turn(tracker, text)
        await first.save(tracker)
    assert len(stored_texts(db, "alice")) == 3

    restarted = store(db)  # nothing in memory: reads the database
    again = await restarted.retrieve("alice")
    assert again is not None and [e.text for e in again.events if isinstance(e, UserUttered)] == ["one", "two", "three"]
    one_turn(again, "four")
    await restarted.save(again)
    assert len(stored_texts(db, "alice")) == 4


async def test_a_conversation_forgotten_from_memory_is_not_stored_twice(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    small = store(db, max_conversations=1)
    alice, bob = DialogueStateTracker("alice", []), DialogueStateTracker("bob", [])
    one_turn(alice, "a1")
    await small.save(alice)
    one_turn(bob, "b1")
    await small.save(bob)  # alice is forgotten
    alice = await small.retrieve("alice")
    assert alice is not None
    one_turn(alice, "a2")
    await small.save(alice)
    assert len(stored_texts(db, "alice")) == 2 and len(stored_texts(db, "bob")) == 1


async def test_commits_go_to_a_write_ahead_log(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    tracker = DialogueStateTracker("alice", [])
    one_turn(tracker, "hello")
    await store(db).save(tracker)
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_the_event_broker_gets_each_new_event_once(tmp_path: Path) -> None:
    broker = CollectingBroker()
    with_broker = store(tmp_path / "tracker.db", event_broker=broker)
    tracker = DialogueStateTracker("alice", [])
    one_turn(tracker, "one")
    await with_broker.save(tracker)
    one_turn(tracker, "two")
    await with_broker.save(tracker)
    assert [e["event"] for e in broker.published] == ["user", "action", "bot", "action"] * 2
    assert [e.get("text") for e in broker.published if e["event"] == "user"] == ["one", "two"]


def test_other_databases_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SQLite"):
        EmbeddedTrackerStore(dialect="postgresql", host="127.0.0.1", port=1, db="nothing")


async def test_a_turn_taken_by_another_replica_is_read_from_the_database(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    replica_a, replica_b = store(db), store(db)
    tracker = DialogueStateTracker("alice", [])
    one_turn(tracker, "one")
    await replica_a.save(tracker)
    on_b = await replica_b.retrieve("alice")
    assert on_b is not None
    one_turn(on_b, "two")
    await replica_b.save(on_b)

    on_a = await replica_a.retrieve("alice")  # replica A still holds the conversation without turn two
    assert on_a is not None and [e.text for e in on_a.events if isinstance(e, UserUttered)] == ["one", "two"]
    one_turn(on_a, "three")
    await replica_a.save(on_a)
    assert len(stored_texts(db, "alice")) == 3


async def test_an_unchanged_conversation_is_served_from_memory(tmp_path: Path) -> None:
    replica = store(tmp_path / "tracker.db")
    tracker = DialogueStateTracker("alice", [])
    one_turn(tracker, "one")
    await replica.save(tracker)
    assert await replica.retrieve("alice") is tracker
