"""Immediate-danger detection: a rule-based detector (spaCy Matcher) and the gate that combines it with the model.

The gate runs last in the NLU pipeline. It escalates when either detector fires: the rules, or the intent
classifier ranking a danger intent highly enough. Its verdict is written onto the parsed message as `danger`
(kept in the tracker, read by the review tool), and an escalating message gets a danger intent, which the
dialogue rules answer with 999 guidance on any turn.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Text, Tuple

import spacy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import Matcher
from spacy.tokens import Doc

from components import danger_patterns as lexicon
from components.base import UntrainedComponent
from components.normalise import for_matching

SELF_INTENT = "immediate_danger"
OTHER_INTENT = "someone_else_in_danger"
DANGER_INTENTS = (SELF_INTENT, OTHER_INTENT)
WINDOW = 5  # tokens before a match that are checked for negation and hypotheticals
YEAR = re.compile(r"(19|20)\d\d")


@dataclass
class RuleVerdict:
    """What the rule-based detector found in one message."""

    fired: bool
    labels: List[str] = field(default_factory=list)
    subject: Optional[str] = None  # "self" or "other"
    evidence: List[str] = field(default_factory=list)
    says_safe: bool = False  # the message says the danger is over ("I'm safe now, he left")


class DangerRules:
    """Finds immediate-danger language with spaCy's Matcher over normalised text."""

    def __init__(self) -> None:
        self._nlp = spacy.blank("en")
        self._matcher = Matcher(self._nlp.vocab)
        for label, patterns in lexicon.PATTERNS.items():
            self._matcher.add(label, patterns)

    def detect(self, text: str) -> RuleVerdict:
        """Return the verdict for one message."""
        normalised = for_matching(text, lexicon.MATCHER_VOCABULARY)
        doc = self._nlp.make_doc(normalised)
        says_safe = bool(lexicon.SAFE_PHRASES.search(normalised))
        spans = [
            (label, start, end)
            for label, start, end in ((self._nlp.vocab.strings[m], s, e) for m, s, e in self._matcher(doc))
            if not self._is_discounted(doc, label, start, end)
        ]
        if spans and not self._in_the_past_or_over(doc, says_safe, spans):
            labels = sorted({label for label, _, _ in spans})
            evidence = [doc[start:end].text for _, start, end in spans]
            return RuleVerdict(True, labels, self._subject(doc, spans), evidence, says_safe)
        return RuleVerdict(False, says_safe=says_safe)

    @staticmethod
    def _is_discounted(doc: Doc, label: str, start: int, end: int) -> bool:
        """A match that is negated, hypothetical or figurative does not count."""
        before = {token.text for token in doc[max(0, start - WINDOW) : start]}
        context = {token.text for token in doc[max(0, start - 2 * WINDOW) : start]}
        words = [token.text for token in doc[start:end]]
        if before & lexicon.HYPOTHETICAL or {token.text for token in doc[max(0, start - 3) : start]} & lexicon.NEGATIONS:
            return True
        if label in ("attack_now", "being_attacked") and before & lexicon.FIGURATIVE_SUBJECTS:
            return True  # "my cat keeps attacking my feet"
        if start > 0 and doc[start - 1].text in {"for", "about", "of"} and label == "attack_now":
            return True  # "can I report my dad for hitting me": the offence named, not happening
        if words[0] in lexicon.BRANDISH and set(words) & lexicon.WEAPONS and not context & lexicon.PERSON_SUBJECTS:
            return True  # "how do I carve a turkey with an electric knife"
        if label == "threat_to_kill" and not (context | set(words)) & lexicon.THREATENING_SUBJECTS:
            return True  # "my sister is going to kill me when she sees I borrowed her top"
        if label == "injured" and {token.text for token in doc} & lexicon.ILLNESS_CONTEXT:
            return True  # "I can't breathe through my nose with this cold"
        if set(words) & lexicon.NEEDS_PERSON_SUBJECT:
            # "this film is killing me", "he keeps beating me at chess"
            people = lexicon.PERSON_SUBJECTS | ({"i", "we"} if "bleeding" in words else set())
            if before & lexicon.FIGURATIVE_SUBJECTS or not before & people:
                return True
            following = {token.text for token in doc[end : end + 2]}
            if "at" in following:
                return True
        weapon_next = doc[end].text if end < len(doc) else ""
        return bool(set(words) & lexicon.WEAPONS) and weapon_next in lexicon.WEAPON_NOT_A_THREAT

    @staticmethod
    def _in_the_past_or_over(doc: Doc, says_safe: bool, spans: List[Tuple[str, int, int]]) -> bool:
        """True when every match is about the past, or the message says the danger is over."""
        if {label for label, _, _ in spans} & lexicon.ALWAYS_PRESENT_LABELS:
            return False
        if says_safe:
            return True
        if lexicon.REPORTING_THE_PAST.search(doc.text):
            return True
        words = {token.text for token in doc}
        in_the_past = words & (lexicon.PAST_MARKERS | lexicon.HABITUAL_MARKERS) or any(YEAR.fullmatch(w) for w in words)
        return bool(in_the_past) and not words & lexicon.PRESENT_MARKERS

    @staticmethod
    def _subject(doc: Doc, spans: List[Tuple[str, int, int]]) -> str:
        """Whether the person in danger is the user ("self") or someone else ("other")."""
        matched = {token.text for _, start, end in spans for token in doc[max(0, start - 2) : end + 3]}
        if matched & lexicon.SELF_OBJECTS:
            return "self"
        if {label for label, _, _ in spans} == {"screaming_nearby"} or matched & (
            lexicon.OTHER_OBJECTS | lexicon.PERSON_NOUNS
        ):
            return "other"
        return "self"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class DangerDetector(UntrainedComponent):
    """Escalates a message when the rules or the model see immediate danger, and records both verdicts."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The lowest confidence at which a danger intent of the classifier counts as the model firing."""
        return {"model_threshold": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._threshold = float(self.config["model_threshold"])
        self._rules = DangerRules()


    def process(self, messages: List[Message]) -> List[Message]:
        """Adds the `danger` verdict to each message and escalates its intent when either detector fires."""
        for message in messages:
            self._process_message(message)
        return messages

    def _process_message(self, message: Message) -> None:
        rules = self._rules.detect(message.get(TEXT) or "")
        model_intent, model_confidence = self._model_verdict(message)
        model_fired = model_intent is not None and model_confidence >= self._threshold
        # An explicit "I'm safe now" outweighs the model's guess, never a rule match.
        escalate = rules.fired or (model_fired and not rules.says_safe)
        if escalate:
            intent = model_intent if model_fired else (OTHER_INTENT if rules.subject == "other" else SELF_INTENT)
            message.set(INTENT, {"name": intent, "confidence": 1.0 if rules.fired else model_confidence}, add_to_output=True)
        elif (message.get(INTENT) or {}).get("name") in DANGER_INTENTS:
            message.set(INTENT, self._best_other_intent(message), add_to_output=True)
        message.set(
            "danger",
            {
                "escalate": escalate,
                "rules": asdict(rules),
                "model": {"fired": model_fired, "intent": model_intent, "confidence": round(model_confidence, 4)},
            },
            add_to_output=True,
        )

    @staticmethod
    def _best_other_intent(message: Message) -> Dict[str, Any]:
        """The classifier's best intent that is not a danger intent (used when the gate does not escalate)."""
        ranking = message.get(INTENT_RANKING_KEY) or []
        others = [r for r in ranking if r.get("name") not in (*DANGER_INTENTS, "nlu_fallback")]
        best = others[0] if others else {"name": "nlu_fallback", "confidence": 1.0}
        return {"name": best["name"], "confidence": best.get("confidence", 0.0)}

    @staticmethod
    def _model_verdict(message: Message) -> Tuple[Optional[str], float]:
        """The classifier's best danger intent, if the classifier ranked one above everything but fallback."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != "nlu_fallback"]
        if ranking and ranking[0].get("name") in DANGER_INTENTS:
            return ranking[0]["name"], float(ranking[0].get("confidence") or 0.0)
        return None, 0.0
