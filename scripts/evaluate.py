"""Held-out evaluation: intent F1 on tests/nlu, and danger escalation over REST on tests/danger/eval.yml.

`make eval` runs both and prints the tables; tests/e2e/test_quality.py asserts the bars with the same code.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Tuple

import yaml
from sklearn.metrics import precision_recall_fscore_support

from scripts import serve

ROOT = Path(__file__).resolve().parent.parent
NLU_HELDOUT = sorted((ROOT / "tests" / "nlu").glob("*.yml"))
DANGER_EVAL = ROOT / "tests" / "danger" / "eval.yml"
MIN_MACRO_F1 = 0.90
MIN_DANGER_RECALL = 0.98
MAX_FALSE_ESCALATIONS = 0.03


def load_nlu_examples(paths: Iterable[Path]) -> List[Tuple[str, str]]:
    """(text, intent) pairs of Rasa NLU YAML files."""
    examples = []
    for path in paths:
        for block in yaml.safe_load(path.read_text())["nlu"]:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    examples.append((line.strip()[2:].strip(), block["intent"]))
    return examples


def load_danger_eval(path: Path = DANGER_EVAL) -> Tuple[List[Tuple[str, str]], List[str]]:
    """(kind, text) of the messages that must escalate, and the texts that must not."""
    data = yaml.safe_load(path.read_text())
    return [(kind, text) for kind, texts in data["danger"].items() for text in texts], data["safe"]


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
    """Parses texts with the trained model's NLU pipeline (in this process)."""
    from rasa.core.agent import Agent

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
class DangerReport:
    """Escalation rates on the danger evaluation set."""

    recall: float
    false_escalations: float
    misses: List[str]
    false_alarms: List[str]

    def summary(self, name: str) -> str:
        """One line of figures."""
        return f"{name:<18} recall {self.recall:.3f}   false escalations {self.false_escalations:.3f}"


def rates(danger: List[str], safe: List[str], escalates: Dict[str, bool]) -> DangerReport:
    """Recall on `danger` and false-escalation rate on `safe`, given a verdict per text."""
    misses = [text for text in danger if not escalates[text]]
    false_alarms = [text for text in safe if escalates[text]]
    return DangerReport(1 - len(misses) / len(danger), len(false_alarms) / len(safe), misses, false_alarms)


def reply_over_rest(rasa_url: str, text: str) -> List[Dict[str, Any]]:
    """Sends `text` as the first message of a new conversation and returns the bot's messages."""
    return serve.post_message(rasa_url, f"eval-{uuid.uuid4()}", text)


def escalates_over_rest(rasa_url: str, text: str) -> bool:
    """True if the reply to `text` carries the escalation marker."""
    return any((m.get("custom") or {}).get("escalation") for m in reply_over_rest(rasa_url, text))


def danger_report_over_rest(rasa_url: str, path: Path = DANGER_EVAL) -> DangerReport:
    """Plays the danger evaluation against a running bot over REST."""
    danger, safe = load_danger_eval(path)
    texts = [text for _, text in danger] + safe
    with ThreadPoolExecutor(max_workers=4) as pool:
        verdicts = dict(zip(texts, pool.map(lambda t: escalates_over_rest(rasa_url, t), texts), strict=True))
    return rates([text for _, text in danger], safe, verdicts)


def danger_reports_by_detector(model: Path, path: Path = DANGER_EVAL) -> Dict[str, DangerReport]:
    """Rates of the rules alone, the model alone, and both together, from the parsed verdicts."""
    danger, safe = load_danger_eval(path)
    texts = [text for _, text in danger] + safe
    verdicts = dict(zip(texts, (p["danger"] for p in parse_all(model, texts)), strict=True))
    danger_texts = [text for _, text in danger]
    return {
        "rules alone": rates(danger_texts, safe, {t: v["rules"]["fired"] for t, v in verdicts.items()}),
        "model alone": rates(danger_texts, safe, {t: v["model"]["fired"] for t, v in verdicts.items()}),
        "both together": rates(danger_texts, safe, {t: v["escalate"] for t, v in verdicts.items()}),
    }


def main() -> None:
    """Prints the intent report and the danger reports; exits 1 if a bar is not met."""
    model = ROOT / "models" / "current.tar.gz"
    report = intent_report(model)
    print("Intent classification on the held-out set (tests/nlu):\n" + report.table())
    print("\nImmediate danger (tests/danger/eval.yml), parsed:")
    for name, detector in danger_reports_by_detector(model).items():
        print("  " + detector.summary(name))
    env = serve.environment()
    env.update(RASA_PORT=str(serve.free_port()), ACTION_SERVER_PORT=str(serve.free_port()),
               SQLITE_TRACKER_DB=str(Path(tempfile.mkdtemp()) / "eval.db"))
    processes = serve.start(["actions", "rasa"], env)
    try:
        over_rest = danger_report_over_rest(f"http://127.0.0.1:{env['RASA_PORT']}")
    finally:
        serve.stop(processes)
    print("  " + over_rest.summary("over REST"))
    for text in over_rest.misses:
        print(f"  MISSED: {text}")
    for text in over_rest.false_alarms:
        print(f"  FALSE ALARM: {text}")
    ok = (
        report.macro_f1 >= MIN_MACRO_F1
        and over_rest.recall >= MIN_DANGER_RECALL
        and over_rest.false_escalations <= MAX_FALSE_ESCALATIONS
    )
    print(f"\nBars: macro F1 >= {MIN_MACRO_F1}, danger recall >= {MIN_DANGER_RECALL}, "
          f"false escalations <= {MAX_FALSE_ESCALATIONS}: {'met' if ok else 'NOT met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
