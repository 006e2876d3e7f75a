"""Rasa's RabbitMQ (pika) event broker with retention on its queues: every event carries the user's text, and
nothing in this project reads the queue, so messages must not stay there for ever.

Each queue is declared with `x-message-ttl` (RABBITMQ_MESSAGE_TTL_SECONDS, default a day) and `x-max-length`
(RABBITMQ_MAX_LENGTH; beyond it the oldest are dropped). Stock Rasa 3.6 declares its queues without arguments and
takes none. RabbitMQ refuses to re-declare a queue with other arguments: a queue made before this change must be
deleted once (README, "Production configuration").
"""

from __future__ import annotations

from typing import Any, Dict, Text

import aio_pika
from rasa.core.brokers.pika import PikaEventBroker


def queue_arguments(message_ttl_seconds: float, max_length: int) -> Dict[str, Any]:
    """The RabbitMQ queue arguments that enforce the retention."""
    return {"x-message-ttl": int(float(message_ttl_seconds) * 1000), "x-max-length": int(max_length), "x-overflow": "drop-head"}


class RetainingPikaEventBroker(PikaEventBroker):
    """PikaEventBroker whose queues drop events after a TTL and beyond a maximum length."""

    def __init__(self, *args: Any, message_ttl_seconds: float = 86400, max_length: int = 100000, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.arguments = queue_arguments(message_ttl_seconds, max_length)

    async def _bind_queue(self, queue_name: Text, channel: aio_pika.RobustChannel, exchange: aio_pika.Exchange) -> None:
        """Declares the queue with the retention arguments and binds it to the exchange."""
        queue = await channel.declare_queue(queue_name, durable=True, arguments=self.arguments)
        await queue.bind(exchange, "")
