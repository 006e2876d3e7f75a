"""A Redis lock store whose ticket updates are atomic, so several Rasa replicas can share one conversation.

Stock Rasa 3.6's RedisLockStore reads a conversation's ticket lock, changes it and writes it back in three
separate Redis calls. Two replicas taking messages of one sender at the same moment can both read the same lock,
and one ticket is lost: the lock is deleted while a message still waits, which then fails with
"Could not acquire lock" (the user gets no answer), or two turns run at once. Here every change of a lock is one
optimistic Redis transaction (WATCH / MULTI / EXEC, retried on conflict). Used by endpoints.production.yml:

    lock_store:
      type: deploy.lock_store.AtomicRedisLockStore
"""

from __future__ import annotations

import json
from typing import Callable, Optional, Text

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore with every read-modify-write of a ticket lock done in one Redis transaction."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: Text, change: Callable[[Optional[TicketLock]], Optional[TicketLock]]) -> None:
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

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issues a ticket on the conversation's lock (creating it), atomically."""
        issued = []

        def add_ticket(lock: Optional[TicketLock]) -> TicketLock:
            lock = lock or self.create_lock(conversation_id)
            issued[:] = [lock.issue_ticket(lock_lifetime)]
            return lock

        try:
            self._change(conversation_id, add_ticket)
        except redis.RedisError as error:
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
