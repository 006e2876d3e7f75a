"""Telegram over real HTTP: Update JSON in, Bot API calls out to the stand-in."""

from __future__ import annotations

import json
from typing import List

from ops.client import post
from tests.bot import Bot
from tests.channels.conftest import SECRETS, chat_id
from tests.channels.provider import Provider

NOTICE = "This chat stays on your phone"


def send_update(bot: Bot, chat_id: int, text: str, secret: str = SECRETS["TELEGRAM_SECRET_TOKEN"]) -> int:
    update = {
        "update_id": chat_id,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "text": text,
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "A"},
        },
    }
    status, _, _ = post(
        f"{bot.url}/webhooks/telegram/webhook",
        json.dumps(update).encode(),
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret},
    )
    return status


def texts_to(provider: Provider, chat_id: int) -> List[str]:
    return [
        call["fields"]["text"]
        for call in provider.sent("/telegram/", chat_id=str(chat_id))
        if call["path"].endswith("/sendMessage")
    ]


def test_webhook_is_set_with_the_secret_token(channel_bot: Bot, provider: Provider) -> None:
    calls = provider.wait_for("/telegram/bot123456:test-token/setWebhook", 1)
    assert calls[0]["fields"]["secret_token"] == SECRETS["TELEGRAM_SECRET_TOKEN"]
    assert calls[0]["fields"]["url"] == SECRETS["TELEGRAM_WEBHOOK_URL"]


def test_answer_then_notice_once(channel_bot: Bot, provider: Provider) -> None:
    assert send_update(channel_bot, chat_id(1), "how do I report domestic abuse") == 200
    first = texts_to(provider, chat_id(1))
    assert "101" in first[0] and "999" in " ".join(first)
    assert sum(NOTICE in text for text in first) == 1 and "Telegram" in first[-1], first
    assert send_update(channel_bot, chat_id(1), "thanks") == 200
    later = texts_to(provider, chat_id(1))[len(first) :]
    assert later and not any(NOTICE in text for text in later)


def test_escalation_is_plain_text_first(channel_bot: Bot, provider: Provider) -> None:
    assert send_update(channel_bot, chat_id(2), "he's got a knife") == 200
    sent = texts_to(provider, chat_id(2))
    assert "999" in sent[0]
    assert not any("escalation" in text or "{" in text for text in sent)
    assert sum(NOTICE in text for text in sent) == 1


def test_wrong_secret_token_is_refused(channel_bot: Bot, provider: Provider) -> None:
    assert send_update(channel_bot, chat_id(3), "how do I report domestic abuse", secret="guess") == 403
    assert send_update(channel_bot, chat_id(3), "how do I report domestic abuse", secret="") == 403
    assert texts_to(provider, chat_id(3)) == []


def test_inline_button_press_reaches_the_bot(channel_bot: Bot, provider: Provider) -> None:
    assert send_update(channel_bot, chat_id(4), "/nlu_fallback") == 200
    keyboard = json.loads(provider.sent("/telegram/", chat_id=str(chat_id(4)))[0]["fields"]["reply_markup"])["inline_keyboard"]
    assert [row[0]["callback_data"] for row in keyboard][0] == "/how_to_report"
    press = {
        "update_id": 1,
        "callback_query": {
            "id": "cb1",
            "chat_instance": "c",
            "data": "/how_to_report",
            "from": {"id": chat_id(4), "is_bot": False, "first_name": "A"},
            "message": {"message_id": 2, "date": 0, "chat": {"id": chat_id(4), "type": "private"}, "text": "Sorry"},
        },
    }
    status, _, _ = post(
        f"{channel_bot.url}/webhooks/telegram/webhook",
        json.dumps(press).encode(),
        {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRETS["TELEGRAM_SECRET_TOKEN"]},
    )
    assert status == 200
    assert provider.sent("/telegram/", callback_query_id="cb1")
    assert "101" in texts_to(provider, chat_id(4))[-1]
