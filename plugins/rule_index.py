"""RulePolicy's rule lookup, indexed by what a rule's last state requires: its previous action and its intent.

Rasa checks every memorised rule against the conversation's states on every prediction, a few per turn. With the
595 rules here (one per topic and condition) that was about half of a replica's CPU under load (py-spy, make bench).
A rule can only apply if its last state's previous action and intent, when it names them, are the conversation's
own; the index picks those rules first and Rasa's own check then runs on them alone, so the verdicts are Rasa's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Dict, List, Optional, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

State = Dict[Text, Dict[Text, Any]]
ANY = None  # a rule that names no previous action or no intent in its last state
Index = Dict[Tuple[Optional[Text], Optional[Text]], List[Text]]

_rasa_get_possible_keys = RulePolicy._get_possible_keys
_indexes: Dict[int, Tuple[Dict[Text, Text], Index]] = {}  # id of a lookup -> (the lookup, its index)


def _required(state: State, sub_state: Text, key: Text) -> Optional[Text]:
    """The value a rule's state requires, or ANY when it requires none (absent, or "should not be set")."""
    value = state.get(sub_state, {}).get(key)
    return ANY if value in (None, SHOULD_NOT_BE_SET) else value


def build_index(lookup: Dict[Text, Text]) -> Index:
    """Rule keys grouped by their last state's required previous action and intent."""
    index: Index = defaultdict(list)
    for key in lookup:
        states = RulePolicy._rule_key_to_state(key)
        last = states[-1] if states else {}
        index[(_required(last, PREVIOUS_ACTION, ACTION_NAME), _required(last, USER, INTENT))].append(key)
    return dict(index)


def index_of(lookup: Dict[Text, Text]) -> Index:
    """The index of a lookup, built once (rules training removes from it later are skipped by the caller)."""
    cached = _indexes.get(id(lookup))
    if cached is None or cached[0] is not lookup:
        cached = _indexes[id(lookup)] = (lookup, build_index(lookup))
    return cached[1]


def get_possible_keys(policy: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    """Rasa's `_get_possible_keys`, run on the rules whose last state can match the conversation's last state."""
    if not states:
        return _rasa_get_possible_keys(policy, lookup, states)
    index = index_of(lookup)
    action, intent = states[-1].get(PREVIOUS_ACTION, {}).get(ACTION_NAME), states[-1].get(USER, {}).get(INTENT)
    candidates = {key for a in {action, ANY} for i in {intent, ANY} for key in index.get((a, i), ())}
    return _rasa_get_possible_keys(policy, {key: lookup[key] for key in candidates if key in lookup}, states)


def install() -> None:
    """Replaces RulePolicy's lookup of possible rules with the indexed one."""
    RulePolicy._get_possible_keys = get_possible_keys
