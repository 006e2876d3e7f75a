"""Topic reports: intent macro F1 on the development set, accuracy by category of the answer topics."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple

from sklearn.metrics import precision_recall_fscore_support

from evaluation.sets import LONG_WORDS, MIN_CATEGORY_ACCURACY, NLU_HELDOUT, NLU_TEST, load_nlu_examples


@dataclass
class IntentReport:
    """Per-intent precision, recall and F1, and the most frequent confusions."""

    rows: Dict[str, Tuple[float, float, float, int]]
    macro_f1: float
    accuracy: float
    confusions: List[Tuple[Tuple[str, str], int]] = field(default_factory=list)

    def table(self) -> str:
        """The report as a text table."""
        lines = [f"{'intent':<24}{'precision':>10}{'recall':>8}{'f1':>8}{'n':>5}"]
        for intent, (p, r, f, n) in sorted(self.rows.items()):
            lines.append(f"{intent:<24}{p:>10.3f}{r:>8.3f}{f:>8.3f}{n:>5}")
        lines.append(f"{'macro F1':<24}{self.macro_f1:>42.3f}\n{'accuracy':<24}{self.accuracy:>42.3f}")
        lines += ["main confusions (true -> predicted: count):"]
        lines += [f"  {true} -> {pred}: {count}" for (true, pred), count in self.confusions]
        return "\n".join(lines)


def parse_all(model: Path, texts: List[str]) -> List[Dict[str, Any]]:
    """Parses texts with the trained model's NLU pipeline (in this process), without Rasa's debug log.

    Unconfigured, Rasa's structured log prints every parse, text and predicted intent: on the frozen set, its errors.
    """
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))

    async def run() -> List[Dict[str, Any]]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(run())


def intent_report(model: Path, paths: Iterable[Path] = NLU_HELDOUT) -> IntentReport:
    """Evaluates intent classification on held-out examples."""
    examples = load_nlu_examples(paths)
    predicted = [p["intent"]["name"] for p in parse_all(model, [text for text, _ in examples])]
    truth = [intent for _, intent in examples]
    labels = sorted(set(truth))
    p, r, f, n = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    rows = {label: (p[i], r[i], f[i], int(n[i])) for i, label in enumerate(labels)}
    errors = Counter((t, q) for t, q in zip(truth, predicted, strict=True) if t != q)
    accuracy = sum(t == q for t, q in zip(truth, predicted, strict=True)) / len(truth)
    return IntentReport(rows, sum(f) / len(f), accuracy, errors.most_common(12))


@dataclass
class CategoryReport:
    """Accuracy by category: how often the bot acts on the right intent, for all messages and for long ones."""

    rows: Dict[str, Tuple[int, int, int, int]]  # category -> (correct, n, long correct, long n)
    errors: List[Tuple[str, str, str]]  # (category, predicted, text)

    @property
    def long_messages(self) -> int:
        """How many messages are over LONG_WORDS words."""
        return sum(row[3] for row in self.rows.values())

    @property
    def accuracy(self) -> float:
        """Overall accuracy."""
        return sum(row[0] for row in self.rows.values()) / max(sum(row[1] for row in self.rows.values()), 1)

    def worst(self) -> Tuple[str, float]:
        """The category with the lowest accuracy."""
        name = min(self.rows, key=lambda c: self.rows[c][0] / self.rows[c][1])
        return name, self.rows[name][0] / self.rows[name][1]

    def meets_the_bar(self, bar: float = MIN_CATEGORY_ACCURACY) -> bool:
        """Every category at least `bar`."""
        return self.worst()[1] >= bar

    def table(self) -> str:
        """Accuracy by category, long messages apart."""
        lines = [f"{'category':<24}{'accuracy':>9}{'n':>5}   {'long (>' + str(LONG_WORDS) + ' words)':>20}"]
        for name, (correct, n, long_correct, long_n) in sorted(self.rows.items()):
            long = f"{long_correct / long_n:.3f} of {long_n:>2}" if long_n else "-"
            lines.append(f"{name:<24}{correct / n:>9.3f}{n:>5}   {long:>20}")
        long_correct = sum(row[2] for row in self.rows.values())
        lines.append(
            f"{'all':<24}{self.accuracy:>9.3f}{sum(r[1] for r in self.rows.values()):>5}   "
            f"{long_correct / max(self.long_messages, 1):.3f} of {self.long_messages:>2}".rstrip()
        )
        return "\n".join(lines)


def category_report(model: Path, paths: Iterable[Path] = (NLU_TEST,)) -> CategoryReport:
    """Accuracy by category of labelled messages, each parsed as the first message of a conversation."""
    examples = load_nlu_examples(paths)
    predicted = [p["intent"]["name"] for p in parse_all(model, [text for text, _ in examples])]
    rows: Dict[str, List[int]] = {}
    errors = []
    for (text, truth), guess in zip(examples, predicted, strict=True):
        long = len(text.split()) > LONG_WORDS
        row = rows.setdefault(truth, [0, 0, 0, 0])
        row[0] += guess == truth
        row[1] += 1
        row[2] += long and guess == truth
        row[3] += long
        if guess != truth:
            errors.append((truth, guess, text))
    return CategoryReport({name: tuple(row) for name, row in rows.items()}, errors)
