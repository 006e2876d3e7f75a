"""Finds a user's communication need ("I'm deaf", "I can't speak") so answers give text routes first."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher

from components.base import UntrainedComponent
from components.normalise import for_matching

ENTITY = "communication_need"
# Checked in this order: a deaf user who also can't speak is best served by the text routes.
PHRASES: Dict[str, List[str]] = {
    "deaf": [
        "deaf",
        "deafblind",
        "hard of hearing",
        "hearing impaired",
        "hearing impairment",
        "can not hear",
        "hearing aid",
        "hearing aids",
        "bsl",
        "sign language",
        "signing user",
        "lip read",
        "lipread",
        "partially deaf",
        "profoundly deaf",
        "no hearing",
        "lost my hearing",
    ],
    "cant_speak": [
        "can not speak",
        "can not talk",
        "non verbal",
        "nonverbal",
        "non - verbal",
        "mute",
        "speech impairment",
        "speech impaired",
        "speech difficulty",
        "no voice",
        "lost my voice",
        "can not communicate verbally",
        "not able to speak",
        "unable to speak",
        "unable to talk",
        "selective mutism",
        "stammer",
        "can not say anything",
        "he will hear",
        "she will hear",
        "they will hear",
        "can not make calls",
        "can not make a call",
        "can not phone",
        "can not call",
    ],
}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CommunicationNeedExtractor(UntrainedComponent):
    """Adds a `communication_need` entity ("deaf" or "cant_speak") when the user says they have one."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab)
        for need, phrases in PHRASES.items():
            self._matcher.add(need, [self._nlp.make_doc(phrase) for phrase in phrases])

    def need_of(self, text: str) -> Optional[str]:
        """The communication need stated in `text`, if any."""
        doc = self._nlp.make_doc(for_matching(text))
        found = {self._nlp.vocab.strings[match_id] for match_id, _, _ in self._matcher(doc)}
        return next((need for need in PHRASES if need in found), None)

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends the entity to each message that states a communication need."""
        for message in messages:
            text = message.get(TEXT) or ""
            need = self.need_of(text)
            if need:
                entity = {"entity": ENTITY, "value": need, "start": 0, "end": len(text), "extractor": type(self).__name__}
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
