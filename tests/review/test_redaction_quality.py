"""Redaction measured (issue 15): recall on tests/review/redaction/test_set.txt (212 marked personal items, written
before the redactor was tuned on dev_set.txt) at least 0.95, over-redaction of non-personal messages (held-out NLU
and danger sets, the bot's own responses) at most 2%, and the bot's own numbers always kept. `make test` prints the
figures by kind of item."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import yaml

from review.redact import DATES, redact
from tests.review.redaction.measure import HERE, ROOT, recall, report

MIN_RECALL, MAX_OVER_REDACTION = 0.95, 0.02


def test_recall_and_over_redaction_meet_the_bars(capsys: pytest.CaptureFixture) -> None:
    figures, overall, over = report(HERE / "test_set.txt")
    with capsys.disabled():
        print(f"\n{figures}")
    assert sum(total for _, total, _ in recall(HERE / "test_set.txt").values()) >= 200
    assert overall >= MIN_RECALL, figures
    assert over <= MAX_OVER_REDACTION, figures


@pytest.mark.parametrize("numbers", ["999", "101", "18001 101", "55", "18000", "0808 2000 247", "116 123"])
def test_the_bots_own_numbers_are_kept(numbers: str) -> None:
    for text in (f"call {numbers}", f"is {numbers} free to call?", f"I rang {numbers} last night"):
        assert numbers in redact(text), redact(text)


def test_every_number_in_the_bots_responses_is_kept() -> None:
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    for variants in responses.values():
        for text in (variant.get("text") or "" for variant in variants):
            undated = text
            for pattern in DATES:  # a date in a response ("2 December 2020") is redacted like any date
                undated = pattern.sub("[DATE]", undated)
            assert re.findall(r"\d+", redact(text)) == re.findall(r"\d+", undated), (text, redact(text))


def test_the_command_line_redacts_standard_input() -> None:
    lines = "my name is darren, call 07700 900461\nhow do I report domestic abuse? call 101\n"
    result = subprocess.run(
        [sys.executable, "-m", "review.cli", "redact"], input=lines, capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines() == ["my name is [NAME], call [PHONE]", "how do I report domestic abuse? call 101"]
