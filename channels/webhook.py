"""What the JSON webhooks (REST, callback) share: a UTF-8 JSON body with a sender and a message, the optional bearer
token, the length cap, the rate limit, the reply deadline, and a status that says what became of the message:
- 200: its turn finished, the message is stored;
- 202: the bot answered (the 999 guidance) and the turn still runs its action; it stores the message unless it fails;
- 503 with Retry-After: the turn failed or said nothing within LAST_RESORT_SECONDS, so the message may not be
  stored; the body is still the last-resort reply, so the person reads the 999 line, and the sender tries again
  (a retry of a turn that did finish later shows as the message twice: never lost, at worst repeated).
"""

from __future__ import annotations

import hmac
import json
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import edge
from channels.common import answer
from components.normalise import DEFAULT_MAX_CHARS, clean

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


WEBHOOK_REQUEST: ContextVar[Request] = ContextVar("webhook_request")  # the request whose turn runs (GuardedWebhook)


class GuardedWebhook(InputChannel):
    """The checks of a JSON webhook ({"sender", "message"}), mixed in before Rasa's REST or callback input, and the
    status of its outcome (see above)."""

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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """The channel's Rasa routes, behind the checks above: every POST goes through them, whatever its path,
        then the rate limit; the turn runs behind the check at the edge (channels/edge.py)."""
        server: List[Sanic] = []

        async def handle(message: UserMessage) -> None:
            WEBHOOK_REQUEST.get().ctx.outcome = await answer(server[0], message, on_new_message, self.reply_deadline)

        webhook = super().blueprint(handle)
        edge.server_of(webhook, server)

        @webhook.middleware("request")
        async def guard(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":  # the handlers' one method, whatever the path
                return None
            WEBHOOK_REQUEST.set(request)
            client = edge.client_address(request.ip, request.headers.get("x-forwarded-for"))
            refusal = self._refusal(request)
            if not refusal and await edge.limited(request.app, "web", client, request.json["message"]):
                return response.json({"error": "Too many messages: wait a moment and send it again."}, status=429)
            return refusal

        @webhook.middleware("response")
        async def report_outcome(request: Request, reply: HTTPResponse) -> None:
            outcome = getattr(request.ctx, "outcome", edge.Outcome.STORED)
            if reply.status == 200 and outcome is not edge.Outcome.STORED:
                reply.status = outcome.value
                if outcome is edge.Outcome.UNCONFIRMED:
                    reply.headers["Retry-After"] = "1"

        return webhook
