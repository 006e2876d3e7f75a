"""The danger tiers over REST: the "are you in danger right now?" check, and text routes for deaf users in danger."""

from __future__ import annotations

import json
import uuid
from typing import Any, Dict, List, Optional

import pytest

from evaluation.danger import outcome_of
from tests.bot import Bot, texts

# What the gate sends on for a message between the two thresholds: a danger intent with the check entity.
UNSURE = "/immediate_danger" + json.dumps({"danger_check": "check"})


def new_sender() -> str:
    return f"test-{uuid.uuid4()}"


def kinds(reply: List[Dict[str, Any]]) -> List[Optional[str]]:
    return [(m.get("custom") or {}).get("kind") for m in reply if (m.get("custom") or {}).get("escalation")]


def test_an_unsure_message_gets_one_line_of_999_and_the_question(bot: Bot) -> None:
    reply = bot.send(new_sender(), UNSURE)
    assert kinds(reply) == ["check"] and outcome_of(reply) == "check"
    assert "999" in texts(reply) and "Are you in danger right now?" in texts(reply)
    buttons = [b["title"] for m in reply for b in m.get("buttons", [])]
    assert buttons == ["Yes", "No, not right now"]


@pytest.mark.parametrize("answer", ["Yes", "/affirm", "yes i am"])
def test_yes_to_the_check_escalates_in_full(bot: Bot, answer: str) -> None:
    sender = new_sender()
    bot.send(sender, UNSURE)
    reply = bot.send(sender, answer)
    assert kinds(reply) == ["self"] and "call 999 now" in texts(reply)


def test_a_danger_reply_to_the_check_escalates(bot: Bot) -> None:
    sender = new_sender()
    bot.send(sender, UNSURE)
    assert outcome_of(bot.send(sender, "he's got a knife")) == "escalate"


def test_no_to_the_check_goes_on_with_999_named(bot: Bot) -> None:
    sender = new_sender()
    bot.send(sender, UNSURE)
    reply = bot.send(sender, "/deny")
    assert not kinds(reply) and "999" in texts(reply)


def test_a_deaf_user_in_danger_gets_text_routes_in_one_message(bot: Bot) -> None:
    reply = bot.send(new_sender(), "DEAF ME. MAN HOUSE NOW. ANGRY. HIT. POLICE")
    assert outcome_of(reply) == "escalate" and "18000" in texts(reply) and "text 999" in texts(reply)


def test_a_deaf_user_in_danger_gets_text_routes_when_deaf_comes_first(bot: Bot) -> None:
    sender = new_sender()
    bot.send(sender, "I'm deaf")
    reply = bot.send(sender, "he is hitting me now")
    assert outcome_of(reply) == "escalate" and "18000" in texts(reply) and "text 999" in texts(reply)


def test_a_deaf_user_in_danger_gets_text_routes_when_danger_comes_first(bot: Bot) -> None:
    """The banner is already up from the first message; the emergency's next step gives the text routes."""
    sender = new_sender()
    assert outcome_of(bot.send(sender, "he is hitting me now")) == "escalate"
    reply = bot.send(sender, "I'm deaf")
    assert "18000" in texts(reply) and "text 999" in texts(reply)


@pytest.mark.parametrize(
    "text",
    [
        "is this an emergency line or just for advice",
        "Explain my rights to me",
        "he's gone now and I'm safe, he's going to court tomorrow",
        "the postman is at the door",
        "can't talk right now, at work",
        "he is going to pick the kids up at 3",
    ],
)
def test_look_alikes_named_in_the_issue_do_not_escalate(bot: Bot, text: str) -> None:
    assert outcome_of(bot.send(new_sender(), text)) is None
