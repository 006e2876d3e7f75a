"""The rule-based danger detector: the distinctions the issue names, and normalisation of what people type."""

import pytest

from components.danger import DangerRules


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
