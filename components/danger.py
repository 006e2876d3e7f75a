"""Immediate-danger detection: the gate that decides with the rule-based detector (components/danger_rules.py) and the
danger classifier.

The gate runs last in the NLU pipeline. It escalates when the rules fire or the danger classifier's score
(components/danger_classifier.py) is high, and asks "are you in danger right now?" when the score is in between.
Its verdict is written onto the parsed message as `danger` (kept in the tracker, read by the review tool), and
an escalating message gets a danger intent, which the dialogue rules answer with 999 guidance on any turn.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import UntrainedComponent, best_intent_except
from components.communication import ENTITY as COMMUNICATION_ENTITY
from components.communication import SITUATIONAL_ENTITY
from components.danger_classifier import DANGER_INTENTS, DANGER_KIND, DANGER_SCORE
from components.danger_rules import DangerRules, RuleVerdict

SELF_INTENT = "immediate_danger"
OTHER_INTENT = "someone_else_in_danger"
CHECK_ENTITY = "danger_check"  # on a message the bot should ask about: "are you in danger right now?"
COMMUNICATION_NEEDS = ("cant_speak", "deaf")  # kinds of danger that call for other routes than a voice call


def tailoring(rules: RuleVerdict, model_kind: Optional[str]) -> Tuple[str, str, Optional[str]]:
    """The kind of danger, who is in danger ("self" or "other") and the communication need it implies (or None).

    The rules' words decide who when they tell, else the classifier's kind; hiding means the user can't talk aloud.
    Shared by the gate and the channels' check at the edge (channels/edge.py), so both tailor the 999 guidance alike.
    """
    kind = "cant_speak" if "hiding" in rules.labels else model_kind or "self"
    subject = rules.subject or ("other" if kind == "other" else "self")
    return kind, subject, kind if kind in COMMUNICATION_NEEDS and subject == "self" else None


def need_entity(need: str) -> Tuple[str, str]:
    """The entity, and its value, of a communication need that danger implies: hiding or "can't speak" is situational
    (the Silent Solution), deafness lasting (text routes). Shared by the gate and the check at the edge."""
    return (SITUATIONAL_ENTITY, "yes") if need == "cant_speak" else (COMMUNICATION_ENTITY, need)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class DangerDetector(UntrainedComponent):
    """Decides, from the rules and the danger classifier's score, whether a message escalates, and records why.

    Three outcomes: escalate (the rules fire, or the score reaches `threshold`), check (the score lies between
    `check_threshold` and `threshold`: the bot asks "are you in danger right now?"), or neither. Who is in danger
    comes from the rules' words when they tell, otherwise from the classifier's kind; a kind of "cant_speak" adds the
    situational need `cant_talk_now` (the Silent Solution) and "deaf", when the classifier itself escalates, the lasting
    need `communication_need: deaf` (text routes), unless the message states a need itself, so the 999 guidance gives
    routes that work for them.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """Score thresholds of the danger classifier: escalate at `threshold`, ask at `check_threshold`."""
        return {"threshold": 0.5, "check_threshold": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._threshold = float(self.config["threshold"])
        self._check_threshold = float(self.config["check_threshold"])
        self._rules = DangerRules()

    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the `danger` verdict to each message and sets a danger intent when it escalates or checks."""
        for message in messages:
            self._process_message(message)
        return messages

    def _process_message(self, message: Message) -> None:
        rules = self._rules.detect(message.get(TEXT) or "")
        score = float(message.get(DANGER_SCORE) or 0.0)
        model_fired = score >= self._threshold
        # The kind model learnt only from dangerous messages: on one it scores as safe, its kind is a guess. A wrong
        # "deaf" sends a hearing, speaking user to text routes that need registering; a wrong "can't speak" only adds
        # "press 55", which works for anyone, and a right one ("call without talking") matters.
        guessed = message.get(DANGER_KIND)
        kind, subject, need = tailoring(rules, None if guessed == "deaf" and not model_fired else guessed)
        escalate = rules.fired or model_fired
        # "he's gone now" is an answer to "are you safe?", not a reason to ask whether they are in danger.
        check = not escalate and score >= self._check_threshold and not rules.says_safe
        if escalate:
            intent = OTHER_INTENT if subject == "other" else SELF_INTENT
            message.set(INTENT, {"name": intent, "confidence": 1.0 if rules.fired else score}, add_to_output=True)
            if need and not self._states_a_need(message):
                self._add_entity(message, *need_entity(need))
        elif check:
            message.set(INTENT, {"name": SELF_INTENT, "confidence": score}, add_to_output=True)
            self._add_entity(message, CHECK_ENTITY, "check")
        elif (message.get(INTENT) or {}).get("name") in DANGER_INTENTS:
            message.set(INTENT, best_intent_except(message, DANGER_INTENTS), add_to_output=True)
        message.set(
            "danger",
            {
                "escalate": escalate,
                "check": check,
                "subject": subject if escalate or check else None,
                "rules": asdict(rules),
                "model": {"fired": model_fired, "score": round(score, 4), "kind": kind},
            },
            add_to_output=True,
        )

    @staticmethod
    def _states_a_need(message: Message) -> bool:
        """Whether the message already states a communication need, lasting or situational."""
        return any(e.get("entity") in (COMMUNICATION_ENTITY, SITUATIONAL_ENTITY) for e in message.get(ENTITIES) or [])

    def _add_entity(self, message: Message, name: str, value: str) -> None:
        """Adds an entity the dialogue reads (the check, or a communication need the danger implies)."""
        entities = message.get(ENTITIES) or []
        entity = {"entity": name, "value": value, "start": 0, "end": 0, "extractor": type(self).__name__}
        message.set(ENTITIES, [*entities, entity], add_to_output=True)
