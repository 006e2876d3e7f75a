"""Tracker stores: Rasa's SQL store with its database calls off the event loop, production's that fails loudly, and the
embedded SQLite store.

`SafeSQLTrackerStore` is Rasa's SQLTrackerStore with two changes:
- every database call runs in a worker thread, with bounded waits (connecting, a pool connection, a statement):
  Rasa ran them on the event loop, so a database that stopped answering froze the whole server, and with it the
  channels' own last-resort replies (channels/edge.py);
- its engine hides SQL parameters in errors and logs (hide_parameters): Rasa's logged sender ids and whole events,
  message text included, whenever a statement failed.

`DurableSQLTrackerStore` (endpoints.production.yml) is SafeSQLTrackerStore without Rasa's silent fallback: Rasa wraps
every store in a FailSafeTrackerStore that, when the database fails, keeps the conversation in memory and lets the
turn be acknowledged; plugins/patches.py leaves this store unwrapped, so a database error fails the turn
(TrackerStoreUnavailableError; the channels then send their own last-resort reply, channels/edge.py) and
`reachable()` (the readiness check, channels/health.py) reports it. Its engine checks a pooled connection before
use, and a call whose connection is lost or refused is tried again for up to RESTART_SECONDS, so a turn rides out a
database restart and the store carries on by itself once the database is back. Both stores hand new events to the
event broker, and wait until it has confirmed or buffered them, before they write them to the database.

`EmbeddedTrackerStore` (endpoints.yml) builds on it for the embedded default, with three changes measured with make
bench:
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
import json
import logging
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Optional, Text, Tuple, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from plugins import events_table

logger = logging.getLogger(__name__)
DATABASE_WAIT_SECONDS = 5  # connecting, waiting for a pooled connection, one statement (PostgreSQL)
RESTART_SECONDS = 4  # how long a turn retries a lost database connection before it fails
STATEMENT_TIMEOUT = "57014"  # PostgreSQL's query_canceled: the database answered, too slowly to try again
T = TypeVar("T")
RowMark = Tuple[int, Optional[int]]  # a conversation's row count and newest row id in the events table
# Plain SQL: building the same query with SQLAlchemy's expression language cost more than running it.
ROW_MARK_SQL = "SELECT COUNT(*), MAX(id) FROM events WHERE sender_id = ?"


def _sqlite_pragmas(connection: Any, _: Any) -> None:
    """Write-ahead log, and commits that do not wait for the disk."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class SafeSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, waiting for its database in worker threads, with SQL parameters kept out of logs."""

    def __init__(self, domain: Optional[Domain] = None, **kwargs: Any) -> None:
        super().__init__(domain, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **self._engine_options(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    @staticmethod
    def _engine_options(url: sa.engine.URL) -> Dict[str, Any]:
        """Rasa's options for the database, with bounded waits on PostgreSQL."""
        options: Dict[str, Any] = create_engine_kwargs(url)
        if url.get_backend_name() == "postgresql":
            connect = options.setdefault("connect_args", {})
            connect["connect_timeout"] = DATABASE_WAIT_SECONDS
            connect["options"] = f"{connect.get('options', '')} -c statement_timeout={DATABASE_WAIT_SECONDS * 1000}".strip()
            options["pool_timeout"] = DATABASE_WAIT_SECONDS
            options["pool_pre_ping"] = True  # a connection from before an outage is checked, not used and failed
        return options

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation's latest session, read in a worker thread."""
        events = await self._in_thread(self._stored_events, sender_id)
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots) if self.domain and events else None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Hands the tracker's new events to the event broker, then writes them to the database (in a worker
        thread)."""
        new_events = await self._unsaved_events(tracker)
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        await self._in_thread(self._insert, tracker.sender_id, new_events)

    async def _stream_new_events(self, event_broker: Optional[EventBroker], new_events: List[Event], sender_id: Text) -> None:
        """Publishes the new events. A broker that confirms (plugins/event_broker.py's `deliver`) is waited for,
        until each event is confirmed or buffered, so a replica killed before the database write leaves the queue
        with an event the database lacks (its message was not acknowledged and is sent again), never the reverse;
        Rasa published in the background while it wrote."""
        if event_broker is None:
            return
        deliver = getattr(event_broker, "deliver", None)
        if deliver is None:
            await super()._stream_new_events(event_broker, new_events, sender_id)
            return
        for event in new_events:
            await deliver({"sender_id": sender_id, **event.as_dict()})

    async def _in_thread(self, call: Callable[..., T], *args: Any) -> T:
        """Runs a blocking database call in a worker thread."""
        return await asyncio.to_thread(call, *args)

    def _stored_events(self, sender_id: Text) -> List[Dict[str, Any]]:
        """The events of the conversation's latest session, as dicts (Rasa's query)."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            return [json.loads(event.data) for event in query.all()]

    async def _unsaved_events(self, tracker: DialogueStateTracker) -> List[Event]:
        """The events not yet stored, counted in the database (in a worker thread)."""
        return list(itertools.islice(tracker.events, await self._in_thread(self._count_stored, tracker.sender_id), None))

    def _count_stored(self, sender_id: Text) -> int:
        """How many events of the conversation's latest session the database holds."""
        with self.session_scope() as session:
            return self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()

    def _insert(self, sender_id: Text, new_events: List[Event]) -> None:
        """Writes the events in one INSERT."""
        if new_events:
            with self.engine.begin() as connection:
                connection.execute(events_table.EVENTS.insert(), events_table.rows(sender_id, (e.as_dict() for e in new_events)))


