"""The retention purge (make purge, and make run at start) on a SQLite tracker store: exactly the old conversations go."""

from __future__ import annotations

import random
import time
from pathlib import Path

import sqlalchemy as sa

from review.bench import create_events_table, events_for, insert
from review.db import INDEX, ReviewDB
from review.store import EVENTS, TrackerStore
from scripts import serve
from tests.review.conftest import cli


def test_purge_keeps_conversations_with_recent_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url, future=True)
    create_events_table(engine)
    now, rng = time.time(), random.Random(3)
    ages = {"old-a": 45, "old-b": 31, "fresh": 2, "new": 0}
    for sender, days in ages.items():
        insert(engine, sender, events_for(sender, now - days * 86400, rng))
    # began 40 days ago but the user came back yesterday: its last event is recent, so it stays
    insert(engine, "came-back", events_for("came-back", now - 40 * 86400, rng) + events_for("came-back", now - 86400, rng))
    review_db = ReviewDB(f"sqlite:///{tmp_path / 'review.db'}")
    review_db.sync(TrackerStore(url))
    env = {
        **serve.environment(),
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


def test_purge_needs_a_number_of_days(tmp_path: Path) -> None:
    env = {k: v for k, v in serve.environment().items() if "RETENTION_DAYS" not in k}
    env.update(SQLITE_TRACKER_DB=str(tmp_path / "tracker.db"), REVIEW_DB=str(tmp_path / "review.db"))
    result = cli(env, "purge")
    assert result.returncode != 0 and "DAYS" in result.stderr
