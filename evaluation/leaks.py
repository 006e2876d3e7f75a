"""Leak check: no training example may be an exact or near copy of an evaluation item.

Near copy: the Jaccard similarity of the two normalised token sets (text-speak expanded, lower case, punctuation
dropped) is at least 0.8. Candidates are found with prefix filtering (rarest tokens first), so the check stays
fast on thousands of examples. `make test` fails on any leak and `make eval` prints them.
"""

from __future__ import annotations

import math
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Set, Tuple

import yaml

from components.danger_classifier import load_corpus
from components.danger_patterns import RULES
from components.normalise import for_matching

ROOT = Path(__file__).resolve().parent.parent
THRESHOLD = 0.8
Item = Tuple[str, str]  # (where, text)


def tokens(text: str) -> FrozenSet[str]:
    """The normalised token set of a message."""
    return frozenset(word for word in for_matching(text).split() if any(ch.isalnum() for ch in word))


def nlu_texts_of_block(block: Dict[str, Any]) -> List[str]:
    """Example texts of one intent block of a Rasa NLU YAML file."""
    lines = (line.strip() for line in (block.get("examples") or "").splitlines())
    return [line[2:].strip() for line in lines if line.startswith("- ")]


def nlu_texts(path: Path) -> List[str]:
    """Example texts of a Rasa NLU YAML file."""
    blocks = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []
    return [text for block in blocks for text in nlu_texts_of_block(block)]


def danger_set_texts(path: Path) -> List[str]:
    """Texts of a danger evaluation set (`danger:` by kind, and `safe:`)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [text for texts in data["danger"].values() for text in texts] + list(data["safe"])


def training_items(root: Path = ROOT) -> List[Item]:
    """Everything the models and rules learn from: NLU examples, the danger corpus, the rules' own examples."""
    items = [
        (str(path.relative_to(root)), text) for path in sorted((root / "data" / "nlu").glob("*.yml")) for text in nlu_texts(path)
    ]
    items += [("data/danger", example.text) for example in load_corpus(root / "data" / "danger")]
    items += [(f"rule {rule.name}", text) for rule in RULES for text in rule.examples]
    return items


def evaluation_items(root: Path = ROOT) -> List[Item]:
    """Every evaluation set: held-out NLU examples, the danger development set and the frozen test set."""
    items = [
        (str(path.relative_to(root)), text) for path in sorted((root / "tests" / "nlu").glob("*.yml")) for text in nlu_texts(path)
    ]
    items += [
        (str(path.relative_to(root)), text)
        for path in sorted((root / "tests" / "danger").glob("*.yml"))
        for text in danger_set_texts(path)
    ]
    return items


@dataclass(frozen=True)
class Leak:
    """A training example too close to an evaluation item."""

    similarity: float
    training: Item
    evaluation: Item

    def __str__(self) -> str:
        return (
            f"{self.similarity:.2f}  {self.training[0]}: {self.training[1]!r}\n"
            f"      ~ {self.evaluation[0]}: {self.evaluation[1]!r}"
        )


def _prefix(ordered: List[str], threshold: float) -> List[str]:
    """The tokens that any set at least `threshold`-similar must share one of (prefix filtering)."""
    return ordered[: len(ordered) - math.ceil(threshold * len(ordered)) + 1]


def find_leaks(training: Iterable[Item], evaluation: Iterable[Item], threshold: float = THRESHOLD) -> List[Leak]:
    """Pairs of (training, evaluation) items whose token sets have Jaccard similarity >= threshold."""
    train = [(item, tokens(item[1])) for item in training]
    test = [(item, tokens(item[1])) for item in evaluation]
    frequency = Counter(token for _, words in train + test for token in words)

    def ordered(words: FrozenSet[str]) -> List[str]:
        return sorted(words, key=lambda token: (frequency[token], token))

    index: Dict[str, Set[int]] = defaultdict(set)
    for position, (_, words) in enumerate(train):
        for token in _prefix(ordered(words), threshold):
            index[token].add(position)
    leaks = []
    for item, words in test:
        if not words:
            continue
        candidates = set().union(*(index.get(token, set()) for token in _prefix(ordered(words), threshold)))
        for position in sorted(candidates):
            other = train[position][1]
            similarity = len(words & other) / len(words | other)
            if similarity >= threshold:
                leaks.append(Leak(round(similarity, 2), train[position][0], item))
    return leaks


def main() -> None:
    """Prints the leaks; exits 1 if there is any."""
    leaks = find_leaks(training_items(), evaluation_items())
    print(f"Leak check (token-set Jaccard >= {THRESHOLD}): {len(leaks)} training examples near evaluation items")
    for leak in leaks:
        print("  " + str(leak))
    sys.exit(1 if leaks else 0)


if __name__ == "__main__":
    main()
