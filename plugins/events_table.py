"""Rasa's `events` table, described once: the tracker stores write it, the review tool reads it, tests and the
benchmarks fill it. The same columns and index as Rasa 3.6's SQLTrackerStore.SQLEvent (a unit test compares them).
"""

from __future__ import annotations

import json
from typing import Any, Dict, Iterable, List

import sqlalchemy as sa

EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def row(sender_id: str, event: Dict[str, Any]) -> Dict[str, Any]:
    """The row of one event (Rasa's `Event.as_dict()`), as SQLTrackerStore.save writes it."""
    return {
        "sender_id": sender_id,
        "type_name": event["event"],
        "timestamp": event.get("timestamp"),
        "intent_name": (event.get("parse_data") or {}).get("intent", {}).get("name"),
        "action_name": event.get("name"),
        "data": json.dumps(event),
    }


def rows(sender_id: str, events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The rows of a conversation's events."""
    return [row(sender_id, event) for event in events]


def create(engine: sa.engine.Engine) -> None:
    """Creates the table and its index on sender_id, as Rasa does, unless they exist."""
    EVENTS.metadata.create_all(engine)


def insert(engine: sa.engine.Engine, sender_id: str, events: Iterable[Dict[str, Any]]) -> None:
    """Writes one conversation's events."""
    with engine.begin() as connection:
        connection.execute(sa.insert(EVENTS), rows(sender_id, events))
