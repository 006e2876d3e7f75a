"""The website's socket.io channel: Rasa's own, with custom payloads delivered instead of crashing.

Stock Rasa 3.6 sends a response's `custom` dict as keyword arguments of `AsyncServer.emit`, which raises
TypeError for `{"escalation": true}`: the banner never gets its marker and the rest of the turn is lost.
Here a custom payload arrives as one `bot_uttered` event `{"custom": {...}}`, as the widget expects.
Configured in credentials.yml as `channels.webchat.WebChatInput:`.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint


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

        async def answer_with_web_chat_output(message: UserMessage) -> Any:
            message.output_channel = WebChatOutput(self.sio, self.bot_message_evt)
            return await on_new_message(message)

        return super().blueprint(answer_with_web_chat_output)
