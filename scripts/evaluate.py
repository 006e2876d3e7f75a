"""Held-out evaluation: the answer topics and immediate danger, each on a development and a frozen test set.

Topics: accuracy by category (the share of a category's messages whose answer is the right one, as the bot acts on
them after the danger gate and the long-message handling) on the frozen test set (tests/nlu/test.yml) and on the
development set (tests/nlu/dev.yml, heldout.yml, heldout_danger.yml: the only ones tuned against), and macro F1 on
the development set.

`make eval` prints, side by side for the development set (tests/danger/eval.yml, the only one tuned against) and the
frozen test set (tests/danger/test.yml): recall by who is in danger, false escalations (the "are you in danger
right now?" check included), each detector alone, the false fires of every rule, and the leak check.
tests/e2e/test_quality.py asserts the bars on the test set with the same code.
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
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import yaml
from sklearn.metrics import precision_recall_fscore_support

from components.danger import DangerRules
from components.danger_patterns import RULES
from scripts import leaks, serve

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


@dataclass
class DangerReport:
    """Escalation rates on one danger set. An outcome is "escalate", "check" or None."""

    recall: float
    recall_by_kind: Dict[str, float]
    false_escalations: float  # "check" included
    false_checks: float
    misses: List[Tuple[str, str]]
    false_alarms: List[Tuple[str, str]]  # (outcome, text)

    def summary(self, name: str) -> str:
        """One line of figures."""
        kinds = " ".join(f"{kind} {value:.3f}" for kind, value in self.recall_by_kind.items())
        return (
            f"{name:<22} recall {self.recall:.3f} ({kinds})   false escalations {self.false_escalations:.3f}"
            f" (of which check {self.false_checks:.3f})"
        )

    def meets_the_bars(self) -> bool:
        """Recall >= 0.98 overall and >= 0.95 for each kind; false escalations <= 0.03."""
        return (
            self.recall >= MIN_DANGER_RECALL
            and min(self.recall_by_kind.values()) >= MIN_RECALL_PER_KIND
            and self.false_escalations <= MAX_FALSE_ESCALATIONS
        )


def rates(dataset: DangerSet, outcome: Dict[str, Optional[str]]) -> DangerReport:
    """Recall (a check counts as caught) and false escalations (a check counts as one), given each text's outcome."""
    misses = [(kind, text) for kind, text in dataset.danger if not outcome[text]]
    by_kind = {kind: [text for k, text in dataset.danger if k == kind] for kind in KINDS}
    recall_by_kind = {kind: sum(bool(outcome[t]) for t in texts) / len(texts) for kind, texts in by_kind.items() if texts}
    false_alarms = [(outcome[text] or "", text) for text in dataset.safe if outcome[text]]
    checks = sum(kind == "check" for kind, _ in false_alarms)
    n_safe = len(dataset.safe)
    return DangerReport(
        1 - len(misses) / len(dataset.danger), recall_by_kind, len(false_alarms) / n_safe, checks / n_safe, misses, false_alarms
    )


def reply_over_rest(rasa_url: str, text: str) -> List[Dict[str, Any]]:
    """Sends `text` as the first message of a new conversation and returns the bot's messages."""
    return serve.post_message(rasa_url, f"eval-{uuid.uuid4()}", text)


def outcome_of(reply: List[Dict[str, Any]]) -> Optional[str]:
    """ "check" for the are-you-in-danger question, "escalate" for 999 guidance, None otherwise."""
    kinds = [(m.get("custom") or {}).get("kind") for m in reply if (m.get("custom") or {}).get("escalation")]
    return None if not kinds else "check" if set(kinds) == {"check"} else "escalate"


