"""Custom actions. Content lives in domain.yml responses; actions only decide and record."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.escalation import detectors_that_fired
from actions.options import RESPONSE_OF, more_response, other_topic_buttons


class ActionEscalateDanger(Action):
    """Records an escalation and which detectors fired, for trainers and for later turns.

    The 999 guidance itself is the `utter_escalate_*` response that precedes this action and the check-in
    follows it; both are sent by Rasa, so they reach the user even when this action server is down.
    """

    def name(self) -> Text:
        """Name used in domain.yml and the rules."""
        return "action_escalate_danger"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        """Sets `escalated` and `escalation_detectors`."""
        detectors = detectors_that_fired(tracker.latest_message)
        return [SlotSet("escalated", True), SlotSet("escalation_detectors", detectors)]


class ActionAnswerWithOptions(Action):
    """A long or mixed message: the best topic's answer, with the other likely topics as buttons in the same bubble.

    components/topics.py picks the topic (the message's intent) and the others (`other_topic` entities); the
    answer is the topic's own response, tailored by its conditions, and its own buttons ("Tell me more") stay first.
    """

    def name(self) -> Text:
        """Name used in domain.yml and data/rules/mixed.yml."""
        return "action_answer_with_options"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        """Sends the answer with the buttons, and remembers the topic for "Tell me more"."""
        topic = (tracker.latest_message.get("intent") or {}).get("name")
        others = [e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "other_topic"]
        response = RESPONSE_OF.get(topic or "", "utter_how_can_i_help")
        dispatcher.utter_message(response=response, buttons=other_topic_buttons(topic or "", others))
        return [SlotSet("answered_topic", topic)]


class ActionTellMeMore(Action):
    """ "Tell me more" after an answer given with other topics: the rest of that answer."""

    def name(self) -> Text:
        """Name used in domain.yml and data/rules/mixed.yml."""
        return "action_tell_me_more"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[str, Any]]:
        """Sends the `_more` response of the topic last answered with options."""
        dispatcher.utter_message(response=more_response(tracker.get_slot("answered_topic")))
        return []
