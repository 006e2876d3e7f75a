"""Nothing lost while RabbitMQ is away: the broker waits for RabbitMQ's confirms and re-sends what it buffered.

The broker reaches the real local RabbitMQ through a TCP forwarder that the test cuts (every connection dropped, new
ones refused) and restores, so the shared RabbitMQ itself is never stopped (the fault run of
test_production_fault_run.py stops it for real). The queue and exchange are the test's own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any, Dict, Iterator, List

import pytest
from rasa.utils.endpoints import EndpointConfig

from ops import stack
from plugins.event_broker import RetainingPikaEventBroker
from tests.production import services
from tests.production.services import Forwarder


@pytest.fixture()
def env() -> Iterator[Dict[str, str]]:
    """Settings with a queue and exchange of the test's own (removed afterwards)."""
    env = stack.environment(**services.own_stores("broker", uuid.uuid4().hex[:10]))
    services.skip_unless_reachable(env)
    try:
        yield env
    finally:
        services.remove_test_data(env)


def event(number: int) -> Dict[str, Any]:
    return {"sender_id": "broker-test", "event": "user", "text": f"message {number}", "timestamp": float(number)}


async def until(condition: Any, seconds: float) -> bool:
    """Whether `condition()` became true within `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    return bool(condition())


def test_events_published_while_rabbitmq_is_away_are_buffered_bounded_and_sent_in_order_after(env: Dict[str, str]) -> None:
    forwarder = Forwarder(int(env["RABBITMQ_PORT"]))
    forwarder.open()
    config = EndpointConfig(
        url="127.0.0.1",
        port=forwarder.port,
        username=env["RABBITMQ_USER"],
        password=env["RABBITMQ_PASSWORD"],
        queues=[env["RABBITMQ_QUEUE"]],
        exchange_name=env["RABBITMQ_EXCHANGE"],
        buffer_events=3,
    )

    async def run() -> RetainingPikaEventBroker:
        broker = await RetainingPikaEventBroker.from_endpoint_config(config)
        assert broker._exchange.channel.publisher_confirms, "every event must be confirmed by RabbitMQ"
        broker.publish(event(1))
        assert await until(lambda: not broker._background_tasks, 5)
        forwarder.cut()
        for number in range(2, 6):  # four events for a buffer of three: the oldest of them is dropped
            broker.publish(event(number))
        assert await until(lambda: len(broker.waiting) == 3 and not broker._background_tasks, 10), len(broker.waiting)
        await asyncio.sleep(2)  # still away: nothing leaves the buffer
        assert [waiting["text"] for waiting, _ in broker.waiting] == ["message 3", "message 4", "message 5"]
        forwarder.open()
        assert await until(lambda: not broker.waiting, 20), "the buffer was not re-sent after RabbitMQ came back"
        broker.publish(event(6))
        await until(lambda: not broker._background_tasks, 5)
        await broker.close()
        return broker

    try:
        broker = asyncio.run(run())
    finally:
        forwarder.cut()
    queued: List[Dict[str, Any]] = services.queued_events(env, seconds=3)
    assert [item["text"] for item in queued] == ["message 1", "message 3", "message 4", "message 5", "message 6"]
    assert broker.dropped == 1
