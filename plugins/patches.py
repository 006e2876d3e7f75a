"""Rasa 3.6.21 patched: speed fixes and serving without TensorFlow, each measured with make bench (answers
unchanged). `apply()` installs them, after checking that the installed Rasa is the version they were written for.

- Custom action replies: Rasa's RemoteAction validates every action server reply with `jsonschema.validate`,
  which first checks the schema itself against the JSON Schema meta-schema, on every call: about 30 ms of CPU
  per danger turn, more than all the rest of that turn. Here the schema is checked once, in apply(); every
  reply is still validated against it, and an invalid reply still fails with Rasa's own error.
- The prediction graph runs through plugins/graph_runner.py's SequentialGraphRunner instead of dask.
- A loaded model's train schema, which serving never reads, is deserialised only if something reads it
  (DeferredGraphSchema), and a model that needs a package the process refuses (TensorFlow, see
  plugins/serving_imports.py) stops the process (ModelNeedsRefusedPackage) instead of leaving Rasa up with no model.
- The production tracker store (plugins/tracker_store.py's DurableSQLTrackerStore) is not wrapped in Rasa's
  FailSafeTrackerStore, which would keep conversations in memory, acknowledged and lost, while the database fails.
- Turns that cannot run away: a custom action call gives up after ACTION_TIMEOUT_SECONDS (Rasa waited 5 minutes,
  longer than a conversation's lock lived, so a hung action let a second turn of the conversation run alongside);
  the lock is now a lease the turn renews while it runs (plugins/lock_store.py).
- No message text or sender id in the logs (plugins/log_privacy.py).
- RulePolicy looks up only the rules whose last state can match the conversation's (plugins/rule_index.py): checking
  all 595 on every prediction was about half of a replica's CPU under load.
- Channel routes match their paths exactly: sanic let `/webhooks/rest/webhook/` (a trailing slash) reach the REST
  handler past checks keyed on the path; now such a variant is a 404 (tests/channels/test_route_variants.py).
Every Rasa command of the project runs through `python -m plugins` (plugins/__main__.py), so these patches apply
to the story tests and the shell as they do to the servers.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Union
from urllib.parse import urljoin

import rasa
from jsonschema import validators
from rasa.core import processor
from rasa.core.actions import action as rasa_action
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels import channel
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.tracker_store import TrackerStore
from rasa.engine.graph import GraphSchema, SchemaNode
from rasa.engine.storage.storage import ModelMetadata
from rasa.shared.core.domain import Domain
from sanic import Sanic

from ops.settings import Settings
from plugins import log_privacy, rule_index, serving_imports
from plugins.graph_runner import SequentialGraphRunner
from plugins.tracker_store import DurableSQLTrackerStore

RASA_VERSION = "3.6.21"  # the version these patches were written for, as pinned in requirements-rasa.txt
logger = logging.getLogger(__name__)

_rasa_validate_action_result = RemoteAction._validate_action_result
_response_validator: Any = None  # built by apply()


def validate_action_result(action: RemoteAction, result: Dict[Text, Any]) -> bool:
    """True for a valid reply; an invalid one goes on to Rasa's own check, which raises Rasa's error."""
    return _response_validator.is_valid(result) or _rasa_validate_action_result(action, result)


class DeferredGraphSchema(GraphSchema):
    """A serialised graph schema, deserialised (importing the classes it names) when its nodes are first read.

    Used for a loaded model's train schema, which serving never reads: its DefaultV1RecipeValidator alone imports
    DIET, TED and ResponseSelector, and with them TensorFlow.
    """

    def __init__(self, serialized: Dict[Text, Any]) -> None:
        self._serialized = copy.deepcopy(serialized)
        self._nodes: Optional[Dict[Text, SchemaNode]] = None

    @property
    def nodes(self) -> Dict[Text, SchemaNode]:  # type: ignore[override]
        """The schema's nodes, as GraphSchema.from_dict gives them."""
        if self._nodes is None:
            self._nodes = GraphSchema.from_dict(copy.deepcopy(self._serialized)).nodes  # from_dict edits its input
        return self._nodes


