"""Exports: corrected turns as Rasa NLU training data, a conversation as a Rasa 3 test story (both redacted)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Set

import yaml

from review.redact import PLACEHOLDERS
from review.store import HIDDEN_ACTIONS

ROOT = Path(__file__).resolve().parent.parent
# Placeholders become obviously fake values: square brackets would read as entity annotations in Rasa's YAML.
SURROGATES = {
    "NAME": "Alex",
    "PHONE": "07700 900000",
    "EMAIL": "someone@example.com",
    "POSTCODE": "AB1 2CD",
    "ADDRESS": "1 High Street",
    "DATE": "1 January 1990",
    "HANDLE": "@someone",
    "PLATE": "AB12 CDE",
    "NHS": "943 476 5919",  # the NHS's own example number
}


@lru_cache(maxsize=1)
def domain_intents() -> Set[str]:
    """The intents declared in domain.yml (corrections may only name these)."""
    return set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])


def training_text(redacted: str) -> str:
    """Redacted text with placeholders swapped for fake values, on one line."""
    for key, placeholder in PLACEHOLDERS.items():
        redacted = redacted.replace(placeholder, SURROGATES[key])
    return " ".join(redacted.split())


class _Literal(str):
    """A string dumped as a YAML block literal (Rasa's `examples: |`)."""


yaml.SafeDumper.add_representer(_Literal, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|"))


def _dump(document: Dict[str, Any]) -> str:
    """YAML in Rasa's layout."""
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1000)


def nlu_yaml(examples: Iterable[tuple[str, str]]) -> str:
    """Rasa NLU YAML from (intent, redacted text) pairs, grouped by intent, without duplicates."""
    by_intent: Dict[str, List[str]] = {}
    for intent, text in examples:
        line = training_text(text)
        if intent in domain_intents() and line and line not in by_intent.setdefault(intent, []):
            by_intent[intent].append(line)
    nlu = [
        {"intent": intent, "examples": _Literal("".join(f"- {yaml_safe(t)}\n" for t in texts))}
        for intent, texts in sorted(by_intent.items())
        if texts
    ]
    return _dump({"version": "3.1", "nlu": nlu})


def yaml_safe(text: str) -> str:
    """Characters that Rasa's example syntax would misread ([ ] ( ) { }) dropped from a training line."""
    return text.translate(str.maketrans("", "", "[](){}"))


# Entities the dialogue rules read (data/rules): a replayed story needs them on its user turns, or the rules take
# another path. Each covers the whole message (components/cues.py, communication.py) or none of it (the danger
# gate's check), so they are annotated over the whole text; the rules read only their names.
STEERING_ENTITIES = ("answer_yes", "says_safe", "communication_need", "danger_check")


def annotated(text: str, entities: List[Dict[str, Any]]) -> str:
    """The user text, annotated with the entities that steer the dialogue (Rasa's list syntax for one span)."""
    steering = [{"entity": e["entity"], "value": e["value"]} for e in entities if e.get("entity") in STEERING_ENTITIES]
    if not steering or not text:
        return text
    return f"[{text}]{json.dumps(steering)}"


def story_yaml(name: str, turns: List[Dict[str, Any]]) -> str:
    """A Rasa 3 test story (user text + intent, then the bot's actions and forms) from a transcript's turns."""
    steps: List[Dict[str, Any]] = []
    for turn in turns:
        if turn["kind"] == "user":
            intent = turn.get("correction") or turn.get("intent")
            if intent not in domain_intents():
                intent = "nlu_fallback"
            text = annotated(yaml_safe(training_text(turn["text"])), turn.get("entities") or [])
            steps.append({"user": _Literal(text + "\n"), "intent": intent})
        elif turn["kind"] == "action" and turn["name"] not in HIDDEN_ACTIONS:
            steps.append({"action": turn["name"]})
        elif turn["kind"] == "loop":
            steps.append({"active_loop": turn["name"]})
        elif turn["kind"] == "slot" and steps:
            steps.append({"slot_was_set": [{turn["name"]: turn["value"]}]})
    return _dump({"version": "3.1", "stories": [{"story": name, "steps": steps}]})
