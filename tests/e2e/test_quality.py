"""The bars of the conversation and danger issues, on the in-repo held-out sets."""

from pathlib import Path

from scripts.evaluate import MAX_FALSE_ESCALATIONS, MIN_DANGER_RECALL, MIN_MACRO_F1, danger_report_over_rest, intent_report
from tests.bot import Bot

MODEL = Path(__file__).resolve().parents[2] / "models" / "current.tar.gz"


def test_held_out_macro_f1_meets_the_bar() -> None:
    report = intent_report(MODEL)
    print(report.table())
    assert report.macro_f1 >= MIN_MACRO_F1, report.table()


def test_danger_recall_and_false_escalations_over_rest_meet_the_bars(bot: Bot) -> None:
    report = danger_report_over_rest(bot.url)
    print(report.summary("over REST"), "\nmissed:", report.misses, "\nfalse alarms:", report.false_alarms)
    assert report.recall >= MIN_DANGER_RECALL, report.misses
    assert report.false_escalations <= MAX_FALSE_ESCALATIONS, report.false_alarms
