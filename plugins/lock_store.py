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
import logging
import sqlite3
import threading
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable, Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)
LOCK_POLL_SECONDS = 0.1
LOCK_LEASE_SECONDS = 10.0  # a ticket's lease, renewed every quarter of it while its turn waits or runs
# Reconnecting by itself: a Redis command whose connection was refused or dropped (a Redis restart) is tried again on
# a new connection, backing off 0.1, 0.2, 0.4, then 0.5 s, about 2 s in all. A Redis that does not answer still fails
# at the socket timeout: timeouts are not retried.
RECONNECT = Retry(ExponentialBackoff(cap=0.5, base=0.05), 6, supported_errors=(redis.ConnectionError,))
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
        The ticket is a lease of LOCK_LEASE_SECONDS (unless told), renewed while the turn waits and runs: the lock
        outlives any turn of a live process, and one whose process died (a killed replica) lapses within a lease;
        with Rasa's fixed lifetime it blocked the conversation until it expired. A waiting turn looks every
        LOCK_POLL_SECONDS (Rasa: every second, which a burst of one person's messages paid in full)."""
        lease = lock_lifetime or LOCK_LEASE_SECONDS
        ticket = await asyncio.to_thread(self.issue_ticket, conversation_id, lease)
        renewing = asyncio.create_task(self._renew(conversation_id, ticket, lease))
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            renewing.cancel()
            await asyncio.to_thread(self.cleanup, conversation_id, ticket)

    async def _renew(self, conversation_id: Text, ticket: int, lease: float) -> None:
        """Extends the ticket's lease every quarter lease until cancelled; a failed renewal is tried again."""
        while True:
            await asyncio.sleep(lease / 4)
            try:
                await asyncio.to_thread(self.extend, conversation_id, ticket, lease)
            except (redis.RedisError, sqlite3.Error) as error:
                logger.warning("A conversation's lock could not be renewed (%s): trying again.", type(error).__name__)

    def extend(self, conversation_id: Text, ticket_number: int, lease: float) -> None:
        """Makes the ticket expire `lease` seconds from now, atomically."""

        def renew(lock: Optional[TicketLock]) -> Optional[TicketLock]:
            for ticket in lock.tickets if lock else []:
                if ticket.number == ticket_number:
                    ticket.expires = time.time() + lease
            return lock

        self._change(conversation_id, renew)

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Waits until the ticket is served (Rasa's loop); the error names no conversation (ids stay out of logs)."""
        while (lock := await asyncio.to_thread(self.get_lock, conversation_id)) is not None:
            if not lock.is_locked(ticket):
                return lock
            if all(waiting.number != ticket for waiting in lock.tickets):
                break  # the ticket lapsed (it was not renewed): Rasa waited for it for ever
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
        self.red.connection_pool.connection_kwargs.update(retry=RECONNECT, retry_on_error=[redis.ConnectionError])

    def _change(self, conversation_id: Text, change: Change) -> None:
        """Applies `change` to the stored lock atomically; a result of None deletes the lock. redis-py does not
        retry a transaction whose connection broke, so it is tried again here, as every other command is."""
        with self.red.pipeline() as pipe:
            RECONNECT.call_with_retry(
                lambda: self._transaction(pipe, self.key_prefix + conversation_id, change), lambda _: pipe.reset()
            )

    @staticmethod
    def _transaction(pipe: redis.client.Pipeline, key: Text, change: Change) -> None:
        """WATCH, read, change and write the lock in one MULTI/EXEC, again while another client changed it first."""
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
