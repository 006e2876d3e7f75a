"""Escalation does not depend on the action server: the 999 guidance is a response Rasa sends itself."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.bot import Bot, escalated, start_bot, texts


@pytest.fixture(scope="module")
def bot_without_actions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """Rasa alone: nothing listens on its action server port."""
    running = start_bot(tmp_path_factory.mktemp("no-actions"), ["rasa"], REST_REPLY_DEADLINE_SECONDS="3")
    yield running
    running.stop()


def test_escalates_when_the_action_server_is_down(bot_without_actions: Bot) -> None:
    messages = bot_without_actions.send(f"down-{uuid.uuid4()}", "he's got a knife")
    assert escalated(messages)
    assert "call 999 now" in texts(messages)


def test_escalates_promptly_when_the_action_server_hangs(bot_without_actions: Bot) -> None:
    hanging = socket.create_server(("127.0.0.1", int(bot_without_actions.env["ACTION_SERVER_PORT"])))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept_and_never_answer() -> None:
        hanging.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(hanging.accept()[0])
            except TimeoutError:
                continue

    threading.Thread(target=accept_and_never_answer, daemon=True).start()
    try:
        started = time.monotonic()
        messages = bot_without_actions.send(f"slow-{uuid.uuid4()}", "pls help hes strangling me")
        assert time.monotonic() - started < 8
        assert escalated(messages) and "999" in texts(messages)
    finally:
        stop.set()
        for connection in accepted:
            connection.close()
        hanging.close()
