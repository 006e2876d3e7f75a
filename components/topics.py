"""Long and mixed messages: answer the best topic, and mark the other likely topics to offer as buttons.

People describe their situation in several sentences, and one message can ask about leaving, money and refuges at
once. A classifier trained on one-line questions spreads its confidence over such a message: the best topic may
fall below the fallback's bar, or small talk ("hi, ...") may win. This component runs after the danger gate and
never touches its verdict: a message the gate escalates or checks is left exactly as it is. On any other message:
- a long message (over `long_words` words) that was read as unsure (`nlu_fallback`) or "tell me more" is answered
  with its best topic (if that topic has at least `long_min_confidence`, 0 by default: a long message is a question
  or a story, never "sorry, I'm not sure I understood");
- on a long message, or when the classifier is torn between topics (the second within `margin` of the first and at
  least `close_min_confidence`), the other likely topics (at most `max_others`; on a long message the next ones in
  the ranking, each at least `other_min_confidence`) become `other_topic` entities. The rules in
  data/rules/mixed.yml then answer the best topic with those topics as buttons (action_answer_with_options),
  numbered options on SMS and WhatsApp.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import UntrainedComponent

ENTITY = "other_topic"
# Topics a long or mixed message can be answered with (each has a response and a rule in data/rules/mixed.yml).
ANSWERABLE = (
    "leave_home",
    "how_to_report",
    "what_happens_report",
    "clares_law",
    "refuge",
    "what_is_abuse",
    "own_behaviour",
    "my_rights",
    "find_support",
    "worried_about_someone",
    "deaf_or_cant_speak",
    "describe_abuse",
    "feel_unsafe",
    "privacy",
)
# Topics that can be offered as a button (actions/options.py names them).
OFFERED = tuple(topic for topic in ANSWERABLE if topic != "describe_abuse")
# Offered only when as likely as a close call: a button asking a frightened person whether they are the abuser hurts.
OFFERED_ONLY_WHEN_CLOSE = ("own_behaviour",)
# Intents that never answer a long message when a topic is likely: "sorry, I'm not sure I understood" and "tell me
# more" (a long "thanks", "hello" or "I don't know" is what it says: docs/evaluation/labelling-guide.md).
NOT_AN_ANSWER = ("tell_me_more", "nlu_fallback")


def word_count(text: str) -> int:
    """Words of a message, as a reader counts them."""
    return len(text.split())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class MixedTopics(UntrainedComponent):
    """Picks the topic to answer on a long message and marks the other likely topics (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Word count of a long message, and the confidences that make a topic likely."""
        return {
            "long_words": 30,
            "long_min_confidence": 0.0,
            # Below 1% a topic is noise ("My own behaviour" offered to a victim): on the development sets' 237 long
            # messages, no topic under 1% was the right one when the best was wrong (5 of 6 offered either way).
            "other_min_confidence": 0.01,
            "margin": 0.15,
            "close_min_confidence": 0.2,
            "max_others": 2,
        }

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the topic of long messages and adds `other_topic` entities (never on a danger verdict)."""
        for message in messages:
            self._process_message(message)
        return messages

    def _process_message(self, message: Message) -> None:
        danger = message.get("danger") or {}
        text = message.get(TEXT) or ""
        if danger.get("escalate") or danger.get("check") or not message.get(INTENT) or text.startswith("/"):
            return
        topics = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") in ANSWERABLE]
        long = word_count(text) > int(self.config["long_words"])
        intent = message.get(INTENT) or {}
        if long and intent.get("name") in NOT_AN_ANSWER and topics:
            best = topics[0]
            if _confidence(best) >= float(self.config["long_min_confidence"]):
                intent = {"name": best["name"], PREDICTED_CONFIDENCE_KEY: _confidence(best)}
                message.set(INTENT, intent, add_to_output=True)
        if intent.get("name") not in ANSWERABLE:
            return
        others = [r for r in topics if r["name"] != intent["name"] and r["name"] in OFFERED]
        if long:
            floor = float(self.config["other_min_confidence"])
        else:
            top = max(_confidence(intent), _confidence(topics[0]) if topics else 0.0)
            floor = max(float(self.config["close_min_confidence"]), top - float(self.config["margin"]))
        close = float(self.config["close_min_confidence"])
        chosen = [
            r["name"] for r in others if _confidence(r) >= (max(floor, close) if r["name"] in OFFERED_ONLY_WHEN_CLOSE else floor)
        ][: int(self.config["max_others"])]
        if chosen:
            entities = [
                {"entity": ENTITY, "value": name, "start": 0, "end": 0, "extractor": type(self).__name__} for name in chosen
            ]
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), *entities], add_to_output=True)


def _confidence(ranked: Dict[str, Any]) -> float:
    return float(ranked.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
