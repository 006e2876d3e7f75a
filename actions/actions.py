"""Custom actions. Content lives in domain.yml responses; actions only decide and record."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.escalation import detectors_that_fired


class ActionEscalateDanger(Action):
    """Records an escalation and which detectors fired, for trainers and for later turns.

    The 999 guidance itself is the `utter_escalate_*` response that precedes this action and the check-in
    follows it; both are sent by Rasa, so they reach the user even when this action server is down.
    """

    def name(self) -> Text:
        """Name used in domain.yml and the rules."""
        return "action_escalate_danger"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict[Text, Any]]:
        """Sets `escalated` and `escalation_detectors`."""
        detectors = detectors_that_fired(tracker.latest_message)
        return [SlotSet("escalated", True), SlotSet("escalation_detectors", detectors)]
