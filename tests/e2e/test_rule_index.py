"""plugins/rule_index.py: the indexed rule lookup finds exactly the rules Rasa's own lookup finds, on the trained
model's rules (each rule's own states, and each cut short, with another intent and with no previous action)."""

import json
import tarfile
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.core.policies.rule_policy import RulePolicy

from plugins import rule_index

MODEL = Path(__file__).resolve().parents[2] / "models" / "current.tar.gz"


@pytest.fixture(scope="module")
def lookup() -> Dict[str, str]:
    with tarfile.open(MODEL) as model:
        member = next(m for m in model.getmembers() if m.name.endswith("train_RulePolicy0/rule_policy.json"))
        return json.load(model.extractfile(member))["lookup"]["rules"]


def conversations(rules: Dict[str, str]) -> List[List[Dict[str, Any]]]:
    """Each rule's states, each of their tails, the same with the last intent changed, and with no previous action."""
    found = []
    for key in rules:
        states = json.loads(key)
        for start in range(len(states)):
            tail = [dict(state) for state in states[start:]]
            found.append(tail)
            last = tail[-1]
            if "user" in last:
                found.append([*tail[:-1], {**last, "user": {**last["user"], "intent": "greet"}}])
            found.append([*tail[:-1], {k: v for k, v in last.items() if k != "prev_action"}])
    return found


def test_the_index_finds_what_rasa_finds(lookup: Dict[str, str]) -> None:
    policy = RulePolicy.__new__(RulePolicy)  # the lookup methods read no instance state
    cases = conversations(lookup)
    assert len(lookup) > 100 and len(cases) > len(lookup)
    for states in cases:
        expected = rule_index._rasa_get_possible_keys(policy, lookup, states)
        assert rule_index.get_possible_keys(policy, lookup, states) == expected, states


def test_the_index_follows_rules_removed_from_the_lookup(lookup: Dict[str, str]) -> None:
    policy, mutable = RulePolicy.__new__(RulePolicy), dict(lookup)
    states = json.loads(next(iter(mutable)))
    assert rule_index.get_possible_keys(policy, mutable, states)
    for key in rule_index.get_possible_keys(policy, mutable, states):
        mutable.pop(key)
    assert rule_index.get_possible_keys(policy, mutable, states) == rule_index._rasa_get_possible_keys(policy, mutable, states)