class TrackerStoreUnavailableError(RuntimeError):
    """The tracker database failed: the turn is not stored, so it must not be acknowledged."""


class DurableSQLTrackerStore(SafeSQLTrackerStore):
    """SafeSQLTrackerStore that rides out a database restart, and raises TrackerStoreUnavailableError when the
    database stays away (never falls back to memory)."""

    async def _in_thread(self, call: Callable[..., T], *args: Any) -> T:
        """Runs a blocking database call in a worker thread, retrying a lost or refused connection for up to
        RESTART_SECONDS (a PostgreSQL restart): the turn waits a moment instead of failing."""
        deadline = time.monotonic() + RESTART_SECONDS
        pauses = itertools.chain((0.1, 0.2, 0.4), itertools.repeat(0.5))
        while True:
            try:
                return await asyncio.to_thread(call, *args)
            except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
                pause = next(pauses)
                if getattr(error.orig, "pgcode", None) == STATEMENT_TIMEOUT or time.monotonic() + pause > deadline:
                    raise
                logger.warning("The tracker database dropped a connection (%s): trying again.", type(error.orig).__name__)
                await asyncio.sleep(pause)

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


class EmbeddedTrackerStore(SafeSQLTrackerStore):
    """SQLite tracker store that also keeps the `max_conversations` most recent conversations in memory."""

    def __init__(self, domain: Optional[Domain] = None, max_conversations: int = 1000, **kwargs: Any) -> None:
        if kwargs.get("dialect", "sqlite") != "sqlite":
            raise ValueError("EmbeddedTrackerStore is for SQLite; use Rasa's SQL store for other databases")
        super().__init__(domain, **kwargs)
        sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._max_conversations = int(max_conversations)
        self._trackers: OrderedDict[Text, DialogueStateTracker] = OrderedDict()
        self._stored: Dict[Text, int] = {}  # how many of each cached tracker's events are in the database
        self._rows: Dict[Text, RowMark] = {}  # the database rows of each cached conversation, as last seen

    @staticmethod
    def _engine_options(url: sa.engine.URL) -> Dict[str, Any]:
        """One connection kept open, shared by the worker threads in turn."""
        return {"poolclass": sa.pool.QueuePool, "pool_size": 1, "connect_args": {"check_same_thread": False}}

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The conversation from memory if the database holds nothing newer, else from the database."""
        mark = await self._in_thread(self._read_row_mark, sender_id)
        if sender_id in self._trackers and self._rows[sender_id] == mark:
            self._trackers.move_to_end(sender_id)
            return self._trackers[sender_id]
        self._forget(sender_id)
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            self._remember(tracker, stored=len(tracker.events), rows=mark)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Hands the tracker's new events to the event broker, writes them to the database, keeps it in memory."""
        new_events = await self._unsaved_events(tracker)
        await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        mark = await self._in_thread(self._insert_and_mark, tracker.sender_id, new_events)
        self._remember(tracker, stored=len(tracker.events), rows=mark)

    def _read_row_mark(self, sender_id: Text) -> RowMark:
        """The conversation's row mark, on a connection of its own."""
        with self.engine.connect() as connection:
            return self._row_mark(connection, sender_id)

    def _insert_and_mark(self, sender_id: Text, new_events: List[Event]) -> RowMark:
        """Writes the events in one INSERT and returns the conversation's row mark after it, in one transaction."""
        with self.engine.begin() as connection:
            if new_events:
                connection.execute(events_table.EVENTS.insert(), events_table.rows(sender_id, (e.as_dict() for e in new_events)))
            return self._row_mark(connection, sender_id)

    @staticmethod
    def _row_mark(connection: sa.engine.Connection, sender_id: Text) -> RowMark:
        """How many rows the conversation has in the database, and its newest row id (one index lookup)."""
        count, newest = connection.exec_driver_sql(ROW_MARK_SQL, (sender_id,)).one()
        return count, newest

    async def _unsaved_events(self, tracker: DialogueStateTracker) -> List[Event]:
        """The events not yet stored: counted in memory for a cached conversation, else in the database."""
        stored = self._stored.get(tracker.sender_id)
        if stored is None:
            return await super()._unsaved_events(tracker)
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
