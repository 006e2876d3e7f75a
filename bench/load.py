"""A bounded closed-loop load over the REST channel, and a peak-RSS sampler for a process tree."""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple
from urllib.parse import urlparse

import aiohttp
import psutil

Turn = Tuple[str, str]  # (kind, text); kind "danger" messages must escalate

# Our bot: questions people ask (reporting, leaving home, support, ...), one danger message per conversation.
OURS: List[Turn] = [
    ("normal", "hi"),
    ("normal", "how do I report domestic abuse"),
    ("normal", "am I allowed to leave home if he gets violent"),
    ("normal", "where can I get support"),
    ("danger", "he's got a knife"),
    ("normal", "yes im safe now"),
    ("normal", "is this chat private?"),
    ("normal", "i'm worried about my neighbour, i hear shouting every night"),
    ("normal", "is it abuse if he checks my phone all the time"),
    ("normal", "i'm deaf, how can I contact you"),
    ("normal", "are you a real person"),
    ("normal", "thanks"),
]
# Stock Rasa's starter bot: its own domain (greetings, moods, bot challenge).
STARTER: List[Turn] = [
    ("normal", "hello there"),
    ("normal", "I am feeling very sad"),
    ("normal", "yes"),
    ("normal", "great"),
    ("normal", "are you a bot?"),
    ("normal", "I'm feeling good today"),
    ("normal", "no"),
    ("normal", "goodbye"),
]


@dataclass
class Sample:
    """One message: how long the reply took, its kind, whether it worked, escalated, or got no reply at all."""

    latency_ms: float
    kind: str
    ok: bool
    escalated: bool
    empty: bool = False


def check_local(url: str) -> None:
    """Refuses any target other than 127.0.0.1: the load generator never leaves this machine."""
    if urlparse(url).hostname != "127.0.0.1":
        raise ValueError(f"load only targets 127.0.0.1, not {url}")


async def _post(session: aiohttp.ClientSession, url: str, sender: str, turn: Turn) -> Sample:
    """Posts one message and times the whole reply."""
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": turn[1]}) as reply:
            # 202: answered (the 999 guidance) while the turn's action still runs (channels/webhook.py)
            body = await reply.json(content_type=None) if reply.status in (200, 202) else None
            ok = isinstance(body, list)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        body, ok = None, False
    replies = body if isinstance(body, list) else []
    escalated = any((m.get("custom") or {}).get("escalation") for m in replies if isinstance(m, dict))
    return Sample((time.perf_counter() - started) * 1000, turn[0], ok, escalated, ok and not replies)


async def drive(
    url: str,
    script: Sequence[Turn],
    conversations: int,
    messages: int,
    time_limit: float = 180,
    tag: str = "bench",
    headers: Optional[Dict[str, str]] = None,
) -> Tuple[List[Sample], float]:
    """Runs `conversations` closed-loop users (each sends, waits for the reply, sends the next) until
    `messages` replies or `time_limit` seconds; each user starts a new sender id after the script ends. `headers` go
    with every request (the REST channel's bearer token)."""
    check_local(url)
    if conversations < 1 or messages < 1:
        raise ValueError("need at least one conversation and one message")
    samples: List[Sample] = []
    budget = itertools.count()
    deadline = time.monotonic() + time_limit
    timeout = aiohttp.ClientTimeout(total=30)

    async def user(number: int, session: aiohttp.ClientSession) -> None:
        for round_ in itertools.count():
            sender = f"{tag}-{number}-{round_}-{time.time_ns()}"
            for turn in script:
                if next(budget) >= messages or time.monotonic() > deadline:
                    return
                samples.append(await _post(session, url, sender, turn))

    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=conversations)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=headers) as session:
        await asyncio.gather(*(user(n, session) for n in range(conversations)))
    return samples, time.perf_counter() - started


class PeakRss:
    """Samples the resident memory of named groups of processes (each process with its children) every `interval`
    s; keeps each group's peak (the largest sum over one sample)."""

    def __init__(self, groups: Dict[str, Sequence[int]], interval: float = 0.2) -> None:
        self.groups, self.interval = {name: list(pids) for name, pids in groups.items()}, interval
        self.peaks: Dict[str, int] = {name: 0 for name in self.groups}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> Dict[str, int]:
        """Each group's resident memory in bytes right now."""
        per_pid = {pid: tree_memory(pid)[0] for pid in {pid for pids in self.groups.values() for pid in pids}}
        return {name: sum(per_pid[pid] for pid in pids) for name, pids in self.groups.items()}

    def _sample(self) -> None:
        for name, rss in self.now().items():
            self.peaks[name] = max(self.peaks[name], rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRss":
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def tree_memory(pid: int, proportional: bool = False) -> Tuple[int, int]:
    """Resident memory (RSS) in bytes of a process and its children, and with `proportional` their PSS too (shared
    pages split between the processes that map them; slower: reads smaps); (0, 0) once it has gone."""
    try:
        root = psutil.Process(pid)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    rss = pss = 0
    for process in tree:
        try:
            rss += process.memory_info().rss
            pss += process.memory_full_info().pss if proportional else 0
        except psutil.NoSuchProcess:
            pass
    return rss, pss


def escalation_counts(samples: Sequence[Sample]) -> Dict[str, int]:
    """How many danger messages were sent, how many escalated, and how many normal ones escalated."""
    return {
        "danger_sent": sum(s.kind == "danger" for s in samples),
        "danger_escalated": sum(s.kind == "danger" and s.escalated for s in samples),
        "normal_escalated": sum(s.kind == "normal" and s.escalated for s in samples),
        "empty_replies": sum(s.empty for s in samples),
    }
