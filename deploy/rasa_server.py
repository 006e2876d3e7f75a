"""`rasa <args>` with two speed fixes to Rasa 3.6, each measured with make bench (answers unchanged).

- Custom action replies: Rasa's RemoteAction validates every action server reply with `jsonschema.validate`,
  which first checks the schema itself against the JSON Schema meta-schema, on every call: about 30 ms of CPU
  per danger turn, more than all the rest of that turn. Here the schema is checked once, at start-up; every
  reply is still validated against it, and an invalid reply still fails with Rasa's own error.
- The prediction graph runs through deploy/graph_runner.py's SequentialGraphRunner instead of dask.
scripts/serve.py starts Rasa through this module (`python -m deploy.rasa_server run ...`), in the embedded and
production set-ups.
"""

from __future__ import annotations

import sys
from typing import Any, Dict, Text

from jsonschema import validators
from rasa.__main__ import main as rasa_main
from rasa.core import processor
from rasa.core.actions.action import RemoteAction

from deploy.graph_runner import SequentialGraphRunner

RESPONSE_SCHEMA = RemoteAction.action_response_format_spec()
_validator_class = validators.validator_for(RESPONSE_SCHEMA)
_validator_class.check_schema(RESPONSE_SCHEMA)
RESPONSE_VALIDATOR = _validator_class(RESPONSE_SCHEMA)
_rasa_validate_action_result = RemoteAction._validate_action_result


def validate_action_result(action: RemoteAction, result: Dict[Text, Any]) -> bool:
    """True for a valid reply; an invalid one goes on to Rasa's own check, which raises Rasa's error."""
    return RESPONSE_VALIDATOR.is_valid(result) or _rasa_validate_action_result(action, result)


def patch_rasa() -> None:
    """Installs both fixes (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result
    processor.DaskGraphRunner = SequentialGraphRunner


if __name__ == "__main__":
    patch_rasa()
    sys.exit(rasa_main())
