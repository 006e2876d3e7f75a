"""The dialogue tests (issue 13) test what the model has not seen: their messages are not copies of training data.

Messages of the issue's test stories (tests/stories/test_emergency.yml, test_dialogue.yml) and of the REST
conversations (tests/e2e/dialogue_cases.yml) are held to the leak check of the held-out sets (evaluation/leaks.py:
token-set Jaccard >= 0.8 is a near copy). Very short replies ("yes", "no", "bye") are copies of anything by nature
and are left out, and so is "tell me more", the "Tell me more" button's own words.
"""

import re
from pathlib import Path
from typing import List, Tuple

import yaml

from evaluation.leaks import find_leaks, tokens, training_items

ROOT = Path(__file__).resolve().parents[2]
# Every user message quoted in issue 13. "he's gone" is played by test_dialogue.py's test_he_is_gone_ends_the_emergency;
# the others are `issue: true` turns of dialogue_cases.yml.
ISSUE_MESSAGES = {
    "he has a knife",
    "😢",
    "?",
    "idk",
    "maybe",
    "kind of",
    "wait",
    "shit",
    "no",
    "i cant call",
    "what should i do",
    "im scared",
    "im not safe at home",
    "where can i go tonight",
    "asdfgh",
    "she hit me with a pan",
    "my dad hurts my mum",
    "he's hitting her right now",
    "he just pushed her down the stairs",
    "he's strangling her",
    "im safe, its next door",
    "im 14",
    "will i get in trouble for telling",
    "he's coming",
    "yes",
    "is lockdown still on?",
    "I'm safe",
    "he's gone",
    "I'm at my mum's",
}
PLAYED_ELSEWHERE = {"he's gone"}
MIN_OTHER_MESSAGES = 40


def story_messages() -> List[Tuple[str, str]]:
    messages = []
    for path in (ROOT / "tests" / "stories" / "test_emergency.yml", ROOT / "tests" / "stories" / "test_dialogue.yml"):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" in step:
                    text = re.sub(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})", r"\1", step["user"].strip())
                    messages.append((f"{path.name}: {story['story']}", text))
    return messages


def case_turns() -> List[dict]:
    cases = yaml.safe_load((ROOT / "tests" / "e2e" / "dialogue_cases.yml").read_text(encoding="utf-8"))
    return [turn for case in cases["conversations"] for turn in case["turns"]]


def issue_messages() -> set:
    return {t["say"] for t in case_turns() if t.get("issue")}


def test_dialogue_test_messages_are_not_near_copies_of_training_examples() -> None:
    # The issue's own messages are what they are (some were in the training data before the issue): only the
    # others are judged.
    messages = story_messages() + [("dialogue_cases.yml", t["say"]) for t in case_turns()]
    judged = [
        (where, text)
        for where, text in messages
        if len(tokens(text)) >= 3 and text.lower() != "tell me more" and not text.startswith("/") and text not in issue_messages()
    ]
    leaks = find_leaks(training_items(), judged)
    assert not leaks, "\n".join(map(str, leaks))


def test_the_issue_messages_and_at_least_40_others_are_played() -> None:
    turns = case_turns()
    issue = issue_messages()
    others = {t["say"] for t in turns if not t.get("issue")} | {text for _, text in story_messages()}
    others -= issue
    assert issue == ISSUE_MESSAGES - PLAYED_ELSEWHERE, sorted(issue ^ (ISSUE_MESSAGES - PLAYED_ELSEWHERE))
    assert len(others) >= MIN_OTHER_MESSAGES, len(others)
