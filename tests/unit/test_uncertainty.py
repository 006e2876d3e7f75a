"""components/uncertainty.py: "not sure" judged on the intent the bot will act on."""

from typing import Any, Dict, List

import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.uncertainty import UncertaintyFallback


@pytest.fixture()
def component(tmp_path) -> UncertaintyFallback:
    storage = LocalModelStorage(tmp_path)
    fallback = UncertaintyFallback({}, storage, Resource("uncertainty"))
    examples = [Message({"text": t, "intent": "greet"}) for t in ("hello there", "he has a knife", "where can i go")]
    fallback.train(TrainingData(examples))
    return fallback


def message(text: str, ranking: List[Dict[str, Any]]) -> Message:
    return Message({"text": text, "intent": dict(ranking[0]), "intent_ranking": [dict(r) for r in ranking]})


def decided(component: UncertaintyFallback, text: str, ranking: List[Dict[str, Any]]) -> str:
    [parsed] = component.process([message(text, ranking)])
    return parsed.get("intent")["name"]


def test_a_confident_intent_is_kept(component: UncertaintyFallback) -> None:
    assert decided(component, "where can i go", [{"name": "feel_unsafe", "confidence": 0.8}]) == "feel_unsafe"


def test_a_guess_becomes_the_fallback_first_in_the_ranking(component: UncertaintyFallback) -> None:
    [parsed] = component.process([message("where can i go", [{"name": "goodbye", "confidence": 0.29}])])
    assert parsed.get("intent")["name"] == "nlu_fallback"
    assert [r["name"] for r in parsed.get("intent_ranking")] == ["nlu_fallback", "goodbye"]


def test_yes_and_no_need_more_confidence(component: UncertaintyFallback) -> None:
    assert decided(component, "hello there", [{"name": "affirm", "confidence": 0.33}]) == "nlu_fallback"
    assert decided(component, "hello there", [{"name": "greet", "confidence": 0.33}]) == "greet"


def test_a_danger_intent_on_top_is_judged_by_the_intent_the_gate_would_fall_back_to(component: UncertaintyFallback) -> None:
    # The gate (last in the pipeline) replaces a danger intent it declines with the best other intent: if that
    # is a guess, the bot says it isn't sure; if the gate escalates, it overrides this anyway.
    weak = [{"name": "immediate_danger", "confidence": 0.6}, {"name": "affirm", "confidence": 0.2}]
    strong = [{"name": "immediate_danger", "confidence": 0.5}, {"name": "goodbye", "confidence": 0.45}]
    assert decided(component, "hello there", weak) == "nlu_fallback"
    assert decided(component, "hello there", strong) == "immediate_danger"


def test_unknown_words_with_a_middling_confidence_are_not_understood(component: UncertaintyFallback) -> None:
    assert decided(component, "asdfgh", [{"name": "affirm", "confidence": 0.42}]) == "nlu_fallback"
    assert decided(component, "asdfgh", [{"name": "affirm", "confidence": 0.9}]) == "affirm"
    assert decided(component, "k", [{"name": "affirm", "confidence": 0.42}]) == "affirm"  # short: chat shorthand


def test_the_vocabulary_is_stored_and_loaded(component: UncertaintyFallback, tmp_path) -> None:
    loaded = UncertaintyFallback.load({}, component._storage, component._resource, None)
    assert loaded.vocabulary == component.vocabulary and {"hello", "knife"} <= loaded.vocabulary
