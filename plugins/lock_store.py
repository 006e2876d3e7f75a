"""Ticket lock stores whose every change is atomic, so several Rasa processes can share one conversation.

Stock Rasa 3.6's lock stores read a conversation's ticket lock, change it and write it back in separate steps.
Two processes taking messages of one sender at the same moment can both read the same lock, and one ticket is
lost: the lock is deleted while a message still waits, which then fails with "Could not acquire lock" (the user
gets no answer), or two turns run at once. Here every change of a lock is one transaction:
- `AtomicRedisLockStore` (endpoints.production.yml): an optimistic Redis transaction (WATCH / MULTI / EXEC,
  retried on conflict);
- `SQLiteLockStore` (endpoints.yml, the embedded default with its Rasa replicas): a table in the SQLite tracker
  database, changed under SQLite's write lock (BEGIN IMMEDIATE), so `make run` needs no Redis.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable, Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from ops.settings import Settings

LOCK_POLL_SECONDS = 0.1
Change = Callable[[Optional[TicketLock]], Optional[TicketLock]]


class AtomicTicketLocks(LockStore):
    """Rasa's ticket operations, each one atomic change (`_change`) of the stored lock, run in worker threads.

    Stock Rasa calls its lock store on the event loop: a Redis that stops answering, or a SQLite file another
    writer holds, froze the whole server (every conversation, and the channels' own replies) for the store's
    timeout. Here every call waits in a thread, so only the turns that need the lock wait.
    """

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: Optional[float] = None, wait_time_in_seconds: float = LOCK_POLL_SECONDS
    ) -> AsyncIterator[TicketLock]:
        """Rasa's ticket lock on the conversation (see LockStore.lock), waiting for the store off the event loop.
        It lives `Settings.lock_lifetime` unless told: longer than a turn whose actions all time out. A waiting turn
        looks every LOCK_POLL_SECONDS (Rasa: every second, which a burst of one person's messages paid in full)."""
        lifetime = lock_lifetime or Settings.load().lock_lifetime
        ticket = await asyncio.to_thread(self.issue_ticket, conversation_id, lifetime)
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            await asyncio.to_thread(self.cleanup, conversation_id, ticket)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Waits until the ticket is served (Rasa's loop); the error names no conversation (ids stay out of logs)."""
        while (lock := await asyncio.to_thread(self.get_lock, conversation_id)) is not None:
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
            await asyncio.to_thread(self.update_lock, conversation_id)
        raise LockError("Could not acquire a conversation's lock: it expired.")

    def _change(self, conversation_id: Text, change: Change) -> None:
        """Applies `change` to the stored lock atomically; a result of None deletes the lock."""
        raise NotImplementedError

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issues a ticket on the conversation's lock (creating it), atomically."""
        issued = []

        def add_ticket(lock: Optional[TicketLock]) -> TicketLock:
            lock = lock or self.create_lock(conversation_id)
            issued[:] = [lock.issue_ticket(lock_lifetime)]
            return lock

        try:
            self._change(conversation_id, add_ticket)
        except (redis.RedisError, sqlite3.Error) as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        return issued[0]

    def update_lock(self, conversation_id: Text) -> None:
        """Removes expired tickets, atomically."""

        def drop_expired(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock

        self._change(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes a served ticket, atomically."""

        def remove(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock

        self._change(conversation_id, remove)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes a served ticket and deletes the lock if nobody waits, in one transaction."""

        def remove_and_maybe_delete(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            if lock is None:
                return None
            lock.remove_ticket_for(ticket_number)
            return lock if lock.is_someone_waiting() else None

        self._change(conversation_id, remove_and_maybe_delete)


class AtomicRedisLockStore(AtomicTicketLocks, RedisLockStore):
    """RedisLockStore with every read-modify-write of a ticket lock done in one Redis transaction."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: Text, change: Change) -> None:
        """Applies `change` to the stored lock atomically; a result of None deletes the lock."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else None
                    changed = change(lock)
                    pipe.multi()
                    if changed is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, changed.dumps())
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue


class SQLiteLockStore(AtomicTicketLocks):
    """Ticket locks in the `rasa_locks` table of a SQLite database (endpoints.yml: the tracker database)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        self.db = endpoint_config.kwargs.get("db") or endpoint_config.url
        if not self.db:
            raise ValueError("SQLiteLockStore needs `db`: the SQLite file")
        # Autocommit mode: each statement commits alone unless inside the explicit BEGIN IMMEDIATE of _change.
        # The timeout is how long a change waits for another process's write to finish.
        self.connection = sqlite3.connect(self.db, timeout=10, isolation_level=None, check_same_thread=False)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=NORMAL")
        self.connection.execute("CREATE TABLE IF NOT EXISTS rasa_locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)")
        self.in_use = threading.Lock()  # one worker thread at a time on the shared connection

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        """The stored lock of the conversation, if any."""
        with self.in_use:
            return self._read(conversation_id)

    def _read(self, conversation_id: Text) -> Optional[TicketLock]:
        """The stored lock of the conversation, if any (the caller holds `in_use`)."""
        row = self.connection.execute("SELECT lock FROM rasa_locks WHERE conversation_id = ?", (conversation_id,)).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def save_lock(self, lock: TicketLock) -> None:
        """Stores `lock`, replacing the conversation's previous one."""
        with self.in_use:
            self._write(lock.conversation_id, lock)

    def delete_lock(self, conversation_id: Text) -> None:
        """Deletes the conversation's lock."""
        with self.in_use:
            self._write(conversation_id, None)

    def _write(self, conversation_id: Text, lock: Optional[TicketLock]) -> None:
        """Stores `lock`, or deletes the conversation's lock when it is None."""
        if lock is None:
            self.connection.execute("DELETE FROM rasa_locks WHERE conversation_id = ?", (conversation_id,))
        else:
            self.connection.execute(
                "INSERT OR REPLACE INTO rasa_locks (conversation_id, lock) VALUES (?, ?)", (conversation_id, lock.dumps())
            )

    def _change(self, conversation_id: Text, change: Change) -> None:
        """Reads, changes and writes the lock under SQLite's write lock, so no other process interleaves."""
        with self.in_use:
            self.connection.execute("BEGIN IMMEDIATE")
            try:
                self._write(conversation_id, change(self._read(conversation_id)))
            except BaseException:
                self.connection.execute("ROLLBACK")
                raise
            self.connection.execute("COMMIT")
