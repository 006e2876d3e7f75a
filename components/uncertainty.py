"""Says "not sure" when the intent the bot would act on is a guess.

Rasa's FallbackClassifier looks only at the top intent. Here the top intent is often a danger intent that the
danger gate (`components/danger.py`, last in the pipeline) then declines, replacing it with the best other
intent, however unlikely ("asdfgh" became "yes" at 0.41, "where can i go tonight" a goodbye). This classifier
judges the intent that will actually be acted on: the top intent, or the best non-danger intent when the top one
is a danger intent. It runs before the gate, so danger still overrides it: a message the gate escalates or checks
gets its danger intent whatever this decided.

`nlu_fallback` is predicted when
- that intent's confidence is below `threshold`, or below `answer_threshold` for yes and no, which carry more
  weight here than anything else; or
- no word of the message was ever seen in training, one of them is at least `unknown_word_length` letters long,
  and the confidence is below `unknown_words_threshold` ("asdfgh", "qwerty"): a classifier always picks
  something. Short unknown words are usually chat shorthand that the character n-grams read well ("k", "yea").
"""

from __future__ import annotations

import json
from typing import Any, Dict, FrozenSet, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import TrainedComponent
from components.danger_classifier import DANGER_INTENTS
from components.normalise import for_matching

FALLBACK = "nlu_fallback"
VOCABULARY_FILE = "vocabulary.json"


def words_of(text: str) -> List[str]:
    """The words of a message that contain a letter (normalised as the rule-based detectors read them)."""
    return [word for word in for_matching(text).split() if any(ch.isalpha() for ch in word)]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UncertaintyFallback(TrainedComponent):
    """Predicts `nlu_fallback` when the intent to act on is a guess (see the module docstring)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """`threshold` for every intent, `answer_threshold` for the `answer_intents` (yes / no)."""
        return {
            "threshold": 0.3,
            "answer_threshold": 0.35,
            "answer_intents": ["affirm", "deny"],
            "unknown_word_length": 5,
            "unknown_words_threshold": 0.5,
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: FrozenSet[str] = frozenset(),
    ) -> None:
        super().__init__(config, model_storage, resource)
        self.vocabulary = vocabulary

    def train(self, training_data: TrainingData) -> Resource:
        """Stores the words of every training example."""
        self.vocabulary = frozenset(w for m in training_data.training_examples for w in words_of(m.get(TEXT) or ""))
        with self._storage.write_to(self._resource) as folder:
            (folder / VOCABULARY_FILE).write_text(json.dumps(sorted(self.vocabulary)), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UncertaintyFallback:
        """The trained component."""
        with model_storage.read_from(resource) as folder:
            vocabulary = frozenset(json.loads((folder / VOCABULARY_FILE).read_text(encoding="utf-8")))
        return cls(config, model_storage, resource, vocabulary)

    def intent_to_act_on(self, message: Message) -> Optional[Dict[str, Any]]:
        """The top intent, or the best non-danger intent when the top one is a danger intent."""
        intent = message.get(INTENT) or {}
        if intent.get("name") not in DANGER_INTENTS:
            return intent or None
        others = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") not in (*DANGER_INTENTS, FALLBACK)]
        return others[0] if others else None

    def threshold_of(self, name: Optional[str]) -> float:
        """The confidence an intent needs."""
        answers = self.config["answer_intents"]
        return float(self.config["answer_threshold"] if name in answers else self.config["threshold"])

    def unknown_words_only(self, text: str) -> bool:
        """Whether no word of the message was seen in training, and one of them is long enough to judge."""
        words = words_of(text)
        long_enough = any(len(word) >= int(self.config["unknown_word_length"]) for word in words)
        return bool(self.vocabulary) and long_enough and not any(word in self.vocabulary for word in words)

    def is_unsure(self, message: Message) -> bool:
        """Whether the intent to act on is a guess."""
        candidate = self.intent_to_act_on(message)
        if candidate is None:
            return True
        confidence = float(candidate.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
        if confidence < self.threshold_of(candidate.get("name")):
            return True
        return confidence < float(self.config["unknown_words_threshold"]) and self.unknown_words_only(message.get(TEXT) or "")

    def process(self, messages: List[Message]) -> List[Message]:
        """Sets the intent to `nlu_fallback` (first in the ranking too) on each message it is unsure about."""
        for message in messages:
            if not message.get(INTENT) or not self.is_unsure(message):
                continue
            fallback = {"name": FALLBACK, PREDICTED_CONFIDENCE_KEY: float(self.config["threshold"])}
            message.set(INTENT, fallback, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [dict(fallback), *(message.get(INTENT_RANKING_KEY) or [])], add_to_output=True)
        return messages
