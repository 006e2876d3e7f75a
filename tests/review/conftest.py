"""Fixtures of the review tool's tests: real Rasa servers writing to SQLite and PostgreSQL, and review servers over them.

SQLite: the session bot (endpoints.yml). PostgreSQL: one more Rasa server with endpoints.production.yml on its own
database, queue and Redis prefix, using the session bot's action server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator

import aio_pika
import pytest
import requests
from psycopg2 import sql

from ops import preflight, settings, supervisor
from ops.settings import ROOT
from ops.supervisor import free_port
from tests.bot import Bot, escalated, start_bot

PASSWORD = "correct horse battery"
# The key of review references (review.db.reference), the same in the tests and the review servers they start.
os.environ.setdefault("SENDER_KEY_SECRET", uuid.uuid4().hex * 2)


@dataclass
class Review:
    """A running review server, the trainer who may sign in, and the conversations in its tracker store."""

    url: str
    env: Dict[str, str]
    senders: Dict[str, str]

    def signed_in(self) -> requests.Session:
        """A browser-like session signed in as the test trainer."""
        session = requests.Session()
        reply = session.post(
            f"{self.url}/signin",
            data={"username": "trainer", "password": PASSWORD, "csrf": csrf_of(session.get(f"{self.url}/signin").text)},
            allow_redirects=False,
        )
        assert reply.status_code == 303, reply.text
        return session


def csrf_of(page: str) -> str:
    """The CSRF token of the first form on a page."""
    return page.split('name="csrf" value="')[1].split('"')[0]


def cli(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Runs the review tool's command line."""
    return subprocess.run(
        [sys.executable, "-m", "review.cli", *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
    )


@dataclass
class PostgresBot:
    """A Rasa server on PostgreSQL and its settings."""

    bot: Bot
    env: Dict[str, str]


def postgres_env(action_port: str) -> Dict[str, str]:
    """Settings of a Rasa server on its own fresh PostgreSQL database, RabbitMQ queue and Redis key prefix."""
    tag = uuid.uuid4().hex[:10]
    env = {
        **settings.environment(),
        "POSTGRES_DB": f"review_test_{tag}",
        "RABBITMQ_QUEUE": f"review_test_{tag}",
        "RABBITMQ_EXCHANGE": f"review_test_{tag}_exchange",
        "REDIS_KEY_PREFIX": f"reviewtest{tag}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "RASA_ENDPOINTS": str(ROOT / "endpoints.production.yml"),
    }
    env.pop("RASA_REPLICAS", None)
    preflight.check_postgres(env)
    return env


def drop_postgres(env: Dict[str, str]) -> None:
    """Drops the test database, queue and exchange."""
    connection = preflight.postgres_connect(env, "postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (env["POSTGRES_DB"],))
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(env["POSTGRES_DB"])))
    connection.close()
    asyncio.run(drop_rabbit(env))


async def drop_rabbit(env: Dict[str, str]) -> None:
    """Deletes the test queue and exchange."""
    connection = await aio_pika.connect(
        host=env["RABBITMQ_HOST"], port=int(env["RABBITMQ_PORT"]), login=env["RABBITMQ_USER"], password=env["RABBITMQ_PASSWORD"]
    )
    async with connection:
        channel = await connection.channel()
        await channel.queue_delete(env["RABBITMQ_QUEUE"])
        await channel.exchange_delete(env["RABBITMQ_EXCHANGE"])


@pytest.fixture(scope="session")
def postgres_bot(bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresBot]:
    """A Rasa server on PostgreSQL + Redis + RabbitMQ (endpoints.production.yml); its database and queue are dropped after."""
    env = postgres_env(bot.env["ACTION_SERVER_PORT"])
    try:
        running = start_bot(tmp_path_factory.mktemp("review-pg"), ["rasa"], **env)
        try:
            yield PostgresBot(running, env)
        finally:
            running.stop()
    finally:
        drop_postgres(env)


def fill(bot: Bot) -> Dict[str, str]:
    """Real conversations with the bot: an escalation, one with personal data, one ordinary; returns their
    conversation keys (what the tracker store and the review tool know them by)."""
    senders = {name: f"review-{name}-{uuid.uuid4().hex[:8]}" for name in ("danger", "personal", "plain")}
    bot.send(senders["danger"], "hi I'm Jessica Wainwright")
    assert escalated(bot.send(senders["danger"], "he's got a knife"))
    bot.send(senders["personal"], "my name is Sarah Okonkwo, call me on 07700 900123. I live at 12 Acacia Avenue, DE22 3AB")
    bot.send(senders["personal"], "how do I report domestic abuse")
    bot.send(senders["plain"], "are you a bot")
    return {name: bot.key(sender) for name, sender in senders.items()}


def start_review(tmp: Path, tracker_env: Dict[str, str], senders: Dict[str, str]) -> Iterator[Review]:
    """Runs `review serve` over a tracker store with a fresh review DB and one trainer, until the caller is done."""
    env = supervisor.environment()
    env.update(tracker_env, REVIEW_DB=str(tmp / "review.db"), REVIEW_PORT=str(free_port()), REVIEW_PASSWORD=PASSWORD)
    env["REVIEW_INSECURE_COOKIES"] = "1"  # plain http on 127.0.0.1 (the cookies' default, Secure: test_signin.py)
    added = cli(env, "trainer-add", "trainer")
    assert added.returncode == 0, added.stderr
    process = subprocess.Popen([sys.executable, "-m", "review.cli", "serve"], env=env, cwd=ROOT, start_new_session=True)
    url = f"http://127.0.0.1:{env['REVIEW_PORT']}"
    try:
        supervisor.wait_until_ready(f"{url}/healthz", process, timeout=120)
        yield Review(url, env, senders)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def review(bot: Bot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """The review tool over the session bot's SQLite tracker store, with three fresh conversations in it."""
    senders = fill(bot)
    tracker_env = {"SQLITE_TRACKER_DB": bot.env["SQLITE_TRACKER_DB"]}
    yield from start_review(tmp_path_factory.mktemp("review"), tracker_env, senders)


@pytest.fixture(scope="module")
def review_pg(postgres_bot: PostgresBot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Review]:
    """The review tool over the PostgreSQL tracker store, with three fresh conversations in it."""
    senders = fill(postgres_bot.bot)
    tracker_env = postgres_bot.env  # RASA_ENDPOINTS=endpoints.production.yml and the settings it reads
    yield from start_review(tmp_path_factory.mktemp("review-pg"), tracker_env, senders)
