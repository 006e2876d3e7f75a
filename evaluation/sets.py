"""The evaluation sets (development and frozen test), how to load them, and the bars they are held to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List, Tuple

import yaml

from evaluation import leaks

ROOT = Path(__file__).resolve().parent.parent
NLU_TEST = ROOT / "tests" / "nlu" / "test.yml"  # frozen (issue 16): tests/unit/test_eval_sets.py pins it
NLU_HELDOUT = sorted(path for path in (ROOT / "tests" / "nlu").glob("*.yml") if path != NLU_TEST)  # development
DEV_SET = ROOT / "tests" / "danger" / "eval.yml"
TEST_SET = ROOT / "tests" / "danger" / "test.yml"
KINDS = ("self", "other", "cant_speak", "deaf")
MIN_MACRO_F1 = 0.90
MIN_CATEGORY_ACCURACY = 0.92  # every category of the frozen topic set (issue 16)
MIN_LONG_MESSAGES = 60  # messages over LONG_WORDS words in the frozen topic set
LONG_WORDS = 30
MIN_DANGER_RECALL = 0.98
MIN_RECALL_PER_KIND = 0.95
MAX_FALSE_ESCALATIONS = 0.03
MAX_RULE_FALSE_FIRES = 0.005


@dataclass
class DangerSet:
    """Messages that must escalate, by who is in danger, and look-alikes that must not."""

    danger: List[Tuple[str, str]]  # (kind, text)
    safe: List[str]

    @property
    def texts(self) -> List[str]:
        """Every text of the set, danger first."""
        return [text for _, text in self.danger] + self.safe


def load_danger_set(path: Path) -> DangerSet:
    """A danger evaluation set (`danger:` by kind, and `safe:`)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return DangerSet([(kind, text) for kind, texts in data["danger"].items() for text in texts], data["safe"])


def load_nlu_examples(paths: Iterable[Path]) -> List[Tuple[str, str]]:
    """(text, intent) pairs of Rasa NLU YAML files."""
    examples = []
    for path in paths:
        for block in yaml.safe_load(path.read_text())["nlu"]:
            examples += [(text, block["intent"]) for text in leaks.nlu_texts_of_block(block)]
    return examples
