"""The tracker stores: the embedded default's (SQLite, fast) and production's (PostgreSQL, fails loudly).

DurableSQLTrackerStore (endpoints.production.yml) is Rasa's SQL store without Rasa's silent fallback: Rasa wraps
every store in a FailSafeTrackerStore that, when the database fails, keeps the conversation in memory and lets the
turn be acknowledged; plugins/patches.py leaves this store unwrapped, so a database error fails the turn
(TrackerStoreUnavailableError) and `reachable()` (the readiness check, channels/health.py) reports it. Its engine checks
a pooled connection before use, so the store carries on by itself once the database is back.

EmbeddedTrackerStore, the embedded default's: Rasa's SQL store on SQLite, made fast enough for busy replicas.

Three changes to Rasa's SQLTrackerStore, each measured with make bench:
- a conversation this process has seen is served from memory, after one indexed query shows the database holds
  no event this process has not seen (another replica may have carried the conversation on): Rasa read every
  event back and replayed it on each turn, and counted the stored events again before each save;
- new events go in as one INSERT on a connection kept open, instead of a new connection and the ORM per save;
- SQLite's write-ahead log with synchronous=NORMAL, so a commit does not wait for the disk. A commit survives a
  crash of Rasa; a power cut can lose the last moments (SQLite's documented trade-off).
Every event is written to the database on save, so nothing is lost on a restart. The replicas of `make run`
share the file; plugins/lock_store.py's SQLiteLockStore keeps one conversation's turns one at a time.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from plugins import events_table

logger = logging.getLogger(__name__)
RowMark = Tuple[int, Optional[int]]  # a conversation's row count and newest row id in the events table
# Plain SQL: building the same query with SQLAlchemy's expression language cost more than running it.
ROW_MARK_SQL = "SELECT COUNT(*), MAX(id) FROM events WHERE sender_id = ?"


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    """Write-ahead log, and commits that do not wait for the disk."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class TrackerStoreUnavailableError(RuntimeError):
    """The tracker database failed: the turn is not stored, so it must not be acknowledged."""


class DurableSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store that raises TrackerStoreUnavailableError on a database error (never falls back to memory)."""

    def __init__(self, domain: Optional[Domain] = None, connect_timeout: int = 3, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, pool_pre_ping=True, hide_parameters=True, connect_args={"connect_timeout": int(connect_timeout)}
        )
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The stored conversation; raises TrackerStoreUnavailableError when the database fails."""
        try:
            return await super().retrieve(sender_id)
        except sa.exc.SQLAlchemyError as error:
            raise unavailable(error) from None

    async def retrieve_full_tracker(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """Every session of the stored conversation; raises TrackerStoreUnavailableError when the database fails."""
        try:
            return await super().retrieve_full_tracker(sender_id)
        except sa.exc.SQLAlchemyError as error:
            raise unavailable(error) from None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Stores the new events; raises TrackerStoreUnavailableError when the database fails."""
        try:
            await super().save(tracker)
        except sa.exc.SQLAlchemyError as error:
            raise unavailable(error) from None


def unavailable(error: Exception) -> TrackerStoreUnavailableError:
    """The error to raise for a database failure, logged by its kind only (SQL parameters carry message text)."""
    logger.error("The tracker database failed (%s): the turn is not stored.", type(error).__name__)
    return TrackerStoreUnavailableError(f"the tracker database failed ({type(error).__name__})")


async def reachable(store: Any, timeout: float = 2.0) -> bool:
    """Whether the tracker store's database answers `SELECT 1` within `timeout` (True for a store without one)."""
    engine = getattr(getattr(store, "_tracker_store", store), "engine", None)
    if engine is None:
        return True

    def ping() -> None:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")

    try:
        await asyncio.wait_for(asyncio.to_thread(ping), timeout)
    except Exception:  # noqa: BLE001 (any failure means not reachable)
        return False
    return True


class EmbeddedTrackerStore(SQLTrackerStore):
    """SQLite tracker store that also keeps the `max_conversations` most recent conversations in memory."""

    def __init__(self, domain: Optional[Domain] = None, max_conversations: int = 1000, **kwargs: Any) -> None:
        if kwargs.get("dialect", "sqlite") != "sqlite":
            raise ValueError("EmbeddedTrackerStore is for SQLite; use Rasa's SQL store for other databases")
        super().__init__(domain, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, connect_args={"check_same_thread": False})
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._max_conversations = int(max_conversations)
        self._trackers: OrderedDict[Text, DialogueStateTracker] = OrderedDict()
        self._stored: Dict[Text, int] = {}  # how many of each cached tracker's events are in the database
        self._rows: Dict[Text, RowMark] = {}  # the database rows of each cached conversation, as last seen

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation from memory if the database holds nothing newer, else from the database."""
        with self.engine.connect() as connection:
            mark = self._row_mark(connection, sender_id)
        if sender_id in self._trackers and self._rows[sender_id] == mark:
            self._trackers.move_to_end(sender_id)
            return self._trackers[sender_id]
        self._forget(sender_id)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker, stored=len(tracker.events), rows=mark)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Writes the tracker's new events to the database (and event broker), then keeps it in memory."""
        new_events = self._unsaved_events(tracker)
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        with self.engine.begin() as connection:
            if new_events:
                connection.execute(
                    events_table.EVENTS.insert(), events_table.rows(tracker.sender_id, (event.as_dict() for event in new_events))
                )
            mark = self._row_mark(connection, tracker.sender_id)
        self._remember(tracker, stored=len(tracker.events), rows=mark)

    @staticmethod
    def _row_mark(connection: sa.engine.Connection, sender_id: Text) -> RowMark:
        """How many rows the conversation has in the database, and its newest row id (one index lookup)."""
        count, newest = connection.exec_driver_sql(ROW_MARK_SQL, (sender_id,)).one()
        return count, newest

    def _unsaved_events(self, tracker: DialogueStateTracker) -> List[Event]:
        """The events not yet stored: counted in memory for a cached conversation, else in the database."""
        stored = self._stored.get(tracker.sender_id)
        if stored is None:
            with self.session_scope() as session:
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        return list(itertools.islice(tracker.events, stored, None))

    def _remember(self, tracker: DialogueStateTracker, stored: int, rows: RowMark) -> None:
        """Keeps `tracker` as the most recent conversation, forgetting the oldest beyond the limit."""
        self._trackers[tracker.sender_id] = tracker
        self._trackers.move_to_end(tracker.sender_id)
        self._stored[tracker.sender_id] = stored
        self._rows[tracker.sender_id] = rows
        while len(self._trackers) > self._max_conversations:
            self._forget(next(iter(self._trackers)))

    def _forget(self, sender_id: Text) -> None:
        """Drops a conversation from memory (the database keeps it)."""
        self._trackers.pop(sender_id, None)
        self._stored.pop(sender_id, None)
        self._rows.pop(sender_id, None)
