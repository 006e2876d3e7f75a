"""Danger reports: recall by kind and false escalations, over REST as users get them or per detector, tailoring of
the 999 guidance, and the rules' false fires."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import yaml

from components.danger_patterns import RULES
from components.danger_rules import DangerRules
from evaluation import leaks
from evaluation.intents import parse_all
from evaluation.sets import (
    DEV_SET,
    KINDS,
    MAX_FALSE_ESCALATIONS,
    MAX_RULE_FALSE_FIRES,
    MIN_DANGER_RECALL,
    MIN_RECALL_PER_KIND,
    ROOT,
    TEST_SET,
    DangerSet,
    load_danger_set,
)
from ops import client


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
    return client.post_message(rasa_url, f"eval-{uuid.uuid4()}", text)


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
