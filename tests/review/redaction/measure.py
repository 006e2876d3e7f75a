"""Redaction recall on marked personal items, and over-redaction of non-personal tokens (issue 15's bars)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

import yaml

from review.redact import redact

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
ITEM = re.compile(r"\[([a-z]+):([^\]]+)\]")
TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
PLACEHOLDER = re.compile(r"\[[A-Z]+\]")
# Words an address item may keep without giving anyone away ("flat", "road", "the").
GENERIC = set(
    "the of and flat apartment unit house number no st street road lane avenue close drive court gate bank view cottage "
    "farm barn mill terrace crescent park green".split()
)


def items(path: Path) -> Iterator[Tuple[str, List[Tuple[str, str]]]]:
    """Each message of a marked set: its text and its (kind, item) pairs."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield ITEM.sub(lambda m: m.group(2), line), ITEM.findall(line)


def tokens(text: str) -> Counter:
    return Counter(token.casefold() for token in TOKEN.findall(PLACEHOLDER.sub(" ", text)))


def recall(path: Path) -> Dict[str, Tuple[int, int, List[str]]]:
    """Per kind: (items caught, items, the missed ones). An item is caught when none of its identifying words is
    left in the redacted message (beyond the times the word occurs outside the message's items)."""
    result: Dict[str, Tuple[int, int, List[str]]] = {}
    for text, marked in items(path):
        redacted = tokens(redact(text))
        background = tokens(ITEM.sub(" ", "\n".join([text] + [m for _, m in marked]).split("\n")[0]))
        for _, item in marked:
            background.subtract(tokens(item))
        for kind, item in marked:
            identifying = [t for t in tokens(item) if t not in GENERIC or kind != "address"]
            caught = all(redacted[t] <= max(background[t], 0) for t in identifying)
            hit, total, missed = result.get(kind, (0, 0, []))
            result[kind] = (hit + caught, total + 1, missed if caught else missed + [f"{item!r} in {redact(text)!r}"])
    return result


def non_personal_texts() -> List[str]:
    """Realistic messages with no personal data: the held-out NLU and danger sets, and the bot's own responses."""
    texts: List[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            lines = [line[2:] for line in node.splitlines() if line.startswith("- ")]
            texts.extend(lines or [node])
        elif isinstance(node, dict):
            for key, value in node.items():
                if key not in ("intent", "version", "name", "condition", "channel"):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for name in ("tests/nlu/heldout.yml", "tests/nlu/heldout_danger.yml", "tests/danger/test.yml"):
        walk(yaml.safe_load((ROOT / name).read_text(encoding="utf-8")))
    walk(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"])
    return [text for text in texts if text.strip()]


def over_redaction(texts: List[str]) -> Tuple[int, int, List[str]]:
    """(non-personal tokens removed, tokens, examples of removals)."""
    lost, total, examples = 0, 0, []
    for text in texts:
        before, after = tokens(text), tokens(redact(text))
        gone = before - after
        lost, total = lost + sum(gone.values()), total + sum(before.values())
        if gone:
            examples.append(f"{sorted(gone)} in {text[:80]!r}")
    return lost, total, examples


def report(path: Path) -> Tuple[str, float, float]:
    """The figures as printed by `make test`, overall recall and over-redaction."""
    figures = recall(path)
    hit = sum(h for h, _, _ in figures.values())
    total = sum(t for _, t, _ in figures.values())
    lines = [f"Redaction on {path.name}: recall {hit}/{total} = {hit / total:.3f}"]
    lines += [f"  {kind:9} {h:3}/{t:<3} {h / t:.3f}" for kind, (h, t, _) in sorted(figures.items())]
    lost, count, _ = over_redaction(non_personal_texts())
    lines.append(f"  over-redaction: {lost}/{count} non-personal tokens = {lost / count:.2%}")
    return "\n".join(lines), hit / total, lost / count
