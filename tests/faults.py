"""Helpers for the fault tests: servers whose output is captured, danger messages timed, a TCP proxy that can freeze.

The bar (issue 14): under each fault a danger message gets the 999 guidance within 5 s, and so does a second one in
the same conversation; the logs of the whole run hold none of the messages sent.
"""

from __future__ import annotations

import os
import select
import socket
import statistics
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

from tests.bot import Bot, escalated, texts

BAR_SECONDS = 5.0
RUNS = 3  # conversations per fault, two danger messages each
DANGER = ("he's got a knife and he's coming at me", "pls help hes strangling me")
SENT: List[str] = []  # every message and sender id the fault tests sent, for the log check


@contextmanager
def output_to(log: Path) -> Iterator[None]:
    """Processes started inside write their stdout and stderr to `log` (they inherit these descriptors)."""
    saved = os.dup(1), os.dup(2)
    with log.open("ab") as file:
        os.dup2(file.fileno(), 1)
        os.dup2(file.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def danger_reply_seconds(send: Callable[[str, str], List[Dict]], sender: str, text: str) -> float:
    """Sends a danger message; checks that the reply is the 999 guidance and returns how long it took."""
    SENT.extend([sender, text])
    started = time.monotonic()
    messages = send(sender, text)
    seconds = time.monotonic() - started
    assert escalated(messages) and "999" in texts(messages), messages
    return seconds


def two_danger_messages(bot: Bot, runs: int = RUNS) -> List[float]:
    """For each run, two danger messages in one new conversation; the seconds to each 999 reply."""
    seconds = []
    for _ in range(runs):
        sender = f"fault-{uuid.uuid4()}"
        seconds += [danger_reply_seconds(lambda s, t: bot.send(s, t, timeout=30), sender, text) for text in DANGER]
    return seconds


def summary(name: str, seconds: List[float]) -> str:
    """p50 and worst, for the report."""
    return f"{name}: 999 reply p50 {statistics.median(seconds):.2f} s, worst {max(seconds):.2f} s over {len(seconds)}"


def assert_within_bar(name: str, seconds: List[float]) -> None:
    """Every reply within the bar; prints the numbers either way."""
    print(f"\n{summary(name, seconds)}")
    assert max(seconds) < BAR_SECONDS, summary(name, seconds)


def assert_logs_hold_none_of_the_messages(log: Path) -> None:
    """No message or sender id the fault tests sent appears in the captured logs."""
    captured = log.read_text(errors="replace")
    found = [value for value in SENT if value in captured]
    assert not found, f"{len(found)} sent values appear in {log}: {found[:3]}"


class FreezableProxy:
    """A TCP proxy to a service: `freeze()` stops moving bytes (connections stay open, new ones are accepted but
    never answered), as a SIGSTOPped server behaves; `thaw()` moves them again. Touches nothing of the service."""

    def __init__(self, target: Tuple[str, int]) -> None:
        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.moving = threading.Event()
        self.moving.set()
        self.stopped = threading.Event()
        self.sockets: List[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        """Stops moving bytes."""
        self.moving.clear()

    def thaw(self) -> None:
        """Moves bytes again."""
        self.moving.set()

    def close(self) -> None:
        """Closes every connection and the listening socket."""
        self.stopped.set()
        self.moving.set()
        for sock in [self.server, *self.sockets]:
            sock.close()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self.moving.wait()
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        self.sockets += [client, upstream]
        pairs = {client: upstream, upstream: client}
        while not self.stopped.is_set():
            try:
                readable, _, _ = select.select(list(pairs), [], [], 0.2)
            except (OSError, ValueError):
                return
            self.moving.wait()
            for sock in readable:
                try:
                    data = sock.recv(65536)
                    if not data:
                        raise OSError
                    pairs[sock].sendall(data)
                except OSError:
                    client.close()
                    upstream.close()
                    return
