"""Rasa's RabbitMQ (pika) event broker with retention on its queues, and nothing lost while RabbitMQ is away.

Retention: every event carries the user's text, and nothing in this project reads the queue, so each queue is
declared with `x-message-ttl` (RABBITMQ_MESSAGE_TTL_SECONDS, default a day) and `x-max-length` (RABBITMQ_MAX_LENGTH;
beyond it the oldest are dropped). Stock Rasa 3.6 declares its queues without arguments and takes none. RabbitMQ
refuses to re-declare a queue with other arguments: a queue made before this change must be deleted once (README,
"Production configuration").

Delivery: an event counts as sent only when RabbitMQ confirms it (publisher confirms, within `publish_timeout`).
Stock Rasa kept a failed event in an unbounded list and tried it again only when the connection came back, so an
event that failed after the reconnection waited for the next outage. Here a failed event waits in a bounded buffer
(RABBITMQ_BUFFER_EVENTS; beyond it the oldest are dropped, and counted), events published meanwhile queue behind
it in order, and the buffer is re-sent as soon as the connection is back and every RESEND_SECONDS until it is empty.
The buffer is logged by counts, never by content.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any, Deque, Dict, Optional, Text, Tuple

import aio_pika
import aiormq
from rasa.core.brokers.pika import PikaEventBroker

logger = logging.getLogger(__name__)
RESEND_SECONDS = 1.0
Waiting = Tuple[Dict[Text, Any], Optional[Dict[Text, Text]]]  # an event and its headers


def queue_arguments(message_ttl_seconds: float, max_length: int) -> Dict[str, Any]:
    """The RabbitMQ queue arguments that enforce the retention."""
    return {"x-message-ttl": int(float(message_ttl_seconds) * 1000), "x-max-length": int(max_length), "x-overflow": "drop-head"}


class RetainingPikaEventBroker(PikaEventBroker):
    """PikaEventBroker whose queues drop events after a TTL and beyond a maximum length, and whose events wait in a
    bounded buffer until RabbitMQ confirms them."""

    def __init__(
        self,
        *args: Any,
        message_ttl_seconds: float = 86400,
        max_length: int = 100000,
        buffer_events: int = 10000,
        publish_timeout: float = 2,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.arguments = queue_arguments(message_ttl_seconds, max_length)
        self.publish_timeout = float(publish_timeout)
        self.waiting: Deque[Waiting] = deque(maxlen=int(buffer_events))
        self.dropped = 0
        self.reconnected = asyncio.Event()
        self.resending: Optional[asyncio.Task] = None

    async def _bind_queue(self, queue_name: Text, channel: aio_pika.RobustChannel, exchange: aio_pika.Exchange) -> None:
        """Declares the queue with the retention arguments and binds it to the exchange."""
        queue = await channel.declare_queue(queue_name, durable=True, arguments=self.arguments)
        await queue.bind(exchange, "")

    async def deliver(self, event: Dict[Text, Any]) -> None:
        """Sends the event and returns once RabbitMQ confirmed it or it is buffered (the tracker stores wait for
        this before they write, plugins/tracker_store.py)."""
        await self._publish(event)

    async def _publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        """Sends the event, or keeps it for later when RabbitMQ does not confirm it (or events already wait)."""
        if self.waiting or not await self._confirmed(event, headers):
            self._keep((event, headers))

    async def _confirmed(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]]) -> bool:
        """Publishes one event; True once RabbitMQ has confirmed it."""
        if self._exchange is None:
            return False
        try:
            confirmation = await self._exchange.publish(self._message(event, headers), "", timeout=self.publish_timeout)
        except Exception as error:  # noqa: BLE001 - any failure leaves the event unconfirmed
            logger.debug("RabbitMQ did not take an event: %s", type(error).__name__)
            return False
        return isinstance(confirmation, aiormq.spec.Basic.Ack)

    def _keep(self, waiting: Waiting) -> None:
        """Buffers an unsent event (dropping the oldest when full) and makes sure the buffer is being re-sent."""
        if len(self.waiting) == self.waiting.maxlen:
            self.dropped += 1
            logger.error("The event buffer is full: its oldest event was dropped (%d so far).", self.dropped)
        if not self.waiting:
            logger.warning("RabbitMQ did not confirm an event: events wait in a buffer of %d until it does.", self.waiting.maxlen)
        self.waiting.append(waiting)
        if self.resending is None or self.resending.done():
            self.resending = self._loop.create_task(self._resend())

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        """On reconnection (aio_pika's callback): re-send the buffer now."""
        self.reconnected.set()

    async def _resend(self) -> None:
        """Re-sends the buffer in order, at reconnection or every RESEND_SECONDS, until it is empty."""
        while self.waiting:
            self.reconnected.clear()
            while self.waiting and await self._confirmed(*self.waiting[0]):
                self.waiting.popleft()
            if self.waiting:
                try:
                    await asyncio.wait_for(self.reconnected.wait(), RESEND_SECONDS)
                except asyncio.TimeoutError:
                    pass
        logger.warning("RabbitMQ confirmed every buffered event.")

    async def close(self) -> None:
        """Closes the connection, saying how many events were never confirmed."""
        if self.waiting:
            logger.error("Closing with %d event(s) RabbitMQ has not confirmed: they are lost.", len(self.waiting))
        await super().close()