def replies_over_rest(rasa_url: str, texts: List[str]) -> Dict[str, List[Dict[str, Any]]]:
    """Each text's reply as the first message of a conversation with a running bot."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(texts, pool.map(lambda t: reply_over_rest(rasa_url, t), texts), strict=True))


def danger_report_over_rest(rasa_url: str, path: Path = TEST_SET) -> DangerReport:
    """Plays a danger set against a running bot over REST."""
    dataset = load_danger_set(path)
    replies = replies_over_rest(rasa_url, dataset.texts)
    return rates(dataset, {text: outcome_of(reply) for text, reply in replies.items()})


# What each kind of danger message must be told first (uk-facts.md): the Silent Solution's steps when the user
# can't speak, the emergency text relay when deaf, and to call 999 for them when someone else is in danger.
TAILORING = {"cant_speak": "listen to the questions", "deaf": "18000", "other": "for them"}


@dataclass
class TailoringReport:
    """How many escalations of the tailored kinds carried their kind's guidance."""

    escalated: int
    untailored: List[Tuple[str, str]]  # (kind, text)

    def summary(self, name: str) -> str:
        """One line of figures."""
        tailored = self.escalated - len(self.untailored)
        return f"{name:<22} tailored {tailored}/{self.escalated} ({tailored / max(self.escalated, 1):.3f})"


def tailoring_over_rest(rasa_url: str, path: Path) -> TailoringReport:
    """Plays a set's someone-else, can't-speak and deaf messages and checks each escalation's guidance."""
    items = [(kind, text) for kind, text in load_danger_set(path).danger if kind in TAILORING]
    replies = replies_over_rest(rasa_url, [text for _, text in items])
    escalated = [(kind, text) for kind, text in items if outcome_of(replies[text]) == "escalate"]
    untailored = [
        (kind, text) for kind, text in escalated if TAILORING[kind] not in " ".join(m.get("text", "") for m in replies[text])
    ]
    return TailoringReport(len(escalated), untailored)


def danger_reports_by_detector(model: Path, path: Path) -> Dict[str, DangerReport]:
    """Rates of the rules alone, the classifier alone, and the gate, from the parsed verdicts."""
    dataset = load_danger_set(path)
    verdicts = dict(zip(dataset.texts, (p["danger"] for p in parse_all(model, dataset.texts)), strict=True))

    def outcome(pick: Callable[[Dict[str, Any]], Optional[str]]) -> Dict[str, Optional[str]]:
        return {text: pick(verdict) for text, verdict in verdicts.items()}

    return {
        "rules alone": rates(dataset, outcome(lambda v: "escalate" if v["rules"]["fired"] else None)),
        "classifier alone": rates(dataset, outcome(lambda v: "escalate" if v["model"]["fired"] else None)),
        "gate (with check)": rates(dataset, outcome(lambda v: "escalate" if v["escalate"] else "check" if v["check"] else None)),
    }


def negative_texts() -> List[str]:
    """Every message known not to be danger: look-alikes of the corpus, other intents' examples, safe eval items."""
    from components.danger_classifier import load_corpus

    texts = [example.text for example in load_corpus(ROOT / "data" / "danger") if not example.is_danger]
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text())["nlu"]:
            if block["intent"] not in ("immediate_danger", "someone_else_in_danger"):
                texts += leaks.nlu_texts_of_block(block)
    return texts + load_danger_set(DEV_SET).safe + load_danger_set(TEST_SET).safe


def rule_false_fires(texts: List[str]) -> Dict[str, List[str]]:
    """For each rule, the negative messages on which it fires (and its verdict escalates)."""
    detector = DangerRules()
    fires: Dict[str, List[str]] = {rule.name: [] for rule in RULES}
    for text in texts:
        for name in detector.detect(text).rules:
            fires[name].append(text)
    return fires


def rule_table(fires: Dict[str, List[str]], total: int) -> str:
    """False fires per rule, worst first."""
    lines = [f"False fires of each rule on {total} negative messages (bar: <= {MAX_RULE_FALSE_FIRES:.1%} each):"]
    for name, texts in sorted(fires.items(), key=lambda item: -len(item[1])):
        example = f"   e.g. {texts[0]!r}" if texts else ""
        lines.append(f"  {name:<26}{len(texts):>4}  {len(texts) / total:6.2%}{example}")
    return "\n".join(lines)


