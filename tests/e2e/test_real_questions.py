"""Issue 16 over REST against the real bot: the questions that got the wrong answer, long messages, the two needs."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from tests.bot import Bot, escalated, texts

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
SLOTS = {
    "force_name": "Derbyshire Constabulary",
    "force_area": "Derbyshire",
    "force_advice_url": "www.derbyshire.police.uk/advice/advice-and-information/daa/domestic-abuse/",
}
Reply = List[Dict[str, Any]]
LONG_NO_MONEY = (
    "I want to leave him but I have no money of my own, he controls the bank account and the car, and my family "
    "live miles away. I just don't see how I can get out. What can I do?"
)


def variants(name: str) -> List[str]:
    return [re.sub(r"\{(\w+)\}", lambda m: SLOTS[m.group(1)], v["text"]) for v in RESPONSES[name]]


def first_text(reply: Reply) -> str:
    return next((m["text"] for m in reply if m.get("text")), "")


def buttons(reply: Reply) -> List[str]:
    return [b["payload"] for m in reply for b in m.get("buttons") or []]


@pytest.mark.parametrize(
    ("message", "response"),
    [
        ("What will happen if I call the police?", "utter_what_happens_report"),
        ("Who can go into a refuge?", "utter_refuge"),
        ("What can't I take with me to a refuge?", "utter_refuge"),
        ("Can you provide safety numbers?", "utter_find_support"),
        ("what is clare's law", "utter_clares_law"),
        ("I want to stop hurting my partner", "utter_own_behaviour"),
        ("explain my rights", "utter_my_rights"),
        ("what counts as domestic abuse", "utter_what_is_abuse"),
    ],
)
def test_the_issues_questions_get_their_answer(bot: Bot, message: str, response: str) -> None:
    reply = bot.send(f"q16-{uuid.uuid4()}", message)
    assert first_text(reply) in variants(response), reply
    assert first_text(reply) not in variants("utter_privacy")


def test_a_long_message_gets_the_best_answer_and_the_other_topics_as_buttons(bot: Bot) -> None:
    reply = bot.send(f"long-{uuid.uuid4()}", LONG_NO_MONEY)
    assert not escalated(reply)
    assert len([m for m in reply if m.get("text")]) == 1, reply  # one bubble: the answer, with the buttons
    answer = first_text(reply)
    assert not re.fullmatch(r"\S*www\.\S*", answer) and len(answer.split()) >= 15, answer
    assert len(buttons(reply)) >= 2, reply
    assert not any(answer in variants(name) for name in ("utter_privacy", "utter_default")), answer


def more_answers() -> List[str]:
    """Every variant of every "Tell me more" continuation."""
    return [text for name in RESPONSES if name.endswith("_more") for text in variants(name)]


def test_tell_me_more_continues_an_answer_given_with_other_topics(bot: Bot) -> None:
    """The options path itself, driven by a payload so no model guess decides whether it runs."""
    sender = f"more-{uuid.uuid4()}"
    reply = bot.send(sender, '/what_is_abuse{"other_topic": "find_support"}')
    assert "/tell_me_more" in buttons(reply) and len(buttons(reply)) >= 2, reply
    more = bot.send(sender, "/tell_me_more")
    assert first_text(more) in variants("utter_what_is_abuse_more"), more


def test_a_long_question_about_what_counts_gets_that_answer_and_more(bot: Bot) -> None:
    sender = f"more-{uuid.uuid4()}"
    reply = bot.send(
        sender,
        "My partner has never hit me but he checks my phone, takes my wages and tells me who I "
        "can see, and I keep wondering whether that counts as domestic abuse or if I'm overreacting",
    )
    assert "/tell_me_more" in buttons(reply), reply
    more = bot.send(sender, "/tell_me_more")
    assert first_text(more) in more_answers(), more


def test_cant_talk_now_gets_the_silent_solution_and_never_emergency_sms(bot: Bot) -> None:
    sender = f"talk-{uuid.uuid4()}"
    first = texts(bot.send(sender, "i cant talk, he'll hear me"))
    assert "55" in first and not re.search(r"REGISTER|emergencySMS", first), first
    later = texts(bot.send(sender, "how do i report abuse"))
    assert not re.search(r"REGISTER|emergencySMS|text 999", later), later


def test_a_deaf_user_keeps_the_text_routes(bot: Bot) -> None:
    sender = f"deaf-{uuid.uuid4()}"
    bot.send(sender, "I am deaf")
    later = texts(bot.send(sender, "how do i report abuse"))
    assert "18001 101" in later and ("REGISTER" in later or "text 999" in later), later
