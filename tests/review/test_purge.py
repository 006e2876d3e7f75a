"""The retention purge (make purge, and make run at start) on a SQLite tracker store: exactly the old conversations go."""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from ops import supervisor
from ops.settings import Settings
from plugins import events_table
from plugins.events_table import EVENTS
from review.db import INDEX, ReviewDB
from review.store import TrackerStore
from scripts import serve
from tests.review.conftest import cli
from tests.review.factory import conversation


def test_purge_keeps_conversations_with_recent_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url, future=True)
    events_table.create(engine)
    now = time.time()
    ages = {"old-a": 45, "old-b": 31, "fresh": 2, "new": 0}
    for sender, days in ages.items():
        events_table.insert(engine, sender, conversation(now - days * 86400))
    # began 40 days ago but the user came back yesterday: its last event is recent, so it stays
    events_table.insert(engine, "came-back", conversation(now - 40 * 86400) + conversation(now - 86400))
    review_db = ReviewDB(f"sqlite:///{tmp_path / 'review.db'}")
    review_db.sync(TrackerStore(url))
    env = {
        **supervisor.environment(),
        "SQLITE_TRACKER_DB": str(tmp_path / "tracker.db"),
        "REVIEW_DB": str(tmp_path / "review.db"),
        "RETENTION_DAYS": "30",
    }
    serve.apply_retention(env)  # what make run does first: the review CLI's purge with RETENTION_DAYS
    with engine.connect() as conn:
        left = {row[0] for row in conn.execute(sa.select(EVENTS.c.sender_id).distinct())}
    assert left == {"fresh", "new", "came-back"}
    with review_db.engine.connect() as conn:
        indexed = {row[0] for row in conn.execute(sa.select(INDEX.c.sender_id))}
    assert indexed == {"fresh", "new", "came-back"}


def test_purge_without_days_keeps_conversations_for_retention_days(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url, future=True)
    events_table.create(engine)
    days = Settings().retention_days
    for sender, age in {"older": days + 1, "younger": days - 1}.items():
        events_table.insert(engine, sender, conversation(time.time() - age * 86400))
    env = {k: v for k, v in supervisor.environment().items() if k != "RETENTION_DAYS"}
    env.update(SQLITE_TRACKER_DB=str(tmp_path / "tracker.db"), REVIEW_DB=str(tmp_path / "review.db"))
    result = cli(env, "purge")
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        assert {row[0] for row in conn.execute(sa.select(EVENTS.c.sender_id).distinct())} == {"younger"}


def test_purged_text_is_gone_from_the_sqlite_files(tmp_path: Path) -> None:
    db = tmp_path / "tracker.db"
    engine = sa.create_engine(f"sqlite:///{db}", future=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA journal_mode=WAL")  # as the embedded tracker store runs it
    events_table.create(engine)
    secret, kept = "purple-elephant-7781 lives at 9 Hollybush Lane", "green-giraffe-4410"
    events_table.insert(engine, "old", conversation(time.time() - 40 * 86400, [(secret, "greet")]))
    events_table.insert(engine, "new", conversation(time.time(), [(kept, "greet")]))
    env = {**supervisor.environment(), "SQLITE_TRACKER_DB": str(db), "REVIEW_DB": str(tmp_path / "review.db")}
    result = cli(env, "purge", "30")
    assert result.returncode == 0 and "Purged 1 conversation(s)" in result.stdout, result.stderr
    files = b"".join(path.read_bytes() for path in tmp_path.glob("tracker.db*"))
    assert kept.encode() in files, "the conversation kept is in the file: the search below can find text"
    assert b"purple-elephant" not in files and b"Hollybush" not in files
