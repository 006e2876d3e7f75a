"""The RabbitMQ queue's retention (issue 15), against the real local RabbitMQ: the production endpoints' event broker
declares its queue with a TTL and a maximum length (plugins/event_broker.py), and RabbitMQ enforces both."""

from __future__ import annotations

import asyncio
import uuid
from typing import Dict

import aio_pika
import pytest
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import read_endpoint_config

from ops import preflight, supervisor
from ops.settings import ROOT
from plugins.event_broker import RetainingPikaEventBroker
from tests.production import services


async def queued(env: Dict[str, str]) -> int:
    """How many messages wait in the test queue."""
    connection = await aio_pika.connect(preflight.rabbitmq_url(env))
    async with connection:
        queue = await (await connection.channel()).declare_queue(env["RABBITMQ_QUEUE"], durable=True, passive=True)
        return queue.declaration_result.message_count


async def publish_and_watch(env: Dict[str, str]) -> tuple[int, int]:
    """Publishes 5 events through the broker the production endpoints file configures; returns the queue's length
    once they are in, and after the TTL."""
    config = read_endpoint_config(str(ROOT / "endpoints.production.yml"), "event_broker")
    broker = await EventBroker.create(config)
    assert isinstance(broker, RetainingPikaEventBroker)
    try:
        for number in range(5):
            broker.publish({"event": "user", "text": f"message {number}", "sender_id": "rest:x"})
        for _ in range(50):
            await asyncio.sleep(0.1)
            if not broker._unpublished_events and await queued(env) >= 3:
                break
        full = await queued(env)
        await asyncio.sleep(2.5)
        return full, await queued(env)
    finally:
        await broker.close()
        connection = await aio_pika.connect(preflight.rabbitmq_url(env))
        async with connection:
            channel = await connection.channel()
            await channel.queue_delete(env["RABBITMQ_QUEUE"])
            await channel.exchange_delete(env["RABBITMQ_EXCHANGE"])


def test_the_queue_keeps_at_most_max_length_events_for_at_most_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    tag = uuid.uuid4().hex[:10]
    env = supervisor.environment(
        RABBITMQ_QUEUE=f"retention_test_{tag}",
        RABBITMQ_EXCHANGE=f"retention_test_{tag}",
        RABBITMQ_MESSAGE_TTL_SECONDS="2",
        RABBITMQ_MAX_LENGTH="3",
    )
    services.skip_unless_reachable(env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the endpoints file reads the settings from the environment
    full, later = asyncio.run(publish_and_watch(env))
    assert full == 3, "5 events published, the 3 newest kept (x-max-length)"
    assert later == 0, "and gone after the TTL (x-message-ttl)"
