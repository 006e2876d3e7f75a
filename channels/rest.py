"""Rasa's REST channel with input checks, an optional bearer token and a reply deadline.

Stock Rasa 3.6 puts every request without a `sender` into one shared "default" conversation, crashes on a body
that is not UTF-8, takes any length, and opens the webhook to anyone even with `--auth-token`. Here:
- the body must be a UTF-8 JSON object with a non-empty `sender` and a non-empty string `message` (else 400);
- the text is cleaned and capped (`MAX_MESSAGE_CHARS`, default 2000) before it is stored or parsed;
- when `REST_CHANNEL_TOKEN` is set, requests need `Authorization: Bearer <token>` (else 401);
- the reply returns after `REST_REPLY_DEADLINE_SECONDS` (default 10) with what the bot has said so far (the
  999 guidance is a response sent before any custom action), while the turn finishes in the background.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from components.normalise import DEFAULT_MAX_CHARS, clean, max_message_chars

logger = logging.getLogger(__name__)

MAX_SENDER_CHARS = 255  # the width of sender_id in Rasa's SQL tracker store


class InvalidRequestError(ValueError):
    """A webhook request that cannot be turned into a user message."""


def parse_body(body: bytes, max_chars: int) -> Dict[str, Any]:
    """Validates a webhook body and returns it with a cleaned `message` and a string `sender`."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidRequestError("The body must be a UTF-8 JSON object.") from error
    if not isinstance(payload, dict):
        raise InvalidRequestError("The body must be a JSON object.")
    sender, message = payload.get("sender"), payload.get("message")
    if not isinstance(sender, (str, int)) or isinstance(sender, bool) or not str(sender).strip():
        raise InvalidRequestError("'sender' must be a non-empty string identifying the conversation.")
    if len(str(sender)) > MAX_SENDER_CHARS:
        raise InvalidRequestError(f"'sender' must be at most {MAX_SENDER_CHARS} characters.")
    if not isinstance(message, str):
        raise InvalidRequestError("'message' must be a string.")
    # Lone surrogates survive json.loads but not a database: replace them before anything stores the text.
    text = clean(message.encode("utf-8", "replace").decode("utf-8"), max_chars)
    if not text:
        raise InvalidRequestError("'message' is empty.")
    return {**payload, "sender": str(sender), "message": text}


class GuardedRestInput(RestInput):
    """REST webhook at /webhooks/rest/webhook that refuses bad input instead of mishandling it."""

    @classmethod
    def name(cls) -> Text:
        """Keeps Rasa's URL: /webhooks/rest/webhook."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Settings come from the environment, so the bot runs with no secrets configured."""
        return cls(
            token=os.environ.get("REST_CHANNEL_TOKEN") or None,
            max_chars=max_message_chars(),
            reply_deadline=float(os.environ.get("REST_REPLY_DEADLINE_SECONDS", 10)),
        )

    def __init__(self, token: Optional[str] = None, max_chars: int = DEFAULT_MAX_CHARS, reply_deadline: float = 10) -> None:
        self.token = token
        self.max_chars = max_chars
        self.reply_deadline = reply_deadline

    def _refusal(self, request: Request) -> Optional[HTTPResponse]:
        """A 4xx response for a request that must not reach the bot, else None."""
        if self.token:
            supplied = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(supplied.encode(), self.token.encode()):
                return response.json({"error": "A valid bearer token is required."}, status=401)
        try:
            request.parsed_json = parse_body(request.body or b"", self.max_chars)
        except InvalidRequestError as error:
            return response.json({"error": str(error)}, status=400)
        return None

    def _with_deadline(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[None]]:
        """Wraps message handling so the HTTP reply never waits longer than the deadline."""

        async def handle(message: UserMessage) -> None:
            turn = asyncio.ensure_future(on_new_message(message))
            done, _ = await asyncio.wait({turn}, timeout=self.reply_deadline)
            if not done:
                logger.warning("A turn passed the %.0f s reply deadline; it finishes in the background.", self.reply_deadline)
                turn.add_done_callback(lambda finished: finished.cancelled() or finished.exception())
            else:
                turn.result()

        return handle

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST routes, behind the checks above."""
        webhook = super().blueprint(self._with_deadline(on_new_message))

        @webhook.middleware("request")
        async def guard(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and request.path.endswith("/webhook"):
                return self._refusal(request)
            return None

        return webhook
