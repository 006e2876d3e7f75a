"""Shared bases of the project's NLU components: those with nothing to train, and those `rasa train` trains."""

from __future__ import annotations

from typing import Any, Collection, Dict, Text, TypeVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

Component = TypeVar("Component", bound="UntrainedComponent")
Trained = TypeVar("Trained", bound="TrainedComponent")


def best_intent_except(message: Message, excluded: Collection[str]) -> Dict[str, Any]:
    """The classifier's best intent that is neither excluded nor the fallback (the fallback when none is left)."""
    ranking = message.get(INTENT_RANKING_KEY) or []
    others = [r for r in ranking if r.get("name") not in (*excluded, "nlu_fallback")]
    best = others[0] if others else {"name": "nlu_fallback", "confidence": 1.0}
    return {"name": best["name"], "confidence": best.get("confidence", 0.0)}


class UntrainedComponent(GraphComponent):
    """A component built from its configuration alone: no training, nothing stored in the model."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls: type[Component],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        """Creates the component from its configuration."""
        return cls(config)


class TrainedComponent(GraphComponent):
    """A component `rasa train` trains: its configuration, and where its part of the model is stored."""

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource

    @classmethod
    def create(
        cls: type[Trained],
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Trained:
        """An untrained component."""
        return cls(config, model_storage, resource)
