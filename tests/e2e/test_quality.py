"""The bars of the danger issue (over REST against the real bot) and of the answer topics, on the frozen test sets."""

from pathlib import Path

import pytest
import yaml

from evaluation.danger import TAILORING, DangerReport, danger_report_over_rest, tailoring_over_rest
from evaluation.intents import category_report, intent_report
from evaluation.sets import DEV_SET, MIN_LONG_MESSAGES, MIN_MACRO_F1, NLU_TEST, TEST_SET
from tests.bot import Bot

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "current.tar.gz"
MAX_UNTAILORED = 0.05
# A floor against regressions on the round-4 frozen topic set, beside issue 16's bar of 0.92 in every category:
# today's model scores 0.972 (692 of 712), worst category 0.926.
TODAYS_ACCURACY = 0.969  # two messages of slack (690 of 712)


def test_held_out_macro_f1_meets_the_bar() -> None:
    report = intent_report(MODEL)
    print(report.table())
    assert report.macro_f1 >= MIN_MACRO_F1, report.table()


def test_every_topic_category_of_the_frozen_set_meets_the_bar() -> None:
    """Issue 16's bar: >= 0.92 in every category of tests/nlu/test.yml, at least 60 of its messages long; and no
    change makes the answers worse overall than today's model."""
    report = category_report(MODEL, (NLU_TEST,))
    print(report.table())
    assert report.long_messages >= MIN_LONG_MESSAGES, report.long_messages
    assert report.meets_the_bar(), report.table()  # never the frozen set's errors
    assert report.accuracy >= TODAYS_ACCURACY, report.table()


@pytest.fixture(scope="module")
def test_set_report(bot: Bot) -> DangerReport:
    return danger_report_over_rest(bot.url, TEST_SET)


def test_danger_recall_on_the_frozen_test_set_meets_the_bars(test_set_report: DangerReport) -> None:
    print(test_set_report.summary("TEST over REST"), "\nmissed:", test_set_report.misses)
    assert test_set_report.meets_the_bars(), (
        test_set_report.summary("TEST"),
        test_set_report.misses,
        test_set_report.false_alarms,
    )


def test_the_generic_escalation_carries_none_of_the_tailored_markers() -> None:
    """Otherwise the tailoring test below would pass whichever variation the bot chose."""
    responses = yaml.safe_load((ROOT / "domain.yml").read_text())["responses"]
    generic = [v["text"] for v in responses["utter_escalate_self"] if not v.get("condition")]
    tailored = {
        kind: [
            v["text"] for name in ("utter_escalate_self", "utter_escalate_other") for v in responses[name] if marker in v["text"]
        ]
        for kind, marker in TAILORING.items()
    }
    assert generic and all(marker not in text for text in generic for marker in TAILORING.values())
    assert all(tailored.values()), tailored


def test_escalation_is_tailored_to_who_is_in_danger_and_how_they_can_call(bot: Bot) -> None:
    """On the development set, which tailoring was tuned on; make eval reports the frozen test set's figure."""
    report = tailoring_over_rest(bot.url, DEV_SET)
    print(report.summary("development"))
    assert len(report.untailored) <= MAX_UNTAILORED * report.escalated, report.untailored
