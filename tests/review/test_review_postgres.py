"""The review tool over the PostgreSQL tracker store written by a real Rasa server (endpoints.production.yml)."""

from __future__ import annotations

import time

import sqlalchemy as sa

from plugins import events_table
from plugins.events_table import EVENTS
from review.db import reference
from review.store import TrackerStore
from tests.review.conftest import PostgresBot, Review, cli
from tests.review.factory import conversation


def test_list_and_transcript_over_postgres(review_pg: Review) -> None:
    session = review_pg.signed_in()
    for _ in range(20):
        rows = session.get(f"{review_pg.url}/api/conversations?escalated=1").json()["conversations"]
        if any(r["ref"] == reference(review_pg.senders["danger"]) for r in rows):
            break
        time.sleep(0.5)
    refs = {r["ref"] for r in rows}
    assert reference(review_pg.senders["danger"]) in refs and reference(review_pg.senders["plain"]) not in refs
    page = session.get(f"{review_pg.url}/conversations/{reference(review_pg.senders['personal'])}").text
    assert "[PHONE]" in page and "[POSTCODE]" in page and "07700" not in page and "Okonkwo" not in page


def test_purge_on_postgres_removes_only_old_conversations(review_pg: Review, postgres_bot: PostgresBot) -> None:
    env = postgres_bot.env
    store = TrackerStore(
        sa.engine.URL.create(
            "postgresql",
            username="postgres",
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            database=env["POSTGRES_DB"],
        )
    )
    old = [f"old-{n}" for n in range(3)]
    for sender in old:
        events_table.insert(store.engine, sender, conversation(time.time() - 40 * 86400))
    result = cli(review_pg.env, "purge", "30")
    assert result.returncode == 0, result.stderr
    assert "Purged 3 conversation(s)" in result.stdout
    with store.engine.connect() as conn:
        remaining = {row[0] for row in conn.execute(sa.select(EVENTS.c.sender_id).distinct())}
    assert not remaining & set(old)
    assert set(review_pg.senders.values()) <= remaining
