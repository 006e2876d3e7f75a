"""Reply shaping and configuration of the messaging channels; a server with no channel configured still starts."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Optional

import pytest
import yaml
from rasa.core.run import create_http_input_channels
from rasa.shared.core.domain import Domain

from channels.common import (
    PhoneOutput,
    button_payload,
    domain_response,
    first_reply_due,
    last_bot_buttons,
    numbered_options,
    spell_out_links,
)
from channels.messenger import MessengerPhoneOutput
from channels.sms import TwilioSmsInput, TwilioWhatsAppInput, fits, sms_length, split_sms
from channels.telegram_bot import TelegramPhoneOutput
from ops.client import post
from tests.bot import start_bot
from tests.channels.conftest import SECRETS

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
BUTTONS = [{"title": "How to report", "payload": "/how_to_report"}, {"title": "Leaving home", "payload": "/leave_home"}]


def test_numbered_options_map_back_to_payloads() -> None:
    assert numbered_options("Pick one.", BUTTONS).endswith("Reply with a number:\n1. How to report\n2. Leaving home")
    events = [
        {"event": "user", "text": "?"},
        {"event": "bot", "text": "Pick", "data": {"buttons": BUTTONS}},
        {"event": "action", "name": "action_listen"},
    ]
    assert last_bot_buttons(events) == BUTTONS
    assert button_payload(" 2. ", BUTTONS) == "/leave_home"
    assert button_payload("3", BUTTONS) == "3" and button_payload("he's got a knife", BUTTONS) == "he's got a knife"
    assert last_bot_buttons(events + [{"event": "user", "text": "x"}]) == []


def test_first_reply_counts_from_the_session_start() -> None:
    assert first_reply_due([])
    assert not first_reply_due([{"event": "session_started"}, {"event": "bot", "text": "hi"}, {"event": "user"}])
    assert first_reply_due([{"event": "bot", "text": "hi"}, {"event": "session_started"}, {"event": "user"}])


def test_links_are_spelled_out() -> None:
    assert spell_out_links("See [our advice](https://example.org/a) now.") == "See our advice: https://example.org/a now."


def test_sms_bodies_stay_within_three_segments() -> None:
    assert sms_length("a’b") == (3, 67) and sms_length("a'b{") == (5, 153)
    long = " ".join(f"Sentence number {n} says what to do next, call 101 or in danger 999." for n in range(20))
    bodies = split_sms(long)
    assert len(bodies) == 4 and all(fits(body, 3) for body in bodies) and " ".join(bodies) == long
    assert split_sms("He’s safe – call 101…") == ["He's safe - call 101..."]


def test_unconfigured_channels_stay_off_and_say_so_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in [*SECRETS, "CALLBACK_URL"]:
        monkeypatch.delenv(name, raising=False)
    with caplog.at_level(logging.INFO, logger="channels.common"):
        channels = create_http_input_channels(None, str(ROOT / "credentials.yml"))
    assert [channel.name() for channel in channels] == [
        "rest",
        "health",
        "socketio",
        "telegram",
        "facebook",
        "twilio",
        "whatsapp",
        "callback",
    ]
    off = [record.getMessage() for record in caplog.records if "channel is off" in record.getMessage()]
    assert len(off) == 5 and any("TELEGRAM_TOKEN" in line for line in off)


def test_server_without_channel_settings_starts_and_answers_503(tmp_path: Path) -> None:
    empty = {name: "" for name in [*SECRETS, "CALLBACK_URL"]}
    bot = start_bot(tmp_path, ["rasa"], **empty)
    try:
        for name in ("telegram", "facebook", "twilio", "whatsapp", "callback"):
            status, _, body = post(f"{bot.url}/webhooks/{name}/webhook", b"{}", {"Content-Type": "application/json"})
            assert (status, b"not configured" in body) == (503, True), name
    finally:
        bot.stop()


def app_with(domain: Optional[Domain], ready: bool = True) -> Any:
    """A stand-in for the Sanic app: `app.ctx.agent.domain`, as rasa.core.run and rasa.server set it."""
    agent = SimpleNamespace(domain=domain, is_ready=lambda: ready) if domain is not None else None
    return SimpleNamespace(ctx=SimpleNamespace(agent=agent))


def test_every_phone_channel_names_a_notice_in_the_domain() -> None:
    notices = [TwilioSmsInput.notice, TwilioWhatsAppInput.notice, TelegramPhoneOutput.notice, MessengerPhoneOutput.notice]
    assert len(set(notices)) == 4 and all(name in RESPONSES for name in notices), notices
    assert all(issubclass(output, PhoneOutput) for output in (TelegramPhoneOutput, MessengerPhoneOutput))


def test_domain_response_falls_back_to_domain_yml_before_a_model_is_loaded() -> None:
    plain = RESPONSES["utter_privacy_notice_sms"][-1]["text"]
    assert domain_response(None, "utter_privacy_notice_sms") == plain
    assert domain_response(app_with(None), "utter_privacy_notice_sms") == plain
    not_ready = app_with(Domain.from_dict({"responses": {"utter_privacy_notice_sms": [{"text": "model"}]}}), ready=False)
    assert domain_response(not_ready, "utter_privacy_notice_sms") == plain
    deaf = domain_response(None, "utter_privacy_notice_sms", slots={"communication_need": "deaf"})
    assert "18000" in deaf and deaf != plain


def test_domain_response_reads_the_loaded_model_first() -> None:
    loaded = Domain.from_dict(
        {
            "slots": {"force_name": {"type": "text", "initial_value": "Test Force", "mappings": [{"type": "custom"}]}},
            "responses": {"utter_x": [{"text": "plain {force_name}"}, {"text": "on SMS", "channel": "twilio"}]},
        }
    )
    assert domain_response(app_with(loaded), "utter_x") == "plain Test Force"
    assert domain_response(app_with(loaded), "utter_x", channel="twilio") == "on SMS"
    assert domain_response(app_with(loaded), "utter_x", slots={"force_name": "Other"}) == "plain Other"
    # A model trained before a response was added still gets it, from domain.yml.
    assert "WhatsApp" in domain_response(app_with(loaded), "utter_privacy_notice_whatsapp")


def test_domain_response_never_answers_with_nothing() -> None:
    with pytest.raises(KeyError):
        domain_response(None, "utter_no_such_response")
    blank = Domain.from_dict({"responses": {"utter_privacy_notice_sms": [{"text": " "}]}})
    assert "Messages app" in domain_response(app_with(blank), "utter_privacy_notice_sms")
