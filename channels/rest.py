"""Rasa's REST channel with input checks, an optional bearer token and a reply deadline.

Stock Rasa 3.6 puts every request without a `sender` into one shared "default" conversation, crashes on a body
that is not UTF-8, takes any length, and opens the webhook to anyone even with `--auth-token`. Here:
- the body must be a UTF-8 JSON object with a non-empty `sender` and a non-empty string `message` (else 400);
- the text is cleaned and capped (`MAX_MESSAGE_CHARS`, default 2000) before it is stored or parsed;
- when `REST_CHANNEL_TOKEN` is set, requests need `Authorization: Bearer <token>` (else 401); the production
  configuration refuses to start without it (ops/stack.py);
- the conversation is `rest:<HMAC of the sender>` (channels/identity.py): a REST caller who knows a phone number
  cannot reach that number's SMS conversation, nor any other channel's;
- the reply returns after `REST_REPLY_DEADLINE_SECONDS` (default 10) with what the bot has said so far (the
  999 guidance is a response sent before any custom action), while the turn finishes in the background.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.rest import RestInput
from sanic import Blueprint

from channels.common import OnNewMessage
from channels.identity import keyed_turns
from channels.webhook import GuardedWebhook
from ops.settings import Settings


class GuardedRestInput(GuardedWebhook, RestInput):
    """REST webhook at /webhooks/rest/webhook that refuses bad input instead of mishandling it."""

    @classmethod
    def name(cls) -> Text:
        """Keeps Rasa's URL: /webhooks/rest/webhook."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Settings come from the environment (ops/settings.py), so the bot runs with no secrets configured."""
        settings = Settings.load()
        return cls(
            token=settings.rest_channel_token or None,
            max_chars=settings.max_message_chars,
            reply_deadline=settings.rest_reply_deadline_seconds,
        )

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's REST routes behind the checks, every sender keyed on this channel."""
        return super().blueprint(keyed_turns(self.name(), on_new_message))
