"""The conversation after the first answer (issue 13), over REST against the real bot.

The conversations are in dialogue_cases.yml. Every reply is also held to the issue's general bars: no message over
45 words, the first bubble of a danger turn at most 35, at most one set of buttons per turn.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest
import yaml

from tests.bot import Bot, escalated, texts

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CASES = yaml.safe_load((HERE / "dialogue_cases.yml").read_text(encoding="utf-8"))["conversations"]
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
SLOTS = {"force_name": "Derbyshire Constabulary"}
BARE_101 = re.compile(r"(?<!18001 )\b101\b")
Reply = List[Dict[str, Any]]


def variants(name: str) -> List[str]:
    """Every text of a response, as the bot sends it."""
    return [re.sub(r"\{(\w+)\}", lambda m: SLOTS.get(m.group(1), m.group(0)), v["text"]) for v in RESPONSES[name]]


def bubbles(reply: Reply) -> List[str]:
    return [m["text"] for m in reply if m.get("text")]


def kinds(reply: Reply) -> List[str]:
    return [m["custom"].get("kind") for m in reply if (m.get("custom") or {}).get("escalation")]


def first_is(name: str) -> Callable[[Reply], bool]:
    return lambda reply: bool(bubbles(reply)) and bubbles(reply)[0] in variants(name)


def last_is(name: str) -> Callable[[Reply], bool]:
    return lambda reply: bool(bubbles(reply)) and bubbles(reply)[-1] in variants(name)


def has(name: str) -> Callable[[Reply], bool]:
    return lambda reply: any(b in variants(name) for b in bubbles(reply))


def only(name: str) -> Callable[[Reply], bool]:
    return lambda reply: len(bubbles(reply)) == 1 and bubbles(reply)[0] in variants(name)


CHECKS: Dict[str, Callable[[Reply], bool]] = {
    "full_guidance_self": lambda r: first_is("utter_escalate_self")(r) and kinds(r)[:1] == ["self"],
    "full_guidance_other": lambda r: first_is("utter_escalate_other")(r) and kinds(r)[:1] == ["other"],
    "shortest_999_first": lambda r: first_is("utter_emergency_999")(r) and kinds(r)[:1] == ["self"],
    "shortest_999_other_first": lambda r: first_is("utter_emergency_999_other")(r) and kinds(r)[:1] == ["other"],
    "first_bubble_999": lambda r: bool(kinds(r)) and "999" in bubbles(r)[0],
    "asks_safe": last_is("utter_ask_safe_now"),
    "asks_called": last_is("utter_ask_called_999"),
    "routes": has("utter_cant_call_routes"),
    "not_safe": lambda r: (
        first_is("utter_emergency_999")(r)
        and has("utter_cant_call_routes")(r)
        and last_is("utter_ask_safe_now")(r)
        and not has("utter_checkin_safe")(r)
    ),
    "safe": lambda r: only("utter_checkin_safe")(r) and not escalated(r),
    "not_answered": lambda r: (
        (first_is("utter_witness_not_answered")(r) or first_is("utter_emergency_999_other")(r))
        and last_is("utter_ask_called_999")(r)
    ),
    "called": lambda r: only("utter_witness_called")(r) and not escalated(r),
    "fear": lambda r: only("utter_feel_unsafe")(r) and not escalated(r),
    "not_sure": lambda r: only("utter_default")(r) and len(r[0].get("buttons") or []) >= 4,
    "describe_abuse": only("utter_describe_abuse"),
    "young": only("utter_young_person"),
    "never_off_topic": lambda r: not re.search(r"can only help|not sure I understood|Take care", texts(r)),
    "short": lambda r: not escalated(r) and not re.search(r"can only help|not sure I understood", texts(r)),
    "tell_me_more_button": lambda r: any(b.get("payload") == "/tell_me_more" for m in r for b in m.get("buttons") or []),
}


def held_to_the_general_bars(reply: Reply) -> None:
    """No message over 45 words; a danger turn's first bubble at most 35; at most one set of buttons."""
    assert reply, "no reply"
    for text in bubbles(reply):
        assert len(text.split()) <= 45, text
    if kinds(reply):
        assert len(bubbles(reply)[0].split()) <= 35, bubbles(reply)[0]
    assert sum(1 for m in reply if m.get("buttons")) <= 1, reply


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conversation(bot: Bot, case: Dict[str, Any]) -> None:
    sender = f"dialogue-{uuid.uuid4()}"
    for turn in case["turns"]:
        reply = bot.send(sender, turn["say"])
        said = f"{turn['say']!r} -> {bubbles(reply)}"
        held_to_the_general_bars(reply)
        for check in turn.get("expect", []):
            assert CHECKS[check](reply), f"{check}: {said}"
        for text in turn.get("contains", []):
            assert text in texts(reply), f"{text!r} missing: {said}"
        for text in turn.get("excludes", []):
            assert text not in texts(reply), f"{text!r} present: {said}"
        if turn.get("excludes_bare_101"):
            assert not BARE_101.search(texts(reply)), f"plain 101: {said}"


