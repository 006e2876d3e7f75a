"""Lasting and situational communication needs are told apart (issue 16)."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.communication import CommunicationNeedExtractor

EXTRACTOR = CommunicationNeedExtractor({})


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("I'm deaf", "communication_need", "deaf"),
        ("im hard of hearing, how do i contact you", "communication_need", "deaf"),
        ("i use BSL", "communication_need", "deaf"),
        ("I'm non-verbal", "communication_need", "cant_speak"),
        ("i have a speech impairment", "communication_need", "cant_speak"),
        ("i can't speak at all, i'm mute", "communication_need", "cant_speak"),
        ("can't talk he'll hear me", "cant_talk_now", "yes"),
        ("i cant speak right now", "cant_talk_now", "yes"),
        ("I can't call, he's in the next room", "cant_talk_now", "yes"),
        ("she will hear if i ring", "cant_talk_now", "yes"),
        # a lasting need wins: the text routes serve both
        ("im deaf and he'll hear me if i try to call", "communication_need", "deaf"),
        ("Deaf bloke here, I lip read mostly", "communication_need", "deaf"),
        ("my partner and i are both deaf", "communication_need", "deaf"),
        ("he broke my hearing aid last week", "communication_need", "deaf"),
    ],
)
def test_lasting_and_situational_needs_are_different_entities(text: str, entity: str, value: str) -> None:
    [message] = EXTRACTOR.process([Message(data={"text": text})])
    found = [(e["entity"], e["value"]) for e in message.get("entities") or []]
    assert found == [(entity, value)]


@pytest.mark.parametrize(
    "text",
    [
        "how do i report abuse",
        "he talks over me all the time",
        "i can hear him shouting",
        "my dad is 84 and uses a hearing aid, his wife takes it off him",
        "I'm a carer for my brother who is profoundly deaf",
        "she is deaf and her husband controls her",
    ],
)
def test_no_need_without_one(text: str) -> None:
    [message] = EXTRACTOR.process([Message(data={"text": text})])
    assert not message.get("entities")
