"""Helpers for the production-stack tests: the real PostgreSQL, Redis and RabbitMQ, and HTTP through nginx."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from typing import Any, Dict, List, Set, Tuple

import pytest
import redis

from channels.identity import sender_key
from ops import client, preflight
from ops.supervisor import free_port

TOKEN = secrets.token_hex(16)  # the REST webhook's bearer token (the production configuration requires one)
SECRET = secrets.token_hex(32)  # the conversation-key secret of the test stack


def key(sender: str) -> str:
    """The conversation key of a REST sender on the test stack."""
    return sender_key("rest", sender, SECRET.encode())


def skip_unless_reachable(env: Dict[str, str]) -> None:
    """Skips the calling test (naming the service) when PostgreSQL, Redis or RabbitMQ cannot be used."""
    for service, check in preflight.CHECKS.items():
        try:
            check({**env, "POSTGRES_DB": "postgres"})  # connects without creating the test database yet
        except Exception as error:  # noqa: BLE001 (any failure means the service is unusable here)
            pytest.skip(f"{service} is not reachable at {preflight.address(service, env)}: {error}")


def post(base_url: str, sender: str, text: str, timeout: float = 60, status: int = 200) -> Tuple[str, List[Dict[str, Any]]]:
    """Posts to a REST webhook, expecting `status`; returns nginx's X-Replica header (the replica's address, or "")
    and the bot's messages."""
    answered, headers, reply = client.post(
        f"{base_url}/webhooks/rest/webhook",
        json.dumps({"sender": sender, "message": text}).encode(),
        {"Authorization": f"Bearer {TOKEN}"},
        timeout=timeout,
    )
    assert answered == status, (answered, reply[:300])
    return headers.get("X-Replica", ""), json.loads(reply)


def stored_events(env: Dict[str, str], sender: str) -> List[Tuple[str, str, Dict[str, Any]]]:
    """(type_name, action_name, data) of every event of REST sender `sender` in PostgreSQL, in storage order."""
    connection = preflight.postgres_connect(env, env["POSTGRES_DB"])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT type_name, action_name, data FROM events WHERE sender_id = %s ORDER BY id", (key(sender),))
            return [(kind, action or "", json.loads(data)) for kind, action, data in cursor.fetchall()]
    finally:
        connection.close()


def user_texts(events: List[Tuple[str, str, Dict[str, Any]]]) -> List[str]:
    """The user messages among stored events."""
    return [data.get("text", "") for kind, _, data in events if kind == "user"]


def redis_client(env: Dict[str, str]) -> redis.Redis:
    """A client of the lock store's Redis database."""
    return redis.Redis(
        host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), db=int(env["REDIS_DB"]), password=env["REDIS_PASSWORD"] or None
    )


def queued_events(env: Dict[str, str], seconds: float = 10, until_sender: str = "") -> List[Dict[str, Any]]:
    """Consumes the test's RabbitMQ queue for up to `seconds` (stopping early once REST sender `until_sender` shows up)."""
    import aio_pika

    async def consume() -> List[Dict[str, Any]]:
        connection = await aio_pika.connect(preflight.rabbitmq_url(env))
        found: List[Dict[str, Any]] = []
        async with connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(env["RABBITMQ_QUEUE"], durable=True, passive=True)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + seconds
            while loop.time() < deadline:
                message = await queue.get(no_ack=True, fail=False)
                if message is None:
                    if until_sender and any(event.get("sender_id") == key(until_sender) for event in found):
                        break
                    await asyncio.sleep(0.2)
                    continue
                found.append(json.loads(message.body))
        return found

    return asyncio.run(consume())


def remove_test_data(env: Dict[str, str]) -> None:
    """Drops the test database, the test queue and exchange, and the test's Redis keys."""
    import aio_pika

    preflight.drop_database(env)

    async def delete_queue() -> None:
        async with await aio_pika.connect(preflight.rabbitmq_url(env)) as amqp:
            channel = await amqp.channel()
            await channel.queue_delete(env["RABBITMQ_QUEUE"])
            await channel.exchange_delete(env["RABBITMQ_EXCHANGE"])

    asyncio.run(delete_queue())
    client = redis_client(env)
    for key in client.scan_iter(f"{env['REDIS_KEY_PREFIX']}:*"):
        client.delete(key)
    client.close()


class Forwarder:
    """A TCP forwarder to a local service (on `host`, a port of its own) that can be cut and restored."""

    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.host, self.port, self.target_port = host, free_port(), target_port
        self.loop = asyncio.new_event_loop()
        self.links: Set[asyncio.StreamWriter] = set()
        self.server: asyncio.AbstractServer | None = None
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coroutine: object) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    async def _open(self) -> None:
        self.server = await asyncio.start_server(self._link, self.host, self.port)

    async def _link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.links |= {writer, upstream_writer}
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer), return_exceptions=True)

    async def _cut(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in self.links:
            writer.transport.abort()
        self.links.clear()

    def open(self) -> None:
        self.run(self._open())

    def cut(self) -> None:
        self.run(self._cut())


async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copies bytes until the source closes."""
    while data := await source.read(65536):
        sink.write(data)
        await sink.drain()
    sink.close()


def own_stores(name: str, tag: str) -> Dict[str, str]:
    """Settings that give a test stack a PostgreSQL database, RabbitMQ queue and exchange, and Redis key prefix of its
    own (`name` and `tag` in each), so test runs never share conversations; and the REST token and conversation-key
    secret `post` and `key` use."""
    return {
        "REST_CHANNEL_TOKEN": TOKEN,
        "SENDER_KEY_SECRET": SECRET,
        "POSTGRES_DB": f"{name}_test_{tag}",
        "RABBITMQ_QUEUE": f"{name}_test_{tag}",
        "RABBITMQ_EXCHANGE": f"{name}_test_{tag}",
        "REDIS_KEY_PREFIX": f"{name}test{tag}",
    }
