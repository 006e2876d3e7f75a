"""First component of the NLU pipeline: caps the message length and normalises the text.

Stock Rasa has no length limit (one 60 KB message took ~20 s and ~12 GB), so this runs before the tokenizer
on every channel. Training examples get the same normalisation, so curly quotes mean the same as straight ones.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.base import UntrainedComponent
from components.normalise import DEFAULT_MAX_CHARS, clean


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=False)
class InputGuard(UntrainedComponent):
    """Cleans and length-caps the text of every message before anything else reads it."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """`max_chars`: the longest text passed on to the rest of the pipeline."""
        return {"max_chars": DEFAULT_MAX_CHARS}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._max_chars = int(self.config["max_chars"])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Normalises the training examples the same way as live messages."""
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces each message's text with its cleaned, capped form."""
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str):
                message.set(TEXT, clean(text, self._max_chars))
        return messages
