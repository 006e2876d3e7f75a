"""Every response, variation by variation: short enough for a phone, tailored, in the right tense (issue 13)."""

import itertools
import re
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
RESPONSES: Dict[str, List[Dict[str, Any]]] = DOMAIN["responses"]
SLOTS = {name: slot.get("initial_value") for name, slot in DOMAIN["slots"].items()}
MAX_WORDS = 45
MAX_DANGER_FIRST_BUBBLE_WORDS = 35
BARE_101 = re.compile(r"(?<!18001 )\b101\b")
CALL_999 = re.compile(r"\bcall 999\b", re.IGNORECASE)
SMS_ROUTES = re.compile(r"emergencySMS|REGISTER|text 999|textphone|18001|registered", re.IGNORECASE)


def rendered(variation: Dict[str, Any]) -> str:
    """The variation's text with the slots' initial values filled in (the force's name, area and page)."""
    return re.sub(r"\{(\w+)\}", lambda m: str(SLOTS[m.group(1)]), variation.get("text", ""))


def words(text: str) -> int:
    return len(text.split())


def variations() -> Iterator[Tuple[str, int, Dict[str, Any]]]:
    for name, variants in RESPONSES.items():
        for index, variation in enumerate(variants):
            yield name, index, variation


def condition_of(variation: Dict[str, Any]) -> Dict[str, Any]:
    return {c["name"]: c["value"] for c in variation.get("condition") or []}


def is_escalation(variation: Dict[str, Any]) -> bool:
    return bool((variation.get("custom") or {}).get("escalation"))


ALL = list(variations())
IDS = [f"{name}[{index}]" for name, index, _ in ALL]


@pytest.mark.parametrize(("name", "index", "variation"), ALL, ids=IDS)
def test_no_message_is_over_45_words(name: str, index: int, variation: Dict[str, Any]) -> None:
    text = rendered(variation)
    assert words(text) <= MAX_WORDS, f"{name}[{index}] has {words(text)} words: {text}"


@pytest.mark.parametrize(("name", "index", "variation"), ALL, ids=IDS)
def test_the_first_bubble_of_a_danger_turn_is_at_most_35_words(name: str, index: int, variation: Dict[str, Any]) -> None:
    # Every danger turn opens with an escalation response (tests/unit/test_rules.py checks that).
    if is_escalation(variation):
        assert words(rendered(variation)) <= MAX_DANGER_FIRST_BUBBLE_WORDS, f"{name}[{index}]: {variation['text']}"


def test_the_word_limit_check_catches_a_long_message() -> None:
    long = {"text": " ".join(["word"] * 46)}
    assert words(rendered(long)) > MAX_WORDS
    assert words(rendered({"text": "{force_advice_url} " + "word " * 44})) == MAX_WORDS


def test_every_escalation_variation_keeps_its_marker_and_999() -> None:
    for name in (
        "utter_escalate_self",
        "utter_escalate_other",
        "utter_danger_check",
        "utter_emergency_999",
        "utter_emergency_999_other",
        "utter_witness_not_answered",
    ):
        for variation in RESPONSES[name]:
            assert variation["custom"]["escalation"] is True and variation["custom"]["kind"] in ("self", "other", "check")
            assert "999" in variation["text"], name


def test_the_escalation_markers_the_tests_read_stay_distinct() -> None:
    by_need = {condition_of(v).get("communication_need"): v["text"] for v in RESPONSES["utter_escalate_self"]}
    assert "listen to the questions" in by_need["cant_speak"] and "listen to the questions" not in by_need[None]
    assert "18000" in by_need["deaf"]
    assert "call 999 now" in by_need[None]  # tests/e2e/test_action_server_down.py
    assert all("for them" in v["text"] for v in RESPONSES["utter_escalate_other"])
    assert all("call 999 now for them" in v["text"] for v in RESPONSES["utter_escalate_other"] if not condition_of(v))


def slot_values() -> Dict[str, List[Any]]:
    """Every value each conditioned slot can take, None included."""
    values: Dict[str, set] = {}
    for _, _, variation in ALL:
        for slot, value in condition_of(variation).items():
            values.setdefault(slot, {None}).add(value)
    return {slot: sorted(vals, key=str) for slot, vals in values.items()}


def matching(name: str, filled: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The variations Rasa would choose from (rasa.core.nlg.generator: conditional first, else unconditional)."""

    def holds(variation: Dict[str, Any]) -> bool:
        return all(filled.get(slot) == value for slot, value in condition_of(variation).items())

    conditional = [v for v in RESPONSES[name] if v.get("condition") and holds(v)]
    return conditional or [v for v in RESPONSES[name] if not v.get("condition")]


def test_conditions_never_overlap_so_no_tailoring_is_left_to_chance() -> None:
    # Rasa picks at random among the variations whose conditions all hold: exactly one may hold.
    values = slot_values()
    for name in RESPONSES:
        for combination in itertools.product(*values.values()):
            filled = dict(zip(values, combination, strict=True))
            assert len(matching(name, filled)) == 1, (name, filled)


def test_the_overlap_check_catches_overlapping_conditions() -> None:
    RESPONSES["utter_test_overlap"] = [
        {"text": "a", "condition": [{"type": "slot", "name": "young_person", "value": "yes"}]},
        {"text": "b", "condition": [{"type": "slot", "name": "communication_need", "value": "deaf"}]},
    ]
    try:
        assert len(matching("utter_test_overlap", {"young_person": "yes", "communication_need": "deaf"})) == 2
    finally:
        del RESPONSES["utter_test_overlap"]


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_tailoring_holds_for_deaf_users_and_users_who_cannot_speak(name: str) -> None:
    # Once a user is known to be deaf or unable to speak, every answer gives their routes: 18001 101, not 101;
    # for 999, texting or text relay (deaf), or the Silent Solution (can't speak).
    for need in ("deaf", "cant_speak"):
        young = {"young_person": "yes"} if any(condition_of(v).get("young_person") for v in RESPONSES[name]) else {}
        for filled in ({"communication_need": need}, {"communication_need": need, **young}):
            [variation] = matching(name, filled)
            text = variation["text"]
            assert not BARE_101.search(text), f"{name} gives a {need} user plain 101: {text}"
            if CALL_999.search(text) and need == "deaf":
                assert "text 999" in text or "18000" in text, f"{name} tells a deaf user to call 999: {text}"
            if CALL_999.search(text) and need == "cant_speak":
                assert "55" in text or "text 999" in text or "cough" in text, f"{name}: {text}"


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_someone_who_cannot_talk_right_now_gets_the_silent_solution_and_never_emergency_sms(name: str) -> None:
    # Issue 16: "can't talk, he'll hear" is situational. The Silent Solution, never emergencySMS registration
    # (for deaf and speech-impaired people); a lasting need, stated too, wins.
    young = {"young_person": "yes"} if any(condition_of(v).get("young_person") for v in RESPONSES[name]) else {}
    for filled in ({"cant_talk_now": "yes"}, {"cant_talk_now": "yes", **young}):
        [variation] = matching(name, filled)
        text = variation["text"]
        assert not SMS_ROUTES.search(text), f"{name} offers emergencySMS to someone who can't talk now: {text}"
        if CALL_999.search(text):
            assert "55" in text or "cough" in text, f"{name}: {text}"
    for need in ("deaf", "cant_speak"):
        lasting = matching(name, {"communication_need": need, "cant_talk_now": "yes"})
        assert lasting == matching(name, {"communication_need": need}), name


def test_the_situational_check_catches_emergency_sms() -> None:
    assert SMS_ROUTES.search("text REGISTER to 999") and SMS_ROUTES.search("text 999 if you're registered")
    assert not SMS_ROUTES.search("call 999 and press 55 when asked")


def test_the_tailoring_check_catches_plain_101_for_a_deaf_user() -> None:
    assert BARE_101.search("report it to us on 101") and not BARE_101.search("textphone service on 18001 101")


def test_young_people_are_told_about_childline_beside_999() -> None:
    young = [(name, v) for name, _, v in ALL if condition_of(v).get("young_person") == "yes"]
    assert len(young) >= 8
    for name, variation in young:
        assert "0800 1111" in variation["text"], name
    for name in ("utter_young_person",):
        assert all("Childline" in v["text"] and "999" in v["text"] for v in RESPONSES[name])


def test_lockdown_is_in_the_past_tense() -> None:
    lockdown = [rendered(v) for _, _, v in ALL if re.search(r"lockdown|stay-at-home|2020|four weeks", v.get("text", ""), re.I)]
    assert lockdown
    for text in lockdown:
        assert re.search(r"\b(ended|had|was|were)\b", text), text
        assert not re.search(r"\b(have an exemption|has an exemption|are in force|next four weeks|until Wednesday)\b", text), text
        assert not re.search(r"rules (have|has) an", text), text
    # Issue 16: the rules "had" an exemption, and leaving home to escape abuse is always allowed.
    for variation in RESPONSES["utter_leave_home"]:
        assert "had an exemption" in variation["text"] and "always allowed" in variation["text"]
    assert "ended on 2 December 2020" in RESPONSES["utter_leave_home_more"][0]["text"]


def test_long_answers_offer_tell_me_more_and_have_the_rest() -> None:
    with_button = {name for name, _, v in ALL if any(b["payload"] == "/tell_me_more" for b in v.get("buttons") or [])}
    assert {"utter_leave_home", "utter_how_to_report", "utter_privacy", "utter_what_is_abuse"} <= with_button
    for name in with_button:
        assert f"{name}_more" in RESPONSES, name
        assert all(any(b["payload"] == "/tell_me_more" for b in v.get("buttons") or []) for v in RESPONSES[name]), name


def test_fallback_and_uncertainty_offer_the_main_topics_and_999() -> None:
    for name in ("utter_default", "utter_unsure", "utter_how_can_i_help"):
        for variation in RESPONSES[name]:
            assert "999" in variation["text"] and len(variation["buttons"]) >= 4, name


def test_fear_and_described_abuse_never_say_goodbye_or_off_topic() -> None:
    for name in ("utter_feel_unsafe", "utter_describe_abuse", "utter_young_person"):
        for variation in RESPONSES[name]:
            assert "999" in variation["text"]
            assert not re.search(r"Take care|can only help|Sorry", variation["text"]), variation["text"]
    assert any("domestic abuse" in v["text"] for v in RESPONSES["utter_describe_abuse"])
    assert any("refuge" in v["text"] for v in RESPONSES["utter_feel_unsafe"])
    assert any("0808 2000 247" in v["text"] for v in RESPONSES["utter_feel_unsafe"])


def test_the_safety_questions_offer_a_way_out_and_the_routes() -> None:
    for name in ("utter_ask_safe_now", "utter_ask_called_999"):
        for variation in RESPONSES[name]:
            titles = [b["title"] for b in variation["buttons"]]
            assert "I can't call" in titles, name
    # The "yes" button is typed text, so it is read like a typed yes (components/cues.py: answer_yes).
    assert RESPONSES["utter_ask_safe_now"][0]["buttons"][0]["payload"] == "yes"
    for name in ("utter_cant_call_routes",):
        generic = [v["text"] for v in RESPONSES[name] if not v.get("condition")][0]
        for route in ("55", "text 999", "18000", "someone nearby"):
            assert route in generic, route
