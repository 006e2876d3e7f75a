"""The rule-based danger detector: the distinctions the issue names, and normalisation of what people type."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.danger import DangerDetector
from components.danger_patterns import RULES, Rule
from components.danger_rules import DangerRules
from evaluation.danger import negative_texts, rule_false_fires, rule_table
from evaluation.sets import MAX_RULE_FALSE_FIRES


@pytest.fixture(scope="module")
def rules() -> DangerRules:
    return DangerRules()


@pytest.mark.parametrize(
    "text, subject",
    [
        ("he's got a knife", None),
        ("he’s got a knife", None),
        ("pls help hes hitting me", "self"),
        ("HE IS TRYING TO GET IN", None),
        ("helppp hes strangling me", "self"),
        ("he says he's going to kill me", "self"),
        ("cant talk he'll hear", None),
        ("he's at the door", None),
        ("he put his hands around my neck", "self"),
        ("my neighbour is being attacked", "other"),
        ("i can hear screaming next door", "other"),
    ],
)
def test_flags_immediate_danger(rules: DangerRules, text: str, subject: str | None) -> None:
    """Who is in danger only when the words say so; otherwise the classifier's kind decides."""
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
        "i take all my meds at night",
        "you have to take all the tablets the doctor gives you",
        "my mum has to take all her tablets with food",
        "i took an overdose years ago",
        "i used to cut myself at school",
        "",
    ],
)
def test_ignores_look_alikes(rules: DangerRules, text: str) -> None:
    assert not rules.detect(text).fired


def _message(text: str, score: float, ranking: list[tuple[str, float]], kind: str = "self") -> Message:
    message = Message(data={"text": text, "danger_score": score, "danger_kind": kind})
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message


@pytest.mark.parametrize(
    "text, score, ranking, intent, outcome",
    [
        # the rules fire, the classifier does not: escalate, and the rules' subject picks the intent
        ("my neighbour is being attacked", 0.1, [("worried_about_someone", 0.8)], "someone_else_in_danger", "escalate"),
        # the classifier fires, the rules do not; who is in danger comes from the classifier's kind
        ("sos he found me", 0.9, [("immediate_danger", 0.9), ("greet", 0.1)], "immediate_danger", "escalate"),
        # the rules' subject is never overridden by an intent guess
        ("he's hitting her right now", 0.9, [("immediate_danger", 0.9)], "someone_else_in_danger", "escalate"),
        # between the two thresholds: ask, as a danger intent with the check entity
        ("he's back", 0.4, [("immediate_danger", 0.5), ("greet", 0.1)], "immediate_danger", "check"),
        # below both: an intent guess of danger is demoted to the next intent
        ("gun licence renewal", 0.1, [("immediate_danger", 0.22), ("out_of_scope", 0.2)], "out_of_scope", None),
    ],
)
def test_gate_combines_the_two_detectors(text: str, score: float, ranking: list, intent: str, outcome: str) -> None:
    """The verdict, the intent the dialogue answers, and the check entity, from the rules and the score."""
    message = _message(text, score, ranking)
    DangerDetector({"threshold": 0.5, "check_threshold": 0.3}).process([message])
    danger = message.get("danger")
    assert message.get("intent")["name"] == intent
    assert (danger["escalate"], danger["check"]) == (outcome == "escalate", outcome == "check")
    checks = [e for e in message.get("entities") or [] if e["entity"] == "danger_check"]
    assert bool(checks) is (outcome == "check")
    assert danger["model"]["score"] == score


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
        ("how do i make a report about my son hitting his girlfriend", False),
        ("been with him six years, he's been punching me on and off since the start", False),
        ("he has shoved me twice since christmas", False),
        ("he's punching me on and off, he won't stop, help", True),
        ("he's shoved me down the stairs, he's still shouting", True),
        ("do they send someone round when you report it", False),
        ("i've pushed her and thrown her phone, i want to change", False),
        ("he's been kicking me and won't stop", True),
        ("my girlfriend has been slapping me about for nearly a year", False),
        ("he's been shoving me around for a while now, it's got worse since the baby", False),
        ("lately he's been punching me when we argue", False),
        ("on saturday he grabbed me by the throat in front of the kids", False),
        ("in february he pinned me to the floor, he's been lovely since", False),
        ("my son still lives with me and he's been shoving me about", False),
        ("he's been shoving me about and he's still at it", True),
        ("he's been hitting me for an hour and won't stop", True),
        ("my husband has been hitting me, can i take the kids to my mum's", False),
        ("my son is shoving me around and taking my pension", False),
        ("he's been punching me, please help", True),
        ("he's pushing me around the kitchen right now", True),
        ("he's shoving me about the landing", True),
        ("i think my uncle is hurting my auntie, she's gone very quiet at family dos", False),
        ("i reckon her boyfriend is hitting her, she always has bruises", False),
        ("i think he's beating her upstairs, there's thudding through the ceiling", True),
        ("she's been kicking me for ten minutes, i'm on the floor", True),
        ("he's been strangling me, i've got away to the loo", True),
        ("i keep hearing screaming from the flat below, should i say something", False),
        ("i can hear screaming next door and it keeps going", True),
        ("please send someone round now", True),
        ("my cat keeps attacking my feet under the duvet", False),
        ("most nights i hear screaming and banging next door", False),
        ("can i still call 999 he is hitting me", True),
        ("he's squeezing my throat every time i try to move", True),
        ("hes smashing every window in the house", True),
        ("he's started shoving me when the kids are in bed", False),
        ("he's just started hitting me, please", True),
        ("she's started punching me again", True),
        ("my mate put a post up about her boyfriend hurting her, then took it down", False),
        ("i'm worried about my dad hurting my mum right now", True),
        ("for two years she's been hitting me when i help her dress, throwing things at me", False),
        ("he's hitting me, throwing things at me, please help", True),
        ("pretty sure my sister is being hit, what can i do", False),
        ("pretty sure he's hitting her now, i can hear it", True),
    ],
)
def test_reporting_the_past_habits_and_animals(rules: DangerRules, text: str, fires: bool) -> None:
    assert rules.detect(text).fired is fires


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_each_rule_catches_its_own_examples(rules: DangerRules, rule: Rule) -> None:
    assert rule.examples
    for example in rule.examples:
        assert rule.name in rules.detect(example).rules, example


