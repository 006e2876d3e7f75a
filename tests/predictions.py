"""What a trained model makes of some messages, through Rasa's prediction graph (no pytest here: a serving process,
which refuses pytest, runs this too; see tests/unit/test_serving_imports.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Type

from rasa.core.channels.channel import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.loader import load_predict_graph_runner
from rasa.engine.runner.interface import GraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

MESSAGES = ["how do I report domestic abuse", "he's got a knife", "I'm deaf", "thanks", "asdfgh"]


def parse_and_predict(runner_class: Type[GraphRunner], storage: Path, model: Path) -> Dict[str, Any]:
    """Each message's parse and the next action the dialogue graph predicts after it."""
    metadata, runner = load_predict_graph_runner(storage, model, LocalModelStorage, runner_class)
    results: Dict[str, Any] = {}
    for text in MESSAGES:
        tracker = DialogueStateTracker("test", [])
        tracker.update(ActionExecuted("action_listen"))
        parsed = runner.run(
            inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: tracker}, targets=[metadata.nlu_target]
        )[metadata.nlu_target][0]
        parse = parsed.as_dict(only_output_properties=True)
        tracker.update(UserUttered(text, parse["intent"], parse_data=parse))
        prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])[metadata.core_target]
        results[text] = (
            parse["intent"],
            parse["intent_ranking"],
            parse.get("danger"),
            parse.get("entities"),
            prediction.max_confidence_index,
            prediction.policy_name,
        )
    return results
