"""Finds a user's communication needs, so answers give the routes that work for them.

Two different things (issue 16):
- **Lasting** (entity `communication_need`): deaf or hard of hearing (`deaf`), or unable to communicate verbally
  (`cant_speak`). These users get the text routes: emergencySMS (Text REGISTER to 999), the textphone 18001 101,
  text relay 18000.
- **Situational** (entity `cant_talk_now`): a hearing, speaking person who can't talk right now ("he'll hear me",
  "can't talk"). They get the Silent Solution (55) and answers that need no voice call now, never emergencySMS
  registration, which is for deaf and speech-impaired people.
A message that states a lasting need gets only that entity: the text routes serve both. A lasting need counts only
when it is the writer's: "my dad uses a hearing aid" tells of someone else, whose routes the writer cannot use.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

import spacy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from components.base import UntrainedComponent
from components.danger_patterns import PERSON_NOUNS, PERSON_SUBJECTS
from components.normalise import for_matching

ENTITY = "communication_need"
SITUATIONAL_ENTITY = "cant_talk_now"
SITUATIONAL = "cant_talk_now"
# Lasting needs, checked in this order: a deaf user who also can't speak is best served by the text routes.
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
        "hearing loss",
    ],
    "cant_speak": [
        "non verbal",
        "nonverbal",
        "non - verbal",
        "non speaking",
        "non - speaking",
        "mute",
        "speech impairment",
        "speech impaired",
        "speech difficulty",
        "speech difficulties",
        "speech disability",
        "can not communicate verbally",
        "can not speak at all",
        "can not talk at all",
        "never been able to speak",
        "selective mutism",
        "stammer",
        "aphasia",
        "laryngectomy",
        "no speech",
        "speech is impaired",
        "speech problem",
        "speech problems",
        "slurred speech",
        "speech is slurred",
        "can not speak properly",
        "can not talk properly",
    ],
    # Situational: can't talk right now, and may be able to later.
    SITUATIONAL: [
        "can not speak",
        "can not talk",
        "unable to speak",
        "unable to talk",
        "not able to speak",
        "not able to talk",
        "can not say anything",
        "he will hear",
        "she will hear",
        "they will hear",
        "he might hear",
        "she might hear",
        "he can hear",
        "she can hear",
        "can not make calls",
        "can not make a call",
        "can not phone",
        "can not call",
        "can not ring",
        "no voice",
        "lost my voice",
        "can not talk right now",
        "can not talk now",
    ],
}
# Whose need a phrase tells of: the nearest person word before it in its sentence ("I'm deaf", "my brother who is deaf").
WRITER = {"i", "me", "my", "we", "us", "our", "myself"}
SOMEONE_ELSE = PERSON_SUBJECTS | PERSON_NOUNS | {"his", "their", "who", "client"}
SENTENCE_ENDS = {".", "?", "!", ";"}


def is_the_writers(doc: Doc, start: int) -> bool:
    """Whether the phrase at `start` tells of the writer: no one else is named nearer before it in its sentence."""
    for token in reversed(doc[:start]):
        if token.text in SENTENCE_ENDS or token.text in WRITER:
            return True
        if token.text in SOMEONE_ELSE:
            return False
    return True


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class CommunicationNeedExtractor(UntrainedComponent):
    """Adds `communication_need` ("deaf" / "cant_speak", lasting) or `cant_talk_now` ("yes", situational)."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._nlp = spacy.blank("en")
        self._matcher = PhraseMatcher(self._nlp.vocab)
        for need, phrases in PHRASES.items():
            self._matcher.add(need, [self._nlp.make_doc(phrase) for phrase in phrases])

    def need_of(self, text: str) -> Optional[str]:
        """The communication need stated in `text`, if any: "deaf", "cant_speak" (lasting) or "cant_talk_now"."""
        doc = self._nlp.make_doc(for_matching(text))
        found = {
            need
            for need, start in ((self._nlp.vocab.strings[match_id], start) for match_id, start, _ in self._matcher(doc))
            if need == SITUATIONAL or is_the_writers(doc, start)
        }
        return next((need for need in PHRASES if need in found), None)

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends the entity to each message that states a communication need."""
        for message in messages:
            text = message.get(TEXT) or ""
            need = self.need_of(text)
            if need:
                name, value = (SITUATIONAL_ENTITY, "yes") if need == SITUATIONAL else (ENTITY, need)
                entity = {"entity": name, "value": value, "start": 0, "end": len(text), "extractor": type(self).__name__}
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages
