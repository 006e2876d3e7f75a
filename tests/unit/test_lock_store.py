"""plugins/lock_store.py's SQLiteLockStore: one conversation's turns one at a time, across processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.synchronize
from pathlib import Path

from rasa.utils.endpoints import EndpointConfig

from plugins.lock_store import SQLiteLockStore

TURNS_PER_PROCESS = 25


def lock_store(db: Path) -> SQLiteLockStore:
    """A lock store as endpoints.yml configures it."""
    return SQLiteLockStore(EndpointConfig(type="plugins.lock_store.SQLiteLockStore", db=str(db)))


def take_turns(db: Path, counter: Path, start: "multiprocessing.synchronize.Barrier") -> None:
    """Increments a counter file TURNS_PER_PROCESS times, each read-pause-write under the conversation's lock."""

    async def turns() -> None:
        store = lock_store(db)
        start.wait(timeout=60)
        for _ in range(TURNS_PER_PROCESS):
            async with store.lock("alice", wait_time_in_seconds=0.005):
                value = int(counter.read_text())
                await asyncio.sleep(0.002)  # a turn's work: another process would interleave here without the lock
                counter.write_text(str(value + 1))

    asyncio.run(turns())


def test_two_processes_never_run_turns_of_one_conversation_at_once(tmp_path: Path) -> None:
    db, counter = tmp_path / "tracker.db", tmp_path / "counter"
    counter.write_text("0")
    lock_store(db)  # creates the table before the processes race
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    processes = [context.Process(target=take_turns, args=(db, counter, start)) for _ in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0]
    assert int(counter.read_text()) == 2 * TURNS_PER_PROCESS
    assert lock_store(db).get_lock("alice") is None  # nobody waits: the lock is gone


async def test_a_second_ticket_waits_for_the_first(tmp_path: Path) -> None:
    first, second = lock_store(tmp_path / "tracker.db"), lock_store(tmp_path / "tracker.db")
    ticket = first.issue_ticket("alice")
    waiting = second.issue_ticket("alice")
    assert waiting == ticket + 1
    lock = second.get_lock("alice")
    assert lock is not None and lock.is_locked(waiting) and not lock.is_locked(ticket)
    first.cleanup("alice", ticket)
    lock = second.get_lock("alice")
    assert lock is not None and not lock.is_locked(waiting)
    second.cleanup("alice", waiting)
    assert first.get_lock("alice") is None
