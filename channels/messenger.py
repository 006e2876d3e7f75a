"""Facebook Messenger: Rasa's connector with a strict signature check, a configurable Graph API URL, plain replies.

Rasa's connector answers 200 to a badly signed request, checks only the SHA-1 `X-Hub-Signature`, handles only
the first event of a batch, logs unhandled messages with their text, and uses fbmessenger's Graph API v2.12.
Here `X-Hub-Signature-256` (or the SHA-1 one) must match the app secret (else 403), every event of a batch is
handled, and the Graph API URL comes from FACEBOOK_GRAPH_URL. Buttons become numbered options with number
quick replies (Messenger shows at most 3 template buttons of 20 characters).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any, Dict, Optional, Text

from fbmessenger import MessengerClient
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import OnNewMessage, PhoneOutput, handle_phone_message, inert_blueprint, settings
from channels.identity import Addressed, keyed

logger = logging.getLogger(__name__)

GRAPH_URL = "https://graph.facebook.com/v19.0"


def valid_signature(secret: str, body: bytes, headers: Any) -> bool:
    """Whether X-Hub-Signature-256 (or, failing that, X-Hub-Signature) is the HMAC of the body with the app secret."""
    for header, digest in (("X-Hub-Signature-256", hashlib.sha256), ("X-Hub-Signature", hashlib.sha1)):
        supplied = headers.get(header)
        if supplied:
            expected = f"{digest().name}=" + hmac.new(secret.encode(), body, digest).hexdigest()
            return hmac.compare_digest(supplied.encode(), expected.encode())
    return False


class MessengerPhoneOutput(Addressed, PhoneOutput, MessengerBot):
    """Sends through the Graph API; buttons as numbered options plus number quick replies."""

    notice = "utter_privacy_notice_messenger"  # in domain.yml

    def shape(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """Numbered options in the text, and quick replies "1", "2"... carrying the buttons' payloads."""
        buttons = message.get("buttons") or message.get("quick_replies") or []
        shaped = super().shape(message)
        if buttons and len(buttons) <= 13:
            shaped["quick_replies"] = [
                {"title": str(number), "payload": button.get("payload") or str(number), "content_type": "text"}
                for number, button in enumerate(buttons, 1)
            ]
        return shaped


class PhoneMessenger(Messenger):
    """Turns each event of a Messenger webhook call into a user message."""

    def __init__(self, client: MessengerClient, request: Request, on_new_message: OnNewMessage) -> None:
        self.client = client
        self.request = request
        self.on_new_message = on_new_message
        self.last_message: Dict[Text, Any] = {}

    async def handle(self, payload: Dict, metadata: Optional[Dict[Text, Any]]) -> None:
        """Handles every text message, quick reply and postback of the batch; ignores echoes and attachments."""
        for entry in payload.get("entry") or []:
            for event in entry.get("messaging") or []:
                self.last_message = event
                if self._is_quick_reply_message(event):
                    await self._handle_user_message(event["message"]["quick_reply"]["payload"], self.get_user_id(), metadata)
                elif self._is_user_message(event):
                    await self._handle_user_message(event["message"]["text"], self.get_user_id(), metadata)
                elif (event.get("postback") or {}).get("payload"):
                    await self._handle_user_message(event["postback"]["payload"], self.get_user_id(), metadata)

    async def _handle_user_message(self, text: Text, sender_id: Text, metadata: Optional[Dict[Text, Any]]) -> None:
        """Passes the text on to the bot, showing 'typing' meanwhile."""
        out_channel = MessengerPhoneOutput(self.client)
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            message = UserMessage(text, out_channel, sender_id, input_channel="facebook", metadata=metadata)
            await keyed(
                "facebook", message, lambda keyed_message: handle_phone_message(self.request, keyed_message, self.on_new_message)
            )
        except Exception:
            logger.exception("A Messenger message could not be handled.")
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


class GuardedFacebookInput(FacebookInput):
    """Messenger webhook at /webhooks/facebook/webhook (FACEBOOK_VERIFY, FACEBOOK_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN)."""

    @classmethod
    def name(cls) -> Text:
        """The webhook path: /webhooks/facebook/webhook."""
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Reads the environment; without it the channel stays off."""
        found = settings(
            cls.name(), ["FACEBOOK_VERIFY", "FACEBOOK_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN"], {"FACEBOOK_GRAPH_URL": GRAPH_URL}
        )
        if not found:
            return cls("", "", "", GRAPH_URL)
        return cls(
            found["FACEBOOK_VERIFY"], found["FACEBOOK_SECRET"], found["FACEBOOK_PAGE_ACCESS_TOKEN"], found["FACEBOOK_GRAPH_URL"]
        )

    def __init__(self, fb_verify: Text, fb_secret: Text, fb_access_token: Text, graph_url: Text) -> None:
        super().__init__(fb_verify, fb_secret, fb_access_token)
        self.graph_url = graph_url.rstrip("/")

    def client(self) -> MessengerClient:
        """fbmessenger's client pointed at FACEBOOK_GRAPH_URL."""
        client = MessengerClient(self.fb_access_token)
        client.graph_url = self.graph_url
        return client

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """GET /webhook: Meta's verification; POST /webhook: signed events."""
        if not self.fb_secret:
            return inert_blueprint(self.name())
        webhook = Blueprint("fb_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> HTTPResponse:
            supplied = request.args.get("hub.verify_token") or ""
            if hmac.compare_digest(supplied.encode(), self.fb_verify.encode()):
                return response.text(request.args.get("hub.challenge") or "")
            return response.text("invalid verify token", status=403)

        @webhook.route("/webhook", methods=["POST"])
        async def events(request: Request) -> HTTPResponse:
            if not valid_signature(self.fb_secret, request.body or b"", request.headers):
                logger.warning("Refused a Messenger request without a valid X-Hub-Signature.")
                return response.text("invalid signature", status=403)
            try:
                payload = request.json
            except Exception:  # noqa: BLE001 - sanic raises its own error type for bad JSON
                return response.text("not JSON", status=400)
            if isinstance(payload, dict):
                await PhoneMessenger(self.client(), request, on_new_message).handle(payload, self.get_metadata(request))
            return response.text("success")

        return webhook

    def get_output_channel(self) -> Optional[MessengerBot]:
        """Sends through the Graph API at FACEBOOK_GRAPH_URL."""
        return MessengerPhoneOutput(self.client()) if self.fb_secret else None
