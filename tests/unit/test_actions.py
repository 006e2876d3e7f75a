"""Custom actions, run with a CollectingDispatcher and hand-built trackers."""

from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import ActionAnswerWithOptions, ActionEscalateDanger, ActionTellMeMore
from actions.options import RESPONSE_OF, TITLE_OF, other_topic_buttons
from components.topics import ANSWERABLE, OFFERED


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


def tracker_for(parse_data: dict, slots: dict | None = None) -> Tracker:
    return Tracker(
        sender_id="test",
        slots=slots or {},
        latest_message=parse_data,
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def test_a_mixed_message_gets_its_answer_with_the_other_topics_as_buttons() -> None:
    dispatcher = CollectingDispatcher()
    parse_data = {
        "text": "long message",
        "intent": {"name": "refuge"},
        "entities": [{"entity": "other_topic", "value": "leave_home"}, {"entity": "other_topic", "value": "my_rights"}],
    }
    events = await ActionAnswerWithOptions().run(dispatcher, tracker_for(parse_data), {})
    assert events == [SlotSet("answered_topic", "refuge")]
    [message] = dispatcher.messages
    assert message["response"] == "utter_refuge"
    assert [b["payload"] for b in message["buttons"]] == ["/leave_home", "/my_rights"]


def test_the_other_topics_skip_the_answer_and_the_buttons_it_already_has() -> None:
    # utter_my_rights already offers "Refuges" and "How to report"; a topic is never offered as its own other.
    buttons = other_topic_buttons("my_rights", ["refuge", "my_rights", "own_behaviour", "how_to_report"])
    assert [b["payload"] for b in buttons] == ["/own_behaviour"]


def test_every_offered_topic_has_a_title_and_every_answerable_topic_a_response() -> None:
    assert set(OFFERED) <= set(TITLE_OF) and set(ANSWERABLE) <= set(RESPONSE_OF)
    domain = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
    assert set(RESPONSE_OF.values()) <= set(domain["responses"])
    rules = yaml.safe_load((Path(__file__).resolve().parents[2] / "data" / "rules" / "mixed.yml").read_text())["rules"]
    assert {r["steps"][0]["or"][0]["intent"] for r in rules if "or" in r["steps"][0]} == set(ANSWERABLE)


async def test_tell_me_more_continues_the_topic_answered_with_options() -> None:
    dispatcher = CollectingDispatcher()
    await ActionTellMeMore().run(dispatcher, tracker_for({"text": "/tell_me_more"}, {"answered_topic": "leave_home"}), {})
    assert dispatcher.messages[0]["response"] == "utter_leave_home_more"
    dispatcher = CollectingDispatcher()
    await ActionTellMeMore().run(dispatcher, tracker_for({"text": "/tell_me_more"}, {"answered_topic": "refuge"}), {})
    assert dispatcher.messages[0]["response"] == "utter_how_can_i_help"  # no _more for refuges: the topics
