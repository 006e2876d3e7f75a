"""Redaction of personal data and the conversation flags, on hand-written text and events (no servers)."""

from __future__ import annotations

import pytest

from review.export import nlu_yaml, story_yaml
from review.redact import redact, redact_danger
from review.store import summarise


@pytest.mark.parametrize(
    "text, gone, kept",
    [
        ("my name is sarah and my number is 07700 900123", ["sarah", "07700", "900123"], ["my name is", "and my number"]),
        ("I'm Jessica, I live at 12 Acacia Avenue, flat 3, DE1 2AB", ["Jessica", "Acacia", "flat 3", "DE1 2AB"], ["I live at"]),
        ("email me at jo.bloggs@gmail.com", ["jo.bloggs", "gmail"], ["email me at"]),
        ("ring +44 7911 123456 or 01332 613 000", ["7911", "123456", "01332"], ["ring"]),
        ("Mr Smith next door is hitting her", ["Smith"], ["next door is hitting her"]),
        ("my husband is called Kevin Jones", ["Kevin", "Jones"], ["my husband is called"]),
        ("he lives on Station Road in sw1a 1aa", ["Station Road", "sw1a 1aa"], ["he lives on"]),
        ("I live with Gary and he shouts", ["Gary"], ["I live with", "and he shouts"]),
    ],
)
def test_personal_data_is_redacted(text: str, gone: list, kept: list) -> None:
    redacted = redact(text)
    assert not [g for g in gone if g in redacted], redacted
    assert all(k in redacted for k in kept), redacted


@pytest.mark.parametrize(
    "text",
    [
        "call 999 or 101, textphone 18001 101, helpline 0808 2000 247, press 55, text relay 18000",
        "he's got a knife",
        "how do I report domestic abuse",
        "I'm deaf",
        "I'm scared",
        "Is this private? Can the Police see it?",
        "do I have to stay in with him for the whole four weeks?",
        "I'm worried about my neighbour",
    ],
)
def test_safety_numbers_and_ordinary_words_stay(text: str) -> None:
    assert redact(text) == text


def test_danger_evidence_is_redacted() -> None:
    verdict = {
        "escalate": True,
        "rules": {"fired": True, "labels": ["weapon"], "subject": "self", "evidence": ["Dave has a knife at 12 Acacia Avenue"]},
        "model": {"fired": True, "score": 0.9},
    }
    evidence = redact_danger(verdict)["rules"]["evidence"][0]
    assert "Dave" not in evidence and "Acacia" not in evidence and "knife" in evidence
    assert verdict["rules"]["evidence"][0].startswith("Dave")  # the stored verdict is not changed


def user(text: str, intent: str, confidence: float, **extra: object) -> dict:
    return {
        "event": "user",
        "timestamp": 100.0,
        "text": text,
        "input_channel": "telegram",
        "parse_data": {"intent": {"name": intent, "confidence": confidence}, **extra},
    }


def test_flags() -> None:
    plain = summarise("a", [user("hi", "greet", 0.95), {"event": "action", "name": "utter_greet", "timestamp": 101.0}])
    flags = (plain.turns, plain.channel, plain.escalated, plain.fallback, plain.low_confidence)
    assert flags == (1, "telegram", False, False, False)
    assert summarise("b", [user("??", "nlu_fallback", 0.3)]).fallback
    assert summarise("c", [user("x", "greet", 0.9), {"event": "action", "name": "action_default_fallback"}]).fallback
    assert summarise("d", [user("x", "greet", 0.59)]).low_confidence
    assert summarise("e", [user("x", "greet", 0.9, danger={"escalate": True})]).escalated
    assert summarise("f", [{"event": "bot", "text": "call 999", "data": {"custom": {"escalation": True}}}]).escalated
    assert summarise("g", [{"event": "slot", "name": "escalated", "value": True}]).escalated
    assert not summarise("h", [{"event": "slot", "name": "escalated", "value": None}]).escalated


def test_exports_drop_unknown_intents_and_annotation_syntax() -> None:
    nlu = nlu_yaml([("find_support", "where is [NAME]'s (support) group"), ("made_up_intent", "x")])
    assert "made_up_intent" not in nlu and "Alex's support group" in nlu
    story = story_yaml(
        "s",
        [
            {"kind": "user", "text": "hi [NAME]", "intent": "greet", "correction": None},
            {"kind": "action", "name": "utter_greet"},
            {"kind": "user", "text": "?", "intent": "bogus"},
        ],
    )
    assert "intent: greet" in story and "action: utter_greet" in story and "intent: nlu_fallback" in story


def test_a_story_export_keeps_forms_and_the_entities_the_rules_read() -> None:
    # The emergency after 999 guidance is a form, and "yes" ends it only with its cue entity (issue 13).
    story = story_yaml(
        "s",
        [
            {"kind": "user", "text": "he has a knife", "intent": "immediate_danger", "entities": []},
            {"kind": "action", "name": "emergency_form"},
            {"kind": "loop", "name": "emergency_form"},
            {"kind": "user", "text": "yes", "intent": "affirm", "entities": [{"entity": "answer_yes", "value": "yes"}]},
            {"kind": "action", "name": "action_deactivate_loop"},
            {"kind": "loop", "name": None},
        ],
    )
    assert "active_loop: emergency_form" in story and "active_loop: null" in story
    assert '[yes][{"entity": "answer_yes", "value": "yes"}]' in story
