"""Telegram: Rasa's connector with a secret-token check, the API server configurable, and no raw custom JSON.

Rasa's connector trusts any POST (it only checks that its own bot token works, by calling getMe on every
message) and sets the webhook with `asyncio.run` before the server starts. Here the webhook is set when the
server has started, with Telegram's `secret_token`, and requests without the matching
`X-Telegram-Bot-Api-Secret-Token` header are refused (403). Buttons stay Telegram's inline keyboard.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any, Dict, Optional, Text, Tuple

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import Update
from aiogram.utils.exceptions import TelegramAPIError
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.common import OnNewMessage, PhoneOutput, handle_phone_message, inert_blueprint, settings
from channels.identity import Addressed, keyed

logger = logging.getLogger(__name__)


class TelegramPhoneOutput(Addressed, PhoneOutput, TelegramOutput):
    """Telegram's Bot API client, pointed at TELEGRAM_API_URL; buttons as a vertical inline keyboard."""

    notice = "utter_privacy_notice_telegram"  # in domain.yml
    numbered_buttons = False

    def __init__(self, access_token: Text, api_url: Text) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))

    def shape(self, message: Dict[str, Any]) -> Dict[str, Any]:
        """One button a row, so long titles stay readable."""
        shaped = super().shape(message)
        if shaped.get("buttons"):
            shaped["button_type"] = "vertical"
        return shaped


def text_of(update: Update) -> Tuple[Optional[Any], Optional[str]]:
    """The chat message and the user's text (or button payload) of an update; (None, None) if there is none."""
    if update.callback_query:
        return update.callback_query.message, update.callback_query.data
    message = update.message or update.edited_message
    if message is None or message.text is None:
        return None, None
    return message, "hello" if message.text.strip() == "/start" else message.text


class GuardedTelegramInput(TelegramInput):
    """Telegram webhook at /webhooks/telegram/webhook (env: TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN)."""

    @classmethod
    def name(cls) -> Text:
        """The webhook path: /webhooks/telegram/webhook."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        """Reads the environment; without it the channel stays off."""
        found = settings(
            cls.name(),
            ["TELEGRAM_TOKEN", "TELEGRAM_SECRET_TOKEN"],
            {"TELEGRAM_API_URL": "https://api.telegram.org", "TELEGRAM_WEBHOOK_URL": ""},
        )
        if not found:
            return cls(None, None, None, "https://api.telegram.org")
        return cls(
            found["TELEGRAM_TOKEN"], found["TELEGRAM_SECRET_TOKEN"], found["TELEGRAM_WEBHOOK_URL"], found["TELEGRAM_API_URL"]
        )

    def __init__(
        self, access_token: Optional[Text], secret_token: Optional[Text], webhook_url: Optional[Text], api_url: Text
    ) -> None:
        super().__init__(access_token, None, webhook_url, debug_mode=False)
        self.secret_token = secret_token
        self.api_url = api_url

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """POST /webhook: a Telegram Update carrying the secret token header."""
        if not self.access_token:
            return inert_blueprint(self.name())
        webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()

        @webhook.listener("after_server_start")
        async def set_webhook(_: Sanic, __: Any) -> None:
            if self.webhook_url:
                try:
                    await out_channel.request("setWebhook", {"url": self.webhook_url, "secret_token": self.secret_token})
                    logger.info("Telegram webhook set.")
                except TelegramAPIError as error:
                    logger.error("Telegram refused the webhook: %s", error)

        @webhook.listener("before_server_stop")
        async def close_session(_: Sanic, __: Any) -> None:
            await out_channel.close()

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def message(request: Request) -> HTTPResponse:
            supplied = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
            if not hmac.compare_digest(supplied.encode(), (self.secret_token or "").encode()):
                logger.warning("Refused a Telegram request without the secret token.")
                return response.text("invalid secret token", status=403)
            try:
                update = Update(**request.json)
            except (TypeError, ValueError):
                return response.text("not a Telegram update", status=400)
            chat_message, text = text_of(update)
            if chat_message is not None and text:
                if update.callback_query:
                    await out_channel.answer_callback_query(update.callback_query.id)
                user_message = UserMessage(
                    text, out_channel, str(chat_message.chat.id), input_channel=self.name(), metadata=self.get_metadata(request)
                )
                await keyed(
                    self.name(), user_message, lambda keyed_message: handle_phone_message(request, keyed_message, on_new_message)
                )
            return response.text("success")

        return webhook

    def get_output_channel(self) -> Optional[TelegramOutput]:
        """The Bot API client; the webhook is set once the server runs (see blueprint), not here."""
        return TelegramPhoneOutput(self.access_token, self.api_url) if self.access_token else None
