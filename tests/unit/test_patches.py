"""plugins/patches.py: action server replies are still validated, with Rasa's own error for a bad one."""

from __future__ import annotations

import pytest
import rasa
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from plugins import patches

GOOD_REPLY = {"events": [{"event": "slot", "name": "escalated", "value": True}], "responses": []}
BAD_REPLIES = [
    {"events": [{"event": "slot", "name": 42, "value": True}]},
    {"events": "not a list"},
    {"responses": [17]},
]


@pytest.fixture
def action() -> RemoteAction:
    patches.apply()
    return RemoteAction("action_escalate_danger", None)


def test_the_patch_is_in_place(action: RemoteAction) -> None:
    assert RemoteAction._validate_action_result is patches.validate_action_result


def test_a_valid_reply_passes(action: RemoteAction) -> None:
    assert action._validate_action_result(GOOD_REPLY) is True


@pytest.mark.parametrize("reply", BAD_REPLIES)
def test_an_invalid_reply_fails_with_rasas_error(action: RemoteAction, reply: dict) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(reply)


@pytest.mark.parametrize("reply", [GOOD_REPLY, *BAD_REPLIES])
def test_it_agrees_with_rasas_own_check(reply: dict) -> None:
    try:
        patches._rasa_validate_action_result(RemoteAction("x", None), reply)
        rasa_says = True
    except ValidationError:
        rasa_says = False
    assert patches._response_validator.is_valid(reply) is rasa_says


def test_the_patches_refuse_another_rasa_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match="3.7.0"):
        patches.apply()