def test_every_check_used_exists_and_can_fail() -> None:
    used = {check for case in CASES for turn in case["turns"] for check in turn.get("expect", [])}
    assert used <= set(CHECKS)
    nothing: Reply = [{"text": "Hello"}]
    assert not any(CHECKS[check](nothing) for check in CHECKS if check not in ("never_off_topic", "short"))
    assert not CHECKS["never_off_topic"]([{"text": "Sorry, I can only help with domestic abuse"}])


@pytest.mark.parametrize("safe", ["he's gone", "hes gone now"])
def test_he_is_gone_ends_the_emergency(bot: Bot, safe: str) -> None:
    sender = f"gone-{uuid.uuid4()}"
    bot.send(sender, "he has a knife")
    assert CHECKS["safe"](bot.send(sender, safe))


def test_the_check_then_not_sure_escalates_in_full(bot: Bot) -> None:
    # The gate's "are you in danger right now?" tier, sent as the intent it sets (a payload, as buttons do).
    sender = f"check-{uuid.uuid4()}"
    check = bot.send(sender, '/immediate_danger{"danger_check": "check"}')
    assert kinds(check) == ["check"] and "Are you in danger right now?" in texts(check)
    unsure = bot.send(sender, "not sure")
    assert CHECKS["full_guidance_self"](unsure) and CHECKS["asks_safe"](unsure)


def age_conversation(db: Path, sender: str, seconds: float) -> None:
    """Moves a conversation's events back in time, as if the user had been silent for `seconds`."""
    # New rows first, then the old ones go: the newest row id changes, so every replica reloads the conversation.
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
            "WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
        for _, sender_id, type_name, timestamp, intent, action, data in rows:
            event = json.loads(data)
            event["timestamp"] = event["timestamp"] - seconds
            connection.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
                (sender_id, type_name, timestamp - seconds, intent, action, json.dumps(event)),
            )
        connection.executemany("DELETE FROM events WHERE id = ?", [(row[0],) for row in rows])


def test_a_new_session_ends_the_emergency_and_resets_the_communication_needs(bot: Bot) -> None:
    # Issue 16: a new session may be someone else on a shared device, so no communication need carries over.
    sender = f"session-{uuid.uuid4()}"
    bot.send(sender, "i am deaf, what is the best way to reach you")
    assert CHECKS["asks_safe"](bot.send(sender, "he's smashing the window to get in"))
    assert "18000" in texts(bot.send(sender, "he's coming up the stairs"))  # tailored within the session
    age_conversation(Path(bot.env["SQLITE_TRACKER_DB"]), bot.key(sender), 2 * 3600)
    again = bot.send(sender, "he's back and he's got the bread knife")
    assert CHECKS["full_guidance_self"](again), bubbles(again)  # the full guidance: a new emergency
    assert "18000" not in bubbles(again)[0]  # the deaf need did not carry over
    later = bot.send(sender, "how do i report it")
    assert CHECKS["not_safe"](later)  # the new emergency is open
