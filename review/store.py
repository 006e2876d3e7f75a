"""Read-only access to Rasa's tracker store (the `events` table), summaries per conversation, and the purge."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Union

import sqlalchemy as sa

from ops.settings import Settings
from plugins.events_table import EVENTS

LOW_CONFIDENCE = 0.6
FALLBACK_INTENTS = {"nlu_fallback"}
FALLBACK_ACTIONS = {"utter_default", "action_default_fallback"}
HIDDEN_ACTIONS = {"action_listen", "action_session_start"}


def tracker_url() -> Union[str, sa.engine.URL]:
    """The database Rasa writes to: TRACKER_DB_URL, else the SQL tracker store of RASA_ENDPOINTS (default endpoints.yml).

    The endpoints file is read and turned into a URL by Rasa's own code, so the review tool reads exactly the store
    Rasa writes (endpoints.production.yml: PostgreSQL from POSTGRES_*; endpoints.yml: SQLite at SQLITE_TRACKER_DB).
    """
    settings = Settings.load()
    if settings.tracker_db_url:
        return settings.tracker_db_url
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.utils.common import class_from_module_path
    from rasa.utils.endpoints import read_endpoint_config

    endpoints = str(settings.rasa_endpoints)
    config = read_endpoint_config(endpoints, "tracker_store")
    if config is None or not (config.type == "SQL" or issubclass(class_from_module_path(config.type), SQLTrackerStore)):
        raise SystemExit(f"{endpoints} has no SQL tracker store: the review tool reads Rasa's SQL `events` table.")
    given = config.kwargs
    return SQLTrackerStore.get_db_url(
        given.get("dialect", "sqlite"),
        config.url,
        given.get("port"),
        given.get("db", "rasa.db"),
        given.get("username"),
        given.get("password"),
        given.get("login_db"),
        given.get("query"),
    )


@dataclass
class Summary:
    """What the list shows of one conversation."""

    sender_id: str
    started: float = 0.0
    last: float = 0.0
    channel: str = ""
    turns: int = 0
    escalated: bool = False
    fallback: bool = False
    low_confidence: bool = False
    user_texts: List[str] = field(default_factory=list)


def is_escalation(event: Dict[str, Any]) -> bool:
    """Whether one event marks an escalation (bot payload, danger verdict or the `escalated` slot)."""
    kind = event.get("event")
    if kind == "bot":
        return bool(((event.get("data") or {}).get("custom") or {}).get("escalation"))
    if kind == "user":
        return bool(((event.get("parse_data") or {}).get("danger") or {}).get("escalate"))
    return kind == "slot" and event.get("name") == "escalated" and bool(event.get("value"))


def summarise(sender_id: str, events: Iterable[Dict[str, Any]]) -> Summary:
    """Folds a conversation's events (in order) into its summary."""
    summary = Summary(sender_id)
    for event in events:
        stamp = float(event.get("timestamp") or 0)
        summary.started = summary.started or stamp
        summary.last = max(summary.last, stamp)
        summary.escalated = summary.escalated or is_escalation(event)
        if event.get("event") == "user":
            summary.turns += 1
            summary.channel = summary.channel or str(event.get("input_channel") or "")
            intent = (event.get("parse_data") or {}).get("intent") or {}
            summary.fallback = summary.fallback or intent.get("name") in FALLBACK_INTENTS
            confidence = intent.get("confidence")
            summary.low_confidence = summary.low_confidence or (confidence is not None and confidence < LOW_CONFIDENCE)
            summary.user_texts.append(str(event.get("text") or ""))
        elif event.get("event") == "action" and event.get("name") in FALLBACK_ACTIONS:
            summary.fallback = True
    return summary


class TrackerStore:
    """Reads Rasa's events table; writes only in `purge`."""

    def __init__(self, url: Union[str, sa.engine.URL, None] = None) -> None:
        self.engine = sa.create_engine(url or tracker_url(), future=True, hide_parameters=True)

    def max_id(self) -> int:
        """The newest event id (0 when empty or the table does not exist yet)."""
        if not sa.inspect(self.engine).has_table("events"):
            return 0
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(EVENTS.c.id))).scalar() or 0)

    def senders_since(self, after_id: int) -> List[str]:
        """Senders with events newer than `after_id`."""
        query = sa.select(EVENTS.c.sender_id).where(EVENTS.c.id > after_id).distinct()
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def summaries(self, senders: Optional[List[str]] = None) -> Iterable[Summary]:
        """Summaries of the given senders (all when None), streamed in one ordered pass."""
        query = sa.select(EVENTS.c.sender_id, EVENTS.c.data).order_by(EVENTS.c.sender_id, EVENTS.c.id)
        chunks = [None] if senders is None else [senders[i : i + 500] for i in range(0, len(senders), 500)]
        for chunk in chunks:
            q = query if chunk is None else query.where(EVENTS.c.sender_id.in_(chunk))
            with self.engine.connect() as conn:
                current: Optional[str] = None
                batch: List[Dict[str, Any]] = []
                for sender, data in conn.execution_options(stream_results=True).execute(q):
                    if sender != current and current is not None:
                        yield summarise(current, batch)
                        batch = []
                    current = sender
                    batch.append(json.loads(data))
                if current is not None:
                    yield summarise(current, batch)

    def events(self, sender_id: str) -> List[Dict[str, Any]]:
        """Every event of one conversation, in order."""
        query = sa.select(EVENTS.c.data).where(EVENTS.c.sender_id == sender_id).order_by(EVENTS.c.id)
        with self.engine.connect() as conn:
            return [json.loads(row[0]) for row in conn.execute(query)]

    def purge(self, days: float, now: Optional[float] = None) -> List[str]:
        """Deletes every event of the conversations whose last event is older than `days`; returns their senders.

        The text goes from the database file too: SQLite overwrites what it deletes (secure_delete), then VACUUM
        rewrites the file and the write-ahead log is emptied; PostgreSQL's VACUUM frees the dead rows' space.
        """
        if not sa.inspect(self.engine).has_table(EVENTS.name):
            return []  # Rasa has not stored anything yet
        cutoff = (now or time.time()) - days * 86400
        old = sa.select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(sa.func.max(EVENTS.c.timestamp) < cutoff)
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA secure_delete=ON")
            senders = [row[0] for row in conn.execute(old)]
            for i in range(0, len(senders), 500):
                conn.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(senders[i : i + 500])))
        if senders:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM" if sqlite else f"VACUUM {EVENTS.name}")
                if sqlite:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return senders
