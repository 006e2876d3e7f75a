"""Twilio SMS and WhatsApp (through Twilio): Rasa's Twilio connector with signature checks and plain-text replies.

Rasa's connector does not check `X-Twilio-Signature`, blocks the server while Twilio's client sends, and has one
blueprint name (so SMS and WhatsApp cannot both be on). Here each number has its own webhook, requests must be
signed with the auth token (else 403), replies are plain text, and an SMS reply is kept within three segments
where possible (longer answers go as several texts split between sentences).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator

from channels.common import OnNewMessage, PhoneOutput, handle_phone_message, inert_blueprint, settings
from channels.identity import Addressed, keyed

logger = logging.getLogger(__name__)

GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")
TO_GSM = str.maketrans(
    {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " "}
)
SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")


def sms_length(text: str) -> tuple[int, int]:
    """The text's length in SMS units and the units of one segment of a concatenated SMS (GSM-7 or UCS-2)."""
    if all(char in GSM_BASIC or char in GSM_EXTENDED for char in text):
        return sum(2 if char in GSM_EXTENDED else 1 for char in text), 153
    return len(text.encode("utf-16-le")) // 2, 67


def fits(text: str, segments: int) -> bool:
    """Whether the text goes in at most `segments` SMS segments."""
    units, per_segment = sms_length(text)
    single = 160 if per_segment == 153 else 70
    return units <= single or units <= per_segment * segments


def split_sms(text: str, segments: int = 3) -> List[str]:
    """The text as SMS bodies of at most `segments` segments each, split between paragraphs or sentences."""
    text = text.translate(TO_GSM).strip()
    pieces = (
        [piece for paragraph in text.split("\n\n") for piece in SENTENCE_END.split(paragraph)]
        if not fits(text, segments)
        else [text]
    )
    bodies: List[str] = []
    for piece in pieces:
        joined = f"{bodies[-1]} {piece}" if bodies else piece
        if bodies and fits(joined, segments):
            bodies[-1] = joined
        else:
            bodies.append(piece)
    return bodies


class TwilioPhoneOutput(Addressed, PhoneOutput, TwilioOutput):
    """Sends plain-text replies through Twilio's Messages API, off the event loop."""

    def __init__(
        self, account_sid: Text, auth_token: Text, number: Text, api_url: Text, notice: Text, max_segments: Optional[int]
    ) -> None:
        super().__init__(account_sid, auth_token, number)
        self.api.base_url = api_url
        self.notice = notice
        self.max_segments = max_segments

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        """Sends the text: on SMS in bodies of at most three segments, on WhatsApp one message a paragraph."""
        parts = split_sms(text, self.max_segments) if self.max_segments else text.strip().split("\n\n")
        for body in parts:
            try:
                await asyncio.to_thread(self.messages.create, to=recipient_id, from_=self.twilio_number, body=body)
            except TwilioRestException as error:
                logger.error("Twilio refused a message: %s %s", error.status, error.code)


class TwilioSmsInput(TwilioInput):
    """Twilio SMS webhook at /webhooks/twilio/webhook (env: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_NUMBER)."""

    number_variable = "TWILIO_NUMBER"
    notice = "utter_privacy_notice_sms"  # in domain.yml
    max_segments: Optional[int] = 3

    @classmethod
    def name(cls) -> Text:
        """The webhook path: /webhooks/twilio/webhook."""
        return "twilio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Reads the environment; without it the channel stays off."""
        found = settings(
            cls.name(),
            ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", cls.number_variable],
            {"TWILIO_API_URL": "https://api.twilio.com", "TWILIO_PUBLIC_URL": ""},
        )
        if not found:
            return cls(None, None, None, "", "")
        return cls(
            found["TWILIO_ACCOUNT_SID"],
            found["TWILIO_AUTH_TOKEN"],
            found[cls.number_variable],
            found["TWILIO_API_URL"],
            found["TWILIO_PUBLIC_URL"],
        )

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        api_url: Text,
        public_url: Text,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        self.api_url = api_url
        self.public_url = public_url.rstrip("/")

    def signed(self, request: Request) -> bool:
        """Whether X-Twilio-Signature matches the URL Twilio called and the form fields."""
        url = (
            f"{self.public_url}{request.path}" + (f"?{request.query_string}" if request.query_string else "")
            if self.public_url
            else request.url
        )
        params = {key: values[0] for key, values in request.form.items()}
        signature = request.headers.get("X-Twilio-Signature", "")
        return bool(signature) and RequestValidator(self.auth_token).validate(url, params, signature)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """POST /webhook: a signed Twilio form with From and Body."""
        if not self.auth_token:
            return inert_blueprint(self.name())
        webhook = Blueprint(f"{self.name()}_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            if not self.signed(request):
                logger.warning("Refused a %s request without a valid X-Twilio-Signature.", self.name())
                return response.text("invalid signature", status=403)
            sender, text = request.form.get("From"), request.form.get("Body")
            if sender and text:
                user_message = UserMessage(
                    text, self.get_output_channel(), sender, input_channel=self.name(), metadata=self.get_metadata(request)
                )
                await keyed(
                    self.name(), user_message, lambda keyed_message: handle_phone_message(request, keyed_message, on_new_message)
                )
            return response.text("", status=204)

        return webhook

    def get_output_channel(self) -> Optional[TwilioPhoneOutput]:
        """Twilio's client pointed at TWILIO_API_URL, with this number's notice and length limit."""
        if not self.auth_token:
            return None
        return TwilioPhoneOutput(
            self.account_sid, self.auth_token, self.twilio_number, self.api_url, self.notice, self.max_segments
        )


class TwilioWhatsAppInput(TwilioSmsInput):
    """WhatsApp through Twilio at /webhooks/whatsapp/webhook (TWILIO_WHATSAPP_NUMBER, e.g. whatsapp:+44...)."""

    number_variable = "TWILIO_WHATSAPP_NUMBER"
    notice = "utter_privacy_notice_whatsapp"
    max_segments = None

    @classmethod
    def name(cls) -> Text:
        """The webhook path: /webhooks/whatsapp/webhook."""
        return "whatsapp"