_rasa_metadata_from_dict = ModelMetadata.from_dict.__func__


def metadata_from_dict(cls: type, serialized: Dict[Text, Any]) -> ModelMetadata:
    """Rasa's ModelMetadata.from_dict, with the train schema a DeferredGraphSchema."""
    metadata = _rasa_metadata_from_dict(cls, {**serialized, "train_schema": {"nodes": {}}})
    metadata.train_schema = DeferredGraphSchema(serialized["train_schema"])
    return metadata


class ModelNeedsRefusedPackage(SystemExit):
    """The model needs a package this process refuses (plugins/serving_imports.py), TensorFlow for one. A SystemExit,
    because Rasa's load_agent catches every Exception, logs it and serves on with no model, answering every message
    with nothing."""


_rasa_load_model = Agent.load_model


def load_model(agent: Agent, model_path: Union[Text, Path], fingerprint: Optional[Text] = None) -> None:
    """Rasa's Agent.load_model; a model that needs a refused package stops the process (ModelNeedsRefusedPackage)."""
    try:
        _rasa_load_model(agent, model_path, fingerprint)
    except Exception as error:
        refused = serving_imports.refused_import(error)
        if refused is None:
            raise
        raise ModelNeedsRefusedPackage(
            f"The model {model_path} cannot be served without {refused.name}, which this Rasa process does not "
            f"import ({refused}). Rasa said: {error} Train it without components that need {refused.name} "
            "(for TensorFlow: DIETClassifier, TEDPolicy, ResponseSelector, ...), or serve it with plain `rasa run`."
        ) from error


_rasa_create_tracker_store = Agent._create_tracker_store


def create_tracker_store(store: Optional[TrackerStore], domain: Domain) -> TrackerStore:
    """Rasa's Agent._create_tracker_store, except that a DurableSQLTrackerStore is used as it is (no fallback)."""
    if isinstance(store, DurableSQLTrackerStore):
        store.domain = domain
        return store
    return _rasa_create_tracker_store(store, domain)


def register_channels(input_channels: List[InputChannel], app: Sanic, route: Optional[Text]) -> None:
    """Rasa's channel.register, with every channel's routes strict about slashes."""

    async def handler(message: UserMessage) -> None:
        await app.ctx.agent.handle_message(message)

    for input_channel in input_channels:
        blueprint = input_channel.blueprint(handler)
        blueprint.strict_slashes = True  # read when the blueprint's routes are registered, just below
        app.blueprint(blueprint, url_prefix=urljoin(route, input_channel.url_prefix()) if route else None)
    app.ctx.input_channels = input_channels


def apply() -> None:
    """Checks Rasa's version, then installs the patches (idempotent) and logs them."""
    global _response_validator
    if rasa.__version__ != RASA_VERSION:
        raise RuntimeError(f"plugins/patches.py patches Rasa {RASA_VERSION}, but Rasa {rasa.__version__} is installed")
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    _response_validator = validator_class(schema)
    RemoteAction._validate_action_result = validate_action_result
    rasa_action.DEFAULT_REQUEST_TIMEOUT = Settings.load().action_timeout_seconds  # read by RemoteAction.run
    log_privacy.install()
    rule_index.install()
    channel.register = register_channels
    processor.DaskGraphRunner = SequentialGraphRunner
    ModelMetadata.from_dict = classmethod(metadata_from_dict)
    Agent.load_model = load_model
    Agent._create_tracker_store = staticmethod(create_tracker_store)
    logger.info(
        "Rasa %s patched: action replies checked against a compiled schema, sequential graph runner, "
        "deferred train schema, models needing a refused package stop the process, no in-memory tracker fallback, "
        "custom actions time out, logs redacted, strict channel routes, indexed rule lookup",
        RASA_VERSION,
    )
