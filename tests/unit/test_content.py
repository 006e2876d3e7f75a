"""Every number and link the bot gives appears in the sources; responses stay short."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT.parent / "shared" / "source" / "article.txt", ROOT.parent / "shared" / "source" / "uk-facts.md")
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
NUMBER = re.compile(r"\b\d[\d ]*\d\b|\b\d+\b")
URL = re.compile(r"(?:https?://|www\.)\S+[^\s.,)]")


def responses() -> list[str]:
    slots = {name: slot.get("initial_value") for name, slot in DOMAIN["slots"].items()}
    rendered = []
    for variations in DOMAIN["responses"].values():
        for variation in variations:
            text = variation.get("text", "")
            rendered.append(re.sub(r"\{(\w+)\}", lambda m: str(slots[m.group(1)]), text))
    return rendered


def source_text() -> str:
    return " ".join(" ".join(path.read_text().split()) for path in SOURCES)


def test_every_number_comes_from_the_sources() -> None:
    sources = source_text()
    for text in responses():
        for number in NUMBER.findall(text):
            number = number.strip()
            if re.fullmatch(r"(19|20)\d\d|[1-9]|1[0-9]|2[0-9]|3[01]", number):
                continue  # years and days of the month in "5 November to 2 December 2020"
            assert number in sources, f"{number!r} in {text!r} is not in the sources"


def test_every_link_comes_from_the_article() -> None:
    sources = source_text()
    links = [link for text in responses() for link in URL.findall(text)]
    assert links, "the responses should link to the force's advice page"
    for link in links:
        assert link.rstrip("/") in sources, link


def test_answers_are_at_most_three_sentences() -> None:
    for text in responses():
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text) if s.strip()]
        assert len(sentences) <= 3, text


def test_every_escalation_response_carries_the_marker_and_999() -> None:
    for name in ("utter_escalate_self", "utter_escalate_other"):
        for variation in DOMAIN["responses"][name]:
            assert variation["custom"]["escalation"] is True
            assert "999" in variation["text"]
