"""999 whatever fails, in the embedded set-up: the action server frozen, the SQLite database locked by another writer.

One Rasa process (the balancer is not under test here) with the action server, their output captured at DEBUG level,
so the log check at the end sees everything Rasa says about these conversations.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from ops import client, supervisor
from tests.bot import Bot, escalated, texts
from tests.conftest import MODEL
from tests.faults import (
    SENT,
    assert_logs_hold_none_of_the_messages,
    assert_within_bar,
    danger_reply_seconds,
    output_to,
    two_danger_messages,
)

LOCK_SECONDS = 10
FLOOD_BURST = 5  # this bot's web rate limit: 5 messages at once, then one every 10 s (tests on this machine are exempt)


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """Action server and one Rasa process, logging at DEBUG into the module's log file."""
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    tmp = tmp_path_factory.mktemp("faults")
    env = supervisor.isolated_environment(
        tmp, RASA_REPLICAS="1", LOG_LEVEL="DEBUG", WEB_RATE_BURST=str(FLOOD_BURST), WEB_RATE_PER_MINUTE="6"
    )
    env["FAULT_LOG"] = str(tmp / "servers.log")
    with output_to(Path(env["FAULT_LOG"])):
        running = Bot(env, supervisor.start(["actions", "rasa"], env))
    yield running
    running.stop()


def test_danger_gets_999_within_5_s_while_the_action_server_is_stopped(faulty: Bot) -> None:
    actions = faulty.processes["actions"]
    os.killpg(actions.pid, signal.SIGSTOP)
    try:
        seconds = two_danger_messages(faulty)
    finally:
        os.killpg(actions.pid, signal.SIGCONT)
    assert_within_bar("action server SIGSTOP", seconds)


def test_a_question_gets_the_last_resort_line_while_its_conversation_waits(faulty: Bot) -> None:
    actions = faulty.processes["actions"]
    sender = f"fault-{uuid.uuid4()}"
    os.killpg(actions.pid, signal.SIGSTOP)
    try:
        danger_reply_seconds(faulty.send, sender, "he's got a knife")  # its turn now waits on the frozen action
        question = "how do I report domestic abuse"
        SENT.append(question)
        started = time.monotonic()
        reply = texts(faulty.send(sender, question))
        assert time.monotonic() - started < 5
        assert "I can't answer right now" in reply and "999" in reply and "101" in reply
    finally:
        os.killpg(actions.pid, signal.SIGCONT)


def hold_write_lock(db: str, seconds: float, held: threading.Event) -> None:
    """Another writer: holds SQLite's exclusive lock on the tracker database for `seconds`."""
    connection = sqlite3.connect(db, timeout=30, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    held.set()
    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()


def test_danger_gets_999_within_5_s_while_another_writer_locks_the_database(faulty: Bot) -> None:
    seconds = []
    for _ in range(3):
        held = threading.Event()
        writer = threading.Thread(target=hold_write_lock, args=(faulty.env["SQLITE_TRACKER_DB"], LOCK_SECONDS, held))
        writer.start()
        held.wait(10)
        seconds += two_danger_messages(faulty, runs=1)
        writer.join()
    assert_within_bar("SQLite locked for 10 s", seconds)


def test_a_flood_from_one_address_gets_429_and_danger_still_gets_999(faulty: Bot) -> None:
    # As from a proxy on this machine passing a remote client's address.
    url = f"{faulty.url}/webhooks/rest/webhook"
    flooder, neighbour = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "203.0.113.8"}
    senders = [f"flood-{uuid.uuid4()}", f"flood-{uuid.uuid4()}"]
    SENT.extend(senders)
    hello = json.dumps({"sender": senders[0], "message": "hello"}).encode()
    flood = [client.post(url, hello, flooder, 30)[0] for _ in range(FLOOD_BURST + 5)]
    assert flood[:FLOOD_BURST] == [200] * FLOOD_BURST and flood.count(429) >= 4, flood
    danger = json.dumps({"sender": senders[1], "message": "he's got a knife"}).encode()
    status, _, reply = client.post(url, danger, flooder, 30)
    assert status in (200, 202) and escalated(json.loads(reply))  # 202: answered, its action still running
    assert client.post(url, hello, neighbour, 30)[0] == 200


def test_the_bot_answers_normally_once_the_faults_are_over(faulty: Bot) -> None:
    deadline = time.monotonic() + 60
    while "101" not in texts(faulty.send(f"after-{uuid.uuid4()}", "how do I report domestic abuse")):
        assert time.monotonic() < deadline, "no ordinary answer a minute after the faults"
        time.sleep(2)


def test_the_logs_of_the_fault_run_hold_none_of_the_messages(faulty: Bot) -> None:
    assert SENT, "the fault tests sent nothing"
    time.sleep(2)  # turns that waited on the faults finish and log
    assert_logs_hold_none_of_the_messages(Path(faulty.env["FAULT_LOG"]))
