"""The real bot over HTTP: answers, escalation, bad input and floods on the REST webhook."""

from __future__ import annotations

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from ops import supervisor
from tests.bot import Bot, escalated, texts


def new_sender() -> str:
    return f"test-{uuid.uuid4()}"


def test_how_to_report_gives_101_and_999(bot: Bot) -> None:
    reply = texts(bot.send(new_sender(), "how do I report domestic abuse"))
    assert "101" in reply and "999" in reply


def test_immediate_danger_escalates_with_the_marker(bot: Bot) -> None:
    messages = bot.send(new_sender(), "pls help hes hitting me")
    assert escalated(messages)
    assert "999" in texts(messages)
    assert messages[0].get("text", "").startswith(("If you're in immediate danger, call 999", "Call 999"))


def test_deaf_user_gets_text_routes_first_later_in_the_conversation(bot: Bot) -> None:
    sender = new_sender()
    bot.send(sender, "I'm deaf")
    bot.send(sender, "yes")  # the danger gate may take "I'm deaf" for danger: this answers "are you safe?"
    report = texts(bot.send(sender, "how do I report domestic abuse"))
    assert report.startswith("To report domestic abuse, use our textphone service on 18001 101")
    danger = bot.send(sender, "he's got a knife")
    assert escalated(danger) and "text 999" in texts(danger) and "18000" in texts(danger)


def test_someone_else_in_danger_is_told_to_call_999_for_them(bot: Bot) -> None:
    messages = bot.send(new_sender(), "my neighbour is being attacked")
    assert escalated(messages) and "call 999 now for them" in texts(messages)


def test_check_in_after_escalation_does_not_loop(bot: Bot) -> None:
    sender = new_sender()
    first = bot.send(sender, "he's at the door trying to get in")
    assert "Are you somewhere safe" in texts(first)
    safe = bot.send(sender, "yes")
    assert not escalated(safe) and "I'm glad" in texts(safe)
    assert "101" in texts(bot.send(sender, "how do I report it"))


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\xfa\x00 not utf-8",
        json.dumps({"message": "hello"}).encode(),
        json.dumps({"sender": "x", "message": ""}).encode(),
        json.dumps({"sender": "x"}).encode(),
    ],
)
def test_bad_input_gets_a_4xx_and_the_server_keeps_serving(bot: Bot, body: bytes) -> None:
    status, _ = bot.post_raw(body)
    assert 400 <= status < 500
    assert "101" in texts(bot.send(new_sender(), "how do I report domestic abuse"))


def test_odd_unicode_gets_a_safe_reply(bot: Bot) -> None:
    for message in ["\u202e\u200b🙂🙂🙂", "ʜᴇʟᴘ", "\ud83d", "𝕙𝕖'𝕤 𝕘𝕠𝕥 𝕒 𝕜𝕟𝕚𝕗𝕖"]:
        reply = bot.send(new_sender(), message)
        assert reply and "999" in texts(reply)


def test_a_huge_message_gets_a_safe_reply(bot: Bot) -> None:
    started = time.monotonic()
    reply = bot.send(new_sender(), "help " * 20_000)
    assert "999" in texts(reply)
    assert time.monotonic() - started < 10


def rasa_memory(bot: Bot) -> int:
    processes = [psutil.Process(p.pid) for p in supervisor.rasa_processes(bot.processes)]
    return sum(p.memory_info().rss for process in processes for p in [process, *process.children(recursive=True)])


def test_a_flood_of_huge_messages_leaves_others_answered_and_memory_bounded(bot: Bot) -> None:
    before = rasa_memory(bot)
    huge = json.dumps({"sender": "flood", "message": "x" * 100_000}).encode()
    with ThreadPoolExecutor(max_workers=8) as pool:
        flood = [pool.submit(bot.post_raw, huge, 120) for _ in range(40)]
        time.sleep(0.5)
        started = time.monotonic()
        reply = bot.send(new_sender(), "how do I report domestic abuse", timeout=30)
        waited = time.monotonic() - started
        statuses = [f.result()[0] for f in flood]
    assert "101" in texts(reply)
    assert waited < 10, f"an ordinary message waited {waited:.1f} s behind the flood"
    assert set(statuses) == {200}
    assert rasa_memory(bot) - before < 300 * 2**20
