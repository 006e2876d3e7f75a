"""Custom actions, run with a CollectingDispatcher and hand-built trackers."""

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionEscalateDanger


def tracker_with(parse_data: dict) -> Tracker:
    return Tracker(
        sender_id="test",
        slots={},
        latest_message=parse_data,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="utter_escalate_self",
    )


async def test_escalation_records_which_detectors_fired() -> None:
    dispatcher = CollectingDispatcher()
    parse_data = {"text": "he's got a knife", "danger": {"escalate": True, "rules": {"fired": True}, "model": {"fired": False}}}
    events = await ActionEscalateDanger().run(dispatcher, tracker_with(parse_data), {})
    assert events == [SlotSet("escalated", True), SlotSet("escalation_detectors", ["rules"])]
    assert dispatcher.messages == []  # the guidance and the check-in are responses, sent by Rasa itself


async def test_escalation_from_a_button_payload_names_no_detector() -> None:
    events = await ActionEscalateDanger().run(CollectingDispatcher(), tracker_with({"text": "/immediate_danger"}), {})
    assert events == [SlotSet("escalated", True), SlotSet("escalation_detectors", [])]
