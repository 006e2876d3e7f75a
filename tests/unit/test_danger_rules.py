"""The rule-based danger detector: the distinctions the issue names, and normalisation of what people type."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.danger import DangerDetector, DangerRules


@pytest.fixture(scope="module")
def rules() -> DangerRules:
    return DangerRules()


@pytest.mark.parametrize(
    "text, subject",
    [
        ("he's got a knife", "self"),
        ("he’s got a knife", "self"),
        ("pls help hes hitting me", "self"),
        ("HE IS TRYING TO GET IN", "self"),
        ("helppp hes strangling me", "self"),
        ("he says he's going to kill me", "self"),
        ("cant talk he'll hear", "self"),
        ("he's at the door", "self"),
        ("he put his hands around my neck", "self"),
        ("my neighbour is being attacked", "other"),
        ("i can hear screaming next door", "other"),
    ],
)
def test_flags_immediate_danger(rules: DangerRules, text: str, subject: str) -> None:
    verdict = rules.detect(text)
    assert verdict.fired and verdict.labels and verdict.evidence
    assert verdict.subject == subject


@pytest.mark.parametrize(
    "text",
    [
        "knife sharpening tips",
        "a knife sharpening tip",
        "he hit me last year, how do I report it",
        "I'm safe now, he left",
        "this film is killing me",
        "my feet are killing me",
        "my boss will kill me if I'm late",
        "he keeps beating me at chess",
        "he is not hurting me",
        "is it abuse if he hits me",
        "what should i do if he has a knife",
        "he used to hit me",
        "how do i carve a turkey with an electric knife",
        "",
    ],
)
def test_ignores_look_alikes(rules: DangerRules, text: str) -> None:
    assert not rules.detect(text).fired


def _message(text: str, ranking: list[tuple[str, float]]) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message


@pytest.mark.parametrize(
    "text, ranking, expected_intent, escalates",
    [
        # rules fire, the model does not: escalate, and the subject picks the intent
        ("my neighbour is being attacked", [("worried_about_someone", 0.8)], "someone_else_in_danger", True),
        # the model fires, the rules do not
        ("sos he found me", [("immediate_danger", 0.9), ("greet", 0.1)], "immediate_danger", True),
        # the model's danger guess below the threshold is demoted to the next intent
        ("gun licence renewal", [("immediate_danger", 0.22), ("out_of_scope", 0.2)], "out_of_scope", False),
        # an explicit safety statement outweighs the model
        ("he's gone now and I'm safe", [("immediate_danger", 0.75), ("find_support", 0.2)], "find_support", False),
    ],
)
def test_gate_combines_the_two_detectors(text: str, ranking: list, expected_intent: str, escalates: bool) -> None:
    message = _message(text, ranking)
    DangerDetector({"model_threshold": 0.3}).process([message])
    assert message.get("intent")["name"] == expected_intent
    assert message.get("danger")["escalate"] is escalates


@pytest.mark.parametrize(
    "text",
    ["am i breaking the regulations if i drive to another county", "we're shooting a wedding video next week", "i am bleeding"],
)
def test_person_subject_rules(rules: DangerRules, text: str) -> None:
    assert rules.detect(text).fired is (text == "i am bleeding")


@pytest.mark.parametrize(
    "text", ["my brother has got me in a headlock", "he's pinned her against the wall", "he has me by the throat"]
)
def test_restraint_is_danger(rules: DangerRules, text: str) -> None:
    assert rules.detect(text).fired


@pytest.mark.parametrize(
    "text, fires",
    [
        ("he tried to strangle me two years ago, can i still report it", False),
        ("is it too late to report him for strangling me", False),
        ("can i report my dad for hitting me", False),
        ("my cat keeps attacking my feet under the duvet", False),
        ("most nights i hear screaming and banging next door", False),
        ("can i still call 999 he is hitting me", True),
        ("he's squeezing my throat every time i try to move", True),
        ("hes smashing every window in the house", True),
    ],
)
def test_reporting_the_past_habits_and_animals(rules: DangerRules, text: str, fires: bool) -> None:
    assert rules.detect(text).fired is fires
