"""The dialogue rules as data: danger first, every reply in an emergency handled, only a clear answer ends one."""

from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RESPONSES = DOMAIN["responses"]
RULES = [rule for path in sorted((ROOT / "data" / "rules").glob("*.yml")) for rule in yaml.safe_load(path.read_text())["rules"]]
DANGER_INTENTS = {"immediate_danger", "someone_else_in_danger"}
FORMS = {"emergency_form": "utter_ask_safe_now", "witness_form": "utter_ask_called_999"}


def intent_names() -> Set[str]:
    return {next(iter(i)) if isinstance(i, dict) else i for i in DOMAIN["intents"]} | {"nlu_fallback"}


def active_loop_of(rule: Dict[str, Any]) -> Optional[str]:
    return next((c["active_loop"] for c in rule.get("condition") or [] if "active_loop" in c), None)


def entity_names(step: Dict[str, Any]) -> Tuple[str, ...]:
    return tuple(sorted(next(iter(e)) if isinstance(e, dict) else e for e in step.get("entities") or []))


def user_steps(rule: Dict[str, Any]) -> List[Tuple[str, Tuple[str, ...]]]:
    """(intent, entity names) of the rule's user turn, one per alternative of an `or`."""
    for step in rule["steps"]:
        if "intent" in step:
            return [(step["intent"], entity_names(step))]
        if "or" in step:
            return [(s["intent"], entity_names(s)) for s in step["or"]]
    return []


def actions_after_user(rule: Dict[str, Any]) -> List[str]:
    steps = rule["steps"]
    index = next(i for i, s in enumerate(steps) if "intent" in s or "or" in s)
    return [s["action"] for s in steps[index + 1 :] if "action" in s]


def is_escalation(response: str) -> bool:
    return all((v.get("custom") or {}).get("escalation") for v in RESPONSES.get(response, [{}]))


def test_every_danger_message_is_answered_first_by_999_guidance_sent_by_rasa() -> None:
    danger_rules = [r for r in RULES if any(intent in DANGER_INTENTS for intent, _ in user_steps(r))]
    assert len(danger_rules) >= 10
    for rule in danger_rules:
        first = actions_after_user(rule)[0]
        assert first.startswith("utter_") and is_escalation(first), (rule["rule"], first)


def test_the_first_danger_message_gets_the_full_guidance_and_starts_the_emergency() -> None:
    starts = {
        r["rule"]: actions_after_user(r)
        for r in RULES
        if active_loop_of(r) is None
        and user_steps(r)
        and user_steps(r)[0] in (("immediate_danger", ()), ("someone_else_in_danger", ()))
    }
    assert starts == {
        "immediate danger to the user": ["utter_escalate_self", "action_escalate_danger", "emergency_form"],
        "someone else in immediate danger": ["utter_escalate_other", "action_escalate_danger", "witness_form"],
    }


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_reply_in_an_emergency_is_handled(form: str) -> None:
    # Handled whatever the message's entities: a rule for the intent with no entity condition.
    handled = {intent for rule in RULES if active_loop_of(rule) == form for intent, entities in user_steps(rule) if not entities}
    assert handled == intent_names(), f"not handled in {form}: {intent_names() - handled}"


@pytest.mark.parametrize("form", sorted(FORMS))
def test_every_turn_in_an_emergency_ends_with_its_question_or_ends_the_emergency(form: str) -> None:
    for rule in RULES:
        if active_loop_of(rule) != form or not user_steps(rule):
            continue
        actions = actions_after_user(rule)
        assert actions[-1] in (FORMS[form], "utter_checkin_safe", "utter_witness_called", "emergency_form"), rule["rule"]


def ends(form: str) -> Set[Tuple[str, Tuple[str, ...]]]:
    """The replies that end an emergency."""
    return {
        step
        for r in RULES
        if active_loop_of(r) == form
        and "action_deactivate_loop" in actions_after_user(r)
        and "emergency_form" not in actions_after_user(r)
        for step in user_steps(r)
    }


def test_only_a_clear_yes_or_a_statement_of_safety_ends_the_emergency() -> None:
    for intent, entities in ends("emergency_form"):
        assert entities and set(entities) <= {"answer_yes", "says_safe"}, (intent, entities)
        assert intent not in {"deny", "unsure", "feel_unsafe", "ask_what_to_do", *DANGER_INTENTS}
    assert ("affirm", ()) not in ends("emergency_form")  # "ok", "👍", "kind of" are not "I'm safe"


def test_saying_they_are_safe_does_not_answer_have_you_called_999() -> None:
    assert ends("witness_form") == {("affirm", ("answer_yes",)), ("called_999", ())}


def test_the_end_check_catches_a_plain_yes() -> None:
    RULES.append(
        {
            "rule": "bad",
            "condition": [{"active_loop": "emergency_form"}],
            "steps": [{"intent": "deny"}, {"action": "action_deactivate_loop"}, {"active_loop": None}],
        }
    )
    try:
        assert ("deny", ()) in ends("emergency_form")
    finally:
        RULES.pop()


def test_a_second_danger_message_gets_the_shortest_999_line_not_the_same_bubbles() -> None:
    again = {
        r["rule"]: actions_after_user(r)
        for r in RULES
        if active_loop_of(r) == "emergency_form" and user_steps(r) == [("immediate_danger", ())]
    }
    assert again == {"danger again, in the emergency": ["utter_emergency_999", "action_escalate_danger", "utter_ask_safe_now"]}
    shortest = max(len(v["text"].split()) for v in RESPONSES["utter_emergency_999"])
    full = min(len(v["text"].split()) for v in RESPONSES["utter_escalate_self"])
    assert shortest < full


def has_buttons(action: str) -> bool:
    return any(v.get("buttons") for v in RESPONSES.get(action, []))


def test_at_most_one_bubble_of_a_turn_has_buttons_and_it_is_the_last() -> None:
    # Phones get buttons as numbered options, and a number is read against the last buttons of the turn
    # (channels/common.py): a second set in one turn would make "1" mean two things.
    for rule in RULES:
        if not user_steps(rule):
            continue
        actions = [a if a not in FORMS else FORMS[a] for a in actions_after_user(rule)]
        with_buttons = [a for a in actions if has_buttons(a)]
        assert len(with_buttons) <= 1, (rule["rule"], with_buttons)
        if with_buttons:
            assert actions[-1] == with_buttons[0], (rule["rule"], actions)