def test_no_rule_fires_on_more_than_half_a_percent_of_the_negatives() -> None:
    negatives = negative_texts()
    fires = rule_false_fires(negatives)
    print(rule_table(fires, len(negatives)))
    worst = max(fires, key=lambda name: len(fires[name]))
    assert len(fires[worst]) <= MAX_RULE_FALSE_FIRES * len(negatives), (worst, fires[worst][:10])


@pytest.mark.parametrize(
    "text, kind, intent, need",
    [
        ("come quick next door", "other", "someone_else_in_danger", None),
        # hiding is situational (issue 16): the Silent Solution, not the lasting need that brings emergencySMS
        ("under the bed typing, he's looking for me", "cant_speak", "immediate_danger", "cant_talk_now"),
        ("me sign only. man angry. now", "deaf", "immediate_danger", "deaf"),
        # the rules' words outweigh the kind: "me" is the one in danger
        ("my dad is hitting me now", "other", "immediate_danger", None),
    ],
)
def test_the_kind_of_danger_picks_who_and_how(text: str, kind: str, intent: str, need: str | None) -> None:
    message = _message(text, 0.9, [("immediate_danger", 0.9)], kind)
    DangerDetector({"threshold": 0.5, "check_threshold": 0.3}).process([message])
    assert message.get("intent")["name"] == intent
    entities = message.get("entities") or []
    needs = [e["value"] for e in entities if e["entity"] == "communication_need"]
    situational = [e["value"] for e in entities if e["entity"] == "cant_talk_now"]
    assert needs == ([need] if need in ("deaf", "cant_speak") else [])
    assert situational == (["yes"] if need == "cant_talk_now" else [])


@pytest.mark.parametrize("kind, need", [("deaf", []), ("cant_speak", ["cant_talk_now"])])
def test_a_kind_guessed_on_a_message_the_classifier_finds_safe_tailors_only_what_is_safe_to_get_wrong(
    kind: str, need: list[str]
) -> None:
    # the rules escalate, the classifier scores 0.02: its kind is a guess. A wrong "deaf" would tell a hearing,
    # speaking user to register for emergencySMS (the fault issue 16 names); a wrong "can't speak" only adds "press 55"
    message = _message("my partner keeps hurting me and i need advice", 0.02, [("ask_what_to_do", 0.9)], kind)
    DangerDetector({"threshold": 0.5, "check_threshold": 0.3}).process([message])
    assert message.get("intent")["name"] == "immediate_danger"
    needs = [e["entity"] for e in message.get("entities") or [] if e["entity"] in ("communication_need", "cant_talk_now")]
    assert needs == need
