"""The website's socket.io channel: Rasa's own, with server-issued sessions and custom payloads delivered.

- Sessions: the server issues every session id (channels/identity.py: 128 random bits, signed). A `session_request`
  with an id the server did not sign gets a new id, so a forged or guessed id starts a new, empty conversation.
  The conversation is `socketio:<HMAC of the session id>` and the socket joins that room; the id a message carries
  is ignored: a socket speaks only in the session it was confirmed in.
- Stock Rasa 3.6 sends a response's `custom` dict as keyword arguments of `AsyncServer.emit`, which raises
  TypeError for `{"escalation": true}`: the banner never gets its marker and the rest of the turn is lost.
  Here a custom payload arrives as one `bot_uttered` event `{"custom": {...}}`, as the widget expects.
- Every message is checked for danger before its turn, with the channel's own reply if the turn fails or floods
  (channels/edge.py).
Configured in credentials.yml as `channels.webchat.WebChatInput:`.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic

from channels import edge
from channels.common import OnNewMessage, answer
from channels.identity import issue_session, issued, sender_key

logger = logging.getLogger(__name__)
WEB_REPLY_DEADLINE = 10  # seconds the socket.io handler waits for a turn before leaving it to finish alone


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, sending custom payloads as `{"custom": {...}}`."""

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Emits the custom payload as data of one bot event to the recipient's room."""
        await self._send_message(recipient_id, {"custom": json_message})


class WebChatInput(SocketIOInput):
    """Rasa's socket.io input channel with server-issued sessions, answering through WebChatOutput."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name in trackers and URLs, as stock Rasa's."""
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output for messages not answering a user (e.g. reminders)."""
        stock = super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt) if stock is not None else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's socket.io blueprint, with its session and message handlers replaced by the ones below."""
        webhook = super().blueprint(on_new_message)
        sio, namespace = self.sio, self.namespace
        server: List[Sanic] = []

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any) -> None:
            given = data.get("session_id") if isinstance(data, dict) else None
            session_id = given if issued(given) else issue_session()
            conversation = sender_key(self.name(), session_id)
            async with sio.session(sid, namespace=namespace) as session:
                previous = session.get("conversation")
                session["conversation"] = conversation
            if previous and previous != conversation:
                sio.leave_room(sid, previous, namespace=namespace)
            sio.enter_room(sid, conversation, namespace=namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            conversation = (await sio.get_session(sid, namespace=namespace)).get("conversation")
            if not conversation or not isinstance(data, dict):
                logger.warning("Ignored a socket.io message sent before its session was confirmed.")
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            output = WebChatOutput(sio, self.bot_message_evt)
            text = data.get("message")
            message = UserMessage(text if isinstance(text, str) else "", output, conversation, input_channel=self.name())
            message.metadata = metadata if isinstance(metadata, dict) else {}
            forwarded = (sio.get_environ(sid, namespace) or {}).get("HTTP_X_FORWARDED_FOR")
            client = edge.client_address(None, forwarded) or conversation  # socket.io's sanic driver has no peer address
            if await edge.limited(server[0], "web", client, message.text or ""):
                return  # a flood is dropped; danger never is
            await answer(server[0], message, on_new_message, WEB_REPLY_DEADLINE)

        edge.server_of(webhook, server)
        return webhook
