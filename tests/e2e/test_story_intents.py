"""The test stories' intents and entities are what the trained model reads from their messages.

`rasa test core` (make stories) plays the stories with the intents and entities written in them: it checks the
dialogue, not what the model reads. This checks the rest, so a story's `user:` text and its labels cannot drift
apart. (The gate's `danger_check` entity has no span and is never annotated in the stories.)
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import List, Tuple

import pytest
import yaml

from evaluation.intents import parse_all

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\(([^)]*)\)|(\{[^}]*\}))")


def labelled_messages() -> List[Tuple[str, str, str, List[str]]]:
    """(story, text, intent, annotated entity names) of every `user:` step of the test stories."""
    found = []
    for path in sorted((ROOT / "tests" / "stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" not in step:
                    continue
                raw = step["user"].strip()
                entities = [m.group(2) or yaml.safe_load(m.group(3))["entity"] for m in ANNOTATION.finditer(raw)]
                found.append((story["story"], ANNOTATION.sub(r"\1", raw), step["intent"], entities))
    return found


MESSAGES = labelled_messages()
# Messages the danger gate escalates though the story (rightly) labels them otherwise: reported to the danger
# developer. Kept strict: when the gate stops escalating one, it must leave this list.
KNOWN_GATE_ESCALATIONS = {"i think my friend's boyfriend is hurting her"}


@pytest.fixture(scope="module")
def parsed() -> dict:
    if not MODEL.exists():
        pytest.fail("No trained model: run `make train` (make test does).")
    texts = sorted({text for _, text, _, _ in MESSAGES})
    return dict(zip(texts, parse_all(MODEL, texts), strict=True))


def test_every_story_message_is_read_as_labelled(parsed: dict) -> None:
    wrong = []
    for text in KNOWN_GATE_ESCALATIONS:
        assert parsed[text]["danger"]["escalate"], f"no longer escalated, remove from KNOWN_GATE_ESCALATIONS: {text}"
    for story, text, intent, entities in MESSAGES:
        result = parsed[text]
        if text in KNOWN_GATE_ESCALATIONS:
            continue
        predicted = {e["entity"] for e in result.get("entities") or []}
        if result["intent"]["name"] != intent or not set(entities) <= predicted:
            wrong.append((story, text, intent, entities, result["intent"]["name"], sorted(predicted)))
    assert not wrong, "\n".join(map(str, wrong))
