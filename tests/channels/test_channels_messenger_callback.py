"""Messenger (signed webhook events) and the callback channel over real HTTP, replies caught by the stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.request
from typing import Any, Dict, List

from ops.client import post
from tests.bot import Bot
from tests.channels.conftest import SECRETS, chat_id
from tests.channels.provider import Provider

NOTICE = "This chat stays on your phone"


def send_event(bot: Bot, user: int, text: str, secret: str = SECRETS["FACEBOOK_SECRET"], header: str = "256") -> int:
    event = {
        "object": "page",
        "entry": [
            {
                "id": "page",
                "time": 1700000000000,
                "messaging": [
                    {
                        "sender": {"id": str(user)},
                        "recipient": {"id": "page"},
                        "timestamp": 1700000000000,
                        "message": {"mid": f"m_{user}", "text": text},
                    }
                ],
            }
        ],
    }
    body = json.dumps(event).encode()
    digest = hashlib.sha256 if header == "256" else hashlib.sha1
    signature = f"{digest().name}=" + hmac.new(secret.encode(), body, digest).hexdigest()
    name = "X-Hub-Signature-256" if header == "256" else "X-Hub-Signature"
    status, _, _ = post(f"{bot.url}/webhooks/facebook/webhook", body, {"Content-Type": "application/json", name: signature})
    return status


def messages_to(provider: Provider, user: int) -> List[Dict[str, Any]]:
    return [
        call["fields"]["message"]
        for call in provider.sent("/graph/me/messages")
        if call["fields"]["recipient"]["id"] == str(user) and "message" in call["fields"]
    ]


def test_messenger_answer_then_notice_once(channel_bot: Bot, provider: Provider) -> None:
    user = chat_id(501)
    assert send_event(channel_bot, user, "how do I report domestic abuse") == 200
    first = [message["text"] for message in messages_to(provider, user)]
    assert "101" in first[0] and sum(NOTICE in text for text in first) == 1 and "Messenger" in first[-1]
    actions = [
        call["fields"].get("sender_action")
        for call in provider.sent("/graph/me/messages")
        if call["fields"]["recipient"]["id"] == str(user)
    ]
    assert "typing_on" in actions and "typing_off" in actions
    assert send_event(channel_bot, user, "thanks", header="1") == 200
    later = [message["text"] for message in messages_to(provider, user)][len(first) :]
    assert later and not any(NOTICE in text for text in later)


def test_messenger_escalation_is_plain_text(channel_bot: Bot, provider: Provider) -> None:
    user = chat_id(502)
    assert send_event(channel_bot, user, "he's got a knife") == 200
    sent = messages_to(provider, user)
    assert "999" in sent[0]["text"]
    assert all(set(message) <= {"text", "quick_replies"} for message in sent)
    assert not any("escalation" in json.dumps(message) for message in sent)


def test_messenger_buttons_are_numbered_quick_replies(channel_bot: Bot, provider: Provider) -> None:
    user = chat_id(503)
    assert send_event(channel_bot, user, "/nlu_fallback") == 200
    offer = messages_to(provider, user)[0]
    assert "2. Leaving home" in offer["text"]
    assert [reply["title"] for reply in offer["quick_replies"]] == ["1", "2", "3", "4", "5"]  # utter_default's topics
    assert offer["quick_replies"][0]["payload"] == "/how_to_report"


def test_messenger_bad_signature_is_refused(channel_bot: Bot, provider: Provider) -> None:
    user = chat_id(504)
    assert send_event(channel_bot, user, "how do I report domestic abuse", secret="not-the-secret") == 403
    status, _, _ = post(
        f"{channel_bot.url}/webhooks/facebook/webhook", b'{"object": "page", "entry": []}', {"Content-Type": "application/json"}
    )
    assert status == 403 and messages_to(provider, user) == []


def test_messenger_verification_handshake(channel_bot: Bot) -> None:
    url = f"{channel_bot.url}/webhooks/facebook/webhook?hub.mode=subscribe&hub.challenge=42&hub.verify_token="
    with urllib.request.urlopen(url + SECRETS["FACEBOOK_VERIFY"], timeout=10) as reply:
        assert reply.read() == b"42"
    try:
        urllib.request.urlopen(url + "wrong", timeout=10)
        raise AssertionError("a wrong verify token was accepted")
    except urllib.error.HTTPError as error:
        assert error.code == 403


def test_callback_posts_replies_to_the_receiver(channel_bot: Bot, provider: Provider) -> None:
    sender = f"force-system-{chat_id(601)}"
    for text in ("how do I report domestic abuse", "he's got a knife"):
        status, _, body = post(
            f"{channel_bot.url}/webhooks/callback/webhook",
            json.dumps({"sender": sender, "message": text}).encode(),
            {"Content-Type": "application/json"},
        )
        assert (status, body) == (200, b"success")
    replies = provider.wait_for("/callback", 3, recipient_id=sender)
    assert "101" in replies[0]["fields"]["text"]
    assert any((reply["fields"].get("custom") or {}).get("escalation") for reply in replies)
    assert not any(NOTICE in (reply["fields"].get("text") or "") for reply in replies)
    status, _, _ = post(f"{channel_bot.url}/webhooks/callback/webhook", b'{"sender": "x"}', {"Content-Type": "application/json"})
    assert status == 400
