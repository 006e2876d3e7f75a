"""Rasa's callback channel for the force's own systems, with the REST channel's input checks.

POST /webhooks/callback/webhook {"sender": "...", "message": "..."} answers "success"; the bot's messages are then
POSTed one by one as JSON to CALLBACK_URL (including the `{"escalation": true}` marker, which machines read).
Input checks, the optional bearer token (CALLBACK_CHANNEL_TOKEN) and the length cap are the REST channel's
(channels/webhook.py's GuardedWebhook). The conversation is `callback:<HMAC of the sender>`; the replies name the
sender as it was given, held in memory while the turn runs (channels/identity.py).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.callback import CallbackInput, CallbackOutput
from rasa.core.channels.channel import InputChannel
from rasa.utils.endpoints import EndpointConfig
from sanic import Blueprint

from channels.common import OnNewMessage, inert_blueprint, settings
from channels.identity import Addressed, keyed_turns
from channels.webhook import GuardedWebhook
from components.normalise import DEFAULT_MAX_CHARS, max_message_chars


class AddressedCallbackOutput(Addressed, CallbackOutput):
    """Rasa's callback output, posting the replies for the sender the force's system gave."""


class GuardedCallbackInput(GuardedWebhook, CallbackInput):
    """Callback webhook at /webhooks/callback/webhook; replies go to CALLBACK_URL."""

    @classmethod
    def name(cls) -> Text:
        """The webhook path: /webhooks/callback/webhook."""
        return "callback"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Reads the environment; without CALLBACK_URL the channel stays off."""
        found = settings(cls.name(), ["CALLBACK_URL"], {"CALLBACK_CHANNEL_TOKEN": ""})
        return cls(
            EndpointConfig(found["CALLBACK_URL"]) if found else None,
            token=(found or {}).get("CALLBACK_CHANNEL_TOKEN") or None,
            max_chars=max_message_chars(),
        )

    def __init__(
        self, endpoint: Optional[EndpointConfig], token: Optional[str] = None, max_chars: int = DEFAULT_MAX_CHARS
    ) -> None:
        super().__init__(token=token, max_chars=max_chars, reply_deadline=60)
        self.callback_endpoint = endpoint

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's callback routes behind the REST checks, or 503 when not configured."""
        if not self.callback_endpoint:
            return inert_blueprint(self.name())
        return super().blueprint(keyed_turns(self.name(), on_new_message))

    def get_output_channel(self) -> AddressedCallbackOutput:
        """Posts the turn's replies to CALLBACK_URL."""
        return AddressedCallbackOutput(self.callback_endpoint)
