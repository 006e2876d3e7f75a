"""Twilio SMS and WhatsApp over real HTTP: signed form posts in, Messages API calls out to the stand-in."""

from __future__ import annotations

import urllib.parse
from typing import List

from twilio.request_validator import RequestValidator

from channels.sms import fits
from ops.client import post
from tests.bot import Bot
from tests.channels.conftest import SECRETS, phone
from tests.channels.provider import Provider

NOTICE = "This chat stays on your phone"


def send_sms(bot: Bot, sender: str, text: str, channel: str = "twilio", token: str = SECRETS["TWILIO_AUTH_TOKEN"]) -> int:
    url = f"{bot.url}/webhooks/{channel}/webhook"
    to = SECRETS["TWILIO_NUMBER"] if channel == "twilio" else SECRETS["TWILIO_WHATSAPP_NUMBER"]
    fields = {
        "MessageSid": "SM" + "2" * 32,
        "AccountSid": SECRETS["TWILIO_ACCOUNT_SID"],
        "From": sender,
        "To": to,
        "Body": text,
        "NumMedia": "0",
    }
    signature = RequestValidator(token).compute_signature(url, fields)
    status, _, _ = post(
        url,
        urllib.parse.urlencode(fields).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
    )
    return status


def bodies_to(provider: Provider, number: str) -> List[str]:
    return [call["fields"]["Body"] for call in provider.sent("/twilio/", To=number)]


def test_sms_answer_then_notice_once(channel_bot: Bot, provider: Provider) -> None:
    assert send_sms(channel_bot, phone(101), "how do I report domestic abuse") == 204
    first = bodies_to(provider, phone(101))
    assert "101" in first[0] and all(fits(body, 3) for body in first)
    assert [NOTICE in body for body in first].count(True) == 1 and "Messages app" in first[-1]
    assert {call["fields"]["From"] for call in provider.sent("/twilio/", To=phone(101))} == {SECRETS["TWILIO_NUMBER"]}
    assert send_sms(channel_bot, phone(101), "thank you") == 204
    later = bodies_to(provider, phone(101))[len(first) :]
    assert later and not any(NOTICE in body for body in later)


def test_sms_escalation_is_plain_text_first(channel_bot: Bot, provider: Provider) -> None:
    assert send_sms(channel_bot, phone(102), "he's got a knife") == 204
    sent = bodies_to(provider, phone(102))
    assert "999" in sent[0] and "55" in sent[0]
    assert not any("escalation" in body or "{" in body for body in sent)


def test_sms_buttons_become_numbers_the_user_can_answer(channel_bot: Bot, provider: Provider) -> None:
    assert send_sms(channel_bot, phone(103), "/nlu_fallback") == 204
    offer = bodies_to(provider, phone(103))[0]
    assert "1. How to report" in offer and "4. Support services" in offer and fits(offer, 3)
    assert send_sms(channel_bot, phone(103), "1") == 204
    assert "18001 101" in bodies_to(provider, phone(103))[-1]


def test_sms_bad_signature_is_refused(channel_bot: Bot, provider: Provider) -> None:
    assert send_sms(channel_bot, phone(104), "how do I report domestic abuse", token="wrong-token") == 403
    assert bodies_to(provider, phone(104)) == []


def test_whatsapp_answer_from_the_whatsapp_number(channel_bot: Bot, provider: Provider) -> None:
    user = f"whatsapp:{phone(105)}"
    assert send_sms(channel_bot, user, "how do I report domestic abuse", channel="whatsapp") == 204
    sent = provider.sent("/twilio/", To=user)
    assert "101" in sent[0]["fields"]["Body"] and "WhatsApp" in sent[-1]["fields"]["Body"]
    assert {call["fields"]["From"] for call in sent} == {SECRETS["TWILIO_WHATSAPP_NUMBER"]}
    assert send_sms(channel_bot, user, "he's got a knife", channel="whatsapp", token="wrong") == 403


def test_whatsapp_escalation_has_no_raw_json(channel_bot: Bot, provider: Provider) -> None:
    user = f"whatsapp:{phone(106)}"
    assert send_sms(channel_bot, user, "he's got a knife", channel="whatsapp") == 204
    sent = bodies_to(provider, user)
    assert "999" in sent[0] and not any("escalation" in body or "{" in body for body in sent)


def test_sms_notice_keeps_a_deaf_users_routes(channel_bot: Bot, provider: Provider) -> None:
    # The notice is domain.yml's utter_privacy_notice_sms, tailored to the slots the first turn set.
    assert send_sms(channel_bot, phone(107), "I'm deaf, how do I report domestic abuse") == 204
    notice = bodies_to(provider, phone(107))[-1]
    assert NOTICE in notice and "Messages app" in notice and "18000" in notice and "call 999" not in notice