def main() -> None:
    """Prints every report; exits 1 if a bar is not met on the frozen test set."""
    model = ROOT / "models" / "current.tar.gz"
    report = intent_report(model)
    print("Intent classification on the development set (tests/nlu, all but test.yml):\n" + report.table())
    dev_topics, test_topics = category_report(model, NLU_HELDOUT), category_report(model, (NLU_TEST,))
    print("\nAnswer topics, accuracy by category, development set (tests/nlu, all but test.yml):\n" + dev_topics.table())
    print(f"\nAnswer topics, accuracy by category, TEST (frozen, {NLU_TEST.relative_to(ROOT)}):\n" + test_topics.table())
    for truth, guess, text in test_topics.errors:
        print(f"  TEST WRONG ({truth} -> {guess}): {text}")
    for name, path in (("development", DEV_SET), ("TEST (frozen)", TEST_SET)):
        print(f"\nImmediate danger, {name} set ({path.relative_to(ROOT)}), parsed:")
        for detector, danger in danger_reports_by_detector(model, path).items():
            print("  " + danger.summary(detector))
    env = serve.environment()
    env.update(
        RASA_PORT=str(serve.free_port()),
        ACTION_SERVER_PORT=str(serve.free_port()),
        RASA_REPLICAS="1",
        SQLITE_TRACKER_DB=str(Path(tempfile.mkdtemp()) / "eval.db"),
    )
    processes = serve.start(["actions", "rasa"], env)
    try:
        url = f"http://127.0.0.1:{env['RASA_PORT']}"
        dev, test = danger_report_over_rest(url, DEV_SET), danger_report_over_rest(url, TEST_SET)
        tailoring = {
            name: tailoring_over_rest(url, path) for name, path in (("development", DEV_SET), ("TEST (frozen)", TEST_SET))
        }
    finally:
        serve.stop(processes)
    print("\nOver REST, as users get it:\n  " + dev.summary("development") + "\n  " + test.summary("TEST (frozen)"))
    print("Tailoring of the 999 guidance (someone else, can't speak, deaf):")
    for name, tailored in tailoring.items():
        print("  " + tailored.summary(name))
    for kind, text in tailoring["TEST (frozen)"].untailored:
        print(f"  TEST UNTAILORED ({kind}): {text}")
    for kind, text in test.misses:
        print(f"  TEST MISSED ({kind}): {text}")
    for outcome, text in test.false_alarms:
        print(f"  TEST FALSE ALARM ({outcome}): {text}")
    negatives = negative_texts()
    fires = rule_false_fires(negatives)
    print("\n" + rule_table(fires, len(negatives)))
    found = leaks.find_leaks(leaks.training_items(), leaks.evaluation_items())
    print(f"\nLeak check (token-set Jaccard >= {leaks.THRESHOLD}): {len(found)} near copies")
    for leak in found:
        print("  " + str(leak))
    ok = report.macro_f1 >= MIN_MACRO_F1 and test.meets_the_bars() and not found
    ok = ok and test_topics.meets_the_bar() and test_topics.long_messages >= MIN_LONG_MESSAGES
    ok = ok and max(map(len, fires.values())) <= MAX_RULE_FALSE_FIRES * len(negatives)
    print(
        f"\nBars on the frozen test sets: every topic category >= {MIN_CATEGORY_ACCURACY} (worst: "
        f"{test_topics.worst()[0]} {test_topics.worst()[1]:.3f}) with >= {MIN_LONG_MESSAGES} long messages "
        f"({test_topics.long_messages}); development macro F1 >= {MIN_MACRO_F1}, recall >= {MIN_DANGER_RECALL} "
        f"(>= {MIN_RECALL_PER_KIND} per kind), false escalations <= {MAX_FALSE_ESCALATIONS}; rules <= "
        f"{MAX_RULE_FALSE_FIRES:.1%} false fires each; no leaks: {'met' if ok else 'NOT met'}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
