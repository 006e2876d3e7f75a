"""The website's socket.io channel: Rasa's own, with custom payloads delivered instead of crashing.

Stock Rasa 3.6 sends a response's `custom` dict as keyword arguments of `AsyncServer.emit`, which raises
TypeError for `{"escalation": true}`: the banner never gets its marker and the rest of the turn is lost.
Here a custom payload arrives as one `bot_uttered` event `{"custom": {...}}`, as the widget expects, and every
message is checked for danger before its turn, with the channel's own reply if the turn fails (channels/edge.py).
Configured in credentials.yml as `channels.webchat.WebChatInput:`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic

from channels import edge
from channels.common import answer

WEB_REPLY_DEADLINE = 10  # seconds the socket.io handler waits for a turn before leaving it to finish alone


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, sending custom payloads as `{"custom": {...}}`."""

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        """Emits the custom payload as data of one bot event to the recipient's room."""
        await self._send_message(recipient_id, {"custom": json_message})


class WebChatInput(SocketIOInput):
    """Rasa's socket.io input channel, answering through WebChatOutput."""

    @classmethod
    def name(cls) -> Text:
        """The channel's name in trackers and URLs, as stock Rasa's."""
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        """The output for messages not answering a user (e.g. reminders)."""
        stock = super().get_output_channel()
        return WebChatOutput(self.sio, self.bot_message_evt) if stock is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's socket.io blueprint, with every user message answered through WebChatOutput."""

        server: List[Sanic] = []

        async def answer_with_web_chat_output(message: UserMessage) -> None:
            message.output_channel = WebChatOutput(self.sio, self.bot_message_evt)
            if await edge.limited(server[0], "web", self.client(message.sender_id), message.text or ""):
                return  # a flood is dropped; danger never is
            await answer(server[0], message, on_new_message, WEB_REPLY_DEADLINE)

        blueprint = super().blueprint(answer_with_web_chat_output)
        edge.server_of(blueprint, server)
        return blueprint

    def client(self, session_id: Text) -> Text:
        """The address of the session's client, as the proxy in front passed it (X-Forwarded-For), else the session:
        socket.io's sanic driver does not know the peer's address."""
        for sid, _ in self.sio.manager.get_participants(self.namespace or "/", session_id):
            forwarded = (self.sio.get_environ(sid, self.namespace) or {}).get("HTTP_X_FORWARDED_FOR")
            return edge.client_address(None, forwarded) or session_id
        return session_id
