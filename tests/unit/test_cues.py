"""components/cues.py: a plain yes, a statement of safety, a young person."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.cues import ConversationCues, cues


@pytest.mark.parametrize("text", ["yes", "Yes!!", "yeah 👍", "yep", "YES", "y", "yes i am", "yh", "aye"])
def test_a_plain_yes(text: str) -> None:
    assert "answer_yes" in cues(text)


@pytest.mark.parametrize("text", ["ok", "okay", "sure", "👍", "yes he's still here", "yes but he's outside", "maybe", "kind of"])
def test_not_a_plain_yes(text: str) -> None:
    assert "answer_yes" not in cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'm safe",
        "im safe, its next door",
        "I’m at my mum’s",
        "he's gone",
        "we're at the police station",
        "i got out, staying at my sisters",
        "i am safe now",
        "yeah im ok where i am",
        "it's upstairs not here",
        "safe now thanks",
        "she left",
        "i'm at a friend's",
    ],
)
def test_says_safe(text: str) -> None:
    assert "says_safe" in cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "im not safe here",
        "not safe here",
        "i dont feel safe",
        "he's at the door",
        "idk",
        "no",
        "i am not ok",
        "i'm scared",
        "is this safe to use",
    ],
)
def test_does_not_say_safe(text: str) -> None:
    assert "says_safe" not in cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "im 14",
        "I'm 12 years old",
        "ME 14",
        "i'm in year 9",
        "my dad hurts my mum",
        "my stepdad is hitting my mum",
        "im a teenager",
        "i'm only 16",
        "i'm still at school, my teacher doesn't know",
    ],
)
def test_young_person(text: str) -> None:
    assert cues(text).get("young_person") == "yes"


@pytest.mark.parametrize(
    "text",
    [
        "I'm 28 now",
        "i am 10 mins away",
        "my son is 17",
        "i'm 5 minutes from home",
        "im 40 and my husband hits me",
        "my stepdad hits my mum, i'm 31 and moved out years ago",
        "I'm 45 and my dad shouts at my mum",
        "i am 12 weeks pregnant",
        "my daughter's teacher",
        "can I move my kids to a new school",
    ],
)
def test_not_a_young_person(text: str) -> None:
    assert "young_person" not in cues(text)


def test_the_component_adds_one_entity_per_cue_and_leaves_payloads_alone() -> None:
    messages = [Message({"text": "yes im safe"}), Message({"text": "/affirm"}), Message({"text": "im 14"})]
    ConversationCues({}).process(messages)
    assert [e["entity"] for e in messages[0].get("entities")] == ["says_safe"]
    assert not messages[1].get("entities")
    assert messages[2].get("entities")[0] == {
        "entity": "young_person",
        "value": "yes",
        "start": 0,
        "end": 5,
        "extractor": "ConversationCues",
    }


def _classified(text: str, *ranking: str) -> Message:
    confidences = [{"name": name, "confidence": 0.9 - 0.2 * i} for i, name in enumerate(ranking)]
    return Message({"text": text, "intent": confidences[0], "intent_ranking": confidences})


def test_a_writer_who_gives_an_adult_age_is_not_answered_as_a_child() -> None:
    adult = _classified("my dad shouts at my mum all the time, im 34", "young_person", "worried_about_someone")
    child = _classified("my dad shouts at my mum all the time, im 14", "young_person", "worried_about_someone")
    no_age = _classified("my dad shouts at my mum all the time", "young_person", "worried_about_someone")
    ConversationCues({}).process([adult, child, no_age])
    assert adult.get("intent")["name"] == "worried_about_someone"
    assert child.get("intent")["name"] == no_age.get("intent")["name"] == "young_person"
