"""Cues the dialogue needs and an intent cannot carry: a clear "yes", "I'm safe", and a young person writing.

Adds entities to the parsed message:
- `answer_yes`: the whole message is a plain yes ("yes", "yeah 👍", "yes I am"), not "ok" or "sure", which
  acknowledge rather than answer "Are you somewhere safe now?".
- `says_safe`: the writer says they are safe, or that the danger is elsewhere or over ("I'm safe", "he's gone",
  "I'm at my mum's", "it's next door"). After "Have you been able to call 999?" this is not an answer.
- `young_person`: an age under 19 (Childline's age range), school, or a parent hurting a parent ("my dad hurts
  my mum"), so answers name Childline beside 999.

The danger gate decides danger; these entities never escalate or calm anything down by themselves.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.base import UntrainedComponent, best_intent_except
from components.normalise import for_matching

YES = re.compile(
    r"^(yes|yeah|yea|yeh|yep|yup|yh|ya|yah|aye|y|ye|yess|yes i am|yeah i am|yes we are|i am|yes please|"
    r"yes yes|definitely|absolutely|correct|certainly|indeed)( [^\sa-z0-9])*$"
)
NOT = r"(?<!not )(?<!never )"
SAFE = re.compile(
    r"\b((i am|we are|i feel|we feel|i am feeling) (now )?(safe|ok|okay|fine|alright|all right)\b|"
    + NOT
    + r"(safe|okay|ok) (now|here|where i am)\b|(i am|we are) (somewhere|in a) safe\b|"
    + NOT
    + r"safe place|"
    r"(he|she|they) (is|are|has|have) (gone|left|out|not here|not home|asleep|at work)\b|(he|she|they) left\b|"
    r"(i|we) (have )?(got|gone|ran|run) (out|away)\b|(i am|we are) away from (him|her|them)\b|"
    r"(i am|we are) (at|staying at|staying with|round|over at) (my|a|our) (mum|dad|nan|gran|grandma|sister|"
    r"brother|friend|mate|auntie|aunt|uncle|cousin|neighbour|parents|work)('s|s|')?\b|"
    r"(i am|we are) (at|in) (the|a) (police station|hospital|refuge)|"
    r"it is (next door|upstairs|downstairs|across the road|over the road|down the road|in the street|outside)|"
    r"(not|nothing) (happening )?(to me|at mine|in my house))|"
    # a reply that starts with "safe", perhaps after a yes: "safe", "yep, safe at my sister's now", "all safe"
    r"^((yes|yeah|yep|yup|yh|ya|aye|all|ok|okay) ([^\sa-z0-9] )*)?safe\b(?! (to|for|is)\b)(?![^?]*\?)"
)
UNITS = r"(min|mins|minute|minutes|hour|hours|hrs|mile|miles|week|weeks|month|months|day|days|quid|pounds|stone|kg|percent)"
AGE = re.compile(r"\b(i am|me|aged) (only |just )?(\d{1,2})\b(?! ?" + UNITS + r"\b)")
SCHOOL = re.compile(
    r"\b(i am in year (7|8|9|10|11|12|13|seven|eight|nine|ten|eleven)|at school|my teacher|my school|"
    r"after school|before school|sixth form|my form tutor|i am (only )?(a )?(kid|child|teenager|teen)|i am only young)\b"
)
PARENT = r"(mum|dad|stepdad|step dad|stepmum|step mum|mums boyfriend|mum's boyfriend|dads girlfriend|dad's girlfriend)"
PARENTS_HURTING = re.compile(
    r"\bmy " + PARENT + r"( is| keeps| always| has)? (hits|hit|hitting|hurts|hurt|hurting|beats|beat|beating|"
    r"punches|punching|kicks|kicking|shouts at|attacks|attacking|chokes|choking|strangles|pushes|pushing|"
    r"slaps|slapping|threatens|abuses|abusing) my " + PARENT + r"\b|\bmy (mum and dad|parents) (fight|argue|are fighting)\b"
)
YOUNGEST, OLDEST = 8, 18  # Childline is for anyone under 19
YOUNG_PERSON = "young_person"  # the intent, and the entity


def age_says_young(text: str) -> Optional[bool]:
    """What the ages the writer gives as their own ("I'm 34", "aged 15") say: young (True), adult (False) or nothing."""
    ages = [int(match.group(3)) for match in AGE.finditer(text)]
    if any(YOUNGEST <= age <= OLDEST for age in ages):
        return True
    return False if any(age > OLDEST for age in ages) else None


def young_person(text: str) -> bool:
    """Whether a message says its writer is a child or young person (an adult's own age outweighs the other cues:
    "my dad shouts at my mum, I'm 34")."""
    by_age = age_says_young(text)
    return by_age if by_age is not None else bool(SCHOOL.search(text) or PARENTS_HURTING.search(text))


def cues(text: str) -> Dict[str, str]:
    """The cue entities of one message: entity name -> value."""
    return normalised_cues(for_matching(text))


def normalised_cues(normalised: str) -> Dict[str, str]:
    """The cue entities of a message already normalised by `for_matching`."""
    found: Dict[str, str] = {}
    if YES.match(normalised):
        found["answer_yes"] = "yes"
    if SAFE.search(normalised):
        found["says_safe"] = "safe"
    if young_person(normalised):
        found[YOUNG_PERSON] = "yes"
    return found


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ConversationCues(UntrainedComponent):
    """Adds the `answer_yes`, `says_safe` and `young_person` entities (see the module docstring), and never lets a
    writer who gives an adult age be answered as a child: the young_person intent gives way to the next best."""

    def process(self, messages: List[Message]) -> List[Message]:
        """Appends one entity per cue found in each message."""
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            normalised = for_matching(text)
            if (message.get(INTENT) or {}).get("name") == YOUNG_PERSON and age_says_young(normalised) is False:
                message.set(INTENT, best_intent_except(message, (YOUNG_PERSON,)), add_to_output=True)
            found: List[Dict[str, Any]] = [
                {"entity": name, "value": value, "start": 0, "end": len(text), "extractor": type(self).__name__}
                for name, value in normalised_cues(normalised).items()
            ]
            if found:
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True)
        return messages
