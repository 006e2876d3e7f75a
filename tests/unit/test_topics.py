"""Long and mixed messages (components/topics.py): the best topic, the other likely topics, danger untouched."""

from typing import Any, Dict, List, Optional

from rasa.shared.nlu.training_data.message import Message

from components.topics import MixedTopics

TOPICS = MixedTopics({})
LONG = " ".join(["word"] * 35)


def parsed(text: str, ranking: List[tuple], danger: Optional[Dict[str, Any]] = None, intent: Optional[str] = None) -> Message:
    ranked = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(
        data={
            "text": text,
            "intent": {"name": intent or ranked[0]["name"], "confidence": ranked[0]["confidence"]},
            "intent_ranking": ranked,
            "danger": danger or {"escalate": False, "check": False},
        }
    )
    TOPICS.process([message])
    return message


def others(message: Message) -> List[str]:
    return [e["value"] for e in message.get("entities") or [] if e["entity"] == "other_topic"]


def test_a_long_message_offers_the_next_likely_topics() -> None:
    message = parsed(LONG, [("refuge", 0.4), ("leave_home", 0.3), ("my_rights", 0.1), ("greet", 0.1), ("privacy", 0.01)])
    assert message.get("intent")["name"] == "refuge" and others(message) == ["leave_home", "my_rights"]


def test_a_long_message_read_as_unsure_is_answered_with_its_best_topic_and_long_small_talk_is_small_talk() -> None:
    greeting = parsed(LONG, [("greet", 0.3), ("find_support", 0.25), ("refuge", 0.2)])
    assert greeting.get("intent")["name"] == "greet" and not others(greeting)
    unsure = parsed(LONG, [("nlu_fallback", 0.3), ("how_to_report", 0.2), ("what_happens_report", 0.18)])
    assert unsure.get("intent")["name"] == "how_to_report" and others(unsure) == ["what_happens_report"]


def test_a_short_clear_message_is_left_alone_and_a_close_call_offers_the_runner_up() -> None:
    clear = parsed("what is clare's law", [("clares_law", 0.9), ("how_to_report", 0.05)])
    assert clear.get("intent")["name"] == "clares_law" and not others(clear)
    close = parsed("can i go to a refuge", [("refuge", 0.45), ("leave_home", 0.4), ("find_support", 0.1)])
    assert others(close) == ["leave_home"]


def test_danger_verdicts_are_never_touched() -> None:
    for verdict in ({"escalate": True, "check": False}, {"escalate": False, "check": True}):
        message = parsed(LONG, [("immediate_danger", 0.9), ("leave_home", 0.05)], verdict)
        assert message.get("intent")["name"] == "immediate_danger" and not others(message)


def test_small_talk_stays_small_talk_when_short() -> None:
    message = parsed("hiya", [("greet", 0.5), ("find_support", 0.3)])
    assert message.get("intent")["name"] == "greet" and not others(message)


def test_a_long_message_is_not_offered_topics_that_are_noise() -> None:
    message = parsed(LONG, [("feel_unsafe", 0.97), ("worried_about_someone", 0.02), ("own_behaviour", 0.004)])
    assert message.get("intent")["name"] == "feel_unsafe" and others(message) == ["worried_about_someone"]


def test_own_behaviour_is_offered_only_when_it_is_a_close_call() -> None:
    afraid = parsed(LONG, [("feel_unsafe", 0.9), ("own_behaviour", 0.05), ("find_support", 0.03)])
    assert others(afraid) == ["find_support"]
    torn = parsed(LONG, [("what_is_abuse", 0.5), ("own_behaviour", 0.4), ("find_support", 0.05)])
    assert others(torn) == ["own_behaviour", "find_support"]
