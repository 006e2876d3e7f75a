"""Content lives in domain.yml: no channel module holds a message's text or a number the bot gives (issue 17)."""

import ast
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = sorted((ROOT / "channels").glob("*.py"))
SHARED = {
    "common",
    "webhook",
    "identity",
    "edge",
}  # what channels share: replies, JSON webhook checks, conversation keys, the edge
RESPONSES = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
NUMBER = re.compile(r"\b\d[\d ]*\d\b")
YEAR = re.compile(r"(19|20)\d\d")
SENTENCE = re.compile(r"(?<=[.!?:])\s+")


def texts() -> List[str]:
    return [variation["text"] for variations in RESPONSES.values() for variation in variations if variation.get("text")]


def numbers_the_bot_gives() -> List[str]:
    """The phone numbers in the responses (999, 101, 18001 101, 18000, the helplines) and 55 (Silent Solution).

    Ages, hours and years ("16", "24", "2020") are not phone numbers: "utf-16-le" is not content.
    """
    numbers = {number.strip() for text in texts() for number in NUMBER.findall(text)}
    return sorted({n for n in numbers if len(n) >= 3 and not YEAR.fullmatch(n)} | {"55"} & numbers)


def sentences_the_bot_says() -> List[str]:
    """Every sentence of four words or more in a response."""
    return sorted({s.strip() for text in texts() for s in SENTENCE.split(text) if len(s.split()) >= 4})


def string_literals(source: str) -> Iterator[Tuple[int, str]]:
    """(line, value) of every string constant of a module except docstrings (adjacent literals come joined)."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def content_in(source: str) -> List[str]:
    """What in this module's string literals belongs in domain.yml."""
    numbers = {n: re.compile(rf"(?<![\d.]){re.escape(n)}(?!\d|\.\d)") for n in numbers_the_bot_gives()}
    sentences = sentences_the_bot_says()
    found = []
    for line, value in string_literals(source):
        flat = " ".join(value.split())
        found += [f"line {line}: number {n}" for n, pattern in numbers.items() if pattern.search(flat)]
        found += [f"line {line}: {s!r}" for s in sentences if s in flat]
        if "+44" in flat or "stays on your phone" in flat.lower():
            found.append(f"line {line}: {flat[:60]!r}")
    return found


def test_the_checks_know_the_numbers_and_notices() -> None:
    assert {"999", "101", "18001 101", "18000", "55"} <= set(numbers_the_bot_gives())
    notices = [name for name in RESPONSES if name.startswith("utter_privacy_notice_")]
    assert len(notices) == 4


@pytest.mark.parametrize("path", CHANNELS, ids=[path.name for path in CHANNELS])
def test_no_channel_module_holds_content(path: Path) -> None:
    assert content_in(path.read_text()) == [], f"{path.name}: move this text to domain.yml"


def test_the_content_check_catches_a_hard_coded_notice() -> None:
    hard_coded = 'NOTICE = ("This chat stays on your phone. To delete it, delete this conversation in your Messages app. "\n'
    hard_coded += '          "If you\'re in danger, call 999.")\n'
    assert len(content_in(hard_coded)) >= 2
    assert content_in('"""Docstrings may name 999."""\nURL = "https://graph.facebook.com/v19.0"\n') == []


def test_no_channel_imports_a_sibling_channel() -> None:
    siblings = {path.stem for path in CHANNELS} - {"__init__", *SHARED}
    for path in CHANNELS:
        imported = {node.module for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom)}
        assert not {f"channels.{name}" for name in siblings} & imported, path.name


def actions_in(node: object) -> Iterator[str]:
    """Every `action:` named anywhere in a stories, rules or NLU file."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "action" and isinstance(value, str):
                yield value
            yield from actions_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from actions_in(item)


def test_only_the_channel_notices_are_uttered_by_no_story_or_rule() -> None:
    # The channels send the notices themselves. Rasa 3.6's `rasa data validate` warns about a response no story or
    # rule uses, without failing even with --fail-on-warnings; this keeps that list to the notices alone.
    used = {action for path in (ROOT / "data").rglob("*.yml") for action in actions_in(yaml.safe_load(path.read_text()))}
    unused = {name for name in RESPONSES if name not in used}
    notices = {f"utter_privacy_notice_{app}" for app in ("sms", "whatsapp", "telegram", "messenger")}
    assert unused == {*notices, "utter_last_resort"}  # the last-resort reply: channels/edge.py
