"""The check at the edge and the last-resort reply (channels/edge.py), the token buckets, and log redaction."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig

from channels import edge
from channels.common import domain_message
from plugins import log_privacy
from plugins.lock_store import SQLiteLockStore

NO_MODEL = SimpleNamespace(ctx=SimpleNamespace(agent=None))  # an app before its model loads: the rules decide alone


def run_turn(turn: Any, text: str = "he's got a knife", budget: float = 0.3) -> tuple[List[Dict[str, Any]], float, edge.Outcome]:
    """Runs `turn` behind edge.answer on a REST-like collector; returns what was sent, how long answer() took, and
    the outcome it reported."""
    output = CollectingOutputChannel()
    message = UserMessage(text, output, "unit-sender", input_channel="rest")

    async def main() -> tuple[float, edge.Outcome]:
        started = time.monotonic()
        outcome = await edge.answer(
            NO_MODEL, message, turn, lambda verdict: domain_message(None, verdict.response, "rest", verdict.slots), 5
        )
        return time.monotonic() - started, outcome

    edge.budget.cache_clear()
    edge.rules()  # built once per process (spaCy), not part of a turn
    domain_message(None, "utter_last_resort")  # domain.yml read once per process
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAST_RESORT_SECONDS", str(budget))
        seconds, outcome = asyncio.run(main())
    edge.budget.cache_clear()
    return output.messages, seconds, outcome


def test_a_hung_turn_gets_the_999_guidance_for_danger_at_the_budget() -> None:
    async def hang(_: UserMessage) -> None:
        await asyncio.sleep(3)

    messages, seconds, outcome = run_turn(hang)
    assert 0.3 <= seconds < 1 and outcome is edge.Outcome.UNCONFIRMED  # a webhook answers 503: the sender tries again
    assert "call 999 now" in messages[0]["text"] and any((m.get("custom") or {}).get("escalation") for m in messages)


def test_a_failed_turn_gets_the_last_resort_line_at_once() -> None:
    async def fail(_: UserMessage) -> None:
        raise RuntimeError("the lock store is down")

    messages, seconds, outcome = run_turn(fail, "how do I report it", budget=2)
    assert seconds < 1 and outcome is edge.Outcome.UNCONFIRMED
    assert messages[0]["text"].startswith("I can't answer right now") and "999" in messages[0]["text"]


def test_a_turn_that_answers_gets_no_last_resort_and_returns_soon_after_the_999_guidance() -> None:
    async def escalate_then_hang(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Call 999", "custom": {"escalation": True}})
        await asyncio.sleep(3)

    messages, seconds, outcome = run_turn(escalate_then_hang, budget=2)
    assert seconds < 1.5 and outcome is edge.Outcome.RUNNING  # 202: answered, the turn goes on
    assert [m.get("text") for m in messages if m.get("text")] == ["Call 999"]


def test_a_turn_that_finishes_is_stored() -> None:
    async def answer(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "To report abuse, call 101."})

    messages, _, outcome = run_turn(answer, "how do I report it", budget=2)
    assert outcome is edge.Outcome.STORED and [m["text"] for m in messages] == ["To report abuse, call 101."]


def test_the_guidance_is_tailored_as_the_rules_imply() -> None:
    other = edge.verdict_of_rules("my neighbour is being attacked")
    assert other.escalate and other.response == "utter_escalate_other"
    assert not edge.verdict_of_rules("how do I report domestic abuse").escalate
    deaf = edge.verdict_of_parse(
        {"danger": {"escalate": True, "subject": "self"}, "entities": [{"entity": "communication_need", "value": "deaf"}]}
    )
    assert "text 999" in domain_message(None, deaf.response, "rest", deaf.slots)["text"]


def test_a_token_bucket_allows_a_burst_then_refills(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(edge.time, "monotonic", lambda: now[0])
    buckets = edge.TokenBuckets(burst=3, per_minute=60)
    assert [buckets.allow("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.allow("b")
    now[0] += 1  # one token a second
    assert buckets.allow("a") and not buckets.allow("a")


def test_the_client_address_is_the_proxys_last_forwarded_entry_only_behind_a_local_proxy() -> None:
    assert edge.client_address("127.0.0.1", "198.51.100.1, 203.0.113.7") == "203.0.113.7"
    assert edge.client_address("203.0.113.9", "198.51.100.1") == "203.0.113.9"
    assert edge.client_address("203.0.113.9", None) == "203.0.113.9"


def test_remembered_texts_and_senders_never_reach_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    log_privacy.install()
    log_privacy.remember("he is at the door with a knife", "sender-1234")
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.test").info("Received 'he is at the door with a knife' from %s", "sender-1234")
        try:
            raise ValueError("conversation sender-1234 failed")
        except ValueError:
            logging.getLogger("sqlalchemy.test").exception("insert failed")
    logged = caplog.text
    assert "knife" not in logged and "sender-1234" not in logged and log_privacy.REDACTED in logged
    event = log_privacy.redact_event(None, "debug", {"event": "rest.message", "text": "my words", "count": 2})
    assert event == {"event": "rest.message", "text": log_privacy.REDACTED, "count": 2}


def test_a_shared_output_channel_reports_each_reply_to_its_own_turn() -> None:
    # Telegram's connector sends every conversation's replies through one output object.
    shared = CollectingOutputChannel()

    async def turn(message: UserMessage) -> None:
        if message.sender_id == "answers":
            await message.output_channel.send_response(message.sender_id, {"text": "To report domestic abuse, call 101."})
        else:
            await asyncio.sleep(3)

    async def both() -> None:
        reply = lambda verdict: domain_message(None, verdict.response, "rest", verdict.slots)  # noqa: E731
        await asyncio.gather(
            edge.answer(NO_MODEL, UserMessage("how do I report", shared, "answers", input_channel="rest"), turn, reply, 5),
            edge.answer(NO_MODEL, UserMessage("he's got a knife", shared, "hangs", input_channel="rest"), turn, reply, 5),
        )

    edge.budget.cache_clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAST_RESORT_SECONDS", "0.3")
        asyncio.run(both())
    edge.budget.cache_clear()
    assert [m["recipient_id"] for m in shared.messages if "call 999 now" in (m.get("text") or "")] == ["hangs"]


def test_a_conversations_lock_is_a_lease_renewed_while_the_turn_runs(tmp_path: Path) -> None:
    store = SQLiteLockStore(EndpointConfig(type="plugins.lock_store.SQLiteLockStore", db=str(tmp_path / "locks.db")))
    lease = 0.4

    async def a_long_turn() -> List[bool]:
        async with store.lock("conversation", lock_lifetime=lease):
            await asyncio.sleep(lease * 4)  # four leases: the ticket would have lapsed without renewal
            return [ticket.has_expired() for ticket in store.get_lock("conversation").tickets]

    assert asyncio.run(a_long_turn()) == [False]
    assert store.get_lock("conversation") is None, "the lock is released when the turn ends"


def test_the_lock_of_a_process_that_died_mid_turn_lapses_within_a_lease(tmp_path: Path) -> None:
    store = SQLiteLockStore(EndpointConfig(type="plugins.lock_store.SQLiteLockStore", db=str(tmp_path / "locks.db")))
    lease = 0.5
    store.issue_ticket("conversation", lease)  # a turn whose replica was killed: nobody renews or releases it

    async def next_turn() -> float:
        started = time.monotonic()
        async with store.lock("conversation", lock_lifetime=lease):
            return time.monotonic() - started

    assert asyncio.run(next_turn()) < lease + 0.5
