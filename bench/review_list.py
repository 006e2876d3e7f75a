"""Times the conversation list with 10,000 generated conversations (realistic Rasa events) in a SQLite tracker store.

Run with `make review-bench`; BENCH_CONVERSATIONS changes the count, TRACKER_DB_URL points it at another store.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

import aiohttp
import sqlalchemy as sa
from aiohttp import web

from ops.settings import Settings
from plugins import events_table
from plugins.events_table import EVENTS
from review.app import make_app
from review.db import ReviewDB
from review.store import TrackerStore

TURNS = [
    ("hi", "greet", 0.97),
    ("how do I report domestic abuse", "how_to_report", 0.91),
    ("can I leave the house", "leave_home", 0.55),
    ("my name is Sarah Jones, call me on 07700 900123", "out_of_scope", 0.42),
    ("I'm deaf", "deaf_or_cant_speak", 0.88),
    ("asdfgh", "nlu_fallback", 0.3),
    ("thanks", "thanks", 0.99),
]


def events_for(sender: str, start: float, rng: random.Random, danger: bool = False) -> List[Dict[str, Any]]:
    """The events Rasa stores for one conversation of a few turns (optionally one that escalates)."""
    out: List[Dict[str, Any]] = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
    ]
    turns = rng.sample(TURNS, rng.randint(1, 4)) + ([("he's got a knife", "immediate_danger", 0.95)] if danger else [])
    for text, intent, confidence in turns:
        verdict = {
            "escalate": danger and intent == "immediate_danger",
            "rules": {
                "fired": intent == "immediate_danger",
                "labels": ["weapon"],
                "subject": "self",
                "evidence": ["got a knife"],
            },
            "model": {"fired": intent == "immediate_danger", "score": confidence},
        }
        out.append(
            {
                "event": "user",
                "text": text,
                "input_channel": rng.choice(["rest", "socketio", "telegram"]),
                "parse_data": {
                    "text": text,
                    "intent": {"name": intent, "confidence": confidence},
                    "entities": [],
                    "danger": verdict,
                },
            }
        )
        action = "utter_escalate_self" if verdict["escalate"] else f"utter_{intent}"
        action = "utter_default" if intent == "nlu_fallback" else action
        out.append({"event": "action", "name": action})
        out.append(
            {
                "event": "bot",
                "text": "If you are in danger now, call 999.",
                "data": {"custom": {"escalation": True, "kind": "self"}} if verdict["escalate"] else {},
            }
        )
        out.append({"event": "action", "name": "action_listen"})
    for i, event in enumerate(out):
        event["timestamp"] = start + i * 3.0
    return out


def fill(engine: sa.engine.Engine, count: int, seed: int = 7) -> None:
    """Generates `count` conversations over the last 60 days, about 1 in 20 escalating."""
    rng, now, rows = random.Random(seed), time.time(), []
    for n in range(count):
        sender = f"{rng.getrandbits(64):016x}{n:06d}"
        rows += events_table.rows(sender, events_for(sender, now - rng.uniform(0, 60 * 86400), rng, danger=rng.random() < 0.05))
    rng.shuffle(rows)  # conversations interleave in a real store
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(sa.insert(EVENTS), rows[i : i + 5000])


async def timed_get(session: aiohttp.ClientSession, url: str) -> float:
    """Seconds to load one page (status 200 required)."""
    started = time.perf_counter()
    async with session.get(url) as reply:
        assert reply.status == 200, reply.status
        await reply.read()
    return time.perf_counter() - started


async def measure(tmp: Path, count: int) -> Dict[str, float]:
    """Loads the list over HTTP: first (builds the index), warm, filtered, searched, and after a new conversation."""
    url = Settings.load().tracker_db_url or f"sqlite:///{tmp / 'tracker.db'}"
    engine = sa.create_engine(url, future=True)
    events_table.create(engine)
    started = time.perf_counter()
    fill(engine, count)
    results = {"generate_s": time.perf_counter() - started}
    db = ReviewDB(f"sqlite:///{tmp / 'review.db'}")
    db.add_trainer("bench", "bench-password-1")
    token, _ = db.sign_in("bench", "bench-password-1") or ("", "")
    runner = web.AppRunner(make_app(db, TrackerStore(url)))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # noqa: SLF001
    async with aiohttp.ClientSession(cookies={"review_session": token}) as session:
        results["first_load_s"] = await timed_get(session, base + "/")
        async with session.get(base + "/api/conversations") as reply:
            assert (await reply.json())["total"] == count, "the list does not show every conversation"
        results["warm_load_median_s"] = statistics.median([await timed_get(session, base + "/") for _ in range(10)])
        results["escalated_filter_s"] = await timed_get(session, base + "/?escalated=1&low_confidence=1&from=2000-01-01")
        results["text_search_s"] = await timed_get(session, base + "/?q=knife&page=3")
        events_table.insert(engine, "new-conversation", events_for("new-conversation", time.time(), random.Random(1)))
        results["after_new_conversation_s"] = await timed_get(session, base + "/")
    await runner.cleanup()
    with engine.connect() as conn:
        results["events"] = conn.execute(sa.select(sa.func.count()).select_from(EVENTS)).scalar()
    return results


def main() -> None:
    """Prints the timings."""
    count = int(os.environ.get("BENCH_CONVERSATIONS", "10000"))
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(measure(Path(tmp), count))
    print(f"{count} conversations, {results.pop('events')} events")
    for name, seconds in results.items():
        print(f"  {name:26s} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
